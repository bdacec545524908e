"""The retry quota and adaptive mode in the generated clients, sync and async,
against a local fake that throttles (tests/throttling_fake.py). Time is a
fake clock the clients' ``sleep`` moves: nothing here waits for real."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..client_harness import MODES, SECRET_ID, SECRET_KEY, Harness, spec_examples
from ..fake_tencent import Behaviour
from ..throttling_fake import THROTTLED, ThrottlingFake

ROOM = {"sdk_app_id": 1, "room_id": 2}  # DismissRoom
READ = {"sdk_app_id": 1, "task_id": "t"}  # DescribeCloudRecording: read-only, retried after a dropped connection
OTHER_ID, OTHER_KEY = "AKIDanotheraccount", "another-secret-key-0123"


class FakeTime:
    """A monotonic clock for the limiter that the clients' sleeps move forward."""

    def __init__(self) -> None:
        self.now = 10_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture()
def server() -> Iterator[ThrottlingFake]:
    fake = ThrottlingFake("trtc", {SECRET_ID: SECRET_KEY, OTHER_ID: OTHER_KEY}, spec_examples("trtc")).start()
    yield fake
    fake.stop()


@pytest.fixture()
def throttling(generated_on_path: Path) -> Iterator[Any]:
    from tcsdk.common import throttling

    throttling.forget_limiters()
    yield throttling
    throttling.forget_limiters()


@pytest.fixture(params=MODES)
def harness(
    request: pytest.FixtureRequest, server: ThrottlingFake, throttling: Any, generated_on_path: Path
) -> Harness:
    return Harness(request.param, server, generated_on_path)


def calls(harness: Harness, client: Any, *steps: Any) -> Any:
    """Run ``steps`` (each ``lambda client: <call>``) in order; each outcome (result or exception)."""

    def one(step: Any) -> Any:
        try:
            return step(client)
        except Exception as error:  # noqa: BLE001 - the outcome is what is checked
            return error

    if harness.mode == "sync":
        return [one(step) for step in steps]

    async def run() -> list[Any]:
        outcomes = []
        for step in steps:
            try:
                outcomes.append(await step(client))
            except Exception as error:  # noqa: BLE001
                outcomes.append(error)
        return outcomes

    return run()


def policy(**arguments: Any) -> Any:
    from tcsdk.common.retry import RetryPolicy

    return RetryPolicy(base_delay=0.0, max_delay=0.0, **arguments)


# The retry quota


def test_an_empty_quota_stops_retries_and_says_so(harness: Harness) -> None:
    from tcsdk.common.errors import RequestLimitExceededError

    harness.server.limit = 0  # every call refused
    first, second = harness.run(
        lambda c: calls(harness, c, lambda c: c.dismiss_room(**ROOM), lambda c: c.dismiss_room(**ROOM)),
        retry=policy(retry_quota=10),
    )
    # 10 tokens pay for two retries (5 each): the first call makes its 3
    # attempts, the second is not retried at all.
    assert isinstance(first, RequestLimitExceededError) and isinstance(second, RequestLimitExceededError)
    assert harness.server.refused == 4
    assert not getattr(first, "__notes__", None)
    assert second.__notes__ == ["Not retried after 1 attempt(s): retry quota spent"]


def test_a_retry_the_deadline_cancels_takes_nothing_from_the_quota(harness: Harness) -> None:
    from tcsdk.common.errors import DeadlineExceeded, RequestLimitExceededError
    from tcsdk.common.retry import RetryPolicy

    harness.server.limit = 0
    first, second = harness.run(
        lambda c: calls(
            harness,
            c,
            lambda c: c.dismiss_room(**ROOM),  # its 5 s back-off would pass the 1 s deadline
            lambda c: c.with_options(deadline=None).dismiss_room(**ROOM),
        ),
        retry=RetryPolicy(base_delay=5.0, max_delay=5.0, retry_quota=10),
        deadline=1.0,
        uniform=lambda low, high: high,
    )
    assert isinstance(first, DeadlineExceeded)
    # The 10 tokens are still there: the second call makes both its retries.
    assert isinstance(second, RequestLimitExceededError)
    assert harness.server.refused == 1 + 3
    assert not getattr(second, "__notes__", None)


def test_successes_refund_the_quota(harness: Harness) -> None:
    harness.server.then("DismissRoom", THROTTLED, Behaviour("success"))
    harness.server.then("DismissRoom", THROTTLED, THROTTLED, Behaviour("success"))
    harness.server.then("DismissRoom", THROTTLED, Behaviour("success"))
    outcomes = harness.run(
        lambda c: calls(harness, c, *[lambda c: c.dismiss_room(**ROOM)] * 3),
        retry=policy(retry_quota=10),
    )
    # The first call's success gave back its 5 tokens, so the second could
    # retry twice (10); its success gave back 5, which paid for the third.
    assert [o.meta.attempts for o in outcomes] == [2, 3, 2]


