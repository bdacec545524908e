"""Octet-stream actions (issue 24, item 5): a raw body, the parameters as headers.

tests/fixtures/octet is a hand-written spec of cls 2020-10-16 UploadLog
(``request_body: octet-stream``; TopicId, HashKey and CompressType as
``X-CLS-<Name>`` headers, as the official SDK's ``call_octet_stream`` sends
them) and one plain JSON action. The request the official SDK built and
signed is ../shared/tencentcloud-api/tc3-octet-stream-vector.json.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ..client_harness import SECRET_ID, SECRET_KEY
from ..conftest import FIXTURES, SHARED, importable_package
from ..fake_tencent import Behaviour, FakeTencentCloud
from .test_uploads import OneWayStream

# The sync clients on each transport (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_transports")

VECTOR_FILE = SHARED / "tencentcloud-api" / "tc3-octet-stream-vector.json"
MODES = ["sync", "async"]
TOPIC = "f6c4fa6f-0000-4d3e-8289-1ff6f77ed975"


@pytest.fixture(scope="module")
def octet_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with importable_package(tmp_path_factory.mktemp("octet"), "octpkg", "--specs", str(FIXTURES / "octet")) as out:
        yield out


def clients() -> tuple[Any, Any, Any]:
    from octpkg.cls.v20201016.client import AsyncClsClient, ClsClient
    from octpkg.common.credentials import Credentials

    return ClsClient, AsyncClsClient, Credentials(SECRET_ID, SECRET_KEY)


def upload(mode: str, url: str, *calls: dict[str, Any], credentials: Any = None, **options: Any) -> list[Any]:
    """Call upload_log once per keyword set, sync or async; each result or the exception raised."""
    sync_cls, async_cls, default = clients()
    credentials = credentials or default
    results: list[Any] = []
    if mode == "sync":
        with sync_cls(credentials, endpoint=url, region="ap-guangzhou", **options) as cls:
            for fields in calls:
                try:
                    results.append(cls.upload_log(**fields))
                except Exception as exc:
                    results.append(exc)
        return results

    async def main() -> None:
        async with async_cls(credentials, endpoint=url, region="ap-guangzhou", **options) as cls:
            for fields in calls:
                try:
                    results.append(await cls.upload_log(**fields))
                except Exception as exc:
                    results.append(exc)

    asyncio.run(main())
    return results


def test_the_generated_client_describes_the_raw_body_and_its_headers(octet_package: Path) -> None:
    source = (octet_package / "octpkg/cls/v20201016/client.py").read_text()
    assert "octet_stream=True" in source and '("TopicId", "X-CLS-TopicId")' in source
    assert "Sends ``body`` (bytes or a binary file object) as the raw request body" in source
    assert "``topic_id`` as X-CLS-TopicId" in source
    assert source.count("octet_stream=True") == 1  # not DescribeTopics


@pytest.fixture(scope="module")
def imported_cls_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """cls UploadLog generated from Tencent's own description: the shipped overlay makes it octet-stream."""
    source = SHARED / "tencentcloud-api" / "cls" / "v20201016"
    with importable_package(
        tmp_path_factory.mktemp("clsimport"),
        "clsimport",
        "--from",
        "tencentcloud",
        str(source),
        "--actions",
        "UploadLog",
    ) as out:
        yield out


