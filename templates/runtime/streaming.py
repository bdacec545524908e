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
  not an item; any other data that is not JSON raises ``InvalidJSONError``.
- When the service answers with plain JSON instead (some actions stream only
  when asked to), that one response is the stream's only item.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import msgspec

from . import errors
from .model import Response, ResponseMeta, parse_envelope

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ServerSentEvent",
    "EventDecoder",
    "Stream",
    "AsyncStream",
    "is_event_stream",
]

R = TypeVar("R", bound=Response)

# Some services end a stream with this data instead of JSON; it is no item.
DONE = "[DONE]"


@dataclass(frozen=True)
class ServerSentEvent:
    """One event as sent: its ``data`` text and the optional fields."""

    data: str
    event: str = ""
    id: str = ""
    retry: int | None = None


def is_event_stream(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "")
    return (
        response.status_code == 200
        and kind.split(";", 1)[0].strip().lower() == "text/event-stream"
    )


class EventDecoder:
    """Turns the bytes of an event stream into events, chunk by chunk.

    Follows the event-stream rules of the HTML standard: lines end with CRLF,
    LF or CR; a blank line ends an event; ``:`` starts a comment; the fields
    are ``data`` (lines joined with LF), ``event``, ``id`` and ``retry``; a
    leading BOM is dropped.
    """

    def __init__(self) -> None:
        self._pending = b""
        self._started = False
        self._data: list[str] = []
        self._event = ""
        self._id = ""
        self._retry: int | None = None
        self._fields = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        text = self._pending + chunk
        if not self._started and text:
            if len(text) < 3 and b"\xef\xbb\xbf".startswith(text):
                self._pending = text
                return []
            self._started = True
            text = text.removeprefix(b"\xef\xbb\xbf")
        events: list[ServerSentEvent] = []
        start = 0
        while True:
            cr, lf = text.find(b"\r", start), text.find(b"\n", start)
            if cr < 0 and lf < 0:
                break
            end = min(i for i in (cr, lf) if i >= 0)
            if end == cr and end + 1 == len(text):
                break  # a CR at the end may be the first half of CRLF
            step = 2 if text[end : end + 2] == b"\r\n" else 1
            event = self._line(text[start:end].decode("utf-8", "replace"))
            if event is not None:
                events.append(event)
            start = end + step
        self._pending = text[start:]
        return events

    def end(self) -> list[ServerSentEvent]:
        """The events a final CR completes; raises if the stream stopped mid-event."""
        events = self.feed(b"\n") if self._pending.endswith(b"\r") else []
        if self._pending or self._fields:
            raise errors.TransportError(
                "the event stream ended in the middle of an event", sent=True
            )
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        self._fields = True
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event, self._data, self._event, self._fields = (
            self._data,
            self._event,
            [],
            "",
            False,
        )
        retry, self._retry = self._retry, None
        if not data:
            return None
        return ServerSentEvent("\n".join(data), event, self._id, retry)


def _typed(cls: type[R], event: ServerSentEvent, request_id: str, strict: bool) -> R:
    """An event's data as the response model; raises the typed error it holds."""
    try:
        value = msgspec.json.decode(event.data)
    except msgspec.DecodeError as exc:
        raise errors.InvalidJSONError(
            f"event data is not JSON: {exc}", excerpt=event.data[:200]
        ) from None
    if isinstance(value, dict) and "RequestId" not in value:
        value["RequestId"] = request_id
    return parse_envelope(cls, {"Response": value}, strict=strict)


@dataclass(frozen=True)
class Opened:
    """What a call plan hands over for a stream: the response, still unread."""

    response: httpx.Response
    attempts: int
    elapsed: float


def _meta(opened: Opened) -> ResponseMeta:
    response = opened.response
    return ResponseMeta(
        response.status_code, response.headers, opened.attempts, opened.elapsed
    )


def _broken(exc: Exception, action: str) -> errors.TransportError:
    return errors.TransportError(
        f"{action}: the event stream broke: {type(exc).__name__}: {exc}",
        sent=True,
        action=action,
    )


class Stream(Generic[R]):
    """The events of one streamed answer, typed; use in a ``with`` block."""

    def __init__(
        self, cls: type[R], action: str, answer: Opened | R, strict: bool = False
    ) -> None:
        self._cls = cls
        self._action = action
        self._strict = strict
        self._single: R | None = None
        self._response: httpx.Response | None = None
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
        import httpx

        decoder = EventDecoder()
        try:
            for chunk in response.iter_bytes():
                yield from decoder.feed(chunk)
            yield from decoder.end()
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise _broken(exc, self._action) from None
        finally:
            response.close()

    def __iter__(self) -> Iterator[R]:
        if self._single is not None:
            yield self._single
            return
        request_id = self.meta.headers.get("x-tc-requestid", "")
        for event in self.events():
            if event.data != DONE:
                yield _typed(self._cls, event, request_id, self._strict)

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
    """

    def __init__(
        self,
        cls: type[R],
        action: str,
        open: Callable[[], Awaitable[Opened | R]],
        strict: bool = False,
    ) -> None:
        self._cls = cls
        self._action = action
        self._strict = strict
        self._open: Callable[[], Awaitable[Opened | R]] | None = open
        self._single: R | None = None
        self._response: httpx.Response | None = None
        self.meta = ResponseMeta()

    async def start(self) -> AsyncStream[R]:
        """Send the request and wait for the answer to begin (done once)."""
        if self._open is not None:
            opener, self._open = self._open, None
            answer = await opener()
            if isinstance(answer, Opened):
                self._response = answer.response
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
        import httpx

        decoder = EventDecoder()
        try:
            async for chunk in response.aiter_bytes():
                for event in decoder.feed(chunk):
                    yield event
            for event in decoder.end():
                yield event
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise _broken(exc, self._action) from None
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
                yield _typed(self._cls, event, request_id, self._strict)

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
