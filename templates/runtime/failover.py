"""Region failover: a breaker that sends calls safe to repeat to a backup endpoint
while the client's own endpoint keeps failing.

Off unless a client is given ``failover=Failover(...)``, as in the official
SDKs (their region breaker is off by default too): an answer from another
region is not always the same answer (resources live in one region), so
only the user can decide that a backup endpoint may answer for the primary.

- :class:`Failover` holds the options, checked when made. Its defaults are
  the official SDKs' (backup ``ap-guangzhou.tencentcloudapi.com``, 5
  failures, a failure ratio of 0.75, 60 s before the primary is tried
  again, 5 probes) with the Go SDK's one-minute window. A backup given as a
  domain is reached as ``<service>.<domain>``; given as a URL
  (``https://host[:port]``), it is used as it is.
- :class:`Breaker` is one client's state (shared with its ``with_options``
  copies): closed, open or half-open. While closed, every call goes to the
  primary and the outcomes of the last ``window`` seconds are counted; only
  transport failures and 5xx answers count as failures (an API error such
  as ``InvalidParameter`` proves the endpoint works). With ``failures``
  failures or more in the window, making at least ``ratio`` of its
  attempts, it opens. While open, calls safe to repeat (read-only actions,
  or requests that carry an idempotency token: the retry rule's ``safe``)
  go to the backup; the others keep the primary and fail as they would
  without failover, since they may not be sent twice to two places. After
  ``cool_down`` seconds it is half-open: up to ``probes`` calls at a time
  try the primary again; one that succeeds closes the breaker, one that
  fails opens it for another ``cool_down``. A probe that never reports
  (its call was cancelled) frees its place after ``cool_down``.

Each attempt asks :meth:`Breaker.route` where to go and reports with
:meth:`Breaker.record`; the route's name (``PRIMARY``, ``BACKUP``,
``PROBE``, ``PINNED``) is what ``meta.failover`` and the interceptors'
``context.failover`` show.

A leaf of the runtime: it imports the standard library and ``wire``; only
clients given ``failover=`` load it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from . import wire

__all__ = [
    "Failover",
    "Breaker",
    "Ticket",
    "DEFAULT_BACKUP",
    "CLOSED",
    "OPEN",
    "HALF_OPEN",
    "PRIMARY",
    "BACKUP",
    "PROBE",
    "PINNED",
    "backup_target",
    "is_failure",
]

DEFAULT_BACKUP = "ap-guangzhou.tencentcloudapi.com"

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"
PRIMARY = "primary"
"""The breaker is closed: the attempt went to the client's endpoint."""
BACKUP = "backup"
"""The breaker is open (or half-open and its probes are out): the backup."""
PROBE = "probe"
"""The breaker is half-open: this attempt tries the client's endpoint again."""
PINNED = "pinned"
"""The breaker is open, but the call is not safe to repeat: the client's endpoint."""

# The window is kept as this many buckets at most: memory stays bounded
# whatever the rate of calls, and an outcome leaves the count up to one
# bucket early, never late.
_BUCKETS = 64


