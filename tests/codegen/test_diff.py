"""``codegen diff``: every classification rule on hand-written spec pairs, the outputs and the exit codes."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen.diagnostics import SpecError
from codegen.diff import KINDS, Change, diff_surfaces
from codegen.diff_report import as_json, as_markdown, as_text
from codegen.diff_sources import changed_surfaces, folder_side
from codegen.pipeline import load_project
from codegen.surface import from_json, from_project, to_json

from ..conftest import ROOT, SPECS, run_codegen

ERRORS = {"errors": {"InternalError": "Internal error.", "AuthFailure.SignatureFailure": "Bad signature."}}


# CreateWidget waits until every listed widget's Name reads "ready" (a made-up state field).
WAITER = {"action": "DescribeWidgets", "status": "Widgets[].Name", "success": ["ready"], "failure": ["broken"]}


def _base() -> dict[str, Any]:
    """One service version as {file name: document}; every rule edits a copy of it."""
    string = {"type": "string", "description": "Text."}
    integer = {"type": "integer", "description": "A number."}
    service = {
        "service": "demo",
        "version": "2020-01-01",
        "endpoint": "demo.tencentcloudapi.com",
        "types": {
            "Widget": {
                "type": "object",
                "description": "A widget.",
                "required": ["Name"],
                "properties": {"Name": string, "Size": integer, "Tags": {"type": "array", "items": {"type": "string"}}},
            },
            "Filter": {
                "type": "object",
                "properties": {"Name": string, "Values": {"type": "array", "items": {"type": "string"}}},
            },
            "Stats": {"type": "object", "properties": {"Count": integer, "Ratio": {"type": "number"}}},
            "Legacy": {"type": "object", "properties": {"Old": string}},
        },
    }
    describe = {
        "action": "DescribeWidgets",
        "summary": "List widgets.",
        "request": {
            "type": "object",
            "properties": {
                "Filters": {"type": "array", "items": {"$ref": "#/types/Filter"}},
                "Limit": integer,
                "Offset": integer,
            },
        },
        "response": {
            "type": "object",
            "properties": {
                "Widgets": {"type": "array", "items": {"$ref": "#/types/Widget"}},
                "TotalCount": integer,
                "Stats": {"$ref": "#/types/Stats"},
            },
        },
        "errors": {"ResourceNotFound.Widget": "No such widget.", "InvalidParameter.Limit": "Bad limit."},
        "pagination": {
            "style": "offset",
            "offset": "Offset",
            "limit": "Limit",
            "items": "Widgets",
            "total": "TotalCount",
        },
    }
    create = {
        "action": "CreateWidget",
        "summary": "Create a widget.",
        "request": {
            "type": "object",
            "required": ["Name"],
            "properties": {
                "Name": string,
                "size": integer,
                "Widget": {"$ref": "#/types/Widget"},
                "ClientToken": string,
                "Weight": {"type": "integer", "format": "int64"},
            },
        },
        "response": {"type": "object", "properties": {"WidgetId": string}},
    }
    delete = {
        "action": "DeleteWidget",
        "summary": "Delete a widget.",
        "request": {"type": "object", "required": ["WidgetId"], "properties": {"WidgetId": string}},
        "response": {"type": "object", "properties": {}},
    }
    docs = {
        "service.yaml": service,
        "DescribeWidgets.yaml": describe,
        "CreateWidget.yaml": create,
        "DeleteWidget.yaml": delete,
    }
    # A JSON round trip unshares the repeated property dicts, so an edit
    # touches one place only (and YAML writes no aliases).
    result: dict[str, Any] = json.loads(json.dumps(docs))
    return result


def _write(root: Path, docs: dict[str, Any], errors: dict[str, Any] = ERRORS) -> Path:
    (root / "common").mkdir(parents=True, exist_ok=True)
    (root / "common" / "errors.yaml").write_text(yaml.safe_dump(errors), encoding="utf-8")
    for name, doc in docs.items():
        folder = root / ("demo/2020-01-01" if "/" not in name else "")
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return root


def _diff(tmp_path: Path, edit: Callable[[dict[str, Any]], None], errors: dict[str, Any] = ERRORS) -> list[Change]:
    old_docs, new_docs = _base(), _base()
    edit(new_docs)
    old = _write(tmp_path / "old", old_docs)
    new = _write(tmp_path / "new", new_docs, errors)
    return diff_surfaces(*changed_surfaces(folder_side(old, "specs"), folder_side(new, "specs")))


def _found(changes: list[Change]) -> set[tuple[str, str]]:
    return {(c.kind, c.python.split(".", 2)[2] if c.service else c.python) for c in changes}


def props(docs: dict[str, Any], file: str, side: str = "request") -> dict[str, Any]:
    result: dict[str, Any] = docs[file][side]["properties"]
    return result


def widget(docs: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = docs["service.yaml"]["types"]["Widget"]
    return result


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    target[key] = value


RULES: list[tuple[str, Callable[[dict[str, Any]], None], set[tuple[str, str]]]] = [
    # Breaking.
    ("action removed", lambda d: d.pop("DeleteWidget.yaml"), {("action_removed", "DemoClient.delete_widget")}),
    (
        "request field added as required",
        lambda d: (
            _set(props(d, "CreateWidget.yaml"), "Color", {"type": "string"}),
            d["CreateWidget.yaml"]["request"]["required"].append("Color"),
        ),
        {("request_field_added_required", "CreateWidgetRequest.color")},
    ),
    (
        "request field made required",
        lambda d: d["CreateWidget.yaml"]["request"]["required"].append("size"),
        {("request_field_made_required", "CreateWidgetRequest.size")},
    ),
    (
        "required request field made nullable",
        lambda d: _set(props(d, "CreateWidget.yaml")["Name"], "nullable", True),
        {("request_field_made_optional", "CreateWidgetRequest.name")},
    ),
    (
        "request field removed",
        lambda d: props(d, "CreateWidget.yaml").pop("Weight"),
        {("field_removed", "CreateWidgetRequest.weight")},
    ),
    (
        "response field removed",
        lambda d: (
            props(d, "DescribeWidgets.yaml", "response").pop("TotalCount"),
            d["DescribeWidgets.yaml"]["pagination"].pop("total"),
        ),
        {("field_removed", "DescribeWidgetsResponse.total_count")},
    ),
    (
        "wire name changed, Python name kept",
        lambda d: (
            _set(
                props(d, "DescribeWidgets.yaml", "response"),
                "totalCount",
                props(d, "DescribeWidgets.yaml", "response").pop("TotalCount"),
            ),
            _set(d["DescribeWidgets.yaml"]["pagination"], "total", "totalCount"),
        ),
        {("field_renamed", "DescribeWidgetsResponse.total_count")},
    ),
    (
        "Python name changed, wire name kept",
        lambda d: _set(props(d, "CreateWidget.yaml"), "Size", {"type": "integer"}),
        {("field_renamed", "CreateWidgetRequest.size_2"), ("request_field_added", "CreateWidgetRequest.size")},
    ),
    (
        "integer to string",
        lambda d: _set(props(d, "CreateWidget.yaml"), "size", {"type": "string", "description": "A number."}),
        {("field_type_changed", "CreateWidgetRequest.size")},
    ),
    (
        "list to scalar in a shared type",
        lambda d: _set(widget(d)["properties"], "Tags", {"type": "string"}),
        {("field_type_changed", "Widget.tags")},
    ),
    (
        "scalar to list",
        lambda d: _set(props(d, "CreateWidget.yaml"), "Weight", {"type": "array", "items": {"type": "integer"}}),
        {("field_type_changed", "CreateWidgetRequest.weight")},
    ),
    (
        "nested type replaced",
        lambda d: (
            _set(d["service.yaml"]["types"], "Stats2", copy.deepcopy(d["service.yaml"]["types"]["Stats"])),
            _set(props(d, "DescribeWidgets.yaml", "response"), "Stats", {"$ref": "#/types/Stats2"}),
        ),
        {("field_type_changed", "DescribeWidgetsResponse.stats"), ("type_added", "Stats2")},
    ),
    ("shared type removed", lambda d: d["service.yaml"]["types"].pop("Legacy"), {("type_removed", "Legacy")}),
    (
        "error code removed",
        lambda d: d["DescribeWidgets.yaml"]["errors"].pop("ResourceNotFound.Widget"),
        {("error_code_removed", "DescribeWidgetsErrorCode.RESOURCE_NOT_FOUND_WIDGET")},
    ),
    (
        "response field made nullable",
        lambda d: _set(props(d, "DescribeWidgets.yaml", "response")["TotalCount"], "nullable", True),
        {("response_field_made_nullable", "DescribeWidgetsResponse.total_count")},
    ),
    (
        "retry safety lost",
        lambda d: props(d, "CreateWidget.yaml").pop("ClientToken"),
        {("retry_safety_lost", "DemoClient.create_widget"), ("field_removed", "CreateWidgetRequest.client_token")},
    ),
    (
        "streaming changed",
        lambda d: _set(d["DescribeWidgets.yaml"], "streaming", True),
        {("streaming_changed", "DemoClient.describe_widgets")},
    ),
    (
        "a required field added to a type used in requests",
        lambda d: (
            _set(d["service.yaml"]["types"]["Filter"]["properties"], "Op", {"type": "string"}),
            _set(d["service.yaml"]["types"]["Filter"], "required", ["Op"]),
        ),
        {("request_field_added_required", "Filter.op")},
    ),
    (
        "paginator removed",
        lambda d: d["DescribeWidgets.yaml"].pop("pagination"),
        {("paginator_removed", "DemoClient.iter_describe_widgets")},
    ),
    (
        "paginator changed",
        lambda d: _set(
            d["DescribeWidgets.yaml"],
            "pagination",
            {"style": "page", "page": "Offset", "limit": "Limit", "first_page": 0, "items": "Widgets"},
        ),
        {("paginator_changed", "DemoClient.iter_describe_widgets")},
    ),
    # Deprecations.
    (
        "action deprecated",
        lambda d: _set(d["DeleteWidget.yaml"], "deprecated", True),
        {("action_deprecated", "DemoClient.delete_widget")},
    ),
    (
        "field deprecated",
        lambda d: _set(props(d, "CreateWidget.yaml")["Weight"], "deprecated", True),
        {("field_deprecated", "CreateWidgetRequest.weight")},
    ),
    # Compatible.
    (
        "action added",
        lambda d: _set(d, "ResetWidget.yaml", {**copy.deepcopy(d["DeleteWidget.yaml"]), "action": "ResetWidget"}),
        {("action_added", "DemoClient.reset_widget")},
    ),
    (
        "paginator added",
        lambda d: (
            _set(
                d["DeleteWidget.yaml"]["response"]["properties"], "Ids", {"type": "array", "items": {"type": "string"}}
            )
            or _set(d["DeleteWidget.yaml"]["request"]["properties"], "Offset", {"type": "integer"})
            or _set(d["DeleteWidget.yaml"]["request"]["properties"], "Limit", {"type": "integer"})
            or _set(
                d["DeleteWidget.yaml"],
                "pagination",
                {"style": "offset", "offset": "Offset", "limit": "Limit", "items": "Ids"},
            )
        ),
        {
            ("paginator_added", "DemoClient.iter_delete_widget"),
            ("request_field_added", "DeleteWidgetRequest.offset"),
            ("request_field_added", "DeleteWidgetRequest.limit"),
            ("response_field_added", "DeleteWidgetResponse.ids"),
        },
    ),
    (
        "waiter added",
        lambda d: _set(d["CreateWidget.yaml"], "waiter", dict(WAITER)),
        {("waiter_added", "DemoClient.wait_for_create_widget")},
    ),
    (
        "optional request field added",
        lambda d: _set(props(d, "CreateWidget.yaml"), "Color", {"type": "string"}),
        {("request_field_added", "CreateWidgetRequest.color")},
    ),
    (
        "response field added",
        lambda d: _set(props(d, "CreateWidget.yaml", "response"), "Color", {"type": "string"}),
        {("response_field_added", "CreateWidgetResponse.color")},
    ),
    (
        "a field added to a type used in responses",
        lambda d: _set(d["service.yaml"]["types"]["Stats"]["properties"], "Max", {"type": "integer"}),
        {("response_field_added", "Stats.max")},
    ),
    (
        "error code added",
        lambda d: _set(d["DeleteWidget.yaml"], "errors", {"ResourceInUse": "Busy."}),
        {("error_code_added", "DeleteWidgetErrorCode.RESOURCE_IN_USE")},
    ),
    (
        "documentation changed",
        lambda d: _set(d["DeleteWidget.yaml"], "summary", "Remove a widget for good."),
        {("documentation_changed", "DemoClient.delete_widget")},
    ),
    (
        "field documentation changed",
        lambda d: _set(props(d, "CreateWidget.yaml")["Name"], "description", "The name."),
        {("documentation_changed", "DemoClient.create_widget")},
    ),
    (
        "required request field made optional",
        lambda d: d["CreateWidget.yaml"]["request"].pop("required"),
        {("request_field_made_optional", "CreateWidgetRequest.name")},
    ),
    (
        "request integer widened to number",
        lambda d: _set(props(d, "CreateWidget.yaml"), "size", {"type": "number", "description": "A number."}),
        {("field_type_widened", "CreateWidgetRequest.size")},
    ),
    (
        "response number narrowed to integer",
        lambda d: _set(d["service.yaml"]["types"]["Stats"]["properties"], "Ratio", {"type": "integer"}),
        {("field_type_widened", "Stats.ratio")},
    ),
    (
        "format changed",
        lambda d: _set(props(d, "CreateWidget.yaml")["Weight"], "format", "uint64"),
        {("field_format_changed", "CreateWidgetRequest.weight")},
    ),
    (
        "endpoint changed",
        lambda d: _set(d["service.yaml"], "endpoint", "demo.ap-guangzhou.tencentcloudapi.com"),
        {("endpoint_changed", "DemoClient")},
    ),
]


@pytest.mark.parametrize("edit, expected", [(e, x) for _, e, x in RULES], ids=[r[0] for r in RULES])
def test_each_rule_finds_exactly_its_change(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], expected: set[tuple[str, str]]
) -> None:
    assert _found(_diff(tmp_path, edit)) == expected


def test_severities_of_the_rules() -> None:
    breaking = {k for k, s in KINDS.items() if s == "breaking"}
    assert {
        "action_removed",
        "service_version_removed",
        "request_field_added_required",
        "request_field_made_required",
        "field_removed",
        "field_renamed",
        "field_type_changed",
        "type_removed",
        "error_code_removed",
        "response_field_made_nullable",
        "retry_safety_lost",
    } <= breaking
    assert KINDS["action_deprecated"] == KINDS["field_deprecated"] == "deprecation"
    for kind in (
        "action_added",
        "request_field_added",
        "response_field_added",
        "error_code_added",
        "documentation_changed",
        "request_field_made_optional",
    ):
        assert KINDS[kind] == "compatible"


def test_every_kind_is_documented() -> None:
    text = (ROOT / "docs" / "evolution.md").read_text("utf-8")
    assert [k for k in KINDS if f"`{k}`" not in text] == []


def test_service_version_removed_and_added(tmp_path: Path) -> None:
    old = _write(tmp_path / "old", _base())
    new_docs = _base()
    new_docs["service.yaml"]["version"] = "2021-01-01"
    new = tmp_path / "new"
    _write(new, {})
    for name, doc in new_docs.items():
        path = new / "demo" / "2021-01-01" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    changes = diff_surfaces(*changed_surfaces(folder_side(old, "specs"), folder_side(new, "specs")))
    assert [(c.kind, c.version) for c in changes] == [
        ("service_version_removed", "2020-01-01"),
        ("service_version_added", "2021-01-01"),
    ]


def test_common_error_codes(tmp_path: Path) -> None:
    errors = {"errors": {"InternalError": "Internal error.", "LimitExceeded": "Too many."}}
    found = _found(_diff(tmp_path, lambda d: None, errors))
    assert found == {
        ("common_error_removed", "common.CommonErrorCode.AUTH_FAILURE_SIGNATURE_FAILURE"),
        ("common_error_added", "common.CommonErrorCode.LIMIT_EXCEEDED"),
    }


def test_an_action_code_that_became_common_is_not_removed(tmp_path: Path) -> None:
    errors = {"errors": {**ERRORS["errors"], "ResourceNotFound.Widget": "No such widget."}}
    found = _found(
        _diff(tmp_path, lambda d: d["DescribeWidgets.yaml"]["errors"].pop("ResourceNotFound.Widget"), errors)
    )
    assert found == {("common_error_added", "common.CommonErrorCode.RESOURCE_NOT_FOUND_WIDGET")}


def test_identical_inputs_and_the_committed_specs_against_themselves(tmp_path: Path) -> None:
    assert _diff(tmp_path, lambda d: None) == []
    surface = from_project(load_project(SPECS))
    assert diff_surfaces(surface, surface) == []
    assert diff_surfaces(from_json(to_json(surface)), surface) == []


def test_breaking_changes_come_first_within_a_service(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d.pop("DeleteWidget.yaml")
        _set(props(d, "CreateWidget.yaml"), "Color", {"type": "string"})
        _set(props(d, "CreateWidget.yaml")["Weight"], "deprecated", True)

    changes = _diff(tmp_path, edit)
    assert [c.severity for c in changes] == ["breaking", "deprecation", "compatible"]
    text = as_text(changes, "tcsdk")
    assert text.splitlines() == [
        "demo 2020-01-01 (tcsdk.demo.v20200101)",
        "  BREAKING    DeleteWidget: action removed (DemoClient.delete_widget)",
        "  deprecated  CreateWidget: request field weight (Weight) deprecated",
        "  compatible  CreateWidget: request field color (Color) added (optional)",
        "codegen diff: 1 breaking, 1 deprecation, 1 compatible",
    ]
    document = json.loads(as_json(changes, "tcsdk"))
    assert document["schema"] == "codegen-diff/1"
    assert document["summary"] == {"breaking": 1, "deprecation": 1, "compatible": 1}
    assert document["changes"][0] == {
        "severity": "breaking",
        "kind": "action_removed",
        "service": "demo",
        "version": "2020-01-01",
        "subject": "DeleteWidget",
        "python": "tcsdk.demo.v20200101.DemoClient.delete_widget",
        "message": "action removed (DemoClient.delete_widget)",
        "old": "",
        "new": "",
    }
    markdown = as_markdown(changes, "tcsdk")
    assert "### demo 2020-01-01 (tcsdk.demo.v20200101)" in markdown
    assert "- **BREAKING** DeleteWidget: action removed (DemoClient.delete\\_widget)" in markdown


@pytest.mark.slow
def test_command_line_exit_codes_and_formats(tmp_path: Path) -> None:
    old = _write(tmp_path / "old", _base())
    docs = _base()
    docs.pop("DeleteWidget.yaml")
    new = _write(tmp_path / "new", docs)
    result = run_codegen("diff", str(old), str(new))
    assert result.returncode == 0, result.stderr
    assert "BREAKING    DeleteWidget: action removed" in result.stdout
    assert run_codegen("diff", str(old), str(new), "--fail-on", "breaking").returncode == 1
    assert run_codegen("diff", str(old), str(old), "--fail-on", "any").returncode == 0
    json_out = run_codegen("diff", str(old), str(new), "--format", "json", "--package", "acme")
    assert json.loads(json_out.stdout)["changes"][0]["python"] == "acme.demo.v20200101.DemoClient.delete_widget"
    assert run_codegen("diff", str(old), str(new), "--format", "markdown").stdout.startswith("## API changes")

    docs["CreateWidget.yaml"]["documentation"] = "unknown key"
    _write(tmp_path / "new", docs)
    bad = run_codegen("diff", str(old), str(new))
    assert bad.returncode == 2
    assert f"{new.as_posix()}/demo/2020-01-01/CreateWidget.yaml:1:1: top level: Additional properties" in bad.stderr
    missing = run_codegen("diff", str(old), str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "nowhere: folder not found" in missing.stderr
    usage = run_codegen("diff", str(old))
    assert usage.returncode == 2 and "give two folders" in usage.stderr


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "HOME": str(cwd),
            "PATH": "/usr/bin:/bin",
        },
    )


@pytest.mark.slow
def test_git_revisions(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    specs = _write(repo / "api" / "specs", _base())
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    (specs / "demo" / "2020-01-01" / "DeleteWidget.yaml").unlink()
    # Working tree against HEAD: the deletion shows before it is committed.
    result = run_codegen("diff", "--git", "HEAD", "specs", cwd=repo / "api")
    assert result.returncode == 0, result.stderr
    assert "DeleteWidget: action removed" in result.stdout
    _git(repo, "commit", "-q", "-am", "second")
    between = run_codegen("diff", "--git", "HEAD~1..HEAD", str(specs), "--fail-on", "breaking", cwd=tmp_path)
    assert between.returncode == 1 and "DeleteWidget: action removed" in between.stdout
    assert run_codegen("diff", "--git", "HEAD", str(specs), "--fail-on", "any", cwd=tmp_path).returncode == 0
    unknown = run_codegen("diff", "--git", "nope", str(specs), cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown revision 'nope'" in unknown.stderr
    # A bad file at a revision is named as REV:path.
    (specs / "demo" / "2020-01-01" / "CreateWidget.yaml").write_text("action: [", encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "broken")
    broken = run_codegen("diff", "--git", "HEAD~1..HEAD", str(specs), cwd=tmp_path)
    assert broken.returncode == 2
    assert "HEAD:api/specs/demo/2020-01-01/CreateWidget.yaml:" in broken.stderr


def test_tencent_format_folders(tmp_path: Path) -> None:
    source = ROOT / "tests" / "fixtures" / "tencent" / "demo" / "v20200101"
    old, new = tmp_path / "old" / "demo" / "v20200101", tmp_path / "new" / "demo" / "v20200101"
    for folder in (old, new):
        folder.mkdir(parents=True)
        for name in ("api.json", "errors.json"):
            (folder / name).write_bytes((source / name).read_bytes())
    api = json.loads((new / "api.json").read_text("utf-8"))
    removed = sorted(api["actions"])[0]
    del api["actions"][removed]
    (new / "api.json").write_text(json.dumps(api), encoding="utf-8")
    # examples.json does not shape the API: a change there is no change.
    (new / "examples.json").write_text("{}", encoding="utf-8")
    result = run_codegen(
        "diff", "--from", "tencentcloud", str(tmp_path / "old"), str(tmp_path / "new"), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    kinds = {(c["kind"], c["subject"]) for c in json.loads(result.stdout)["changes"]}
    assert ("action_removed", removed) in kinds


@pytest.mark.parametrize(
    "change, kind",
    [
        ({"success": ["done"]}, "waiter_changed"),
        ({"status": "Widgets[].Tags"}, None),  # a list is no state: the new side is refused
        ({"timeout": 60}, "waiter_defaults_changed"),
        (None, "waiter_removed"),
    ],
)
def test_waiter_changes(tmp_path: Path, change: dict[str, Any] | None, kind: str | None) -> None:
    old_docs, new_docs = _base(), _base()
    old_docs["CreateWidget.yaml"]["waiter"] = dict(WAITER)
    if change is not None:
        new_docs["CreateWidget.yaml"]["waiter"] = {**WAITER, **change}
    old = _write(tmp_path / "old", old_docs)
    new = _write(tmp_path / "new", new_docs)
    if kind is None:
        with pytest.raises(SpecError, match="is a list: write Tags"):
            changed_surfaces(folder_side(old, "specs"), folder_side(new, "specs"))
        return
    changes = diff_surfaces(*changed_surfaces(folder_side(old, "specs"), folder_side(new, "specs")))
    assert _found(changes) == {(kind, "DemoClient.wait_for_create_widget")}
    assert KINDS[kind] == ("compatible" if kind == "waiter_defaults_changed" else "breaking")
