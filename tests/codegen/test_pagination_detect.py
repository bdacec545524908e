"""Detection of paged list actions (codegen.pagination) and the spec's pagination block."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from codegen.diagnostics import SpecError
from codegen.importers.tencent_api import load_folder
from codegen.pagination import detect
from codegen.pipeline import load_project

from ..conftest import SHARED
from ..golden import check_golden
from ..spec_helpers import write_specs

CORPUS = SHARED / "tencentcloud-api"

INT = {"type": "integer"}
STR = {"type": "string"}
ITEMS = {"type": "array", "items": {"$ref": "#/types/Thing"}}


def action(request: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    return {"action": "ListThings", "request": {"properties": request}, "response": {"properties": response}}


@pytest.mark.parametrize(
    "request_fields, response_fields, expected",
    [
        (
            {"Offset": INT, "Limit": INT},
            {"TotalCount": INT, "ThingSet": ITEMS},
            {"style": "offset", "offset": "Offset", "limit": "Limit", "items": "ThingSet", "total": "TotalCount"},
        ),
        (
            {"Offset": INT, "Limit": INT},
            {"Things": ITEMS},
            {"style": "offset", "offset": "Offset", "limit": "Limit", "items": "Things"},
        ),
        (
            {"PageNumber": INT, "PageSize": INT},
            {"Total": INT, "Things": ITEMS},
            {
                "style": "page",
                "page": "PageNumber",
                "limit": "PageSize",
                "first_page": 1,
                "items": "Things",
                "total": "Total",
            },
        ),
        (
            {"PageIndex": {**INT, "description": "Page number, starting from 0."}, "Limit": INT},
            {"Things": ITEMS},
            {"style": "page", "page": "PageIndex", "limit": "Limit", "first_page": 0, "items": "Things"},
        ),
        (
            {"PageNo": {**INT, "description": "The default is 0."}, "PerPage": INT},
            {"TotalCnt": INT, "Things": ITEMS},
            {
                "style": "page",
                "page": "PageNo",
                "limit": "PerPage",
                "first_page": 0,
                "items": "Things",
                "total": "TotalCnt",
            },
        ),
        (
            {"NextToken": STR},
            {"Things": ITEMS, "NextToken": STR},
            {"style": "token", "token": "NextToken", "items": "Things", "next_token": "NextToken"},
        ),
        (
            {"Marker": STR},
            {"Things": ITEMS, "NextMarker": STR},
            {"style": "token", "token": "Marker", "items": "Things", "next_token": "NextMarker"},
        ),
    ],
    ids=["offset-total", "offset", "page", "page-from-0", "page-default-0", "token", "next-marker"],
)
def test_detected_styles(
    request_fields: dict[str, Any], response_fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    found = detect(action(request_fields, response_fields))
    assert found.reason == "" and found.block == expected


@pytest.mark.parametrize(
    "request_fields, response_fields, reason",
    [
        ({"Offset": STR, "Limit": STR}, {"Things": ITEMS}, "Offset and Limit are not both integers"),
        ({"Offset": INT, "Limit": INT}, {"TotalCount": INT}, "the response has no list"),
        (
            {"Offset": INT, "Limit": INT},
            {"A": ITEMS, "B": ITEMS},
            "the response has 2 lists (A, B): which one pages is unclear",
        ),
        ({"Page": STR, "PageSize": INT}, {"Things": ITEMS}, "Page and PageSize are not both integers"),
        ({"Context": STR}, {"Things": ITEMS}, "the response has no Context or NextContext to continue from"),
        ({"Cursor": INT}, {"Things": ITEMS, "Cursor": INT}, "Cursor is not a string"),
    ],
)
def test_candidates_left_out_say_why(
    request_fields: dict[str, Any], response_fields: dict[str, Any], reason: str
) -> None:
    found = detect(action(request_fields, response_fields))
    assert found.block is None and found.reason == reason and found.style


def test_not_a_list_action() -> None:
    found = detect(action({"InstanceId": STR}, {"Things": ITEMS}))
    assert found.style == "" and found.block is None and found.reason == ""


PAGED = (
    "action: ListThings\nrequest:\n  type: object\n  properties:\n    Offset: {type: integer}\n    Limit: {type: integer}\n"
    "response:\n  type: object\n  properties:\n    Things:\n      type: array\n      items: {type: string}\n"
    "    TotalCount: {type: string}\n"
)


@pytest.mark.parametrize(
    "block, message",
    [
        ("{style: offset, offset: Offset, limit: Limit, items: Things}", ""),
        (
            "{style: offset, offset: Offset, limit: Limit, items: TotalCount}",
            "pagination: items 'TotalCount' is not a list field of the response",
        ),
        (
            "{style: offset, offset: Start, limit: Limit, items: Things}",
            "pagination: offset 'Start' is not a request field",
        ),
        (
            "{style: offset, offset: Offset, limit: Limit, items: Things, total: TotalCount}",
            "pagination: total 'TotalCount' must be int, not str",
        ),
        (
            "{style: offset, offset: Offset, limit: Limit, items: Things, token: Offset}",
            "pagination: 'token' does not go with style 'offset'",
        ),
        ("{style: page, limit: Limit, items: Things}", "pagination: 'page' is a required property"),
    ],
)
def test_the_spec_block_is_checked(tmp_path: Path, block: str, message: str) -> None:
    specs = write_specs(tmp_path, {"demo/2020-01-01/ListThings.yaml": PAGED + f"pagination: {block}\n"})
    if not message:
        (action_ir,) = [a for a in load_project(specs).services[0].actions if a.name == "ListThings"]
        assert action_ir.pagination is not None and action_ir.pagination.iter_method == "iter_list_things"
        return
    with pytest.raises(SpecError) as error:
        load_project(specs)
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.path.endswith("ListThings.yaml") and diagnostic.line == 14
    assert message in diagnostic.message


def test_a_paginator_name_taken_by_another_action(tmp_path: Path) -> None:
    other = PAGED.replace("ListThings", "IterListThings").replace("    TotalCount: {type: string}\n", "")
    specs = write_specs(
        tmp_path,
        {
            "demo/2020-01-01/ListThings.yaml": PAGED
            + "pagination: {style: offset, offset: Offset, limit: Limit, items: Things}\n",
            "demo/2020-01-01/IterListThings.yaml": other,
        },
    )
    with pytest.raises(SpecError, match="both become the method 'iter_list_things'"):
        load_project(specs)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/tencentcloud-api is absent (CI fails on that)")
def test_corpus_patterns_are_written_into_the_imported_specs() -> None:
    cvm = load_folder(CORPUS / "cvm" / "v20170312").actions
    assert cvm["DescribeInstances"]["pagination"] == {
        "style": "offset",
        "offset": "Offset",
        "limit": "Limit",
        "items": "InstanceSet",
        "total": "TotalCount",
    }
    assert "pagination" not in cvm["RunInstances"]
    trtc = load_folder(CORPUS / "trtc" / "v20190722").actions
    # Tencent documents PageNumber as defaulting to 0: the pages count from 0.
    assert trtc["DescribeRoomInfo"]["pagination"] == {
        "style": "page",
        "page": "PageNumber",
        "limit": "PageSize",
        "first_page": 0,
        "items": "RoomList",
        "total": "Total",
    }


@pytest.mark.slow
@pytest.mark.golden
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/tencentcloud-api is absent (CI fails on that)")
def test_paginators_of_the_whole_corpus_match_the_record() -> None:
    """Every action of the corpus that gets a paginator, with its block
    (tests/golden/corpus-pagination/): a change of the detection rules shows
    as the actions it gains or loses."""
    styles: Counter[str] = Counter()
    lines = []
    actions = 0
    for folder in sorted(CORPUS.glob("*/*/api.json")):
        imported = load_folder(folder.parent)
        for name, doc in sorted(imported.actions.items()):
            actions += 1
            block = doc.get("pagination")
            if block is None:
                continue
            styles[f"{block['style']}, {'with a total' if 'total' in block else 'no total'}"] += 1
            fields = " ".join(f"{key}={value}" for key, value in block.items() if key != "style")
            lines.append(f"{imported.folder} {name}: {block['style']} {fields}\n")
    counts = [f"{style}: {count}\n" for style, count in sorted(styles.items())]
    summary = f"{actions} actions; {sum(styles.values())} get a paginator\n" + "".join(counts) + "\n" + "".join(lines)
    check_golden("corpus-pagination", {"paginators.txt": summary})


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/tencentcloud-api is absent (CI fails on that)")
def test_import_writes_the_block_and_generate_from_tencentcloud_uses_it(tmp_path: Path) -> None:
    from ..conftest import run_codegen

    source = CORPUS / "cvm" / "v20170312"
    result = run_codegen(
        "import",
        "tencentcloud",
        "--api",
        str(source / "api.json"),
        "--out",
        str(tmp_path / "specs"),
        "--actions",
        "DescribeInstances",
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "specs" / "cvm" / "2017-03-12" / "DescribeInstances.yaml").read_text("utf-8")
    assert (
        "pagination:\n  style: offset\n  offset: Offset\n  limit: Limit\n  items: InstanceSet\n  total: TotalCount\n"
        in text
    )
    out = tmp_path / "out"
    result = run_codegen(
        "generate", "--from", "tencentcloud", str(source), "--actions", "DescribeInstances", "--out", str(out), "-q"
    )
    assert result.returncode == 0, result.stderr
    client = (out / "tcsdk" / "cvm" / "v20170312" / "client.py").read_text("utf-8")
    assert "def iter_describe_instances(" in client and "-> Iterator[_models.Instance]:" in client
    assert "def pages_describe_instances(" in client and "-> Iterator[_models.DescribeInstancesResponse]:" in client
    aio = (out / "tcsdk" / "cvm" / "v20170312" / "aio.py").read_text("utf-8")
    assert "-> AsyncIterator[_models.DescribeInstancesResponse]:" in aio
