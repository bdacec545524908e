"""The committed generated/ package, read and used as a user would."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from codegen.ir import Action, Project
from codegen.pipeline import load_project

from ..conftest import GENERATED, SPECS

SEED_SUCCESS = {
    "Response": {"TotalCount": 0, "InstanceStatusSet": [], "RequestId": "b5b41468-520d-4192-b42f-595cc34b6c1c"}
}
SEED_FAILURE = {
    "Response": {
        "Error": {
            "Code": "AuthFailure.SignatureFailure",
            "Message": "The provided credentials could not be validated. Please ensure your signature is correct.",
        },
        "RequestId": "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6",
    }
}


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(SPECS)


def all_actions(project: Project) -> list[tuple[str, Action]]:
    return [(f"tcsdk.{s.package}.{s.module}", a) for s in project.services for a in s.actions]


def modules_of(folder: Path, package: str) -> list[str]:
    names = []
    for path in sorted((folder / package).rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports(generated_on_path: Path) -> None:
    for name in modules_of(generated_on_path, "tcsdk"):
        importlib.import_module(name)


@pytest.mark.slow
def test_mypy_strict_passes_on_generated() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "tcsdk"],
        cwd=GENERATED,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_black_check_passes_on_generated() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "black", "--check", "-q", "tcsdk"], cwd=GENERATED, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_seed_success_example_parses_exactly(generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models

    for body in (SEED_SUCCESS, json.dumps(SEED_SUCCESS), json.dumps(SEED_SUCCESS).encode()):
        response = models.DescribeInstancesStatusResponse.from_envelope(body)
        assert response.total_count == 0
        assert response.instance_status_set == []
        assert response.request_id == "b5b41468-520d-4192-b42f-595cc34b6c1c"


def test_seed_failure_example_raises_the_typed_error(generated_on_path: Path) -> None:
    from tcsdk.common.errors import AuthFailureError, CommonErrorCode, TencentCloudError
    from tcsdk.cvm.v20170312 import errors, models

    for body in (SEED_FAILURE, json.dumps(SEED_FAILURE), json.dumps(SEED_FAILURE).encode()):
        with pytest.raises(AuthFailureError) as caught:
            models.DescribeInstancesStatusResponse.from_envelope(body)
        error = caught.value
        assert isinstance(error, TencentCloudError)
        assert error.code is CommonErrorCode.AUTH_FAILURE_SIGNATURE_FAILURE
        assert error.code == "AuthFailure.SignatureFailure"
        assert not hasattr(errors.DescribeInstancesStatusErrorCode, "AUTH_FAILURE_SIGNATURE_FAILURE")
        assert error.message == SEED_FAILURE["Response"]["Error"]["Message"]  # type: ignore[index]
        assert error.request_id == "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"
        assert error.action == "DescribeInstancesStatus"


def test_spec_examples_parse_and_requests_round_trip(generated_on_path: Path, project: Project) -> None:
    checked = 0
    for module_name, action in all_actions(project):
        models = importlib.import_module(f"{module_name}.models")
        request_cls = getattr(models, f"{action.name}Request")
        response_cls = getattr(models, f"{action.name}Response")
        for example in action.examples:
            wire = json.loads(example.request_json)
            request = msgspec.json.decode(example.request_json, type=request_cls)
            assert json.loads(msgspec.json.encode(request)) == wire
            body = json.loads(example.response_json)
            if "Error" in body["Response"]:
                with pytest.raises(Exception) as caught:
                    response_cls.from_envelope(example.response_json)
                assert caught.value.code == body["Response"]["Error"]["Code"]  # type: ignore[attr-defined]
            else:
                response = response_cls.from_envelope(example.response_json)
                assert response.request_id == body["Response"]["RequestId"]
                assert msgspec.to_builtins(response) == body["Response"]
            checked += 1
    assert checked >= 10


def test_error_enums_match_the_error_tables(generated_on_path: Path, project: Project) -> None:
    from tcsdk.common.errors import CommonErrorCode

    common = yaml.safe_load((SPECS.parent / "codegen/common_errors.yaml").read_text())["errors"]
    assert [m.value for m in CommonErrorCode] == list(common)
    assert len(common) == 26
    for module_name, action in all_actions(project):
        module = importlib.import_module(f"{module_name}.errors")
        enum, service = getattr(module, action.error_enum), module.ServiceErrorCode
        own = set(yaml.safe_load(Path(action.source).read_text())["errors"]) - set(common)
        assert {m.value for m in enum} == own, action.name
        for member in enum:
            # One name per code in the service; members of one code are equal and hash alike.
            assert service[member.name] == member == member.value
            assert hash(service[member.name]) == hash(member) == hash(member.value)
            assert member.name not in CommonErrorCode.__members__


def test_unknown_error_codes_stay_strings(generated_on_path: Path) -> None:
    from tcsdk.common.errors import FailedOperationError, TencentCloudError
    from tcsdk.trtc.v20190722 import models

    body = {"Response": {"Error": {"Code": "FailedOperation.Brand.New", "Message": "m"}, "RequestId": "r"}}
    with pytest.raises(FailedOperationError) as caught:
        models.DismissRoomResponse.from_envelope(body)
    assert caught.value.code == "FailedOperation.Brand.New"
    body["Response"]["Error"]["Code"] = "SomethingElse"  # type: ignore[index]
    with pytest.raises(TencentCloudError) as other:
        models.DismissRoomResponse.from_envelope(json.dumps(body))
    assert type(other.value) is TencentCloudError


def test_action_code_becomes_the_enum_member(generated_on_path: Path) -> None:
    from tcsdk.common.errors import FailedOperationError
    from tcsdk.trtc.v20190722 import errors, models

    body = b'{"Response": {"Error": {"Code": "FailedOperation.RoomNotExist", "Message": "gone"}, "RequestId": "r"}}'
    with pytest.raises(FailedOperationError) as caught:
        models.DismissRoomResponse.from_envelope(body)
    assert caught.value.code is errors.DismissRoomErrorCode.FAILED_OPERATION_ROOM_NOT_EXIST
    assert "[FailedOperation.RoomNotExist] gone (action DismissRoom, request id r)" == str(caught.value)


def test_requests_leave_out_unset_fields_and_use_wire_names(generated_on_path: Path) -> None:
    from tcsdk.trtc.v20190722 import models

    request = models.CreateCloudRecordingRequest(
        sdk_app_id=1400188366,
        room_id="3560",
        user_id="robot",
        user_sig="sig",
        record_params=models.RecordParams(record_mode=2),
        storage_params=models.StorageParams(cloud_vod=models.CloudVod(tencent_vod=models.TencentVod(expire_time=0))),
    )
    assert json.loads(msgspec.json.encode(request)) == {
        "SdkAppId": 1400188366,
        "RoomId": "3560",
        "UserId": "robot",
        "UserSig": "sig",
        "RecordParams": {"RecordMode": 2},
        "StorageParams": {"CloudVod": {"TencentVod": {"ExpireTime": 0}}},
    }
    with pytest.raises(TypeError):
        models.DismissRoomRequest(sdk_app_id=1)  # type: ignore[call-arg]


def test_nullable_response_fields_accept_null(generated_on_path: Path) -> None:
    from tcsdk.trtc.v20190722 import models

    body = {"Response": {"TaskId": "t", "Status": "Idle", "StorageFileList": None, "RequestId": "r"}}
    assert models.DescribeCloudRecordingResponse.from_envelope(body).storage_file_list is None
    file = {"UserId": None, "FileName": "f.mp4", "TrackType": None, "BeginTimeStamp": 1}
    body["Response"]["StorageFileList"] = [file]  # type: ignore[index]
    parsed = models.DescribeCloudRecordingResponse.from_envelope(json.dumps(body))
    assert parsed.storage_file_list is not None
    assert parsed.storage_file_list[0].file_name == "f.mp4"


def test_docstrings_come_from_the_specs(generated_on_path: Path) -> None:
    from tcsdk.trtc.v20190722 import aio, client, errors, models

    assert models.DismissRoomRequest.__doc__ == "Request of DismissRoom: Dismiss a room."
    assert client.TrtcClient.dismiss_room.__doc__ is not None
    assert "Close a room whose ID is a number" in client.TrtcClient.dismiss_room.__doc__
    assert aio.AsyncTrtcClient.dismiss_room.__doc__ == (
        "Dismiss a room.\n\n        Like ``TrtcClient.dismiss_room``, for asyncio; see there.\n        "
    )
    assert models.RecordParams.__doc__ == "How an on-cloud recording task records the room."
    source = Path(models.__file__).read_text()
    assert '"""Numeric ID of the room to close. Format: uint64."""' in source  # the spec's format noted
    assert "Meta(" not in source and "description=" not in source
    assert errors.DismissRoomErrorCode.__doc__ is not None
    assert errors.DismissRoomErrorCode.__doc__.startswith("Codes of DismissRoom beyond the common ones")
    source = Path(errors.__file__).read_text()
    assert '"""The room does not exist."""' in source and source.count("The room does not exist.") == 1


def test_importing_one_service_imports_no_other() -> None:
    code = (
        "import sys; import tcsdk.trtc.v20190722 as t; "
        "assert not [m for m in sys.modules if m.startswith('tcsdk.cvm')], sorted(sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=GENERATED, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_package_works_when_vendored_under_another_name(tmp_path: Path) -> None:
    target = tmp_path / "myapp" / "third_party" / "tencent_sdk"
    shutil.copytree(GENERATED / "tcsdk", target)
    (tmp_path / "myapp" / "__init__.py").write_text("")
    (tmp_path / "myapp" / "third_party" / "__init__.py").write_text("")
    code = (
        "import sys\n"
        "from myapp.third_party.tencent_sdk.cvm.v20170312 import models\n"
        "from myapp.third_party.tencent_sdk.common.errors import AuthFailureError\n"
        f"r = models.DescribeInstancesStatusResponse.from_envelope({json.dumps(SEED_SUCCESS)!r})\n"
        "assert r.total_count == 0\n"
        "assert not [m for m in sys.modules if m.startswith('tcsdk')]\n"
        "try:\n"
        f"    models.DescribeInstancesStatusResponse.from_envelope({json.dumps(SEED_FAILURE)!r})\n"
        "except AuthFailureError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('no error')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "py.typed" in {p.name for p in target.iterdir()}


def test_generated_package_has_only_relative_imports() -> None:
    for path in (GENERATED / "tcsdk").rglob("*.py"):
        for line in path.read_text().splitlines():
            if line.startswith(("import ", "from ")):
                module = line.split()[1]
                assert not module.startswith("tcsdk"), f"{path}: {line}"
                top = module.split(".")[0]
                allowed = module.startswith(".") or top in sys.stdlib_module_names or top in {"msgspec", "httpx"}
                assert allowed, f"{path}: {line}"


def test_malformed_bodies_raise_documented_errors(generated_on_path: Path) -> None:
    from tcsdk.common import errors
    from tcsdk.cvm.v20170312 import models

    parse = models.DescribeInstancesStatusResponse.from_envelope
    cases: list[tuple[Any, type[Exception]]] = [
        (b"not json", errors.InvalidJSONError),
        (b'{"Response": {"TotalCount": 1', errors.InvalidJSONError),
        (b"[1, 2]", errors.MissingEnvelopeError),
        (b'{"Other": {}}', errors.MissingEnvelopeError),
        ({"Other": {}}, errors.MissingEnvelopeError),
        (b'{"Response": {"TotalCount": "many", "RequestId": "r"}}', errors.ResponseShapeError),
        (b'{"Response": {"TotalCount": 1}}', errors.ResponseShapeError),
        (b'{"Response": {"Error": {"Message": "no code"}, "RequestId": "r"}}', errors.ResponseShapeError),
        ({"Response": {"Error": {"Code": 5}}}, errors.ResponseShapeError),
    ]
    for body, expected in cases:
        with pytest.raises(expected):
            parse(body, strict=True)
    # Tolerant by default: an answer that only disagrees with its model is kept.
    assert parse(b'{"Response": {"TotalCount": "many", "RequestId": "r"}}').total_count == "many"
    # Lax numbers: a number sent as a string is accepted.
    assert parse(b'{"Response": {"TotalCount": "3", "RequestId": "r"}}').total_count == 3
    # A body mentioning "Error" only inside a value is still a success.
    assert (
        parse(b'{"Response": {"InstanceStatusSet": [{"InstanceState": "\\"Error\\""}], "RequestId": "r"}}').request_id
        == "r"
    )


def test_shape_errors_carry_the_request_id(generated_on_path: Path) -> None:
    from tcsdk.common import errors
    from tcsdk.cvm.v20170312 import models

    for body in (
        b'{"Response": {"TotalCount": "many", "RequestId": "rid-9"}}',
        {"Response": {"TotalCount": "many", "RequestId": "rid-9"}},
    ):
        with pytest.raises(errors.ResponseShapeError) as caught:
            models.DescribeInstancesStatusResponse.from_envelope(body, strict=True)
        assert caught.value.request_id == "rid-9"
        assert "TotalCount" in str(caught.value)


@pytest.mark.slow
def test_the_generator_itself_passes_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "codegen"], cwd=GENERATED.parent, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_meta_is_kept_in_each_response_and_not_in_its_data_or_copies(generated_on_path: Path) -> None:
    import copy

    import msgspec
    from tcsdk.common.model import ResponseMeta, attach_meta
    from tcsdk.trtc.v20190722 import models

    first = models.DismissRoomResponse(request_id="a")
    second = models.DismissRoomResponse(request_id="a")
    attach_meta(first, ResponseMeta(status=200, attempts=2))
    assert first.meta.attempts == 2 and second.meta == ResponseMeta()
    assert first == second and repr(first) == repr(second)  # meta is not data
    assert msgspec.json.encode(first) == msgspec.json.encode(second)
    attach_meta(first, ResponseMeta(status=201))
    assert first.meta.status == 201
    assert copy.copy(first).meta == ResponseMeta() and msgspec.structs.replace(first).meta == ResponseMeta()
    # A meta attached after parsing still reads the body the response was parsed from.
    parsed = models.DismissRoomResponse.from_envelope(b'{"Response": {"RequestId": "r", "Extra": 1}}')
    attach_meta(parsed, ResponseMeta(status=200))
    assert parsed.meta.status == 200 and parsed.meta.unknown == ("Extra",)


def test_a_response_is_untracked_and_a_cycle_inside_it_is_still_collected(generated_on_path: Path) -> None:
    import gc
    import weakref

    from tcsdk.common import model
    from tcsdk.cvm.v20170312 import models

    # The envelope only carries the answer while it is decoded: untracked, it costs no collector time.
    holding = model._Envelope[models.DescribeInstancesStatusResponse](Response=[])  # type: ignore[arg-type]
    assert gc.is_tracked(holding.Response) and not gc.is_tracked(holding)
    body = b'{"Response": {"InstanceStatusSet": [{"InstanceId": "ins-1"}], "RequestId": "r"}}'
    response = models.DescribeInstancesStatusResponse.from_envelope(body)
    # The response object itself is not tracked (usage.md says what that costs); what it holds is.
    assert not gc.is_tracked(response)
    items = response.instance_status_set
    assert items is not None and gc.is_tracked(items)

    class Witness:
        pass

    witness = Witness()
    items.append(items)  # type: ignore[arg-type]  # a cycle among the values a user could make
    items.append(witness)  # type: ignore[arg-type]
    gone = weakref.ref(witness)
    del response, items, witness
    gc.collect()
    assert gone() is None


def test_a_response_alive_at_exit_leaves_nothing_on_stderr() -> None:
    # Held in a cycle (freed by the last collection, or never: a response is
    # untracked) and by builtins (freed last of all), nothing complains.
    code = (
        "import builtins\n"
        "from tcsdk.common.model import ResponseMeta, attach_meta\n"
        "from tcsdk.trtc.v20190722 import models\n"
        "kept = models.DismissRoomResponse(request_id='r')\n"
        "attach_meta(kept, ResponseMeta(status=200))\n"
        "cycle = [kept]\n"
        "cycle.append(cycle)\n"
        "builtins.kept_response = models.DismissRoomResponse(request_id='s')\n"
        "attach_meta(builtins.kept_response, ResponseMeta(status=200))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=GENERATED, capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_models_import_without_error_enums_or_httpx() -> None:
    code = (
        "import sys\n"
        "from tcsdk.trtc.v20190722 import models\n"
        "assert 'tcsdk.trtc.v20190722.errors' not in sys.modules\n"
        "assert 'tcsdk.common.errors' not in sys.modules and 'tcsdk.common.exceptions' not in sys.modules\n"
        "assert 'httpx' not in sys.modules and 'dataclasses' not in sys.modules\n"
        "assert 'tcsdk.common.envelope' not in sys.modules\n"
        'body = b\'{"Response": {"Error": {"Code": "FailedOperation.RoomNotExist", "Message": "m"}, "RequestId": "r"}}\'\n'
        "try:\n"
        "    models.DismissRoomResponse.from_envelope(body)\n"
        "except Exception as exc:\n"
        "    assert type(exc.code).__name__ == 'DismissRoomErrorCode', type(exc.code)\n"
        "assert 'tcsdk.trtc.v20190722.errors' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=GENERATED, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
