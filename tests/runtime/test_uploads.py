"""File uploads: ``binary`` parameters, ``type: bytes`` and multipart/form-data bodies.

The fixture in tests/fixtures/tencent-upload is a hand-written Tencent-format
description of cii 2021-04-08 with one upload action (``File`` binary,
``FileURL`` and ``Comment`` strings, then a few optional fields of other
types) and one plain JSON action. It lives beside tests/fixtures/tencent, not
inside it, so the tests that generate that whole folder are not affected.
"""

from __future__ import annotations

import array
import asyncio
import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.build import build_project
from codegen.diagnostics import SpecError
from codegen.importers.tencent_api import load_folder
from codegen.loader import load_specs

from ..conftest import FIXTURES, GENERATED, SHARED, importable_package, run_codegen
from ..fake_tencent import Behaviour, FakeTencentCloud
from ..spec_helpers import write_specs

# The sync clients on each transport (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_transports")

ROOT = FIXTURES / "tencent-upload"
SOURCE = ROOT / "cii" / "v20210408"
VECTOR_FILE = SHARED / "tencentcloud-api" / "tc3-multipart-vector.json"
SECRET_ID, SECRET_KEY = "AKIDupload", "upload-secret"
FIXED = "0123456789abcdef0123456789abcdef"
UPLOAD_ANSWER = {"Response": {"FileId": "f-100", "RequestId": "x"}}
DESCRIBE_ANSWER = {"Response": {"Status": "Recognised", "RequestId": "x"}}


def parse_multipart(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """Split a multipart/form-data body into (headers, content) parts, checking its framing.

    Written for the tests, independently of the runtime's encoder.
    """
    media, _, parameter = content_type.partition("; ")
    assert media == "multipart/form-data" and parameter.startswith("boundary=")
    delimiter = b"--" + parameter[len("boundary=") :].encode()
    if not body:
        return []
    head, tail = delimiter + b"\r\n", b"\r\n" + delimiter + b"--\r\n"
    assert body.startswith(head) and body.endswith(tail)
    parts = []
    for chunk in body[len(head) : -len(tail)].split(b"\r\n" + delimiter + b"\r\n"):
        header_block, separator, content = chunk.partition(b"\r\n\r\n")
        assert separator
        headers = dict(line.split(": ", 1) for line in header_block.decode().split("\r\n"))
        parts.append((headers, content))
    return parts


def named_parts(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    """{part name: (the rest of its headers as text, content)} in body order."""
    found = {}
    for headers, content in parse_multipart(content_type, body):
        disposition = headers.pop("Content-Disposition")
        match = re.fullmatch(r'form-data; name="([^"]+)"(; filename="([^"]+)")?', disposition)
        assert match, disposition
        extra = f"filename={match[3]}" if match[3] else ""
        extra += "".join(f"; {k}={v}" for k, v in headers.items())
        found[match[1]] = (extra, content)
    return found


def measured(body: Any) -> tuple[bytes, str]:
    """An upload body's bytes, as sent, and its Content-Type."""
    body.measure()
    return b"".join(body), body.content_type


class OneWayStream:
    """A binary stream with nothing but ``read`` (like a pipe): it cannot seek back.

    ``reads`` counts the calls, ``threads`` records the thread of each.
    """

    def __init__(self, data: bytes, sizes: tuple[int, ...] = ()) -> None:
        self._data = io.BytesIO(data)
        self._sizes = sizes  # cycled: at most this many bytes per read, for short reads
        self.reads = 0
        self.threads: set[int] = set()

    def read(self, size: int = -1, /) -> bytes:
        self.threads.add(threading.get_ident())
        if self._sizes:
            size = min(size, self._sizes[self.reads % len(self._sizes)])
        self.reads += 1
        return self._data.read(size)


# --- the importer and the spec format


def test_binary_members_become_bytes() -> None:
    imported = load_folder(SOURCE)
    upload = imported.actions["UploadMedicalFile"]["request"]["properties"]
    assert upload["File"] == {"type": "bytes", "description": "The scanned report itself, as raw file content."}
    assert list(upload)[:3] == ["File", "FileURL", "Comment"]
    assert imported.problems == []


@pytest.mark.slow
def test_import_writes_type_bytes_and_the_specs_generate(tmp_path: Path) -> None:
    specs, out = tmp_path / "specs", tmp_path / "out"
    imported = run_codegen(
        "import",
        "tencentcloud",
        "--api",
        str(SOURCE / "api.json"),
        "--errors",
        str(SOURCE / "errors.json"),
        "--examples",
        str(SOURCE / "examples.json"),
        "--out",
        str(specs),
    )
    assert imported.returncode == 0, imported.stderr
    spec = yaml.safe_load((specs / "cii/2021-04-08/UploadMedicalFile.yaml").read_text())
    assert spec["request"]["properties"]["File"]["type"] == "bytes"
    generated = run_codegen("generate", "--specs", str(specs), "--out", str(out), "-q")
    assert generated.returncode == 0, generated.stderr
    client = (out / "tcsdk/cii/v20210408/client.py").read_text()
    assert client.count("binary_fields=") == 1 and 'binary_fields=("File",)' in client


def _broken_copy(tmp_path: Path, object_name: str, member: str, kind: str) -> Path:
    root = tmp_path / "api"
    shutil.copytree(ROOT, root)
    path = root / "cii/v20210408/api.json"
    api = json.loads(path.read_text())
    for entry in api["objects"][object_name]["members"]:
        if entry["name"] == member:
            entry["type"] = kind
    path.write_text(json.dumps(api))
    return root


def test_unknown_member_type_is_a_one_line_error_with_exit_2(tmp_path: Path) -> None:
    root = _broken_copy(tmp_path, "UploadMedicalFileRequest", "PageCount", "int128")
    api = f"{root.as_posix()}/cii/v20210408/api.json"
    out = tmp_path / "out"
    result = run_codegen("generate", "--from", "tencentcloud", str(root), "--out", str(out), "-q")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{api}#/objects/UploadMedicalFileRequest/members/3/type: member 'PageCount' (request of UploadMedicalFile): "
        "unknown type 'int128'; did you mean 'int'? a type is one of string, int, float, bool, binary, object, list",
        "codegen: 1 problem(s); nothing was written",
    ]
    assert not (out / "tcsdk").exists()

    # The same through `codegen import`, and for a shared structure (no action named).
    root = _broken_copy(tmp_path / "again", "PatientRef", "Age", "")
    api = f"{root.as_posix()}/cii/v20210408/api.json"
    result = run_codegen("import", "tencentcloud", "--api", api, "--out", str(tmp_path / "specs"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{api}#/objects/PatientRef/members/1/type: member 'Age': unknown type ''; "
        "a type is one of string, int, float, bool, binary, object, list",
        "codegen: 1 problem(s); nothing was written",
    ]
    assert not (tmp_path / "specs").exists()


UPLOAD_SPEC = """action: Upload
summary: Upload.
request:
  type: object
  required: [File]
  properties:
    File: {type: bytes, description: The content.}
    Name: {type: string}
response:
  type: object
  properties: {}
"""


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"demo/2020-01-01/Upload.yaml": UPLOAD_SPEC.replace("properties: {}", "properties: {Blob: {type: bytes}}")},
            "demo/2020-01-01/Upload.yaml:11:29: type 'bytes' (a file upload) is allowed only for top-level "
            "request fields of an action, not in a response",
        ),
        (
            {
                "demo/2020-01-01/Upload.yaml": UPLOAD_SPEC.replace(
                    "Name: {type: string}", "Names: {type: array, items: {type: bytes}}"
                )
            },
            "demo/2020-01-01/Upload.yaml:8:40: type 'bytes' (a file upload) is allowed only for top-level "
            "request fields of an action, not as an array item",
        ),
        (
            {
                "demo/2020-01-01/Upload.yaml": UPLOAD_SPEC,
                "demo/2020-01-01/service.yaml": 'service: demo\nversion: "2020-01-01"\nendpoint: demo.tencentcloudapi.com\n'
                "types:\n  Doc:\n    type: object\n    properties:\n      Blob: {type: bytes}\n",
            },
            "demo/2020-01-01/service.yaml:8:20: type 'bytes' (a file upload) is allowed only for top-level "
            "request fields of an action, not in the shared type 'Doc'",
        ),
    ],
    ids=["response", "array", "shared-type"],
)
def test_bytes_only_in_top_level_request_fields(tmp_path: Path, files: dict[str, str], message: str) -> None:
    root = write_specs(tmp_path, files)
    with pytest.raises(SpecError) as caught:
        build_project(load_specs(root))
    assert [str(d).replace(root.as_posix() + "/", "") for d in caught.value.diagnostics] == [message]


