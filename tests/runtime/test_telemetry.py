"""OpenTelemetry: spans, retry events and metrics of calls, sync and async,
against the fake endpoint on 127.0.0.1 and a Stubber, with the SDK's
in-memory exporter and reader (providers are handed to each client: no
global provider is set, so the tests stay independent)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ..client_harness import SECRET_ID, SECRET_KEY, Harness
from ..conftest import GENERATED
from ..fake_tencent import Behaviour
from .stubbed_pages import run_stubbed_pages

READ = {"sdk_app_id": 1, "task_id": "t"}  # DescribeCloudRecording: read-only, retried


class Telemetry:
    """A tracer provider and a meter provider of their own, read back in memory."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def option(self) -> Any:
        from tcsdk.common.telemetry import Tracing

        return Tracing(self.tracer_provider, self.meter_provider)

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def metrics(self) -> dict[str, list[Any]]:
        """Metric name -> its data points."""
        found: dict[str, list[Any]] = {}
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found


@pytest.fixture()
def telemetry(monkeypatch: pytest.MonkeyPatch) -> Telemetry:
    """Providers of the test's own; the global tracer provider is unset while it runs
    (and put back after), whatever another test or a docs example set."""
    from opentelemetry.util._once import Once

    monkeypatch.setattr(trace, "_TRACER_PROVIDER", None)
    monkeypatch.setattr(trace, "_TRACER_PROVIDER_SET_ONCE", Once())
    return Telemetry()


def test_a_call_is_one_client_span_with_the_rpc_attributes(harness: Harness, telemetry: Telemetry) -> None:
    response = harness.run(lambda c: c.describe_cloud_recording(**READ), tracing=telemetry.option())
    (span,) = telemetry.spans()
    assert span.name == "trtc/DescribeCloudRecording" and span.kind is trace.SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    call = harness.server.calls()[0]
    port = int(harness.server.url.rsplit(":", 1)[1].strip("/"))
    assert attributes == {
        "rpc.system.name": "tencentcloud",
        "rpc.system": "tencentcloud",
        "rpc.method": "trtc/DescribeCloudRecording",
        "rpc.service": "trtc",
        "server.address": "127.0.0.1",
        "server.port": port,
        "cloud.region": "ap-beijing",
        "tencentcloud.api_version": "2019-07-22",
        "tencentcloud.attempts": 1,
        "tencentcloud.trace_id": call.headers["x-tc-traceid"],
        "tencentcloud.request_id": response.request_id,
    }
    assert span.status.status_code is trace.StatusCode.UNSET and not span.events
    metrics = telemetry.metrics()
    (duration,) = metrics["rpc.client.call.duration"]
    assert duration.count == 1 and duration.sum > 0
    assert dict(duration.attributes) == {
        "rpc.system.name": "tencentcloud",
        "rpc.method": "trtc/DescribeCloudRecording",
        "server.address": "127.0.0.1",
        "cloud.region": "ap-beijing",
    }
    (attempts,) = metrics["tencentcloud.client.attempts"]
    assert attempts.value == 1


def test_retries_are_events_and_the_attempts_are_counted(harness: Harness, telemetry: Telemetry) -> None:
    harness.server.then(
        "DescribeCloudRecording", Behaviour("error", code="RequestLimitExceeded"), Behaviour("status", status=502)
    )
    response = harness.run(
        lambda c: c.describe_cloud_recording(**READ), tracing=telemetry.option(), uniform=lambda a, b: b
    )
    assert response.meta.attempts == 3
    (span,) = telemetry.spans()
    assert span.attributes is not None and span.attributes["tencentcloud.attempts"] == 3
    assert [(e.name, dict(e.attributes or {})) for e in span.events] == [
        ("retry", {"tencentcloud.attempt": 1, "error.type": "RequestLimitExceeded", "tencentcloud.retry.delay": 0.2}),
        ("retry", {"tencentcloud.attempt": 2, "error.type": "HTTPStatusError", "tencentcloud.retry.delay": 0.4}),
    ]
    assert span.status.status_code is trace.StatusCode.UNSET
    (attempts,) = telemetry.metrics()["tencentcloud.client.attempts"]
    assert attempts.value == 3


def test_an_api_error_sets_error_type_and_the_status(harness: Harness, telemetry: Telemetry) -> None:
    from tcsdk.common.errors import TencentCloudError

    harness.server.then("DescribeCloudRecording", Behaviour("error", code="InvalidParameter"))
    with pytest.raises(TencentCloudError) as caught:
        harness.run(lambda c: c.describe_cloud_recording(**READ), tracing=telemetry.option())
    (span,) = telemetry.spans()
    attributes = dict(span.attributes or {})
    assert attributes["error.type"] == "InvalidParameter"
    assert attributes["rpc.response.status_code"] == "InvalidParameter"
    assert attributes["tencentcloud.request_id"] == caught.value.request_id
    assert span.status.status_code is trace.StatusCode.ERROR and span.status.description == "InvalidParameter"
    (duration,) = telemetry.metrics()["rpc.client.call.duration"]
    assert duration.attributes["error.type"] == "InvalidParameter"