def test_without_a_quota_every_allowed_retry_is_made(harness: Harness) -> None:
    harness.server.limit = 0
    harness.run(
        lambda c: calls(harness, c, *[lambda c: c.dismiss_room(**ROOM)] * 5),
        retry=policy(retry_quota=None),
    )
    assert harness.server.refused == 15


def test_with_options_copies_share_the_quota(harness: Harness) -> None:
    from tcsdk.common.errors import RequestLimitExceededError

    harness.server.limit = 0

    def body(client: Any) -> Any:
        copy = client.with_options(timeout=3.0)
        other_size = client.with_options(retry=policy(retry_quota=20))
        return calls(
            harness,
            client,
            lambda c: copy.dismiss_room(**ROOM),  # spends the 10 tokens
            lambda c: c.dismiss_room(**ROOM),  # the original has none left
            lambda c: other_size.dismiss_room(**ROOM),  # another size: a budget of its own
        )

    outcomes = harness.run(body, retry=policy(retry_quota=10))
    assert all(isinstance(o, RequestLimitExceededError) for o in outcomes)
    assert harness.server.refused == 3 + 1 + 3


def test_a_transport_failure_costs_more(harness: Harness) -> None:
    from tcsdk.common.errors import RequestLimitExceededError

    harness.server.then("DescribeCloudRecording", Behaviour("close"), THROTTLED)
    outcome = harness.run(
        lambda c: calls(harness, c, lambda c: c.describe_cloud_recording(**READ)),
        retry=policy(retry_quota=14),
    )
    # The dropped connection's retry took 10 of the 14 tokens: 4 cannot pay
    # for the retry after the throttled answer.
    (error,) = outcome
    assert isinstance(error, RequestLimitExceededError)
    assert error.__notes__ == ["Not retried after 2 attempt(s): retry quota spent"]


# Adaptive mode


def test_adaptive_mode_slows_after_throttling_and_recovers(harness: Harness, throttling: Any) -> None:
    time = FakeTime()
    limiter = throttling.limiter_for(SECRET_ID, "ap-beijing", "trtc", clock=time)
    sleep = time.sleep if harness.mode == "sync" else time.async_sleep
    harness.server.then("DismissRoom", Behaviour("success"), THROTTLED)
    outcomes = harness.run(
        lambda c: calls(harness, c, *[lambda c: c.dismiss_room(**ROOM)] * 25),
        retry=policy(mode="adaptive"),
        sleep=sleep,
    )
    assert [o.meta.attempts for o in outcomes[:2]] == [1, 2]
    assert all(o.meta.attempts == 1 for o in outcomes[2:])
    # Nothing waited before the throttled answer; the retry after it waited
    # for the limiter (the back-off is 0 here), and so did later calls.
    assert limiter.enabled
    waits = [s for s in time.sleeps if s > 0]
    assert len(waits) == 24
    cut_wait = waits[0]
    assert cut_wait == pytest.approx(1 / (0.7 * 4.0))  # 2 answers at once: 4/s measured, 2.8/s allowed
    # Each success raised the rate again: the waits shrink.
    assert waits[-1] < cut_wait / 2
    assert limiter.rate > 2 * 0.7 * 2


def test_standard_mode_never_waits_for_a_limiter(harness: Harness, throttling: Any) -> None:
    time = FakeTime()
    sleep = time.sleep if harness.mode == "sync" else time.async_sleep
    harness.server.then("DismissRoom", THROTTLED, THROTTLED)
    harness.run(lambda c: calls(harness, c, *[lambda c: c.dismiss_room(**ROOM)] * 5), retry=policy(), sleep=sleep)
    assert time.sleeps == [0.0, 0.0]  # the two back-offs
    assert throttling._limiters == {}


def test_clients_of_one_account_region_and_service_share_a_limiter(harness: Harness, throttling: Any) -> None:
    from tcsdk.common.credentials import Credentials

    time = FakeTime()
    throttling.limiter_for(SECRET_ID, "ap-beijing", "trtc", clock=time)
    sleep = time.sleep if harness.mode == "sync" else time.async_sleep
    harness.server.then("DismissRoom", THROTTLED)
    harness.run(
        lambda c: calls(harness, c, lambda c: c.dismiss_room(**ROOM)), retry=policy(mode="adaptive"), sleep=sleep
    )
    assert len(time.sleeps) == 2  # the back-off and the limiter's wait

    def waits_of(**options: Any) -> list[float]:
        time.sleeps.clear()
        harness.run(
            lambda c: calls(harness, c, lambda c: c.dismiss_room(**ROOM)),
            retry=policy(mode="adaptive"),
            sleep=sleep,
            **options,
        )
        return [s for s in time.sleeps if s > 0]

    # Another client with the same keys, region and service waits too...
    assert len(waits_of()) == 1
    # ... not one for another region or another account.
    assert waits_of(region="ap-guangzhou") == []
    assert waits_of(credentials=Credentials(OTHER_ID, OTHER_KEY)) == []
    assert len(harness.server.calls()) == 2 + 3


