"""File uploads: ``binary`` parameters, ``type: bytes`` and multipart/form-data bodies.

The fixture in tests/fixtures/tencent-upload is a hand-written Tencent-format
description of cii 2021-04-08 with one upload action (``File`` binary,
``FileURL`` and ``Comment`` strings, then a few optional fields of other
types) and one plain JSON action. It lives beside tests/fixtures/tencent, not
inside it, so the tests that generate that whole folder are not affected.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from codegen.build import build_project
from codegen.diagnostics import SpecError
from codegen.loader import load_specs
from codegen.tencentcloud import load_folder

from .conftest import FIXTURES, SHARED, importable_package, run_codegen
from .fake_tencent import Behaviour, FakeTencentCloud
from .spec_helpers import write_specs

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
    assert "Uploads ``file`` (bytes) as file content: the request is sent as multipart/form-data." in source
    models = (upload_package / "uppkg/cii/v20210408/models.py").read_text()
    assert 'file: bytes | None = _field(name="File", default=None)' in models
    assert (upload_package / "uppkg/common/multipart.py").is_file()


@pytest.mark.slow
def test_upload_package_passes_mypy_strict_and_black(upload_package: Path) -> None:
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "uppkg"], cwd=upload_package, capture_output=True, text=True
    )
    assert mypy.returncode == 0, mypy.stdout
    black = subprocess.run(
        [sys.executable, "-m", "black", "--check", "-q", "uppkg"], cwd=upload_package, capture_output=True, text=True
    )
    assert black.returncode == 0, black.stderr


@pytest.mark.skipif(not VECTOR_FILE.is_file(), reason="../shared corpus is not present")
def test_body_and_signature_match_the_official_sdk_byte_for_byte(fixed_boundary: ModuleType) -> None:
    import httpx
    from uppkg.cii.v20210408 import client, models
    from uppkg.common.client import _Core, _Settings
    from uppkg.common.credentials import Credentials
    from uppkg.common.retry import RetryPolicy

    vector = json.loads(VECTOR_FILE.read_text())
    params = vector["params"]
    assert vector["binary_params"] == ["File"] and list(params) == ["File_base64", "FileURL", "Comment"]
    request = models.UploadMedicalFileRequest(
        file=base64.b64decode(params["File_base64"]), file_url=params["FileURL"], comment=params["Comment"]
    )
    body, content_type = client._UPLOAD_MEDICAL_FILE.encode(request)
    assert body == base64.b64decode(vector["body_base64"])
    assert content_type == vector["expected_headers"]["Content-Type"]
    settings = _Settings(
        service=vector["service"],
        version=vector["version"],
        url=f"https://{vector['host']}/",
        host=vector["host"],
        region=vector["region"],
        language=None,
        timeout=httpx.Timeout(5),
        retry=RetryPolicy(),
    )
    core = _Core(settings, lambda: float(vector["timestamp"]), lambda a, b: 0.0)
    prepared = core.prepare(
        vector["action"], body, Credentials(vector["secret_id"], vector["secret_key"], vector["token"]), content_type
    )
    sent = {k.lower(): v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    assert sent == {k.lower(): v for k, v in vector["expected_headers"].items()}
    assert prepared.content == body


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
    body, content_type = client._UPLOAD_MEDICAL_FILE.encode(request)
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
    first, second = action.encode(request)[1], action.encode(request)[1]
    assert re.fullmatch(r"multipart/form-data; boundary=[0-9a-f]{32}", first) and first != second

    # A boundary that occurs in the data is drawn again.
    drawn = iter(["data", FIXED])
    monkeypatch.setattr(multipart, "new_boundary", lambda: next(drawn))
    assert action.encode(request)[1].endswith(FIXED)
    monkeypatch.setattr(multipart, "new_boundary", lambda: "data")
    with pytest.raises(ValueError, match="does not occur"):
        action.encode(request)
    monkeypatch.setattr(multipart, "new_boundary", lambda: "bad boundary\r\n")
    with pytest.raises(ValueError, match="not a usable multipart boundary"):
        action.encode(request)


def test_wrong_value_types_are_refused(fixed_boundary: ModuleType) -> None:
    from uppkg.cii.v20210408 import client, models

    action = client._UPLOAD_MEDICAL_FILE
    with pytest.raises(TypeError, match="File is sent as a file and must be bytes, not str"):
        action.encode(models.UploadMedicalFileRequest(file="text"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Comment is not a file field"):
        action.encode(models.UploadMedicalFileRequest(comment=b"x"))  # type: ignore[arg-type]
    # bytearray and memoryview are file content too.
    body, content_type = action.encode(models.UploadMedicalFileRequest(file=memoryview(b"abc")))  # type: ignore[arg-type]
    assert named_parts(content_type, body) == {"File": ("filename=File", b"abc")}
    assert action.encode(models.UploadMedicalFileRequest()) == (b"", f"multipart/form-data; boundary={FIXED}")


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
        request.stream = httpx.ByteStream(request.content.replace(b"x-ray", b"x-ban"))

    http = httpx.Client(event_hooks={"request": [tamper]})
    with CiiClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=server.url, http_client=http) as cii:
        with pytest.raises(AuthFailureError, match="signature mismatch"):
            cii.upload_medical_file(file=b"scan", comment="x-ray")
    http.close()