def test_a_transport_error_is_named_by_its_class(harness: Harness, telemetry: Telemetry) -> None:
    from tcsdk.common.errors import TransportError

    # Nothing listens on port 9: the connection is refused, and never retried
    # for a write (DismissRoom), so one attempt.
    with pytest.raises(TransportError):
        harness.run(
            lambda c: c.dismiss_room(sdk_app_id=1, room_id=2), tracing=telemetry.option(), endpoint="http://127.0.0.1:9"
        )
    (span,) = telemetry.spans()
    assert span.attributes is not None and span.attributes["error.type"] == "TransportError"
    assert span.attributes["server.port"] == 9
    assert span.status.status_code is trace.StatusCode.ERROR
    assert (span.status.description or "").startswith("TransportError: DismissRoom")
    assert SECRET_KEY not in repr(span.to_json())


def test_the_span_is_current_around_the_users_interceptors_and_nests_under_the_callers(
    harness: Harness, telemetry: Telemetry
) -> None:
    seen: list[Any] = []

    class Sees:
        def before_attempt(self, context: Any) -> None:
            seen.append(trace.get_current_span().get_span_context().span_id)

        def after_call(self, context: Any) -> None:
            seen.append(trace.get_current_span().get_span_context().span_id)

    tracer = telemetry.tracer_provider.get_tracer("app")

    def body(client: Any) -> Any:
        if harness.mode == "sync":
            with tracer.start_as_current_span("handler"):
                client.describe_cloud_recording(**READ)
            return None

        async def main() -> None:
            with tracer.start_as_current_span("handler"):
                await client.describe_cloud_recording(**READ)

        return main()

    harness.run(body, tracing=telemetry.option(), interceptors=[Sees()])
    call, handler = telemetry.spans()
    assert handler.name == "handler" and call.parent is not None
    assert call.parent.span_id == handler.context.span_id
    assert seen == [call.context.span_id] * 2
    assert trace.get_current_span() is trace.INVALID_SPAN  # nothing left current


def test_off_with_tracing_false_and_not_on_by_default_without_a_provider(
    harness: Harness, telemetry: Telemetry
) -> None:
    # opentelemetry.trace is imported (by this module) but no provider is set:
    # the API's proxy provider does not turn tracing on.
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    harness.run(lambda c: c.describe_cloud_recording(**READ))

    def body(client: Any) -> Any:
        assert client._core.hooks is None
        copy = client.with_options(tracing=telemetry.option())
        off = copy.with_options(tracing=False)
        assert copy._core.hooks is not None and off._core.hooks is None
        if harness.mode == "sync":
            off.describe_cloud_recording(**READ)
            copy.describe_cloud_recording(**READ)
            return None

        async def both() -> None:
            await off.describe_cloud_recording(**READ)
            await copy.describe_cloud_recording(**READ)

        return both()

    harness.run(body)
    assert len(telemetry.spans()) == 1 and len(harness.server.calls()) == 3


def test_on_by_default_once_the_application_sets_a_tracer_provider(harness: Harness, telemetry: Telemetry) -> None:
    """A client built before the provider was set traces from the next call on."""

    def body(client: Any) -> Any:
        if harness.mode == "sync":
            client.describe_cloud_recording(**READ)
            trace.set_tracer_provider(telemetry.tracer_provider)
            client.describe_cloud_recording(**READ)
            client.with_options(tracing=False).describe_cloud_recording(**READ)
            return None

        async def calls() -> None:
            await client.describe_cloud_recording(**READ)
            trace.set_tracer_provider(telemetry.tracer_provider)
            await client.describe_cloud_recording(**READ)
            await client.with_options(tracing=False).describe_cloud_recording(**READ)

        return calls()

    harness.run(body)
    (span,) = telemetry.spans()
    assert span.attributes is not None and span.attributes["tencentcloud.request_id"] == "req-2"
    assert len(harness.server.calls()) == 3


