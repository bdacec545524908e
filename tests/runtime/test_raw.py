"""Fields the model does not declare are not lost: ``response.meta.raw`` is the
answer's ``Response`` object as received and ``response.meta.unknown`` lists
where it holds what the model does not declare, for ``from_envelope`` (bytes,
str, mapping), tolerant answers, generated and common clients (sync and
async) and streamed events."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..client_harness import Harness, spec_examples
from ..conftest import SHARED, importable_package
from ..fake_tencent import Behaviour
from .test_common_client import CommonHarness, common, cvm  # noqa: F401 - fixtures
from .test_streaming import Answer, FakeStreams, collect, event, stream_package  # noqa: F401 - a fixture

# DescribeInstancesStatus with fields the model does not declare: at the top,
# in an object of a list, and inside such an object's unknown object.
EXTRA = {
    "Response": {
        "TotalCount": 1,
        "NewTop": {"Nested": [1, {"Deep": True}]},
        "InstanceStatusSet": [
            {"InstanceId": "ins-1", "InstanceState": "RUNNING", "Since": "2024-01-01"},
            {"InstanceId": "ins-2", "Health": {"Score": 9}},
        ],
        "RequestId": "rid-1",
    }
}
CORPUS = SHARED / "tencentcloud-api"
EXTRA_PATHS = ("NewTop", "InstanceStatusSet[0].Since", "InstanceStatusSet[1].Health")


def bodies(envelope: dict[str, Any]) -> list[Any]:
    text = json.dumps(envelope)
    return [text.encode(), text, copy.deepcopy(envelope)]


@pytest.mark.parametrize("kind", ["bytes", "str", "mapping"])
def test_from_envelope_keeps_unknown_fields_reachable(kind: str, generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models

    body = dict(zip(["bytes", "str", "mapping"], bodies(EXTRA), strict=True))[kind]
    response = models.DescribeInstancesStatusResponse.from_envelope(body)
    assert response.meta.raw == EXTRA["Response"]
    assert response.meta.unknown == EXTRA_PATHS
    assert response.meta.raw["InstanceStatusSet"][1]["Health"] == {"Score": 9}
    # The model itself is unchanged: the same fields, JSON and equality as without them.
    plain = models.DescribeInstancesStatusResponse.from_envelope(
        b'{"Response": {"TotalCount": 1, "InstanceStatusSet": [{"InstanceId": "ins-1",'
        b' "InstanceState": "RUNNING"}, {"InstanceId": "ins-2"}], "RequestId": "rid-1"}}'
    )
    assert response == plain and repr(response) == repr(plain)
    assert msgspec.json.encode(response) == msgspec.json.encode(plain)
    assert plain.meta.unknown == () and response.meta.deviations == ()


def test_raw_is_a_fresh_decode_each_time_and_the_body_is_kept_not_copied(generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models

    body = json.dumps(EXTRA).encode()
    response = models.DescribeInstancesStatusResponse.from_envelope(body)
    assert response._kept is body  # a reference to the caller's bytes, no copy
    first = response.meta.raw
    first["NewTop"] = "changed"
    first["InstanceStatusSet"].clear()
    assert response.meta.raw == EXTRA["Response"]
    # A mapping body is copied when read: changing raw leaves it alone.
    mapping = copy.deepcopy(EXTRA)
    parsed = models.DescribeInstancesStatusResponse.from_envelope(mapping)
    parsed.meta.raw["InstanceStatusSet"][0]["Since"] = "changed"
    assert mapping == EXTRA


def test_a_response_not_parsed_from_an_answer_has_no_raw(generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models

    built = models.DescribeInstancesStatusResponse(request_id="r", total_count=0)
    assert built.meta.raw is None and built.meta.unknown == ()
    parsed = models.DescribeInstancesStatusResponse.from_envelope(json.dumps(EXTRA))
    copied = msgspec.structs.replace(parsed)
    assert copied == parsed and copied.meta.raw is None  # a copy keeps no body


def test_the_meta_repr_never_shows_the_kept_body(generated_on_path: Path) -> None:
    from tcsdk.trtc.v20190722 import models

    secret = "sk-live-0123456789abcdef"
    body = json.dumps({"Response": {"TaskId": "t", "UserSig": secret, "RequestId": "r"}})
    response = models.DeleteCloudRecordingResponse.from_envelope(body)
    assert response.meta.raw["UserSig"] == secret and response.meta.unknown == ("UserSig",)
    for shown in (repr(response.meta), str(response.meta), repr(response), str(response)):
        assert secret not in shown and "UserSig" not in shown


def test_tolerant_answers_keep_their_unknown_fields_beside_the_deviations(generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models

    odd = copy.deepcopy(EXTRA)
    odd["Response"]["TotalCount"] = "many"
    # One object where a list of them is expected: its unknown field is at the wire path.
    odd["Response"]["InstanceStatusSet"] = {"InstanceId": "ins-9", "Zone": "z"}
    for body in bodies(odd):
        response = models.DescribeInstancesStatusResponse.from_envelope(body)
        assert [d.path for d in response.meta.deviations] == ["TotalCount", "InstanceStatusSet"]
        assert response.meta.raw == odd["Response"]
        assert response.meta.unknown == ("NewTop", "InstanceStatusSet.Zone")


def test_values_the_typed_decode_skips_but_msgspec_cannot_hold_are_read_too(generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models

    body = b'{"Response": {"TotalCount": 1, "Huge": 1e400, "Big": 123456789012345678901234567890, "RequestId": "r"}}'
    response = models.DescribeInstancesStatusResponse.from_envelope(body)
    assert response.meta.raw == {
        "TotalCount": 1,
        "Huge": float("inf"),
        "Big": 123456789012345678901234567890,
        "RequestId": "r",
    }
    assert response.meta.unknown == ("Huge", "Big")


def test_a_kept_mapping_too_deep_to_copy_raises_the_typed_error(generated_on_path: Path) -> None:
    from tcsdk.common.errors import InvalidJSONError
    from tcsdk.cvm.v20170312 import models

    deep: list[Any] = []
    for _ in range(100_000):  # deeper than Python recursion goes; the typed decode skips it
        deep = [deep]
    response = models.DescribeInstancesStatusResponse.from_envelope({"Response": {"RequestId": "r", "Deep": deep}})
    assert response.request_id == "r"
    with pytest.raises(InvalidJSONError, match="nested too deeply"):
        response.meta.raw  # noqa: B018 - the read is what is tested


# The property: any extra fields added to an example's objects are in raw and listed in unknown.


def _examples() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (service, action, body)
        for service in ("cvm", "trtc")
        for action, body in sorted(spec_examples(service).items())
    ]


def _object_paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Where a decoded model has a model object: its wire path and the object."""
    if isinstance(value, msgspec.Struct):
        yield path, value
        for field in msgspec.structs.fields(value):
            yield from _object_paths(getattr(value, field.name), (*path, field.encode_name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _object_paths(item, (*path, index))


def _text(path: tuple[str | int, ...]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def check_extra_fields(data: st.DataObject, examples: list[tuple[type[Any], dict[str, Any]]]) -> None:
    """Add fields to the objects of a drawn example; raw holds them, unknown lists exactly them."""
    cls, example = data.draw(st.sampled_from(examples), label="example")
    assert cls.from_envelope(example).meta.unknown == ()
    body = copy.deepcopy(example)
    places = list(_object_paths(cls.from_envelope(body)))
    added: set[str] = set()
    for path, model in data.draw(st.lists(st.sampled_from(places), min_size=1, max_size=4), label="places"):
        holder: Any = body["Response"]
        for step in path:
            holder = holder[step]
        declared = frozenset(f.encode_name for f in msgspec.structs.fields(model))
        name = data.draw(st.from_regex(r"\AX[A-Za-z0-9]{0,8}\Z").filter(lambda n, d=declared: n not in d), label="name")
        holder[name] = data.draw(JSON, label="value")
        added.add(_text((*path, name)))
    text = json.dumps(body)
    for given_body in (text.encode(), text, body):
        response = cls.from_envelope(given_body)
        assert response.meta.raw == json.loads(text)["Response"]
        assert sorted(response.meta.unknown) == sorted(added)
        assert response == cls.from_envelope(example)  # the model did not change


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_extra_fields_anywhere_are_in_raw_and_listed_in_unknown(data: st.DataObject, generated_on_path: Path) -> None:
    import importlib

    examples = []
    for service, version in (("cvm", "v20170312"), ("trtc", "v20190722")):
        models = importlib.import_module(f"tcsdk.{service}.{version}.models")
        for action, body in sorted(spec_examples(service).items()):
            examples.append((getattr(models, f"{action}Response"), body))
    check_extra_fields(data, examples)


CORPUS_ACTIONS = "DescribeInstances,DescribeImages,DescribeZones,DescribeZoneInstanceConfigInfos"


@pytest.fixture(scope="module")
def corpus_cvm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import importlib

    source = CORPUS / "cvm" / "v20170312"
    arguments = ("--from", "tencentcloud", str(source), "--actions", CORPUS_ACTIONS)
    with importable_package(tmp_path_factory.mktemp("raw"), "rawcorpus", *arguments):
        models = importlib.import_module("rawcorpus.cvm.v20170312.models")
        found = []
        for action, items in json.loads((source / "examples.json").read_text())["actions"].items():
            for item in items if action in CORPUS_ACTIONS.split(",") else []:
                cls = getattr(models, f"{action}Response")
                try:
                    body = json.loads(item["output"])
                    if cls.from_envelope(body, strict=True).meta.unknown == ():
                        found.append((cls, body))
                except Exception:  # noqa: BLE001, S112 - an example that is not JSON or does not fit its description
                    continue
        assert len(found) >= 4
        yield found


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_extra_fields_in_corpus_answers_are_in_raw_and_listed_in_unknown(
    data: st.DataObject, corpus_cvm: list[tuple[type[Any], dict[str, Any]]]
) -> None:
    check_extra_fields(data, corpus_cvm)


# Clients, sync and async.


@pytest.fixture()
def streams() -> Iterator[FakeStreams]:
    server = FakeStreams("chat")
    yield server
    server.stop()


ODD_STATUS = json.dumps(
    {
        "Response": {
            "TaskId": "t-1",
            "Status": "Idle",
            "StorageFileList": [{"FileName": "a.mp4", "Bitrate": 800}],
            "Region": {"Name": "ap-beijing"},
            "RequestId": "rid-raw",
        }
    }
).encode()


def test_generated_clients_keep_unknown_fields(harness: Harness) -> None:
    harness.server.then("DescribeCloudRecording", Behaviour("raw", body=ODD_STATUS))
    response = harness.run(lambda c: c.describe_cloud_recording(sdk_app_id=1, task_id="t-1"))
    assert response.task_id == "t-1" and response.meta.status == 200 and response.meta.attempts == 1
    assert response.meta.raw == json.loads(ODD_STATUS)["Response"]
    assert response.meta.unknown == ("StorageFileList[0].Bitrate", "Region")


def test_generated_clients_keep_unknown_fields_of_tolerant_answers(harness: Harness) -> None:
    odd = json.loads(ODD_STATUS)
    odd["Response"]["TaskId"] = 5
    harness.server.then("DescribeCloudRecording", Behaviour("raw", body=json.dumps(odd).encode()))
    response = harness.run(lambda c: c.describe_cloud_recording(sdk_app_id=1, task_id="t-1"))
    assert [d.path for d in response.meta.deviations] == ["TaskId"] and response.meta.status == 200
    assert response.meta.raw == odd["Response"]
    assert response.meta.unknown == ("StorageFileList[0].Bitrate", "Region")


def test_common_client_answers_have_raw_and_nothing_unknown(common: CommonHarness) -> None:  # noqa: F811
    answer = {"TotalCount": 1, "ZoneSet": [{"Zone": "a", "New": 1}]}
    common.server.then("DescribeZones", Behaviour("success", fields=answer))
    response = common.run(lambda c: c.call("DescribeZones"))
    raw = response.meta.raw
    assert raw == dict(response) and raw["ZoneSet"][0]["New"] == 1
    raw["ZoneSet"].clear()
    assert response["ZoneSet"] == [{"Zone": "a", "New": 1}]  # raw is the caller's own copy
    assert response.meta.unknown == () and response.meta.status == 200


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_stream_events_keep_their_data_as_sent(mode: str, streams: FakeStreams, stream_package: Path) -> None:  # noqa: F811
    first = {"Delta": {"Content": "Hel", "Seq": 0, "Voice": "a"}, "IsEnd": False, "Audio": "AAA="}
    second = {"Delta": {"Content": "lo", "Seq": 1}, "IsEnd": True, "RequestId": "own"}
    streams.script.append(Answer(chunks=[event(first), event(second), b"data: [DONE]\n\n"]))
    items, _ = collect(mode, streams)
    assert [i.delta.content for i in items] == ["Hel", "lo"]
    assert items[0].request_id == "stream-req"  # from the stream's header, not in the data
    assert [i.meta.raw for i in items] == [first, second]
    assert [i.meta.unknown for i in items] == [("Delta.Voice", "Audio"), ()]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_tolerant_stream_events_keep_their_data_as_sent(
    mode: str,
    streams: FakeStreams,
    stream_package: Path,  # noqa: F811
) -> None:
    odd = {"Delta": {"Content": 7, "Extra": [1]}, "IsEnd": False}
    streams.script.append(Answer(chunks=[event(odd)]))
    items, _ = collect(mode, streams)
    assert [d.path for d in items[0].meta.deviations] == ["Delta.Content"]
    assert items[0].meta.raw == odd and items[0].meta.unknown == ("Delta.Extra",)


def test_stubbed_answers_have_raw_too(generated_on_path: Path) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.testing import Stubber
    from tcsdk.trtc.v20190722.client import TrtcClient

    with TrtcClient(Credentials("AKIDstub", "stub-key"), region="ap-beijing") as trtc, Stubber(trtc) as stubber:
        stubber.add_response("DescribeCloudRecording", {"TaskId": "t-9", "Status": "Idle"})
        response = trtc.describe_cloud_recording(sdk_app_id=1, task_id="t-9")
    assert response.meta.raw == {"TaskId": "t-9", "Status": "Idle", "RequestId": response.request_id}
    assert response.meta.unknown == () and response.meta.status == 200


def test_only_responses_have_the_slot_and_it_is_no_field(generated_on_path: Path) -> None:
    from tcsdk.cvm.v20170312 import models

    assert hasattr(models.DescribeInstancesStatusResponse, "_kept")
    assert not hasattr(models.InstanceStatus, "_kept")  # nested models pay nothing
    assert "_kept" not in models.DescribeInstancesStatusResponse.__struct_fields__


# keep_raw=False: the body goes once the answer is parsed (for programs that
# hold many responses); everything else about the response stays.


def test_a_client_with_keep_raw_false_keeps_no_body(harness: Harness) -> None:
    odd = json.loads(ODD_STATUS)
    odd["Response"]["TaskId"] = 5  # tolerant: the deviation stays
    for body in (ODD_STATUS, json.dumps(odd).encode()):
        harness.server.then("DescribeCloudRecording", Behaviour("raw", body=body))
        response = harness.run(lambda c: c.describe_cloud_recording(sdk_app_id=1, task_id="t-1"), keep_raw=False)
        assert response.meta.raw is None and response.meta.unknown == ()
        assert response.meta.status == 200 and response.meta.attempts == 1 and response.request_id == "rid-raw"
    assert [d.path for d in response.meta.deviations] == ["TaskId"]
    # Per call, and back again.
    harness.server.then("DescribeCloudRecording", Behaviour("raw", body=ODD_STATUS))
    harness.server.then("DescribeCloudRecording", Behaviour("raw", body=ODD_STATUS))

    def twice(c: Any) -> Any:
        if harness.mode == "sync":
            return (
                c.with_options(keep_raw=False).describe_cloud_recording(sdk_app_id=1, task_id="t-1"),
                c.describe_cloud_recording(sdk_app_id=1, task_id="t-1"),
            )

        async def both() -> Any:
            first = await c.with_options(keep_raw=False).describe_cloud_recording(sdk_app_id=1, task_id="t-1")
            return first, await c.describe_cloud_recording(sdk_app_id=1, task_id="t-1")

        return both()

    dropped, kept = harness.run(twice)
    assert dropped.meta.raw is None and kept.meta.raw == json.loads(ODD_STATUS)["Response"]


def test_a_common_client_with_keep_raw_false_keeps_no_body(common: CommonHarness) -> None:  # noqa: F811
    common.server.then("DescribeZones", Behaviour("success", fields={"TotalCount": 1}))
    response = common.run(lambda c: c.call("DescribeZones"), keep_raw=False)
    assert response.meta.raw is None and response["TotalCount"] == 1 and response.meta.status == 200


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_stream_events_with_keep_raw_false_keep_no_data(mode: str, streams: FakeStreams, stream_package: Path) -> None:  # noqa: F811
    from streampkg.chat.v20240101.client import AsyncChatClient, ChatClient
    from streampkg.common.credentials import Credentials

    from .test_streaming import SECRET_ID, SECRET_KEY

    plain = {"Delta": {"Content": "Hel", "Seq": 0, "Voice": "a"}, "IsEnd": False}
    odd = {"Delta": {"Content": 7, "Extra": [1]}, "IsEnd": True}
    streams.script.append(Answer(chunks=[event(plain), event(odd)]))
    options: dict[str, Any] = {"endpoint": streams.url, "timeout": 5.0, "keep_raw": False}
    if mode == "sync":
        with ChatClient(Credentials(SECRET_ID, SECRET_KEY), **options) as client:
            with client.talk_sse(prompt="hi") as stream:
                items = list(stream)
    else:

        async def main() -> list[Any]:
            async with AsyncChatClient(Credentials(SECRET_ID, SECRET_KEY), **options) as client:
                async with client.talk_sse(prompt="hi") as stream:
                    return [item async for item in stream]

        items = asyncio.run(main())
    assert [i.delta.content for i in items] == ["Hel", "7"]
    assert [d.path for d in items[1].meta.deviations] == ["Delta.Content"]
    assert [(i.meta.raw, i.meta.unknown) for i in items] == [(None, ()), (None, ())]


def test_each_response_class_parses_as_itself_whichever_is_parsed_first(generated_on_path: Path) -> None:
    # A class's first answer gives it its own from_envelope; a subclass made
    # before or after that must never inherit it and decode as its parent.
    from tcsdk.trtc.v20190722 import models

    class Before(models.DismissRoomResponse):
        note: str | None = msgspec.field(default=None, name="Note")

    body = b'{"Response": {"RequestId": "r", "Note": "n"}}'
    parent = models.DismissRoomResponse.from_envelope(body)
    assert type(parent) is models.DismissRoomResponse

    class After(models.DismissRoomResponse):
        note: str | None = msgspec.field(default=None, name="Note")

    for cls in (Before, After, Before, After):
        child = cls.from_envelope(body)
        assert type(child) is cls and child.note == "n" and child.meta.raw == {"RequestId": "r", "Note": "n"}
    assert type(models.DismissRoomResponse.from_envelope(body)) is models.DismissRoomResponse
    assert models.DismissRoomResponse.from_envelope.__doc__ == Before.from_envelope.__doc__


def test_a_subclass_with_a_mixin_first_still_parses_as_itself(generated_on_path: Path) -> None:
    from tcsdk.trtc.v20190722 import models

    class Mixin:
        __slots__ = ()

    body = b'{"Response": {"RequestId": "r"}}'
    models.RemoveUserResponse.from_envelope(body)  # the parent has its own function now

    class Mixed(Mixin, models.RemoveUserResponse):
        pass

    assert type(Mixed.from_envelope(body)) is Mixed
    assert type(models.RemoveUserResponse.from_envelope(body)) is models.RemoveUserResponse
