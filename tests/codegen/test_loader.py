import functools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from codegen.diagnostics import SpecError
from codegen.loader import _validator, load_specs, spec_schema

from ..spec_helpers import write_specs


def errors_of(root: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_specs(root)
    return [str(d) for d in caught.value.diagnostics]


def test_valid_tree_loads_every_file(tmp_path: Path) -> None:
    documents = load_specs(write_specs(tmp_path, actions=("Ping", "Pong")))
    assert [d.kind for d in documents] == ["errors_file", "action_file", "action_file", "service_file"]


def test_yaml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    write_specs(tmp_path, {"demo/2020-01-01/Ping.yaml": "action: Ping\nrequest: [unclosed\n"})
    (message,) = errors_of(tmp_path)
    assert message.startswith(f"{tmp_path.as_posix()}/demo/2020-01-01/Ping.yaml:3:1: invalid YAML")


def test_schema_violation_points_at_the_value(tmp_path: Path) -> None:
    bad = (
        "action: Ping\nrequest:\n  type: object\n  properties:\n    Id:\n      type: strng\n"
        "response: {type: object, properties: {}}\n"
    )
    write_specs(tmp_path, {"demo/2020-01-01/Ping.yaml": bad})
    (message,) = errors_of(tmp_path)
    assert "Ping.yaml:6:13:" in message
    assert "request/properties/Id/type" in message


def test_every_problem_of_every_file_is_reported(tmp_path: Path) -> None:
    write_specs(
        tmp_path,
        {
            "demo/2020-01-01/Ping.yaml": "action: Ping\n",
            "demo/2020-01-01/Pong.yaml": "action: [\n",
            "demo/2020-01-01/Empty.yaml": "",
        },
    )
    messages = errors_of(tmp_path)
    assert any("Ping.yaml" in m and "'request' is a required property" in m for m in messages)
    assert any("Ping.yaml" in m and "'response' is a required property" in m for m in messages)
    assert any("Pong.yaml" in m and "invalid YAML" in m for m in messages)
    assert any("Empty.yaml:1:1: the file is empty" in m for m in messages)


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    write_specs(tmp_path, {"demo/2020-01-01/service.yaml": "service: demo\nservice: demo\n"})
    (message,) = errors_of(tmp_path)
    assert "service.yaml:2:1: duplicate key 'service'" in message


def test_unquoted_version_is_caught_by_the_schema(tmp_path: Path) -> None:
    write_specs(tmp_path, {"demo/2020-01-01/service.yaml": "service: demo\nversion: 2020-01-01\nendpoint: x\n"})
    (message,) = errors_of(tmp_path)
    assert "service.yaml:2:10: version:" in message


def test_missing_folder_and_the_common_error_table(tmp_path: Path) -> None:
    assert "spec folder not found" in errors_of(tmp_path / "nope")[0]
    # A folder's own common/errors.yaml is the table; without one, the shipped table is.
    write_specs(tmp_path)
    (own,) = [d for d in load_specs(tmp_path) if d.kind == "errors_file"]
    assert list(own.data["errors"]) == ["InternalError", "AuthFailure.SignatureFailure"]
    (tmp_path / "common" / "errors.yaml").unlink()
    (shipped,) = [d for d in load_specs(tmp_path) if d.kind == "errors_file"]
    assert shipped.path == "codegen/common_errors.yaml" and len(shipped.data["errors"]) > 20
    # A broken table of the folder's own is an error, not replaced by the shipped one.
    write_specs(tmp_path, {"common/errors.yaml": "errors: [\n"})
    assert errors_of(tmp_path)[0].startswith(f"{tmp_path.as_posix()}/common/errors.yaml:2:1: invalid YAML")


def test_schema_ships_inside_the_package() -> None:
    schema = spec_schema()
    assert {"action_file", "service_file", "errors_file"} <= set(schema["$defs"])


def test_default_specs_are_valid() -> None:
    root = Path(__file__).resolve().parents[2] / "specs"
    documents = load_specs(root)
    assert sum(d.kind == "action_file" for d in documents) == 9


def _errors(validator: Any, data: Any) -> list[tuple[str, str, str]]:
    found = [("/".join(map(str, e.absolute_path)), str(e.validator), e.message) for e in validator.iter_errors(data)]
    return sorted(found)


def _places(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON-like value: mapping keys and list indexes."""
    found = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _places(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _places(value, (*at, index))
    return found


def _replaced(node: Any, at: tuple[Any, ...], value: Any) -> Any:
    if not at:
        return value
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[at[0]] = _replaced(node[at[0]], at[1:], value)
    return copy


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["", "Id", "1bad", "x" * 130, "#/types/Room", "array"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["type", "$ref", "items", "properties", "Bad-Key", "required"]), inner, max_size=3
        )
    ),
    max_leaves=6,
)


@functools.cache
def _default_documents() -> list[Any]:
    return load_specs(Path(__file__).resolve().parents[2] / "specs")


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_inlined_schema_reports_what_the_schema_with_references_does(data: st.DataObject) -> None:
    """The validator runs on a copy of the schema with its $refs inlined (faster); on any
    document, valid or not, it must find the same problems as the schema as written."""
    import jsonschema

    document = data.draw(st.sampled_from(_default_documents()))
    place = data.draw(st.sampled_from(_places(document.data)))
    mutated = _replaced(document.data, place, data.draw(_JSON))
    reference = jsonschema.Draft202012Validator({**spec_schema(), "$ref": f"#/$defs/{document.kind}"})
    found = _errors(_validator(document.kind), mutated)
    assert found == _errors(reference, mutated)
    event("problems found" if found else "valid")
