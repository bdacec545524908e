"""Answers streamed as server-sent events (``text/event-stream``).

Some actions (``*SSE``, chat completions) answer with a stream of events
whose ``data`` is a JSON object shaped like the action's response. A client
method of such an action returns a :class:`Stream` (sync) or an
:class:`AsyncStream`; iterating it gives each event's data as the typed
response model. The connection is closed when the iteration ends, when the
``with`` block is left, on ``close()``, or when the stream is dropped.

- An event whose data holds ``Error`` raises the typed ``TencentCloudError``.
- A connection that breaks, or a stream that ends in the middle of an event,
  raises ``TransportError``. Nothing is repeated once the stream has started:
  events may already have been used.
- A last event whose data is ``[DONE]`` (some chat services send one) is
  not an item; any other data that is not JSON (or nested too deeply to be
  decoded) raises ``InvalidJSONError``.
- An event larger than the stream's ``max_event_size`` (16 MiB unless set:
  :data:`MAX_EVENT_SIZE`), a line longer than that, or bytes that are not
  UTF-8 raise ``StreamError``, and the connection is closed.
- Each item's ``meta.raw`` is its event's data object as sent, fields the
  model does not declare included, and ``meta.unknown`` lists those.
- A call's deadline lasts until the first event: a stream that breaks before
  it, past the deadline, raises ``DeadlineExceeded``.
- When the service answers with plain JSON instead (some actions stream only
  when asked to), that one response is the stream's only item.

This module imports ``exceptions``, ``meta``, ``model`` and ``transport``
(layers below it); a stream read from an httpx response may also fail with
httpx's errors, caught when httpx is loaded.
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import msgspec

from . import exceptions
from .events import MAX_EVENT_SIZE, EventDecoder, ServerSentEvent
from .meta import InnerText, ResponseMeta
from .model import Response, keep, parse_envelope
from .transport import Failure, is_event_stream

if TYPE_CHECKING:
    from .transport import Answer

__all__ = [
    "ServerSentEvent",
    "EventDecoder",
    "Stream",
    "AsyncStream",
    "is_event_stream",
    "MAX_EVENT_SIZE",
]

R = TypeVar("R", bound=Response)

# Some services end a stream with this data instead of JSON; it is no item.
DONE = "[DONE]"


def _stream_errors() -> tuple[type[Exception], ...]:
    """What a broken stream raises: a transport's Failure, or httpx's errors."""
    httpx = sys.modules.get("httpx")
    if httpx is None:
        return (Failure,)
    return (Failure, httpx.TransportError, httpx.StreamError)


def _typed(
    cls: type[R],
    action: str,
    event: ServerSentEvent,
    request_id: str,
    strict: bool,
    keep_raw: bool = True,
) -> R:
    """An event's data as the response model; raises the typed error it holds.

    Its ``meta.raw`` is the data object as sent (without the ``RequestId``
    added here from the stream's header when the event has none).
    """
    try:
        value = msgspec.json.decode(event.data)
    except (msgspec.DecodeError, RecursionError) as exc:
        from .envelope import invalid_json

        raise invalid_json(exc, event.data, action, "event data") from None
    if isinstance(value, dict) and "RequestId" not in value:
        value["RequestId"] = request_id
    response = parse_envelope(cls, {"Response": value}, strict=strict)
    keep(response, InnerText(event.data) if keep_raw else None)
    return response


@dataclass(frozen=True)
class Opened:
    """What a call plan hands over for a stream: the response, still unread."""

    response: Answer
    attempts: int
    elapsed: float
    deadline: float | None = (
        None  # the call's (``deadlines``): it lasts until the first event
    )


def _meta(opened: Opened) -> ResponseMeta:
    response = opened.response
    return ResponseMeta(
        response.status_code, response.headers, opened.attempts, opened.elapsed
    )


def _broken(
    exc: Exception, action: str, waiting: Opened | None
) -> exceptions.TransportError:
    """The error for a stream that broke (``waiting``: no event had come yet)."""
    end = None if waiting is None else waiting.deadline
    if end is not None and time.monotonic() >= end - 0.005:
        return exceptions.DeadlineExceeded(
            f"{action}: the deadline passed before the first event",
            attempts=waiting.attempts if waiting else 0,
            sent=True,
            action=action,
        )
    return exceptions.TransportError(
        f"{action}: the event stream broke: {type(exc).__name__}: {exc}",
        sent=True,
        action=action,
    )


def _refused(exc: exceptions.StreamError, action: str) -> exceptions.StreamError:
    return exceptions.StreamError(f"{action}: {exc}", action=action)


class Stream(Generic[R]):
    """The events of one streamed answer, typed; use in a ``with`` block.

    ``max_event_size`` bounds one event's data (see :data:`MAX_EVENT_SIZE`);
    it may be changed before the events are read.
    """

    def __init__(
        self,
        cls: type[R],
        action: str,
        answer: Opened | R,
        strict: bool = False,
        *,
        max_event_size: int = MAX_EVENT_SIZE,
        keep_raw: bool = True,
    ) -> None:
        self.max_event_size = max_event_size
        self._keep_raw = keep_raw
        self._cls = cls
        self._action = action
        self._strict = strict
        self._single: R | None = None
        self._response: Answer | None = None
        self._opened = answer if isinstance(answer, Opened) else None
        if isinstance(answer, Opened):
            self._response = answer.response
            self.meta = _meta(answer)
        else:
            self._single = answer
            self.meta = answer.meta

    def events(self) -> Iterator[ServerSentEvent]:
        """The raw events, as sent (comments and empty events left out)."""
        response = self._response
        if response is None:
            return
        errors = _stream_errors()
        decoder = EventDecoder(self.max_event_size)
        waiting = self._opened
        try:
            for chunk in response.iter_bytes():
                for event in decoder.feed(chunk):
                    waiting = None
                    yield event
            yield from decoder.end()
        except errors as exc:
            raise _broken(exc, self._action, waiting) from None
        except exceptions.StreamError as exc:
            raise _refused(exc, self._action) from None
        finally:
            response.close()

    def __iter__(self) -> Iterator[R]:
        if self._single is not None:
            yield self._single
            return
        request_id = self.meta.headers.get("x-tc-requestid", "")
        for event in self.events():
            if event.data != DONE:
                yield _typed(
                    self._cls,
                    self._action,
                    event,
                    request_id,
                    self._strict,
                    self._keep_raw,
                )

    def close(self) -> None:
        """Close the connection; events not yet read are dropped."""
        if self._response is not None:
            self._response.close()

    def __enter__(self) -> Stream[R]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        response = getattr(self, "_response", None)
        if response is not None and not response.is_closed:
            response.close()


class AsyncStream(Generic[R]):
    """The events of one streamed answer, for ``async with`` and ``async for``.

    The request is sent when the ``async with`` block is entered (or the
    first time it is iterated), so errors before the stream are raised there.
    ``max_event_size`` is as for :class:`Stream`.
    """

    def __init__(
        self,
        cls: type[R],
        action: str,
        open: Callable[[], Awaitable[Opened | R]],
        strict: bool = False,
        *,
        max_event_size: int = MAX_EVENT_SIZE,
        keep_raw: bool = True,
    ) -> None:
        self.max_event_size = max_event_size
        self._keep_raw = keep_raw
        self._cls = cls
        self._action = action
        self._strict = strict
        self._open: Callable[[], Awaitable[Opened | R]] | None = open
        self._single: R | None = None
        self._response: Answer | None = None
        self._opened: Opened | None = None
        self.meta = ResponseMeta()

    async def start(self) -> AsyncStream[R]:
        """Send the request and wait for the answer to begin (done once)."""
        if self._open is not None:
            opener, self._open = self._open, None
            answer = await opener()
            if isinstance(answer, Opened):
                self._response, self._opened = answer.response, answer
                self.meta = _meta(answer)
            else:
                self._single = answer
                self.meta = answer.meta
        return self

    async def events(self) -> AsyncIterator[ServerSentEvent]:
        """The raw events, as sent (comments and empty events left out)."""
        await self.start()
        response = self._response
        if response is None:
            return
        errors = _stream_errors()
        decoder = EventDecoder(self.max_event_size)
        waiting = self._opened
        try:
            async for chunk in response.aiter_bytes():
                for event in decoder.feed(chunk):
                    waiting = None
                    yield event
            for event in decoder.end():
                yield event
        except errors as exc:
            raise _broken(exc, self._action, waiting) from None
        except exceptions.StreamError as exc:
            raise _refused(exc, self._action) from None
        finally:
            await response.aclose()

    async def _items(self) -> AsyncIterator[R]:
        await self.start()
        if self._single is not None:
            yield self._single
            return
        request_id = self.meta.headers.get("x-tc-requestid", "")
        async for event in self.events():
            if event.data != DONE:
                yield _typed(
                    self._cls,
                    self._action,
                    event,
                    request_id,
                    self._strict,
                    self._keep_raw,
                )

    def __aiter__(self) -> AsyncIterator[R]:
        return self._items()

    async def aclose(self) -> None:
        """Close the connection; events not yet read are dropped."""
        self._open = None
        if self._response is not None:
            await self._response.aclose()

    async def __aenter__(self) -> AsyncStream[R]:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
