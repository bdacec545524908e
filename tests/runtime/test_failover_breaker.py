"""The region breaker alone, on a clock that moves only when told: its window,
ratio and failure threshold, cool-down and probes, what counts as a failure,
the options' checks, and properties over any sequence of outcomes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ..failover_fakes import FakeClock


@pytest.fixture()
def failover(generated_on_path: Path) -> Any:
    from tcsdk.common import failover

    return failover


def breaker(failover: Any, clock: FakeClock, **options: Any) -> Any:
    return failover.Breaker(failover.Failover(clock=clock, **options))


def fail(b: Any, times: int = 1, safe: bool = True) -> None:
    for _ in range(times):
        b.record(b.route(safe), True)


def succeed(b: Any, times: int = 1, safe: bool = True) -> None:
    for _ in range(times):
        b.record(b.route(safe), False)


def test_the_options_are_the_official_defaults_with_a_one_minute_window(failover: Any) -> None:
    options = failover.Failover()
    assert (options.backup, options.failures, options.ratio) == ("ap-guangzhou.tencentcloudapi.com", 5, 0.75)
    assert (options.window, options.cool_down, options.probes) == (60.0, 60.0, 5)
    assert "ap-guangzhou" in repr(options)


@pytest.mark.parametrize(
    ("options", "error", "names"),
    [
        ({"failures": 0}, ValueError, "failures"),
        ({"failures": 2.5}, TypeError, "failures"),
        ({"failures": True}, TypeError, "failures"),
        ({"probes": 0}, ValueError, "probes"),
        ({"ratio": 0}, ValueError, "ratio"),
        ({"ratio": 1.5}, ValueError, "ratio"),
        ({"ratio": float("nan")}, ValueError, "ratio"),
        ({"ratio": "0.5"}, TypeError, "ratio"),
        ({"window": 0}, ValueError, "window"),
        ({"window": float("inf")}, ValueError, "window"),
        ({"cool_down": -1}, ValueError, "cool_down"),
        ({"backup": "https://u:p@backup.example"}, ValueError, "failover backup"),
        ({"backup": "https://backup.example/path"}, ValueError, "failover backup"),
        ({"backup": "not a domain"}, ValueError, "domain_suffix"),
        ({"backup": 3}, TypeError, "backup"),
        ({"clock": 3}, TypeError, "clock"),
    ],
)
def test_options_are_checked_when_made_and_the_error_names_the_field(
    failover: Any, options: dict[str, Any], error: type[Exception], names: str
) -> None:
    with pytest.raises(error, match=names):
        failover.Failover(**options)


def test_it_opens_at_the_failure_threshold_when_failures_make_the_ratio(failover: Any) -> None:
    clock = FakeClock()
    b = breaker(failover, clock)
    fail(b, 4)
    assert b.state == failover.CLOSED and b.counts() == (4, 4)
    fail(b)
    assert b.state == failover.OPEN


def test_below_the_ratio_it_stays_closed(failover: Any) -> None:
    clock = FakeClock()
    b = breaker(failover, clock, failures=5, ratio=0.75)
    succeed(b, 2)
    fail(b, 5)  # 5 of 7 attempts: 0.71
    assert b.state == failover.CLOSED
    fail(b)  # 6 of 8: 0.75
    assert b.state == failover.OPEN


def test_failures_older_than_the_window_are_forgotten(failover: Any) -> None:
    clock = FakeClock()
    b = breaker(failover, clock, window=60)
    fail(b, 4)
    clock.advance(61)
    assert b.counts() == (0, 0)
    fail(b, 4)
    assert b.state == failover.CLOSED
    clock.advance(30)
    fail(b)
    assert b.state == failover.OPEN


def test_while_open_safe_calls_go_to_the_backup_and_the_others_stay(failover: Any) -> None:
    clock = FakeClock()
    b = breaker(failover, clock, failures=1)
    assert b.route(False).route == failover.PRIMARY
    fail(b)
    assert b.route(True).route == failover.BACKUP
    assert b.route(False).route == failover.PINNED
    # Neither the backup's outcomes nor a pinned call's change anything.
    b.record(b.route(True), True)
    b.record(b.route(False), False)
    assert b.state == failover.OPEN


def test_after_the_cool_down_a_successful_probe_closes_it(failover: Any) -> None:
    clock = FakeClock()
    b = breaker(failover, clock, failures=1, cool_down=60, probes=2)
    fail(b)
    clock.advance(59.9)
    assert b.state == failover.OPEN
    clock.advance(0.1)
    assert b.state == failover.HALF_OPEN
    first, second, third = b.route(True), b.route(True), b.route(True)
    assert [t.route for t in (first, second, third)] == [failover.PROBE, failover.PROBE, failover.BACKUP]
    assert b.route(False).route == failover.PINNED  # both probes are out
    b.record(first, False)
    assert b.state == failover.CLOSED and b.route(True).route == failover.PRIMARY
    b.record(second, True)  # routed before the breaker closed: not counted
    assert b.counts() == (0, 0)


def test_a_failed_probe_opens_it_for_another_cool_down(failover: Any) -> None:
    clock = FakeClock()
    b = breaker(failover, clock, failures=1, cool_down=10)
    fail(b)
    clock.advance(10)
    probe = b.route(False)  # a call not safe to repeat may probe: it goes to the primary anyway
    assert probe.route == failover.PROBE
    b.record(probe, True)
    assert b.state == failover.OPEN
    clock.advance(9)
    assert b.state == failover.OPEN
    clock.advance(1)
    assert b.state == failover.HALF_OPEN


def test_a_probe_that_never_reports_frees_its_place_after_the_cool_down(failover: Any) -> None:
    clock = FakeClock()
    b = breaker(failover, clock, failures=1, cool_down=10, probes=1)
    fail(b)
    clock.advance(10)
    assert b.route(True).route == failover.PROBE  # its call is cancelled: no record
    assert b.route(True).route == failover.BACKUP
    clock.advance(10)
    assert b.route(True).route == failover.PROBE


def test_an_outcome_that_tells_nothing_frees_a_probe_without_deciding(failover: Any) -> None:
    clock = FakeClock()
    b = breaker(failover, clock, failures=1, probes=1)
    fail(b)
    clock.advance(60)
    b.record(b.route(True), None)
    assert b.state == failover.HALF_OPEN and b.route(True).route == failover.PROBE


def test_only_transport_failures_and_5xx_count(failover: Any) -> None:
    from tcsdk.common import exceptions

    api_error = exceptions.TencentCloudError("InvalidParameter", "bad", status=200)
    internal = exceptions.TencentCloudError("InternalError", "oops", status=503)
    assert failover.is_failure(exceptions.TransportError("reset", sent=True)) is True
    assert failover.is_failure(exceptions.TransportError("refused", sent=False)) is True
    assert failover.is_failure(exceptions.HTTPStatusError("HTTP 502", status=502)) is True
    assert failover.is_failure(internal) is True
    assert failover.is_failure(api_error) is False
    assert failover.is_failure(exceptions.HTTPStatusError("HTTP 429", status=429)) is False
    assert failover.is_failure(None, 200) is False
    assert failover.is_failure(exceptions.CredentialsError("no keys")) is None


# One step: (seconds to wait, the call is safe, the attempt failed, it reports).
STEPS = st.lists(
    st.tuples(st.sampled_from([0.0, 0.5, 7.0, 31.0]), st.booleans(), st.booleans(), st.booleans()),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(
    steps=STEPS,
    failures=st.integers(1, 6),
    ratio=st.sampled_from([0.25, 0.5, 0.75, 1.0]),
    probes=st.integers(1, 3),
)
def test_properties_over_any_sequence_of_outcomes(
    generated_on_path: Path, steps: list[tuple[float, bool, bool, bool]], failures: int, ratio: float, probes: int
) -> None:
    """It never opens on fewer than ``failures`` failures in the window, never sends an unsafe call to the backup, sends every call to
    the primary while closed and every safe one elsewhere than the primary
    while open."""
    from tcsdk.common import failover

    clock = FakeClock()
    b = breaker(failover, clock, failures=failures, ratio=ratio, window=30, cool_down=20, probes=probes)
    counted: list[tuple[float, bool]] = []  # what a closed breaker saw since it last closed
    for wait, safe, failed, reports in steps:
        clock.advance(wait)
        before = b.state
        ticket = b.route(safe)
        if not safe:
            assert ticket.route != failover.BACKUP
        if before == failover.CLOSED:
            assert ticket.route == failover.PRIMARY
        elif before == failover.OPEN:
            assert ticket.route == (failover.BACKUP if safe else failover.PINNED)
        if not reports:
            continue
        b.record(ticket, failed)
        after = b.state
        if before == failover.CLOSED:
            counted.append((clock.now, failed))
            if after == failover.OPEN:
                # (The window is kept in buckets: an outcome may leave it a
                # little early, never late; so this holds, the ratio only
                # over the breaker's own counts.)
                assert sum(f for at, f in counted if at > clock.now - 30) >= failures
        if after != failover.CLOSED or before != failover.CLOSED:
            counted = []
        if ticket.route == failover.PROBE:  # reported at once: it decides
            assert after == (failover.OPEN if failed else failover.CLOSED)