class Failover:
    """Region failover options: ``failover=Failover()`` on a client turns it on.

    ``backup``: a domain (``<service>.<backup>`` is the host called) or an
    ``http(s)://host[:port]`` URL used as given. ``failures``: how many
    failures in ``window`` seconds open the breaker, if they also make at
    least ``ratio`` (0 to 1) of the attempts counted. ``cool_down``: seconds
    the breaker stays open before the primary is tried again by up to
    ``probes`` calls at a time. ``clock``: seconds that only move forward
    (``time.monotonic``; tests give their own).
    """

    __slots__ = (
        "backup",
        "failures",
        "ratio",
        "window",
        "cool_down",
        "probes",
        "clock",
    )

    def __init__(
        self,
        backup: str = DEFAULT_BACKUP,
        *,
        failures: int = 5,
        ratio: float = 0.75,
        window: float = 60.0,
        cool_down: float = 60.0,
        probes: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(backup, str):
            raise TypeError(
                f"failover backup must be a str, not {type(backup).__name__}"
            )
        if "://" in backup:
            wire.parse_endpoint(backup, what="failover backup")
        else:
            wire.host_suffix("service.tencentcloudapi.com", backup)
        self.backup = backup
        self.failures = _count("failures", failures)
        self.probes = _count("probes", probes)
        self.ratio = _number("ratio", ratio)
        if not 0 < self.ratio <= 1:
            raise ValueError(
                f"failover ratio must be above 0 and at most 1, not {ratio!r}"
            )
        self.window = _positive("window", window)
        self.cool_down = _positive("cool_down", cool_down)
        if not callable(clock):
            raise TypeError("failover clock must be callable")
        self.clock = clock

    def __repr__(self) -> str:
        return (
            f"Failover({self.backup!r}, failures={self.failures}, ratio={self.ratio},"
            f" window={self.window}, cool_down={self.cool_down}, probes={self.probes})"
        )


def _number(what: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"failover {what} must be a number, not {type(value).__name__}")
    if value != value:  # NaN
        raise ValueError(f"failover {what} must be a number, not {value!r}")
    return float(value)


def _positive(what: str, value: Any) -> float:
    number = _number(what, value)
    if not 0 < number < float("inf"):
        raise ValueError(
            f"failover {what} must be a positive number of seconds, not {value!r}"
        )
    return number


def _count(what: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"failover {what} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"failover {what} must be at least 1, not {value!r}")
    return value


def backup_target(
    options: Failover, default_host: str, primary_url: str, custom: bool
) -> tuple[str, str]:
    """The backup's URL and Host header for a client, or ``ValueError``.

    ``default_host`` is the service's own host (``cvm.tencentcloudapi.com``);
    ``custom``: the client was given its endpoint (``endpoint=``,
    ``domain_suffix=`` or TENCENTCLOUD_ENDPOINT). Such a client only fails
    over to a backup given as a URL: a private or test endpoint's calls
    must never reach the public one because a default said so.
    """
    if "://" in options.backup:
        url, host = wire.parse_endpoint(options.backup, what="failover backup")
    elif custom:
        raise ValueError(
            "failover: a client given its own endpoint needs the backup as a"
            f" URL (Failover(backup='https://...')), not the domain {options.backup!r}"
        )
    else:
        url, host = wire.host_suffix(default_host, options.backup)
    if url == primary_url:
        raise ValueError(f"failover backup {url!r} is the client's own endpoint")
    return url, host


def is_failure(error: BaseException | None, status: int = 0) -> bool | None:
    """Whether an attempt's outcome counts against its endpoint.

    True for a transport failure or a 5xx answer, False for any other answer
    (an API error proves the endpoint works), None when nothing was learnt
    about the endpoint (a local failure before anything came back).
    """
    if error is None:
        return status >= 500
    from .exceptions import TransportError

    if isinstance(error, TransportError):
        return True
    status = getattr(error, "status", 0) or 0
    if not status:
        return None
    return status >= 500


class Ticket:
    """Where one attempt went, for :meth:`Breaker.record`."""

    __slots__ = ("route", "generation", "number")

    def __init__(self, route: str, generation: int, number: int) -> None:
        self.route = route
        self.generation = generation
        self.number = number


class Breaker:
    """One client's failover state; safe to share between threads and tasks."""

    def __init__(self, options: Failover) -> None:
        self.options = options
        self._clock = options.clock
        self._lock = threading.Lock()
        self._state = CLOSED
        # Bumped at every change of state: outcomes of attempts routed before
        # it are old news and not counted.
        self._generation = 0
        self._opened = 0.0
        self._buckets: deque[list[float]] = deque()  # [start, attempts, failures]
        self._attempts = 0
        self._failed = 0
        self._probing: dict[int, float] = {}  # ticket number -> when it left
        self._numbers = 0

    @property
    def state(self) -> str:
        """CLOSED, OPEN or HALF_OPEN, as of now."""
        with self._lock:
            return self._now_state(self._clock())

    def counts(self) -> tuple[int, int]:
        """Attempts and failures counted in the current window (closed state)."""
        with self._lock:
            self._prune(self._clock())
            return self._attempts, self._failed

    def route(self, safe: bool) -> Ticket:
        """Where the next attempt of a call goes; ``safe``: it may be repeated elsewhere."""
        with self._lock:
            now = self._clock()
            state = self._now_state(now)
            self._numbers += 1
            number = self._numbers
            if state == CLOSED:
                route = PRIMARY
            elif state == OPEN:
                route = BACKUP if safe else PINNED
            else:
                lost = now - self.options.cool_down
                for key in [k for k, left in self._probing.items() if left <= lost]:
                    del self._probing[key]
                if len(self._probing) < self.options.probes:
                    route = PROBE
                    self._probing[number] = now
                else:
                    route = BACKUP if safe else PINNED
            return Ticket(route, self._generation, number)

    def record(self, ticket: Ticket, failed: bool | None) -> None:
        """The outcome of an attempt routed by ``ticket`` (None: nothing learnt)."""
        with self._lock:
            now = self._clock()
            self._now_state(now)
            self._probing.pop(ticket.number, None)
            if ticket.generation != self._generation or failed is None:
                return
            if ticket.route == PROBE:
                self._switch(OPEN if failed else CLOSED, now)
            elif ticket.route == PRIMARY:
                self._count(now, failed)
                options = self.options
                if (
                    self._failed >= options.failures
                    and self._failed >= options.ratio * self._attempts
                ):
                    self._switch(OPEN, now)
            # The backup's outcomes and those of calls pinned to the primary
            # while open tell nothing the probes will not.

    def _now_state(self, now: float) -> str:
        if self._state == OPEN and now >= self._opened + self.options.cool_down:
            self._switch(HALF_OPEN, now)
        return self._state

    def _switch(self, state: str, now: float) -> None:
        self._state = state
        self._generation += 1
        self._buckets.clear()
        self._attempts = self._failed = 0
        self._probing.clear()
        if state == OPEN:
            self._opened = now

    def _prune(self, now: float) -> None:
        buckets = self._buckets
        edge = now - self.options.window
        while buckets and buckets[0][0] <= edge:
            _, attempts, failed = buckets.popleft()
            self._attempts -= int(attempts)
            self._failed -= int(failed)

    def _count(self, now: float, failed: bool) -> None:
        self._prune(now)
        width = self.options.window / _BUCKETS
        start = now - now % width
        buckets = self._buckets
        if buckets and buckets[-1][0] >= start:
            bucket = buckets[-1]  # (a clock read late by another thread lands here too)
        else:
            bucket = [start, 0, 0]
            buckets.append(bucket)
        bucket[1] += 1
        self._attempts += 1
        if failed:
            bucket[2] += 1
            self._failed += 1

    def __repr__(self) -> str:
        return f"Breaker({self.state}, {self.options!r})"
