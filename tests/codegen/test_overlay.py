"""Overlays (docs/overlays.md): patches to imported descriptions, applied by
``codegen import``, ``generate --from`` and ``diff --from``, checked at their
line and column; and ``codegen overlay suggest``, which drafts one from the
deviations tolerant decoding recorded.

The input is the hand-written Tencent-format fixture ``tests/fixtures/tencent/demo``
and the overlay ``tests/fixtures/overlays/demo.yaml`` (one patch of each kind).
The commands run in this process, in a scratch folder without a pyproject.toml.
"""

from __future__ import annotations

import importlib
import json
import logging
import pickle
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen import cli, inputs
from codegen.diagnostics import Diagnostic
from codegen.inputs import OverlayInput
from codegen.overlay import merge, parse
from codegen.overlay_suggest import SECRET_WORDS, Observation, Target, proposal, read_observations

from ..conftest import FIXTURES, ROOT

DEMO = FIXTURES / "tencent" / "demo" / "v20200101"
OVERLAY = FIXTURES / "overlays" / "demo.yaml"
FOLDER = "demo/2020-01-01"


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in a folder of its own, with no [tool.codegen] above it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def import_demo(capsys: pytest.CaptureFixture[str], out: Path, *extra: str) -> tuple[int, str]:
    code, _, err = run(
        capsys,
        "import",
        "tencentcloud",
        "--api",
        str(DEMO / "api.json"),
        "--errors",
        str(DEMO / "errors.json"),
        "--examples",
        str(DEMO / "examples.json"),
        "--out",
        str(out),
        *extra,
    )
    return code, err


def spec(out: Path, name: str) -> Any:
    return yaml.safe_load((out / FOLDER / f"{name}.yaml").read_text("utf-8"))


def generate_demo(capsys: pytest.CaptureFixture[str], out: Path, package: str, *extra: str) -> tuple[int, str]:
    source = out.parent / "tencent"
    if not source.exists():
        shutil.copytree(DEMO.parent.parent, source)
    argv = ["generate", "--from", "tencentcloud", str(source), "--out", str(out), "--package", package]
    code, _, err = run(capsys, *argv, "-q", "--jobs", "1", *extra)
    return code, err


# --- the round trip: import, import again, diff -------------------------------------------


def test_import_writes_the_patched_specs_and_a_second_import_keeps_them(
    capsys: pytest.CaptureFixture[str], scratch: Path
) -> None:
    out = scratch / "specs"
    code, err = import_demo(capsys, out, "--overlay", str(OVERLAY))
    assert code == 0, err
    assert f"note: {FOLDER}: 11 overlay patches applied ({OVERLAY.as_posix()})" in err
    widget = spec(out, "service")["types"]["Widget"]["properties"]
    assert widget["AppID"] == {"type": "integer", "description": "Upper-case variant."}  # type changed
    # set with null removes keys (from a list to one object); replace keeps nothing of the old node.
    assert widget["Children"] == {"description": "Sub-widgets.", "nullable": True, "$ref": "#/types/Widget"}
    total = spec(out, "DescribeWidgets")["response"]["properties"]["TotalCount"]
    assert total == {"type": "integer", "format": "int64", "description": "How many widgets there are."}
    assert widget["Match"]["nullable"] is True  # nullability
    assert widget["Color"] == {"type": "string", "description": "Colour of the widget."}  # field added
    chunk = spec(out, "service")["types"]["Chunk"]  # object type added
    assert list(chunk["properties"]) == ["Text", "Seq"]
    assert "Legacy" not in spec(out, "CreateWidget")["request"]["properties"]  # field removed
    stream = spec(out, "StreamWidgetSSE")
    assert stream["response"]["properties"]["Chunk"]["$ref"] == "#/types/Chunk"  # the event model
    old = spec(out, "OldWidget")
    assert old["streaming"] is True and list(old).index("streaming") < list(old).index("request")  # marked streaming
    listing = spec(out, "DescribeWidgets")
    assert listing["pagination"] == {
        "style": "offset",
        "offset": "Offset",
        "limit": "Limit",
        "items": "Widgets",
        "total": "TotalCount",
    }
    written = {path: path.read_bytes() for path in sorted(out.rglob("*.yaml"))}

    code, err = import_demo(capsys, out, "--overlay", str(OVERLAY))
    assert code == 0, err
    assert f"imported {FOLDER}: 0 added, 0 changed, 5 unchanged, 0 removed" in err
    assert {path: path.read_bytes() for path in sorted(out.rglob("*.yaml"))} == written


