"""The local Tencent Cloud endpoint shipped in every package: ``common.fake_server``.

Signatures are judged against the tests' own verifier (``fake_tencent.verify``,
written independently of the runtime) and the shared signing vectors; every
fault is observed through the generated sync and async clients; examples are
answered for every service version of a package (the committed ``tcsdk``, a
streaming fixture and a Tencent corpus service); the command line runs in a
child process.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import graphlib
import importlib
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from codegen.importers.tencent_api import request_body

from ..conftest import FIXTURES, GENERATED, ROOT, SHARED, importable_package
from ..fake_tencent import tc3_signature, verify

# The sync clients on each transport (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_transports")

MODES = ["sync", "async"]
CORPUS = SHARED / "tencentcloud-api"
VECTORS = CORPUS / "tc3-signing-vectors.json"
MULTIPART_VECTOR = CORPUS / "tc3-multipart-vector.json"
corpus_only = pytest.mark.skipif(not VECTORS.is_file(), reason="../shared corpus is not present")


def nap(seconds: float) -> None:
    """The clients' sleep between attempts: not waited for in tests."""


async def async_nap(seconds: float) -> None:
    pass


def threads() -> set[threading.Thread]:
    return set(threading.enumerate())


@pytest.fixture()
def server(generated_on_path: Path) -> Iterator[Any]:
    """An endpoint for tcsdk; it must leave no thread behind when stopped."""
    from tcsdk.common.fake_server import fake_tencent_cloud

    before = threads()
    with fake_tencent_cloud() as running:
        yield running
    assert threads() - before == set()


def trtc(mode: str, server: Any, method: str, options: dict[str, Any] | None = None, **params: Any) -> Any:
    """Call a TRTC method with a fresh sync or async client; the result (or the exception raised)."""
    from tcsdk.trtc.v20190722.client import AsyncTrtcClient, TrtcClient

    kwargs: dict[str, Any] = {"endpoint": server.url, "region": "ap-beijing", "timeout": 5.0, **(options or {})}
    if mode == "sync":
        with TrtcClient(kwargs.pop("credentials", server.credentials), sleep=nap, **kwargs) as client:
            return getattr(client, method)(**params)

    async def main() -> Any:
        async with AsyncTrtcClient(kwargs.pop("credentials", server.credentials), sleep=async_nap, **kwargs) as client:
            return await getattr(client, method)(**params)

    return asyncio.run(main())


def raised(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The exception ``call(*args, **kwargs)`` raises."""
    try:
        call(*args, **kwargs)
    except Exception as exc:
        return exc
    raise AssertionError("nothing was raised")


# --- signatures


def signed_request(
    secret_id: str,
    secret_key: str,
    service: str,
    timestamp: int,
    body: bytes,
    content_type: str = "application/json",
    extra_signed: bool = False,
    date: str | None = None,
) -> dict[str, str]:
    """Headers of a request signed by the tests' own TC3 code (not the runtime's)."""
    headers = {"content-type": content_type, "host": "example.tencentcloudapi.com", "x-tc-action": "DismissRoom"}
    names = ["content-type", "host"] + (["x-tc-action"] if extra_signed else [])
    canonical_headers = "".join(f"{n}:{headers[n].strip().lower()}\n" for n in names)
    import hashlib

    canonical = "\n".join(["POST", "/", "", canonical_headers, ";".join(names), hashlib.sha256(body).hexdigest()])
    signature = tc3_signature(secret_key, service, timestamp, canonical)
    day = date or time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    headers["authorization"] = (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{day}/{service}/tc3_request, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    headers["x-tc-timestamp"] = str(timestamp)
    return headers


TAMPERING = ["none", "body", "key", "service", "date", "signature", "secret id"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=64),
    timestamp=st.integers(0, 4_000_000_000),
    service=st.sampled_from(["trtc", "cvm", "cii", "a-b_c"]),
    content_type=st.sampled_from(["application/json", "Application/JSON; charset=utf-8", " multipart/form-data "]),
    extra_signed=st.booleans(),
    tampering=st.sampled_from(TAMPERING),
)
def test_signature_verdicts_agree_with_the_independent_verifier(
    generated_on_path: Path,
    body: bytes,
    timestamp: int,
    service: str,
    content_type: str,
    extra_signed: bool,
    tampering: str,
) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.fake_checks import _Refused, _verify

    keys = {"AKIDone": "key-one", "AKIDtwo": "key-two"}
    accepted = {sid: Credentials(sid, key) for sid, key in keys.items()}
    secret_id, secret_key, signed_service, date = "AKIDone", "key-one", service, None
    if tampering == "key":
        secret_key = "key-two"
    elif tampering == "secret id":
        secret_id = "AKIDnobody"
    elif tampering == "service":
        signed_service = "other"
    elif tampering == "date":
        date = time.strftime("%Y-%m-%d", time.gmtime(timestamp + 86400))
    headers = signed_request(secret_id, secret_key, signed_service, timestamp, body, content_type, extra_signed, date)
    if tampering == "service":  # signed for one service, claiming another in the scope
        headers["authorization"] = headers["authorization"].replace("/other/", f"/{service}/")
    if tampering == "signature":
        headers["authorization"] = (
            headers["authorization"][:-1]
            + "0123456789abcdef"[("0123456789abcdef".index(headers["authorization"][-1]) + 1) % 16]
        )
    sent_body = body + b"!" if tampering == "body" else body
    oracle = verify(headers, sent_body, keys, service)
    try:
        found: str | None = _verify("POST", "/", headers, sent_body, accepted, 0.0, None)
        code = ""
    except _Refused as refused:
        found, code = None, refused.code
    assert (oracle is None) == (found == service) == (tampering == "none"), (oracle, code)
    if tampering == "secret id":
        assert code == "AuthFailure.SecretIdNotFound"
    elif tampering != "none":
        assert code == "AuthFailure.SignatureFailure"


@settings(max_examples=150, deadline=None)
@given(
    signature=st.one_of(st.text(max_size=70), st.text("0123456789abcdef²é", min_size=64, max_size=64)),
    timestamp=st.one_of(st.none(), st.text(max_size=14), st.text("0123456789²³¹٣\u0660", max_size=12)),
)
def test_any_signature_or_timestamp_text_is_refused_as_tencent_refuses(
    generated_on_path: Path, signature: str, timestamp: str | None
) -> None:
    """Text in a well-formed Authorization header, or in X-TC-Timestamp, that is not what was signed
    (any characters: "²" is a digit to str.isdigit, and compare_digest refuses non-ASCII str)
    ends in a refusal with Tencent's codes, never in another exception (an untyped 500)."""
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.fake_checks import _Refused, _verify

    now = 1_700_000_000
    headers = signed_request("AKIDone", "key-one", "trtc", now, b"{}")
    good = headers["authorization"].rpartition("Signature=")[2]
    assume(signature != good)
    headers["authorization"] = headers["authorization"].rpartition("Signature=")[0] + "Signature=" + signature
    if timestamp is not None:
        assume(timestamp.strip() != str(now))
        headers["x-tc-timestamp"] = timestamp
    with pytest.raises(_Refused) as refused:
        _verify("POST", "/", headers, b"{}", {"AKIDone": Credentials("AKIDone", "key-one")}, now, None)
    assert refused.value.code in {
        "AuthFailure.SignatureFailure",
        "AuthFailure.InvalidAuthorization",
        "MissingParameter",
        "InvalidParameter",
    }