def test_a_hand_written_bytes_spec_builds(tmp_path: Path) -> None:
    project = build_project(load_specs(write_specs(tmp_path, {"demo/2020-01-01/Upload.yaml": UPLOAD_SPEC})))
    actions = {a.name: a for a in project.services[0].actions}
    assert actions["Upload"].binary_fields == ("File",)
    assert actions["Ping"].binary_fields == ()
    field = actions["Upload"].request.fields[0]
    assert (field.py_name, field.type.annotation, field.required) == ("file", "bytes", True)


# --- the generated package


@pytest.fixture(scope="module")
def upload_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with importable_package(tmp_path_factory.mktemp("upload"), "uppkg", "--from", "tencentcloud", str(ROOT)) as out:
        yield out


@pytest.fixture()
def fixed_boundary(upload_package: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    from uppkg.common import multipart

    monkeypatch.setattr(multipart, "new_boundary", lambda: FIXED)
    return multipart


def test_generated_client_declares_the_binary_fields(upload_package: Path) -> None:
    source = (upload_package / "uppkg/cii/v20210408/client.py").read_text()
    assert source.count("binary_fields=") == 1 and 'binary_fields=("File",)' in source
    assert (
        "Uploads ``file`` (bytes or a binary file object) as file content: the request is sent as "
        "multipart/form-data." in source
    )
    models = (upload_package / "uppkg/cii/v20210408/models.py").read_text()
    assert 'file: _model.FileContent | None = _field(name="File", default=None)' in models
    # The clients' keyword arguments take the same; their modules import common.model for it.
    for module in ("client", "aio"):
        text = (upload_package / f"uppkg/cii/v20210408/{module}.py").read_text()
        assert "from ...common import model as _model\n" in text
        assert "        file: _model.FileContent | None = None,\n" in text
    assert (upload_package / "uppkg/common/multipart.py").is_file()


def test_only_upload_services_import_the_model_module_into_their_clients() -> None:
    client = (GENERATED / "tcsdk/trtc/v20190722/client.py").read_text()
    assert "import model as _model" not in client and "FileContent" not in client


# Code that uses the package: file fields take bytes-like values and binary
# files, as keyword arguments and in request models; text is refused.
USES = """import io
from pathlib import Path

from uppkg.cii.v20210408 import models
from uppkg.cii.v20210408.aio import AsyncCiiClient
from uppkg.cii.v20210408.client import CiiClient



def uses(cii: CiiClient, path: Path) -> None:
    with path.open("rb") as file:
        cii.upload_medical_file(file=file)
    for content in (b"x", bytearray(b"x"), memoryview(b"x"), io.BytesIO(b"x")):
        cii.upload_medical_file(file=content)
    cii.upload_medical_file(models.UploadMedicalFileRequest(file=io.BytesIO(b"x")))


async def uses_async(cii: AsyncCiiClient, path: Path) -> None:
    with path.open("rb") as file:
        await cii.upload_medical_file(file=file)


def refused(cii: CiiClient, path: Path) -> None:
    with path.open() as text:
        cii.upload_medical_file(file=text)
    cii.upload_medical_file(file="text")
    models.UploadMedicalFileRequest(file=io.StringIO("text"))
"""


@pytest.mark.slow
def test_upload_package_passes_mypy_strict_and_black(upload_package: Path) -> None:
    (upload_package / "uses.py").write_text(USES)
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "uppkg", "uses.py"],
        cwd=upload_package,
        capture_output=True,
        text=True,
    )
    errors = [line.split(": error:")[0] for line in mypy.stdout.splitlines() if ": error:" in line]
    refused = [f"uses.py:{n}" for n, line in enumerate(USES.splitlines(), 1) if "(file=" in line and "text" in line]
    assert len(refused) == 3 and errors == refused, mypy.stdout
    black = subprocess.run(
        [sys.executable, "-m", "black", "--check", "-q", "uppkg"], cwd=upload_package, capture_output=True, text=True
    )
    assert black.returncode == 0, black.stderr


