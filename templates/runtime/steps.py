"""The steps a call plan yields to its driver (``plan.call_plan``): the I/O
it needs done, and the wrappers that carry an interceptor's or a step's
exception through the plan.

Layer 4: only annotations from below (``attempt``, ``interceptors``,
``multipart``); ``plan`` re-exports every name.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .attempt import Prepared
    from .interceptors import CallContext, Hook
    from .multipart import Body

__all__ = [
    "Sleep",
    "NeedCredentials",
    "Measure",
    "Exchange",
    "Hooks",
    "HookFailed",
    "Interrupted",
    "CREDENTIALS",
    "Step",
]


class Sleep:
    """A step of a call plan: wait this long before the next attempt."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class NeedCredentials:
    """A step of a call plan: hand in the current credentials."""


class Measure:
    """A step of a call plan: measure an upload's body (see ``multipart``).

    It reads any file for the first time, so the async client does it in a
    worker thread; its errors end the call before anything is sent.
    """

    def __init__(self, body: Body) -> None:
        self.body = body


class Exchange:
    """A step of a call plan: send this request; ``stream`` leaves the body unread.

    The driver answers with the response (status_code, headers, content) or
    throws in the ``exceptions.TransportError`` that sending raised.
    """

    def __init__(self, prepared: Prepared, stream: bool = False) -> None:
        self.prepared = prepared
        self.stream = stream


CREDENTIALS = NeedCredentials()


class Hooks:
    """A step of a call plan: call these interceptor methods with ``context``."""

    __slots__ = ("point", "methods", "context")

    def __init__(
        self, point: str, methods: tuple[Hook, ...], context: CallContext
    ) -> None:
        self.point = point
        self.methods = methods
        self.context = context

    def run(self) -> None:
        """Call them (the sync drivers): a coroutine method is a ``TypeError``."""
        for method in self.methods:
            outcome = method(self.context)
            if hasattr(outcome, "__await__"):
                close = getattr(outcome, "close", None)
                if close is not None:
                    close()  # no "never awaited" warning on top of the error
                raise TypeError(
                    f"interceptor method {_name(method)} is a coroutine:"
                    " use it with an async client"
                )

    async def run_async(self) -> None:
        """Call them, awaiting those that are coroutines (the async drivers)."""
        for method in self.methods:
            outcome = method(self.context)
            if hasattr(outcome, "__await__"):
                awaited: Awaitable[Any] = outcome
                await awaited


class HookFailed(Exception):
    """An interceptor raised ``error`` at ``point`` (carried through the plan, then unwrapped)."""

    def __init__(self, point: str, error: Exception) -> None:
        super().__init__(point)
        self.point = point
        self.error = error


class Interrupted(BaseException):
    """A step ended with ``error`` (a cancellation, Ctrl-C, credentials that
    failed...): the driver throws it into the plan, which runs ``after_call``
    and lets it out; :func:`advance` unwraps it. Never retried."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(type(error).__name__)
        self.error = error


def _name(method: Hook) -> str:
    return getattr(method, "__qualname__", None) or repr(method)


Step = Exchange | Sleep | NeedCredentials | Measure | Hooks
