"""Seeing and steering whole calls: :class:`Interceptor` and :class:`CallContext`.

A client's ``interceptors=[...]`` (a constructor option, and
``with_options``) are called at four points of every call, sync and async
alike, whatever answers it (the service, the local endpoint or a Stubber):

- ``before_call(context)``: once, before anything else (credentials, upload
  measuring, the first attempt).
- ``before_attempt(context)``: before each attempt is signed; it may add
  headers (``context.headers``) and parameters (``context.params``, as
  ``extra_params`` are: wire names the request does not declare) to that
  attempt, and change ``context.trace_id``.
- ``after_attempt(context)``: after each attempt, with ``context.response``
  (the transport's response, ``transport.Answer``: a ``transport.Received``
  or an ``httpx.Response``; None when none came) and ``context.error`` (the
  SDK error the attempt stands for, or None), ``context.retrying`` and the
  pause before the next attempt, ``context.delay``.
- ``after_call(context)``: once, at the end, with ``context.result`` and
  ``context.meta`` (or ``context.error``). For an event stream, when it is
  open, before any event is read (``result`` None).

``before_*`` run in the order of the list, ``after_*`` in the reverse order,
so that the first interceptor wraps all the others. An interceptor need not
subclass :class:`Interceptor`: any object with some of these methods will
do. The async clients await the methods that are coroutines; the sync
clients refuse them (``TypeError``).

An exception raised by an interceptor ends the call: nothing more is sent
or retried, ``after_call`` still runs (with ``context.error`` set to that
exception) and the exception then propagates as itself.

A leaf of the runtime: it imports only the standard library.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["Interceptor", "CallContext", "Hook", "hooks_of"]

POINTS = ("before_call", "before_attempt", "after_attempt", "after_call")


class Interceptor:
    """A base with every method doing nothing; override those you need."""

    def before_call(self, context: CallContext) -> Any:
        """Once per call, before anything is done."""

    def before_attempt(self, context: CallContext) -> Any:
        """Before each attempt is signed: may add ``headers`` and ``params``."""

    def after_attempt(self, context: CallContext) -> Any:
        """After each attempt: ``response``/``error``, ``retrying``, ``delay``."""

    def after_call(self, context: CallContext) -> Any:
        """Once per call, at the end: ``result`` and ``meta``, or ``error``."""


class CallContext:
    """One call as the interceptors see it; one object for the whole call.

    Fields a hook may change: ``headers`` and ``params`` (in
    ``before_attempt``; emptied again for each attempt), ``trace_id`` (in
    ``before_call`` or ``before_attempt``) and ``attributes`` (a dict of the
    interceptors' own, kept for the call). Everything else is for reading.
    """

    __slots__ = (
        "service",
        "version",
        "action",
        "region",
        "request",
        "trace_id",
        "deadline",
        "attempt",
        "endpoint",
        "headers",
        "params",
        "response",
        "error",
        "retrying",
        "delay",
        "result",
        "meta",
        "failover",
        "attributes",
    )

    def __init__(
        self,
        service: str,
        version: str,
        action: str,
        region: str | None,
        request: Any,
        trace_id: str,
        endpoint: str,
        deadline: float | None = None,
    ) -> None:
        self.service = service
        self.version = version
        self.action = action
        self.region = region
        self.request: Any = request
        """The request as built: a model, or CommonClient's params dict."""
        self.trace_id = trace_id
        """The X-TC-TraceId every attempt of this call carries."""
        self.deadline = deadline
        """When the call must end, as ``time.monotonic()`` reads it, or None."""
        self.attempt = 0
        """The number of the attempt under way or last made (from 1)."""
        self.endpoint = endpoint
        """The URL the attempt under way (or the last one) is sent to."""
        self.headers: dict[str, str] = {}
        self.params: dict[str, Any] = {}
        self.response: Any = None
        self.error: BaseException | None = None
        self.retrying = False
        self.delay: float | None = None
        self.result: Any = None
        self.meta: Any = None
        self.failover = ""
        """Where region failover sent the attempt under way (or the last one):
        ``primary``, ``backup``, ``probe`` or ``pinned`` ("" when failover is off)."""
        self.attributes: dict[str, Any] = {}

    def __repr__(self) -> str:
        return (
            f"CallContext({self.service}.{self.action}, attempt={self.attempt},"
            f" trace_id={self.trace_id!r}, endpoint={self.endpoint!r})"
        )


Hook = Callable[[CallContext], Any]


def hooks_of(
    interceptors: Sequence[object],
) -> Mapping[str, tuple[Hook, ...]] | None:
    """The methods to call at each point, in their order; None when there are none.

    Methods an object inherits unchanged from :class:`Interceptor` do
    nothing and are left out.
    """
    if isinstance(interceptors, (str, bytes)) or not isinstance(interceptors, Sequence):
        raise TypeError("interceptors must be a list of objects")
    table: dict[str, tuple[Hook, ...]] = {}
    for point in POINTS:
        methods = []
        for interceptor in interceptors:
            method = getattr(interceptor, point, None)
            if method is None:
                continue
            if not callable(method):
                raise TypeError(f"{type(interceptor).__name__}.{point} is not callable")
            if getattr(type(interceptor), point, None) is getattr(Interceptor, point):
                continue
            methods.append(method)
        if point.startswith("after"):
            methods.reverse()
        table[point] = tuple(methods)
    return table if any(table.values()) else None
