"""The importer of Tencent's API descriptions, on a hand-written fixture."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen.importers.tencent_api import convert, convert_example, load_folder, request_body, stream_events

from ..conftest import FIXTURES, run_codegen
from ..fake_tencent import Behaviour, FakeTencentCloud
from ..golden import check_golden

SOURCE = FIXTURES / "tencent" / "demo" / "v20200101"


def import_args(out: Path, *extra: str, source: Path = SOURCE) -> list[str]:
    return [
        "import",
        "tencentcloud",
        "--api",
        str(source / "api.json"),
        "--errors",
        str(source / "errors.json"),
        "--examples",
        str(source / "examples.json"),
        "--out",
        str(out),
        *extra,
    ]


def test_mapping_of_every_construct() -> None:
    imported = load_folder(SOURCE)
    assert imported.folder == "demo/2020-01-01"
    assert imported.service["endpoint"] == "demo.tencentcloudapi.com"
    types = imported.service["types"]
    assert sorted(types) == ["Filter", "Widget"]  # Unused is reached by no action
    create = imported.actions["CreateWidget"]
    props = create["request"]["properties"]
    assert create["request"]["required"] == ["Name"]
    assert props["Day"] == {"type": "string", "format": "date", "description": "A date."}
    assert props["At"]["format"] == "datetime" and props["AtIso"]["format"] == "datetime_iso"
    assert props["Weight"]["type"] == "number" and props["Enabled"]["type"] == "boolean"
    assert props["Scores"] == {
        "type": "array",
        "items": {"type": "number", "format": "float"},
        "description": "Scores.",
    }
    assert props["Parent"]["$ref"] == "#/types/Widget"
    assert props["Legacy"]["deprecated"] is True and "Disabled" in props["Legacy"]["description"]
    response = create["response"]
    assert "required" not in response and "RequestId" not in response["properties"]
    describe = imported.actions["DescribeWidgets"]
    assert describe["response"]["properties"]["Widgets"]["nullable"] is True
    assert types["Widget"]["properties"]["Children"]["nullable"] is True
    assert imported.actions["OldWidget"]["deprecated"] is True
    assert imported.actions["StreamWidgetSSE"]["streaming"] is True
    assert create["errors"] == {
        "FailedOperation.WidgetLocked": "The widget is locked.",
        "InvalidParameter.": "",
        "InternalError": "Internal error.",
    }
    assert len(describe["examples"]) == 2
    assert any("DescribeWidgets example 3 dropped" in note for note in imported.notes)
    # An event-stream output is kept as the data of its events.
    assert imported.actions["StreamWidgetSSE"]["examples"] == [
        {"title": "Stream", "request": {"Text": "hi"}, "events": [{"RequestId": "r6"}]}
    ]


def test_event_stream_examples_keep_each_event_whose_data_parses() -> None:
    text = (
        'id: 1\r\ndata: {"Seq": 0,\r\ndata:  "Text": "a"}\r\n\r\n'  # two data lines, CRLF
        ": a comment\n\n"  # no event
        'data: {"Seq": 1, "Text": "b\\u00e9"}\n\n'
        'data: {"Seq": 2, "Text": "c"\n\n'  # broken JSON: left out
        "{data: {}}\n\n"  # not an event field at all: left out
        'data: ["not", "an", "object"]\n\n'  # left out
        "data: [DONE]"  # the last event may lack its blank line
    )
    events, broken = stream_events(text)
    assert events == [{"Seq": 0, "Text": "a"}, {"Seq": 1, "Text": "b\u00e9"}, "[DONE]"]
    assert broken == 3
    example = {"title": "t", "input": '{"A": 1}', "output": text}
    assert convert_example(example) == {"title": "t", "request": {"A": 1}, "events": events}
    assert convert_example({**example, "output": "data: {broken\n\n"}) is None


_EVENT_DATA = st.one_of(
    st.just("[DONE]"),
    st.dictionaries(st.text(min_size=1, max_size=5), st.one_of(st.integers(), st.text(max_size=8)), max_size=3),
)


@given(
    st.lists(_EVENT_DATA, min_size=1, max_size=6),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
    st.booleans(),
)
def test_event_streams_written_any_way_give_back_their_data(
    data: list[object], newline: str, ids: bool, final_blank: bool
) -> None:
    """Whatever the line ends, ids, comments, data split over lines or a missing last blank line."""
    blocks = []
    for number, item in enumerate(data):
        text = item if isinstance(item, str) else json.dumps(item, indent=1)
        lines = ([f"id: {number}"] if ids else []) + [": keep-alive"] + [f"data: {line}" for line in text.split("\n")]
        blocks.append(newline.join(lines))
    stream = (newline * 2).join(blocks) + (newline * 2 if final_blank else "")
    assert stream_events(stream) == (data, 0)


def test_get_examples_are_unflattened() -> None:
    body = request_body(
        "https://x/?Action=A\n&Filters.0.Name=zone\n&Filters.0.Values.0=ap%2Dguangzhou\n&Limit=5\n&<Common request parameters>"
    )
    assert body == {"Filters": [{"Name": "zone", "Values": ["ap-guangzhou"]}], "Limit": "5"}
    assert request_body('POST / HTTP/1.1\nHost: h\n\n{"A": 1}') == {"A": 1}
    assert request_body('{"A": 1}') == {"A": 1}
    assert request_body("POST / HTTP/1.1\n\n{broken") is None


def test_only_selected_actions_and_exactly_what_they_reach() -> None:
    api = json.loads((SOURCE / "api.json").read_text())
    imported = convert(api, None, None, source="x", only=["CreateWidget"])
    assert list(imported.actions) == ["CreateWidget"]
    assert sorted(imported.service["types"]) == ["Widget"]
    only_old = convert(api, None, None, source="x", only=["OldWidget"])
    assert "types" not in only_old.service
    # A name another service version may hold: nothing here, and no note (the caller checks the names).
    missing = convert(api, None, None, source="x", only=["Nope"])
    assert missing.actions == {} and missing.notes == []


@pytest.mark.parametrize(
    ("kind", "member", "key", "message"),
    [
        ("int128", "int64", "type", "unknown type 'int128'; did you mean 'int'? a type is one of string, int, float, "),
        ("integer", "int64", "type", "unknown type 'integer'; did you mean 'int'? a type is one of "),
        ("int", "int32", "member", "type 'int' with unknown member 'int32'; did you mean 'int64'?"),
        ("object", "Widgets", "member", "type 'object' with unknown member 'Widgets'; did you mean 'Widget'"),
        ("list", "Filters", "member", "type 'list' with unknown member 'Filters'; did you mean 'Filter'?"),
        ("string", "xyz", "member", "type 'string' with unknown member 'xyz'; with this type it is one of string, "),
    ],
)
def test_an_unknown_member_type_names_the_key_at_fault(kind: str, member: str, key: str, message: str) -> None:
    # The complaint: "unknown member type 'int' ...; expected string, int, ..." named a
    # type in the very list it gave. Now the key at fault is named, with the names close to it.
    api = json.loads((SOURCE / "api.json").read_text())
    api["objects"]["Widget"]["members"][0].update(type=kind, member=member)
    imported = convert(api, None, None, source="x", only=["DescribeWidgets"])
    ((path, pointer, text),) = imported.problems
    assert (path, pointer) == ("x/api.json", f"/objects/Widget/members/0/{key}")
    assert text.startswith(f"member 'WidgetId': {message}"), text
    if key == "member":
        assert "unknown type" not in text


@pytest.mark.golden
def test_import_writes_specs_and_reports_changes_on_reimport(tmp_path: Path) -> None:
    out = tmp_path / "specs"
    first = run_codegen(*import_args(out))
    assert first.returncode == 0, first.stderr
    # 5: the folder uses the shipped common error table; no copy of it is written.
    assert "5 added, 0 changed, 0 unchanged, 0 removed" in first.stderr
    assert not (out / "common").exists()
    # Every spec file the import writes, byte for byte (tests/golden/tencent-import/).
    written = {p.relative_to(out).as_posix(): p.read_bytes().decode("utf-8") for p in out.rglob("*") if p.is_file()}
    check_golden("tencent-import", written)
    again = run_codegen(*import_args(out))
    assert "0 added, 0 changed, 5 unchanged, 0 removed" in again.stderr

    changed = tmp_path / "changed"
    shutil.copytree(SOURCE, changed)
    api = json.loads((changed / "api.json").read_text())
    del api["actions"]["OldWidget"]
    api["actions"]["CreateWidget"]["name"] = "Makes a widget"
    (changed / "api.json").write_text(json.dumps(api))
    third = run_codegen(*import_args(out, source=changed))
    assert third.returncode == 0, third.stderr
    assert "changed: demo/2020-01-01/CreateWidget.yaml" in third.stderr
    assert "removed: demo/2020-01-01/OldWidget.yaml" in third.stderr
    assert not (out / "demo/2020-01-01/OldWidget.yaml").exists()


def test_import_with_actions_keeps_other_actions(tmp_path: Path) -> None:
    out = tmp_path / "specs"
    assert run_codegen(*import_args(out, "--actions", "CreateWidget")).returncode == 0
    assert sorted(p.name for p in (out / "demo/2020-01-01").iterdir()) == ["CreateWidget.yaml", "service.yaml"]


@pytest.mark.slow
def test_generate_from_tencentcloud_equals_generate_from_imported_specs(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    assert run_codegen(*import_args(specs)).returncode == 0
    from_specs = tmp_path / "a"
    from_tencent = tmp_path / "b"
    assert run_codegen("generate", "--specs", str(specs), "--out", str(from_specs), "-q").returncode == 0
    direct = run_codegen(
        "generate", "--from", "tencentcloud", str(FIXTURES / "tencent"), "--out", str(from_tencent), "-q"
    )
    assert direct.returncode == 0, direct.stderr

    def tree(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.py")}

    a, b = tree(from_specs), tree(from_tencent)
    # Only the header naming the source differs.
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].split(b"\n", 2)[2] == b[name].split(b"\n", 2)[2], name


@pytest.fixture(scope="module")
def demo_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = run_codegen(
        "generate", "--from", "tencentcloud", str(SOURCE), "--out", str(out), "--package", "demopkg", "-q"
    )
    assert result.returncode == 0, result.stderr
    sys.path.insert(0, str(out))
    return out


def test_imported_package_types_and_examples(demo_package: Path) -> None:
    from demopkg.demo.v20200101 import models

    parsed = models.DescribeWidgetsResponse.from_envelope(
        b'{"Response": {"TotalCount": "1", "Widgets": [{"WidgetId": "w-1", "Children": null, "Extra": 5}], "RequestId": "r1"}}'
    )
    assert parsed.total_count == 1 and parsed.widgets is not None and parsed.widgets[0].children is None
    widget = models.Widget(app_id="a", app_id_2="b", match_="m")
    assert json.loads(msgspec.json.encode(widget)) == {"AppID": "a", "AppId": "b", "Match": "m"}
    request = msgspec.json.decode(b'{"Limit": "5", "Ids": ["3"]}', type=models.DescribeWidgetsRequest, strict=False)
    assert request.limit == 5 and request.ids == [3]
    source = (demo_package / "demopkg/demo/v20200101/client.py").read_text()
    assert "-> _client.Stream[_models.StreamWidgetSSEResponse]" in source and "not supported" not in source
    assert "deprecated=True" in source
    assert 'idempotency_attribute="client_token"' in source
    assert "read_only=True" in source  # DescribeWidgets


@pytest.mark.slow
def test_imported_package_passes_mypy_strict(demo_package: Path) -> None:
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "demopkg"], cwd=demo_package, capture_output=True, text=True
    )
    assert mypy.returncode == 0, mypy.stdout


def test_deprecated_imported_action_warns_when_called(demo_package: Path) -> None:
    from demopkg.common.credentials import Credentials
    from demopkg.demo.v20200101.client import DemoClient

    server = FakeTencentCloud("demo", {"AKIDx": "k"}, {}).start()
    try:
        with DemoClient(Credentials("AKIDx", "k"), endpoint=server.url) as client:
            with pytest.warns(DeprecationWarning):
                client.old_widget()
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                client.describe_widgets(limit=1)
            server.then("CreateWidget", Behaviour("error", code="FailedOperation.WidgetLocked"))
            from demopkg.common.errors import FailedOperationError
            from demopkg.demo.v20200101.errors import CreateWidgetErrorCode

            with pytest.raises(FailedOperationError) as caught:
                client.create_widget(name="w")
            assert caught.value.code is CreateWidgetErrorCode.FAILED_OPERATION_WIDGET_LOCKED
    finally:
        server.stop()


def test_errors_and_examples_that_matched_their_shape_are_not_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codegen.cache import Cache
    from codegen.importers import tencentcloud
    from codegen.inputs import Unit

    importer = tencentcloud.TencentCloudImporter()
    files = tuple((f"demo/v20200101/{name}", (SOURCE / name).read_bytes()) for name in tencentcloud.TENCENT_FILES)
    store = Cache(tmp_path)
    checked: list[str] = []
    real = tencentcloud._validator

    def counted(kind: str) -> object:
        checked.append(kind)
        return real(kind)

    monkeypatch.setattr(tencentcloud, "_validator", counted)
    first, problems = importer.load_unit(Unit("demo/v20200101", files), cache=store)
    assert first and not problems and checked == ["errors", "examples"]
    again, problems = importer.load_unit(Unit("demo/v20200101", files), cache=store)
    assert [d.data for d in again] == [d.data for d in first] and not problems and checked == ["errors", "examples"]
    # Other bytes are checked again; a file that fails its shape is never stored as passed.
    broken = (files[0], files[1], (files[2][0], b'{"actions": 3}'))
    for _ in range(2):
        assert importer.load_unit(Unit("demo/v20200101", broken), cache=store)[1]
    assert checked == ["errors", "examples", "examples", "examples"]
