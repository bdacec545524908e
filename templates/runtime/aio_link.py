"""One HTTP/1.1 connection of the async built-in transport (``aio_http``):
an ``asyncio.Protocol`` that keeps what arrived until it is read, lets one
reader wait for more (each wait bounded by the read timeout), writes with
back-pressure (each wait to write bounded by the write timeout), and reads
an answer's head with ``http11``.

Reading pauses while more than 256 KiB wait unread, so a slow reader of an
event stream holds the server back instead of filling memory.

Layer 0: the standard library and ``http11`` only.
"""

from __future__ import annotations

import asyncio
import select
import socket
from collections.abc import Callable
from typing import Any

from .http11 import Head, final_head

__all__ = ["Link", "expire"]

_HIGH = 256 * 1024  # unread bytes at which reading pauses


def expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class Link(asyncio.Protocol):
    """One connection: what arrived and not yet read, and who waits for it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, key: Any) -> None:
        self.loop = loop
        self.key = key  # the route's: where it goes back in the pool
        self.transport: Any = None
        self.buffer = bytearray()
        self.ended = False  # the peer closed, or the connection was lost
        self.error: Exception | None = None  # how it was lost, when not by a close
        self.since = 0.0  # when it went idle
        self._waiter: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None
        self._paused = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH and not self._paused:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        self._wake()
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def pause_writing(self) -> None:
        self._drained = self.loop.create_future()

    def resume_writing(self) -> None:
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait(self, waiter: asyncio.Future[None], timeout: float | None) -> None:
        timer = (
            None if timeout is None else self.loop.call_later(timeout, expire, waiter)
        )
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()

    async def more(self, timeout: float | None) -> None:
        """Wait until more bytes arrive or the connection ends (TimeoutError)."""
        if self.ended:
            return
        waiter = self._waiter = self.loop.create_future()
        await self._wait(waiter, timeout)

    def take(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        self._resume()
        return data

    def _resume(self) -> None:
        if self._paused and len(self.buffer) <= _HIGH:
            self._paused = False
            self.transport.resume_reading()

    def ended_whole(self) -> bool:
        """Whether the connection ended by the peer's close, not by an error
        (a reset cuts a body framed by the close: it is no end of it)."""
        if self.error is not None:
            raise ConnectionResetError(str(self.error) or "the connection was reset")
        return self.ended

    async def write(self, data: bytes, timeout: float | None) -> None:
        if self.ended or self.transport.is_closing():
            raise ConnectionResetError("the connection was closed")
        self.transport.write(data)
        drained = self._drained
        if drained is not None:
            await self._wait(drained, timeout)

    async def read_head(
        self, wait: Callable[[], float | None], method: str = "POST"
    ) -> Head:
        """The final answer's head (1xx answers skipped); ``wait()`` gives
        each wait for more bytes its timeout."""
        while (head := final_head(self.buffer, method, self.ended)) is None:
            self._resume()  # a long 1xx head taken out may have paused reading
            await self.more(wait())
        self._resume()
        return head

    def reusable(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Idle and in step: of this event loop, nothing unread, and its
        socket does not read as ready (a close or bytes the event loop has
        not delivered yet: between two calls it may not have run)."""
        if (
            loop is not self.loop
            or self.ended
            or self.buffer
            or self.transport.is_closing()
        ):
            return False
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return True
        try:
            ssl_object = self.transport.get_extra_info("ssl_object")
            if ssl_object is not None and ssl_object.pending():
                return False
            if hasattr(select, "poll"):
                poller = select.poll()
                poller.register(sock.fileno(), select.POLLIN)
                return not poller.poll(0)
            return not select.select([sock.fileno()], [], [], 0)[0]
        except (OSError, ValueError):
            return False

    def close(self) -> None:
        transport = self.transport
        self.ended = True
        if transport is None:
            return
        try:
            transport.abort()  # nothing more is owed: no graceful close
        except RuntimeError:  # its event loop is closed: end the stream at least
            sock = transport.get_extra_info("socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
