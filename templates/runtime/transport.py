"""The transport seam: what a driver hands to a transport and gets back.

A client sends each attempt through one transport: by default the standard
library's (``http11`` framing answers on sockets with a pool of their own:
``sync_http`` for the sync clients, ``aio_http`` on asyncio for the async
ones),
or httpx's (``httpx_http``, with ``transport="httpx"`` or ``http_client=``).
All take the same arguments (``send(url, headers, content, timeouts,
stream)``) and give back an :class:`Answer`: the part of ``httpx.Response``
the runtime reads, so an ``httpx.Response`` is one as it is (a responder
may still return one).

- :class:`Timeouts`: connect, read, write and pool seconds, read from what
  ``timeout=`` takes (seconds, None, a 4-tuple, or an ``httpx.Timeout``);
  :meth:`Timeouts.capped` caps each by the time the call's deadline leaves.
- :class:`Headers`: the answer's headers, read-only, names compared without
  regard to case, a repeated name's values joined with ", " (as httpx does).
- :class:`Received`: an answer read whole (``content``) or still being read
  (``iter_bytes``, for event streams), from a :class:`Source`.
- :class:`Failure`: a transport's failure, named as httpx names its errors
  (ConnectError, PoolTimeout, ReadTimeout, RemoteProtocolError...), and
  whether the request may have reached the service (``sent``): the retry
  rules decide on that, so every transport must tell it the same way.

Layer 0: the standard library only.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, Protocol

__all__ = [
    "Answer",
    "AsyncTransport",
    "Failure",
    "Headers",
    "Received",
    "Source",
    "SyncTransport",
    "Timeouts",
    "is_event_stream",
]


class Failure(Exception):
    """A transport failed: ``kind`` names it as httpx would, ``sent`` says
    whether the service may have received the request.

    Only a failure to get or open a connection (ConnectError, ConnectTimeout,
    PoolTimeout) proves nothing was sent.
    """

    def __init__(self, kind: str, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.kind = kind
        self.sent = sent


class Timeouts:
    """Seconds to connect, to wait for each read, each write, and a free
    connection; ``end``, when a deadline caps the attempt, the moment
    (``time.monotonic()``) by which the built-in transports must have the
    whole answer, however slowly it comes."""

    __slots__ = ("connect", "read", "write", "pool", "end")

    def __init__(
        self,
        connect: float | None,
        read: float | None,
        write: float | None,
        pool: float | None,
        end: float | None = None,
    ) -> None:
        self.connect = connect
        self.read = read
        self.write = write
        self.pool = pool
        self.end = end

    @classmethod
    def of(cls, value: Any) -> Timeouts:
        """What ``timeout=`` takes: seconds or None (all four), a 4-tuple
        (connect, read, write, pool) or an object with those attributes
        (``httpx.Timeout``)."""
        if value is None or isinstance(value, (int, float)):
            seconds = None if value is None else float(value)
            return cls(seconds, seconds, seconds, seconds)
        if isinstance(value, tuple):
            if len(value) != 4:
                raise ValueError(
                    "timeout as a tuple is (connect, read, write, pool) seconds"
                )
            return cls(*value)
        names = ("connect", "read", "write", "pool")
        if all(hasattr(value, name) for name in names):
            return cls(*(getattr(value, name) for name in names))
        raise TypeError(
            f"timeout must be seconds, None, a 4-tuple or an httpx.Timeout,"
            f" not {type(value).__name__}"
        )

    def capped(self, left: float | None) -> Timeouts:
        """These timeouts, none longer than ``left`` seconds (None: as they are)."""
        if left is None:
            return self
        c, r, w, p = (left if t is None else min(t, left) for t in self.all())
        return Timeouts(c, r, w, p, time.monotonic() + left)

    def wait(self, seconds: float | None) -> float | None:
        """``seconds``, cut to what is left before ``end`` (TimeoutError once it has passed)."""
        if self.end is None:
            return seconds
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        return left if seconds is None else min(seconds, left)

    def all(self) -> tuple[float | None, ...]:
        return (self.connect, self.read, self.write, self.pool)

    def as_dict(self) -> dict[str, float | None]:
        """httpx's form (its ``timeout`` request extension)."""
        return {
            "connect": self.connect,
            "read": self.read,
            "write": self.write,
            "pool": self.pool,
        }


