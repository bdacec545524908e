"""``codegen diff`` on the real Tencent corpus: against itself, and against an edited copy.

The copy lives in a temporary folder and is edited there; nothing of the
corpus enters the repository.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ..conftest import SHARED, run_codegen

CORPUS = SHARED / "tencentcloud-api"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/tencentcloud-api is absent (CI fails on that)"),
]

Edit = Callable[[dict[str, Any], dict[str, Any]], set[tuple[str, str]]]


def _members(api: dict[str, Any], action: str, side: str) -> list[dict[str, Any]]:
    members: list[dict[str, Any]] = api["objects"][api["actions"][action][side]]["members"]
    return members


def _member(api: dict[str, Any], action: str, side: str, name: str) -> dict[str, Any]:
    return next(m for m in _members(api, action, side) if m["name"] == name)


def _remove_action(api: dict[str, Any], errors: dict[str, Any]) -> set[tuple[str, str]]:
    del api["actions"]["DismissRoom"]  # its objects reach no shared type
    return {("action_removed", "DismissRoom")}


def _request_changes(api: dict[str, Any], errors: dict[str, Any]) -> set[tuple[str, str]]:
    members = _members(api, "RemoveUser", "input")
    members.insert(2, {"name": "Reason", "type": "string", "member": "string", "required": True, "document": "Why."})
    _member(api, "DescribeRoomInfo", "input", "RoomId")["required"] = True
    _member(api, "DescribeRoomInfo", "input", "SdkAppId")["required"] = False
    _members(api, "DescribeUserInfo", "input").append(
        {"name": "Detail", "type": "bool", "member": "bool", "required": False, "document": "More."}
    )
    _member(api, "DescribeUserInfo", "input", "CommId")["type"] = "int"
    _member(api, "DescribeUserInfo", "input", "CommId")["member"] = "int64"
    _member(api, "DescribeUserInfo", "input", "UserIds")["type"] = "string"
    return {
        ("request_field_added_required", "RemoveUser"),
        ("request_field_made_required", "DescribeRoomInfo"),
        ("request_field_made_optional", "DescribeRoomInfo"),
        ("request_field_added", "DescribeUserInfo"),
        ("field_type_changed", "DescribeUserInfo"),
    }


def _response_changes(api: dict[str, Any], errors: dict[str, Any]) -> set[tuple[str, str]]:
    members = _members(api, "DescribeRoomInfo", "output")
    total = _member(api, "DescribeRoomInfo", "output", "Total")
    total["value_allowed_null"] = True
    members.insert(0, {"name": "Cursor", "type": "string", "member": "string", "document": "Next page."})
    user_total = _member(api, "DescribeUserInfo", "output", "Total")
    user_total["name"] = "TOTAL"  # same Python name, another wire name
    return {
        ("response_field_made_nullable", "DescribeRoomInfo"),
        ("response_field_added", "DescribeRoomInfo"),
        ("field_renamed", "DescribeUserInfo"),
    }


def _status_and_docs(api: dict[str, Any], errors: dict[str, Any]) -> set[tuple[str, str]]:
    api["actions"]["RemoveUserByStrRoomId"]["status"] = "deprecated"
    api["actions"]["DescribeCallDetailInfo"]["document"] += " Edited."
    _member(api, "DismissRoomByStrRoomId", "input", "RoomId")["disabled"] = True
    codes = errors["actions"]["RemoveUser"]
    dropped = next(c for c in codes if not c.startswith(("InternalError", "AuthFailure")) or "." in c)
    codes.remove(dropped)
    errors["actions"]["DismissRoomByStrRoomId"].append("ResourceUnavailable.EditedForTest")
    errors["codes"]["ResourceUnavailable.EditedForTest"] = "A code added by the test."
    return {
        ("action_deprecated", "RemoveUserByStrRoomId"),
        ("documentation_changed", "DescribeCallDetailInfo"),
        ("field_deprecated", "DismissRoomByStrRoomId"),
        # The importer notes a disabled member in its description too.
        ("documentation_changed", "DismissRoomByStrRoomId"),
        ("error_code_removed", "RemoveUser"),
        ("error_code_added", "DismissRoomByStrRoomId"),
    }


def _types(api: dict[str, Any], errors: dict[str, Any]) -> set[tuple[str, str]]:
    # UserInformation stays reachable from DescribeUserInfo; RoomState already is.
    _member(api, "DescribeCallDetailInfo", "output", "UserList")["member"] = "RoomState"
    # ServerPushText is reached from this one member only.
    members = _members(api, "ControlAIConversation", "input")
    members.remove(_member(api, "ControlAIConversation", "input", "ServerPushText"))
    api["actions"]["RemoveUserAgain"] = dict(api["actions"]["RemoveUser"])
    return {
        ("field_type_changed", "DescribeCallDetailInfo"),
        ("field_removed", "ControlAIConversation"),
        ("type_removed", "ServerPushText"),
        ("action_added", "RemoveUserAgain"),
    }


def _retry_safety(api: dict[str, Any], errors: dict[str, Any]) -> set[tuple[str, str]]:
    members = _members(api, "CreateLoadBalancer", "input")
    members.remove(next(m for m in members if m["name"] == "ClientToken"))
    return {("retry_safety_lost", "CreateLoadBalancer"), ("field_removed", "CreateLoadBalancer")}


EDITS: dict[str, list[Edit]] = {
    "trtc/v20190722": [_remove_action, _request_changes, _response_changes, _status_and_docs, _types],
    "clb/v20230417": [_retry_safety],
}


def _copy(target: Path) -> None:
    shutil.copytree(CORPUS, target, copy_function=shutil.copyfile)
    for folder, _, _ in os.walk(target):
        os.chmod(folder, 0o755)  # the corpus is read-only; the copy gets edited


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[tuple[str, str, str]]]:
    root = tmp_path_factory.mktemp("corpus") / "tencentcloud-api"
    _copy(root)
    expected: set[tuple[str, str, str]] = set()
    for folder, edits in EDITS.items():
        api_path, errors_path = root / folder / "api.json", root / folder / "errors.json"
        api, errors = json.loads(api_path.read_text("utf-8")), json.loads(errors_path.read_text("utf-8"))
        service = api["metadata"]["serviceShortName"]
        for edit in edits:
            expected |= {(service, kind, subject) for kind, subject in edit(api, errors)}
        api_path.write_text(json.dumps(api, ensure_ascii=False), encoding="utf-8")
        errors_path.write_text(json.dumps(errors, ensure_ascii=False), encoding="utf-8")
    # A service version replaced by a newer one.
    advisor = root / "advisor" / "v20200721"
    api = json.loads((advisor / "api.json").read_text("utf-8"))
    api["metadata"]["apiVersion"] = "2099-01-01"
    (advisor / "api.json").write_text(json.dumps(api, ensure_ascii=False), encoding="utf-8")
    advisor.rename(root / "advisor" / "v20990101")
    expected |= {("advisor", "service_version_removed", ""), ("advisor", "service_version_added", "")}
    return root, expected


def test_the_corpus_against_itself_has_no_change() -> None:
    result = run_codegen("diff", "--from", "tencentcloud", str(CORPUS), str(CORPUS), "--fail-on", "any")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "codegen diff: no API changes\n"


def test_an_edited_copy_shows_exactly_its_edits(edited: tuple[Path, set[tuple[str, str, str]]]) -> None:
    root, expected = edited
    result = run_codegen("diff", "--from", "tencentcloud", str(CORPUS), str(root), "--format", "json")
    assert result.returncode == 0, result.stderr
    changes = json.loads(result.stdout)["changes"]
    assert {(c["service"], c["kind"], c["subject"]) for c in changes} == expected
    # Every change is one line, with the Python names users see.
    text = run_codegen("diff", "--from", "tencentcloud", str(CORPUS), str(root), "--fail-on", "breaking")
    assert text.returncode == 1
    assert "  BREAKING    DismissRoom: action removed (TrtcClient.dismiss_room)" in text.stdout
    assert "  BREAKING    CreateLoadBalancer: no longer safe to retry" in text.stdout
    assert text.stdout.splitlines()[-1].startswith("codegen diff: ")
