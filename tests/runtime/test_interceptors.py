"""Interceptors: the four hook points of a call, sync and async, against the
fake endpoint on 127.0.0.1, a Stubber and a paginator."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..client_harness import SECRET_ID, SECRET_KEY, Harness, spec_examples
from ..fake_tencent import Behaviour, FakeTencentCloud
from .stubbed_pages import run_stubbed_pages

READ = {"sdk_app_id": 1, "task_id": "t"}  # DescribeCloudRecording: read-only, retried on 5xx


class Recorder:
    """Writes down every hook it sees, with what the context says at that point."""

    def __init__(self, name: str, log: list[tuple[Any, ...]]) -> None:
        self.name = name
        self.log = log

    def before_call(self, context: Any) -> None:
        self.log.append((self.name, "before_call", context.action, context.attempt))

    def before_attempt(self, context: Any) -> None:
        self.log.append((self.name, "before_attempt", context.attempt))

    def after_attempt(self, context: Any) -> None:
        error = type(context.error).__name__ if context.error else None
        self.log.append((self.name, "after_attempt", context.attempt, error, context.retrying, context.delay))

    def after_call(self, context: Any) -> None:
        result = context.result.request_id if context.result is not None else None
        error = type(context.error).__name__ if context.error else None
        attempts = context.meta.attempts if context.meta is not None else None
        self.log.append((self.name, "after_call", result, error, attempts))


def test_hooks_run_in_order_around_every_attempt_of_a_retried_call(harness: Harness) -> None:
    harness.server.then("DescribeCloudRecording", Behaviour("error", code="RequestLimitExceeded"))
    log: list[tuple[Any, ...]] = []
    outer, inner = Recorder("outer", log), Recorder("inner", log)
    response = harness.run(
        lambda c: c.describe_cloud_recording(**READ), interceptors=[outer, inner], uniform=lambda a, b: b
    )
    assert response.meta.attempts == 2
    assert log == [
        ("outer", "before_call", "DescribeCloudRecording", 0),
        ("inner", "before_call", "DescribeCloudRecording", 0),
        ("outer", "before_attempt", 1),
        ("inner", "before_attempt", 1),
        ("inner", "after_attempt", 1, "RequestLimitExceededError", True, 0.2),
        ("outer", "after_attempt", 1, "RequestLimitExceededError", True, 0.2),
        ("outer", "before_attempt", 2),
        ("inner", "before_attempt", 2),
        ("inner", "after_attempt", 2, None, False, None),
        ("outer", "after_attempt", 2, None, False, None),
        ("inner", "after_call", "req-2", None, 2),
        ("outer", "after_call", "req-2", None, 2),
    ]


def test_a_failed_call_ends_with_after_call_holding_the_error(harness: Harness) -> None:
    from tcsdk.common.errors import TencentCloudError

    harness.server.then("DescribeCloudRecording", Behaviour("error", code="InvalidParameter"))
    log: list[tuple[Any, ...]] = []
    with pytest.raises(TencentCloudError):
        harness.run(lambda c: c.describe_cloud_recording(**READ), interceptors=[Recorder("r", log)])
    assert log[-2:] == [
        ("r", "after_attempt", 1, "InvalidParameterError", False, None),
        ("r", "after_call", None, "InvalidParameterError", None),
    ]


class AddsHeaderAndParam:
    def before_attempt(self, context: Any) -> None:
        context.headers["X-Attempt"] = str(context.attempt)
        context.params["NewParameter"] = context.attempt


def test_before_attempt_adds_signed_params_and_headers_per_attempt(harness: Harness) -> None:
    harness.server.then("DescribeCloudRecording", Behaviour("status", status=502))
    response = harness.run(lambda c: c.describe_cloud_recording(**READ), interceptors=[AddsHeaderAndParam()])
    first, second = harness.server.calls("DescribeCloudRecording")
    # The fake checks every signature: the added parameter is part of the signed body.
    assert [json.loads(c.body)["NewParameter"] for c in (first, second)] == [1, 2]
    assert [c.headers["x-attempt"] for c in (first, second)] == ["1", "2"]
    assert json.loads(second.body)["TaskId"] == "t" and response.meta.attempts == 2


class Declared:
    def before_attempt(self, context: Any) -> None:
        context.params["TaskId"] = "other"


class Framing:
    def before_attempt(self, context: Any) -> None:
        context.headers["Content-Length"] = "0"


def test_what_an_interceptor_adds_is_checked_like_the_callers_own(harness: Harness) -> None:
    from tcsdk.common.errors import RequestValidationError

    with pytest.raises(RequestValidationError, match="declared parameter"):
        harness.run(lambda c: c.describe_cloud_recording(**READ), interceptors=[Declared()])
    with pytest.raises(ValueError, match="frames the request"):
        harness.run(lambda c: c.describe_cloud_recording(**READ), interceptors=[Framing()])
    assert harness.server.calls() == []


class Boom(Exception):
    pass


class Fails:
    def __init__(self, point: str, log: list[str]) -> None:
        self.point = point
        self.log = log

    def before_attempt(self, context: Any) -> None:
        if self.point == "before_attempt":
            raise Boom("before_attempt")

    def after_attempt(self, context: Any) -> None:
        if self.point == "after_attempt":
            raise Boom("after_attempt")

    def after_call(self, context: Any) -> None:
        self.log.append(type(context.error).__name__)
        if self.point == "after_call":
            raise Boom("after_call")


@pytest.mark.parametrize("point", ["before_attempt", "after_attempt", "after_call"])
def test_an_interceptors_exception_ends_the_call_and_propagates_as_itself(harness: Harness, point: str) -> None:
    harness.server.then("DescribeCloudRecording", Behaviour("status", status=502))
    log: list[str] = []
    with pytest.raises(Boom, match=point) as caught:
        harness.run(lambda c: c.describe_cloud_recording(**READ), interceptors=[Fails(point, log)])
    assert type(caught.value) is Boom
    # Never retried: an exception before the first attempt sends nothing, one after it stops the retry.
    assert len(harness.server.calls()) == (0 if point == "before_attempt" else 1 if point == "after_attempt" else 2)
    # after_call still ran, and saw the exception (or, when it raised itself, the call's outcome).
    assert log == (["NoneType"] if point == "after_call" else ["Boom"])


class AsyncRecorder:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def before_call(self, context: Any) -> None:
        await asyncio.sleep(0)
        self.seen.append("before_call")

    async def after_call(self, context: Any) -> None:
        await asyncio.sleep(0)
        self.seen.append(f"after_call {context.result.request_id}")


def test_async_clients_await_coroutine_methods_and_sync_clients_refuse_them(harness: Harness) -> None:
    recorder = AsyncRecorder()
    if harness.mode == "async":
        harness.run(lambda c: c.describe_cloud_recording(**READ), interceptors=[recorder])
        assert recorder.seen == ["before_call", "after_call req-1"]
    else:
        with pytest.raises(TypeError, match="coroutine"):
            harness.run(lambda c: c.describe_cloud_recording(**READ), interceptors=[recorder])
        assert harness.server.calls() == []


def test_with_options_replaces_the_list_and_copies_keep_their_own(harness: Harness) -> None:
    first: list[tuple[Any, ...]] = []
    second: list[tuple[Any, ...]] = []
    a, b = Recorder("a", first), Recorder("b", second)

    def body(client: Any) -> Any:
        copy = client.with_options(interceptors=[*client.interceptors, b])
        assert client.interceptors == (a,) and copy.interceptors == (a, b)
        if harness.mode == "sync":
            client.describe_cloud_recording(**READ)
            copy.describe_cloud_recording(**READ)
            return None

        async def both() -> None:
            await client.describe_cloud_recording(**READ)
            await copy.describe_cloud_recording(**READ)

        return both()

    harness.run(body, interceptors=[a])
    assert [entry[1] for entry in first].count("after_call") == 2
    assert [entry[1] for entry in second].count("after_call") == 1


def test_interceptors_are_checked_when_the_client_is_built(generated_on_path: Path) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.trtc.v20190722.client import TrtcClient

    class NotCallable:
        before_call = 3

    credentials = Credentials(SECRET_ID, SECRET_KEY)
    with pytest.raises(TypeError, match="list of objects"):
        TrtcClient(credentials, interceptors=Recorder("x", []))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not callable"):
        TrtcClient(credentials, interceptors=[NotCallable()])


def test_the_base_class_only_costs_what_is_overridden(generated_on_path: Path) -> None:
    from tcsdk.common.interceptors import Interceptor, hooks_of

    class OnlyAfterCall(Interceptor):
        def after_call(self, context: Any) -> None:
            pass

    table = hooks_of([OnlyAfterCall()])
    assert table is not None and [point for point, methods in table.items() if methods] == ["after_call"]
    assert hooks_of([Interceptor()]) is None


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_stubbed_calls_and_paginators_go_through_them(mode: str, pager_package: Path) -> None:
    log: list[tuple[Any, ...]] = []
    run_stubbed_pages(mode, {"interceptors": [Recorder("r", log)]})
    calls = [entry for entry in log if entry[1] == "after_call"]
    assert [entry[3] for entry in calls] == [None, None, "InvalidParameterError"]
    assert [entry for entry in log if entry[1] == "before_attempt"] == [("r", "before_attempt", 1)] * 3


OUTCOMES = st.sampled_from(["success", "throttled", "502", "invalid"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(OUTCOMES, min_size=0, max_size=4))
def test_the_hook_sequence_is_well_formed_whatever_the_answers(generated_on_path: Path, script: list[str]) -> None:
    """For any run of answers: before_call first, after_call last, one before/after pair per request sent."""
    from tcsdk.common.errors import SDKError

    server = FakeTencentCloud("trtc", {SECRET_ID: SECRET_KEY}, spec_examples("trtc")).start()
    behaviours = {
        "success": Behaviour("success"),
        "throttled": Behaviour("error", code="RequestLimitExceeded"),
        "502": Behaviour("status", status=502),
        "invalid": Behaviour("error", code="InvalidParameter"),
    }
    server.then("DescribeCloudRecording", *(behaviours[name] for name in script))
    log: list[tuple[Any, ...]] = []
    harness = Harness("sync", server, generated_on_path)
    try:
        harness.run(lambda c: c.describe_cloud_recording(**READ), interceptors=[Recorder("r", log)])
    except SDKError:
        pass
    finally:
        server.stop()
    points = [entry[1] for entry in log]
    sent = len(server.calls())
    assert points[0] == "before_call" and points[-1] == "after_call" and points.count("after_call") == 1
    assert points[1:-1] == ["before_attempt", "after_attempt"] * sent
    retrying = [entry[4] for entry in log if entry[1] == "after_attempt"]
    assert retrying == [True] * (sent - 1) + [False]