@pytest.mark.skipif(not VECTOR_FILE.is_file(), reason="../shared corpus is not present")
@pytest.mark.parametrize("package", ["octpkg", "clsimport"])
def test_body_headers_and_signature_match_the_official_sdk_byte_for_byte(
    package: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    request.getfixturevalue("octet_package" if package == "octpkg" else "imported_cls_package")
    client = importlib.import_module(f"{package}.cls.v20201016.client")
    models = importlib.import_module(f"{package}.cls.v20201016.models")
    Credentials = importlib.import_module(f"{package}.common.credentials").Credentials
    plan = importlib.import_module(f"{package}.common.plan")
    Core, Settings = plan.Core, plan.Settings
    RetryPolicy = importlib.import_module(f"{package}.common.retry").RetryPolicy

    vector = json.loads(VECTOR_FILE.read_text())
    params = vector["params"]
    assert (vector["service"], vector["action"]) == ("cls", "UploadLog")
    assert list(params) == ["TopicId", "HashKey", "CompressType"]
    body = base64.b64decode(vector["body_base64"])
    settings = Settings(
        service=vector["service"],
        version=vector["version"],
        url=f"https://{vector['host']}/",
        host=vector["host"],
        region=vector["region"],
        language=None,
        timeout=httpx.Timeout(5),
        retry=RetryPolicy(),
    )
    core = Core(settings, lambda: float(vector["timestamp"]), lambda a, b: 0.0)
    credentials = Credentials(vector["secret_id"], vector["secret_key"], vector["token"])
    path = tmp_path / "logs.pb"
    path.write_bytes(body)
    # The same bytes as bytes, a memoryview, a file on disk and a stream that cannot seek.
    with path.open("rb") as file:
        for value in (body, memoryview(body), file, OneWayStream(body)):
            request = models.UploadLogRequest(
                topic_id=params["TopicId"], hash_key=params["HashKey"], compress_type=params["CompressType"], body=value
            )
            encoded = client._UPLOAD_LOG.encode(request)
            assert not isinstance(encoded, bytes)
            encoded.measure()
            prepared = core.prepare(vector["action"], encoded, credentials, encoded.content_type)
            sent = {k.lower(): v for k, v in prepared.headers.items()}
            assert sent.pop("content-length") == str(len(body))
            assert " tencentcloud-codegen/" in sent.pop("user-agent")  # ours, not signed
            assert sent == {k.lower(): v for k, v in vector["expected_headers"].items()}
            assert b"".join(prepared.content) == body  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", MODES)
def test_uploads_reach_an_independent_fake_signed_over_the_body(mode: str, octet_package: Path, tmp_path: Path) -> None:
    """tests/fake_tencent.py checks the signature with its own TC3 code; a throttled call is sent again whole."""
    from octpkg.common.retry import RetryPolicy

    data = bytes(range(256)) * 700  # larger than a chunk: sent in pieces
    path = tmp_path / "logs.pb"
    path.write_bytes(data)
    fake = FakeTencentCloud("cls", {SECRET_ID: SECRET_KEY}, {}).start()
    fake.then("UploadLog", Behaviour("success"), Behaviour("error", code="RequestLimitExceeded"), Behaviour("success"))
    try:
        with path.open("rb") as file:
            results = upload(
                mode,
                fake.url,
                {"topic_id": TOPIC, "body": b"\x00\r\nraw", "compress_type": "lz4"},
                {"topic_id": TOPIC, "body": file},
                retry=RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0),
                sleep=(lambda s: None) if mode == "sync" else _no_sleep,
            )
    finally:
        fake.stop()
    assert [r.request_id for r in results] == ["req-1", "req-3"]
    calls = fake.calls("UploadLog")
    assert [c.body for c in calls] == [b"\x00\r\nraw", data, data]
    for call in calls:
        # Refused with AuthFailure.SignatureFailure otherwise: the fake verified each signature.
        assert call.headers["content-type"] == "application/octet-stream"
        assert call.headers["x-cls-topicid"] == TOPIC
        assert call.headers["content-length"] == str(len(call.body))
        assert "signedheaders=content-type;host" in call.headers["authorization"].lower()
    assert calls[0].headers["x-cls-compresstype"] == "lz4"
    assert "x-cls-compresstype" not in calls[1].headers and "x-cls-hashkey" not in calls[1].headers


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.mark.parametrize("mode", MODES)
def test_the_local_endpoint_verifies_and_decodes_raw_bodies(mode: str, octet_package: Path) -> None:
    from octpkg.common.fake_server import fake_tencent_cloud

    with fake_tencent_cloud() as server:
        server.add_error("UploadLog", "ResourceNotFound.TopicNotExist")
        answers = upload(
            mode,
            server.url,
            {"topic_id": TOPIC, "body": io.BytesIO(b"\x01\x02")},
            {"topic_id": TOPIC, "body": b"", "compress_type": "zstd"},
            {"topic_id": "t-1", "body": b"x", "hash_key": "k"},
            credentials=server.credentials,
        )
        calls = server.calls
    # The queued error first, then the spec's example (with a fresh request id).
    assert type(answers[0]).__name__ == "ResourceNotFoundError"
    assert [a.request_id for a in answers[1:]] == [f"00000000-0000-4000-8000-00000000000{n}" for n in (2, 3)]
    assert [c.params for c in calls] == [
        {"TopicId": TOPIC, "Body": b"\x01\x02"},
        {"TopicId": TOPIC, "CompressType": "zstd", "Body": b""},
        {"TopicId": "t-1", "HashKey": "k", "Body": b"x"},
    ]
    assert [c.error for c in calls] == ["ResourceNotFound.TopicNotExist", "", ""]


