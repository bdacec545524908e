"""Waiters (``wait_for_<method>``) against a fake endpoint on 127.0.0.1 that moves through
states, sync and async, and driven by a Stubber without sleeping.

The committed trtc package's waiter: after ``create_cloud_recording``, poll
``describe_cloud_recording`` until ``Status`` is ``InProgress`` (``Exited``
is a failure, ``Idle`` pending); delays 1 to 10 s, timeout 120 s.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from ..client_harness import Harness
from ..fake_tencent import Behaviour

WAIT = {"sdk_app_id": 1400000001, "task_id": "task-1"}
ACTION = "DescribeCloudRecording"


def status(value: str) -> Behaviour:
    return Behaviour("success", fields={"Status": value, "TaskId": "task-1"})


def polls(harness: Harness) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in harness.server.calls(ACTION)]


def wait(harness: Harness, **arguments: Any) -> Any:
    """``client.wait_for_create_cloud_recording(**WAIT, **arguments)``; the highest jitter unless told."""
    overrides = {"uniform": arguments.pop("uniform", lambda low, high: high)}
    for key in ("interceptors", "deadline", "retry"):
        if key in arguments:
            overrides[key] = arguments.pop(key)
    return harness.run(lambda c: c.wait_for_create_cloud_recording(**{**WAIT, **arguments}), **overrides)


def test_success_returns_the_last_typed_answer_after_backing_off(harness: Harness) -> None:
    harness.server.then(ACTION, status("Idle"), status("Idle"), status("Idle"), status("InProgress"))
    answer = wait(harness)
    assert type(answer).__name__ == "DescribeCloudRecordingResponse"
    assert answer.status == "InProgress"
    assert polls(harness) == [{"SdkAppId": 1400000001, "TaskId": "task-1"}] * 4
    # Doubling from min_delay (1 s), the highest draw each time.
    assert harness.clock.sleeps == [1.0, 2.0, 4.0]


def test_the_delays_are_jittered_but_never_below_min_or_above_max(harness: Harness) -> None:
    harness.server.then(ACTION, *[status("Idle")] * 6, status("InProgress"))
    draws: list[tuple[float, float]] = []

    def lowest(low: float, high: float) -> float:
        draws.append((low, high))
        return low - 5  # a broken draw: the waiter keeps to its bounds anyway

    wait(harness, uniform=lowest, min_delay=0.5, max_delay=3)
    assert harness.clock.sleeps == [0.5] * 6
    assert draws == [(0.5, 0.5), (0.5, 1.0), (0.5, 2.0), (0.5, 3.0), (0.5, 3.0), (0.5, 3.0)]


def test_a_failure_state_raises_waiter_error_with_the_answer(harness: Harness) -> None:
    from tcsdk.common.errors import WaiterError

    harness.server.then(ACTION, status("Idle"), status("Exited"))
    with pytest.raises(WaiterError) as caught:
        wait(harness)
    error = caught.value
    assert (error.reason, error.state, error.attempts) == ("failure", "Exited", 2)
    assert (error.action, error.poller) == ("CreateCloudRecording", ACTION)
    assert error.response.status == "Exited" and error.response.task_id == "task-1"
    assert "Exited" in str(error)


def test_timeout_raises_with_the_last_state_seen(harness: Harness) -> None:
    from tcsdk.common.errors import WaiterError

    harness.server.then(ACTION, *[status("Idle")] * 20)
    with pytest.raises(WaiterError) as caught:
        wait(harness, min_delay=2, max_delay=4, timeout=15)
    error = caught.value
    assert (error.reason, error.state) == ("timeout", "Idle")
    # 2 + 4 + 4 + 4 = 14: less than min_delay is left, so no sixth poll.
    assert harness.clock.sleeps == [2.0, 4.0, 4.0, 4.0]
    assert error.attempts == 5 == len(polls(harness))
    assert error.response.status == "Idle"
    assert "last state 'Idle'" in str(error)


def test_a_transport_error_mid_way_is_retried_by_the_client(harness: Harness) -> None:
    harness.server.then(ACTION, status("Idle"), Behaviour("close"), status("InProgress"))
    answer = wait(harness)
    assert answer.status == "InProgress"
    assert answer.meta.attempts == 2  # the poll after the dropped connection, retried
    assert len(harness.server.calls(ACTION)) == 3


def test_an_error_the_client_gives_up_on_ends_the_wait_as_it_is(harness: Harness) -> None:
    from tcsdk.common.errors import TencentCloudError, WaiterError

    harness.server.then(ACTION, status("Idle"), Behaviour("error", code="FailedOperation.NotFound"))
    with pytest.raises(TencentCloudError) as caught:
        wait(harness)
    assert caught.value.code == "FailedOperation.NotFound"
    assert not isinstance(caught.value, WaiterError)


def test_interceptors_see_every_poll(harness: Harness) -> None:
    seen: list[str] = []

    class Count:
        def before_call(self, context: Any) -> None:
            seen.append(context.action)

    harness.server.then(ACTION, status("Idle"), status("InProgress"))
    wait(harness, interceptors=[Count()])
    assert seen == [ACTION, ACTION]


def test_the_client_deadline_applies_to_each_poll_not_to_the_wait(harness: Harness) -> None:
    harness.server.then(ACTION, status("Idle"), status("Idle"), status("InProgress"))
    assert wait(harness, deadline=5).status == "InProgress"
    harness.server.then(ACTION, Behaviour("slow", delay=0.6))
    from tcsdk.common.errors import DeadlineExceeded

    with pytest.raises(DeadlineExceeded):
        wait(harness, deadline=0.3)


def test_started_answer_fills_the_task_id(harness: Harness) -> None:
    from tcsdk.trtc.v20190722.models import CreateCloudRecordingResponse

    started = CreateCloudRecordingResponse(request_id="r-1", task_id="from-create")
    harness.server.then(ACTION, status("InProgress"))
    harness.run(lambda c: c.wait_for_create_cloud_recording(started=started, sdk_app_id=7))
    assert polls(harness) == [{"SdkAppId": 7, "TaskId": "from-create"}]


def test_a_request_model_or_fields_but_not_both(harness: Harness) -> None:
    from tcsdk.trtc.v20190722.models import DescribeCloudRecordingRequest

    request = DescribeCloudRecordingRequest(sdk_app_id=1, task_id="t")
    harness.server.then(ACTION, status("InProgress"))
    assert harness.run(lambda c: c.wait_for_create_cloud_recording(request)).status == "InProgress"
    with pytest.raises(TypeError, match="not both"):
        harness.run(lambda c: c.wait_for_create_cloud_recording(request, task_id="x"))
    with pytest.raises(ValueError, match="min_delay"):
        harness.run(lambda c: c.wait_for_create_cloud_recording(**WAIT, min_delay=5, max_delay=1))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_stubber_drives_the_waiter_without_sleeping(mode: str, generated_on_path: Path) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.errors import WaiterError
    from tcsdk.common.testing import Stubber
    from tcsdk.trtc.v20190722.client import AsyncTrtcClient, TrtcClient

    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def async_sleep(seconds: float) -> None:
        slept.append(seconds)

    def queue(stubber: Stubber, *states: str) -> None:
        for state in states:
            stubber.add_response(ACTION, {"Status": state}, expected_params={"SdkAppId": 1, "TaskId": "t"})

    credentials = Credentials("AKIDstub", "stub-secret")
    arguments = {"sdk_app_id": 1, "task_id": "t"}
    if mode == "sync":
        client = TrtcClient(credentials, region="ap-beijing", sleep=sleep)
        with Stubber(client) as stubber:
            queue(stubber, "Idle", "Idle", "InProgress")
            assert client.wait_for_create_cloud_recording(**arguments).status == "InProgress"
            queue(stubber, *["Idle"] * 40)
            with pytest.raises(WaiterError) as caught:
                client.wait_for_create_cloud_recording(**arguments, timeout=30)
    else:

        async def main() -> Any:
            client = AsyncTrtcClient(credentials, region="ap-beijing", sleep=async_sleep)
            async with Stubber(client) as stubber:
                queue(stubber, "Idle", "Idle", "InProgress")
                assert (await client.wait_for_create_cloud_recording(**arguments)).status == "InProgress"
                queue(stubber, *["Idle"] * 40)
                with pytest.raises(WaiterError) as caught:
                    await client.wait_for_create_cloud_recording(**arguments, timeout=30)
                return caught

        caught = asyncio.run(main())
    assert slept == []  # the delays only counted
    error = caught.value
    assert error.reason == "timeout" and error.state == "Idle"
    assert 30 - 10 <= error.elapsed <= 30 + 0.5  # virtual seconds: at most max_delay short of the timeout
    assert 4 <= error.attempts < 40


def test_a_list_status_waits_for_every_item_and_fails_on_any(generated_on_path: Path) -> None:
    """A resource waiter's path (``InstanceSet[].InstanceState``): every item ready, or any failed."""
    from types import SimpleNamespace as Item

    from tcsdk.common.waiting import Waiting
    from tcsdk.trtc.v20190722.models import DescribeCloudRecordingRequest

    waiting = Waiting(
        "RunInstances",
        "DescribeInstances",
        DescribeCloudRecordingRequest,
        status=("instance_set", "[]", "instance_state"),
        success=("RUNNING",),
        failure=("LAUNCH_FAILED",),
    )

    def answer(*states: str | None) -> Item:
        return Item(instance_set=[Item(instance_state=s) for s in states])

    assert waiting.judge(answer("RUNNING", "RUNNING")) == ("success", "RUNNING")
    assert waiting.judge(answer("RUNNING", "PENDING")) == ("pending", "PENDING")
    assert waiting.judge(answer("PENDING", "LAUNCH_FAILED")) == ("failure", "LAUNCH_FAILED")
    assert waiting.judge(answer()) == ("pending", "")  # not listed yet
    assert waiting.judge(Item(instance_set=None)) == ("pending", "")
    numeric = Waiting("A", "B", DescribeCloudRecordingRequest, status=("status",), success=("0",), failure=("1",))
    assert numeric.judge(Item(status=0)) == ("success", "0")
    assert numeric.judge(Item(status=1)) == ("failure", "1")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_retry_errors_mean_asking_again(mode: str, generated_on_path: Path) -> None:
    """A code in ``retry_errors`` (the task not visible yet) is a pending state; the waiter asks again."""
    from tcsdk.common import waiting as _waiting
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.errors import WaiterError
    from tcsdk.common.testing import Stubber
    from tcsdk.trtc.v20190722.client import AsyncTrtcClient, TrtcClient
    from tcsdk.trtc.v20190722.models import DescribeCloudRecordingRequest

    waiting = _waiting.Waiting(
        "CreateCloudRecording",
        ACTION,
        DescribeCloudRecordingRequest,
        status=("status",),
        success=("InProgress",),
        retry_errors=("FailedOperation.NotFound",),
    )
    fields = {"sdk_app_id": 1, "task_id": "t"}
    credentials = Credentials("AKIDstub", "stub-secret")

    def queue(stubber: Stubber) -> None:
        stubber.add_error(ACTION, "FailedOperation.NotFound")
        stubber.add_response(ACTION, {"Status": "InProgress"})
        stubber.add_error(ACTION, "FailedOperation.NotFound")

    if mode == "sync":
        client = TrtcClient(credentials, region="ap-beijing")
        with Stubber(client) as stubber:
            queue(stubber)
            done = _waiting.wait(client, client.describe_cloud_recording, waiting, None, fields, None, None, 1, 2, 9)
            with pytest.raises(WaiterError) as caught:
                _waiting.wait(client, client.describe_cloud_recording, waiting, None, fields, None, None, 5, 5, 4)
    else:

        async def main() -> tuple[Any, Any]:
            client = AsyncTrtcClient(credentials, region="ap-beijing")
            async with Stubber(client) as stubber:
                queue(stubber)
                done = await _waiting.async_wait(
                    client, client.describe_cloud_recording, waiting, None, fields, None, None, 1, 2, 9
                )
                with pytest.raises(WaiterError) as caught:
                    await _waiting.async_wait(
                        client, client.describe_cloud_recording, waiting, None, fields, None, None, 5, 5, 4
                    )
                return done, caught

        done, caught = asyncio.run(main())
    assert done.status == "InProgress"
    # One poll, an error code to wait through, then 5 s more would pass the 4 s timeout.
    assert (caught.value.reason, caught.value.state, caught.value.attempts) == (
        "timeout",
        "error FailedOperation.NotFound",
        1,
    )
    assert caught.value.response is None
