"""A retry budget per client and a send-rate limiter per account, region and service.

:class:`RetryQuota` is the budget of ``RetryPolicy(retry_quota=...)``: a
bucket of tokens (500 by default) that a client and its ``with_options``
copies draw on for every retry. A retry after a throttled or failed answer
costs :data:`RETRY_COST` tokens, one after a transport failure (timeout,
dropped connection) :data:`TRANSPORT_RETRY_COST`; a call that then succeeds
gives back what its last retry took, and one that succeeded at once gives
back :data:`NO_RETRY_REFUND`. When the bucket is empty a failed call is not
retried: while a service keeps failing, a client soon stops multiplying
its load by ``max_attempts``. (The numbers are those of the AWS SDKs'
"standard" retry mode.)

:class:`RateLimiter` is ``RetryPolicy(mode="adaptive")``: it does nothing
until a throttled answer comes, then lets attempts out at a rate it keeps
adjusting, as the AWS SDKs' "adaptive" mode does. It measures the rate at
which attempts are sent (per half second, smoothed); a throttled answer
cuts the allowed rate to 0.7 times the rate measured then, and later
answers raise it again along a cubic curve (CUBIC, as in TCP congestion
control: fast at first, flat near the rate that was throttled, then
probing above it), never above twice the measured rate. Attempts take
tokens from a bucket filled at the allowed rate: :meth:`RateLimiter.acquire`
books one and says how long to wait for it (a :class:`Ticket`).

Unlike the AWS SDKs, one cut is made per round, as TCP does: a throttled
answer to an attempt let out before the last cut does not cut again (those
attempts were sent at the old rate; cutting for each of them would take
the rate to its floor after one burst), nor does one within a second of
the cut (Tencent Cloud counts calls per second: for that second the
service still counts what was sent before the cut); nor does a cut go
below what the service accepted in the last second (callers that paused
after failures send slowly, but the limit is at least that). Callers already
waiting when the rate changes keep their turns, and the next turn follows
the last of them at the new rate. And the rate measured before the first
half second (from when the limiter was made) has passed is the attempts
let out so far over half a second, not 0.

:func:`limiter_for` keeps one limiter per secret id, region and service for
the whole process, so every client of one account and service in one
region shares it (they share the service's limit too). The secret id is
held only as a keyed digest (BLAKE2b with a key drawn at import).

Thread-safe; the async clients call it too (each call holds a lock for a
few microseconds and never waits while holding it: the waiting is the
client's ``Sleep``). A leaf of the runtime: standard library only, loaded
at a client's first retry or first adaptive call.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = [
    "RETRY_QUOTA",
    "RETRY_COST",
    "TRANSPORT_RETRY_COST",
    "NO_RETRY_REFUND",
    "RetryQuota",
    "RateLimiter",
    "Ticket",
    "limiter_for",
    "limiter_key",
    "forget_limiters",
]

RETRY_QUOTA = 500
RETRY_COST = 5
TRANSPORT_RETRY_COST = 10
NO_RETRY_REFUND = 1
# Limiters kept by limiter_for; past this many the oldest is dropped.
MAX_LIMITERS = 1024


class RetryQuota:
    """A client's retry budget: ``capacity`` tokens, never fewer than 0 nor more than ``capacity``."""

    def __init__(self, capacity: int = RETRY_QUOTA) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(
                f"retry_quota must be a positive integer, not {capacity!r}"
            )
        self.capacity = capacity
        self.available = capacity
        self._lock = threading.Lock()

    def take(self, cost: int) -> bool:
        """Take ``cost`` tokens for a retry; False (and nothing taken) when fewer are left."""
        with self._lock:
            if cost > self.available:
                return False
            self.available -= cost
            return True

    def refund(self, amount: int) -> None:
        """Give back ``amount`` tokens after a success (up to the capacity)."""
        if self.available >= self.capacity:  # the usual case: nothing to lock
            return
        with self._lock:
            self.available = min(self.capacity, self.available + amount)

    def __repr__(self) -> str:
        return f"RetryQuota({self.available}/{self.capacity})"