class Headers(Mapping[str, str]):
    """An answer's headers: read-only, names without regard to case."""

    __slots__ = ("_pairs", "_index")

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._pairs = list(pairs)
        self._index: dict[str, str] | None = None

    def _lookup(self) -> dict[str, str]:
        index = self._index
        if index is None:
            index = {}
            for name, value in self._pairs:
                key = name.lower()
                index[key] = f"{index[key]}, {value}" if key in index else value
            self._index = index
        return index

    def __getitem__(self, name: str) -> str:
        return self._lookup()[name.lower()]

    def get(self, name: str, default: Any = None) -> Any:
        return self._lookup().get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup()

    def __iter__(self) -> Iterator[str]:
        return iter(self._lookup())

    def __len__(self) -> int:
        return len(self._lookup())

    def get_list(self, name: str) -> list[str]:
        """Every value sent under ``name``, in order."""
        key = name.lower()
        return [value for n, value in self._pairs if n.lower() == key]

    def multi_items(self) -> list[tuple[str, str]]:
        """The pairs as received (names in lower case), repeated names included."""
        return [(name.lower(), value) for name, value in self._pairs]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == {str(k).lower(): v for k, v in other.items()}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Headers({self.multi_items()!r})"


class Answer(Protocol):
    """What the runtime reads of an answer (``httpx.Response`` is one)."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> bytes: ...
    @property
    def is_closed(self) -> bool: ...
    def iter_bytes(self) -> Iterator[bytes]: ...
    def aiter_bytes(self) -> AsyncIterator[bytes]: ...
    def close(self) -> None: ...
    async def aclose(self) -> None: ...


class Source(Protocol):
    """Where a :class:`Received` answer's body still comes from (a connection)."""

    def read_all(self) -> bytes: ...
    def read_some(self) -> bytes:  # b"" at the end
        ...

    def release(self, whole: bool) -> None:  # whole: the body was read to its end
        ...


class Received:
    """An answer: its body in ``content``, or read from a :class:`Source`."""

    __slots__ = ("status_code", "headers", "_content", "_source")

    def __init__(
        self,
        status_code: int,
        headers: Headers,
        content: bytes = b"",
        source: Source | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self._content = content
        self._source = source

    @property
    def content(self) -> bytes:
        if self._source is not None:
            self.read()
        return self._content

    @property
    def is_closed(self) -> bool:
        return self._source is None

    def read(self) -> bytes:
        source = self._source
        if source is not None:
            try:
                self._content = source.read_all()
            except BaseException:
                self._drop(False)
                raise
            self._drop(True)
        return self._content

    def iter_bytes(self) -> Iterator[bytes]:
        source = self._source
        if source is None:
            if self._content:
                yield self._content
            return
        try:
            while chunk := source.read_some():
                yield chunk
        except BaseException:
            self._drop(False)
            raise
        self._drop(True)

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        for chunk in self.iter_bytes():  # only answers already read are async
            yield chunk

    def _drop(self, whole: bool) -> None:
        source, self._source = self._source, None
        if source is not None:
            source.release(whole)

    def close(self) -> None:
        """Done with the answer; a body not read to its end closes the connection."""
        self._drop(False)

    async def aclose(self) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Received [{self.status_code}]>"


def is_event_stream(response: Answer) -> bool:
    """Whether an answer is a ``text/event-stream`` (only streaming actions ask)."""
    kind = response.headers.get("content-type", "")
    return (
        response.status_code == 200
        and kind.split(";", 1)[0].strip().lower() == "text/event-stream"
    )


class SyncTransport(Protocol):
    """A sync client's transport: ``sync_http.StdlibTransport``, ``httpx_http.HttpxTransport``."""

    def send(
        self,
        url: str,
        headers: Mapping[str, str],
        content: bytes | Iterable[bytes],
        timeouts: Timeouts,
        stream: bool,
    ) -> Answer:
        """POST to ``url``; the answer read whole unless ``stream`` and it
        is an event stream. Raises :class:`Failure`, or the ``SDKError`` an
        upload's file raised while it was sent."""
        ...

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    """An async client's transport: ``aio_http.AsyncStdlibTransport``, ``httpx_http.AsyncHttpxTransport``."""

    async def send(
        self,
        url: str,
        headers: Mapping[str, str],
        content: bytes | AsyncIterable[bytes],
        timeouts: Timeouts,
        stream: bool,
    ) -> Answer:
        """As :meth:`SyncTransport.send`, without blocking the event loop."""
        ...

    async def aclose(self) -> None: ...
