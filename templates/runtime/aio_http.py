"""The async clients' default transport: HTTP/1.1 on asyncio's own
connections, framed by ``http11``, with a connection pool of its own (it
never loads httpx).

- **Pool.** As ``sync_http``'s (``routes``' limits): connections kept per
  origin and proxy, reused last used first, at most ``MAX_CONNECTIONS``
  open and ``MAX_IDLE`` idle, none idle longer than ``IDLE_EXPIRY``
  seconds. A kept connection that has closed, or has bytes nobody asked
  for, is dropped before use; so is one made in another event loop. A
  connection whose exchange failed, was cancelled, or whose answer was not
  read to its end is closed. Tasks waiting for one are served first come,
  first served: a connection given back goes to the first of them (or its
  slot, when it waits for another route), never to a task that did not
  wait. Waiting longer than the pool timeout is a ``PoolTimeout``.
- **Timeouts.** The connect timeout covers connecting, a proxy's CONNECT
  and the TLS handshake; each wait to write and each wait for bytes of the
  answer has its own (write, read), and with a deadline none goes past
  ``Timeouts.end``.
- **Sent or not.** As ``sync_http``: only ConnectError, ConnectTimeout and
  PoolTimeout are unsent.
- **Answers** are read by ``http11`` (its limits and refusals, each a
  ``RemoteProtocolError``). Reading pauses while more than 256 KiB wait
  unread, so a slow reader of an event stream holds the server back, not
  memory.
- **Proxies and TLS** as ``routes`` reads them; ``aio.async_transport``
  leaves other proxies to httpx.

Layer 5, below the drivers: imports ``transport``, ``http11``, ``routes``
and ``aio_link`` (one connection).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterator, Mapping
from typing import Any

from . import routes
from .aio_link import Link, expire
from .http11 import Body, Head, Refused, request_head
from .routes import Route, Routing
from .transport import Failure, Headers, Received, Timeouts, is_event_stream

__all__ = ["AsyncStdlibTransport"]


def _forever() -> None:
    return None  # a CONNECT's answer: the connect timeout around it bounds it


def _read_failure(exc: BaseException) -> Failure:
    if isinstance(exc, TimeoutError):
        return Failure("ReadTimeout", "timed out", sent=True)
    if isinstance(exc, Refused):
        return Failure("RemoteProtocolError", str(exc), sent=True)
    return Failure("ReadError", str(exc), sent=True)


class _Streamed:
    """An event stream's answer, read from its connection as it arrives."""

    def __init__(
        self, pool: AsyncStdlibTransport, link: Link, head: Head, read: float | None
    ) -> None:
        self.status_code = head.status
        self.headers = Headers(head.fields)
        self._pool, self._read = pool, read
        self._link: Link | None = link
        self._body = Body(head)
        self._close = head.close

    @property
    def is_closed(self) -> bool:
        return self._link is None

    @property
    def content(self) -> bytes:
        raise RuntimeError("an event stream is read with aiter_bytes()")

    def iter_bytes(self) -> Iterator[bytes]:
        raise RuntimeError("an async answer is read with aiter_bytes()")

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        link, body = self._link, self._body
        if link is None:
            return
        try:
            while not body.done:
                data = link.take()
                if data:
                    for piece in body.feed(data):
                        yield piece
                elif link.ended_whole():
                    body.eof()
                else:
                    await link.more(self._read)
        except (OSError, Refused) as exc:
            self._drop(False)
            raise _read_failure(exc) from None
        except BaseException:
            self._drop(False)
            raise
        self._drop(not body.rest and not self._close)

    def _drop(self, whole: bool) -> None:
        link, self._link = self._link, None
        if link is not None:
            self._pool.release(link, whole)

    def close(self) -> None:
        self._drop(False)

    async def aclose(self) -> None:
        self._drop(False)