class RateLimiter:
    """The allowed send rate of one account, region and service (see the module's text)."""

    MIN_RATE = 0.5  # attempts per second: never slower than one every 2 s
    BETA = 0.7  # a throttled answer cuts the rate to this share of the measured one
    SCALE = 0.4  # how fast the cubic curve climbs back
    SMOOTHING = 0.8  # weight of the newest half second in the measured rate
    BUCKET = 0.5  # seconds per measurement of the send rate
    GROWTH = 2.0  # the allowed rate stays under this many times the measured one
    HOLD = 1.0  # seconds: the service's window (no second cut within it)
    _MAX_SINCE = 1e4  # seconds: the cubic curve is flat enough past this

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        now = clock()
        self._clock = clock
        self._lock = threading.Lock()
        self.enabled = False
        """Whether attempts wait: from the first throttled answer on."""
        self.rate = 1.0
        """Attempts per second let out once enabled."""
        self.measured = 0.0
        """The smoothed rate at which answers came back (attempts sent), per
        second; never below the calls the service accepted in the last second."""
        self.tokens = 0.0  # below 0: booked ahead by callers now waiting
        self._capacity = 1.0
        self._filled = now
        # CUBIC: the rate throttled last, the time the curve takes to climb
        # back to it, and when that happened.
        self._peak = 0.0
        self._climb = 0.0
        self._cut_at = now
        self._count = 0
        self._bucket = self._bucket_of(now)
        self._first = True  # no half second measured yet
        self._started = now
        self._accepted: deque[float] = deque()  # answers not throttled, last second
        self._let_out = 0  # tickets given
        self._cut_after = 0  # the tickets given before the last cut

    def acquire(self, limit: float | None = None) -> Ticket | None:
        """Book the next token: a ticket saying how long to wait before sending.

        None, and nothing booked, when the wait would reach ``limit`` seconds
        (the time left before the call's deadline).
        """
        with self._lock:
            self._let_out += 1
            if not self.enabled:
                return Ticket(self, self._let_out, 0.0)
            self._fill(self._clock())
            wait = max(0.0, (1.0 - self.tokens) / self.rate)
            if limit is not None and wait > 0.0 and wait >= limit:
                return None
            self.tokens -= 1.0
            return Ticket(self, self._let_out, wait)

    def record(
        self, throttled: bool, number: int | None = None, answered: bool = True
    ) -> None:
        """Count an answer (or a failure to get one) and adjust the allowed rate.

        ``number``: the ticket's, when the attempt had one; a throttled
        answer to an attempt let out before the last cut cuts no further.
        ``answered``: False when no answer came (a transport failure): it
        does not count as a call the service accepted.
        """
        with self._lock:
            now = self._clock()
            measured = self._measure(now)
            accepted = self._accepted
            if answered and not throttled:
                accepted.append(now)
            while accepted and accepted[0] <= now - self.HOLD:
                accepted.popleft()
            # Calls the service took in the last second: the limit is at least
            # that, however slowly the callers sent (after a pause, or when
            # the limiter was made long before), so neither the cut nor the
            # cap below goes under it.
            self.measured = measured = max(measured, float(len(accepted)))
            if throttled and (
                (number is not None and number <= self._cut_after)
                or (self.enabled and now - self._cut_at < self.HOLD)
            ):
                return  # the last cut was made for this round already
            if throttled:
                self._cut_after = self._let_out
                rate = measured if not self.enabled else min(measured, self.rate)
                rate = max(rate, float(len(accepted)))
                self._peak = rate
                self._climb = (rate * (1.0 - self.BETA) / self.SCALE) ** (1.0 / 3.0)
                self._cut_at = now
                allowed = rate * self.BETA
                self.enabled = True
            else:
                since = min(now - self._cut_at - self._climb, self._MAX_SINCE)
                allowed = self.SCALE * since**3 + self._peak
            self._set_rate(now, min(allowed, self.GROWTH * measured))

    def release(self) -> None:
        """A booked turn that will not be used: the next caller need not wait for it."""
        with self._lock:
            self.tokens = min(self._capacity, self.tokens + 1.0)

    def _bucket_of(self, now: float) -> float:
        return math.floor(now / self.BUCKET) * self.BUCKET

    def _measure(self, now: float) -> float:
        self._count += 1
        if self._first:
            elapsed = now - self._started
            if elapsed < self.BUCKET:
                # Before the first half second ends (the AWS SDKs measure 0
                # then, and a throttled answer cuts the rate to its floor):
                # the attempts let out so far as if over a whole half second
                # (counting only the answers would undercount when a refusal
                # comes back first).
                self.measured = max(self._count, self._let_out) / self.BUCKET
                return self.measured
            # The first measure spans the time since the limiter was made,
            # not a clock-aligned half second that may have just begun.
            self.measured, self._first = self._count / elapsed, False
            self._count = 0
            self._bucket = self._bucket_of(now)
            return self.measured
        bucket = self._bucket_of(now)
        if bucket > self._bucket:
            current = self._count / (bucket - self._bucket)
            self.measured = current * self.SMOOTHING + self.measured * (
                1.0 - self.SMOOTHING
            )
            self._count = 0
            self._bucket = bucket
        return self.measured

    def _fill(self, now: float) -> None:
        elapsed = max(0.0, now - self._filled)
        self.tokens = min(self._capacity, self.tokens + elapsed * self.rate)
        self._filled = now

    def _set_rate(self, now: float, rate: float) -> None:
        self._fill(now)  # what accrued so far, at the old rate
        rate = max(rate, self.MIN_RATE)
        if self.tokens < 0.0:
            # Callers already booked keep the turns they were given at the
            # old rate: the backlog ends when it would have, and the next
            # caller's turn follows it at the new rate (no gap after a cut,
            # no burst after a raise).
            self.tokens *= rate / self.rate
        self.rate = rate
        self._capacity = max(rate, 1.0)
        self.tokens = min(self.tokens, self._capacity)

    def __repr__(self) -> str:
        state = f"rate={self.rate:.2f}/s" if self.enabled else "off"
        return f"RateLimiter({state}, measured={self.measured:.2f}/s)"


