"""Answers that disagree with their response model: decoded tolerantly by
default (nothing lost, every difference recorded in ``response.meta``),
refused with the whole body and the differences when strict."""

from __future__ import annotations

import importlib
import json
import logging
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import GENERATED, run_codegen
from ..spec_helpers import write_specs

# --- a small service with deep, recursive and nested-list response types ------

NESTED_SERVICE = """\
service: demo
version: "2020-01-01"
endpoint: demo.tencentcloudapi.com
types:
  Node:
    type: object
    properties:
      Name: {type: string}
      Children: {type: array, items: {$ref: "#/types/Node"}}
      Parent: {$ref: "#/types/Node"}
  Level1:
    type: object
    properties:
      Level2: {$ref: "#/types/Level2"}
  Level2:
    type: object
    properties:
      Items: {type: array, items: {$ref: "#/types/Level3"}}
  Level3:
    type: object
    properties:
      Level4: {$ref: "#/types/Level4"}
  Level4:
    type: object
    required: [Zone]
    properties:
      Zone: {type: string}
      Size: {type: integer, format: int64}
      Ratio: {type: number}
      Enabled: {type: boolean}
      Tags: {type: array, items: {type: string}}
"""
NESTED_ACTION = """\
action: DescribeTree
summary: Describe a tree.
request:
  type: object
  properties: {}
response:
  type: object
  properties:
    Root: {$ref: "#/types/Node"}
    Deep: {$ref: "#/types/Level1"}
    Matrix: {type: array, items: {type: array, items: {type: integer}}}
    Flags: {type: array, items: {type: boolean}, nullable: true}
    Count: {type: integer}
    SecretKey: {type: string}
"""