def test_diff_reports_what_an_overlay_changed_like_any_spec_change(
    capsys: pytest.CaptureFixture[str], scratch: Path
) -> None:
    assert import_demo(capsys, scratch / "plain")[0] == 0
    assert import_demo(capsys, scratch / "patched", "--overlay", str(OVERLAY))[0] == 0
    code, out, err = run(capsys, "diff", "plain", "patched", "--fail-on", "breaking")
    assert code == 1, err
    # Each patch of the overlay, as the code that uses the package sees it.
    assert out.splitlines() == [
        "demo 2020-01-01 (tcsdk.demo.v20200101)",
        "  BREAKING    CreateWidget: request field legacy (Legacy) removed",
        "  BREAKING    OldWidget: now answers with a stream of events (the method's return type changes)",
        "  BREAKING    Widget: field app_id (AppID) type changed: str -> int",
        "  BREAKING    Widget: field children (Children) type changed: list[Widget] -> Widget",
        "  BREAKING    Widget: field match_ (Match) may now be null (None)",
        "  compatible  Chunk: type Chunk added",
        "  compatible  DescribeWidgets: documentation changed",
        "  compatible  DescribeWidgets: iter_describe_widgets and pages_describe_widgets added",
        "  compatible  DescribeWidgets: request field offset (Offset) added (optional)",
        "  compatible  DescribeWidgets: response field total_count (TotalCount) format uint64 -> int64",
        "  compatible  StreamWidgetSSE: response field chunk (Chunk) added",
        "  compatible  StreamWidgetSSE: response field is_end (IsEnd) added",
        "  compatible  Widget: field color (Color) added (optional)",
        "codegen diff: 5 breaking, 8 compatible",
    ]
    # Importing again without the overlay takes the patch out, and says what that changes.
    code, err = import_demo(capsys, scratch / "patched")
    assert code == 0 and "changed: demo/2020-01-01/service.yaml" in err
    assert "Widget: field app_id (AppID) type changed: int -> str" in err


def test_diff_from_tencentcloud_applies_the_overlays_on_both_sides(
    capsys: pytest.CaptureFixture[str], scratch: Path
) -> None:
    old, new = scratch / "old", scratch / "new"
    shutil.copytree(DEMO.parent.parent, old)
    shutil.copytree(DEMO.parent.parent, new)
    api = new / "demo" / "v20200101" / "api.json"
    api.write_text(api.read_text("utf-8").replace("Soft keyword.", "Match it."))
    code, out, err = run(capsys, "diff", "--from", "tencentcloud", "old", "new", "--overlay", str(OVERLAY))
    assert code == 0, err
    # The overlay's own changes are on both sides, so only the description's change shows.
    assert "Widget: documentation changed" in out and "app_id" not in out
    stale = scratch / "stale.yaml"
    stale.write_text(_patch("type: Widget\n    field: Colour\n    set: {nullable: true}\n"))
    code, _, err = run(capsys, "diff", "--from", "tencentcloud", "old", "new", "--overlay", str(stale))
    assert code == 2
    assert err.splitlines()[0].startswith(
        f"{stale.as_posix()}:6:12: type 'Widget' in demo/2020-01-01 has no field 'Colour'"
    ), err


# --- generate --from ---------------------------------------------------------------------


def _models(out: Path, package: str) -> str:
    return (out / package / "demo" / "v20200101" / "models.py").read_text("utf-8")


