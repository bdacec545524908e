"""The retry quota and the adaptive rate limiter on their own (``common.throttling``),
driven by a fake clock, and the retry policy's new arguments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def throttling(generated_on_path: Path) -> Iterator[Any]:
    from tcsdk.common import throttling

    throttling.forget_limiters()
    yield throttling
    throttling.forget_limiters()


# The retry quota


def test_the_quota_pays_for_retries_until_it_is_empty(throttling: Any) -> None:
    quota = throttling.RetryQuota(12)
    assert quota.take(5) and quota.take(5)
    assert not quota.take(5)  # 2 left: nothing is taken
    assert quota.available == 2
    assert quota.take(2) and quota.available == 0
    assert repr(quota) == "RetryQuota(0/12)"


def test_a_success_refunds_but_never_past_the_capacity(throttling: Any) -> None:
    quota = throttling.RetryQuota(20)
    quota.take(10)
    quota.refund(5)
    assert quota.available == 15
    quota.refund(throttling.NO_RETRY_REFUND)
    assert quota.available == 16
    quota.refund(100)
    assert quota.available == 20


def test_the_botocore_standard_mode_numbers(throttling: Any) -> None:
    assert (throttling.RETRY_QUOTA, throttling.RETRY_COST, throttling.TRANSPORT_RETRY_COST) == (500, 5, 10)
    assert throttling.NO_RETRY_REFUND == 1
    assert throttling.RetryQuota().capacity == 500


@pytest.mark.parametrize("capacity", [0, -5, True, 2.5, "500"])
def test_a_quota_must_have_a_positive_integer_capacity(throttling: Any, capacity: Any) -> None:
    with pytest.raises(ValueError, match="retry_quota"):
        throttling.RetryQuota(capacity)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=40)), max_size=60))
def test_the_quota_stays_between_0_and_its_capacity(generated_on_path: Path, steps: list[tuple[bool, int]]) -> None:
    from tcsdk.common.throttling import RetryQuota

    quota = RetryQuota(50)
    for take, amount in steps:
        before = quota.available
        if take:
            taken = quota.take(amount)
            assert quota.available == (before - amount if taken else before)
            assert taken == (amount <= before)
        else:
            quota.refund(amount)
        assert 0 <= quota.available <= 50


# The rate limiter


def test_the_limiter_lets_everything_through_until_a_throttled_answer(throttling: Any) -> None:
    clock = FakeClock()
    limiter = throttling.RateLimiter(clock)
    for _ in range(100):
        ticket = limiter.acquire()
        assert ticket.wait == 0.0
        ticket.record(False)
    assert not limiter.enabled
    assert repr(limiter).startswith("RateLimiter(off")


def test_a_throttled_answer_cuts_the_rate_to_70_percent_of_the_measured_one(throttling: Any) -> None:
    clock = FakeClock(1000.0)
    limiter = throttling.RateLimiter(clock)
    # 20 answers per half second for two seconds: a measured rate of 40/s.
    for _ in range(4):
        for _ in range(20):
            limiter.record(False)
        clock.now += 0.5
    limiter.record(False)
    assert limiter.measured == pytest.approx(40.0, rel=0.01)
    limiter.record(True)
    assert limiter.enabled
    assert limiter.rate == pytest.approx(0.7 * limiter.measured)
    # Another throttled answer within a second of the cut (the service's
    # window still counts what was sent before it) cuts no further...
    first = limiter.rate
    clock.now += 0.9
    limiter.record(True)
    assert limiter.rate == first
    # ...one after it cuts again, from the lower rate.
    clock.now += 0.2
    limiter.record(True)
    assert limiter.rate == pytest.approx(0.7 * min(first, limiter.measured))
    assert limiter.rate < first


def test_one_cut_per_round_of_attempts(throttling: Any) -> None:
    """Throttled answers to attempts let out before a cut do not cut again; a later one does."""
    clock = FakeClock(1000.0)
    limiter = throttling.RateLimiter(clock)
    burst = [limiter.acquire() for _ in range(30)]  # all sent at once, before any answer
    burst[0].record(True)
    cut = limiter.rate
    # One answer so far, but 30 attempts let out: 60/s measured.
    assert cut == pytest.approx(0.7 * 60.0)
    clock.now += 2.0  # past the hold: only the round counts now
    for ticket in burst[1:]:
        ticket.record(True)
    assert limiter.rate == cut
    later = limiter.acquire()
    later.record(True)
    assert limiter.rate < cut


def test_a_cut_keeps_the_turns_already_given(throttling: Any) -> None:
    """Callers waiting when the rate is cut keep their turns; the next one
    comes right after the last of them, at the new rate (no gap, no burst)."""
    clock = FakeClock(1000.0)
    limiter = throttling.RateLimiter(clock)
    for _ in range(49):
        limiter.record(False)
    limiter.record(True)  # 50 answers: 100/s measured, 70/s allowed
    assert limiter.rate == pytest.approx(70.0)
    waits = [limiter.acquire().wait for _ in range(100)]  # 100 turns booked at 70/s
    assert waits[-1] == pytest.approx(100 / 70)
    clock.now += 1.01  # past the hold; 70.7 of the turns have come
    backlog = (100 - 1.01 * 70) / 70  # seconds until the last booked turn
    limiter.record(True)
    cut = limiter.rate
    assert cut < 70.0
    assert limiter.acquire().wait == pytest.approx(backlog + 1 / cut)


def test_a_throttled_answer_in_the_first_half_second_is_not_cut_to_the_floor(throttling: Any) -> None:
    clock = FakeClock(1000.0)
    limiter = throttling.RateLimiter(clock)
    for _ in range(29):
        limiter.record(False)
    limiter.record(True)  # 30 answers in no time: as if over half a second
    assert limiter.rate == pytest.approx(0.7 * 60.0)


def test_the_first_half_second_counts_from_when_the_limiter_was_made(throttling: Any) -> None:
    """Not from a clock-aligned boundary that may come at once: 60 answers
    in 0.15 s, across such a boundary, still count as if over half a second."""
    clock = FakeClock(1000.45)  # 0.05 s before a half-second boundary
    limiter = throttling.RateLimiter(clock)
    for _ in range(30):
        limiter.record(False)
    clock.now = 1000.51
    for _ in range(29):
        limiter.record(False)
    clock.now = 1000.60
    limiter.record(True)
    assert limiter.rate == pytest.approx(0.7 * 60 / 0.5)
    # The first measure then spans the time since it was made.
    clock.now = 1001.05
    limiter.record(False)
    assert limiter.measured == pytest.approx(61 / 0.6)


def test_a_cut_never_goes_below_what_the_service_accepted_in_the_last_second(throttling: Any) -> None:
    """Callers that slowed down (paused after failures) measure a low send
    rate; the 80 answers accepted in the last second say the limit is higher."""
    clock = FakeClock(1000.0)
    limiter = throttling.RateLimiter(clock)
    for _ in range(99):
        limiter.record(False)
    limiter.record(True)  # 100 answers in no time: 200/s, cut to 140/s
    # A pause (callers asleep after failures), then 80 answers accepted over
    # the last second: the smoothed send rate still lags behind them.
    clock.now = 1004.0
    for _ in range(80):
        limiter.record(False)
        clock.now += 0.0124
    limiter.record(True)
    assert limiter.rate == pytest.approx(0.7 * 80)


def test_a_limiter_made_long_before_is_not_cut_to_its_floor(throttling: Any) -> None:
    """One call, ten idle seconds, then a burst: the send rate measured over
    the whole time is tiny, but 60 calls were accepted in the last second."""
    clock = FakeClock(1000.0)
    limiter = throttling.RateLimiter(clock)
    limiter.record(False)
    clock.now = 1010.0
    for _ in range(60):
        limiter.record(False)
        clock.now += 0.005
    limiter.record(True)
    assert limiter.rate == pytest.approx(0.7 * 60)
    # 100 callers at once: the last one waits for about 100 turns at 42/s, not minutes.
    waits = [limiter.acquire().wait for _ in range(100)]
    assert max(waits) <= 100 / 42


def test_a_call_that_got_no_answer_was_not_accepted(throttling: Any) -> None:
    clock = FakeClock(1000.0)
    limiter = throttling.RateLimiter(clock)
    limiter.record(False)
    clock.now = 1010.0
    for _ in range(60):
        limiter.record(False, answered=False)  # connections refused, timeouts
        clock.now += 0.005
    limiter.record(True)
    assert limiter.rate < 0.7 * 60


def test_a_released_turn_is_given_to_the_next_caller(throttling: Any) -> None:
    clock = FakeClock(1000.0)
    limiter = throttling.RateLimiter(clock)
    for _ in range(14):
        limiter.record(False)
    limiter.record(True)  # 21/s allowed
    booked = [limiter.acquire() for _ in range(50)]  # then all cancelled while waiting
    for ticket in booked:
        ticket.release()
    assert limiter.acquire().wait == pytest.approx(1 / 21)


def test_waits_follow_the_allowed_rate(throttling: Any) -> None:
    clock = FakeClock(1000.0)
    limiter = throttling.RateLimiter(clock)
    for _ in range(14):
        limiter.record(False)
    limiter.record(True)  # 15 answers: 30/s measured, 21/s allowed
    rate = limiter.rate
    assert rate == pytest.approx(21.0)
    # The bucket starts empty: each caller books the next token.
    waits = [limiter.acquire().wait for _ in range(3)]
    assert waits == pytest.approx([1 / rate, 2 / rate, 3 / rate])
    clock.now += 10.0  # time fills the bucket again (up to one second's worth)
    assert limiter.acquire().wait == 0.0


def test_a_wait_past_the_limit_books_nothing(throttling: Any) -> None:
    clock = FakeClock(1000.0)
    limiter = throttling.RateLimiter(clock)
    limiter.record(True)  # 1 answer: 2/s measured, 1.4/s allowed
    assert limiter.acquire(limit=0.5) is None  # would need 0.71 s
    assert limiter.tokens == 0.0
    assert limiter.acquire(limit=1.0).wait == pytest.approx(1 / 1.4)


def test_the_rate_recovers_along_the_cubic_curve(throttling: Any) -> None:
    clock = FakeClock(1000.0)
    limiter = throttling.RateLimiter(clock)
    for _ in range(4):  # 50 answers per half second: 100/s
        for _ in range(50):
            limiter.record(False)
        clock.now += 0.5
    limiter.record(True)
    peak = limiter.measured
    cut = limiter.rate
    assert cut == pytest.approx(0.7 * peak)
    # Answers keep coming at the allowed rate: it climbs back to the peak
    # after the curve's time K = cbrt(peak * 0.3 / 0.4), then past it.
    k = (peak * 0.3 / 0.4) ** (1 / 3)
    rates = []
    while clock.now < 1000.0 + 2 + 2 * k:
        clock.now += 1 / limiter.rate
        limiter.record(False)
        rates.append(limiter.rate)
    assert rates[0] > cut
    assert max(rates) > peak
    assert rates == sorted(rates)  # no throttled answer: it only climbs


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=30.0), st.booleans(), st.booleans()),
        max_size=80,
    )
)
def test_the_allowed_rate_stays_positive_and_bounded(
    generated_on_path: Path, events: list[tuple[float, bool, bool]]
) -> None:
    """Whatever the answers and their timing: at least the floor, at most twice the measured rate."""
    from tcsdk.common.throttling import RateLimiter

    clock = FakeClock(5000.0)
    limiter = RateLimiter(clock)
    for pause, throttled, acquire in events:
        clock.now += pause
        if acquire:
            ticket = limiter.acquire(limit=10.0)
            assert ticket is None or 0.0 <= ticket.wait < 10.0
        limiter.record(throttled)
        assert limiter.rate >= RateLimiter.MIN_RATE
        assert limiter.rate < float("inf") and limiter.rate == limiter.rate
        assert limiter.rate <= max(RateLimiter.MIN_RATE, 2 * limiter.measured) * (1 + 1e-9)


# The registry


def test_one_limiter_per_secret_id_region_and_service(throttling: Any) -> None:
    shared = throttling.limiter_for("AKIDone", "ap-beijing", "cvm")
    assert throttling.limiter_for("AKIDone", "ap-beijing", "cvm") is shared
    assert throttling.limiter_for("AKIDtwo", "ap-beijing", "cvm") is not shared
    assert throttling.limiter_for("AKIDone", "ap-guangzhou", "cvm") is not shared
    assert throttling.limiter_for("AKIDone", "ap-beijing", "trtc") is not shared
    assert throttling.limiter_for("AKIDone", None, "cvm") is not shared
    throttling.forget_limiters()
    assert throttling.limiter_for("AKIDone", "ap-beijing", "cvm") is not shared


def test_the_key_holds_no_secret_id(throttling: Any) -> None:
    secret_id = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
    key = throttling.limiter_key(secret_id, "ap-beijing", "cvm")
    assert secret_id not in repr(key) and secret_id.lower() not in repr(key).lower()
    assert "AKID" not in repr(key)
    assert key[1:] == ("ap-beijing", "cvm")
    assert key == throttling.limiter_key(secret_id, "ap-beijing", "cvm")
    assert key != throttling.limiter_key(secret_id + "x", "ap-beijing", "cvm")
    throttling.limiter_for(secret_id, "ap-beijing", "cvm")
    assert secret_id not in repr(throttling._limiters)


def test_the_registry_drops_its_oldest_limiter_past_its_size(throttling: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttling, "MAX_LIMITERS", 3)
    first = throttling.limiter_for("a", "r", "s")
    for name in "bcd":
        throttling.limiter_for(name, "r", "s")
    assert len(throttling._limiters) == 3
    assert throttling.limiter_for("a", "r", "s") is not first


# The retry policy's arguments


@pytest.mark.parametrize(
    "arguments, field",
    [
        ({"mode": "fast"}, "mode"),
        ({"mode": None}, "mode"),
        ({"retry_quota": 0}, "retry_quota"),
        ({"retry_quota": -1}, "retry_quota"),
        ({"retry_quota": 1.5}, "retry_quota"),
        ({"retry_quota": True}, "retry_quota"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": 2.0}, "max_attempts"),
        ({"base_delay": -0.1}, "base_delay"),
        ({"max_delay": float("nan")}, "max_delay"),
        ({"max_delay": float("inf")}, "max_delay"),
    ],
)
def test_the_policy_refuses_bad_arguments_naming_them(
    generated_on_path: Path, arguments: dict[str, Any], field: str
) -> None:
    from tcsdk.common.retry import RetryPolicy

    with pytest.raises(ValueError, match=field):
        RetryPolicy(**arguments)


def test_the_policy_defaults_to_standard_mode_with_a_quota_of_500(generated_on_path: Path) -> None:
    from tcsdk.common.retry import RetryPolicy

    policy = RetryPolicy()
    assert (policy.mode, policy.retry_quota) == ("standard", 500)
    assert RetryPolicy(mode="adaptive", retry_quota=None).retry_quota is None


@pytest.mark.parametrize(
    "code, expected",
    [
        ("RequestLimitExceeded", True),
        ("RequestLimitExceeded.UinLimitExceeded", True),
        ("RequestLimitExceeded.GlobalRegionUinLimitExceeded", True),
        ("RequestLimitExceeded.IPLimitExceeded", True),
        ("LimitExceeded", False),
        ("RequestLimitExceededX", False),
        ("InternalError", False),
    ],
)
def test_which_answers_are_throttled(generated_on_path: Path, code: str, expected: bool) -> None:
    from tcsdk.common.errors import HTTPStatusError, TencentCloudError, TransportError
    from tcsdk.common.retry import throttled

    assert throttled(TencentCloudError(code, "m")) is expected
    status = HTTPStatusError("HTTP 429", status=429)
    assert throttled(status) and not throttled(HTTPStatusError("HTTP 503", status=503))
    assert not throttled(TransportError("gone", sent=False))