@pytest.fixture(scope="module")
def nested(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The models module of the small service above, as package ``tolerantpkg``."""
    root = tmp_path_factory.mktemp("tolerant")
    write_specs(
        root / "specs",
        {"demo/2020-01-01/service.yaml": NESTED_SERVICE, "demo/2020-01-01/DescribeTree.yaml": NESTED_ACTION},
        actions=(),
    )
    result = run_codegen(
        "generate", "--specs", str(root / "specs"), "--out", str(root / "out"), "--package", "tolerantpkg", "-q"
    )
    assert result.returncode == 0, result.stderr
    sys.path.insert(0, str(root / "out"))
    importlib.invalidate_caches()
    yield importlib.import_module("tolerantpkg.demo.v20200101.models")
    sys.path.remove(str(root / "out"))


@pytest.fixture(autouse=True)
def fresh_warnings(generated_on_path: Path) -> None:
    """Forget which places have been warned about, so every test sees its warnings."""
    importlib.import_module("tcsdk.common.tolerant_report")._LOGGED.clear()


def parse(cls: Any, body: Any, strict: bool = False) -> Any:
    return cls.from_envelope(json.dumps(body).encode() if isinstance(body, dict) else body, strict=strict)


def deviations(response: Any) -> dict[str, Any]:
    return {d.path: d for d in response.meta.deviations}


def both_forms(cls: Any, body: dict[str, Any], strict: bool = False) -> list[Any]:
    """The same answer parsed from bytes, str and an already decoded dict."""
    text = json.dumps(body)
    return [cls.from_envelope(form, strict=strict) for form in (text.encode(), text, json.loads(text))]


# --- each kind of deviation, tolerant and strict ---------------------------------


def test_matching_answers_record_nothing(generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models

    body = {"Response": {"TotalCount": "2", "InstanceStatusSet": [{"InstanceId": "i", "Extra": 1}], "RequestId": "r"}}
    for response in both_forms(models.DescribeInstancesStatusResponse, body) + both_forms(
        models.DescribeInstancesStatusResponse, body, True
    ):
        assert response.total_count == 2  # numbers sent as strings are the lax policy, not a deviation
        assert response.meta.deviations == ()


def test_scalars_of_the_wrong_type(generated_on_path: Path) -> None:
    from tcsdk.common.model import Deviation
    from tcsdk.cvm.v20170312 import models

    body = {
        "Response": {
            "TotalCount": "many",
            "InstanceStatusSet": [
                {"InstanceId": 12345678901234567890123, "InstanceState": True},
                {"InstanceId": 1.5, "InstanceState": {"Name": "RUNNING"}},
            ],
            "RequestId": 42,
        }
    }
    for response in both_forms(models.DescribeInstancesStatusResponse, body):
        assert response.request_id == "42"
        assert response.total_count == "many"
        first, second = response.instance_status_set
        assert (first.instance_id, first.instance_state) == ("12345678901234567890123", "true")
        assert second.instance_id == "1.5"
        assert second.instance_state == {"Name": "RUNNING"}
        assert response.meta.deviations == (
            Deviation("RequestId", "str", 42, "42", True),
            Deviation("TotalCount", "int", "many", "many"),
            Deviation(
                "InstanceStatusSet[0].InstanceId", "str", 12345678901234567890123, "12345678901234567890123", True
            ),
            Deviation("InstanceStatusSet[0].InstanceState", "str", True, "true", True),
            Deviation("InstanceStatusSet[1].InstanceId", "str", 1.5, "1.5", True),
            Deviation("InstanceStatusSet[1].InstanceState", "str", {"Name": "RUNNING"}, {"Name": "RUNNING"}),
        )
    with pytest.raises(Exception) as caught:
        parse(models.DescribeInstancesStatusResponse, body, strict=True)
    assert "TotalCount" in str(caught.value) or "RequestId" in str(caught.value)


def test_list_object_and_scalar_swapped(generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models
    from tcsdk.trtc.v20190722 import models as trtc

    # One object where a list is expected: a one-element list, recorded.
    single = {"Response": {"InstanceStatusSet": {"InstanceId": "i", "InstanceState": 7}, "RequestId": "r"}}
    for response in both_forms(models.DescribeInstancesStatusResponse, single):
        assert response.instance_status_set == [models.InstanceStatus(instance_id="i", instance_state="7")]
        found = deviations(response)
        assert found["InstanceStatusSet"].expected == "list[InstanceStatus]"
        assert found["InstanceStatusSet"].value == {"InstanceId": "i", "InstanceState": 7}
        assert found["InstanceStatusSet"].coerced
        assert found["InstanceStatusSet[0].InstanceState"].kept == "7"
    # A scalar where a list is expected, and scalars where objects are expected.
    scalar = {"Response": {"InstanceStatusSet": "ins-1", "RequestId": "r"}}
    response = parse(models.DescribeInstancesStatusResponse, scalar)
    assert response.instance_status_set == ["ins-1"]
    assert set(deviations(response)) == {"InstanceStatusSet", "InstanceStatusSet[0]"}
    assert deviations(response)["InstanceStatusSet[0]"].expected == "InstanceStatus"
    assert not deviations(response)["InstanceStatusSet[0]"].coerced
    # A list where text is expected stays the list.
    listed = {"Response": {"TaskId": ["a", "b"], "Status": [], "RequestId": "r"}}
    response = parse(trtc.DescribeCloudRecordingResponse, listed)
    assert (response.task_id, response.status) == (["a", "b"], [])
    assert [d.path for d in response.meta.deviations] == ["TaskId", "Status"]


def test_nulls_at_every_level(generated_on_path: Path, nested: Any) -> None:
    from tcsdk.cvm.v20170312 import models

    body = {"Response": {"TotalCount": None, "InstanceStatusSet": [None, {"InstanceId": None}], "RequestId": None}}
    for response in both_forms(models.DescribeInstancesStatusResponse, body):
        assert response.request_id is None and response.total_count is None
        assert response.instance_status_set == [None, models.InstanceStatus()]
        assert [(d.path, d.value, d.kept) for d in response.meta.deviations] == [
            ("RequestId", None, None),
            ("InstanceStatusSet[0]", None, None),
        ]
    deep = {
        "Response": {
            "Matrix": [[1, None], None],
            "Flags": None,
            "Deep": {"Level2": {"Items": [{"Level4": {"Zone": None, "Tags": [None]}}]}},
            "RequestId": "r",
        }
    }
    response = parse(nested.DescribeTreeResponse, deep)
    assert response.matrix == [[1, None], None]
    assert response.flags is None  # nullable and optional: no deviation
    level4 = response.deep.level2.items[0].level4
    assert level4.zone is None and level4.tags == [None]
    # Zone is required in requests only: response types never require a field.
    assert sorted(deviations(response)) == ["Deep.Level2.Items[0].Level4.Tags[0]", "Matrix[0][1]", "Matrix[1]"]


def test_absent_required_fields_are_recorded(generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models

    for response in both_forms(models.DescribeInstancesStatusResponse, {"Response": {"TotalCount": 1}}):
        assert response.request_id is None
        (deviation,) = response.meta.deviations
        assert (deviation.path, deviation.expected, deviation.value, deviation.kept) == (
            "RequestId",
            "str",
            msgspec.UNSET,
            None,
        )


def test_unknown_nested_shapes_are_kept_as_they_came(generated_on_path: Path, nested: Any) -> None:
    shapes = {"Root": [{"Name": "a"}], "Count": {"Value": 3, "Unit": ["s"]}, "Deep": "level one", "RequestId": "r"}
    response = parse(nested.DescribeTreeResponse, {"Response": shapes})
    assert response.root == [{"Name": "a"}]
    assert response.count == {"Value": 3, "Unit": ["s"]}
    assert response.deep == "level one"
    assert {path: (d.expected, d.coerced) for path, d in deviations(response).items()} == {
        "Root": ("Node", False),
        "Count": ("int", False),
        "Deep": ("Level1", False),
    }


def test_a_deviation_inside_a_list_of_objects(generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models

    good = [{"InstanceId": f"ins-{n}", "InstanceState": "RUNNING"} for n in range(50)]
    body = {
        "Response": {
            "TotalCount": 51,
            "InstanceStatusSet": [*good, {"InstanceId": 99, "InstanceState": "STOPPED"}],
            "RequestId": "r",
        }
    }
    for response in both_forms(models.DescribeInstancesStatusResponse, body):
        assert len(response.instance_status_set) == 51
        assert all(isinstance(item, models.InstanceStatus) for item in response.instance_status_set)
        assert response.instance_status_set[50] == models.InstanceStatus(instance_id="99", instance_state="STOPPED")
        assert [d.path for d in response.meta.deviations] == ["InstanceStatusSet[50].InstanceId"]
        assert msgspec.to_builtins(response)["InstanceStatusSet"][:50] == good


def test_deep_and_recursive_nesting(generated_on_path: Path, nested: Any) -> None:
    node: dict[str, Any] = {"Name": 0}
    for depth in range(1, 60):
        node = {"Name": f"n{depth}", "Children": [{"Name": "leaf"}, node], "Parent": {"Name": None}}
    body = {
        "Response": {
            "Root": node,
            "Deep": {
                "Level2": {"Items": [{"Level4": {"Zone": "z", "Size": "7", "Ratio": "x", "Enabled": 1, "Tags": "t"}}]}
            },
            "RequestId": "r",
        }
    }
    response = parse(nested.DescribeTreeResponse, body)
    found = deviations(response)
    bottom = "Root" + ".Children[1]" * 59 + ".Name"
    assert found[bottom].kept == "0" and found[bottom].coerced
    walk = response.root
    for _ in range(59):
        assert isinstance(walk.children[0], nested.Node)
        walk = walk.children[1]
    assert walk.name == "0"
    level4 = response.deep.level2.items[0].level4
    assert (level4.size, level4.ratio, level4.enabled, level4.tags) == (7, "x", True, ["t"])
    prefix = "Deep.Level2.Items[0].Level4."
    assert {p.removeprefix(prefix) for p in found if p.startswith("Deep")} == {"Ratio", "Tags"}
    assert found[prefix + "Tags"].kept == ["t"]
    # Nulls of nested parents are fine (every response field is optional).
    assert not [p for p in found if p.endswith("Parent.Name")]


def test_strict_errors_carry_the_body_and_every_deviation(generated_on_path: Path) -> None:
    from tcsdk.common.errors import ResponseShapeError
    from tcsdk.cvm.v20170312 import models

    body = {"Response": {"TotalCount": "many", "InstanceStatusSet": {"InstanceId": 5}, "RequestId": "rid-7"}}
    tolerant = parse(models.DescribeInstancesStatusResponse, body)
    for form in (json.dumps(body).encode(), json.dumps(body), body):
        with pytest.raises(ResponseShapeError) as caught:
            models.DescribeInstancesStatusResponse.from_envelope(form, strict=True)
        error = caught.value
        assert error.body == body
        assert error.deviations == tolerant.meta.deviations
        assert [d.path for d in error.deviations] == [
            "TotalCount",
            "InstanceStatusSet",
            "InstanceStatusSet[0].InstanceId",
        ]
        assert error.request_id == "rid-7"
        assert "TotalCount" in str(error) and "2 more" in str(error)
    # Other shape errors still have the attributes, empty.
    plain = ResponseShapeError("m")
    assert plain.body == {} and plain.deviations == ()


def test_error_envelopes_still_raise_their_typed_error(generated_on_path: Path) -> None:
    from tcsdk.common.errors import FailedOperationError, MissingEnvelopeError
    from tcsdk.trtc.v20190722 import errors, models

    body = {
        "Response": {
            "Error": {"Code": "FailedOperation.RoomNotExist", "Message": "gone"},
            "TaskId": 5,
            "RequestId": None,
        }
    }
    for strict in (False, True):
        for form in (json.dumps(body).encode(), json.dumps(body), body):
            with pytest.raises(FailedOperationError) as caught:
                models.DismissRoomResponse.from_envelope(form, strict=strict)
            assert caught.value.code is errors.DismissRoomErrorCode.FAILED_OPERATION_ROOM_NOT_EXIST
        with pytest.raises(MissingEnvelopeError):
            models.DismissRoomResponse.from_envelope(b'{"Response": [1]}', strict=strict)


def test_meta_stays_out_of_json_and_equality(generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models

    odd = parse(
        models.DescribeInstancesStatusResponse,
        {"Response": {"TotalCount": "3", "InstanceStatusSet": [], "RequestId": 5}},
    )
    plain = parse(
        models.DescribeInstancesStatusResponse,
        {"Response": {"TotalCount": 3, "InstanceStatusSet": [], "RequestId": "5"}},
    )
    assert odd == plain and odd.meta.deviations and not plain.meta.deviations
    assert msgspec.json.encode(odd) == msgspec.json.encode(plain)
    assert "meta" not in repr(odd)


# --- logging ---------------------------------------------------------------------------


def test_a_warning_once_per_action_and_place(generated_on_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from tcsdk.cvm.v20170312 import models
    from tcsdk.trtc.v20190722 import models as trtc

    body = {
        "Response": {"InstanceStatusSet": [{"InstanceId": n} for n in range(5)], "TotalCount": "x", "RequestId": "r"}
    }
    with caplog.at_level(logging.WARNING, logger="tcsdk.common.tolerant"):
        for _ in range(3):
            parse(models.DescribeInstancesStatusResponse, body)
        parse(trtc.DescribeCloudRecordingResponse, {"Response": {"TaskId": 1, "RequestId": "r"}})
        parse(trtc.DeleteCloudRecordingResponse, {"Response": {"TaskId": 1, "RequestId": "r"}})
    records = [r for r in caplog.records if r.name == "tcsdk.common.tolerant"]
    assert all(r.levelno == logging.WARNING for r in records)
    messages = [r.getMessage() for r in records]
    assert len(messages) == 4, messages
    assert sum("InstanceStatusSet[0].InstanceId" in m for m in messages) == 1
    assert sum(m.startswith("DescribeInstancesStatus ") and "TotalCount" in m for m in messages) == 1
    assert sum(m.startswith("DescribeCloudRecording ") for m in messages) == 1
    assert sum(m.startswith("DeleteCloudRecording ") for m in messages) == 1


def test_log_lines_are_bounded_and_hide_secret_fields(
    generated_on_path: Path, nested: Any, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-" + "9" * 40
    body = {"Response": {"SecretKey": {"value": secret}, "Count": "y" * 10_000, "RequestId": "r"}}
    with caplog.at_level(logging.WARNING):
        response = parse(nested.DescribeTreeResponse, body)
    assert response.secret_key == {"value": secret}  # kept, only not shown
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert secret not in text and "SecretKey" in text
    assert all(len(r.getMessage()) < 400 for r in caplog.records)
    with pytest.raises(Exception) as caught:
        parse(nested.DescribeTreeResponse, body, strict=True)
    assert secret not in str(caught.value)


def test_strict_mode_logs_nothing(generated_on_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from tcsdk.common.errors import ResponseShapeError
    from tcsdk.cvm.v20170312 import models

    with caplog.at_level(logging.WARNING), pytest.raises(ResponseShapeError):
        parse(models.DescribeInstancesStatusResponse, {"Response": {"TotalCount": "x", "RequestId": "r"}}, strict=True)
    assert not [r for r in caplog.records if r.name == "tcsdk.common.tolerant"]


def test_importing_models_does_not_import_the_tolerant_decoder() -> None:
    code = (
        "import sys\n"
        "from tcsdk.cvm.v20170312 import models\n"
        'ok = models.DescribeInstancesStatusResponse.from_envelope(b\'{"Response": {"RequestId": "r"}}\')\n'
        "assert 'tcsdk.common.tolerant' not in sys.modules\n"
        'odd = models.DescribeInstancesStatusResponse.from_envelope(b\'{"Response": {"RequestId": 1}}\')\n'
        "assert 'tcsdk.common.tolerant' in sys.modules and odd.request_id == '1'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=GENERATED, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- property tests: random JSON into every response model of the default specs --------


def response_models() -> list[type[Any]]:
    sys.path.insert(0, str(GENERATED))
    try:
        found = []
        for name in ("tcsdk.cvm.v20170312.models", "tcsdk.trtc.v20190722.models"):
            module = importlib.import_module(name)
            found += [getattr(module, n) for n in module.__all__ if n.endswith("Response")]
        return found
    finally:
        sys.path.remove(str(GENERATED))


RESPONSES = response_models()
LAX_TEXTS = ["1", "-0", "2.5", "1e3", "007", " 1", "true", "False", "null", "nan", "", "ins-1"]
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(LAX_TEXTS)
)
json_keys = st.text(max_size=6).filter(lambda k: k != "Error")
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(json_keys, inner, max_size=3),
    max_leaves=12,
)


def strip_optional(tp: Any) -> Any:
    if get_origin(tp) is Union or type(tp).__name__ == "UnionType":
        others = [a for a in get_args(tp) if a is not type(None)]
        return others[0] if len(others) == 1 else tp
    return tp


def value_for(tp: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """A value that fits ``tp`` or, as often, any JSON value."""
    tp = strip_optional(tp)
    if depth > 3:
        return json_values
    if tp is str:
        fitting: st.SearchStrategy[Any] = st.text(max_size=8)
    elif tp is int:
        fitting = st.integers(min_value=-(2**63), max_value=2**64 - 1)
    elif tp is float:
        fitting = st.floats(allow_nan=False, allow_infinity=False)
    elif tp is bool:
        fitting = st.booleans()
    elif get_origin(tp) is list:
        fitting = st.lists(value_for(get_args(tp)[0], depth + 1), max_size=3)
    elif isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        fitting = object_for(tp, depth + 1)
    else:
        fitting = json_values
    return st.one_of(fitting, json_values)


def object_for(cls: type[Any], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    # Not a response's hidden "Error" field: an answer with an error is no answer to decode.
    known = {f.encode_name: value_for(f.type, depth) for f in msgspec.structs.fields(cls) if f.name != "_error"}
    return st.fixed_dictionaries({}, optional=known).flatmap(
        lambda fields: st.dictionaries(json_keys.filter(lambda k: k not in known), json_values, max_size=2).map(
            lambda extra: {**extra, **fields}
        )
    )


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return (
        type(a) is type(b) and a == b
        if isinstance(a, (bool, int, float)) or isinstance(b, (bool, int, float))
        else a == b
    )


def join(path: str, step: str | int) -> str:
    return f"{path}[{step}]" if isinstance(step, int) else (f"{path}.{step}" if path else step)


def check_kept(value: Any, tp: Any, out: Any, path: str, found: dict[str, Any], seen: set[str]) -> None:
    """Every value that came can be read back from what the decode returned."""
    deviation = found.get(path)
    if deviation is not None:
        seen.add(path)
        assert same(deviation.value, value), path
        if not deviation.coerced:
            assert deviation.kept is out, path
            assert same(out, value) or value is msgspec.UNSET, path
        elif isinstance(out, str):
            assert same(json.loads(out), value), path  # a scalar's JSON text
        else:
            assert isinstance(out, list) and len(out) == 1, path  # one value as a list
            check_kept(value, get_args(strip_optional(tp))[0], out[0], join(path, 0), found, seen)
        return
    tp = strip_optional(tp)
    if value is None:
        assert out is None, path
    elif isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        assert isinstance(out, tp), path
        for info in msgspec.structs.fields(tp):
            if info.encode_name in value:
                check_kept(
                    value[info.encode_name],
                    info.type,
                    getattr(out, info.name),
                    join(path, info.encode_name),
                    found,
                    seen,
                )
    elif get_origin(tp) is list:
        assert isinstance(out, list) and len(out) == len(value), path
        for index, (item, kept) in enumerate(zip(value, out, strict=True)):
            check_kept(item, get_args(tp)[0], kept, join(path, index), found, seen)
    else:
        assert same(out, msgspec.convert(value, tp, strict=False)), path


@st.composite
def answers(draw: st.DrawFn) -> tuple[type[Any], dict[str, Any]]:
    cls = draw(st.sampled_from(RESPONSES))
    return cls, {"Response": draw(object_for(cls))}


@pytest.mark.slow
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(answer=answers(), as_bytes=st.booleans())
def test_tolerant_decoding_never_raises_and_loses_nothing(
    answer: tuple[type[Any], dict[str, Any]], as_bytes: bool, generated_on_path: Path
) -> None:
    from tcsdk.common.errors import ResponseShapeError

    cls, body = answer
    form: Any = json.dumps(body, allow_nan=False).encode() if as_bytes else body
    response = cls.from_envelope(form)
    assert isinstance(response, cls)
    found = {d.path: d for d in response.meta.deviations}
    assert len(found) == len(response.meta.deviations)
    seen: set[str] = set()
    check_kept(body["Response"], cls, response, "", found, seen)
    for path, deviation in found.items():  # the rest: required fields that were absent
        assert path in seen or (deviation.value is msgspec.UNSET and deviation.kept is None), path
    try:
        strict = cls.from_envelope(form, strict=True)
    except ResponseShapeError as exc:
        assert exc.deviations == response.meta.deviations and exc.deviations
        assert exc.body == body
    else:
        assert not response.meta.deviations and strict == response


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(answer=answers())
def test_an_answer_as_text_decodes_as_the_same_answer_as_values(
    answer: tuple[type[Any], dict[str, Any]], generated_on_path: Path
) -> None:
    # The text walk decodes field by field from the JSON text, the values walk
    # from decoded values: for the same answer they must agree on the response
    # and on every deviation (numbers kept as text included: msgspec writes the
    # text here, and the values walk writes numbers as msgspec does).
    cls, body = answer
    as_values = cls.from_envelope(body)
    as_text = cls.from_envelope(msgspec.json.encode(body))
    assert as_text == as_values
    assert as_text.meta.deviations == as_values.meta.deviations