def test_the_local_endpoint_refuses_a_tampered_body_and_a_raw_body_for_a_json_action(octet_package: Path) -> None:
    from octpkg.cls.v20201016 import client, models
    from octpkg.common.fake_server import fake_tencent_cloud

    def send(server: Any, action: str, body: bytes, tampered: bool = False) -> dict[str, Any]:
        core = client.ClsClient(server.credentials, endpoint=server.url)._core
        encoded = client._UPLOAD_LOG.encode(models.UploadLogRequest(topic_id=TOPIC, body=body))
        encoded.measure()
        prepared = core.prepare(action, encoded, server.credentials, encoded.content_type)
        content = b"".join(encoded)
        if tampered:  # the same length, another last byte
            content = content[:-1] + b"!"
        answer = httpx.post(server.url, headers=prepared.headers, content=content)
        error: dict[str, Any] = answer.json()["Response"].get("Error", {})
        return error

    with fake_tencent_cloud() as server:
        assert send(server, "UploadLog", b"logs") == {}
        assert send(server, "UploadLog", b"logs", tampered=True)["Code"] == "AuthFailure.SignatureFailure"
        refused = send(server, "DescribeTopics", b"logs")
        assert refused == {
            "Code": "InvalidParameter",
            "Message": "DescribeTopics takes a JSON body, not application/octet-stream",
        }


@pytest.mark.parametrize("mode", MODES)
def test_values_that_cannot_be_headers_are_refused_before_anything_is_sent(mode: str, octet_package: Path) -> None:
    fake = FakeTencentCloud("cls", {SECRET_ID: SECRET_KEY}, {}).start()
    try:
        results = upload(
            mode,
            fake.url,
            {"topic_id": "t\r\nX-Evil: 1", "body": b""},
            {"topic_id": "tópico", "body": b""},
            {"topic_id": " padded", "body": b""},
            {"topic_id": TOPIC, "body": "text, not bytes"},
            {"topic_id": TOPIC, "body": io.StringIO("text file")},
        )
    finally:
        fake.stop()
    from octpkg.common.errors import RequestValidationError

    assert [type(r) for r in results] == [RequestValidationError] * 4 + [TypeError]
    for refused in results[:3]:
        assert refused.path == "TopicId" and refused.expected == "a header value"
        assert str(refused).startswith("UploadLog: TopicId: sent as the header X-CLS-TopicId, its value is not a valid")
    assert "X-Evil" not in str(results[0])  # the value is not repeated
    assert str(results[3]) == "UploadLog: Body: Expected `bytes or a binary file object`, got `str`"
    assert "binary mode" in str(results[4])
    assert fake.calls() == []


@settings(max_examples=40, deadline=None)
@given(value=st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=False), st.booleans()))
def test_a_header_value_is_sent_exactly_or_refused(octet_package: Path, value: Any) -> None:
    """Whatever a parameter holds: accepted only when it arrives unchanged, else refused."""
    from octpkg.common.octet import header_value

    try:
        text = header_value("TopicId", "X-CLS-TopicId", value)
    except ValueError:
        assert isinstance(value, str)
        assert value != value.strip(" ") or any(not 0x20 <= ord(c) <= 0x7E for c in value)
        return
    expected = (
        value if isinstance(value, str) else ("true" if value is True else "false" if value is False else repr(value))
    )
    assert text == expected
    # What httpx sends is what a server reads.
    request = httpx.Request("POST", "http://127.0.0.1/", headers={"X-CLS-TopicId": text})
    assert request.headers["x-cls-topicid"] == text and text.isascii() and "\r" not in text and "\n" not in text


@pytest.mark.parametrize("mode", MODES)
def test_the_stubber_records_the_raw_body_and_header_parameters(mode: str, octet_package: Path) -> None:
    from octpkg.common.testing import Stubber

    sync_cls, async_cls, credentials = clients()
    expected = {"TopicId": TOPIC, "CompressType": "lz4", "Body": b"\x00\x01"}

    async def main() -> Any:
        async with async_cls(credentials, endpoint="http://127.0.0.1:9") as cls, Stubber(cls) as stubber:
            stubber.add_example("UploadLog", expected_params=expected)
            return await cls.upload_log(topic_id=TOPIC, body=b"\x00\x01", compress_type="lz4"), stubber.calls

    if mode == "sync":
        with sync_cls(credentials, endpoint="http://127.0.0.1:9") as cls, Stubber(cls) as stubber:
            stubber.add_example("UploadLog", expected_params=expected)
            answer, calls = cls.upload_log(topic_id=TOPIC, body=b"\x00\x01", compress_type="lz4"), stubber.calls
    else:
        answer, calls = asyncio.run(main())
    assert answer.request_id == "6ef60bec-0000-4000-bb20-270359fb54a7"
    assert calls == [("UploadLog", expected)]


