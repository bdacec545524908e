"""``common.testing.Stubber``: queued answers for generated clients, sync and async, nothing sent."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..conftest import FIXTURES, GENERATED, importable_package

MODES = ["sync", "async"]
NOWHERE = "http://127.0.0.1:9"  # nothing listens there: a call that went out would fail


def run(mode: str, body: Callable[[Any, Any], Any], **client_options: Any) -> Any:
    """``body(client, stubber)`` with a stubbed sync or async pager client (awaited for async)."""
    from pagerpkg.common.credentials import Credentials
    from pagerpkg.common.testing import Stubber
    from pagerpkg.pager.v20210101.client import AsyncPagerClient, PagerClient

    credentials = Credentials("AKIDstub", "stub-secret")
    if mode == "sync":
        with PagerClient(credentials, endpoint=NOWHERE, **client_options) as client, Stubber(client) as stubber:
            return body(client, stubber)

    async def main() -> Any:
        async with AsyncPagerClient(credentials, endpoint=NOWHERE, **client_options) as client:
            async with Stubber(client) as stubber:
                return await body(client, stubber)

    return asyncio.run(main())


def call(mode: str, method: Any, *args: Any, **kwargs: Any) -> Any:
    """A client call in a body: plain for sync, awaitable for async."""
    return method(*args, **kwargs)


@pytest.mark.parametrize("mode", MODES)
def test_a_dict_answer_comes_back_as_the_typed_response(mode: str, pager_package: Path) -> None:
    from pagerpkg.pager.v20210101.models import ListWidgetsResponse, Widget

    async def async_body(client: Any, stubber: Any) -> Any:
        stubber.add_response("ListWidgets", {"TotalCount": 1, "WidgetSet": [{"Id": "w-1"}]})
        return await client.list_widgets(limit=1)

    def sync_body(client: Any, stubber: Any) -> Any:
        stubber.add_response("ListWidgets", {"TotalCount": 1, "WidgetSet": [{"Id": "w-1"}]})
        return client.list_widgets(limit=1)

    response = run(mode, sync_body if mode == "sync" else async_body)
    assert isinstance(response, ListWidgetsResponse)
    assert response.widget_set == [Widget(id="w-1")] and response.total_count == 1
    assert response.request_id == "00000000-0000-0000-0000-000000000000"
    assert response.meta.status == 200 and response.meta.attempts == 1


@pytest.mark.parametrize("mode", MODES)
def test_errors_are_the_typed_errors_the_real_client_raises(mode: str, pager_package: Path) -> None:
    from pagerpkg.common import errors
    from pagerpkg.common.errors import CommonErrorCode
    from pagerpkg.pager.v20210101.errors import CreateWidgetErrorCode

    def sync_body(client: Any, stubber: Any) -> Any:
        stubber.add_error("CreateWidget", "ResourceInUse.Name", "taken")
        stubber.add_error("CreateWidget", "RequestLimitExceeded")  # throttling: no retry, no sleep
        caught = []
        for _ in range(2):
            with pytest.raises(errors.TencentCloudError) as error:
                client.create_widget(name="n")
            caught.append(error.value)
        return caught

    async def async_body(client: Any, stubber: Any) -> Any:
        stubber.add_error("CreateWidget", "ResourceInUse.Name", "taken")
        stubber.add_error("CreateWidget", "RequestLimitExceeded")
        caught = []
        for _ in range(2):
            with pytest.raises(errors.TencentCloudError) as error:
                await client.create_widget(name="n")
            caught.append(error.value)
        return caught

    # A retry would sleep: a sleep that fails proves none happened.
    def no_sleep(seconds: float) -> None:
        raise AssertionError("slept")

    async def no_async_sleep(seconds: float) -> None:
        raise AssertionError("slept")

    first, second = run(
        mode, sync_body if mode == "sync" else async_body, sleep=no_sleep if mode == "sync" else no_async_sleep
    )
    assert first.code is CreateWidgetErrorCode.RESOURCE_IN_USE_NAME and first.message == "taken"
    assert type(first).__name__ == "ResourceInUseError" and first.status == 200
    assert second.code is CommonErrorCode.REQUEST_LIMIT_EXCEEDED  # a common code


@pytest.mark.parametrize("mode", MODES)
def test_expected_params_and_the_readable_difference(mode: str, pager_package: Path) -> None:
    from pagerpkg.common.testing import StubError

    def sync_body(client: Any, stubber: Any) -> Any:
        stubber.add_response("CreateWidget", {"WidgetId": "w-1"}, expected_params={"Name": "a"})
        assert client.create_widget(name="a").widget_id == "w-1"  # the token the client made up is left out
        stubber.add_response("CreateWidget", {"WidgetId": "w-2"}, expected_params={"Name": "a", "ClientToken": "t"})
        with pytest.raises(StubError) as error:
            client.create_widget(name="b", client_token="t")
        return str(error.value), stubber.calls

    async def async_body(client: Any, stubber: Any) -> Any:
        stubber.add_response("CreateWidget", {"WidgetId": "w-1"}, expected_params={"Name": "a"})
        assert (await client.create_widget(name="a")).widget_id == "w-1"
        stubber.add_response("CreateWidget", {"WidgetId": "w-2"}, expected_params={"Name": "a", "ClientToken": "t"})
        with pytest.raises(StubError) as error:
            await client.create_widget(name="b", client_token="t")
        return str(error.value), stubber.calls

    message, calls = run(mode, sync_body if mode == "sync" else async_body)
    assert message.splitlines() == [
        "CreateWidget was called with other parameters than expected:",
        "--- expected",
        "+++ called with",
        "@@ -1,4 +1,4 @@",
        " {",
        '   "ClientToken": "t",',
        '-  "Name": "a"',
        '+  "Name": "b"',
        " }",
    ]
    assert calls == [("CreateWidget", {"Name": "a"}), ("CreateWidget", {"Name": "b", "ClientToken": "t"})]


@pytest.mark.parametrize("mode", MODES)
def test_queues_per_action_in_call_order_and_pending_answers(mode: str, pager_package: Path) -> None:
    from pagerpkg.common.testing import StubError

    def queue(stubber: Any) -> None:
        stubber.add_response("ListTags", {"Tags": ["1"]})
        stubber.add_response("CreateWidget", {"WidgetId": "w"})
        stubber.add_response("ListTags", {"Tags": ["2"]})
        stubber.add_response("ListTags", {"Tags": ["3"]})

    def sync_body(client: Any, stubber: Any) -> Any:
        queue(stubber)
        got = [client.list_tags().tags, client.list_tags().tags, client.create_widget(name="n").widget_id]
        with pytest.raises(StubError, match=r"answers were queued but never asked for: ListTags \(1\)"):
            stubber.assert_no_pending_responses()
        got.append(client.list_tags().tags)
        stubber.assert_no_pending_responses()
        with pytest.raises(StubError, match=r'ListTags was called with \{"Limit": 5\} but no answer is queued for it'):
            client.list_tags(limit=5)
        return got

    async def async_body(client: Any, stubber: Any) -> Any:
        queue(stubber)
        got = [
            (await client.list_tags()).tags,
            (await client.list_tags()).tags,
            (await client.create_widget(name="n")).widget_id,
        ]
        with pytest.raises(StubError, match=r"never asked for: ListTags \(1\)"):
            stubber.assert_no_pending_responses()
        got.append((await client.list_tags()).tags)
        stubber.assert_no_pending_responses()
        with pytest.raises(StubError, match="no answer is queued"):
            await client.list_tags(limit=5)
        return got

    assert run(mode, sync_body if mode == "sync" else async_body) == [["1"], ["2"], "w", ["3"]]


@pytest.mark.parametrize("mode", MODES)
def test_paginators_work_under_the_stubber(mode: str, pager_package: Path) -> None:
    def queue(stubber: Any) -> None:
        stubber.add_response(
            "ListWidgets",
            {"TotalCount": 3, "WidgetSet": [{"Id": "a"}, {"Id": "b"}]},
            expected_params={"Offset": 0, "Limit": 2},
        )
        stubber.add_response(
            "ListWidgets", {"TotalCount": 3, "WidgetSet": [{"Id": "c"}]}, expected_params={"Offset": 2, "Limit": 2}
        )

    def sync_body(client: Any, stubber: Any) -> Any:
        queue(stubber)
        ids = [w.id for w in client.iter_list_widgets(limit=2)]
        stubber.assert_no_pending_responses()
        return ids

    async def async_body(client: Any, stubber: Any) -> Any:
        queue(stubber)
        ids = [w.id async for w in client.iter_list_widgets(limit=2)]
        stubber.assert_no_pending_responses()
        return ids

    assert run(mode, sync_body if mode == "sync" else async_body) == ["a", "b", "c"]


@pytest.mark.parametrize("mode", MODES)
def test_examples_of_the_spec_are_replayed(mode: str, pager_package: Path) -> None:
    from pagerpkg.common.errors import TencentCloudError

    def sync_body(client: Any, stubber: Any) -> Any:
        stubber.add_example("ListWidgets")
        stubber.add_example("ListWidgets", 1)
        first = client.list_widgets(limit=2)
        with pytest.raises(TencentCloudError) as error:
            client.list_widgets(limit=5000)
        return first, error.value

    async def async_body(client: Any, stubber: Any) -> Any:
        stubber.add_example("ListWidgets")
        stubber.add_example("ListWidgets", 1)
        first = await client.list_widgets(limit=2)
        with pytest.raises(TencentCloudError) as error:
            await client.list_widgets(limit=5000)
        return first, error.value

    first, error = run(mode, sync_body if mode == "sync" else async_body)
    assert [w.id for w in first.widget_set] == ["w-1", "w-2"]
    assert first.request_id == "11111111-2222-3333-4444-555555555555"
    assert error.code.value == "InvalidParameterValue.Limit" and error.request_id.endswith("666666666666")


def test_mistakes_in_the_test_are_caught_when_queued(pager_package: Path) -> None:
    from pagerpkg.common.errors import ResponseShapeError
    from pagerpkg.common.testing import StubError
    from pagerpkg.pager.v20210101.models import ListTagsResponse

    def body(client: Any, stubber: Any) -> None:
        with pytest.raises(ValueError, match="PagerClient has no action 'ListWidget'; did you mean ListWidgets"):
            stubber.add_response("ListWidget", {})
        with pytest.raises(
            StubError, match=r"ListWidgetsResponse.WidgetSet\[0\] has no field 'ID' \(did you mean Id\?\)"
        ):
            stubber.add_response("ListWidgets", {"WidgetSet": [{"ID": "w"}]})
        with pytest.raises(ResponseShapeError):
            stubber.add_response("ListWidgets", {"TotalCount": "many"})
        with pytest.raises(TypeError, match="ListWidgets answers with ListWidgetsResponse, not ListTagsResponse"):
            stubber.add_response("ListWidgets", ListTagsResponse(request_id="r"))
        with pytest.raises(IndexError, match="ListTags has 0 example"):
            stubber.add_example("ListTags")
        stubber.add_response("ListTags", ListTagsResponse(request_id="r", tags=["x"]))
        assert client.list_tags().tags == ["x"]

    run("sync", body)


def test_leaving_the_block_restores_the_client(pager_package: Path) -> None:
    from pagerpkg.common.credentials import Credentials
    from pagerpkg.common.errors import TransportError
    from pagerpkg.common.retry import RetryPolicy
    from pagerpkg.common.testing import Stubber
    from pagerpkg.pager.v20210101.client import PagerClient

    with PagerClient(Credentials("a", "b"), endpoint=NOWHERE, retry=RetryPolicy(max_attempts=1)) as client:
        with Stubber(client) as stubber:
            stubber.add_response("ListTags", {"Tags": []})
            client.list_tags()
        with pytest.raises(TransportError):
            client.list_tags()  # really sent: nothing listens there


@pytest.fixture(scope="module")
def stream_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """tests/fixtures/streaming (TalkSSE, with event-stream examples) as ``streampkg``, as test_streaming.py has it."""
    with importable_package(
        tmp_path_factory.mktemp("stub-sse"), "streampkg", "--specs", str(FIXTURES / "streaming")
    ) as out:
        yield out


def talk(mode: str, body: Callable[[Any], None], read: Callable[[Any], Any]) -> list[Any]:
    """Queue answers with ``body(stubber)``, then call TalkSSE once per queued answer and ``read`` each stream.

    What each call gave: what ``read`` returned, or the exception raised.
    """
    from streampkg.chat.v20240101.client import AsyncChatClient, ChatClient
    from streampkg.common.credentials import Credentials
    from streampkg.common.testing import Stubber

    credentials = Credentials("AKIDstub", "stub-secret")
    outcomes: list[Any] = []
    if mode == "sync":
        with ChatClient(credentials, endpoint=NOWHERE) as client, Stubber(client) as stubber:
            body(stubber)
            for prompt in ("hi", "long", "?"):
                try:
                    with client.talk_sse(prompt=prompt) as stream:
                        outcomes.append(read(stream))
                except Exception as exc:
                    outcomes.append(exc)
            stubber.assert_no_pending_responses()
        return outcomes

    async def main() -> None:
        async with AsyncChatClient(credentials, endpoint=NOWHERE) as client, Stubber(client) as stubber:
            body(stubber)
            for prompt in ("hi", "long", "?"):
                try:
                    async with client.talk_sse(prompt=prompt) as stream:
                        got: list[Any] = []
                        try:
                            async for item in stream if read is list_items else stream.events():
                                got.append(item)
                        except Exception as exc:
                            got.append(exc)
                        outcomes.append(got)
                except Exception as exc:
                    outcomes.append(exc)
            stubber.assert_no_pending_responses()

    asyncio.run(main())
    return outcomes


def list_items(stream: Any) -> list[Any]:
    items: list[Any] = []
    try:
        for item in stream:
            items.append(item)
    except Exception as exc:
        items.append(exc)
    return items


@pytest.mark.parametrize("mode", MODES)
def test_streaming_examples_are_replayed_event_by_event(mode: str, stream_package: Path) -> None:
    """The spec's event-stream examples come back as the typed items a real stream gives; errors as errors."""
    from streampkg.chat.v20240101.errors import TalkSSEErrorCode
    from streampkg.chat.v20240101.models import TalkSSEResponse
    from streampkg.common.errors import TencentCloudError

    def queue(stubber: Any) -> None:
        stubber.add_example("TalkSSE", 0, expected_params={"Prompt": "hi"})
        stubber.add_example("TalkSSE", 2)  # fails part way
        stubber.add_example("TalkSSE", 1)  # an error before any event

    whole, failed, refused = talk(mode, queue, list_items)
    assert [type(item) for item in whole] == [TalkSSEResponse] * 2
    assert [(i.delta.content, i.delta.seq, i.is_end) for i in whole] == [("Hel", 0, False), ("lo", 1, True)]
    assert whole[0].request_id == "00000000-0000-0000-0000-000000000000"  # "[DONE]" is no item
    assert failed[0].delta.content == "Once" and isinstance(failed[1], TencentCloudError)
    assert failed[1].code is TalkSSEErrorCode.FAILED_OPERATION_TALK_FAILED
    assert isinstance(refused, TencentCloudError) and refused.code is TalkSSEErrorCode.FAILED_OPERATION_TALK_FAILED