@corpus_only
def test_the_shared_signing_vectors_are_accepted_over_http(generated_on_path: Path) -> None:
    """Requests the official SDK signed (JSON and multipart), and Tencent's documented examples, sent as they were."""
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.fake_server import fake_tencent_cloud

    data = json.loads(VECTORS.read_text())
    sent: list[tuple[dict[str, str], bytes, str, str]] = []
    pairs = []
    for vector in data["vectors"]:
        pairs.append(Credentials(vector["secret_id"], vector["secret_key"], vector["token"]))
        sent.append((vector["expected_headers"], vector["body"].encode(), vector["service"], vector["action"]))
    for number, example in enumerate(data["documented_examples"]):
        secret_id = f"AKIDdocumented{number}"
        pairs.append(Credentials(secret_id, example["secret_key"]))
        scope = example["credential_scope"]
        headers = {
            "Content-Type": example["content_type"],
            "Host": example["host"],
            "X-TC-Action": example["action"],
            "X-TC-Version": example["version"],
            "X-TC-Timestamp": str(example["timestamp"]),
            "Authorization": f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
            f"SignedHeaders={example['signed_headers']}, Signature={example['signature']}",
        }
        sent.append((headers, example["body"].encode(), example["service"], example["action"]))
    multipart = json.loads(MULTIPART_VECTOR.read_text())
    pairs.append(Credentials(multipart["secret_id"], multipart["secret_key"], multipart["token"]))
    sent.append(
        (
            multipart["expected_headers"],
            base64.b64decode(multipart["body_base64"]),
            multipart["service"],
            multipart["action"],
        )
    )
    with fake_tencent_cloud(pairs, max_clock_skew=None, check_params=False) as server:
        with httpx.Client() as http:
            for headers, body, service, action in sent:
                server.add_response(action, {}, service=service)
                answer = http.post(server.url, content=body, headers=headers).json()["Response"]
                assert "Error" not in answer, (action, answer)
                tampered = http.post(server.url, content=body + b" ", headers=headers).json()["Response"]
                assert tampered["Error"]["Code"] == "AuthFailure.SignatureFailure"
        calls = server.calls
    assert [c.action for c in calls[::2]] == [a for *_, a in sent]
    upload = calls[-2]
    assert upload.params["File"] == base64.b64decode(json.loads(MULTIPART_VECTOR.read_text())["params"]["File_base64"])


@pytest.mark.parametrize("mode", MODES)
def test_what_tencent_refuses_is_refused(mode: str, server: Any) -> None:
    """Unknown secret id, wrong key or token, an old timestamp: the AuthFailure codes, typed."""
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.errors import AuthFailureError
    from tcsdk.common.fake_server import fake_tencent_cloud

    cases = [
        ({"credentials": Credentials("AKIDnobody", "x")}, "AuthFailure.SecretIdNotFound"),
        ({"credentials": Credentials(server.credentials.secret_id, "wrong")}, "AuthFailure.SignatureFailure"),
        ({"clock": lambda: time.time() - 301}, "AuthFailure.SignatureExpire"),
        ({"clock": lambda: time.time() + 301}, "AuthFailure.SignatureExpire"),
        (
            {"credentials": Credentials(server.credentials.secret_id, server.credentials.secret_key, "tok")},
            "AuthFailure.TokenFailure",
        ),
    ]
    for options, code in cases:
        error = raised(trtc, mode, server, "dismiss_room", options, sdk_app_id=1400000001, room_id=1234)
        assert isinstance(error, AuthFailureError) and error.code == code, (options, error)
    # Inside the window with room to spare: the timestamp is cut to whole seconds and a busy CI machine adds more.
    assert trtc(mode, server, "dismiss_room", {"clock": lambda: time.time() - 290}, sdk_app_id=1, room_id=2)
    # Temporary credentials must send their own token; any time is accepted with max_clock_skew=None.
    temporary = Credentials("AKIDtemp", "temp-key", "the-token")
    with fake_tencent_cloud([temporary], max_clock_skew=None) as other:
        options = {"credentials": temporary, "clock": lambda: 1_000_000.0}
        assert trtc(mode, other, "dismiss_room", options, sdk_app_id=1, room_id=2).request_id
        wrong = {"credentials": Credentials("AKIDtemp", "temp-key", "not-the-token")}
        assert raised(trtc, mode, other, "dismiss_room", wrong, sdk_app_id=1, room_id=2).code == (
            "AuthFailure.TokenFailure"
        )
        no_token = {"credentials": Credentials("AKIDtemp", "temp-key")}
        assert raised(trtc, mode, other, "dismiss_room", no_token, sdk_app_id=1, room_id=2).code == (
            "AuthFailure.TokenFailure"
        )


