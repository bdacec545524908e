"""The spec language of octet-stream actions (issue 24, item 5): ``request_body`` and ``headers``.

Every mistake is one ``path:line:col`` line and exit code 2 with nothing
written; a valid action builds into the IR the client template reads.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.build import build_project
from codegen.diagnostics import SpecError
from codegen.loader import load_specs

from ..conftest import FIXTURES, run_codegen
from ..spec_helpers import write_specs

UPLOAD = """action: Upload
request_body: {body}
headers:
{headers}
request:
  type: object
  required: [TopicId, Body]
  properties:
    TopicId: {{type: string}}
    Level: {{type: integer}}
    Tags: {{type: array, items: {{type: string}}}}
    Body: {{type: bytes}}
response:
  type: object
  properties: {{}}
"""
GOOD_HEADERS = "  TopicId: X-Log-TopicId\n  Level: X-Log-Level\n  Tags: X-Log-Tags"
CLIENTS_OWN = {
    "host",
    "content-length",
    "content-type",
    "authorization",
    "transfer-encoding",
    "connection",
    "expect",
    "te",
}


def scalar_tags(headers: str) -> str:
    """The spec with ``headers``, its Tags a string (a field that can travel as a header)."""
    spec = UPLOAD.format(body="octet-stream", headers=headers)
    return spec.replace("Tags: {type: array, items: {type: string}}", "Tags: {type: string}")


def upload_spec(tmp_path: Path, *, body: str = "octet-stream", headers: str = GOOD_HEADERS, text: str = "") -> Path:
    spec = text or UPLOAD.format(body=body, headers=headers)
    return write_specs(tmp_path / "specs", {"demo/2020-01-01/Upload.yaml": spec})


def problems(root: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        build_project(load_specs(root))
    prefix = f"{root.as_posix()}/demo/2020-01-01/Upload.yaml:"
    lines = str(caught.value).splitlines()
    assert all(line.startswith(prefix) for line in lines), lines
    return [line.removeprefix(prefix) for line in lines]


def test_the_fixture_builds_into_an_octet_stream_action() -> None:
    project = build_project(load_specs(FIXTURES / "octet"))
    actions = {a.name: a for a in project.services[0].actions}
    upload = actions["UploadLog"]
    assert upload.octet_stream and upload.binary_fields == ("Body",)
    assert upload.headers == (
        ("TopicId", "X-CLS-TopicId"),
        ("HashKey", "X-CLS-HashKey"),
        ("CompressType", "X-CLS-CompressType"),
    )
    assert not actions["DescribeTopics"].octet_stream and actions["DescribeTopics"].headers == ()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            GOOD_HEADERS + "\n  TopicID: X-Log-Other",
            ["7:12: headers: 'TopicID' names no request field; did you mean 'TopicId'?"],
        ),
        (
            "  TopicId: Host\n  Level: content-length\n  Tags: X-TC-Action",
            [
                "4:12: headers: 'Host' is set by the client itself; a parameter cannot travel as it",
                "5:10: headers: 'content-length' is set by the client itself; a parameter cannot travel as it",
                "6:9: headers: 'X-TC-Action' is set by the client itself; a parameter cannot travel as it",
            ],
        ),
        (
            "  TopicId: Authorization\n  Level: x-tc-anything\n  Tags: Content-Type",
            [
                "4:12: headers: 'Authorization' is set by the client itself; a parameter cannot travel as it",
                "5:10: headers: 'x-tc-anything' is set by the client itself; a parameter cannot travel as it",
                "6:9: headers: 'Content-Type' is set by the client itself; a parameter cannot travel as it",
            ],
        ),
        (
            "  TopicId: X-Log-A\n  Level: x-log-a\n  Tags: X-Log-Tags",
            ["5:10: headers: 'x-log-a' is taken by 'TopicId' already"],
        ),
        (
            "  TopicId: X-Log-TopicId\n  Level: X-Log-Level\n  Body: X-Log-Body",
            [
                "6:9: headers: 'Body' is the raw body; it cannot travel as a header",
                "13:11: request field 'Tags' has no header: an action with `request_body: octet-stream` sends every"
                " parameter but its body as a header (add it to `headers`)",
            ],
        ),
    ],
    ids=["no-such-field", "framing", "protocol", "twice", "body-and-missing"],
)
def test_header_mistakes_name_their_place(tmp_path: Path, headers: str, expected: list[str]) -> None:
    assert problems(upload_spec(tmp_path, text=scalar_tags(headers))) == expected


def test_a_list_cannot_travel_as_a_header(tmp_path: Path) -> None:
    assert problems(upload_spec(tmp_path)) == [
        "6:9: headers: 'Tags' is list[str]; only a string, number or boolean field can travel as a header"
    ]


def test_headers_belong_to_octet_stream_actions_and_those_need_one_body(tmp_path: Path) -> None:
    json_action = UPLOAD.format(body="json", headers="  TopicId: X-Log-TopicId").replace(
        "    Body: {type: bytes}\n", ""
    )
    json_action = json_action.replace(", Body]", "]")
    assert problems(upload_spec(tmp_path / "a", text=json_action)) == [
        "4:3: headers: only an action with `request_body: octet-stream` sends parameters as headers"
    ]
    two = scalar_tags(GOOD_HEADERS).replace(
        "    Body: {type: bytes}\n", "    Body: {type: bytes}\n    Other: {type: bytes}\n"
    )
    found = problems(upload_spec(tmp_path / "b", text=two))
    assert found[0] == (
        "15:12: an action with `request_body: octet-stream` needs exactly one request property of type bytes,"
        " its raw body; it has 2"
    )
    none = scalar_tags(GOOD_HEADERS).replace("    Body: {type: bytes}\n", "").replace(", Body]", "]")
    assert problems(upload_spec(tmp_path / "c", text=none)) == [
        "8:3: an action with `request_body: octet-stream` needs exactly one request property of type bytes,"
        " its raw body; it has 0"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("X-Log Topic", "headers/TopicId: 'X-Log Topic' does not match"),
        ('"X-Log:Topic"', "headers/TopicId: 'X-Log:Topic' does not match"),
        ('"X-Log-Tópico"', "headers/TopicId: 'X-Log-Tópico' does not match"),
        ('"X-Log\\n"', "headers/TopicId: 'X-Log\\n' does not match"),
    ],
)
def test_a_header_name_must_be_a_token(tmp_path: Path, value: str, message: str) -> None:
    headers = GOOD_HEADERS.replace("X-Log-TopicId", value)
    with pytest.raises(SpecError) as caught:
        load_specs(upload_spec(tmp_path, headers=headers))
    (line,) = str(caught.value).splitlines()
    assert f"Upload.yaml:4:12: {message}" in line


def test_an_unknown_request_body_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_specs(upload_spec(tmp_path, body="protobuf"))
    assert str(caught.value).endswith(
        "Upload.yaml:2:15: request_body: 'protobuf' is not one of ['json', 'octet-stream']"
    )


def test_the_command_line_reports_a_mistake_and_writes_nothing(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(FIXTURES / "octet", specs)
    spec = specs / "cls/2020-10-16/UploadLog.yaml"
    spec.write_text(spec.read_text().replace("TopicId: X-CLS-TopicId", "TopicId: X-TC-TopicId"))
    out = tmp_path / "out"
    result = run_codegen("generate", "--specs", str(specs), "--out", str(out), "-q")
    assert result.returncode == 2 and not out.exists()
    assert result.stderr == (
        f"{spec.as_posix()}:13:12: headers: 'X-TC-TopicId' is set by the client itself; a parameter cannot travel as it\n"
        "codegen: 1 problem(s); nothing was written\n"
    )


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii"), min_size=1, max_size=12))
def test_every_valid_header_name_not_the_clients_own_is_accepted(name: str) -> None:
    token = re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name) is not None
    own = name.lower() in CLIENTS_OWN or name.lower().startswith("x-tc-")
    spec = scalar_tags(f"  TopicId: {json.dumps(name)}\n  Level: X-Log-Level\n  Tags: X-Log-Tags")
    with tempfile.TemporaryDirectory() as scratch:
        root = upload_spec(Path(scratch), text=spec)
        collides = name.lower() in ("x-log-level", "x-log-tags")
        try:
            build_project(load_specs(root))
        except SpecError:
            assert not token or own or collides
        else:
            assert token and not own and not collides


def test_codegen_diff_reports_how_a_request_travels(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(FIXTURES / "octet", old)
    shutil.copytree(FIXTURES / "octet", new)
    spec = new / "cls" / "2020-10-16" / "UploadLog.yaml"
    spec.write_text(spec.read_text().replace("TopicId: X-CLS-TopicId", "TopicId: X-CLS-Topic"))
    result = run_codegen("diff", str(old), str(new), "--format", "json")
    assert result.returncode == 0, result.stderr
    changes = [c for c in json.loads(result.stdout)["changes"] if c["kind"] == "request_format_changed"]
    assert len(changes) == 1, result.stdout
    assert changes[0]["severity"] == "compatible"
    assert changes[0]["new"] == "octet-stream TopicId=X-CLS-Topic HashKey=X-CLS-HashKey CompressType=X-CLS-CompressType"
    assert changes[0]["old"].startswith("octet-stream TopicId=X-CLS-TopicId ")
