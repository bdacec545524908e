"""Generated clients against a fake Tencent Cloud endpoint on 127.0.0.1.

Every behavioural test runs twice, once with the sync client and once with
the async one, through the same ``Harness``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..client_harness import SECRET_ID, SECRET_KEY, Harness
from ..conftest import GENERATED, SPECS
from ..fake_tencent import Behaviour, FakeTencentCloud

# The sync clients on each transport (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_transports")


def test_call_with_keywords_returns_the_typed_response(harness: Harness) -> None:
    from tcsdk.trtc.v20190722 import models

    response = harness.run(lambda c: c.dismiss_room(sdk_app_id=1400000001, room_id=1234))
    assert isinstance(response, models.DismissRoomResponse)
    assert response.request_id == "req-1"
    (received,) = harness.server.calls("DismissRoom")
    assert json.loads(received.body) == {"SdkAppId": 1400000001, "RoomId": 1234}
    headers = received.headers
    assert headers["x-tc-action"] == "DismissRoom"
    assert headers["x-tc-version"] == "2019-07-22"
    assert headers["x-tc-region"] == "ap-beijing"
    assert headers["x-tc-timestamp"] == str(int(harness.clock.now))
    assert "x-tc-token" not in headers and "x-tc-language" not in headers
    assert headers["authorization"].startswith(f"TC3-HMAC-SHA256 Credential={SECRET_ID}/")


def test_call_with_a_request_model_and_nested_types(harness: Harness) -> None:
    from tcsdk.trtc.v20190722 import models

    request = models.CreateCloudRecordingRequest(
        sdk_app_id=1400188366,
        room_id="3560",
        user_id="robot",
        user_sig="sig",
        record_params=models.RecordParams(record_mode=2, max_idle_time=60),
        storage_params=models.StorageParams(cloud_vod=models.CloudVod(tencent_vod=models.TencentVod(expire_time=0))),
        mix_layout_params=models.MixLayoutParams(mix_layout_mode=3),
    )
    response = harness.run(lambda c: c.create_cloud_recording(request))
    assert response.task_id == "-gCTFWtU7t7DUlo7A8Isw"
    (received,) = harness.server.calls()
    assert json.loads(received.body)["RecordParams"] == {"RecordMode": 2, "MaxIdleTime": 60}


def test_region_token_and_language_headers(harness: Harness) -> None:
    from tcsdk.common.credentials import Credentials

    harness.run(
        lambda c: c.describe_cloud_recording(sdk_app_id=1, task_id="t"),
        credentials=Credentials(SECRET_ID, SECRET_KEY, token="session-token"),
        region=None,
        language="en-US",
    )
    (received,) = harness.server.calls()
    assert received.headers["x-tc-token"] == "session-token"
    assert received.headers["x-tc-language"] == "en-US"
    assert "x-tc-region" not in received.headers


def test_wrong_secret_is_rejected_by_the_fake_signature_check(harness: Harness) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.errors import AuthFailureError

    with pytest.raises(AuthFailureError) as caught:
        harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2), credentials=Credentials(SECRET_ID, "wrong"))
    assert caught.value.code == "AuthFailure.SignatureFailure"
    assert caught.value.message == "signature mismatch"


COMMON_CODES = [
    ("AuthFailure.SecretIdNotFound", "AuthFailureError"),
    ("DryRunOperation", "DryRunOperationError"),
    ("InternalError", "InternalError"),
    ("InvalidParameter", "InvalidParameterError"),
    ("InvalidParameterValue", "InvalidParameterValueError"),
    ("LimitExceeded", "LimitExceededError"),
    ("ResourceNotFound", "ResourceNotFoundError"),
    ("UnsupportedRegion", "UnsupportedRegionError"),
]


def test_every_common_error_becomes_its_typed_exception(harness: Harness) -> None:
    import yaml
    from tcsdk.common import errors as common

    codes = list(yaml.safe_load((SPECS.parent / "codegen/common_errors.yaml").read_text())["errors"])
    retry_off = __import__("tcsdk.common.retry", fromlist=["NO_RETRY"]).NO_RETRY
    for code in codes:
        harness.server.then("DismissRoom", Behaviour("error", code=code, message=f"scripted {code}"))
    for code in codes:
        with pytest.raises(common.TencentCloudError) as caught:
            harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2), retry=retry_off)
        error = caught.value
        assert type(error) is common.error_class(code)
        assert error.code is common.CommonErrorCode(code)  # common codes are typed by the common enum
        assert error.action == "DismissRoom" and error.request_id.startswith("req-")
    for code, class_name in COMMON_CODES:
        assert common.error_class(code).__name__ == class_name


def test_action_codes_and_unknown_codes(harness: Harness) -> None:
    from tcsdk.common.errors import FailedOperationError, TencentCloudError
    from tcsdk.trtc.v20190722.errors import DismissRoomErrorCode, ServiceErrorCode

    harness.server.then("DismissRoom", Behaviour("error", code="FailedOperation.RoomNotExist"))
    with pytest.raises(FailedOperationError) as caught:
        harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2))
    assert caught.value.code is DismissRoomErrorCode.FAILED_OPERATION_ROOM_NOT_EXIST
    assert caught.value.code == ServiceErrorCode.FAILED_OPERATION_ROOM_NOT_EXIST == "FailedOperation.RoomNotExist"
    # A code the service lists for other actions only stays a string: the action's enum does not have it.
    harness.server.then("DismissRoom", Behaviour("error", code="FailedOperation.CRUnsupportMethod"))
    with pytest.raises(FailedOperationError) as other:
        harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2))
    assert type(other.value.code) is str and other.value.code == ServiceErrorCode.FAILED_OPERATION_CR_UNSUPPORT_METHOD
    harness.server.then("DismissRoom", Behaviour("error", code="Totally.New.Code"))
    with pytest.raises(TencentCloudError) as unknown:
        harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2))
    assert unknown.value.code == "Totally.New.Code" and type(unknown.value) is TencentCloudError


def test_throttling_is_retried_with_bounded_jittered_backoff(harness: Harness) -> None:
    harness.server.then(
        "CreateCloudRecording",
        Behaviour("error", code="RequestLimitExceeded"),
        Behaviour("error", code="RequestLimitExceeded.UinLimitExceeded"),
    )
    draws: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        draws.append((low, high))
        return high

    response = harness.run(lambda c: c.create_cloud_recording(**CREATE_ARGS), uniform=uniform)
    assert response.task_id
    calls = harness.server.calls()
    assert len(calls) == 3
    assert draws == [(0.0, 0.2), (0.0, 0.4)]
    assert harness.clock.sleeps == [0.2, 0.4]
    # Each attempt is signed afresh, with its own timestamp.
    assert len({c.headers["x-tc-timestamp"] for c in calls}) == 3
    assert len({c.headers["authorization"] for c in calls}) == 3


def test_retry_policy_bounds() -> None:
    from tcsdk.common.retry import RetryPolicy

    policy = RetryPolicy(max_attempts=10, base_delay=0.5, max_delay=3.0)
    assert [policy.cap(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    for attempt in range(1, 8):
        for _ in range(50):
            assert 0.0 <= policy.delay(attempt) <= policy.cap(attempt)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


CREATE_ARGS: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _create_args(generated_on_path: Path) -> None:
    from tcsdk.trtc.v20190722 import models

    CREATE_ARGS.update(
        sdk_app_id=1,
        room_id="r",
        user_id="u",
        user_sig="s",
        record_params=models.RecordParams(record_mode=1),
        storage_params=models.StorageParams(),
    )


def test_throttling_gives_up_after_max_attempts(harness: Harness) -> None:
    from tcsdk.common.errors import RequestLimitExceededError

    harness.server.then("DismissRoom", *[Behaviour("error", code="RequestLimitExceeded")] * 5)
    with pytest.raises(RequestLimitExceededError):
        harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2))
    assert len(harness.server.calls()) == 3


def test_retry_can_be_turned_off_per_client_and_per_call(harness: Harness) -> None:
    from tcsdk.common.errors import RequestLimitExceededError
    from tcsdk.common.retry import NO_RETRY, RetryPolicy

    harness.server.then("DismissRoom", *[Behaviour("error", code="RequestLimitExceeded")] * 5)
    with pytest.raises(RequestLimitExceededError):
        harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2), retry=NO_RETRY)
    assert len(harness.server.calls()) == 1
    with pytest.raises(RequestLimitExceededError):
        harness.run(lambda c: c.with_options(retry=RetryPolicy(max_attempts=2)).dismiss_room(sdk_app_id=1, room_id=2))
    assert len(harness.server.calls()) == 3


def test_other_error_codes_are_never_retried(harness: Harness) -> None:
    from tcsdk.common.errors import InternalError

    harness.server.then("DescribeCloudRecording", Behaviour("error", code="InternalError", status=500))
    with pytest.raises(InternalError) as caught:
        harness.run(lambda c: c.describe_cloud_recording(sdk_app_id=1, task_id="t"))
    assert caught.value.status == 500
    assert len(harness.server.calls()) == 1


def test_5xx_is_retried_only_for_read_only_actions(harness: Harness) -> None:
    from tcsdk.common.errors import HTTPStatusError

    harness.server.then("DescribeCloudRecording", Behaviour("status", status=502))
    response = harness.run(lambda c: c.describe_cloud_recording(sdk_app_id=1, task_id="t"))
    assert response.status == "InProgress"
    assert len(harness.server.calls("DescribeCloudRecording")) == 2

    harness.server.then("CreateCloudRecording", Behaviour("status", status=503))
    with pytest.raises(HTTPStatusError) as caught:
        harness.run(lambda c: c.create_cloud_recording(**CREATE_ARGS))
    assert caught.value.status == 503 and "Bad Gateway" in caught.value.excerpt
    assert len(harness.server.calls("CreateCloudRecording")) == 1


def test_read_timeout_is_retried_only_when_safe(harness: Harness) -> None:
    from tcsdk.common.errors import TransportError

    harness.server.then("DescribeCloudRecording", Behaviour("slow", delay=1.0))
    response = harness.run(lambda c: c.describe_cloud_recording(sdk_app_id=1, task_id="t"), timeout=0.3)
    assert response.task_id == "xx"
    assert len(harness.server.calls("DescribeCloudRecording")) == 2

    harness.server.then("DeleteCloudRecording", Behaviour("slow", delay=1.0))
    with pytest.raises(TransportError) as caught:
        harness.run(lambda c: c.with_options(timeout=0.3).delete_cloud_recording(sdk_app_id=1, task_id="t"))
    assert caught.value.sent is True
    assert len(harness.server.calls("DeleteCloudRecording")) == 1


def test_dropped_connection_after_sending_is_not_repeated_for_writes(harness: Harness) -> None:
    from tcsdk.common.errors import TransportError

    harness.server.then("DeleteCloudRecording", Behaviour("cut"))
    with pytest.raises(TransportError):
        harness.run(lambda c: c.delete_cloud_recording(sdk_app_id=1, task_id="t"))
    assert len(harness.server.calls()) == 1
    harness.server.then("DescribeCloudRecording", Behaviour("close"))
    assert harness.run(lambda c: c.describe_cloud_recording(sdk_app_id=1, task_id="t")).task_id == "xx"


def test_connection_refused_is_retried_even_for_writes(harness: Harness) -> None:
    from tcsdk.common.errors import TransportError

    with socket_closed_port() as url:
        with pytest.raises(TransportError) as caught:
            harness.run(lambda c: c.create_cloud_recording(**CREATE_ARGS), endpoint=url)
    assert caught.value.sent is False
    assert len(harness.clock.sleeps) == 2


class socket_closed_port:
    """A URL on 127.0.0.1 where nothing listens."""

    def __enter__(self) -> str:
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        pass


@pytest.mark.parametrize(
    ("behaviour", "error_name"),
    [
        (Behaviour("raw", body=b"<html>not json</html>"), "InvalidJSONError"),
        (Behaviour("truncated"), "InvalidJSONError"),
        (Behaviour("raw", body=b'{"Result": {}}'), "MissingEnvelopeError"),
        (Behaviour("raw", body=b'{"Response": {"TaskId": 5, "RequestId": "r"}}'), "ResponseShapeError"),
        (Behaviour("status", status=404, body=b"no such page"), "HTTPStatusError"),
    ],
)
def test_bad_answers_become_distinct_documented_errors(harness: Harness, behaviour: Behaviour, error_name: str) -> None:
    from tcsdk.common import errors

    harness.server.then("DeleteCloudRecording", behaviour)
    # A shape that does not fit the model is an error only in strict mode.
    strict = error_name == "ResponseShapeError"
    with pytest.raises(errors.ResponseError) as caught:
        harness.run(lambda c: c.delete_cloud_recording(sdk_app_id=1, task_id="t"), strict=strict)
    assert type(caught.value).__name__ == error_name
    assert caught.value.status in (200, 404)
    assert caught.value.excerpt


def test_dry_run_has_its_own_exception(harness: Harness) -> None:
    from tcsdk.common.errors import DryRunOperationError

    harness.server.then("DismissRoom", Behaviour("error", code="DryRunOperation"))
    with pytest.raises(DryRunOperationError):
        harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2))


def test_concurrent_calls_share_one_client(fake: FakeTencentCloud, generated_on_path: Path) -> None:
    from tcsdk.trtc.v20190722.client import AsyncTrtcClient, TrtcClient

    sync_harness = Harness("sync", fake, generated_on_path)
    kwargs = sync_harness.client_kwargs()
    kwargs.pop("clock")
    credentials = kwargs.pop("credentials")
    results: list[str] = []
    with TrtcClient(credentials, **kwargs) as client:

        def work(n: int) -> None:
            results.append(client.dismiss_room(sdk_app_id=1, room_id=n).request_id)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(set(results)) == 40

    kwargs["sleep"] = asyncio.sleep

    async def main() -> list[str]:
        async with AsyncTrtcClient(credentials, **kwargs) as client:
            responses = await asyncio.gather(*(client.dismiss_room(sdk_app_id=1, room_id=n) for n in range(40)))
            return [r.request_id for r in responses]

    assert len(set(asyncio.run(main()))) == 40
    assert len(fake.calls()) == 80


def test_async_client_does_not_block_the_loop(fake: FakeTencentCloud, generated_on_path: Path) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.trtc.v20190722.client import AsyncTrtcClient

    fake.then("DescribeCloudRecording", Behaviour("slow", delay=0.5))
    ticks = 0

    async def ticker(stop: asyncio.Event) -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(ticker(stop))
        async with AsyncTrtcClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=fake.url) as client:
            await client.describe_cloud_recording(sdk_app_id=1, task_id="t")
        stop.set()
        await task

    asyncio.run(main())
    assert ticks >= 20


def test_endpoint_choices(generated_on_path: Path) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.trtc.v20190722.client import TrtcClient

    creds = Credentials("id", "key")
    assert TrtcClient(creds).endpoint == "https://trtc.tencentcloudapi.com/"
    assert (
        TrtcClient(creds, domain_suffix="intl.tencentcloudapi.com").endpoint == "https://trtc.intl.tencentcloudapi.com/"
    )
    assert TrtcClient(creds, endpoint="trtc.internal.tencentcloudapi.com").endpoint == (
        "https://trtc.internal.tencentcloudapi.com/"
    )
    assert TrtcClient(creds, endpoint="http://127.0.0.1:9").endpoint == "http://127.0.0.1:9/"
    with pytest.raises(ValueError):
        TrtcClient(creds, endpoint="ftp://example")


def test_endpoint_from_the_environment(
    fake: FakeTencentCloud, generated_on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TENCENTCLOUD_ENDPOINT points every client without ``endpoint=`` or ``domain_suffix=`` at one server."""
    from tcsdk.common.client import CommonClient
    from tcsdk.common.credentials import Credentials
    from tcsdk.trtc.v20190722.client import TrtcClient

    creds = Credentials(SECRET_ID, SECRET_KEY)
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT", f" {fake.url} ")
    with TrtcClient(creds) as client:
        assert client.endpoint == fake.url + "/"
        client.dismiss_room(sdk_app_id=1, room_id=2)
    assert CommonClient("trtc", "2019-07-22", creds).endpoint == fake.url + "/"
    # An argument in code beats the environment.
    assert TrtcClient(creds, endpoint="http://127.0.0.1:9").endpoint == "http://127.0.0.1:9/"
    intl = TrtcClient(creds, domain_suffix="intl.tencentcloudapi.com")
    assert intl.endpoint == "https://trtc.intl.tencentcloudapi.com/"
    assert [call.action for call in fake.calls()] == ["DismissRoom"]
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT", "ftp://example")
    with pytest.raises(ValueError, match="endpoint must be an http"):
        TrtcClient(creds)
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT", "")
    assert TrtcClient(creds).endpoint == "https://trtc.tencentcloudapi.com/"