def test_malformed_authorization_and_routing_headers(server: Any) -> None:
    from tcsdk.common.fake_checks import _Refused, _verify
    from tcsdk.common.signing import sign

    accepted = {server.credentials.secret_id: server.credentials}
    base = {"content-type": "application/json", "host": "h", "x-tc-timestamp": "1700000000"}
    good = sign(
        secret_id=server.credentials.secret_id,
        secret_key=server.credentials.secret_key,
        service="trtc",
        timestamp=1700000000,
        body=b"{}",
        headers=base,
    ).authorization
    cases = {
        "": "AuthFailure.InvalidAuthorization",
        "HMAC-SHA1 x": "AuthFailure.InvalidAuthorization",
        "TC3-HMAC-SHA256 Credential=a/b": "AuthFailure.InvalidAuthorization",
        good.replace("/trtc/", "/TRTC/"): "AuthFailure.InvalidAuthorization",
        good.replace("content-type;host", "host;content-type"): "AuthFailure.SignatureFailure",
        good.replace("content-type;host", "host"): "AuthFailure.SignatureFailure",
        good.replace("content-type;host", "content-type;host;x-tc-region"): "AuthFailure.SignatureFailure",
    }
    for authorization, code in cases.items():
        with pytest.raises(_Refused) as refused:
            _verify("POST", "/", {**base, "authorization": authorization}, b"{}", accepted, 0, None)
        assert refused.value.code == code, authorization
    for stamp, code in (("", "MissingParameter"), ("-5", "InvalidParameter"), ("1" * 13, "InvalidParameter")):
        with pytest.raises(_Refused) as refused:
            _verify("POST", "/", {**base, "x-tc-timestamp": stamp, "authorization": good}, b"{}", accepted, 0, None)
        assert refused.value.code == code
    # The path and query are signed too.
    assert _verify("POST", "/", {**base, "authorization": good}, b"{}", accepted, 0, None) == "trtc"
    with pytest.raises(_Refused):
        _verify("POST", "/?a=1", {**base, "authorization": good}, b"{}", accepted, 0, None)


# --- answers and faults through the generated clients


@pytest.mark.parametrize("mode", MODES)
def test_faults_are_seen_by_the_clients(mode: str, server: Any) -> None:
    from tcsdk.common.errors import HTTPStatusError, RequestLimitExceededError, TransportError
    from tcsdk.common.retry import NO_RETRY

    describe = {"sdk_app_id": 1234, "task_id": "xx"}
    # Throttling is retried (Retry-After honoured), then the example answers.
    server.add_throttling("DescribeCloudRecording", retry_after=0)
    answer = trtc(mode, server, "describe_cloud_recording", **describe)
    assert answer.status == "InProgress" and answer.meta.attempts == 2
    server.add_throttling("DescribeCloudRecording")
    error = raised(trtc, mode, server, "describe_cloud_recording", {"retry": NO_RETRY}, **describe)
    assert isinstance(error, RequestLimitExceededError)
    # A 5xx: repeated for a read-only action, not for DismissRoom.
    server.add_status("DescribeCloudRecording", 503)
    assert trtc(mode, server, "describe_cloud_recording", **describe).meta.attempts == 2
    server.add_status("DismissRoom", 502, b"<html>Bad Gateway</html>")
    error = raised(trtc, mode, server, "dismiss_room", sdk_app_id=1, room_id=2)
    assert isinstance(error, HTTPStatusError) and error.status == 502 and "Bad Gateway" in error.excerpt
    # A dropped connection and a cut body: transport errors, repeated only when safe.
    server.add_drop("DismissRoom")
    error = raised(trtc, mode, server, "dismiss_room", sdk_app_id=1, room_id=2)
    assert isinstance(error, TransportError) and error.sent
    server.add_response("DismissRoom", cut=True)
    error = raised(trtc, mode, server, "dismiss_room", sdk_app_id=1, room_id=2)
    assert isinstance(error, TransportError) and error.sent
    server.add_drop("DescribeCloudRecording")
    server.add_example("DescribeCloudRecording", cut=True)
    assert trtc(mode, server, "describe_cloud_recording", **describe).meta.attempts == 3
    # A slow answer: a client that waits less gives up.
    server.add_example("DismissRoom", delay=2.0)
    options = {"timeout": 0.2, "retry": NO_RETRY}
    error = raised(trtc, mode, server, "dismiss_room", options, sdk_app_id=1, room_id=2)
    assert isinstance(error, TransportError) and "Timeout" in str(error)
    server.add_response("DismissRoom", delay=0.05)
    assert trtc(mode, server, "dismiss_room", sdk_app_id=1, room_id=2).request_id
    server.add_throttling("DismissRoom", delay=2.0)  # a slow refusal: given up on as well
    error = raised(trtc, mode, server, "dismiss_room", options, sdk_app_id=1, room_id=2)
    assert isinstance(error, TransportError) and "Timeout" in str(error)
    server.assert_no_pending_responses()
    answered = [(c.action, c.status, c.error) for c in server.calls]
    assert answered[:3] == [
        ("DescribeCloudRecording", 200, "RequestLimitExceeded"),
        ("DescribeCloudRecording", 200, ""),
        ("DescribeCloudRecording", 200, "RequestLimitExceeded"),
    ]
    assert ("DismissRoom", 0, "") in answered  # the dropped one


@pytest.mark.parametrize("mode", MODES)
def test_queued_answers_and_errors(mode: str, server: Any) -> None:
    from tcsdk.common.errors import TencentCloudError
    from tcsdk.trtc.v20190722.errors import DismissRoomErrorCode

    server.add_response("DescribeCloudRecording", {"Status": "Idle", "TaskId": "t-1"}, headers={"X-Extra": "1"})
    server.add_error("DismissRoom", "FailedOperation.RoomNotExist", "no such room")
    server.add_error("DismissRoom", "InternalError", status=500)
    answer = trtc(mode, server, "describe_cloud_recording", sdk_app_id=1, task_id="t-1")
    assert (answer.status, answer.task_id, answer.meta.headers["x-extra"]) == ("Idle", "t-1", "1")
    assert answer.request_id == answer.meta.headers["x-tc-requestid"] == server.calls[-1].request_id
    error = raised(trtc, mode, server, "dismiss_room", sdk_app_id=1, room_id=2)
    assert isinstance(error, TencentCloudError)
    assert error.code is DismissRoomErrorCode.FAILED_OPERATION_ROOM_NOT_EXIST and "no such room" in str(error)
    error = raised(trtc, mode, server, "dismiss_room", {"retry": None}, sdk_app_id=1, room_id=2)
    assert isinstance(error, TencentCloudError) and error.code == "InternalError" and error.status == 500
    # An answer queued for another service version waits for it.
    server.add_response("DismissRoom", {}, service="cvm", version="2017-03-12")
    assert trtc(mode, server, "dismiss_room", sdk_app_id=1400000001, room_id=1234).request_id
    with pytest.raises(AssertionError, match="DismissRoom: a response"):
        server.assert_no_pending_responses()
    server.reset()
    server.assert_no_pending_responses()
    assert server.calls == []


