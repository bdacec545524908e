"""The spec schema's patterns match in full (issue 22, item 4): jsonschema
searches with Python's ``re``, whose final ``$`` also matches before a
trailing newline, so ``endpoint: "x\\n"`` used to reach the generated code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.diagnostics import SpecError
from codegen.loader import load_specs, spec_schema

from ..spec_helpers import ACTION, SERVICE, write_specs


def _patterns(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield where, value
            else:
                yield from _patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _patterns(value, f"{where}/{index}")


PATTERNS = sorted(_patterns(spec_schema()))


def test_the_schema_has_the_patterns_this_file_checks() -> None:
    assert len(PATTERNS) == 8, PATTERNS


@pytest.mark.parametrize(("where", "pattern"), PATTERNS, ids=[where for where, _ in PATTERNS])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_every_pattern_refuses_a_trailing_newline(where: str, pattern: str, data: st.DataObject) -> None:
    written = pattern.removesuffix("(?!\\n)")  # the pattern as people read it
    value = data.draw(st.from_regex(written, fullmatch=True).filter(lambda v: "\n" not in v))
    validator = jsonschema.Draft202012Validator({"type": "string", "pattern": pattern})
    assert validator.is_valid(value)
    for hostile in (value + "\n", value + "\n\n", "\n" + value):
        assert not validator.is_valid(hostile), (where, hostile)
    assert re.fullmatch(written, value)


@pytest.mark.parametrize(
    ("files", "place"),
    [
        (
            {
                "demo/2020-01-01/service.yaml": SERVICE.replace(
                    "endpoint: demo.tencentcloudapi.com", 'endpoint: "demo.tencentcloudapi.com\\n"'
                )
            },
            "endpoint",
        ),
        (
            {"demo/2020-01-01/service.yaml": SERVICE.replace('version: "2020-01-01"', 'version: "2020-01-01\\n"')},
            "version",
        ),
        ({"demo/2020-01-01/service.yaml": SERVICE.replace("service: demo", 'service: "demo\\n"')}, "service"),
        ({"common/errors.yaml": 'errors:\n  "InternalError\\n": Internal error.\n'}, "errors"),
        (
            {
                "demo/2020-01-01/Ping.yaml": ACTION.format(name="Ping").replace(
                    "Id: {type: string}", 'Id: {$ref: "#/types/Id\\n"}'
                )
            },
            "$ref",
        ),
        (
            {
                "demo/2020-01-01/Ping.yaml": ACTION.format(name="Ping").replace(
                    "Id: {type: string}", '"Id\\n": {type: string}'
                )
            },
            "properties",
        ),
    ],
    ids=["endpoint", "version", "service", "error code", "$ref", "property name"],
)
def test_a_spec_value_with_a_trailing_newline_is_refused(tmp_path: Path, files: dict[str, str], place: str) -> None:
    specs = write_specs(tmp_path, files)
    with pytest.raises(SpecError) as raised:
        load_specs(specs)
    assert any(place in str(problem) for problem in raised.value.diagnostics), raised.value.diagnostics