@pytest.mark.parametrize("mode", MODES)
def test_a_replayed_stream_has_its_raw_events_and_checks_its_parameters(mode: str, stream_package: Path) -> None:
    from streampkg.common.testing import StubError

    def queue(stubber: Any) -> None:
        stubber.add_example("TalkSSE", 0)
        stubber.add_example("TalkSSE", 0, expected_params={"Prompt": "not long"})
        stubber.add_response("TalkSSE", {"IsEnd": True})  # a plain JSON answer: the stream's one item

    def raw(stream: Any) -> list[Any]:
        return list(stream.events())

    events, mismatch, single = talk(mode, queue, raw)
    assert [e.data for e in events] == [
        '{"Delta": {"Content": "Hel", "Seq": 0}, "IsEnd": false}',
        '{"Delta": {"Content": "lo", "Seq": 1}, "IsEnd": true}',
        "[DONE]",
    ]
    assert isinstance(mismatch, StubError) and '"Prompt": "not long"' in str(mismatch)
    assert single == []  # no events: the answer was JSON
    if mode == "sync":  # the same queue, read as items: the JSON answer is the only one
        assert talk(mode, queue, list_items)[2][0].is_end is True


def test_the_committed_package_replays_its_spec_examples(generated_on_path: Path) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.testing import Stubber
    from tcsdk.cvm.v20170312.client import CvmClient

    with CvmClient(Credentials("a", "b"), endpoint=NOWHERE) as client, Stubber(client) as stubber:
        stubber.add_example("DescribeInstancesStatus", 2)
        statuses = list(client.iter_describe_instances_status(limit=10))
    assert len(statuses) == 2 and statuses[0].instance_id