@pytest.mark.skipif(not VECTOR_FILE.is_file(), reason="../shared corpus is not present")
def test_body_and_signature_match_the_official_sdk_byte_for_byte(fixed_boundary: ModuleType, tmp_path: Path) -> None:
    import httpx
    from uppkg.cii.v20210408 import client, models
    from uppkg.common.credentials import Credentials
    from uppkg.common.plan import Core, Settings
    from uppkg.common.retry import RetryPolicy

    vector = json.loads(VECTOR_FILE.read_text())
    params = vector["params"]
    assert vector["binary_params"] == ["File"] and list(params) == ["File_base64", "FileURL", "Comment"]
    content = base64.b64decode(params["File_base64"])
    expected_body = base64.b64decode(vector["body_base64"])
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
    path = tmp_path / "scan.bin"
    path.write_bytes(content)
    # The same bytes as bytes, as a file on disk and as a stream that cannot seek.
    with path.open("rb") as file:
        for value in (content, file, OneWayStream(content)):
            request = models.UploadMedicalFileRequest(file=value, file_url=params["FileURL"], comment=params["Comment"])
            body = client._UPLOAD_MEDICAL_FILE.encode(request)
            assert not isinstance(body, bytes)
            body.measure()
            assert body.content_type == vector["expected_headers"]["Content-Type"]
            prepared = core.prepare(vector["action"], body, credentials, body.content_type)
            sent = {k.lower(): v for k, v in prepared.headers.items()}
            assert sent.pop("content-length") == str(len(expected_body))
            assert " tencentcloud-codegen/" in sent.pop("user-agent")  # ours, not signed
            assert sent == {k.lower(): v for k, v in vector["expected_headers"].items()}
            assert b"".join(prepared.content) == expected_body  # type: ignore[arg-type]


def test_every_kind_of_value_in_a_part(fixed_boundary: ModuleType) -> None:
    from uppkg.cii.v20210408 import client, models

    request = models.UploadMedicalFileRequest(
        file=b"\x00\xff\r\n",
        file_url="",
        page_count=3,
        urgent=False,
        tags=["a", "\u00e9"],
        patient=models.PatientRef(name="Li"),
    )
    body, content_type = measured(client._UPLOAD_MEDICAL_FILE.encode(request))
    assert named_parts(content_type, body) == {
        "File": ("filename=File", b"\x00\xff\r\n"),
        "FileURL": ("", b""),  # set, though empty: sent
        # Comment is unset: left out, as in JSON bodies.
        "PageCount": ("", b"3"),
        "Urgent": ("", b"false"),
        "Tags": ("; Content-Type=application/json", b'["a", "\\u00e9"]'),
        "Patient": ("; Content-Type=application/json", b'{"Name": "Li"}'),
    }


