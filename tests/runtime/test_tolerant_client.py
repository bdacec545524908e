"""Generated clients with answers that disagree with their model: tolerant by
default, strict on request (client option or ``with_options``), sync and async."""

from __future__ import annotations

import pytest

from ..client_harness import Harness
from ..fake_tencent import Behaviour

ODD = b'{"Response": {"TaskId": 5, "Unknown": {"A": 1}, "RequestId": "rid-odd"}}'


def test_clients_decode_odd_answers_tolerantly_by_default(harness: Harness) -> None:
    from tcsdk.common.model import Deviation
    from tcsdk.trtc.v20190722 import models

    harness.server.then("DeleteCloudRecording", Behaviour("raw", body=ODD))
    response = harness.run(lambda c: c.delete_cloud_recording(sdk_app_id=1, task_id="t"))
    assert isinstance(response, models.DeleteCloudRecordingResponse)
    assert (response.task_id, response.request_id) == ("5", "rid-odd")
    assert response.meta.deviations == (Deviation("TaskId", "str", 5, "5", True),)
    assert response.meta.status == 200 and response.meta.attempts == 1


def test_strict_clients_raise_with_the_body_and_the_deviations(harness: Harness) -> None:
    from tcsdk.common.errors import ResponseShapeError

    harness.server.then("DeleteCloudRecording", Behaviour("raw", body=ODD))
    with pytest.raises(ResponseShapeError) as caught:
        harness.run(lambda c: c.delete_cloud_recording(sdk_app_id=1, task_id="t"), strict=True)
    error = caught.value
    assert error.body == {"Response": {"TaskId": 5, "Unknown": {"A": 1}, "RequestId": "rid-odd"}}
    assert [(d.path, d.value) for d in error.deviations] == [("TaskId", 5)]
    assert error.request_id == "rid-odd" and error.status == 200
    assert len(harness.server.calls("DeleteCloudRecording")) == 1  # a shape error is never retried


def test_strict_for_one_call_with_options(harness: Harness) -> None:
    from tcsdk.common.errors import ResponseShapeError

    harness.server.then(
        "DeleteCloudRecording", Behaviour("raw", body=ODD), Behaviour("raw", body=ODD), Behaviour("raw", body=ODD)
    )

    def calls(client: object) -> object:
        strict = client.with_options(strict=True)  # type: ignore[attr-defined]
        relaxed = strict.with_options(strict=False)
        if harness.mode == "sync":
            with pytest.raises(ResponseShapeError):
                strict.delete_cloud_recording(sdk_app_id=1, task_id="t")
            return (
                relaxed.delete_cloud_recording(sdk_app_id=1, task_id="t"),
                client.delete_cloud_recording(sdk_app_id=1, task_id="t"),
            )  # type: ignore[attr-defined]

        async def run() -> object:
            with pytest.raises(ResponseShapeError):
                await strict.delete_cloud_recording(sdk_app_id=1, task_id="t")
            return (
                await relaxed.delete_cloud_recording(sdk_app_id=1, task_id="t"),
                await client.delete_cloud_recording(sdk_app_id=1, task_id="t"),  # type: ignore[attr-defined]
            )

        return run()

    relaxed_answer, default_answer = harness.run(calls)  # type: ignore[misc]
    assert relaxed_answer.task_id == default_answer.task_id == "5"
    assert relaxed_answer.meta.deviations and default_answer.meta.deviations


def test_matching_answers_are_the_same_in_both_modes(harness: Harness) -> None:
    for strict in (False, True):
        response = harness.run(lambda c: c.dismiss_room(sdk_app_id=1, room_id=2), strict=strict)
        assert response.meta.deviations == ()
        assert isinstance(response.request_id, str)