def test_a_tracer_provider_alone_and_the_option_checked(generated_on_path: Path, telemetry: Telemetry) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.testing import Stubber
    from tcsdk.trtc.v20190722.client import TrtcClient

    credentials = Credentials(SECRET_ID, SECRET_KEY)
    with pytest.raises(TypeError, match="tracing must be"):
        TrtcClient(credentials, tracing="yes")
    with TrtcClient(credentials, region="ap-beijing", tracing=telemetry.tracer_provider) as client:
        with Stubber(client) as stubber:
            stubber.add_response("DismissRoom", {})
            client.dismiss_room(sdk_app_id=1, room_id=2)
    (span,) = telemetry.spans()
    assert span.name == "trtc/DismissRoom"
    assert span.attributes is not None and span.attributes["server.address"] == "trtc.tencentcloudapi.com"
    assert span.attributes["server.port"] == 443


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_stubbed_calls_and_paginators_are_traced(mode: str, pager_package: Path, telemetry: Telemetry) -> None:
    from pagerpkg.common.telemetry import Tracing

    run_stubbed_pages(mode, {"tracing": Tracing(telemetry.tracer_provider, telemetry.meter_provider)})
    spans = telemetry.spans()
    assert [s.name for s in spans] == ["pager/ListWidgets"] * 3
    assert [(s.attributes or {}).get("error.type") for s in spans] == [None, None, "InvalidParameter"]
    assert all((s.attributes or {})["tencentcloud.attempts"] == 1 for s in spans)


def test_an_interrupted_call_ends_its_span_and_runs_after_call(harness: Harness, telemetry: Telemetry) -> None:
    """Async: the task is cancelled while the answer is awaited. Sync: Ctrl-C in the pause before a retry.

    Either way after_call sees the interruption, the span ends, nothing is left
    current, and the interruption propagates as itself.
    """
    errors: list[str] = []

    class Sees:
        def after_call(self, context: Any) -> None:
            errors.append(type(context.error).__name__)

    if harness.mode == "sync":
        harness.server.then("DescribeCloudRecording", Behaviour("status", status=502))

        def interrupt(seconds: float) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            harness.run(
                lambda c: c.describe_cloud_recording(**READ),
                tracing=telemetry.option(),
                interceptors=[Sees()],
                sleep=interrupt,
            )
        expected = "KeyboardInterrupt"
    else:
        harness.server.then("DescribeCloudRecording", Behaviour("slow", delay=1.0))

        async def main() -> None:
            kwargs = harness.client_kwargs(tracing=telemetry.option(), interceptors=[Sees()])
            credentials = kwargs.pop("credentials")
            async with harness.async_cls(credentials, **kwargs) as client:
                task = asyncio.create_task(client.describe_cloud_recording(**READ))
                while not harness.server.calls():
                    await asyncio.sleep(0.01)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            assert trace.get_current_span() is trace.INVALID_SPAN

        asyncio.run(main())
        expected = "CancelledError"
    assert errors == [expected]
    assert trace.get_current_span() is trace.INVALID_SPAN
    (span,) = telemetry.spans()
    assert span.attributes is not None and span.attributes["error.type"] == expected
    assert span.status.status_code is trace.StatusCode.ERROR and span.end_time is not None


def test_credentials_that_fail_end_the_span_too(harness: Harness, telemetry: Telemetry) -> None:
    """A step's own error (here the credentials provider's) goes through after_call, then out as itself."""
    from tcsdk.common.errors import CredentialsError

    class NoKeys:
        def get_credentials(self) -> Any:
            raise CredentialsError("no keys here")

        async def get_credentials_async(self) -> Any:
            raise CredentialsError("no keys here")

    errors: list[str] = []

    class Sees:
        def after_call(self, context: Any) -> None:
            errors.append(type(context.error).__name__)

    with pytest.raises(CredentialsError, match="no keys here"):
        harness.run(
            lambda c: c.describe_cloud_recording(**READ),
            credentials=NoKeys(),
            tracing=telemetry.option(),
            interceptors=[Sees()],
        )
    assert errors == ["CredentialsError"] and harness.server.calls() == []
    (span,) = telemetry.spans()
    assert span.attributes is not None and span.attributes["error.type"] == "CredentialsError"
    assert span.attributes["tencentcloud.attempts"] == 1  # the attempt that found no credentials
    assert trace.get_current_span() is trace.INVALID_SPAN


CHILD = """
import sys
from tcsdk.trtc.v20190722.client import TrtcClient
from tcsdk.common.credentials import Credentials
from tcsdk.common.testing import Stubber

with TrtcClient(Credentials("AKIDx", "secret"), region="ap-beijing") as trtc, Stubber(trtc) as stubber:
    stubber.add_response("DismissRoom", {})
    trtc.dismiss_room(sdk_app_id=1, room_id=2)
loaded = [m for m, module in sys.modules.items() if module is not None and "telemetry" in m]
assert not loaded, loaded
try:
    TrtcClient(Credentials("AKIDx", "secret"), tracing=True)
except ImportError as error:
    assert "pip install opentelemetry-api" in str(error), error
    print("refused")
"""


def test_tracing_true_without_opentelemetry_says_what_to_install(generated_on_path: Path) -> None:
    # A child where importing opentelemetry fails, as when it is not installed.
    blocker = "import sys; sys.modules['opentelemetry'] = None\n"
    result = subprocess.run(
        [sys.executable, "-c", blocker + CHILD], cwd=GENERATED, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused"
