"""Property-based tests (hypothesis): random specs, random spec damage, and
random response bodies never crash the generator or the runtime."""

from __future__ import annotations

import importlib
import io
import json
import shutil
import sys
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import black
import msgspec
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen import cli, naming
from codegen.formatting import MODE

from ..spec_helpers import write_specs

# --- random valid specs -----------------------------------------------------

TRICKY = [
    "From",
    "Match",
    "Case",
    "Class",
    "None",
    "True",
    "List",
    "Int",
    "Str",
    "Self",
    "Field",
    "Type",
    "Id",
    "AppID",
    "AppId",
    "App_Id",
    "UUI",
    "Uui",
]
prop_names = st.one_of(st.sampled_from(TRICKY), st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True))
docs = st.text(st.characters(blacklist_categories=["Cs"]), max_size=80)
SCALARS = [
    {"type": "string"},
    {"type": "integer", "format": "int64"},
    {"type": "integer", "format": "uint64"},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "string", "format": "datetime"},
]


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    type_names = draw(st.lists(st.from_regex(r"T[A-Za-z0-9]{0,8}", fullmatch=True), max_size=4, unique=True))

    def prop(available: list[str], depth: int = 0) -> dict[str, Any]:
        choices = [st.sampled_from(SCALARS)]
        if available:
            choices.append(st.sampled_from(available).map(lambda n: {"$ref": f"#/types/{n}"}))
        base = draw(st.one_of(*choices))
        if depth < 2 and draw(st.booleans()):
            base = {"type": "array", "items": prop(available, depth + 1)}
        result = dict(base)
        if draw(st.booleans()):
            result["description"] = draw(docs)
        if draw(st.booleans()):
            result["nullable"] = True
        return result

    def obj(available: list[str], self_name: str | None = None) -> dict[str, Any]:
        names = draw(st.lists(prop_names, max_size=5, unique=True))
        properties = {n: prop(available) for n in names}
        if self_name and draw(st.booleans()):
            properties["Myself"] = {"$ref": f"#/types/{self_name}"}  # optional: never a required cycle
        required = [n for n in names if draw(st.booleans()) and "$ref" not in properties[n]]
        result: dict[str, Any] = {"type": "object", "properties": properties, "description": draw(docs)}
        if required:
            result["required"] = required
        return result

    types = {}
    for index, name in enumerate(type_names):
        types[name] = obj(type_names[:index], name)
    action_names = draw(
        st.lists(
            st.from_regex(r"Do[A-Z][a-z0-9]{0,8}", fullmatch=True), min_size=1, max_size=3, unique_by=naming.snake_case
        )
    )
    actions = {
        a: {
            "action": a,
            "summary": draw(docs),
            "description": draw(docs),
            "request": obj(type_names),
            "response": obj(type_names),
        }
        for a in action_names
    }
    for action in actions.values():
        action["response"].pop("required", None)
        action["response"]["properties"].pop("RequestId", None)
    return {"types": types, "actions": actions}


def write_random_spec(root: Path, spec: dict[str, Any]) -> None:
    write_specs(root, actions=())
    folder = root / "demo" / "2020-01-01"
    service = {
        "service": "demo",
        "version": "2020-01-01",
        "endpoint": "demo.tencentcloudapi.com",
        "types": spec["types"],
    }
    (folder / "service.yaml").write_text(yaml.safe_dump(service, allow_unicode=True))
    for name, data in spec["actions"].items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))


def sample_value(schema: dict[str, Any], types: dict[str, Any], depth: int = 0) -> Any:
    if "$ref" in schema:
        target = types[schema["$ref"].rsplit("/", 1)[1]]
        return {
            n: sample_value(p, types, depth + 1)
            for n, p in target["properties"].items()
            if n in target.get("required", [])
        }
    if schema["type"] == "array":
        return [sample_value(schema["items"], types, depth + 1)] if depth < 3 else []
    return {"string": "s", "integer": 7, "number": 1.5, "boolean": True}[schema["type"]]


COUNTER = iter(range(10**6))


