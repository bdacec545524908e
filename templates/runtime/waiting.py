"""Waiters: poll an action until the work another one started is done (``wait_for_<method>``).

A :class:`Waiting` (generated, one per waiter) says which action reports on
the work, where the state is in its answer (``status``, a path of attribute
names; ``"[]"`` looks at every item of a list) and which states end the
wait: any ``failure`` state raises :class:`WaiterError` (``reason``
"failure"), every state a ``success`` returns the answer. Anything else
(a ``pending`` state, a state the spec does not list, no state yet, an
error whose code is one of ``retry_errors``) means: ask again.

Between polls the waiter sleeps with jittered exponential back-off: after
poll *n* a delay drawn between ``min_delay`` and ``min(max_delay,
min_delay * 2 ** (n - 1))`` seconds, so never less than ``min_delay``.
``timeout`` counts the delays waited and the time the polls took; when the
next poll would come after it, :class:`WaiterError` (``reason`` "timeout")
carries the last state seen. Each poll is an ordinary call of the client's
method: its retries, deadline and interceptors apply to every one, and an
error that is not a retry error ends the wait as it is.

The client's own ``sleep`` and ``uniform`` (its constructor's arguments)
wait and draw; while a ``testing.Stubber`` answers for the client, nothing
sleeps and the delays only count towards the timeout, so queued answers
drive a waiter through its states at once. A tool of layer 6: it imports
``validation``, ``model`` and ``exceptions``; the clients load it at the
first wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import msgspec

from . import validation
from .exceptions import TencentCloudError, WaiterError
from .model import Request, Response

__all__ = ["Waiting", "WaiterError", "wait", "async_wait", "delays"]

Req = TypeVar("Req", bound=Request)
Resp = TypeVar("Resp", bound=Response)


class Waiting(msgspec.Struct, Generic[Req, Resp], frozen=True):
    """What one waiter polls and reads (generated)."""

    action: str  # the action that started the work
    poller: str  # the action polled
    request: type[Req]
    status: tuple[str, ...]
    success: tuple[str, ...]
    failure: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    retry_errors: tuple[str, ...] = ()
    # (polled request attribute, started response attribute, wrap in a list)
    inputs: tuple[tuple[str, str, bool], ...] = ()

    def first(
        self, request: Req | None, fields: Mapping[str, Any], started: Any
    ) -> Req:
        """The request of every poll: given, or made of ``fields`` and the ``started`` answer."""
        if request is not None:
            if fields or started is not None:
                raise TypeError(
                    f"pass either a {self.request.__name__} or keyword arguments, not both"
                )
            if not isinstance(request, self.request):
                raise TypeError(
                    f"expected {self.request.__name__}, got {type(request).__name__}"
                )
            return request
        values = dict(fields)
        if started is not None:
            for target, source, wrap in self.inputs:
                value = getattr(started, source, None)
                if value is not None and target not in values:
                    values[target] = [value] if wrap else value
        return validation.from_fields(self.request, values, self.poller)

    def states(self, response: Any) -> list[str]:
        """Every state the answer holds at ``status`` (as text), in order."""
        found: list[Any] = [response]
        for step in self.status:
            if step == "[]":
                found = [item for value in found for item in value or ()]
            else:
                found = [getattr(value, step, None) for value in found]
        return [
            str(v).lower() if isinstance(v, bool) else str(v)
            for v in found
            if v is not None
        ]

    def judge(self, response: Any) -> tuple[str, str]:
        """("success" | "failure" | "pending", the state to report)."""
        states = self.states(response)
        failed = next((s for s in states if s in self.failure), None)
        if failed is not None:
            return "failure", failed
        if states and all(s in self.success for s in states):
            return "success", states[0]
        pending = [s for s in states if s not in self.success]
        return "pending", ", ".join(pending or states)


def delays(
    min_delay: float,
    max_delay: float,
    uniform: Callable[[float, float], float] | None = None,
) -> Callable[[int], float]:
    """The delay after poll ``n`` (from 1): jittered, between ``min_delay`` and the doubled cap."""
    if not 0 < min_delay <= max_delay:
        raise ValueError(
            f"need 0 < min_delay <= max_delay, got {min_delay!r} and {max_delay!r}"
        )
    draw = uniform or random.uniform

    def delay(n: int) -> float:
        cap: float = min(max_delay, min_delay * 2.0 ** min(n - 1, 60))
        drawn: float = draw(min_delay, cap)
        return max(min_delay, min(cap, drawn))

    return delay


class _Wait:
    """The state of one wait: polls, time spent, the last answer and state."""

    def __init__(
        self,
        waiting: Waiting[Any, Any],
        client: Any,
        min_delay: float,
        max_delay: float,
        timeout: float,
    ) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be more than 0 seconds, got {timeout!r}")
        self.waiting = waiting
        self.delay = delays(min_delay, max_delay, client._core.uniform)
        self.min_delay = min_delay
        self.timeout = timeout
        # A Stubber answers: the delays count, nobody sleeps.
        self.stubbed = client._connections.responder is not None
        self.attempts = 0
        self.elapsed = 0.0
        self.response: Any = None
        self.state = ""

    def after(self, response: Any, error: TencentCloudError | None, took: float) -> Any:
        """After a poll: its answer when the wait is over, else None (raises on failure)."""
        waiting = self.waiting
        self.attempts += 1
        self.elapsed += took
        if error is not None:
            if error.code not in waiting.retry_errors:
                raise error
            self.state = f"error {error.code}"
            return None
        self.response = response
        verdict, self.state = self.judge(response)
        if verdict == "success":
            return response
        if verdict == "failure":
            raise self.error("failure", f"{waiting.poller} reports {self.state!r}")
        return None

    def judge(self, response: Any) -> tuple[str, str]:
        return self.waiting.judge(response)

    def pause(self) -> float:
        """How long to wait before the next poll (raises when that would pass the timeout)."""
        left = self.timeout - self.elapsed
        if left < self.min_delay:
            raise self.error(
                "timeout",
                f"not done after {self.elapsed:.3f}s (timeout {self.timeout:g}s)",
            )
        seconds = min(self.delay(self.attempts), left)
        self.elapsed += seconds
        return seconds

    def error(self, reason: str, what: str) -> WaiterError:
        waiting = self.waiting
        state = (
            f"; last state {self.state!r}" if self.state and reason == "timeout" else ""
        )
        return WaiterError(
            f"{waiting.action}: {what} after {self.attempts} poll(s){state}",
            reason=reason,
            action=waiting.action,
            poller=waiting.poller,
            state=self.state,
            response=self.response,
            attempts=self.attempts,
            elapsed=self.elapsed,
        )


def wait(
    client: Any,
    call: Callable[..., Resp],
    waiting: Waiting[Req, Resp],
    request: Req | None,
    fields: Mapping[str, Any],
    started: Any,
    extra_params: Mapping[str, Any] | None,
    min_delay: float,
    max_delay: float,
    timeout: float,
) -> Resp:
    """Poll ``call`` (the client's method) until the work is done; the last answer."""
    polled = waiting.first(request, fields, started)
    state = _Wait(waiting, client, min_delay, max_delay, timeout)
    while True:
        began = time.monotonic()
        response: Any = None
        error: TencentCloudError | None = None
        try:
            response = call(polled, extra_params=extra_params)
        except TencentCloudError as exc:
            error = exc
        done = state.after(response, error, time.monotonic() - began)
        if done is not None:
            result: Resp = done
            return result
        seconds = state.pause()
        if not state.stubbed:
            client._sleep(seconds)


async def async_wait(
    client: Any,
    call: Callable[..., Awaitable[Resp]],
    waiting: Waiting[Req, Resp],
    request: Req | None,
    fields: Mapping[str, Any],
    started: Any,
    extra_params: Mapping[str, Any] | None,
    min_delay: float,
    max_delay: float,
    timeout: float,
) -> Resp:
    """:func:`wait` for the async client."""
    polled = waiting.first(request, fields, started)
    state = _Wait(waiting, client, min_delay, max_delay, timeout)
    while True:
        began = time.monotonic()
        response: Any = None
        error: TencentCloudError | None = None
        try:
            response = await call(polled, extra_params=extra_params)
        except TencentCloudError as exc:
            error = exc
        done = state.after(response, error, time.monotonic() - began)
        if done is not None:
            result: Resp = done
            return result
        seconds = state.pause()
        if not state.stubbed:
            await client._sleep(seconds)