def test_a_limiter_wait_past_the_deadline_is_not_taken(harness: Harness, throttling: Any) -> None:
    from tcsdk.common.errors import DeadlineExceeded

    time = FakeTime()
    limiter = throttling.limiter_for(SECRET_ID, "ap-beijing", "trtc", clock=time)
    limiter.record(True)  # one throttled answer: 1.4 calls per second
    sleep = time.sleep if harness.mode == "sync" else time.async_sleep
    seen: list[tuple[str, int]] = []

    class Attempts:
        def before_attempt(self, context: Any) -> None:
            seen.append(("before", context.attempt))

        def after_attempt(self, context: Any) -> None:
            seen.append(("after", context.attempt))

    (error,) = harness.run(
        lambda c: calls(harness, c, lambda c: c.dismiss_room(**ROOM)),
        retry=policy(mode="adaptive"),
        sleep=sleep,
        deadline=0.5,  # the wait would be 0.71 s
        interceptors=[Attempts()],
    )
    assert isinstance(error, DeadlineExceeded)
    assert error.attempts == 0 and error.sent is False
    assert time.sleeps == [] and harness.server.calls() == []
    assert seen == [("before", 1), ("after", 1)]


def test_interceptors_see_every_paced_attempt(harness: Harness, throttling: Any) -> None:
    time = FakeTime()
    throttling.limiter_for(SECRET_ID, "ap-beijing", "trtc", clock=time)
    sleep = time.sleep if harness.mode == "sync" else time.async_sleep
    seen: list[tuple[str, int, bool]] = []

    class Attempts:
        def after_attempt(self, context: Any) -> None:
            seen.append((context.action, context.attempt, context.retrying))

    harness.server.then("DismissRoom", THROTTLED, THROTTLED)
    (response,) = harness.run(
        lambda c: calls(harness, c, lambda c: c.dismiss_room(**ROOM)),
        retry=policy(mode="adaptive"),
        sleep=sleep,
        interceptors=[Attempts()],
    )
    assert response.meta.attempts == 3
    assert seen == [("DismissRoom", 1, True), ("DismissRoom", 2, True), ("DismissRoom", 3, False)]
    assert len([s for s in time.sleeps if s > 0]) == 2  # the two attempts after the first throttled answer


def test_async_calls_wait_for_the_limiter_without_blocking_the_loop(
    server: ThrottlingFake, throttling: Any, generated_on_path: Path
) -> None:
    """Concurrent tasks book successive tokens; other tasks run while they wait."""
    from tcsdk.common.credentials import Credentials
    from tcsdk.trtc.v20190722.aio import AsyncTrtcClient

    # A clock that stands still: the waits are exactly 1, 2, ... tokens' worth.
    limiter = throttling.limiter_for(SECRET_ID, "ap-beijing", "trtc", clock=FakeTime())
    for _ in range(199):
        limiter.record(False)
    limiter.record(True)  # 400/s measured: 280/s allowed
    ticks = 0
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    async def ticker(stop: asyncio.Event) -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    async def main() -> list[Any]:
        stop = asyncio.Event()
        tick = asyncio.create_task(ticker(stop))
        async with AsyncTrtcClient(
            Credentials(SECRET_ID, SECRET_KEY),
            endpoint=server.url,
            region="ap-beijing",
            retry=policy(mode="adaptive"),
            sleep=sleep,
        ) as client:
            results = await asyncio.gather(*[client.dismiss_room(**ROOM) for _ in range(8)])
        stop.set()
        await tick
        return results

    results = asyncio.run(main())
    assert [r.meta.attempts for r in results] == [1] * 8
    assert server.accepted == 8 and ticks > 0
    # Each task booked the token after the one before: successive waits.
    assert waits == pytest.approx([n / limiter.rate for n in range(1, 9)])


def test_a_call_cancelled_while_waiting_its_turn_gives_the_turn_back(
    server: ThrottlingFake, throttling: Any, generated_on_path: Path
) -> None:
    harness = Harness("async", server, generated_on_path)
    limiter = throttling.limiter_for(SECRET_ID, "ap-beijing", "trtc")
    limiter.record(True)  # one throttled answer: 2/s measured, 1.4/s allowed

    async def body(client: Any) -> None:
        for _ in range(5):  # each books the next turn, then is cancelled
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.dismiss_room(**ROOM), 0.05)

    harness.run(body, retry=policy(mode="adaptive"), sleep=asyncio.sleep)
    # Without the turns given back, the next caller would wait behind 5 of them (3.6 s).
    assert limiter.acquire().wait < 1 / 1.4
    assert server.accepted == 0