class Ticket:
    """One attempt's turn: ``wait`` seconds before sending; :meth:`record` its answer."""

    __slots__ = ("limiter", "number", "wait")

    def __init__(self, limiter: RateLimiter, number: int, wait: float) -> None:
        self.limiter = limiter
        self.number = number
        self.wait = wait

    def record(self, throttled: bool, answered: bool = True) -> None:
        """Count the attempt's answer (throttled or not) with the limiter."""
        self.limiter.record(throttled, self.number, answered)

    def release(self) -> None:
        """Give the turn back: the caller stopped before sending (cancelled)."""
        self.limiter.release()


_KEY = os.urandom(32)
_limiters: dict[tuple[str, str, str], RateLimiter] = {}
_registry = threading.Lock()


def limiter_key(
    secret_id: str, region: str | None, service: str
) -> tuple[str, str, str]:
    """The registry's key: a keyed digest of the secret id (never the id), region, service."""
    digest = hashlib.blake2b(secret_id.encode(), digest_size=16, key=_KEY)
    return digest.hexdigest(), region or "", service


def limiter_for(
    secret_id: str,
    region: str | None,
    service: str,
    clock: Callable[[], float] = time.monotonic,
) -> RateLimiter:
    """The process's limiter for these credentials, region and service (made at first use)."""
    key = limiter_key(secret_id, region, service)
    with _registry:
        limiter = _limiters.get(key)
        if limiter is None:
            if len(_limiters) >= MAX_LIMITERS:
                del _limiters[next(iter(_limiters))]
            limiter = _limiters[key] = RateLimiter(clock)
        return limiter


def forget_limiters() -> None:
    """Drop every limiter (tests; clients made later start unthrottled)."""
    with _registry:
        _limiters.clear()
