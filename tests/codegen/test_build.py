from pathlib import Path

import pytest

from codegen.build import build_project
from codegen.diagnostics import SpecError
from codegen.ir import Project
from codegen.loader import load_specs

from ..spec_helpers import write_specs


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
    assert create.errors == ()  # the common codes are the common enum's, not the action's


def test_an_action_holds_its_own_codes_and_the_service_says_what_each_means(tmp_path: Path) -> None:
    action = (
        "action: Ping\nrequest: {type: object, properties: {}}\nresponse: {type: object, properties: {}}\n"
        "errors:\n  InternalError: again\n  FailedOperation.Busy: busy\n"
    )
    project = build(write_specs(tmp_path, {"demo/2020-01-01/Ping.yaml": action}))
    (service,) = project.services
    codes = [(e.code, e.member, e.description) for e in service.actions[0].errors]
    # Its description is the service enum's, so the action's member repeats none.
    assert codes == [("FailedOperation.Busy", "FAILED_OPERATION_BUSY", "")]
    assert [(e.code, e.description) for e in service.errors] == [("FailedOperation.Busy", "busy")]


def test_one_member_name_per_code_across_the_actions_of_a_service(tmp_path: Path) -> None:
    def action(name: str, errors: str) -> str:
        return (
            f"action: {name}\nrequest: {{type: object, properties: {{}}}}\n"
            f"response: {{type: object, properties: {{}}}}\nerrors:\n{errors}"
        )

    files = {
        # Foo.Bar and FooBar both want FOO_BAR: one service-wide choice, used by every action.
        "demo/2020-01-01/Alpha.yaml": action("Alpha", "  Foo.Bar: first text\n  Only.Alpha: alpha\n"),
        "demo/2020-01-01/Beta.yaml": action("Beta", "  FooBar: joined\n  Foo.Bar: other text\n"),
    }
    (service,) = build(write_specs(tmp_path, files, actions=())).services
    assert service.error_enum == "ServiceErrorCode"
    members = {e.code: e.member for e in service.errors}
    assert [e.code for e in service.errors] == ["Foo.Bar", "FooBar", "Only.Alpha"]
    assert len(set(members.values())) == 3
    alpha, beta = service.actions
    assert all(e.member == members[e.code] for e in alpha.errors + beta.errors)
    # The first action's text is the service's; another text stays on that action's member.
    assert [e.description for e in service.errors][0] == "first text"
    assert [(e.code, e.description) for e in beta.errors] == [("FooBar", ""), ("Foo.Bar", "other text")]


def test_an_action_named_like_the_service_enum_is_refused(tmp_path: Path) -> None:
    assert any(
        "action 'Service' clashes with the service's enum ServiceErrorCode" in line
        for line in problems(write_specs(tmp_path, actions=("Service",)))
    )


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
