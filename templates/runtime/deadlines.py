"""Deadlines: how long a whole call may take, retries and pauses included.

A client's ``deadline=`` option (and ``with_options(deadline=...)``) bounds
each of its calls; :class:`deadline` bounds every call made inside a
``with`` block, by any client, from the moment the block is entered
(``with deadline(2.0): client.describe_instances()``; ``async with`` works
alike). Scopes nest: the earliest end wins, and so does the earlier of a
scope and the client's option. A scope follows the code that entered it:
asyncio tasks started inside inherit it, other threads do not.

The call plan reads :func:`call_end` when a call starts; each attempt's
timeouts shrink to the time left, and once it is gone the call raises
``exceptions.DeadlineExceeded``.

A leaf of the runtime: it imports only the standard library.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token
from typing import Any

__all__ = ["deadline", "call_end", "check_seconds"]

_END: ContextVar[float | None] = ContextVar("tencentcloud_deadline", default=None)


def check_seconds(what: str, seconds: Any) -> float | None:
    """``seconds`` as a float if it is a positive, finite number (None stays None)."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(
            f"{what} must be a number of seconds, not {type(seconds).__name__}"
        )
    if not 0 < seconds < float("inf"):
        raise ValueError(
            f"{what} must be a positive number of seconds, not {seconds!r}"
        )
    return float(seconds)


class deadline:  # noqa: N801 - used like a function: ``with deadline(2.0):``
    """Every call made in the ``with`` (or ``async with``) block ends within ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = check_seconds("deadline", seconds)
        self._tokens: list[Token[float | None]] = []

    def __enter__(self) -> deadline:
        assert self.seconds is not None
        end = time.monotonic() + self.seconds
        outer = _END.get()
        self._tokens.append(_END.set(end if outer is None else min(outer, end)))
        return self

    def __exit__(self, *exc_info: object) -> None:
        _END.reset(self._tokens.pop())

    async def __aenter__(self) -> deadline:
        return self.__enter__()

    async def __aexit__(self, *exc_info: object) -> None:
        self.__exit__()

    def __repr__(self) -> str:
        return f"deadline({self.seconds!r})"


def call_end(seconds: float | None, now: float) -> float | None:
    """When a call starting ``now`` (``time.monotonic()``) must end, or None for never.

    ``seconds`` is the client's ``deadline`` option; the current scope's end counts too.
    """
    scope = _END.get()
    if seconds is None:
        return scope
    end = now + seconds
    return end if scope is None else min(scope, end)