def test_boundaries_are_random_and_checked(upload_package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from uppkg.cii.v20210408 import client, models
    from uppkg.common import multipart

    action = client._UPLOAD_MEDICAL_FILE
    request = models.UploadMedicalFileRequest(file=b"x--data")
    first, second = measured(action.encode(request))[1], measured(action.encode(request))[1]
    assert re.fullmatch(r"multipart/form-data; boundary=[0-9a-f]{32}", first) and first != second

    # A boundary that occurs in the data is drawn again, whether the data is bytes or a file.
    for value in (b"x--data", io.BytesIO(b"x--data"), OneWayStream(b"x--data")):
        drawn = iter(["data", FIXED])
        monkeypatch.setattr(multipart, "new_boundary", lambda drawn=drawn: next(drawn))
        body, content_type = measured(action.encode(models.UploadMedicalFileRequest(file=value)))
        assert content_type.endswith(FIXED) and named_parts(content_type, body)["File"][1] == b"x--data"
    monkeypatch.setattr(multipart, "new_boundary", lambda: "data")
    with pytest.raises(ValueError, match="does not occur"):
        measured(action.encode(request))
    monkeypatch.setattr(multipart, "new_boundary", lambda: "bad boundary\r\n")
    with pytest.raises(ValueError, match="not a usable multipart boundary"):
        measured(action.encode(request))


def test_wrong_value_types_are_refused(fixed_boundary: ModuleType) -> None:
    from uppkg.cii.v20210408 import client, models
    from uppkg.common import multipart
    from uppkg.common.errors import RequestValidationError

    action = client._UPLOAD_MEDICAL_FILE
    # Checked against the model first (see test_request_checks.py) ...
    with pytest.raises(RequestValidationError, match="File: Expected `bytes or a binary file object`, got `str`"):
        action.encode(models.UploadMedicalFileRequest(file="text"))  # type: ignore[arg-type]
    with pytest.raises(RequestValidationError, match="Comment: Expected `str | null`, got `bytes`"):
        action.encode(models.UploadMedicalFileRequest(comment=b"x"))  # type: ignore[arg-type]
    with pytest.raises(RequestValidationError, match="Comment: a file object, but not a file field"):
        action.encode(models.UploadMedicalFileRequest(comment=io.BytesIO(b"x")))  # type: ignore[arg-type]
    # ... and the encoder refuses them on its own too.
    files = action.binary_fields
    with pytest.raises(TypeError, match="File is sent as a file and must be bytes or a binary file object, not str"):
        multipart.encode(models.UploadMedicalFileRequest(file="text"), files)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Comment is not a file field; bytes"):
        multipart.encode(models.UploadMedicalFileRequest(comment=b"x"), files)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Comment is not a file field; files"):
        multipart.encode(models.UploadMedicalFileRequest(comment=io.BytesIO(b"x")), files)  # type: ignore[arg-type]
    # bytearray and memoryview (of any item format) are file content too.
    for value, content in [
        (bytearray(b"abc"), b"abc"),
        (memoryview(b"abcdef")[::2], b"ace"),
        (memoryview(array.array("H", [1, 2])), array.array("H", [1, 2]).tobytes()),
    ]:
        body, content_type = measured(action.encode(models.UploadMedicalFileRequest(file=value)))
        assert named_parts(content_type, body) == {"File": ("filename=File", content)}
    empty = action.encode(models.UploadMedicalFileRequest())
    assert measured(empty) == (b"", f"multipart/form-data; boundary={FIXED}") and empty.length == 0


@pytest.fixture()
def server() -> Iterator[FakeTencentCloud]:
    fake = FakeTencentCloud(
        "cii", {SECRET_ID: SECRET_KEY}, {"UploadMedicalFile": UPLOAD_ANSWER, "DescribeMedicalFile": DESCRIBE_ANSWER}
    ).start()
    yield fake
    fake.stop()


def _client_options(server: FakeTencentCloud) -> dict[str, Any]:
    return {"endpoint": server.url, "region": "ap-guangzhou", "timeout": 5.0, "uniform": lambda a, b: b}


CONTENT = bytes(range(256)) * 40 + b"\r\n--" + FIXED.encode()[:10]


def _check_upload_calls(server: FakeTencentCloud) -> None:
    calls = server.calls("UploadMedicalFile")
    assert len(calls) == 2
    first, second = calls
    # One body for the whole call, signed again at each attempt (the fake checked both).
    assert first.body == second.body
    assert first.headers["content-type"] == second.headers["content-type"]
    assert named_parts(first.headers["content-type"], first.body) == {
        "File": ("filename=File", CONTENT),
        "Comment": ("", "x-ray \u56fe".encode()),
        "Tags": ("; Content-Type=application/json", b'["chest"]'),
    }
    (describe,) = server.calls("DescribeMedicalFile")
    assert describe.headers["content-type"] == "application/json" and json.loads(describe.body) == {"FileId": "f-100"}


def test_upload_end_to_end_sync(upload_package: Path, server: FakeTencentCloud) -> None:
    from uppkg.cii.v20210408.client import CiiClient
    from uppkg.common.credentials import Credentials

    server.then("UploadMedicalFile", Behaviour("error", code="RequestLimitExceeded"))
    sleeps: list[float] = []
    with CiiClient(Credentials(SECRET_ID, SECRET_KEY), sleep=sleeps.append, **_client_options(server)) as cii:
        answer = cii.upload_medical_file(file=CONTENT, comment="x-ray \u56fe", tags=["chest"])
        assert answer.file_id == "f-100" and answer.meta.attempts == 2 and len(sleeps) == 1
        assert cii.describe_medical_file(file_id=answer.file_id).status == "Recognised"
    _check_upload_calls(server)


def test_upload_end_to_end_async(upload_package: Path, server: FakeTencentCloud) -> None:
    from uppkg.cii.v20210408 import models
    from uppkg.cii.v20210408.client import AsyncCiiClient
    from uppkg.common.credentials import Credentials

    server.then("UploadMedicalFile", Behaviour("error", code="RequestLimitExceeded"))
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def main() -> None:
        options = _client_options(server)
        async with AsyncCiiClient(Credentials(SECRET_ID, SECRET_KEY), sleep=sleep, **options) as cii:
            request = models.UploadMedicalFileRequest(file=CONTENT, comment="x-ray \u56fe", tags=["chest"])
            answer = await cii.upload_medical_file(request)
            assert answer.file_id == "f-100" and answer.meta.attempts == 2 and len(sleeps) == 1
            assert (await cii.describe_medical_file(file_id="f-100")).status == "Recognised"

    asyncio.run(main())
    _check_upload_calls(server)


def test_a_tampered_upload_fails_the_signature_check(upload_package: Path, server: FakeTencentCloud) -> None:
    """The fake really checks the signature over the multipart body."""
    import httpx
    from uppkg.cii.v20210408.client import CiiClient
    from uppkg.common.credentials import Credentials
    from uppkg.common.errors import AuthFailureError

    def tamper(request: httpx.Request) -> None:
        request.stream = httpx.ByteStream(request.read().replace(b"x-ray", b"x-ban"))

    http = httpx.Client(event_hooks={"request": [tamper]})
    with CiiClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=server.url, http_client=http) as cii:
        with pytest.raises(AuthFailureError, match="signature mismatch"):
            cii.upload_medical_file(file=b"scan", comment="x-ray")
    http.close()


