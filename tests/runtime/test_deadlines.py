"""Deadlines over whole calls (attempts and pauses together), and how every
request identifies itself (User-Agent, X-TC-TraceId, the debug-log switch)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ..client_harness import SECRET_ID, SECRET_KEY, Harness
from ..conftest import GENERATED
from ..fake_tencent import Behaviour, FakeTencentCloud

# The sync clients on each transport (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_transports")

READ = {"sdk_app_id": 1, "task_id": "t"}  # DescribeCloudRecording: read-only
WRITE = {"sdk_app_id": 1, "task_id": "t"}  # DeleteCloudRecording: never repeated once sent


def test_a_slow_answer_is_cut_at_the_deadline_not_at_the_timeout(harness: Harness) -> None:
    from tcsdk.common.errors import DeadlineExceeded, TransportError

    harness.server.then("DescribeCloudRecording", Behaviour("slow", delay=3.0), Behaviour("slow", delay=3.0))
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded) as caught:
        harness.run(lambda c: c.describe_cloud_recording(**READ), timeout=30.0, deadline=0.4)
    took = time.monotonic() - started
    assert 0.35 < took < 2.0, took
    assert isinstance(caught.value, TransportError)
    assert caught.value.attempts == 1 and caught.value.sent is True
    assert caught.value.action == "DescribeCloudRecording"
    assert isinstance(caught.value.__cause__, TransportError)
    assert len(harness.server.calls()) == 1


def test_a_pause_that_would_outlast_the_deadline_is_not_taken(harness: Harness) -> None:
    from tcsdk.common.errors import DeadlineExceeded, RequestLimitExceededError
    from tcsdk.common.retry import RetryPolicy

    harness.server.then("DescribeCloudRecording", Behaviour("error", code="RequestLimitExceeded"))
    with pytest.raises(DeadlineExceeded) as caught:
        harness.run(
            lambda c: c.describe_cloud_recording(**READ),
            deadline=5.0,
            retry=RetryPolicy(base_delay=10.0, max_delay=10.0),
            uniform=lambda a, b: b,
        )
    assert caught.value.attempts == 1
    assert isinstance(caught.value.__cause__, RequestLimitExceededError)
    assert harness.clock.sleeps == []  # no pause was taken


def test_retries_within_the_deadline_still_happen(harness: Harness) -> None:
    harness.server.then("DescribeCloudRecording", Behaviour("status", status=502))
    response = harness.run(lambda c: c.describe_cloud_recording(**READ), deadline=5.0, uniform=lambda a, b: 0.01)
    assert response.meta.attempts == 2


def test_a_deadline_per_call_with_options_and_as_a_scope(harness: Harness) -> None:
    from tcsdk.common.deadlines import deadline
    from tcsdk.common.errors import DeadlineExceeded

    harness.server.then("DeleteCloudRecording", Behaviour("slow", delay=3.0))
    harness.server.then("DescribeCloudRecording", Behaviour("slow", delay=3.0))

    def body(client: Any) -> Any:
        caught: list[BaseException] = []
        if harness.mode == "sync":
            try:
                client.with_options(deadline=0.3).delete_cloud_recording(**WRITE)
            except DeadlineExceeded as error:
                caught.append(error)
            with deadline(0.3):
                try:
                    client.describe_cloud_recording(**READ)
                except DeadlineExceeded as error:
                    caught.append(error)
            return caught

        async def both() -> list[BaseException]:
            try:
                await client.with_options(deadline=0.3).delete_cloud_recording(**WRITE)
            except DeadlineExceeded as error:
                caught.append(error)
            async with deadline(0.3):
                try:
                    await client.describe_cloud_recording(**READ)
                except DeadlineExceeded as error:
                    caught.append(error)
            return caught

        return both()

    started = time.monotonic()
    caught = harness.run(body, timeout=30.0)
    assert time.monotonic() - started < 3.0
    assert [type(error).__name__ for error in caught] == ["DeadlineExceeded"] * 2
    # Nothing else ran past the scope: the client's calls are unbounded again.
    assert harness.run(lambda c: c.describe_cloud_recording(**READ)).task_id == "xx"


def test_a_deadline_already_past_sends_nothing(harness: Harness) -> None:
    from tcsdk.common.deadlines import deadline
    from tcsdk.common.errors import DeadlineExceeded

    def late(client: Any) -> Any:
        with deadline(0.01):
            time.sleep(0.03)
            return client.describe_cloud_recording(**READ)

    async def late_async(client: Any) -> Any:
        # The scope is current in the task that awaits the call.
        async with deadline(0.01):
            await asyncio.sleep(0.03)
            return await client.describe_cloud_recording(**READ)

    with pytest.raises(DeadlineExceeded) as caught:
        harness.run(late if harness.mode == "sync" else late_async)
    assert caught.value.attempts == 0 and caught.value.sent is False
    assert harness.server.calls() == []


def test_nested_scopes_keep_the_earliest_end(generated_on_path: Path) -> None:
    from tcsdk.common.deadlines import call_end, deadline

    assert call_end(None, 100.0) is None and call_end(2.0, 100.0) == 102.0
    with deadline(0.5):
        outer = call_end(None, 0.0)
        with deadline(60.0):
            assert call_end(None, 0.0) == outer  # a longer inner scope cannot extend the outer one
        with deadline(0.1):
            inner = call_end(None, 0.0)
            assert inner is not None and outer is not None and inner < outer
        assert call_end(None, 0.0) == outer
    assert call_end(None, 0.0) is None


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_deadlines_must_be_positive_finite_seconds(generated_on_path: Path, bad: float) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.deadlines import deadline
    from tcsdk.trtc.v20190722.client import TrtcClient

    with pytest.raises(ValueError, match="positive number of seconds"):
        TrtcClient(Credentials(SECRET_ID, SECRET_KEY), deadline=bad)
    with pytest.raises(ValueError, match="positive number of seconds"):
        deadline(bad)
    client = TrtcClient(Credentials(SECRET_ID, SECRET_KEY))
    with pytest.raises(ValueError):
        client.with_options(deadline=bad)
    with pytest.raises(TypeError):
        client.with_options(deadline="2")  # type: ignore[arg-type]


UUID = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")


def test_every_request_names_the_package_generator_and_python(harness: Harness) -> None:
    import codegen

    harness.run(lambda c: c.describe_cloud_recording(**READ))
    (received,) = harness.server.calls()
    python = "{}.{}.{}".format(*sys.version_info[:3])
    assert received.headers["user-agent"] == f"tcsdk tencentcloud-codegen/{codegen.__version__} Python/{python}"


def test_a_trace_id_per_call_kept_across_its_retries(harness: Harness) -> None:
    harness.server.then("DescribeCloudRecording", Behaviour("status", status=502))

    def body(client: Any) -> Any:
        if harness.mode == "sync":
            client.describe_cloud_recording(**READ)
            client.describe_cloud_recording(**READ)
            return None

        async def both() -> None:
            await client.describe_cloud_recording(**READ)
            await client.describe_cloud_recording(**READ)

        return both()

    harness.run(body)
    first, retry, second = (c.headers["x-tc-traceid"] for c in harness.server.calls())
    assert UUID.match(first) and first == retry and second != first and UUID.match(second)


class Traced:
    def before_call(self, context: Any) -> None:
        context.trace_id = f"from-interceptor-{context.action}"


def test_the_callers_trace_id_wins_in_any_case_and_an_interceptor_may_set_it(harness: Harness) -> None:
    harness.run(lambda c: c.describe_cloud_recording(**READ), headers={"x-tc-traceid": "mine"})
    harness.run(lambda c: c.describe_cloud_recording(**READ), interceptors=[Traced()])
    mine, set_by_interceptor = harness.server.calls()
    assert mine.headers["x-tc-traceid"] == "mine"
    assert set_by_interceptor.headers["x-tc-traceid"] == "from-interceptor-DescribeCloudRecording"


LOGGED = """
import sys
from tcsdk.common.credentials import Credentials
from tcsdk.trtc.v20190722.client import TrtcClient

with TrtcClient(Credentials(sys.argv[2], sys.argv[3]), endpoint=sys.argv[1], region="ap-beijing") as trtc:
    trtc.describe_cloud_recording(sdk_app_id=1, task_id="t")
"""


@pytest.mark.parametrize("value", ["debug", "DEBUG", "warning", "loud"])
def test_the_debug_log_is_switched_on_from_the_environment(fake: FakeTencentCloud, value: str) -> None:
    env = {**os.environ, "TENCENTCLOUD_SDK_LOG": value}
    result = subprocess.run(
        [sys.executable, "-c", LOGGED, fake.url, SECRET_ID, SECRET_KEY],
        cwd=GENERATED,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if value == "loud":
        assert result.returncode == 1 and "TENCENTCLOUD_SDK_LOG='loud' names no log level" in result.stderr
        return
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "DescribeCloudRecording attempt=1 ok" in line]
    assert len(lines) == (1 if value.lower() == "debug" else 0), result.stderr
    assert SECRET_KEY not in result.stderr