@pytest.mark.parametrize("mode", MODES)
def test_an_unchecked_answer_reaches_the_client_as_sent(mode: str, server: Any) -> None:
    """check=False: an answer that disagrees with the model, for tests of tolerant decoding."""
    odd = {"Status": 5, "StorageFileList": [{"FileName": 5}], "Unknown": True}
    server.add_response("DescribeCloudRecording", odd, check=False)
    answer = trtc(mode, server, "describe_cloud_recording", sdk_app_id=1, task_id="t-1")
    assert answer.status == "5"
    assert {d.path for d in answer.meta.deviations} == {"Status", "StorageFileList[0].FileName"}


def test_max_calls_keeps_the_last_calls_only(generated_on_path: Path) -> None:
    from tcsdk.common.fake_server import COMMAND_CALLS, fake_tencent_cloud

    assert COMMAND_CALLS == 1000
    with fake_tencent_cloud(max_calls=2) as bounded:
        for room in (1, 2, 3):
            trtc("sync", bounded, "dismiss_room", sdk_app_id=1400000001, room_id=room)
        assert [call.params["RoomId"] for call in bounded.calls] == [2, 3]
    with pytest.raises(ValueError, match="max_calls"):
        fake_tencent_cloud(max_calls=-1).__enter__()


def test_mistakes_in_queued_answers_fail_when_queued(server: Any) -> None:
    from tcsdk.common.errors import ResponseShapeError
    from tcsdk.common.testing import StubError

    with pytest.raises(StubError, match="has no field 'Stat' \\(did you mean Status\\?\\)"):
        server.add_response("DescribeCloudRecording", {"Stat": "Idle"})
    with pytest.raises(ResponseShapeError, match="StorageFileList"):
        server.add_response("DescribeCloudRecording", {"StorageFileList": [{"FileName": 5}]})
    with pytest.raises(StubError, match="has no field 'Delta'"):
        server.add_events("DismissRoom", [{"Delta": 1}])
    with pytest.raises(ValueError, match="did you mean DismissRoom"):
        server.add_example("DismisRoom")
    with pytest.raises(IndexError, match="DismissRoom has 1 example"):
        server.add_example("DismissRoom", 1)
    with pytest.raises(ValueError, match="not an action name"):
        server.add_response("Dismiss Room\r\nX: y")
    with pytest.raises(ValueError, match="not a valid HTTP header"):
        server.add_response("DismissRoom", headers={"X-A": "b\r\nInjected: yes"})
    with pytest.raises(ValueError, match="delay"):
        server.add_drop("DismissRoom", delay=-1)
    with pytest.raises(ValueError, match="HTTP status"):
        server.add_status("DismissRoom", 99)
    with pytest.raises(TypeError, match="mapping or a str"):
        server.add_events("DismissRoom", [5])  # type: ignore[list-item]
    # An action of no service version here (for CommonClient calls) is queued unchecked.
    server.add_response("DescribeZones", {"Anything": 1}, service="cvm")
    # An action of several service versions needs service= and version=.
    server._catalog.versions[("trtc2", "2019-07-22")] = "tcsdk.trtc.v20190722"
    with pytest.raises(ValueError, match="is an action of trtc 2019-07-22, trtc2 2019-07-22"):
        server.add_example("DismissRoom")
    server.add_example("DismissRoom", service="trtc2")
    server.reset()


@pytest.mark.parametrize("mode", MODES)
def test_parameters_are_checked_against_the_request_model(mode: str, server: Any) -> None:
    from tcsdk.common.aio import AsyncCommonClient
    from tcsdk.common.client import CommonClient

    cases = [
        ("DismissRoom", {"RoomId": 1}, "MissingParameter", "missing required field `SdkAppId`"),
        ("DismissRoom", {"RoomId": "x", "SdkAppId": 1}, "InvalidParameter", "$.RoomId"),
        ("DismissRoom", {"RoomId": 1, "SdkAppId": 1, "Room": 1}, "UnknownParameter", "(did you mean RoomId?)"),
        ("DismissRom", {}, "InvalidAction", "trtc 2019-07-22 has no action DismissRom"),
    ]
    for action, params, code, message in cases:
        if mode == "sync":
            with CommonClient("trtc", "2019-07-22", server.credentials, endpoint=server.url) as client:
                error = raised(client.call, action, params)
        else:

            async def main(action: str, params: dict[str, Any]) -> BaseException:
                async with AsyncCommonClient("trtc", "2019-07-22", server.credentials, endpoint=server.url) as client:
                    try:
                        await client.call(action, params)
                    except Exception as exc:
                        return exc
                raise AssertionError("nothing was raised")

            error = asyncio.run(main(action, params))
        assert error.code == code and message in str(error), error
    # Numbers sent as strings are read as the service reads them; the check can be turned off.
    with CommonClient("trtc", "2019-07-22", server.credentials, endpoint=server.url) as client:
        assert client.call("DismissRoom", {"RoomId": "1234", "SdkAppId": "1400000001"}).request_id
        # A refused request leaves the queued answer for the next one.
        server.add_error("DismissRoom", "FailedOperation.RoomNotExist")
        assert raised(client.call, "DismissRoom", {"RoomId": 1}).code == "MissingParameter"
        assert raised(client.call, "DismissRoom", {"RoomId": 1, "SdkAppId": 2}).code == "FailedOperation.RoomNotExist"
        server.check_params = False
        assert client.call("DismissRoom", {"Whatever": True}).request_id


def test_unknown_service_versions_get_the_errors_tencent_sends(server: Any) -> None:
    from tcsdk.common.client import CommonClient
    from tcsdk.common.errors import TencentCloudError

    for service, version, code in (("trtc", "2020-01-01", "NoSuchVersion"), ("vpc", "2017-03-12", "InvalidAction")):
        with CommonClient(service, version, server.credentials, endpoint=server.url) as client:
            with pytest.raises(TencentCloudError) as caught:
                client.call("DescribeVpcs")
            assert caught.value.code == code
            # ... unless an answer is queued for it.
            server.add_response("DescribeVpcs", {"TotalCount": 0}, service=service)
            assert client.call("DescribeVpcs") == {"TotalCount": 0, "RequestId": server.calls[-1].request_id}
    with httpx.Client() as http:
        for headers, code in (
            ({"X-TC-Version": "2019-07-22"}, "MissingParameter"),
            ({"X-TC-Action": "Dismiss-Room", "X-TC-Version": "2019-07-22"}, "InvalidAction"),
            ({"X-TC-Action": "DismissRoom"}, "MissingParameter"),
            ({"X-TC-Action": "DismissRoom", "X-TC-Version": "v2"}, "NoSuchVersion"),
        ):
            assert signed_post(http, server, b"{}", headers)["Error"]["Code"] == code
        assert signed_post(http, server, b"[1]", {})["Error"]["Code"] == "InvalidParameter"
        assert signed_post(http, server, b"{", {})["Error"]["Code"] == "InvalidParameter"
        assert signed_post(http, server, b"{}", {}, "text/plain")["Error"]["Code"] == "InvalidParameter"
        answer = http.get(server.url).json()["Response"]
        assert answer["Error"]["Code"] == "UnsupportedProtocol"