def test_a_file_that_changes_after_it_was_measured_is_not_sent_whole(octet_package: Path, tmp_path: Path) -> None:
    from octpkg.cls.v20201016 import client, models
    from octpkg.common.multipart import UploadError

    path = tmp_path / "logs.pb"
    path.write_bytes(b"a" * 1000)
    with path.open("r+b") as file:
        encoded = client._UPLOAD_LOG.encode(models.UploadLogRequest(topic_id=TOPIC, body=file))
        encoded.measure()
        assert encoded.sha256 == hashlib.sha256(b"a" * 1000).hexdigest() and encoded.length == 1000
        file.seek(0)
        file.write(b"b")
        file.flush()
        file.seek(0)
        with pytest.raises(UploadError, match="changed after it was measured"):
            b"".join(encoded)


@pytest.mark.slow
def test_the_octet_package_passes_mypy_strict_and_black(octet_package: Path) -> None:
    uses = (
        "import io\n"
        "from octpkg.cls.v20201016.client import ClsClient\n\n\n"
        "def uses(cls: ClsClient) -> None:\n"
        '    cls.upload_log(topic_id="t", body=b"x", compress_type="lz4")\n'
        '    cls.upload_log(topic_id="t", body=io.BytesIO(b"x"))\n'
        '    cls.upload_log(topic_id="t", body="text")\n'
    )
    (octet_package / "uses.py").write_text(uses)
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "octpkg", "uses.py"],
        cwd=octet_package,
        capture_output=True,
        text=True,
    )
    errors = [line.split(": error:")[0] for line in mypy.stdout.splitlines() if ": error:" in line]
    assert errors == ["uses.py:8"], mypy.stdout  # a str is no body
    black = subprocess.run(
        [sys.executable, "-m", "black", "--check", "-q", "octpkg"], cwd=octet_package, capture_output=True, text=True
    )
    assert black.returncode == 0, black.stderr


@pytest.mark.parametrize("mode", MODES)
def test_extra_params_are_refused_for_a_raw_body_and_an_empty_set_is_fine(mode: str, octet_package: Path) -> None:
    from octpkg.common.errors import RequestValidationError

    fake = FakeTencentCloud("cls", {SECRET_ID: SECRET_KEY}, {}).start()
    try:
        refused, sent = upload(
            mode,
            fake.url,
            {"topic_id": TOPIC, "body": b"logs", "extra_params": {"NewHeader": "x"}},
            {"topic_id": TOPIC, "body": b"logs", "extra_params": {}},
        )
        calls = fake.calls()
    finally:
        fake.stop()
    assert isinstance(refused, RequestValidationError) and refused.path == "NewHeader"
    assert "takes no extra_params" in str(refused)
    assert not isinstance(sent, Exception), sent
    assert len(calls) == 1


def test_upload_log_from_tencents_description_reaches_an_independent_fake(imported_cls_package: Path) -> None:
    """Generated with --from tencentcloud: the shipped overlay is what makes this call work."""
    from clsimport.cls.v20201016.client import ClsClient
    from clsimport.common.credentials import Credentials

    fake = FakeTencentCloud("cls", {SECRET_ID: SECRET_KEY}, {}).start()
    try:
        with ClsClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=fake.url, region="ap-guangzhou") as cls:
            answer = cls.upload_log(topic_id=TOPIC, body=b"\x0a\x00logs", compress_type="lz4")
        calls = fake.calls("UploadLog")
    finally:
        fake.stop()
    assert answer.request_id == "req-1"
    (call,) = calls  # verified by the fake's own TC3 code, else AuthFailure.SignatureFailure
    assert call.body == b"\x0a\x00logs"
    assert call.headers["content-type"] == "application/octet-stream"
    assert call.headers["x-cls-topicid"] == TOPIC and call.headers["x-cls-compresstype"] == "lz4"
