"""Requests checked against their model before signing, and ``extra_params``
(issue 24, items 2 and 3), with the sync and async TRTC clients against the
local fake endpoint (tests/fake_tencent.py, which checks every signature).

Paginators, streams and uploads have their own tests beside the others of
their kind (test_paging.py, test_streaming.py, test_uploads.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ..client_harness import SECRET_ID, SECRET_KEY, Harness, spec_examples
from ..conftest import importable_package
from ..fake_tencent import FakeTencentCloud
from ..spec_helpers import write_specs


def _call(method: str, *args: Any, **kwargs: Any) -> Any:
    """A harness body calling ``client.<method>(*args, **kwargs)``."""
    return lambda client: getattr(client, method)(*args, **kwargs)


def test_extra_params_reach_the_wire_and_are_signed(harness: Harness) -> None:
    from tcsdk.trtc.v20190722 import models

    extra = {"NewFlag": True, "Nested": {"A": [1, None, "x"]}, "Mode": models.RecordParams(record_mode=1)}
    harness.run(_call("dismiss_room", sdk_app_id=1, room_id=2, extra_params=extra))
    request = models.RemoveUserRequest(sdk_app_id=1, room_id=2, user_ids=["u"])
    response = harness.run(_call("remove_user", request, extra_params={"Reason": "kicked"}))
    assert response.request_id == "req-2"  # signed over the whole body: the fake checked it
    first, second = harness.server.calls()
    assert json.loads(first.body) == {
        "SdkAppId": 1,
        "RoomId": 2,
        "NewFlag": True,
        "Nested": {"A": [1, None, "x"]},
        "Mode": {"RecordMode": 1},
    }
    assert json.loads(second.body) == {"SdkAppId": 1, "RoomId": 2, "UserIds": ["u"], "Reason": "kicked"}
    assert request == models.RemoveUserRequest(sdk_app_id=1, room_id=2, user_ids=["u"])  # left as it was


def test_an_extra_param_naming_a_declared_field_is_refused(harness: Harness) -> None:
    from tcsdk.common.errors import RequestValidationError

    for key in ("RoomId", "room_id", "SdkAppId", "sdk_app_id"):
        with pytest.raises(RequestValidationError, match="is a declared parameter of DismissRoomRequest") as caught:
            harness.run(_call("dismiss_room", sdk_app_id=1, room_id=2, extra_params={key: 3}))
        assert caught.value.path == key and caught.value.action == "DismissRoom"
        assert isinstance(caught.value, ValueError)
    bad: list[tuple[Any, str]] = [
        (["NewParam"], "must be a mapping"),
        ({1: "x"}, "keys are wire names"),
        ({"": "x"}, "keys are wire names"),
        ({"Handle": object()}, "Handle: not a JSON value"),
    ]
    for extra, message in bad:
        with pytest.raises(RequestValidationError, match=message):
            harness.run(_call("dismiss_room", sdk_app_id=1, room_id=2, extra_params=extra))
    assert harness.server.calls() == []  # nothing was sent


def _recording(**changes: Any) -> Any:
    """A CreateCloudRecordingRequest that fits its model, with ``changes``."""
    from tcsdk.trtc.v20190722 import models

    fields: dict[str, Any] = {
        "sdk_app_id": 1400188366,
        "room_id": "3560",
        "user_id": "robot",
        "user_sig": "sig",
        "record_params": models.RecordParams(record_mode=2),
        "storage_params": models.StorageParams(),
        "mix_layout_params": models.MixLayoutParams(mix_layout_mode=3),
    }
    return models.CreateCloudRecordingRequest(**{**fields, **changes})


def _layout(**changes: Any) -> Any:
    from tcsdk.trtc.v20190722 import models

    return models.MixLayout(**{"top": 0, "left": 0, "width": 640, "height": 360, **changes})


# (method, keyword arguments or a request object built by a function, wire path, expected)
WRONG: list[tuple[str, Any, str, str]] = [
    ("dismiss_room", {"sdk_app_id": "abc", "room_id": 2}, "SdkAppId", "int"),
    ("dismiss_room", {"sdk_app_id": 1}, "RoomId", "a value"),
    ("dismiss_room", {"sdk_app_id": None, "room_id": 2}, "SdkAppId", "int"),
    ("dismiss_room", {"sdk_app_id": True, "room_id": 2}, "SdkAppId", "int"),
    ("dismiss_room", {"sdk_app_id": 1.0, "room_id": 2}, "SdkAppId", "int"),
    ("dismiss_room", {"sdk_app_id": 2**70, "room_id": 2}, "SdkAppId", ""),  # past 64 bits
    ("dismiss_room_by_str_room_id", {"sdk_app_id": 1, "room_id": "a\udc80"}, "RoomId", ""),  # not UTF-8
    ("dismiss_room_by_str_room_id", {"sdk_app_id": 1, "room_id": 2}, "RoomId", "str"),
    ("remove_user", {"sdk_app_id": 1, "room_id": 2, "user_ids": "u1"}, "UserIds", "array"),
    ("remove_user", {"sdk_app_id": 1, "room_id": 2, "user_ids": ["u1", 2]}, "UserIds[1]", "str"),
    (
        "create_cloud_recording",
        lambda m: _recording(record_params=m.RecordParams(record_mode="2")),
        "RecordParams.RecordMode",
        "int",
    ),
    (
        "create_cloud_recording",
        lambda m: _recording(
            mix_layout_params=m.MixLayoutParams(mix_layout_mode=3, mix_layout_list=[_layout(), _layout(height="x")])
        ),
        "MixLayoutParams.MixLayoutList[1].Height",
        "int",
    ),
    (
        "create_cloud_recording",
        lambda m: _recording(mix_layout_params=m.MixLayoutParams(mix_layout_mode=3, mix_layout_list=[{"Top": 1}])),
        "MixLayoutParams.MixLayoutList[0].Left",
        "a value",
    ),
    ("create_cloud_recording", lambda m: _recording(record_params=None), "RecordParams", "object"),
    (
        "create_cloud_recording",
        lambda m: _recording(
            record_params=m.RecordParams(
                record_mode=1, subscribe_stream_user_ids=m.SubscribeStreamUserIds(subscribe_audio_user_ids=[3])
            )
        ),
        "RecordParams.SubscribeStreamUserIds.SubscribeAudioUserIds[0]",
        "str",
    ),
]


@pytest.mark.parametrize(("method", "arguments", "path", "expected"), WRONG)
def test_a_request_that_does_not_fit_is_never_sent(
    harness: Harness, method: str, arguments: Any, path: str, expected: str
) -> None:
    from tcsdk.common.errors import RequestValidationError, SDKError
    from tcsdk.trtc.v20190722 import models

    call = _call(method, **arguments) if isinstance(arguments, dict) else _call(method, arguments(models))
    with pytest.raises(RequestValidationError) as caught:
        harness.run(call)
    error = caught.value
    assert (error.path, error.expected) == (path, expected)
    assert isinstance(error, SDKError) and isinstance(error, ValueError)
    assert str(error).startswith(f"{error.action}: {path}: ") and error.reason in str(error)
    assert harness.server.calls() == []  # nothing arrived


def test_a_request_object_changed_after_it_was_made_is_checked_too(harness: Harness) -> None:
    from tcsdk.common.errors import RequestValidationError
    from tcsdk.trtc.v20190722 import models

    request = models.DismissRoomRequest(sdk_app_id=1, room_id=2)
    request.room_id = "2"  # type: ignore[assignment]
    with pytest.raises(RequestValidationError, match=r"^DismissRoom: RoomId: Expected `int`, got `str`$"):
        harness.run(_call("dismiss_room", request))
    assert harness.server.calls() == []


def test_optional_and_nullable_fields_take_none_and_leave_it_out(harness: Harness) -> None:
    from tcsdk.trtc.v20190722 import models

    # WaterMarkChar and WaterMarkTimestamp are nullable, the others optional.
    watermark = models.WaterMark(water_mark_type=0, water_mark_char=None, water_mark_timestamp=None)
    request = _recording(
        mix_transcode_params=None,
        mix_layout_params=None,
        record_params=models.RecordParams(record_mode=1, max_idle_time=None),
    )
    harness.run(_call("create_cloud_recording", request))
    layout = models.MixLayoutParams(mix_layout_mode=3, water_mark_list=[watermark])
    harness.run(_call("create_cloud_recording", _recording(mix_layout_params=layout)))
    first, second = (json.loads(r.body) for r in harness.server.calls())
    assert "MixLayoutParams" not in first and first["RecordParams"] == {"RecordMode": 1}
    assert second["MixLayoutParams"]["WaterMarkList"] == [{"WaterMarkType": 0}]


def test_the_common_client_sends_what_it_is_given(harness: Harness) -> None:
    """CommonClient has no model to check against: its params go out as given."""
    from tcsdk.common.client import CommonClient
    from tcsdk.common.credentials import Credentials

    kwargs = harness.client_kwargs()
    kwargs.pop("sleep"), kwargs.pop("credentials")
    with CommonClient("trtc", "2019-07-22", Credentials(SECRET_ID, SECRET_KEY), **kwargs) as client:
        client.call("DismissRoom", {"SdkAppId": "abc", "RoomId": 2})
    assert json.loads(harness.server.calls()[0].body) == {"SdkAppId": "abc", "RoomId": 2}


def test_the_generated_methods_declare_extra_params() -> None:
    from ..conftest import GENERATED

    for module in ("client", "aio"):
        source = (GENERATED / f"tcsdk/trtc/v20190722/{module}.py").read_text()
        methods = len(re.findall(r"^    (?:async )?def ", source, re.MULTILINE))
        # Two overloads and the method itself, each with the keyword.
        assert source.count("extra_params: Mapping[str, Any] | None = None") == methods
    assert (
        "``extra_params``: parameters newer than the spec, by wire name."
        in (GENERATED / "tcsdk/trtc/v20190722/client.py").read_text()
    )


# Values of the wrong kind for a few field types, and the path msgspec names.
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.binary(max_size=3),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
FIELDS: dict[str, tuple[str, str, str, Any]] = {
    # field: (method, its request class, wire name, what is not of its type)
    "sdk_app_id": (
        "dismiss_room",
        "DismissRoomRequest",
        "SdkAppId",
        lambda v: not isinstance(v, int) or isinstance(v, bool),
    ),
    "room_id": (
        "dismiss_room_by_str_room_id",
        "DismissRoomByStrRoomIdRequest",
        "RoomId",
        lambda v: not isinstance(v, str),
    ),
    "user_ids": (
        "remove_user",
        "RemoveUserRequest",
        "UserIds",
        lambda v: not (isinstance(v, list) and all(isinstance(i, str) for i in v)),
    ),
    "record_params": ("create_cloud_recording", "CreateCloudRecordingRequest", "RecordParams", lambda v: True),
}
VALID = {"sdk_app_id": 1, "room_id": 2, "user_ids": ["u"]}


def test_wrong_values_of_any_kind_are_refused_with_their_path(generated_on_path: Path) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.errors import RequestValidationError
    from tcsdk.trtc.v20190722 import models
    from tcsdk.trtc.v20190722.client import TrtcClient

    server = FakeTencentCloud("trtc", {SECRET_ID: SECRET_KEY}, spec_examples("trtc")).start()
    client = TrtcClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=server.url, region="ap-beijing", timeout=5.0)

    @settings(max_examples=60, deadline=None)
    @given(name=st.sampled_from(sorted(FIELDS)), value=ANYTHING, whole=st.booleans())
    def check(name: str, value: Any, whole: bool) -> None:
        method, request_class, wire, wrong = FIELDS[name]
        assume(wrong(value))
        cls = getattr(models, request_class)
        if cls is models.CreateCloudRecordingRequest:
            fields = msgspec.structs.asdict(_recording())
        else:
            fields = {f: VALID[f] for f in cls.__struct_fields__}
        fields[name] = value
        with pytest.raises(RequestValidationError) as caught:
            if whole:  # the constructor takes anything; the call checks
                getattr(client, method)(cls(**fields))
            else:
                getattr(client, method)(**fields)
        assert caught.value.path.startswith(wire) and caught.value.action

    try:
        check()
        assert server.calls() == []
    finally:
        client.close()
        server.stop()


@settings(max_examples=40, deadline=None)
@given(
    extra=st.dictionaries(
        st.text(max_size=8).map("X-".__add__),  # no field of either model is named so
        st.recursive(
            st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
            max_leaves=6,
        ),
        max_size=4,
    )
)
def test_extra_params_follow_the_fields_in_the_json_body(generated_on_path: Path, extra: dict[str, Any]) -> None:
    from tcsdk.common import validation
    from tcsdk.cvm.v20170312 import models as cvm
    from tcsdk.trtc.v20190722 import models

    request = models.DismissRoomRequest(sdk_app_id=1, room_id=2)
    checked = validation.extra(type(request), extra, "DismissRoom")
    body = validation.json_body(request, "DismissRoom", checked)
    assert json.loads(body) == {"SdkAppId": 1, "RoomId": 2, **extra}
    assert list(json.loads(body))[:2] == ["SdkAppId", "RoomId"]
    empty = cvm.DescribeInstancesStatusRequest()  # no field set: the extras alone
    assert json.loads(validation.json_body(empty, "X", validation.extra(type(empty), extra, "X"))) == extra


EXTRA_FIELD = """action: Tag
summary: Tag a thing.
request:
  type: object
  required: [Id]
  properties:
    Id: {type: string}
    ExtraParams: {type: string, description: A field that would take the keyword's name.}
response:
  type: object
  properties: {}
"""


def test_a_field_named_like_the_keyword_gets_another_name(tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", {"demo/2020-01-01/Tag.yaml": EXTRA_FIELD}, actions=())
    with importable_package(tmp_path / "out", "extrapkg", "--specs", str(specs)):
        from extrapkg.common.credentials import Credentials
        from extrapkg.common.errors import RequestValidationError
        from extrapkg.common.testing import Stubber
        from extrapkg.demo.v20200101.client import DemoClient

        with DemoClient(Credentials("id", "key"), endpoint="http://127.0.0.1:9") as client, Stubber(client) as stub:
            stub.add_response("Tag", {}, expected_params={"Id": "a", "ExtraParams": "field", "New": 1})
            client.tag(id="a", extra_params_="field", extra_params={"New": 1})  # type: ignore[call-overload]
            with pytest.raises(RequestValidationError, match="set it as extra_params_="):
                client.tag(id="a", extra_params={"ExtraParams": "x"})  # type: ignore[call-overload]