def signed_headers(
    server: Any, body: bytes, headers: dict[str, str], content_type: str = "application/json", service: str = "trtc"
) -> dict[str, str]:
    """Headers of a request to ``server`` signed with the runtime's signing code (DismissRoom unless ``headers`` say)."""
    sign = importlib.import_module(type(server).__module__.replace("fake_server", "signing")).sign

    now = int(time.time())
    base = {"Content-Type": content_type, "Host": server.url.split("//")[1], "X-TC-Timestamp": str(now)}
    base = {"X-TC-Action": "DismissRoom", "X-TC-Version": "2019-07-22", **base, **headers}
    authorization = sign(
        secret_id=server.credentials.secret_id,
        secret_key=server.credentials.secret_key,
        service=service,
        timestamp=now,
        body=body,
        headers=base,
    ).authorization
    return {**base, "Authorization": authorization}


def signed_post(
    http: httpx.Client, server: Any, body: bytes, headers: dict[str, str], content_type: str = "application/json"
) -> dict[str, Any]:
    """POST a signed body to trtc; the Response object of the answer."""
    sent = signed_headers(server, body, headers, content_type)
    answer: dict[str, Any] = http.post(server.url, content=body, headers=sent).json()["Response"]
    return answer


# --- examples of any service version


def test_every_example_of_every_service_version_is_answered(server: Any) -> None:
    """Each example's own request gets that example's answer (or its typed error), for cvm and trtc."""
    from tcsdk.common.client import CommonClient
    from tcsdk.common.errors import TencentCloudError

    served = 0
    for folder in sorted(GENERATED.glob("tcsdk/*/v*/examples.json")):
        service = folder.parent.parent.name
        module = __import__(f"tcsdk.{service}.{folder.parent.name}", fromlist=["VERSION"])
        with CommonClient(service, module.VERSION, server.credentials, endpoint=server.url) as client:
            for action, examples in json.loads(folder.read_text()).items():
                for example in examples:
                    if sum(e["request"] == example["request"] for e in examples) > 1 and "Error" in str(example):
                        continue  # an error example sharing its request with a success: add_example reaches it
                    expected = dict(example["response"]["Response"])
                    try:
                        answer: dict[str, Any] = dict(client.call(action, example["request"]))
                    except TencentCloudError as error:
                        assert error.code == expected["Error"]["Code"], (action, example["title"])
                        answer = {"Error": expected["Error"], "RequestId": error.request_id}
                    expected["RequestId"] = answer["RequestId"]
                    assert answer == expected, (service, action, example["title"])
                    served += 1
    assert served >= 10
    # The first success answers any other request; add_example reaches the others.
    from tcsdk.common.errors import AuthFailureError
    from tcsdk.cvm.v20170312.client import CvmClient

    with CvmClient(server.credentials, endpoint=server.url) as cvm:
        assert cvm.describe_instances_status(instance_ids=["ins-1"]).total_count == 0
        server.add_example("DescribeInstancesStatus", 1)
        with pytest.raises(AuthFailureError):
            cvm.describe_instances_status()
        server.add_example("DescribeInstancesStatus", 2)
        assert [s.instance_id for s in cvm.iter_describe_instances_status(limit=10)] == ["ins-r8hr2upy", "ins-5d8a23rs"]


# --- streams


@pytest.fixture(scope="module")
def sse_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """tests/fixtures/streaming (TalkSSE, with event-stream examples) as package ``streampkg``.

    The name test_streaming.py gives the same fixture: in one test run the
    second generation comes from the generation cache.
    """
    with importable_package(
        tmp_path_factory.mktemp("fake-sse"), "streampkg", "--specs", str(FIXTURES / "streaming")
    ) as out:
        yield out


def talk(mode: str, server: Any, prompt: str = "hi", **options: Any) -> tuple[list[Any], BaseException | None]:
    """Call TalkSSE and read its stream: the items and the exception that ended it, if any."""
    from streampkg.chat.v20240101.client import AsyncChatClient, ChatClient

    items: list[Any] = []
    settings = {"endpoint": server.url, "timeout": 5.0, **options}
    try:
        if mode == "sync":
            with ChatClient(server.credentials, sleep=nap, **settings) as client:
                with client.talk_sse(prompt=prompt) as stream:
                    items.extend(stream)
        else:

            async def main() -> None:
                async with AsyncChatClient(server.credentials, sleep=async_nap, **settings) as client:
                    async with client.talk_sse(prompt=prompt) as stream:
                        async for item in stream:
                            items.append(item)

            asyncio.run(main())
    except Exception as exc:
        return items, exc
    return items, None


@pytest.mark.parametrize("mode", MODES)
def test_event_stream_examples_are_streamed(mode: str, sse_package: Path) -> None:
    from streampkg.chat.v20240101.errors import TalkSSEErrorCode
    from streampkg.chat.v20240101.models import TalkSSEResponse
    from streampkg.common.errors import TransportError
    from streampkg.common.fake_server import fake_tencent_cloud

    examples = json.loads((sse_package / "streampkg/chat/v20240101/examples.json").read_text())["TalkSSE"]
    assert [sorted(e) for e in examples] == [["events", "request", "title"], ["request", "response", "title"]] + [
        ["events", "request", "title"]
    ]
    with fake_tencent_cloud() as server:
        # Any prompt: the first example that is not an error, event by event ([DONE] is no item).
        items, error = talk(mode, server)
        assert error is None and all(type(i) is TalkSSEResponse for i in items)
        assert [(i.delta.content, i.is_end) for i in items] == [("Hel", False), ("lo", True)]
        assert items[0].request_id == server.calls[-1].request_id  # from the X-TC-RequestId header
        # The request of an error example gets that error, before the stream.
        items, error = talk(mode, server, prompt="?")
        assert items == [] and error.code is TalkSSEErrorCode.FAILED_OPERATION_TALK_FAILED
        # An error event part way: the items before it, then the typed error.
        server.add_example("TalkSSE", 2, interval=0.01)
        items, error = talk(mode, server)
        assert [i.delta.content for i in items] == ["Once"] and error.code == "FailedOperation.TalkFailed"
        assert server.calls[-1].error == "FailedOperation.TalkFailed"
        # Scripted events, and a stream cut in the middle of an event.
        server.add_events("TalkSSE", [{"Delta": {"Content": "a"}}, {"IsEnd": True}, "[DONE]"])
        items, error = talk(mode, server)
        assert error is None and [i.is_end for i in items] == [None, True]
        server.add_events("TalkSSE", [{"Delta": {"Content": "a" * 50}}, {"IsEnd": True}], cut=True)
        items, error = talk(mode, server)
        assert isinstance(error, TransportError) and len(items) <= 1
        # Nothing is repeated once a stream began; throttling before it is.
        server.add_throttling("TalkSSE")
        items, error = talk(mode, server)
        assert (
            error is None and len(items) == 2 and [c.error for c in server.calls[-2:]] == ["RequestLimitExceeded", ""]
        )