@pytest.mark.slow
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(spec=specs())
def test_random_valid_specs_generate_working_code(
    spec: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("spec")
    write_random_spec(root / "specs", spec)
    package = f"randompkg{next(COUNTER)}"
    err = io.StringIO()
    with redirect_stderr(err):
        code = cli.main(
            ["generate", "--specs", str(root / "specs"), "--out", str(root / "out"), "--package", package, "-q"]
        )
    assert code == 0, err.getvalue()
    for path in (root / "out" / package).rglob("*.py"):
        text = path.read_text()
        compile(text, str(path), "exec")
        assert black.format_str(text, mode=MODE) == text
    sys.path.insert(0, str(root / "out"))
    try:
        models = importlib.import_module(f"{package}.demo.v20200101.models")
        importlib.import_module(f"{package}.demo.v20200101.client")
        for name, action in spec["actions"].items():
            request = action["request"]
            body = {
                n: sample_value(p, spec["types"])
                for n, p in request["properties"].items()
                if n in request.get("required", [])
            }
            decoded = msgspec.json.decode(json.dumps(body), type=getattr(models, f"{name}Request"))
            assert json.loads(msgspec.json.encode(decoded)) == body
    finally:
        sys.path.remove(str(root / "out"))


# --- damaged specs ------------------------------------------------------------

VALID_ACTION = (
    "action: Ping\nsummary: Ping.\nrequest:\n  type: object\n  required: [Id]\n  properties:\n"
    "    Id: {type: string, description: The id.}\n    Tags: {type: array, items: {type: string}}\n"
    "response:\n  type: object\n  properties:\n    Echo: {type: string}\nerrors:\n  FailedOperation.X: x\n"
)


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data = bytearray(VALID_ACTION.encode())
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "swap_lines"]))
        position = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "delete":
            del data[position : position + draw(st.integers(1, 10))]
        elif kind == "insert":
            data[position:position] = draw(
                st.binary(min_size=1, max_size=8)
                | st.sampled_from([b": ", b"- ", b"{", b"]", b"\t", b"'", b'"', b"&a ", b"*a", b"\x00", b"\xff"])
            )
        elif kind == "replace" and data:
            data[position] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[position:]
        else:
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@pytest.mark.slow
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(content=st.one_of(damaged(), st.binary(max_size=200)))
def test_damaged_specs_give_clean_errors_or_valid_output(
    content: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("damaged")
    write_specs(root / "specs", actions=())
    (root / "specs" / "demo" / "2020-01-01" / "Ping.yaml").write_bytes(content)
    out = root / "out"
    err = io.StringIO()
    with redirect_stderr(err):
        code = cli.main(["generate", "--specs", str(root / "specs"), "--out", str(out), "-q"])
    text = err.getvalue()
    assert code in (0, 2), text
    assert "Traceback" not in text and "internal error" not in text
    if code == 2:
        assert not out.exists() or not (out / "tcsdk").exists()
        for line in text.splitlines()[:-1]:
            assert line.startswith(str(root / "specs")), line
        return
    for path in (out / "tcsdk").rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    shutil.rmtree(out)


# --- random and damaged response bodies ------------------------------------------

KEYS = [
    "Response",
    "Error",
    "Code",
    "Message",
    "RequestId",
    "TotalCount",
    "InstanceStatusSet",
    "InstanceId",
    "InstanceState",
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=30,
)
SEED = b'{"Response": {"TotalCount": 2, "InstanceStatusSet": [{"InstanceId": "i", "InstanceState": "RUNNING"}], "RequestId": "r"}}'


@st.composite
def mutated_seed(draw: st.DrawFn) -> bytes:
    data = bytearray(SEED)
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position:]
            if not data:
                break
        else:
            data[position:position] = draw(
                st.sampled_from([b'"Error": {}, ', b"null", b"[", b"}", b'"\xff"', b"1e999", b"-"])
            )
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=300),
        mutated_seed(),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.dictionaries(st.sampled_from(KEYS), json_values, max_size=3).map(lambda v: {"Response": v}),
        st.dictionaries(st.sampled_from(KEYS), json_values, max_size=3).map(
            lambda v: {"Response": {"Error": v, "RequestId": "r"}}
        ),
        json_values.map(lambda v: {"Response": v}),
    )
)
def test_from_envelope_gives_a_response_or_a_documented_error(body: Any, generated_on_path: Path) -> None:
    from tcsdk.common import errors
    from tcsdk.cvm.v20170312 import models

    for form in [body, body.decode("utf-8", "replace")] if isinstance(body, bytes) else [body]:
        try:
            result = models.DescribeInstancesStatusResponse.from_envelope(form)
        except errors.SDKError as exc:
            assert isinstance(exc, (errors.TencentCloudError, errors.ResponseError))
            str(exc)
            repr(exc)
        else:
            assert isinstance(result, models.DescribeInstancesStatusResponse)
            # A RequestId that is not a string is kept as it came, and recorded.
            assert isinstance(result.request_id, str) or "RequestId" in {d.path for d in result.meta.deviations}


def test_deeply_nested_and_huge_bodies(generated_on_path: Path) -> None:
    from tcsdk.common import errors
    from tcsdk.cvm.v20170312 import models

    parse = models.DescribeInstancesStatusResponse.from_envelope
    with pytest.raises(errors.ResponseError):
        parse(b'{"Response": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    with pytest.raises(errors.ResponseError):
        parse(b'{"Response": {"TotalCount": ' + b"9" * 5000 + b', "RequestId": "r"}}')
    huge = parse(
        b'{"Response": {"InstanceStatusSet": [{"InstanceId": "' + b"x" * 5_000_000 + b'"}], "RequestId": "r"}}'
    )
    assert huge.instance_status_set is not None


@pytest.mark.slow
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    body=st.one_of(st.binary(max_size=200), mutated_seed(), json_values.map(lambda v: json.dumps(v).encode())),
    status=st.sampled_from([200, 200, 400, 500, 503]),
)
def test_clients_survive_random_answers(body: bytes, status: int, generated_on_path: Path) -> None:
    from tcsdk.common import errors
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.retry import NO_RETRY
    from tcsdk.cvm.v20170312 import models
    from tcsdk.cvm.v20170312.client import CvmClient

    from ..fake_tencent import Behaviour, FakeTencentCloud

    server = FakeTencentCloud("cvm", {"AKIDp": "k"}, {})
    server.start()
    try:
        server.then(
            "DescribeInstancesStatus",
            Behaviour("status", status=status, body=body) if status != 200 else Behaviour("raw", body=body),
        )
        with CvmClient(Credentials("AKIDp", "k"), endpoint=server.url, retry=NO_RETRY) as client:
            try:
                result = client.describe_instances_status()
            except errors.SDKError:
                pass
            else:
                assert isinstance(result, models.DescribeInstancesStatusResponse)
    finally:
        server.stop()


@given(st.lists(st.one_of(st.text(alphabet="ab/~0 1", max_size=4), st.integers(0, 99)), max_size=5))
def test_a_json_pointer_escapes_each_step_as_rfc_6901_says(steps: list[object]) -> None:
    from codegen.diagnostics import json_pointer

    pointer = json_pointer(*steps)
    assert pointer == "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in steps)
    # And reads back as the steps.
    parts = pointer.split("/")[1:] if steps else []
    assert [p.replace("~1", "/").replace("~0", "~") for p in parts] == [str(step) for step in steps]