# --- file objects: streamed in chunks, sync and async

MODES = ["sync", "async"]
NOW = 1_767_225_600.0  # a fixed clock, so that two calls sign alike


class RecordingFile(io.BytesIO):
    """A seekable binary file that records the thread of each read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.threads: set[int] = set()

    def read(self, size: int | None = -1, /) -> bytes:
        self.threads.add(threading.get_ident())
        return super().read(size)


def upload(
    mode: str,
    server: FakeTencentCloud,
    file: Any,
    before_sending: Any = None,
    **options: Any,
) -> Any:
    """One ``upload_medical_file(file=file, comment="x-ray")`` by a sync or async client; its answer.

    ``before_sending()`` runs as each attempt is handed to httpx, after the
    body was measured.
    """
    import httpx
    from uppkg.cii.v20210408.client import AsyncCiiClient, CiiClient
    from uppkg.common.credentials import Credentials

    options = {**_client_options(server), "clock": lambda: NOW, **options}
    credentials = Credentials(SECRET_ID, SECRET_KEY)
    hooks = [lambda request: before_sending()] if before_sending else []
    if mode == "sync":
        with httpx.Client(event_hooks={"request": hooks}) as http:
            with CiiClient(credentials, http_client=http, sleep=lambda s: None, **options) as cii:
                return cii.upload_medical_file(file=file, comment="x-ray")

    async def hook(request: httpx.Request) -> None:
        before_sending()

    async def no_sleep(seconds: float) -> None:
        pass

    async def main() -> Any:
        async with httpx.AsyncClient(event_hooks={"request": [hook] if before_sending else []}) as http:
            async with AsyncCiiClient(credentials, http_client=http, sleep=no_sleep, **options) as cii:
                return await cii.upload_medical_file(file=file, comment="x-ray")

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
def test_a_file_object_is_sent_as_its_bytes_are(
    mode: str, fixed_boundary: ModuleType, server: FakeTencentCloud, tmp_path: Path
) -> None:
    path = tmp_path / "scan.bin"
    path.write_bytes(CONTENT)
    upload(mode, server, CONTENT)
    with path.open("rb") as file:
        upload(mode, server, file)
    upload(mode, server, OneWayStream(CONTENT, sizes=(1000, 7)))
    as_bytes, from_file, from_stream = server.calls("UploadMedicalFile")  # each signature checked by the fake
    assert as_bytes.body == from_file.body == from_stream.body
    assert named_parts(as_bytes.headers["content-type"], as_bytes.body)["File"] == ("filename=File", CONTENT)
    for sent in (as_bytes, from_file, from_stream):
        assert sent.headers["authorization"] == as_bytes.headers["authorization"]
        assert sent.headers["content-length"] == str(len(as_bytes.body))
        assert "transfer-encoding" not in sent.headers


@pytest.mark.parametrize("mode", MODES)
def test_a_retry_resends_a_seekable_file_from_where_the_upload_started(
    mode: str, fixed_boundary: ModuleType, server: FakeTencentCloud
) -> None:
    file = RecordingFile(b"skip me|" + CONTENT)
    file.seek(8)
    server.then("UploadMedicalFile", Behaviour("error", code="RequestLimitExceeded"))
    answer = upload(mode, server, file)
    assert answer.file_id == "f-100" and answer.meta.attempts == 2
    first, second = server.calls("UploadMedicalFile")
    assert first.body == second.body
    assert named_parts(first.headers["content-type"], first.body)["File"] == ("filename=File", CONTENT)
    assert file.tell() == 8 + len(CONTENT)  # left where the upload ended
    if mode == "async":  # measured and sent in worker threads, never on the event loop's
        assert file.threads and threading.get_ident() not in file.threads


@pytest.mark.parametrize("mode", MODES)
def test_a_stream_that_cannot_seek_is_read_once_and_a_retry_resends_that_copy(
    mode: str, fixed_boundary: ModuleType, server: FakeTencentCloud
) -> None:
    stream = OneWayStream(CONTENT, sizes=(3000, 1))
    server.then("UploadMedicalFile", Behaviour("error", code="RequestLimitExceeded"))
    answer = upload(mode, server, stream)
    assert answer.meta.attempts == 2
    first, second = server.calls("UploadMedicalFile")
    assert first.body == second.body
    assert named_parts(first.headers["content-type"], first.body)["File"] == ("filename=File", CONTENT)
    once = OneWayStream(CONTENT, sizes=(3000, 1))
    while once.read(fixed_boundary.CHUNK_SIZE):
        pass
    assert stream.reads == once.reads  # read to its end once, by the measuring pass
    if mode == "async":
        assert threading.get_ident() not in stream.threads


class TextReader:
    """Not an io text file, but its read gives text."""

    def read(self, size: int, /) -> str:
        return "scan"[:size]


@pytest.mark.parametrize("mode", MODES)
def test_text_files_are_refused_before_anything_is_sent(
    mode: str, upload_package: Path, server: FakeTencentCloud, tmp_path: Path
) -> None:
    path = tmp_path / "scan.txt"
    path.write_text("scan")
    with path.open() as text, pytest.raises(TypeError, match=r"File is sent as a file: open the file in binary mode"):
        upload(mode, server, text)
    with pytest.raises(TypeError, match="binary mode"):
        upload(mode, server, io.StringIO("scan"))
    with pytest.raises(TypeError, match=r"File: read\(\) returned str: open the file in binary mode \('rb'\)"):
        upload(mode, server, TextReader())
    assert server.calls() == []


class BrokenFile(io.BytesIO):
    """Reads fail from read number ``fails_at`` (counted from 1) on."""

    def __init__(self, data: bytes, fails_at: int) -> None:
        super().__init__(data)
        self.fails_at = fails_at
        self.reads = 0

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads += 1
        if self.reads >= self.fails_at:
            raise OSError(5, "Input/output error")
        return super().read(size)


def wait_for_upload(server: FakeTencentCloud) -> Any:
    """The one upload the fake received: it records a cut-off body once it sees the connection end."""
    for _ in range(500):
        received = server.calls("UploadMedicalFile")
        if received:
            (call,) = received
            return call
        time.sleep(0.01)
    raise AssertionError("the fake never saw the upload")


@pytest.mark.parametrize("mode", MODES)
def test_a_file_that_fails_to_read_ends_in_an_upload_error(
    mode: str, upload_package: Path, server: FakeTencentCloud
) -> None:
    from uppkg.common.errors import SDKError
    from uppkg.common.multipart import UploadError

    # While measured: nothing is sent.
    with pytest.raises(UploadError, match=r"^File: read\(\) of the file failed: OSError: \[Errno 5\]") as caught:
        upload(mode, server, BrokenFile(CONTENT, fails_at=2))
    assert isinstance(caught.value, SDKError) and caught.value.field == "File"
    assert isinstance(caught.value.__cause__, OSError)
    assert server.calls() == []

    # While sent: measuring reads 300 KiB in 5 reads and a 6th that finds the end; the
    # 5th read of sending fails, after some 256 KiB went out. Cut off, not retried.
    big = CONTENT * 30
    with pytest.raises(UploadError, match=r"read\(\) of the file failed"):
        upload(mode, server, BrokenFile(big, fails_at=6 + 5))
    cut = wait_for_upload(server)
    assert 0 < len(cut.body) < int(cut.headers["content-length"])


@pytest.mark.parametrize("change", ["shorter", "longer", "other bytes"])
@pytest.mark.parametrize("mode", MODES)
def test_a_file_changed_after_it_was_measured_is_never_sent_whole(
    mode: str, change: str, fixed_boundary: ModuleType, server: FakeTencentCloud, tmp_path: Path
) -> None:
    from uppkg.common.multipart import UploadError

    path = tmp_path / "scan.bin"
    content = CONTENT * 30  # over 300 KiB: some chunks go out before the change is seen
    path.write_bytes(content)
    changed = {
        "shorter": content[:-1],
        "longer": content + b"!",  # the measured bytes are all there: sent as measured
        "other bytes": content[:-1] + b"!",
    }[change]
    expected = {
        "shorter": f"the file ended after {len(content) - 1} of the {len(content)} bytes measured when the call began",
        "other bytes": "the file's content changed after it was measured",
    }
    with path.open("rb") as file:
        if change == "longer":
            upload(mode, server, file, before_sending=lambda: path.write_bytes(changed))
            (sent,) = server.calls("UploadMedicalFile")  # and its signature was right
            assert named_parts(sent.headers["content-type"], sent.body)["File"][1] == content
            return
        with pytest.raises(UploadError, match=f"^File: {expected[change]}.*stopped before its body was complete$"):
            upload(mode, server, file, before_sending=lambda: path.write_bytes(changed))
    cut = wait_for_upload(server)
    assert len(cut.body) < int(cut.headers["content-length"])


@st.composite
def upload_cases(draw: st.DrawFn) -> tuple[int, int, bytes, tuple[int, ...], bool]:
    """A chunk size, chunks per async batch, file content around multiples of the
    chunk size, read sizes and seekability.

    The content may hold the first boundary tried (``--ab``), anywhere, also
    across chunks.
    """
    chunk = draw(st.integers(1, 24))
    batch = draw(st.integers(1, 3))
    size = max(0, draw(st.integers(0, 3)) * chunk + draw(st.integers(-1, 1)))
    content = bytearray(draw(st.binary(min_size=size, max_size=size)))
    if content and draw(st.booleans()):
        at = draw(st.integers(0, len(content)))
        content[at:at] = b"--ab"
    reads = tuple(draw(st.lists(st.integers(1, 2 * chunk), max_size=3)))
    return chunk, batch, bytes(content), reads, draw(st.booleans())


@settings(max_examples=150, deadline=None)
@given(case=upload_cases(), comment=st.one_of(st.none(), st.text(max_size=5)))
def test_a_streamed_body_equals_the_in_memory_encoding(
    upload_package: Path, case: tuple[int, int, bytes, tuple[int, ...], bool], comment: str | None
) -> None:
    from unittest import mock

    from uppkg.cii.v20210408 import client, models
    from uppkg.common import multipart

    chunk, batch, content, reads, seekable = case

    def body_of(file: Any) -> Any:
        drawn = iter(["ab", FIXED])
        with mock.patch.object(multipart, "new_boundary", lambda: next(drawn)):
            body = client._UPLOAD_MEDICAL_FILE.encode(models.UploadMedicalFileRequest(file=file, comment=comment))
            body.measure()
        return body

    async def collect(body: Any) -> bytes:
        return b"".join([piece async for piece in body])

    with mock.patch.object(multipart, "CHUNK_SIZE", chunk), mock.patch.object(multipart, "_BATCH", batch):
        in_memory = body_of(content)
        expected = b"".join(in_memory)
        streamed = body_of(RecordingFile(content) if seekable else OneWayStream(content, reads))
        sent = [b"".join(streamed), asyncio.run(collect(streamed)), b"".join(streamed)]  # one per attempt
        for chunks in (list(in_memory), list(streamed)):
            assert all(len(piece) < 2 * chunk for piece in chunks)  # never the whole body at once
    assert sent == [expected] * 3
    assert streamed.content_type == in_memory.content_type
    assert in_memory.content_type.endswith(FIXED if b"--ab" in content else "ab")
    assert streamed.length == in_memory.length == len(expected)
    assert streamed.sha256 == in_memory.sha256 == hashlib.sha256(expected).hexdigest()
    parts = named_parts(in_memory.content_type, expected)
    assert parts.pop("File") == ("filename=File", content)
    assert parts == ({} if comment is None else {"Comment": ("", comment.encode())})


MEMORY_FILE = 8 << 20


def _counting_transports(expected: tuple[int, str], answers: list[bool]) -> tuple[Any, Any]:
    """Sync and async transports that read each request's body as sent, in chunks, keeping only its hash.

    (httpx.MockTransport reads the whole body into memory first.)
    """
    import httpx

    def answer(request: httpx.Request, hasher: Any, size: int) -> httpx.Response:
        answers.append((size, hasher.hexdigest()) == expected and request.headers["content-length"] == str(size))
        return httpx.Response(200, json=UPLOAD_ANSWER)

    class Sync(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            hasher, size = hashlib.sha256(), 0
            for piece in request.stream:  # type: ignore[union-attr]
                hasher.update(piece)
                size += len(piece)
            return answer(request, hasher, size)

    class Async(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            hasher, size = hashlib.sha256(), 0
            async for piece in request.stream:  # type: ignore[union-attr]
                hasher.update(piece)
                size += len(piece)
            return answer(request, hasher, size)

    return Sync(), Async()


@pytest.mark.parametrize("source", ["file", "bytes"])
@pytest.mark.parametrize("mode", MODES)
def test_an_upload_holds_no_copy_of_the_whole_body(
    mode: str, source: str, fixed_boundary: ModuleType, tmp_path: Path
) -> None:
    """tracemalloc's peak over a call, after a first call paid for the imports."""
    import tracemalloc

    import httpx
    from uppkg.cii.v20210408 import client, models
    from uppkg.cii.v20210408.client import AsyncCiiClient, CiiClient
    from uppkg.common.credentials import Credentials

    path = tmp_path / "scan.bin"
    path.write_bytes(bytes(range(256)) * (MEMORY_FILE // 256))
    reference = client._UPLOAD_MEDICAL_FILE.encode(models.UploadMedicalFileRequest(file=path.read_bytes()))
    reference.measure()
    answers: list[bool] = []
    sync_transport, async_transport = _counting_transports((reference.length, reference.sha256), answers)
    del reference
    content = path.read_bytes() if source == "bytes" else None  # the caller's own, not counted
    credentials = Credentials(SECRET_ID, SECRET_KEY)
    options: dict[str, Any] = {"endpoint": "http://127.0.0.1:9", "region": "ap-guangzhou"}

    def peak(call: Any) -> int:
        call(b"warm-up")
        answers.clear()
        tracemalloc.start()
        try:
            if content is not None:
                call(content)
            else:
                with path.open("rb") as file:
                    call(file)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    if mode == "sync":
        with CiiClient(credentials, http_client=httpx.Client(transport=sync_transport), **options) as cii:
            used = peak(lambda file: cii.upload_medical_file(file=file))
    else:

        async def main() -> int:
            http = httpx.AsyncClient(transport=async_transport)
            async with AsyncCiiClient(credentials, http_client=http, **options) as cii:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(
                    None,
                    lambda: peak(
                        lambda file: asyncio.run_coroutine_threadsafe(cii.upload_medical_file(file=file), loop).result()
                    ),
                )

        used = asyncio.run(main())
    assert answers == [True]
    # A few chunks (the async client reads 4 at a time); before streaming, the body
    # was built whole, then copied: over twice the file.
    assert used < MEMORY_FILE // 8, f"{used / MEMORY_FILE:.3f}x the file"


def test_the_stubber_takes_a_file_object_without_reading_it(upload_package: Path) -> None:
    from uppkg.cii.v20210408.client import CiiClient
    from uppkg.common.credentials import Credentials
    from uppkg.common.testing import Stubber

    file = io.BytesIO(b"scan")
    with CiiClient(Credentials(SECRET_ID, SECRET_KEY), endpoint="http://127.0.0.1:9") as cii, Stubber(cii) as stubber:
        stubber.add_response("UploadMedicalFile", {"FileId": "f-1"}, expected_params={"File": file, "Comment": "x"})
        assert cii.upload_medical_file(file=file, comment="x").file_id == "f-1"
    assert stubber.calls == [("UploadMedicalFile", {"File": file, "Comment": "x"})] and file.tell() == 0


# --- extra_params and request checks in uploads (see test_request_checks.py for JSON bodies)


def _upload_call(mode: str, server: FakeTencentCloud, **call: Any) -> Any:
    """``upload_medical_file(**call)`` by a sync or async client."""
    from uppkg.cii.v20210408.client import AsyncCiiClient, CiiClient
    from uppkg.common.credentials import Credentials

    options = {**_client_options(server), "clock": lambda: NOW}
    if mode == "sync":
        with CiiClient(Credentials(SECRET_ID, SECRET_KEY), **options) as cii:
            return cii.upload_medical_file(**call)

    async def main() -> Any:
        async with AsyncCiiClient(Credentials(SECRET_ID, SECRET_KEY), **options) as cii:
            return await cii.upload_medical_file(**call)

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
def test_extra_params_of_an_upload_are_parts_after_the_declared_ones(
    mode: str, fixed_boundary: ModuleType, server: FakeTencentCloud, tmp_path: Path
) -> None:
    from uppkg.cii.v20210408.models import PatientRef

    path = tmp_path / "scan.bin"
    path.write_bytes(CONTENT)
    extra = {"Language": "zh", "Pages": [1, 2], "Score": 0.5, "Draft": True, "Owner": PatientRef(name="Li")}
    with path.open("rb") as file:
        for value in (CONTENT, file):  # bytes and file objects stay accepted
            answer = _upload_call(mode, server, file=value, comment="x", extra_params=extra)
            assert answer.file_id == "f-100"  # the fake checked the signature over the whole body
    for call in server.calls("UploadMedicalFile"):
        parts = named_parts(call.headers["content-type"], call.body)
        assert list(parts) == ["File", "Comment", "Language", "Pages", "Score", "Draft", "Owner"]
        assert parts["File"] == ("filename=File", CONTENT)
        assert {name: parts[name] for name in list(parts)[2:]} == {
            "Language": ("", b"zh"),
            "Pages": ("; Content-Type=application/json", b"[1, 2]"),
            "Score": ("", b"0.5"),
            "Draft": ("", b"true"),
            "Owner": ("; Content-Type=application/json", b'{"Name": "Li"}'),
        }


@pytest.mark.parametrize("mode", MODES)
def test_an_upload_is_checked_before_anything_is_read_or_sent(
    mode: str, upload_package: Path, server: FakeTencentCloud
) -> None:
    from uppkg.common.errors import RequestValidationError

    file = RecordingFile(CONTENT)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"file": "scan.pdf"}, "File", "bytes or a binary file object"),
        ({"file": 5}, "File", "bytes or a binary file object"),
        ({"file": file, "page_count": "3"}, "PageCount", "int | null"),
        ({"file": file, "tags": ["a", 1]}, "Tags[1]", "str"),
        ({"file": file, "patient": {"Name": 1}}, "Patient.Name", "str"),
        ({"file": file, "extra_params": {"File": b"x"}}, "File", ""),
    ]
    for call, path, expected in cases:
        with pytest.raises(RequestValidationError) as caught:
            _upload_call(mode, server, **call)
        assert (caught.value.path, caught.value.expected) == (path, expected)
        assert caught.value.action == "UploadMedicalFile"
    assert server.calls() == [] and file.threads == set() and file.tell() == 0


def test_the_stubber_sees_the_extra_params(upload_package: Path) -> None:
    from uppkg.cii.v20210408.client import CiiClient
    from uppkg.common.credentials import Credentials
    from uppkg.common.testing import Stubber

    with CiiClient(Credentials(SECRET_ID, SECRET_KEY), endpoint="http://127.0.0.1:9") as cii, Stubber(cii) as stubber:
        stubber.add_response("UploadMedicalFile", {"FileId": "f-1"}, expected_params={"File": b"x", "Language": "zh"})
        assert cii.upload_medical_file(file=b"x", extra_params={"Language": "zh"}).file_id == "f-1"
        stubber.add_response("DescribeMedicalFile", {}, expected_params={"FileId": "f-1"})
        with pytest.raises(AssertionError, match='"Shape": "round"'):
            cii.describe_medical_file(file_id="f-1", extra_params={"Shape": "round"})