def test_a_stream_to_an_http_1_0_client_ends_with_the_connection(sse_package: Path) -> None:
    from streampkg.common.fake_server import fake_tencent_cloud

    body = b'{"Prompt": "hi"}'
    with fake_tencent_cloud() as server:
        headers = signed_headers(server, body, {"X-TC-Action": "TalkSSE", "X-TC-Version": "2024-01-01"}, service="chat")
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = f"POST / HTTP/1.0\r\n{lines}Content-Length: {len(body)}\r\n\r\n".encode() + body
        head, _, stream = raw_exchange(server, request).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Type: text/event-stream" in head
    assert b"Transfer-Encoding" not in head and b"Connection: close" in head
    assert stream == (
        b'data: {"Delta": {"Content": "Hel", "Seq": 0}, "IsEnd": false}\n\n'
        b'data: {"Delta": {"Content": "lo", "Seq": 1}, "IsEnd": true}\n\n'
        b"data: [DONE]\n\n"
    )


def test_events_are_paced_and_stopping_cuts_a_stream_short(sse_package: Path) -> None:
    from streampkg.chat.v20240101.client import ChatClient
    from streampkg.common.errors import TransportError
    from streampkg.common.fake_server import FakeTencentCloud

    before = threads()
    server = FakeTencentCloud().start()
    server.add_events("TalkSSE", [{"Delta": {"Content": "first"}}, {"IsEnd": True}], interval=60)
    items: list[Any] = []
    first = threading.Event()
    outcome: list[BaseException] = []

    def read() -> None:
        with ChatClient(server.credentials, endpoint=server.url, timeout=30.0) as client:
            try:
                for item in client.talk_sse(prompt="hi"):
                    items.append(item)
                    first.set()
            except TransportError as exc:
                outcome.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    assert first.wait(10)
    server.stop()  # while the stream waits out its interval
    reader.join(10)
    assert not reader.is_alive() and len(items) == 1 and len(outcome) == 1
    assert threads() - before == set()


@pytest.mark.skipif(not (CORPUS / "index.json").is_file(), reason="../shared corpus is not present")
def test_a_corpus_service_streams_its_sse_example(tmp_path: Path) -> None:
    """trtc 2019-07-22 TextToSpeechSSE, imported from Tencent's descriptions, answered by its own package."""
    source = CORPUS / "trtc" / "v20190722"
    with importable_package(
        tmp_path, "corpustts", "--from", "tencentcloud", str(source), "--actions", "TextToSpeechSSE"
    ):
        from corpustts.common.errors import InternalError, TencentCloudError
        from corpustts.common.fake_server import fake_tencent_cloud
        from corpustts.trtc.v20190722 import models
        from corpustts.trtc.v20190722.client import TrtcClient

        written = json.loads((source / "examples.json").read_text())["actions"]["TextToSpeechSSE"]
        request = msgspec.convert(request_body(written[0]["input"]), models.TextToSpeechSSERequest, strict=False)
        with fake_tencent_cloud() as server, TrtcClient(server.credentials, endpoint=server.url) as client:
            # The example's own request: the success stream (one of its events is broken JSON and left out).
            # The description declares no event fields but RequestId: the raw events show them all.
            with client.text_to_speech_sse(request) as stream:
                events = [json.loads(e.data) for e in stream.events()]
            assert [(e["ChunkId"], e["Seq"], e["IsEnd"]) for e in events] == [
                ("chunk_0", 0, False),
                ("chunk_2", 2, True),
            ]
            assert stream.meta.headers["content-type"] == "text/event-stream"
            with client.text_to_speech_sse(request) as stream:
                items = list(stream)
            assert [type(i) for i in items] == [models.TextToSpeechSSEResponse] * 2
            # Whose fields the importer inferred from those examples.
            assert [(i.chunk_id, i.seq, i.is_end, i.audio) for i in items] == [
                ("chunk_0", 0, False, "base64_audio..."),
                ("chunk_2", 2, True, "base64_audio..."),
            ]
            assert items[0].request_id == "456e7890-e12b-34d5-a678-426614174000"
            # The stream that fails part way, and the error before any stream.
            server.add_example("TextToSpeechSSE", 0)
            seen: list[Any] = []
            with pytest.raises(InternalError):
                with client.text_to_speech_sse(request) as stream:
                    seen.extend(stream)
            assert len(seen) == 1
            wrong_voice = msgspec.structs.replace(request, voice=models.Voice(voice_id="fake"))
            with pytest.raises(TencentCloudError) as caught:
                list(client.text_to_speech_sse(wrong_voice))
            assert caught.value.code == "InvalidParameter.VoiceId"


# --- uploads


@pytest.fixture(scope="module")
def upload_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """tests/fixtures/tencent-upload (cii UploadMedicalFile: multipart) as package ``uppkg``, as in test_uploads.py."""
    root = FIXTURES / "tencent-upload"
    with importable_package(tmp_path_factory.mktemp("fake-up"), "uppkg", "--from", "tencentcloud", str(root)) as out:
        yield out