def test_user_supplied_http_client_is_used_and_left_open(fake: FakeTencentCloud, generated_on_path: Path) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.trtc.v20190722.client import TrtcClient

    seen: list[str] = []
    http = httpx.Client(event_hooks={"request": [lambda r: seen.append(r.headers["X-TC-Action"])]})
    with TrtcClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=fake.url, http_client=http) as client:
        client.dismiss_room(sdk_app_id=1, room_id=2)
    assert seen == ["DismissRoom"]
    assert not http.is_closed
    http.close()


def test_turning_tls_verification_off_logs_a_warning(generated_on_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.trtc.v20190722.client import TrtcClient

    with caplog.at_level(logging.WARNING):
        TrtcClient(Credentials("id", "key"), verify=False).close()
    assert "verification is off" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        TrtcClient(Credentials("id", "key")).close()
    assert caplog.text == ""


def test_secret_never_appears_in_logs_reprs_or_errors(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    from tcsdk.common.credentials import Credentials, StaticCredentials
    from tcsdk.common.errors import RequestLimitExceededError

    harness.server.then("DismissRoom", *[Behaviour("error", code="RequestLimitExceeded")] * 3)
    captured: list[str] = []
    with caplog.at_level(logging.DEBUG), warnings.catch_warnings(record=True) as caught_warnings:
        warnings.simplefilter("always")
        with pytest.raises(RequestLimitExceededError) as caught:
            harness.run(lambda c: (captured.append(repr(c)), c.dismiss_room(sdk_app_id=1, room_id=2))[1])
    assert "attempt=1" in caplog.text and "retry_in=" in caplog.text
    texts = [
        caplog.text,
        str(caught.value),
        repr(caught.value),
        *captured,
        repr(Credentials(SECRET_ID, SECRET_KEY, "tok")),
        repr(StaticCredentials(SECRET_ID, SECRET_KEY)),
        *(str(w.message) for w in caught_warnings),
    ]
    for text in texts:
        assert SECRET_KEY not in text


def test_deprecated_actions_warn(edge_package: Path) -> None:
    from edgepkg.common.credentials import Credentials
    from edgepkg.demo.v20200101.client import DemoClient

    server = FakeTencentCloud("demo", {SECRET_ID: SECRET_KEY}, {}).start()
    try:
        with DemoClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=server.url) as client:
            with pytest.warns(DeprecationWarning, match="DoThings is deprecated"):
                client.do_things(from_="a", app_id="x")
    finally:
        server.stop()


def test_idempotency_token_makes_writes_repeatable(edge_package: Path) -> None:
    from edgepkg.common.credentials import Credentials
    from edgepkg.demo.v20200101 import models
    from edgepkg.demo.v20200101.client import DemoClient

    server = FakeTencentCloud("demo", {SECRET_ID: SECRET_KEY}, {}).start()
    try:
        with DemoClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=server.url, sleep=lambda s: None) as client:
            warnings.simplefilter("ignore", DeprecationWarning)
            server.then("DoThings", Behaviour("status", status=503))
            client.do_things(from_="a", app_id="x", client_token="once")
            sent = [json.loads(call.body) for call in server.calls()]
            assert [body["ClientToken"] for body in sent] == ["once", "once"]
            # Left unset, the token is filled with a fresh UUID, the same on
            # every attempt, so the write is still repeated safely.
            request = models.DoThingsRequest(from_="a", app_id="x")
            server.then("DoThings", Behaviour("status", status=503))
            client.do_things(request)
            first, second = (json.loads(call.body)["ClientToken"] for call in server.calls()[2:])
            assert first == second and len(first) == 36 and first.count("-") == 4
            assert request.client_token is None  # the caller's object is not changed
            client.do_things(from_="a", app_id="x")
            assert json.loads(server.calls()[-1].body)["ClientToken"] != first
    finally:
        server.stop()