def test_generate_from_tencentcloud_applies_the_overlay_and_keys_the_cache_by_its_contents(
    capsys: pytest.CaptureFixture[str], scratch: Path
) -> None:
    cache = ["--cache-dir", str(scratch / "cache")]
    code, err = generate_demo(capsys, scratch / "plain", "ovpkg", *cache)
    assert code == 0, err
    assert 'app_id: str | None = _field(name="AppID"' in _models(scratch / "plain", "ovpkg")
    overlay = scratch / "mine.yaml"
    overlay.write_text(OVERLAY.read_text("utf-8"))
    code, err = generate_demo(capsys, scratch / "patched", "ovpkg", *cache, "--overlay", str(overlay))
    assert code == 0, err
    models = _models(scratch / "patched", "ovpkg")
    assert 'app_id: int | None = _field(name="AppID"' in models
    assert "class Chunk(_model.Model):" in models and "legacy" not in models
    client = (scratch / "patched" / "ovpkg" / "demo" / "v20200101" / "client.py").read_text("utf-8")
    assert "def iter_describe_widgets(" in client
    # The same overlay file with other contents is another cache key: generated again, not served stale.
    overlay.write_text(overlay.read_text("utf-8").replace("set: {type: integer}", "set: {type: number}"))
    code, err = generate_demo(capsys, scratch / "patched", "ovpkg", *cache, "--overlay", str(overlay))
    assert code == 0, err
    assert 'app_id: float | None = _field(name="AppID"' in _models(scratch / "patched", "ovpkg")


