from pathlib import Path

import pytest

from codegen.build import build_project
from codegen.diagnostics import SpecError
from codegen.ir import Project
from codegen.loader import load_specs

from .spec_helpers import write_specs


def build(root: Path) -> Project:
    return build_project(load_specs(root))


def problems(root: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        build(root)
    return [str(d) for d in caught.value.diagnostics]


def test_ir_of_a_small_service(tmp_path: Path) -> None:
    project = build(write_specs(tmp_path, actions=("DescribePing", "CreatePing")))
    (service,) = project.services
    assert (service.package, service.module, service.client_class) == ("demo", "v20200101", "DemoClient")
    create, describe = service.actions
    assert create.method == "create_ping" and not create.read_only
    assert describe.read_only
    field = create.request.fields[0]
    assert (field.wire_name, field.py_name, field.required, field.type.annotation) == ("Id", "id", True, "str")
    assert [e.code for e in create.errors] == ["InternalError", "AuthFailure.SignatureFailure"]


def test_common_codes_come_first_and_are_not_repeated(tmp_path: Path) -> None:
    action = (
        "action: Ping\nrequest: {type: object, properties: {}}\nresponse: {type: object, properties: {}}\n"
        "errors:\n  InternalError: again\n  FailedOperation.Busy: busy\n"
    )
    project = build(write_specs(tmp_path, {"demo/2020-01-01/Ping.yaml": action}))
    codes = [(e.code, e.common) for e in project.services[0].actions[0].errors]
    assert codes == [("InternalError", True), ("AuthFailure.SignatureFailure", True), ("FailedOperation.Busy", False)]


def test_response_fields_are_never_required(tmp_path: Path) -> None:
    action = (
        "action: Ping\nrequest: {type: object, properties: {}}\n"
        "response: {type: object, required: [Total], properties: {Total: {type: integer}}}\n"
    )
    project = build(write_specs(tmp_path, {"demo/2020-01-01/Ping.yaml": action}))
    assert project.services[0].actions[0].response.fields[0].optional


def test_cross_file_problems_are_all_reported(tmp_path: Path) -> None:
    bad_ref = (
        "action: Ping\nrequest:\n  type: object\n  required: [Nope]\n  properties:\n"
        "    X: {$ref: '#/types/Missing'}\nresponse: {type: object, properties: {RequestId: {type: string}}}\n"
    )
    misnamed = "action: Other\nrequest: {type: object, properties: {}}\nresponse: {type: object, properties: {}}\n"
    messages = problems(
        write_specs(tmp_path, {"demo/2020-01-01/Ping.yaml": bad_ref, "demo/2020-01-01/Pong.yaml": misnamed})
    )
    assert any("Ping.yaml:6:" in m and "unknown type 'Missing'" in m for m in messages)
    assert any("required property 'Nope' is not defined" in m for m in messages)
    assert any("RequestId is implicit" in m for m in messages)
    assert any("Pong.yaml:1:9: action 'Other' must be in a file named Other.yaml" in m for m in messages)


def test_type_clashing_with_generated_class_is_an_error(tmp_path: Path) -> None:
    service = (
        'service: demo\nversion: "2020-01-01"\nendpoint: x\ntypes:\n  PingRequest: {type: object, properties: {}}\n'
    )
    messages = problems(write_specs(tmp_path, {"demo/2020-01-01/service.yaml": service}))
    assert any("clashes with a class generated for" in m for m in messages)


def test_folder_must_match_service_and_version(tmp_path: Path) -> None:
    service = 'service: other\nversion: "2020-01-01"\nendpoint: x\n'
    messages = problems(write_specs(tmp_path, {"demo/2020-01-01/service.yaml": service}))
    assert any("must live in other/2020-01-01/" in m for m in messages)


def test_reserved_runtime_package_name(tmp_path: Path) -> None:
    tree = {
        "common/2020-01-01/service.yaml": 'service: common\nversion: "2020-01-01"\nendpoint: x\n',
    }
    # The generated runtime lives in <package>/common, so no service may take it.
    messages = problems(write_specs(tmp_path, tree))
    assert any("service name 'common' is reserved" in m for m in messages)


def test_method_name_collisions_are_errors(tmp_path: Path) -> None:
    messages = problems(write_specs(tmp_path, actions=("GetURL", "GetUrl")))
    assert any("both become the method 'get_url'" in m for m in messages)