class AsyncStdlibTransport:
    """HTTP/1.1 connections on asyncio, pooled (see the module docstring)."""

    def __init__(
        self, proxy: str | None = None, verify: bool | ssl.SSLContext = True
    ) -> None:
        self._routing = Routing(proxy, verify)
        self._idle: dict[Any, list[Link]] = {}
        self._idle_count = 0
        self._open = 0
        # Tasks waiting for a connection, first come first served, with their route.
        self._waiters: deque[tuple[asyncio.Future[Link | None], Any]] = deque()
        self._closed = False

    def proxy_for(self, url: str) -> str:
        return self._routing.proxy_for(url)

    async def _acquire(self, route: Route, timeouts: Timeouts) -> Link:
        loop = asyncio.get_running_loop()
        if self._closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        waiters = self._waiters
        while waiters and waiters[0][0].done():  # those that gave up waiting
            waiters.popleft()
        if not waiters:  # else behind those already waiting: first come, first served
            idle = self._idle.get(route.key)
            now = loop.time()
            while idle:
                link = idle.pop()
                self._idle_count -= 1
                if now - link.since < routes.IDLE_EXPIRY and link.reusable(loop):
                    return link
                link.close()
                self._open -= 1
            if self._open >= routes.MAX_CONNECTIONS and self._idle_count:
                self._drop_oldest()
            if self._open < routes.MAX_CONNECTIONS:
                context = self._routing.tls(route)
                self._open += 1
                return await self._open_slot(loop, route, context, timeouts)
        given = await self._wait(loop, route, timeouts.pool)
        if given is not None and given.reusable(loop):
            return given
        if given is not None:  # stale by the time it came: its slot is ours
            given.close()
        context = self._routing.tls(route)
        return await self._open_slot(loop, route, context, timeouts)

    async def _wait(
        self, loop: asyncio.AbstractEventLoop, route: Route, timeout: float | None
    ) -> Link | None:
        """Wait in line for a connection to the route (or a slot to open one)."""
        waiter: asyncio.Future[Link | None] = loop.create_future()
        self._waiters.append((waiter, route.key))
        timer = None if timeout is None else loop.call_later(timeout, expire, waiter)
        try:
            return await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._pass_on(waiter.result())  # given as it timed out or was cancelled
            if isinstance(exc, TimeoutError) and not self._closed:
                raise Failure(
                    "PoolTimeout", "timed out waiting for a connection", sent=False
                ) from None
            raise
        finally:
            if timer is not None:
                timer.cancel()

    async def _open_slot(
        self,
        loop: asyncio.AbstractEventLoop,
        route: Route,
        context: ssl.SSLContext | None,
        timeouts: Timeouts,
    ) -> Link:
        """Connect in a slot already counted in ``_open``; a failure frees it."""
        try:
            return await self._connect(loop, route, context, timeouts.connect)
        except BaseException:
            self._pass_on(None)
            raise

    async def _connect(
        self,
        loop: asyncio.AbstractEventLoop,
        route: Route,
        context: ssl.SSLContext | None,
        timeout: float | None,
    ) -> Link:
        host, port = route.proxy or (route.host, route.port)
        direct = context if route.proxy is None else None
        link: Link | None = None
        try:
            async with asyncio.timeout(timeout):
                _, link = await loop.create_connection(
                    lambda: Link(loop, route.key),
                    host,
                    port,
                    ssl=direct,
                    server_hostname=route.host if direct is not None else None,
                )
                if context is not None and route.proxy is not None:
                    await self._tunnel(loop, link, route, context)
        except TimeoutError as exc:
            if link is not None:
                link.close()
            raise Failure(
                "ConnectTimeout", str(exc) or "timed out", sent=False
            ) from None
        except (OSError, Refused) as exc:
            if link is not None:
                link.close()
            raise Failure("ConnectError", str(exc), sent=False) from None
        except BaseException:
            if link is not None:
                link.close()
            raise
        return link

    async def _tunnel(
        self,
        loop: asyncio.AbstractEventLoop,
        link: Link,
        route: Route,
        context: ssl.SSLContext,
    ) -> None:
        """CONNECT through the proxy, then TLS with the origin inside the tunnel."""
        authority = route.authority
        extra = {"Host": authority, **route.auth}
        await link.write(request_head("CONNECT", authority, {}, extra, None), None)
        head = await link.read_head(_forever, "CONNECT")
        if not 200 <= head.status < 300:
            raise Refused(f"the proxy answered CONNECT with {head.status}")
        if link.buffer:
            raise Refused("the proxy sent bytes before the tunnel was made")
        link.transport = await loop.start_tls(
            link.transport, link, context, server_hostname=route.host
        )

    def _drop_oldest(self) -> None:
        key, found = None, None
        for name, idle in self._idle.items():
            if idle and (found is None or idle[0].since < found.since):
                key, found = name, idle[0]
        if key is not None and found is not None:
            self._idle[key].pop(0).close()
            self._idle_count -= 1
            self._open -= 1

    def _pass_on(self, link: Link | None) -> None:
        """Give a connection (or, with None, the slot of one closed) to the
        first task waiting: its own connection when it waits for the same
        route, else the slot to open one. With nobody waiting, the
        connection goes idle, or the slot is freed."""
        while self._waiters:
            waiter, key = self._waiters.popleft()
            if waiter.done():
                continue
            if link is not None and key != link.key:
                link.close()  # another route waits: it gets the slot
                link = None
            waiter.set_result(link)
            return
        if link is None:
            self._open -= 1
        else:
            link.since = link.loop.time()
            self._idle.setdefault(link.key, []).append(link)
            self._idle_count += 1
            if self._idle_count > routes.MAX_IDLE:
                self._drop_oldest()

    def release(self, link: Link, reusable: bool) -> None:
        """Back to the pool (to the first task waiting, if any), or closed."""
        if self._closed or not reusable or not link.reusable(link.loop):
            link.close()
            if self._closed:
                self._open -= 1
                return
            self._pass_on(None)
        else:
            self._pass_on(link)

    async def send(
        self,
        url: str,
        headers: Mapping[str, str],
        content: bytes | AsyncIterable[bytes],
        timeouts: Timeouts,
        stream: bool,
    ) -> Received | _Streamed:
        route = self._routing.route(url)
        link = await self._acquire(route, timeouts)
        try:
            head = await self._request(route, link, headers, content, timeouts)
            fields = Headers(head.fields)
            if stream and is_event_stream(Received(head.status, fields)):
                return _Streamed(self, link, head, timeouts.read)
            body, whole = await self._read_body(link, head, timeouts)
        except BaseException:
            self.release(link, False)
            raise
        self.release(link, whole)
        return Received(head.status, fields, body)

    async def _request(
        self,
        route: Route,
        link: Link,
        headers: Mapping[str, str],
        content: bytes | AsyncIterable[bytes],
        timeouts: Timeouts,
    ) -> Head:
        head = request_head(
            "POST",
            route.target,
            headers,
            route.headers(),
            len(content) if isinstance(content, bytes) else None,
        )
        try:
            if isinstance(content, bytes):
                await link.write(head + content, timeouts.wait(timeouts.write))
            else:
                await link.write(head, timeouts.wait(timeouts.write))
                async for chunk in content:
                    await link.write(chunk, timeouts.wait(timeouts.write))
        except TimeoutError:
            raise Failure("WriteTimeout", "timed out", sent=True) from None
        except OSError as exc:
            raise Failure("WriteError", str(exc), sent=True) from None
        try:
            return await link.read_head(lambda: timeouts.wait(timeouts.read))
        except (OSError, Refused) as exc:
            raise _read_failure(exc) from None

    async def _read_body(
        self, link: Link, head: Head, timeouts: Timeouts
    ) -> tuple[bytes, bool]:
        """The whole body, and whether the connection can carry another request."""
        body = Body(head)
        pieces: list[bytes] = []
        try:
            while not body.done:
                data = link.take()
                if data:
                    pieces += body.feed(data)
                elif link.ended_whole():
                    body.eof()
                else:
                    await link.more(timeouts.wait(timeouts.read))
        except (OSError, Refused) as exc:
            raise _read_failure(exc) from None
        if body.rest:
            link.buffer[:0] = body.rest  # an answer nobody asked for: not reused
        content = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        return content, not head.close

    async def aclose(self) -> None:
        """Close the idle connections; those in use close when released."""
        self._closed = True
        for idle in self._idle.values():
            for link in idle:
                link.close()
                self._open -= 1
        self._idle.clear()
        self._idle_count = 0
        while self._waiters:
            waiter, _ = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(
                    RuntimeError(
                        "Cannot send a request, as the client has been closed."
                    )
                )
