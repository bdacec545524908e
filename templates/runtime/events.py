"""Decoding an event stream (``text/event-stream``) into events, without I/O:
:class:`EventDecoder` and :class:`ServerSentEvent` (``streaming`` reads the
answers and types the events; both names are found there too).

A leaf of the runtime: it imports only the standard library and
``exceptions``.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import exceptions

__all__ = ["MAX_EVENT_SIZE", "ServerSentEvent", "EventDecoder"]

MAX_EVENT_SIZE = 16 * 1024 * 1024
"""The default bound, in bytes, of one event's data lines (and of any one line)."""
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ServerSentEvent:
    """One event as sent: its ``data`` text and the optional fields."""

    data: str
    event: str = ""
    id: str = ""
    retry: int | None = None


class EventDecoder:
    """Turns the bytes of an event stream into events, chunk by chunk.

    Follows the event-stream rules of the HTML standard: lines end with CRLF,
    LF or CR; a blank line ends an event; ``:`` starts a comment; the fields
    are ``data`` (lines joined with LF), ``event``, ``id`` and ``retry``; a
    leading BOM is dropped. It does no I/O: ``feed()`` the bytes as they
    come, and ``end()`` when the stream ends.

    Each byte is looked at a bounded number of times, so the time is linear
    in the stream's size, and an event's data lines (with the line not yet
    ended) may hold at most ``max_event_size`` bytes: past it, and for a line
    that is not UTF-8, a :class:`~.exceptions.StreamError` is raised.
    """

    def __init__(self, max_event_size: int = MAX_EVENT_SIZE) -> None:
        self.max_event_size = max_event_size
        self._pending = bytearray()  # the start of a line not yet ended
        self._started = False
        self._after_cr = False  # the last line ended with CR: drop a LF next
        self._data: list[str] = []
        self._size = 0  # bytes of the data lines in _data
        self._event = ""
        self._id = ""
        self._retry: int | None = None
        self._fields = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if not self._started:
            # The BOM may come split across chunks: wait for three bytes.
            self._pending += chunk
            if len(self._pending) < 3 and _BOM.startswith(self._pending):
                return []
            self._started = True
            chunk = bytes(self._pending).removeprefix(_BOM)
            self._pending.clear()
        if self._after_cr and chunk:
            self._after_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if end < 0:
            self._pending += chunk
            self._check(len(self._pending))
            return []
        # Every line up to the last break in this chunk is whole: split them
        # all at once, the line begun in earlier chunks first. The buffers
        # are let go before the lines are decoded: a large event is held
        # about twice, not once per step.
        whole: bytes | bytearray
        if self._pending:
            self._pending += memoryview(chunk)[: end + 1]
            whole = self._pending
        else:
            whole = chunk[: end + 1]
        self._pending = bytearray(chunk[end + 1 :])
        # A CR ending the chunk ends its line; a LF starting the next one
        # is the second half of that CRLF, not a blank line.
        self._after_cr = end == len(chunk) - 1 and chunk[end] == 13  # CR
        lines = whole.splitlines()
        del whole
        lines.reverse()  # popped from the end: each line is let go once read
        events: list[ServerSentEvent] = []
        while lines:
            event = self._line(lines.pop())
            if event is not None:
                events.append(event)
        self._check(len(self._pending))
        return events

    def end(self) -> list[ServerSentEvent]:
        """Raises if the stream stopped in the middle of an event."""
        if self._pending or self._fields:
            raise exceptions.TransportError(
                "the event stream ended in the middle of an event", sent=True
            )
        return []

    def _check(self, pending: int) -> None:
        if self._size + pending > self.max_event_size:
            raise exceptions.StreamError(
                f"an event of the stream is larger than its limit of"
                f" {self.max_event_size} bytes (max_event_size)"
            )

    def _line(self, raw: bytes | bytearray) -> ServerSentEvent | None:
        if not raw:
            return self._dispatch()
        if raw[:1] == b":":
            return None
        colon = raw.find(b":")
        if colon < 0:
            colon = start = len(raw)
        else:
            start = colon + 2 if raw[colon + 1 : colon + 2] == b" " else colon + 1
        try:
            name = raw[:colon].decode()
            value = str(memoryview(raw)[start:], "utf-8")  # one copy of the data
        except UnicodeDecodeError as exc:
            raise exceptions.StreamError(
                f"the event stream is not UTF-8: {exc.reason} in a line"
            ) from None
        self._fields = True
        if name == "data":
            self._size += len(raw)
            self._check(0)
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
        retry, self._retry, self._size = self._retry, None, 0
        if not data:
            return None
        return ServerSentEvent("\n".join(data), event, self._id, retry)
