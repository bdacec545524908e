"""Specs full of names and text that break careless generators (tests/fixtures/edge)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from ..conftest import ROOT
from ..golden import check_golden


@pytest.mark.slow
def test_edge_output_passes_mypy_strict(edge_package: Path) -> None:
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "edgepkg"],
        cwd=edge_package,
        capture_output=True,
        text=True,
    )
    assert mypy.returncode == 0, mypy.stdout


def test_edge_output_is_black_clean(edge_package: Path) -> None:
    black = subprocess.run(
        [sys.executable, "-m", "black", "--check", "-q", "edgepkg"], cwd=edge_package, capture_output=True, text=True
    )
    assert black.returncode == 0, black.stderr


@pytest.mark.golden
def test_edge_output_matches_the_golden_record(edge_package: Path) -> None:
    # The runtime modules are the templates/runtime files behind a header,
    # the same for every package: generated/ --check covers them, so the
    # record holds what the edge specs decide (tests/golden/edge/).
    folder = ROOT / "templates" / "runtime"
    runtime = {f"edgepkg/common/{p.relative_to(folder).as_posix()}" for p in folder.rglob("*.py")}
    files = {
        path.relative_to(edge_package).as_posix(): path.read_bytes().decode("utf-8")
        for path in sorted((edge_package / "edgepkg").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert runtime & files.keys(), "no runtime module found to leave out"
    check_golden("edge", {name: text for name, text in files.items() if name not in runtime})


def test_keywords_builtins_and_case_collisions(edge_package: Path) -> None:
    from edgepkg.demo.v20200101 import models

    request = models.DoThingsRequest(
        from_="a", app_id="x", app_id_2="y", match_="m", list_=["l"], int_=1, str_="s", bool_=True, float_=1.5, none="n"
    )
    wire = json.loads(msgspec.json.encode(request))
    assert wire == {
        "From": "a",
        "AppID": "x",
        "AppId": "y",
        "Match": "m",
        "List": ["l"],
        "Int": 1,
        "Str": "s",
        "Bool": True,
        "Float": 1.5,
        "None": "n",
    }
    assert msgspec.json.decode(msgspec.json.encode(request), type=models.DoThingsRequest) == request


def test_self_referencing_and_cyclic_types(edge_package: Path) -> None:
    from edgepkg.demo.v20200101 import models

    body = {
        "Response": {
            "Tree": {"Name": "r", "Children": [{"Name": "c", "Children": [{"Name": "g"}]}], "Parent": None},
            "Cycle": {"Pong": {"Ping": {"Pong": {"Values": [1.5]}}}},
            "RequestId": "q",
        }
    }
    response = models.DoThingsResponse.from_envelope(json.dumps(body))
    assert response.tree is not None and response.tree.children is not None
    grandchild = response.tree.children[0].children
    assert grandchild is not None and grandchild[0].name == "g"
    assert response.cycle is not None and response.cycle.pong is not None


def test_example_with_uint64_max_and_lax_numbers_round_trips(edge_package: Path) -> None:
    from edgepkg.demo.v20200101 import models

    request = models.DoThingsRequest(from_="a", app_id="x", big=18446744073709551615)
    assert b'"Big":18446744073709551615' in msgspec.json.encode(request)
    response = models.DoThingsResponse.from_envelope(
        b'{"Response": {"Count": "12", "Nullable": null, "RequestId": "r"}}'
    )
    assert response.count == 12 and response.nullable is None


def test_hostile_documentation_stays_documentation(edge_package: Path) -> None:
    from edgepkg.demo.v20200101 import client, errors, models

    assert models.Node.__doc__ == "A tree node that refers to itself."
    assert models.DoThingsRequest.__doc__ is not None
    assert "Deprecated" in models.DoThingsRequest.__doc__
    method_doc = client.DemoClient.do_things.__doc__
    assert method_doc is not None
    assert '"""double"""' in method_doc and "{{ jinja }}" in method_doc
    source = Path(models.__file__).read_text()
    assert "\u2028" not in source and "\x00" not in source and "\u200f" not in source
    assert errors.DoThingsErrorCode.INVALID_PARAMETER == "InvalidParameter."
    assert errors.DoThingsErrorCode.FAILED_OPERATION_THING == "FailedOperation.Thing"
    assert errors.DoThingsErrorCode.FAILED_OPERATION_THING_2 == "FailedOperation.thing"
    # A common code the action lists again is the common enum's only.
    assert not [m for m in errors.DoThingsErrorCode if m.value == "InternalError"]


def test_an_action_without_codes_of_its_own_types_common_codes(edge_package: Path) -> None:
    from edgepkg.common.errors import CommonErrorCode, InternalError, TencentCloudError
    from edgepkg.demo.v20200101 import errors, models

    assert len(errors.DescribeThingsErrorCode) == 0  # every code it lists is a common one
    cases = (
        ("InternalError", CommonErrorCode.INTERNAL_ERROR, InternalError),
        ("Brand.New", "Brand.New", TencentCloudError),
    )
    for code, expected, exception in cases:
        body = {"Response": {"Error": {"Code": code, "Message": "m"}, "RequestId": "r"}}
        with pytest.raises(TencentCloudError) as caught:
            models.DescribeThingsResponse.from_envelope(body)
        assert type(caught.value) is exception
        assert caught.value.code == expected and type(caught.value.code) is type(expected)
