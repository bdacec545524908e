"""The call-any-action client, response metadata, extra headers, Retry-After
and the region from the environment, against the fake endpoint on 127.0.0.1.

Every behavioural test runs with the sync and the async client.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import msgspec
import pytest

from ..client_harness import MODES, SECRET_ID, SECRET_KEY, Clock, Harness, spec_examples
from ..fake_tencent import Behaviour, FakeTencentCloud

CVM_VERSION = "2017-03-12"


@pytest.fixture()
def cvm() -> Iterator[FakeTencentCloud]:
    server = FakeTencentCloud("cvm", {SECRET_ID: SECRET_KEY}, {}).start()
    yield server
    server.stop()


class CommonHarness:
    """Runs a test body against CommonClient or AsyncCommonClient."""

    def __init__(self, mode: str, server: FakeTencentCloud) -> None:
        self.mode = mode
        self.server = server
        self.clock = Clock()

    def run(self, body: Callable[[Any], Any], service: str = "cvm", **overrides: Any) -> Any:
        from tcsdk.common.aio import AsyncCommonClient
        from tcsdk.common.client import CommonClient
        from tcsdk.common.credentials import Credentials

        kwargs: dict[str, Any] = {
            "endpoint": self.server.url,
            "region": "ap-guangzhou",
            "clock": self.clock,
            "sleep": self.clock.sleep if self.mode == "sync" else self.clock.async_sleep,
            "timeout": 5.0,
        }
        kwargs.update(overrides)
        credentials = kwargs.pop("credentials", Credentials(SECRET_ID, SECRET_KEY))
        if self.mode == "sync":
            with CommonClient(service, CVM_VERSION, credentials, **kwargs) as client:
                return body(client)

        async def main() -> Any:
            async with AsyncCommonClient(service, CVM_VERSION, credentials, **kwargs) as client:
                return await body(client)

        return asyncio.run(main())


@pytest.fixture(params=MODES)
def common(request: pytest.FixtureRequest, cvm: FakeTencentCloud, generated_on_path: Path) -> CommonHarness:
    return CommonHarness(request.param, cvm)


def test_common_client_calls_any_action_with_a_dict(common: CommonHarness) -> None:
    from tcsdk.common.client import CommonResponse

    common.server.then("DescribeZones", Behaviour("success", fields={"TotalCount": 2, "ZoneSet": [{"Zone": "a"}]}))
    response = common.run(lambda c: c.call("DescribeZones", {"Filters": [{"Name": "zone", "Values": ["a"]}]}))
    assert isinstance(response, CommonResponse)
    assert response == {"TotalCount": 2, "ZoneSet": [{"Zone": "a"}], "RequestId": "req-1"}
    assert response.request_id == "req-1"
    assert response.meta.status == 200 and response.meta.attempts == 1
    assert response.meta.headers["content-type"] == "application/json"
    (received,) = common.server.calls()
    assert json.loads(received.body) == {"Filters": [{"Name": "zone", "Values": ["a"]}]}
    assert received.headers["x-tc-action"] == "DescribeZones"
    assert received.headers["x-tc-version"] == CVM_VERSION
    assert received.headers["x-tc-region"] == "ap-guangzhou"
    assert received.headers["content-type"] == "application/json"


def test_common_client_without_params_sends_an_empty_object(common: CommonHarness) -> None:
    common.run(lambda c: c.call("DescribeRegions"))
    assert common.server.calls()[0].body == b"{}"


def test_common_client_accepts_a_request_model(common: CommonHarness) -> None:
    from tcsdk.cvm.v20170312 import models

    request = models.DescribeInstancesStatusRequest(instance_ids=["ins-1"], limit=10)
    common.run(lambda c: c.call("DescribeInstancesStatus", request))
    assert json.loads(common.server.calls()[0].body) == {"InstanceIds": ["ins-1"], "Limit": 10}


def test_common_client_raises_typed_errors_with_the_raw_code(common: CommonHarness) -> None:
    from tcsdk.common.errors import AuthFailureError, ResourceNotFoundError, TencentCloudError

    common.server.then("DescribeZones", Behaviour("error", code="ResourceNotFound.NoSuchThing", message="gone"))
    with pytest.raises(ResourceNotFoundError) as caught:
        common.run(lambda c: c.call("DescribeZones"))
    assert caught.value.code == "ResourceNotFound.NoSuchThing"
    assert type(caught.value.code) is str
    assert caught.value.action == "DescribeZones" and caught.value.request_id == "req-1"
    assert caught.value.status == 200 and caught.value.headers["content-type"] == "application/json"
    common.server.then("RunThing", Behaviour("error", code="Made.Up", status=400))
    with pytest.raises(TencentCloudError) as other:
        common.run(lambda c: c.call("RunThing"))
    assert type(other.value) is TencentCloudError and other.value.status == 400
    # Signed with the client's own scope: a wrong key is refused by the fake.
    from tcsdk.common.credentials import Credentials

    with pytest.raises(AuthFailureError):
        common.run(lambda c: c.call("DescribeZones"), credentials=Credentials(SECRET_ID, "wrong"))


def test_common_client_bad_answers_are_response_errors(common: CommonHarness) -> None:
    from tcsdk.common.errors import HTTPStatusError, InvalidJSONError, MissingEnvelopeError

    common.server.then("DescribeZones", Behaviour("raw", body=b"not json"))
    with pytest.raises(InvalidJSONError):
        common.run(lambda c: c.call("DescribeZones"))
    common.server.then("DescribeZones", Behaviour("raw", body=b'{"Other": 1}'))
    with pytest.raises(MissingEnvelopeError):
        common.run(lambda c: c.call("DescribeZones"))
    common.server.then("RunThing", Behaviour("status", status=502))
    with pytest.raises(HTTPStatusError) as caught:
        common.run(lambda c: c.call("RunThing"))
    assert caught.value.status == 502


def test_common_client_repeats_only_what_is_safe(common: CommonHarness) -> None:
    from tcsdk.common.errors import HTTPStatusError

    # Read-only by its name: repeated after a 5xx.
    common.server.then("DescribeZones", Behaviour("status", status=503))
    response = common.run(lambda c: c.call("DescribeZones"))
    assert len(common.server.calls("DescribeZones")) == 2
    assert response.meta.attempts == 2
    # A write is not repeated ...
    common.server.then("RunInstances", Behaviour("status", status=503))
    with pytest.raises(HTTPStatusError):
        common.run(lambda c: c.call("RunInstances", {"ImageId": "img-1"}))
    assert len(common.server.calls("RunInstances")) == 1
    # ... unless it carries an idempotency token or the caller says it is safe.
    common.server.then("RunInstances", Behaviour("status", status=503))
    common.run(lambda c: c.call("RunInstances", {"ImageId": "img-1", "ClientToken": "t-1"}))
    assert len(common.server.calls("RunInstances")) == 3
    common.server.then("ResetThing", Behaviour("status", status=503))
    common.run(lambda c: c.call("ResetThing", read_only=True))
    assert len(common.server.calls("ResetThing")) == 2
    common.server.then("DescribeOther", Behaviour("status", status=503))
    with pytest.raises(HTTPStatusError):
        common.run(lambda c: c.call("DescribeOther", read_only=False))


def test_common_client_checks_its_names(generated_on_path: Path) -> None:
    from tcsdk.common.aio import AsyncCommonClient
    from tcsdk.common.client import CommonClient
    from tcsdk.common.credentials import Credentials

    credentials = Credentials("id", "key")
    for service, version in [("CVM", CVM_VERSION), ("cvm\r\nX: y", CVM_VERSION), ("cvm", "20170312"), ("", "")]:
        with pytest.raises(ValueError):
            CommonClient(service, version, credentials)
        with pytest.raises(ValueError):
            AsyncCommonClient(service, version, credentials)
    with CommonClient("cvm", CVM_VERSION, credentials, region="ap-beijing") as client:
        assert client.endpoint == "https://cvm.tencentcloudapi.com/"
        assert repr(client) == (
            "CommonClient('cvm', '2017-03-12', endpoint='https://cvm.tencentcloudapi.com/', region='ap-beijing')"
        )
        for action in ["", "Describe Zones", "X\r\nY", "1Action"]:
            with pytest.raises(ValueError):
                client.call(action)
        with pytest.raises(TypeError):
            client.call("DescribeZones", [1, 2])  # type: ignore[arg-type]
    with CommonClient("cvm", CVM_VERSION, credentials, domain_suffix="intl.tencentcloudapi.com") as client:
        assert client.endpoint == "https://cvm.intl.tencentcloudapi.com/"


def test_region_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, common: CommonHarness) -> None:
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-shanghai")
    common.run(lambda c: c.call("DescribeZones"), region=None)
    assert common.server.calls()[-1].headers["x-tc-region"] == "ap-shanghai"
    common.run(lambda c: c.call("DescribeZones"), region="ap-beijing")
    assert common.server.calls()[-1].headers["x-tc-region"] == "ap-beijing"
    monkeypatch.setenv("TENCENTCLOUD_REGION", "  ")
    common.run(lambda c: c.call("DescribeZones"), region=None)
    assert "x-tc-region" not in common.server.calls()[-1].headers


def test_extra_headers_per_client_and_per_call(common: CommonHarness) -> None:
    def body(client: Any) -> Any:
        traced = client.with_options(headers={"X-TC-TraceId": "trace-1"})
        if common.mode == "sync":
            traced.call("DescribeZones")
            client.call("DescribeZones")
            return None

        async def both() -> None:
            await traced.call("DescribeZones")
            await client.call("DescribeZones")

        return both()

    common.run(body, headers={"X-Team": "infra"})
    first, second = common.server.calls()
    assert first.headers["x-tc-traceid"] == "trace-1" and first.headers["x-team"] == "infra"
    # Without one of the caller's, each call carries a trace id of its own.
    assert second.headers["x-tc-traceid"] not in ("", "trace-1") and second.headers["x-team"] == "infra"


def test_extra_headers_cannot_replace_the_signed_ones(generated_on_path: Path) -> None:
    from tcsdk.common.client import CommonClient
    from tcsdk.common.credentials import Credentials

    for headers in [{"Authorization": "x"}, {"host": "evil"}, {"X-TC-Action": "Other"}, {"X-A": "1\r\nX-B: 2"}]:
        with pytest.raises(ValueError):
            CommonClient("cvm", CVM_VERSION, Credentials("id", "key"), headers=headers)
    with CommonClient("cvm", CVM_VERSION, Credentials("id", "key")) as client:
        with pytest.raises(ValueError):
            client.with_options(headers={"X-TC-Timestamp": "1"})
        with pytest.raises(TypeError):
            client.with_options(headers={"X-Number": 1})  # type: ignore[dict-item]


@pytest.fixture()
def trtc() -> Iterator[FakeTencentCloud]:
    server = FakeTencentCloud("trtc", {SECRET_ID: SECRET_KEY}, spec_examples("trtc")).start()
    yield server
    server.stop()


@pytest.fixture(params=MODES)
def harness(request: pytest.FixtureRequest, trtc: FakeTencentCloud, generated_on_path: Path) -> Harness:
    return Harness(request.param, trtc, generated_on_path)


def test_response_meta_tells_status_headers_attempts_and_time(harness: Harness) -> None:
    from tcsdk.trtc.v20190722 import models

    harness.server.then("DescribeCloudRecording", Behaviour("status", status=502))
    harness.server.then("DescribeCloudRecording", Behaviour("success", headers={"X-Served-By": "fake"}))
    response = harness.run(lambda c: c.describe_cloud_recording(sdk_app_id=1, task_id="t"))
    meta = response.meta
    assert meta.status == 200 and meta.attempts == 2 and meta.elapsed > 0
    assert meta.headers["x-served-by"] == "fake"
    # Beside the model, not in it: JSON, equality and repr are unchanged.
    plain = models.DescribeCloudRecordingResponse.from_envelope(
        msgspec.json.encode({"Response": msgspec.to_builtins(response)})
    )
    assert plain == response and plain.meta.attempts == 0 and plain.meta.status == 0
    assert "meta" not in repr(response) and b"meta" not in msgspec.json.encode(response).lower()


def test_retry_after_is_honoured_on_throttling_within_the_maximum(harness: Harness) -> None:
    from tcsdk.common.errors import RequestLimitExceededError
    from tcsdk.common.retry import RetryPolicy

    throttled = Behaviour("error", code="RequestLimitExceeded", headers={"Retry-After": "2"})
    harness.server.then("DismissRoom", throttled)
    harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2))
    assert harness.clock.sleeps == [2.0]
    # Capped by the policy's maximum delay.
    harness.server.then("DismissRoom", Behaviour("error", code="RequestLimitExceeded", headers={"Retry-After": "120"}))
    harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2), retry=RetryPolicy(max_delay=3.0))
    assert harness.clock.sleeps[-1] == 3.0
    # An HTTP date works too (the fake clock is far in the past, so capped).
    harness.server.then(
        "DismissRoom",
        Behaviour(
            "error", code="RequestLimitExceeded", headers={"Retry-After": formatdate(time.time() + 1, usegmt=True)}
        ),
    )
    harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2), retry=RetryPolicy(max_delay=4.0))
    assert harness.clock.sleeps[-1] == 4.0
    # A 429 without an envelope is throttling too, even for a write.
    harness.server.then("DismissRoom", Behaviour("status", status=429, headers={"Retry-After": "1"}))
    harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2))
    assert harness.clock.sleeps[-1] == 1.0
    # Garbage in the header falls back to the policy's jittered backoff.
    harness.server.then("DismissRoom", Behaviour("error", code="RequestLimitExceeded", headers={"Retry-After": "soon"}))
    harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2), uniform=lambda a, b: b)
    assert harness.clock.sleeps[-1] == pytest.approx(0.2)
    # Still bounded by the attempts.
    for _ in range(3):
        harness.server.then(
            "DismissRoom", Behaviour("error", code="RequestLimitExceeded", headers={"Retry-After": "1"})
        )
    with pytest.raises(RequestLimitExceededError) as caught:
        harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2))
    assert caught.value.headers["retry-after"] == "1"


def test_retry_after_parsing(generated_on_path: Path) -> None:
    import importlib

    retry_after = importlib.import_module("tcsdk.common.retry").retry_after
    now = 1_700_000_000.0
    assert retry_after("3", now) == 3.0
    assert retry_after(" 1.5 ", now) == 1.5
    assert retry_after("-4", now) == 0.0
    assert retry_after(formatdate(now + 10, usegmt=True), now) == pytest.approx(10, abs=1)
    assert retry_after(formatdate(now - 10, usegmt=True), now) == 0.0
    for bad in [None, "", "nan", "soon", "Mon, 99 Foo"]:
        assert retry_after(bad, now) is None


def test_the_runtime_and_the_generator_share_the_read_only_rule(generated_on_path: Path) -> None:
    from tcsdk.common.retry import READ_ONLY_PREFIXES as runtime_prefixes
    from tcsdk.common.retry import is_read_only

    from codegen.build import READ_ONLY_PREFIXES

    assert runtime_prefixes == READ_ONLY_PREFIXES
    assert is_read_only("DescribeZones") and is_read_only("InquirePriceRunInstances")
    assert not is_read_only("RunInstances") and not is_read_only("describeZones")