def test_overlays_come_from_pyproject_relative_to_it_and_the_command_line_replaces_them(
    capsys: pytest.CaptureFixture[str], scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (scratch / "overlays").mkdir()
    shutil.copy(OVERLAY, scratch / "overlays" / "demo.yaml")
    (scratch / "pyproject.toml").write_text('[tool.codegen]\noverlays = ["overlays/demo.yaml"]\n')
    (scratch / "work").mkdir()
    monkeypatch.chdir(scratch / "work")
    code, err = import_demo(capsys, scratch / "specs")
    assert code == 0, err
    assert "overlays/demo.yaml" in err
    assert spec(scratch / "specs", "service")["types"]["Widget"]["properties"]["AppID"]["type"] == "integer"
    # --overlay replaces the configured list, as every option replaces its [tool.codegen] default.
    other = scratch / "other.yaml"
    other.write_text(_patch("type: Widget\n    field: Match\n    set: {nullable: true}\n"))
    code, err = import_demo(capsys, scratch / "specs", "--overlay", str(other))
    assert code == 0, err
    widget = spec(scratch / "specs", "service")["types"]["Widget"]["properties"]
    assert widget["AppID"]["type"] == "string" and widget["Match"]["nullable"] is True
    # The list must be a list of paths.
    (scratch / "pyproject.toml").write_text('[tool.codegen]\noverlays = "overlays/demo.yaml"\n')
    code, err = import_demo(capsys, scratch / "specs2")
    assert code == 2 and "[tool.codegen] overlays must be a list of paths" in err
    assert not (scratch / "specs2").exists()


def test_overlays_do_not_apply_to_spec_folders(capsys: pytest.CaptureFixture[str], scratch: Path) -> None:
    (scratch / "pyproject.toml").write_text('[tool.codegen]\noverlays = ["missing.yaml"]\n')
    code, _, err = run(capsys, "generate", "--specs", str(FIXTURES / "paging"), "--out", "out", "--overlay", "x.yaml")
    assert code == 2
    assert err.strip() == (
        "codegen: --overlay goes with --from FORMAT: overlays patch imported descriptions "
        "(specs folders are edited directly)"
    )
    assert not (scratch / "out").exists()
    # The configured list is for imports: a generation from a spec folder leaves it alone.
    code, _, err = run(capsys, "generate", "--specs", str(FIXTURES / "paging"), "--out", "out", "--check", "-q")
    assert code == 1 and "missing.yaml" not in err, err


# --- shipped overlays ---------------------------------------------------------------------


@pytest.fixture()
def shipped(scratch: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder standing in for codegen/overlays/, with a tencentcloud overlay."""
    folder = scratch / "shipped"
    (folder / "tencentcloud").mkdir(parents=True)
    (folder / "tencentcloud" / "demo.yaml").write_text(
        _patch(
            "type: Widget\n    field: Match\n    set: {description: From the shipped overlay.}\n"
            "    source: https://example.invalid/issues/1\n"
        )
        # A patch for a service version an input may not hold is no error for a shipped overlay.
        + "  - {service: other, version: '2020-01-01', action: Ping, set: {streaming: true}, reason: r, source: s}\n"
    )
    monkeypatch.setattr(inputs, "SHIPPED_OVERLAYS", folder)
    return folder


def test_shipped_overlays_apply_by_default_and_can_be_turned_off(
    capsys: pytest.CaptureFixture[str], scratch: Path, shipped: Path
) -> None:
    code, err = import_demo(capsys, scratch / "specs")
    assert code == 0, err
    assert "(codegen/overlays/tencentcloud/demo.yaml)" in err
    match = spec(scratch / "specs", "service")["types"]["Widget"]["properties"]["Match"]
    assert match["description"] == "From the shipped overlay."
    code, err = import_demo(capsys, scratch / "plain", "--no-builtin-overlays")
    assert code == 0, err
    assert (
        spec(scratch / "plain", "service")["types"]["Widget"]["properties"]["Match"]["description"] == "Soft keyword."
    )
    # generate --from applies them too, first: the user's overlays come after them.
    code, err = generate_demo(capsys, scratch / "shipped-only", "shippedpkg", "--no-cache")
    assert code == 0, err
    assert "From the shipped overlay." in _models(scratch / "shipped-only", "shippedpkg")
    (scratch / "mine.yaml").write_text(_patch("type: Widget\n    field: Match\n    set: {description: From me.}\n"))
    code, err = generate_demo(capsys, scratch / "both", "shippedpkg", "--no-cache", "--overlay", "mine.yaml")
    assert code == 0, err
    models = _models(scratch / "both", "shippedpkg")
    assert "From me." in models and "From the shipped overlay." not in models


def test_a_shipped_patch_cites_its_source(capsys: pytest.CaptureFixture[str], scratch: Path, shipped: Path) -> None:
    (shipped / "tencentcloud" / "demo.yaml").write_text(_patch("type: Widget\n    set: {description: x}\n"))
    code, err = import_demo(capsys, scratch / "specs")
    assert code == 2
    assert err.splitlines()[0] == (
        "codegen/overlays/tencentcloud/demo.yaml:3:5: a patch shipped with the generator cites its source (source:)"
    )


def test_the_shipped_overlay_folder_is_the_package_one() -> None:
    assert inputs.SHIPPED_OVERLAYS == ROOT / "codegen" / "overlays"
    assert (inputs.SHIPPED_OVERLAYS / "README.md").is_file()
    assert inputs.shipped_overlays("specs") == []


# --- problems, each at its place -------------------------------------------------------------


def _patch(body: str, service: str = "demo", version: str = '"2020-01-01"') -> str:
    """An overlay with one patch: service and version, then ``body`` (indented by four), and a reason."""
    reason = "" if "reason:" in body else "    reason: Seen in answers.\n"
    return f"overlay: 1\npatches:\n  - service: {service}\n    version: {version}\n    {body}{reason}"


BAD = [
    ("overlay: 1\npatches: [\n", "3:1: invalid YAML: expected the node content, but found '<stream end>'"),
    ("overlay: 2\npatches: []\n", "1:10: overlay: the format version is 1"),
    ("patches: []\n", "1:1: missing 'overlay: 1' (the version of the overlay format)"),
    ("overlay: 1\npatches: []\nextra: 1\n", "3:1: unknown key 'extra' in an overlay; the keys are overlay, patches"),
    (
        _patch("type: Widget\n    feild: AppID\n    set: {type: integer}\n"),
        "6:5: unknown key 'feild' in a patch; did you mean 'field'?",
    ),
    (_patch("type: Widget\n    field: AppID\n    set: {type: integer}\n    reason: ''\n"), "8:13: reason: why"),
    (
        _patch("type: Widget\n    field: AppID\n    set: {type: integer}\n    remove: true\n"),
        "8:5: a patch has exactly one",
    ),
    (_patch("type: Widget\n    field: AppID\n    set: integer\n"), "7:10: set: a mapping of keys"),
    (_patch("type: Widget\n    set: {type: object}\n", version="'2020-1-1'"), "4:14: version: the API version"),
    # Names are names: nothing in an overlay becomes a path or code.
    (
        _patch("type: ../Widget\n    set: {description: x}\n"),
        "5:11: type: a name (letters, digits and _, from a letter)",
    ),
    (
        _patch("type: Evil\n    add: {type: object, properties: {'a-b': {type: string}}}\n"),
        "6:45: the patched demo/2020-01-01 service document is not valid: types/Evil/properties: 'a-b' does not match",
    ),
    (
        _patch("type: Widgit\n    set: {description: x}\n"),
        "5:11: no type 'Widgit' in demo/2020-01-01; did you mean 'Widget'?",
    ),
    (
        _patch("type: Widget\n    field: AppIDs\n    set: {type: integer}\n"),
        "6:12: type 'Widget' in demo/2020-01-01 has no field 'AppIDs'; did you mean 'AppID' or 'AppId'?",
    ),
    (
        _patch("action: DescribeWidget\n    set: {streaming: true}\n"),
        "5:13: no action 'DescribeWidget' in demo/2020-01-01",
    ),
    (
        _patch("action: DescribeWidgets\n    response: Total\n    set: {nullable: true}\n"),
        "6:15: the response of 'DescribeWidgets' in demo/2020-01-01 has no field 'Total'; did you mean 'TotalCount'?",
    ),
    (
        _patch("type: Widget\n    field: Children\n    at: items/type\n    set: {x: 1}\n"),
        "7:9: at: no 'type' in types/Widget/properties/Children/items; it has $ref",
    ),
    (
        _patch("type: Widget\n    field: AppID\n    set: {type: strin}\n"),
        "7:17: the patched demo/2020-01-01 service document is not valid: types/Widget/properties/AppID/type:"
        " 'strin' is not one of",
    ),
    (
        _patch("type: Widget\n    field: Children\n    set: {items: {type: string}}\n"),
        "7:18: the patched demo/2020-01-01 service document is not valid: types/Widget/properties/Children/items:"
        " a property needs exactly one of 'type' or '$ref'",
    ),
    (
        _patch(
            "action: DescribeWidgets\n    set: {pagination: {style: offset, offset: Offset, limit: Limit, items: Widgets}}\n"
        ),
        "6:47: the patched demo/2020-01-01 DescribeWidgets is not valid: pagination: offset 'Offset' is not a request field",
    ),
    (_patch("type: Widget\n    field: AppID\n    add: {type: string}\n"), "7:5: add: type 'Widget' field 'AppID' in"),
    (_patch("type: Widget\n    field: AppID\n    at: type\n    set: {x: 1}\n"), "8:5: set merges into a mapping"),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[expected.split(": ")[1][:40] for _, expected in BAD])
def test_a_bad_overlay_is_one_line_at_its_place_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], scratch: Path, text: str, expected: str
) -> None:
    (scratch / "overlay.yaml").write_text(text)
    code, err = import_demo(capsys, scratch / "specs", "--overlay", "overlay.yaml")
    assert code == 2
    lines = err.splitlines()
    assert lines[-1] == "codegen: 1 problem(s); nothing was written", err
    assert lines[0].startswith(f"overlay.yaml:{expected}"), lines[0]
    assert not (scratch / "specs").exists()


def test_generate_reports_a_stale_patch_and_writes_nothing(capsys: pytest.CaptureFixture[str], scratch: Path) -> None:
    (scratch / "version.yaml").write_text(
        _patch("type: Widget\n    field: AppID\n    set: {type: integer}\n", version='"2020-02-02"')
    )
    code, err = generate_demo(capsys, scratch / "out", "stalepkg", "--no-cache", "--overlay", "version.yaml")
    assert code == 2
    assert err.splitlines()[0] == (
        f"version.yaml:3:14: no service version demo/2020-02-02 in {(scratch / 'tencent').as_posix()};"
        " did you mean 'demo/2020-01-01'?"
    )
    (scratch / "action.yaml").write_text(_patch("action: Gone\n    remove: true\n"))
    code, err = generate_demo(capsys, scratch / "out", "stalepkg", "--no-cache", "--overlay", "action.yaml")
    assert code == 2
    assert err.splitlines()[0] == (
        "action.yaml:5:13: no action 'Gone' in demo/2020-01-01; is the patch stale (the description changed)?"
    )
    assert not (scratch / "out").exists()
    code, err = generate_demo(capsys, scratch / "out", "stalepkg", "--no-cache", "--overlay", "missing.yaml")
    assert code == 2 and err.splitlines()[0] == "missing.yaml: cannot read file: No such file or directory"


def test_with_actions_a_patch_of_an_action_left_out_is_skipped_and_an_unknown_one_reported(
    capsys: pytest.CaptureFixture[str], scratch: Path
) -> None:
    code, err = import_demo(capsys, scratch / "specs", "--actions", "CreateWidget", "--overlay", str(OVERLAY))
    assert code == 0, err
    assert "Legacy" not in spec(scratch / "specs", "CreateWidget")["request"]["properties"]
    (scratch / "overlay.yaml").write_text(_patch("action: Nope\n    set: {streaming: true}\n"))
    code, err = import_demo(capsys, scratch / "other", "--actions", "CreateWidget", "--overlay", "overlay.yaml")
    assert code == 2 and err.startswith("overlay.yaml:5:13: no action 'Nope' in demo/2020-01-01")


# --- the merge patch ------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(target=JSON, patch=JSON)
def test_set_is_a_json_merge_patch(target: Any, patch: Any) -> None:
    before = json.dumps(target)
    merged = merge(target, patch)
    assert json.dumps(target) == before  # the target is not changed
    assert merge(merged, patch) == merged  # applying it again changes nothing
    if not isinstance(patch, dict):
        assert merged == patch
        return
    for key, value in patch.items():
        if value is None:
            assert key not in merged
        elif not isinstance(value, dict):
            assert merged[key] == value
    if isinstance(target, dict):
        assert all(merged[k] == v for k, v in target.items() if k not in patch)


# --- suggest -------------------------------------------------------------------------------

ANSWER = {
    "Response": {
        "TotalCount": "many",
        "Widgets": [{"WidgetId": 5, "AppID": 7, "Children": {"WidgetId": 1.5}}],
        "RequestId": "r-1",
    }
}


@pytest.fixture()
def decode(scratch: Path) -> Iterator[Any]:
    """Decode ANSWER with a package generated into ``scratch``; its deviations and WARNING lines."""
    added: list[str] = []

    def run_decode(out: Path, package: str, caplog: pytest.LogCaptureFixture) -> tuple[Any, list[str]]:
        if str(out) not in sys.path:
            sys.path.insert(0, str(out))
            added.append(str(out))
            importlib.invalidate_caches()
        models = importlib.import_module(f"{package}.demo.v20200101.models")
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=f"{package}.common.tolerant"):
            response = models.DescribeWidgetsResponse.from_envelope(json.dumps(ANSWER))
        return response.meta.deviations, [record.getMessage() for record in caplog.records]

    yield run_decode
    for path in added:
        sys.path.remove(path)


@pytest.mark.parametrize("form", ["log", "dump"])
def test_suggest_drafts_an_overlay_that_makes_the_deviations_go_away(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, scratch: Path, decode: Any, form: str
) -> None:
    package = f"suggest{form}"
    code, err = generate_demo(capsys, scratch / "before", package)
    assert code == 0, err
    deviations, lines = decode(scratch / "before", package, caplog)
    assert {d.path for d in deviations} == {
        "TotalCount",
        "Widgets[0].WidgetId",
        "Widgets[0].AppID",
        "Widgets[0].Children",
        "Widgets[0].Children[0].WidgetId",
    }
    if form == "log":
        # As a log handler writes them: with the level and the logger's name in front.
        text = "".join(f"2024-05-01 10:00:00 WARNING {package}.common.tolerant: {line}\nINFO other\n" for line in lines)
        (scratch / "deviations.log").write_text(text)
        given = "deviations.log"
    else:
        records = [{"action": "DescribeWidgets", **msgspec.to_builtins(d)} for d in deviations]
        (scratch / "deviations.json").write_text(json.dumps(records))
        given = "deviations.json"
    code, out, err = run(capsys, "overlay", "suggest", given, "--from", "tencentcloud", "tencent")
    assert code == 0, err
    draft = yaml.safe_load(out)
    targets = {(p.get("type") or p["action"], p.get("field") or p["response"]): p["set"] for p in draft["patches"]}
    assert targets == {
        ("DescribeWidgets", "TotalCount"): {"type": "string", "format": None},
        ("Widget", "WidgetId"): {"type": "number"},
        ("Widget", "AppID"): {"type": "integer"},
        ("Widget", "Children"): {"$ref": "#/types/Widget", "type": None, "items": None},
    }
    assert all(p["reason"].startswith("Tolerant decoding recorded") and p["source"] == given for p in draft["patches"])
    assert "# seen: DescribeWidgets Widgets[0].AppID: expected str, got number 7" in out
    (scratch / "suggested.yaml").write_text(out)
    code, err = generate_demo(capsys, scratch / "after", f"{package}2", "--overlay", "suggested.yaml")
    assert code == 0, err
    deviations, lines = decode(scratch / "after", f"{package}2", caplog)
    assert deviations == () and lines == []


def test_suggest_writes_to_a_file_and_names_the_service_version_when_asked(
    capsys: pytest.CaptureFixture[str], scratch: Path
) -> None:
    (scratch / "d.json").write_text(
        json.dumps([{"action": "DescribeWidgets", "path": "TotalCount", "expected": "int", "value": None}])
    )
    code, out, err = run(
        capsys, "overlay", "suggest", "d.json", "--from", "tencentcloud", str(DEMO.parent.parent), "--out", "o.yaml"
    )
    assert code == 0 and out == "", err
    (patch,) = yaml.safe_load((scratch / "o.yaml").read_text())["patches"]
    assert patch["set"] == {"nullable": True} and "null came" in patch["reason"]
    code, _, err = run(
        capsys, "overlay", "suggest", "d.json", "--from", "tencentcloud", str(DEMO.parent.parent), "--service", "x"
    )
    assert code == 2 and err.startswith("d.json#/0: no action 'DescribeWidgets' of x in ")
    # From a spec folder (the default input: [tool.codegen] specs), as an imported one.
    assert import_demo(capsys, scratch / "specs")[0] == 0
    code, out, err = run(capsys, "overlay", "suggest", "d.json", "--service", "demo/2020-01-01")
    assert code == 0, err
    assert yaml.safe_load(out)["patches"] == [patch]


def test_parsed_overlays_travel_to_worker_processes() -> None:
    (overlay,) = parse([OverlayInput(OVERLAY.as_posix(), OVERLAY.read_bytes())])
    assert len(overlay.patches) == 11
    assert pickle.loads(pickle.dumps(overlay)) == overlay


SUGGEST_BAD = [
    ("[{]", "bad.json:1:3: invalid JSON: Expecting property name enclosed in double quotes"),
    ('{"a": 1}', "bad.json: a dump of deviations is a JSON list of objects"),
    ('[{"action": "A", "path": "P", "expected": "int", "valeu": 1}]', "bad.json#/0/valeu: unknown key 'valeu'"),
    ('[{"action": "A", "path": "P[", "expected": "int"}]', "bad.json#/0/path: path 'P[' is not a path"),
    ('[{"path": "P", "expected": "int"}]', "bad.json#/0: action: a string (required)"),
    ("nothing to see\n", "bad.json: no deviations found"),
    (
        "x\nWARNING DescribeWidgets answer does not match its model at TotalCount: expected int, got str\n",
        "bad.json:2:9: cannot read this deviation line",
    ),
    (
        '[{"action": "DescribeWidget", "path": "TotalCount", "expected": "int", "value": "x"}]',
        "bad.json#/0: no action 'DescribeWidget' in ",
    ),
    (
        '[{"action": "DescribeWidgets", "path": "Widgets[0].Nope", "expected": "int", "value": "x"}]',
        "bad.json#/0: Widgets[0].Nope: type 'Widget' has no field 'Nope'",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SUGGEST_BAD, ids=[e.split(": ")[1][:30] for _, e in SUGGEST_BAD])
def test_suggest_refuses_unreadable_input_at_its_place(
    capsys: pytest.CaptureFixture[str], scratch: Path, text: str, expected: str
) -> None:
    (scratch / "bad.json").write_text(text)
    code, out, err = run(
        capsys, "overlay", "suggest", "bad.json", "--from", "tencentcloud", str(DEMO.parent.parent), "--out", "o.yaml"
    )
    assert code == 2 and out == ""
    assert err.splitlines()[0].startswith(expected), err
    assert err.splitlines()[-1] == "codegen overlay suggest: 1 problem(s); nothing was written"
    assert not (scratch / "o.yaml").exists()


def test_suggest_hides_values_at_secret_paths_as_the_runtime_does() -> None:
    tolerant = (ROOT / "templates" / "runtime" / "tolerant_report.py").read_text("utf-8")
    assert f'r"{SECRET_WORDS.pattern}"' in tolerant
    records = [
        {"action": "A", "path": "Keys[0].SecretKey", "expected": "int", "value": "s3cr3t"},
        {"action": "A", "path": "Account", "expected": "str", "value": {"User": "u", "Password": "pw"}},
        {"action": "A", "path": "Zone", "expected": "int", "value": "ap-guangzhou"},
    ]
    seen = read_observations("d.json", json.dumps(records).encode())
    assert [s.shown for s in seen] == ["string", "object", 'string "ap-guangzhou"']
    assert [s.kind for s in seen] == ["string", "object", "string"]


FAMILIES = {
    "integer": st.integers(-(2**40), 2**40),
    "number": st.floats(allow_nan=False, allow_infinity=False) | st.integers(-1000, 1000),
    "boolean": st.booleans(),
    "string": st.text(max_size=5),
}
PYTHON = {"integer": int, "number": float, "boolean": bool, "string": str}


@settings(max_examples=60, deadline=None)
@given(data=st.data(), family=st.sampled_from(sorted(FAMILIES)), declared=st.sampled_from(sorted(FAMILIES)))
def test_the_proposed_type_holds_every_value_observed(data: Any, family: str, declared: str) -> None:
    values = data.draw(st.lists(FAMILIES[family] | st.none(), min_size=1, max_size=5))
    seen = [Observation(Diagnostic("d"), "A", "F", declared, _kind(value), "") for value in values]
    target = Target("demo", "2020-01-01", "T", "A", "F", (), {"type": declared, "format": "int64"}, seen)
    change, why = proposal(target)
    assert change is not None and why
    node = merge(target.node, change)
    python = PYTHON[node["type"]]
    annotation: Any = python | None if node.get("nullable") else python
    for value in values:
        assert msgspec.convert(value, annotation, strict=False) == value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string"}[type(value)]