def test_request_and_keywords_together_is_a_type_error(generated_on_path: Path) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.errors import RequestValidationError
    from tcsdk.trtc.v20190722 import models
    from tcsdk.trtc.v20190722.client import TrtcClient

    with TrtcClient(Credentials("id", "key")) as client:
        with pytest.raises(TypeError):
            client.dismiss_room(models.DismissRoomRequest(sdk_app_id=1, room_id=2), room_id=3)  # type: ignore[call-overload]
        with pytest.raises(TypeError):
            client.dismiss_room(models.RemoveUserRequest(sdk_app_id=1, room_id=2, user_ids=[]))  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="no field 'room'.*extra_params"):
            client.dismiss_room(sdk_app_id=1, room=2)  # type: ignore[call-overload]
        # A required field left out was a TypeError of the model's constructor;
        # it is now checked with the rest (tests/runtime/test_request_checks.py).
        with pytest.raises(RequestValidationError) as caught:
            client.dismiss_room(sdk_app_id=1)  # type: ignore[call-overload]
        assert caught.value.path == "RoomId"


def test_generated_client_methods_are_typed_one_liners() -> None:
    source = (GENERATED / "tcsdk/trtc/v20190722/client.py").read_text()
    assert source.count("return self._invoke(") == 8
    assert (GENERATED / "tcsdk/trtc/v20190722/aio.py").read_text().count("return await self._invoke(") == 8
    assert "read_only=True" in source and "read_only=False" not in source  # defaults are left out