def test_the_clients_never_import_the_testing_module() -> None:
    code = (
        "import sys; import tcsdk.cvm.v20170312.client as c; import tcsdk.trtc.v20190722.client; "
        "print('tcsdk.common.testing' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=GENERATED, capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"


def test_the_usage_guide_example(generated_on_path: Path) -> None:
    """docs/usage.md 4e, as written there: code under test and its test."""
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.errors import TencentCloudError
    from tcsdk.common.testing import Stubber
    from tcsdk.trtc.v20190722.client import TrtcClient
    from tcsdk.trtc.v20190722.errors import DismissRoomErrorCode

    def close_room(client: Any, room_id: int) -> bool:
        try:
            client.dismiss_room(sdk_app_id=1400000001, room_id=room_id)
        except TencentCloudError as error:
            if error.code is DismissRoomErrorCode.FAILED_OPERATION_ROOM_NOT_EXIST:
                return False
            raise
        return True

    client = TrtcClient(Credentials("test", "test"), region="ap-guangzhou")
    with Stubber(client) as stubber:
        stubber.add_response("DismissRoom", {}, expected_params={"SdkAppId": 1400000001, "RoomId": 7})
        stubber.add_error("DismissRoom", "FailedOperation.RoomNotExist")
        assert close_room(client, 7) is True
        assert close_room(client, 8) is False
        stubber.assert_no_pending_responses()
    client.close()
    text = (GENERATED.parent / "docs" / "usage.md").read_text("utf-8")
    assert 'stubber.add_error("DismissRoom", "FailedOperation.RoomNotExist")' in text