@pytest.mark.parametrize("mode", MODES)
def test_multipart_uploads_are_verified_and_read(mode: str, upload_package: Path) -> None:
    from uppkg.cii.v20210408.client import AsyncCiiClient, CiiClient
    from uppkg.common.errors import AuthFailureError, MissingParameterError
    from uppkg.common.fake_server import fake_tencent_cloud

    content = bytes(range(256)) * 8 + b"\r\n--not-the-boundary\r\n\r\n"
    with fake_tencent_cloud() as server:
        options = {"endpoint": server.url, "timeout": 5.0}
        # Bytes, and a file object (streamed in chunks): the same body, verified alike.
        for given in (content, io.BytesIO(content)):
            if mode == "sync":
                with CiiClient(server.credentials, **options) as cii:
                    answer = cii.upload_medical_file(file=given, comment="x-ray \u56fe", tags=["chest"])
            else:

                async def main(given: Any) -> Any:
                    async with AsyncCiiClient(server.credentials, **options) as cii:
                        return await cii.upload_medical_file(file=given, comment="x-ray \u56fe", tags=["chest"])

                answer = asyncio.run(main(given))
            assert answer.request_id == server.calls[-1].request_id
            call = server.calls[-1]
            assert call.headers["content-type"].startswith("multipart/form-data; boundary=")
            assert call.params == {"File": content, "Comment": "x-ray \u56fe", "Tags": ["chest"]}

        def tamper(request: httpx.Request) -> None:
            request.stream = httpx.ByteStream(request.read().replace(b"x-ray", b"x-ban"))

        with httpx.Client(event_hooks={"request": [tamper]}) as http:
            with CiiClient(server.credentials, http_client=http, **options) as cii:
                with pytest.raises(AuthFailureError) as caught:
                    cii.upload_medical_file(file=b"scan", comment="x-ray")
        assert caught.value.code == "AuthFailure.SignatureFailure"
        # A multipart body is checked against the model like JSON.
        server.add_response("UploadMedicalFile", {"FileId": "f-1"})

        def drop_file(request: httpx.Request) -> None:
            body = request.read()
            start = body.index(b"--", 2)  # the second part onwards
            request.stream = httpx.ByteStream(body[start:])
            request.headers["Content-Length"] = str(len(body) - start)

        with httpx.Client(event_hooks={"request": [drop_file]}) as http:
            with CiiClient(server.credentials, http_client=http, **options) as cii:
                with pytest.raises((AuthFailureError, MissingParameterError)):
                    cii.upload_medical_file(file=b"scan", comment="x")
        server.reset()


def test_multipart_bodies_that_do_not_parse(generated_on_path: Path) -> None:
    from tcsdk.common.fake_checks import _multipart_params, _Refused

    kind = "multipart/form-data; boundary=b0"
    part = b'--b0\r\nContent-Disposition: form-data; name="A"\r\n\r\n1\r\n'
    assert _multipart_params(kind, part + b"--b0--\r\n") == {"A": "1"}
    assert _multipart_params('multipart/form-data; boundary="b0"', b"") == {}
    for content_type, body in (
        ("multipart/form-data", part + b"--b0--\r\n"),  # no boundary
        (kind, b"junk" + part + b"--b0--\r\n"),  # text before the first boundary
        (kind, part),  # no closing boundary
        (kind, part + part + b"--b0--\r\n"),  # a repeated name
        (kind, b"--b0\r\nContent-Disposition: form-data\r\n\r\n1\r\n--b0--\r\n"),  # no name
        (kind, b'--b0\r\nContent-Disposition: form-data; name="A"\r\n1\r\n--b0--\r\n'),  # no blank line
        (
            kind,
            b'--b0\r\nContent-Disposition: form-data; name="A"\r\nContent-Type: application/json\r\n\r\n{\r\n--b0--\r\n',
        ),
        (kind, b'--b0\r\nContent-Disposition: form-data; name="A"\r\n\r\n\xff\r\n--b0--\r\n'),  # not UTF-8
    ):
        with pytest.raises(_Refused) as refused:
            _multipart_params(content_type, body)
        assert refused.value.code == "InvalidParameter"


# --- robustness, limits and secrets


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["POST", "GET", "PUT"]),
    target=st.text(max_size=20),
    headers=st.dictionaries(
        st.sampled_from(
            ["authorization", "content-type", "x-tc-action", "x-tc-version", "x-tc-timestamp", "x-tc-token", "host"]
        ),
        st.one_of(
            st.text(max_size=40),
            st.just("TC3-HMAC-SHA256 Credential=AKIDLOCALTESTKEY0000/2023-11-14/trtc/tc3_request, "),
            st.just("multipart/form-data; boundary=x"),
        ),
    ),
    body=st.one_of(
        st.binary(max_size=60), st.just(b'--x\r\nContent-Disposition: form-data; name="A"\r\n\r\n1\r\n--x--\r\n')
    ),
)
def test_any_request_gets_an_answer(
    server: Any, method: str, target: str, headers: dict[str, str], body: bytes
) -> None:
    """Whatever the headers and body, the endpoint answers (an error envelope) and never raises."""
    reply, request_id = server._answer(method, target, headers, body)
    assert reply.status == 200 and reply.error and json.loads(reply.body)["Response"]["Error"]["Code"] == reply.error
    call = server.calls[-1]
    assert call.request_id == request_id and call.error == reply.error


def raw_exchange(server: Any, data: bytes) -> bytes:
    """Send raw bytes on a new connection and hang up; everything received until the server closes it."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_WR)  # nothing more comes from this client
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def test_framing_limits_and_garbage(server: Any) -> None:
    from tcsdk.common.fake_server import FakeTencentCloud

    assert b"400" in raw_exchange(server, b"\x00\xff garbage\r\n\r\n")
    assert raw_exchange(server, b"POST / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n").startswith(b"HTTP/1.1 431")
    chunked = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    assert raw_exchange(server, chunked).startswith(b"HTTP/1.1 411")
    twice = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
    assert raw_exchange(server, twice).startswith(b"HTTP/1.1 411")
    for length in (b"x", b"\xb2", b"1" * 13):  # "\xb2" is "²" to http.server: a digit to str.isdigit
        refused = raw_exchange(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n")
        assert refused.startswith(b"HTTP/1.1 400"), refused
    # A body over the limit is read and dropped, then refused; the server goes on serving.
    server.max_body = 100
    with httpx.Client() as http:
        answer = signed_post(http, server, b'{"RoomId": 1, "SdkAppId": 2, "Pad": "' + b"x" * 200 + b'"}', {})
        assert answer["Error"]["Code"] == "RequestSizeLimitExceeded"
        assert "Error" not in signed_post(http, server, b'{"RoomId": 1, "SdkAppId": 2}', {})
    # A client that hangs up in the middle of its body gets nothing, and nothing breaks.
    raw_exchange(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{}")
    with httpx.Client() as http:
        assert "Error" not in signed_post(http, server, b'{"RoomId": 1, "SdkAppId": 2}', {})
    with pytest.raises(ValueError, match="max_body"):
        FakeTencentCloud(max_body=-1)


def test_secrets_appear_nowhere(generated_on_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.fake_server import fake_tencent_cloud

    key, token = "SECRET-KEY-5f4e3d", "SESSION-TOKEN-9a8b7c"
    caplog.set_level(logging.DEBUG)
    pair = Credentials("AKIDsecrets", key, token)
    with fake_tencent_cloud(pair) as server:
        shown = [repr(server), str(server.credentials)]
        assert trtc("sync", server, "dismiss_room", {"credentials": pair}, sdk_app_id=1, room_id=2).request_id
        for credentials in (Credentials("AKIDsecrets", key, "other-" + token), Credentials("AKIDsecrets", "x", token)):
            options = {"credentials": credentials}
            error = raised(trtc, "sync", server, "dismiss_room", options, sdk_app_id=1, room_id=2)
            shown.append(str(error))
        calls = server.calls
    shown += [repr(calls), str([c.headers for c in calls]), caplog.text]
    assert all(call.headers.get("x-tc-token") == "<hidden>" for call in calls)
    for text in shown:
        assert key not in text and token not in text
    assert [c.error for c in calls] == ["", "AuthFailure.TokenFailure", "AuthFailure.SignatureFailure"]
    assert "trtc/2019-07-22 DismissRoom" in caplog.text and "AuthFailure.TokenFailure" in caplog.text


def test_it_listens_on_the_loopback_interface_only(generated_on_path: Path) -> None:
    from tcsdk.common.fake_server import FakeTencentCloud, fake_tencent_cloud

    for host in ("0.0.0.0", "192.168.1.10", "::1", "::", "example.com", ""):
        with pytest.raises(ValueError, match="loopback interface only"):
            FakeTencentCloud(host=host)
    with pytest.raises(ValueError, match="port"):
        FakeTencentCloud(port=70000)
    with fake_tencent_cloud(host="localhost") as server:
        assert server.url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError, match="not started"):
        server.url  # noqa: B018


def test_stopping_closes_connections_and_leaves_no_thread(generated_on_path: Path) -> None:
    """An open keep-alive connection and an answer waiting out a delay: stop() ends both at once."""
    from tcsdk.common.fake_server import FakeTencentCloud
    from tcsdk.trtc.v20190722.client import TrtcClient

    before = threads()
    server = FakeTencentCloud().start()
    idle = TrtcClient(server.credentials, endpoint=server.url)
    idle.dismiss_room(sdk_app_id=1, room_id=2)  # its connection stays open
    server.add_response("DismissRoom", delay=60)
    waiting = threading.Thread(target=lambda: raised(trtc, "sync", server, "dismiss_room", sdk_app_id=1, room_id=2))
    waiting.start()
    while not server.calls[1:]:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    waiting.join(10)
    assert not waiting.is_alive() and time.monotonic() - started < 10
    assert threads() - before == set()
    server.stop()  # again: nothing to do
    idle.close()


def endpoint_modules() -> list[str]:
    """The runtime modules of the local endpoint: ``fake_server`` and its parts (``fake_*``)."""
    modules = sorted(p.stem for p in (ROOT / "templates" / "runtime").glob("fake_*.py"))
    assert "fake_server" in modules and len(modules) > 1
    return modules


def test_the_clients_never_import_it() -> None:
    code = (
        "import sys; import tcsdk.trtc.v20190722.client, tcsdk.trtc.v20190722.aio, tcsdk.common.testing; "
        "import tcsdk.trtc.v20190722.models, tcsdk.cvm.v20170312.models; "
        "print(sorted(m for m in sys.modules if m.startswith('tcsdk.common.fake_')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=GENERATED, capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_its_modules_import_downward_only() -> None:
    """No cycle among the endpoint's modules, counting imports inside functions; none imports fake_server."""
    modules = endpoint_modules()
    imports: dict[str, set[str]] = {}
    for module in modules:
        tree = ast.parse((ROOT / "templates" / "runtime" / f"{module}.py").read_text("utf-8"))
        imports[module] = {
            name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1
            for name in ([node.module] if node.module else [alias.name for alias in node.names])
            if name in modules
        }
    assert all("fake_server" not in found for found in imports.values()), imports
    graphlib.TopologicalSorter(imports).prepare()  # raises CycleError on a cycle


# --- the command line


def start_command(
    *args: str, env: dict[str, str] | None = None, sigint_ignored: bool = False
) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tcsdk.common.fake_server", *args],
        cwd=GENERATED,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        # As a shell starts a background job: SIGINT ignored, inherited across exec.
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    return process, url


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_command_serves_until_a_signal(stop: signal.Signals, generated_on_path: Path) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.fake_server import DEFAULT_CREDENTIALS
    from tcsdk.trtc.v20190722.client import TrtcClient

    env = {"TENCENTCLOUD_SECRET_ID": "AKIDfromenv", "TENCENTCLOUD_SECRET_KEY": "env-key"}
    process, url = start_command("--port", "0", env=env)
    try:
        assert url.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else ""
        for credentials in (DEFAULT_CREDENTIALS, Credentials("AKIDfromenv", "env-key")):
            with TrtcClient(credentials, endpoint=url) as client:
                assert client.dismiss_room(sdk_app_id=1400000001, room_id=1234).request_id
        process.send_signal(stop)
        _, err = process.communicate(timeout=20)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, err
    assert "trtc/2019-07-22 DismissRoom" in err and "env-key" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "the local endpoint listens on the loopback interface only (127.0.0.1), not '0.0.0.0'"),
        (["--secret-id", "AKIDx"], "--secret-id and --secret-key go together"),
        (["--port", "x"], "argument --port: invalid int value: 'x'"),
    ],
)
def test_the_command_refuses_bad_arguments(args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tcsdk.common.fake_server", *args],
        cwd=GENERATED,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"python -m tcsdk.common.fake_server: {message}\n"


def test_the_command_stops_on_sigint_even_when_started_with_it_ignored(generated_on_path: Path) -> None:
    process, url = start_command("--port", "0", "--quiet", sigint_ignored=True)
    try:
        assert url.startswith("http://127.0.0.1:")
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, err
