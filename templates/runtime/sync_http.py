"""The sync clients' default transport: HTTP/1.1 on the standard library's
sockets, framed by ``http11`` as the async transport's answers are, with a
connection pool of its own (it never loads httpx, asyncio or ``http.client``,
whose ``email`` parser alone costs a fresh process about 20 ms).

- **Pool.** Connections are kept per origin (and proxy) and reused, last
  used first: at most :data:`MAX_CONNECTIONS` open, :data:`MAX_IDLE` kept
  idle, none idle longer than :data:`IDLE_EXPIRY` seconds (httpx's limits).
  A kept connection the server has closed meanwhile (its socket reads as
  ready: the end of the stream, or bytes nobody asked for) is dropped before
  use. A connection that failed, whose answer was not read to its end, or
  that brought bytes after its answer, is closed. Waiting longer than the
  pool timeout for one is a ``PoolTimeout``.
- **Timeouts.** The connect timeout covers connecting, a proxy's CONNECT
  and the TLS handshake; then each write and each read has its own. The
  driver caps them all by the time the call's deadline leaves, and no wait
  goes past ``Timeouts.end``: an answer that trickles in is cut there.
- **Sent or not.** Only a failure before the request's first byte went out
  (ConnectError, ConnectTimeout, PoolTimeout) is unsent; a failure while
  writing or reading is sent (WriteError, ReadTimeout, ReadError,
  RemoteProtocolError), as httpx says: the retry rules depend on it.
- **Answers** are read by ``http11`` (its limits and refusals, each a
  ``RemoteProtocolError`` that closes the connection). Nothing asks for
  compression (no Accept-Encoding).
- **Proxies and TLS** as ``routes`` reads them: an http:// proxy,
  forwarding http:// requests and tunnelling https:// ones with CONNECT;
  credentials in its URL go as ``Proxy-Authorization``. Other proxies are
  httpx's to reach (``wiring.sync_transport`` chooses). The TLS context is
  made at the first https connection.

Layer 5, below the drivers: imports ``transport``, ``http11`` and ``routes``.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from .http11 import Body, Head, Refused, final_head, request_head
from .routes import (
    IDLE_EXPIRY,
    MAX_CONNECTIONS,
    MAX_IDLE,
    Route,
    Routing,
)
from .transport import Failure, Headers, Received, Timeouts, is_event_stream

__all__ = ["MAX_CONNECTIONS", "MAX_IDLE", "IDLE_EXPIRY", "StdlibTransport"]

_READ_SIZE = 65536


class _Link:
    """One connection: its socket, what arrived and is not read yet, and its
    route's key (where it goes back in the pool)."""

    __slots__ = ("sock", "key", "buffer", "ended", "since")

    def __init__(self, sock: Any, key: Any) -> None:
        self.sock = sock
        self.key = key
        self.buffer = bytearray()
        self.ended = False  # the peer closed the connection
        self.since = 0.0  # when it went idle

    def more(self, timeouts: Timeouts | None = None) -> None:
        """Wait for more bytes (the socket's timeout bounds the wait; with a
        deadline, the time it leaves does too)."""
        if timeouts is not None and timeouts.end is not None:
            self.sock.settimeout(timeouts.wait(timeouts.read))
        data = self.sock.recv(_READ_SIZE)
        if data:
            self.buffer += data
        else:
            self.ended = True

    def take(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        return data

    def read_head(self, method: str = "POST", timeouts: Timeouts | None = None) -> Head:
        """The final answer's head (1xx answers skipped)."""
        while (head := final_head(self.buffer, method, self.ended)) is None:
            self.more(timeouts)
        return head

    def reusable(self) -> bool:
        """Idle and in step: nothing unread, and the socket does not read as
        ready (the server's close, or bytes nobody asked for)."""
        if self.ended or self.buffer:
            return False
        sock = self.sock
        try:
            if isinstance(sock, ssl.SSLSocket) and sock.pending():
                return False
            if hasattr(select, "poll"):
                poller = select.poll()
                poller.register(sock, select.POLLIN)
                return not poller.poll(0)
            return not select.select([sock], [], [], 0)[0]
        except (OSError, ValueError):
            return False

    def close(self) -> None:
        self.ended = True
        try:
            self.sock.close()
        except OSError:
            pass


def _read_failure(exc: BaseException) -> Failure:
    if isinstance(exc, TimeoutError):
        return Failure("ReadTimeout", str(exc) or "timed out", sent=True)
    if isinstance(exc, Refused):
        return Failure("RemoteProtocolError", str(exc), sent=True)
    return Failure("ReadError", str(exc), sent=True)


class _Stream:
    """An event stream's body, read from its connection as it arrives
    (``transport.Source``)."""

    __slots__ = ("_pool", "_link", "_head", "_body")

    def __init__(self, pool: StdlibTransport, link: _Link, head: Head) -> None:
        self._pool, self._link, self._head = pool, link, head
        self._body = Body(head)

    def read_all(self) -> bytes:
        return b"".join(iter(self.read_some, b""))

    def read_some(self) -> bytes:
        link, body = self._link, self._body
        try:
            while not body.done:
                data = link.take()
                if data:
                    pieces = body.feed(data)
                    if pieces:
                        return b"".join(pieces)
                elif link.ended:
                    body.eof()
                else:
                    link.more()
        except (OSError, Refused) as exc:
            raise _read_failure(exc) from None
        return b""

    def release(self, whole: bool) -> None:
        body = self._body
        whole = whole and body.done and not body.rest and not self._head.close
        self._pool.release(self._link, whole)


class StdlibTransport:
    """HTTP/1.1 connections on sockets, pooled (see the module docstring)."""

    def __init__(
        self, proxy: str | None = None, verify: bool | ssl.SSLContext = True
    ) -> None:
        self._routing = Routing(proxy, verify)
        self._idle: dict[Any, list[_Link]] = {}
        self._idle_count = 0
        self._open = 0
        self._closed = False
        self._lock = threading.Condition()

    def proxy_for(self, url: str) -> str:
        return self._routing.proxy_for(url)

    def _acquire(self, route: Route, timeouts: Timeouts) -> _Link:
        """An idle connection to the route's origin, or a new one."""
        waited_until = None
        with self._lock:
            while True:
                if self._closed:
                    raise RuntimeError(
                        "Cannot send a request, as the client has been closed."
                    )
                idle = self._idle.get(route.key)
                now = time.monotonic()
                while idle:
                    link = idle.pop()
                    self._idle_count -= 1
                    if now - link.since < IDLE_EXPIRY and link.reusable():
                        return link
                    link.close()
                    self._open -= 1
                if self._open >= MAX_CONNECTIONS and self._idle_count:
                    self._drop_oldest()
                if self._open < MAX_CONNECTIONS:
                    # Made before it is counted: a context that fails takes no slot.
                    context = self._routing.tls(route)
                    self._open += 1
                    break
                if waited_until is None and timeouts.pool is not None:
                    waited_until = now + timeouts.pool
                left = None if waited_until is None else waited_until - now
                if left is not None and left <= 0:
                    raise Failure(
                        "PoolTimeout", "timed out waiting for a connection", sent=False
                    )
                self._lock.wait(left)
        try:  # connected outside the lock: one slow server holds up no one else
            return _connect(route, context, timeouts.connect)
        except BaseException:
            with self._lock:
                self._open -= 1
                self._lock.notify()
            raise

    def _drop_oldest(self) -> None:
        key, found = None, None
        for name, idle in self._idle.items():
            if idle and (found is None or idle[0].since < found.since):
                key, found = name, idle[0]
        if key is not None and found is not None:
            self._idle[key].pop(0).close()
            self._idle_count -= 1
            self._open -= 1

    def release(self, link: _Link, reusable: bool) -> None:
        """Back to the pool, or closed."""
        with self._lock:
            if self._closed or not reusable or link.ended or link.buffer:
                link.close()
                self._open -= 1
            else:
                link.since = time.monotonic()
                self._idle.setdefault(link.key, []).append(link)
                self._idle_count += 1
                if self._idle_count > MAX_IDLE:
                    self._drop_oldest()
            self._lock.notify()

    def send(
        self,
        url: str,
        headers: Mapping[str, str],
        content: bytes | Iterable[bytes],
        timeouts: Timeouts,
        stream: bool,
    ) -> Received:
        route = self._routing.route(url)
        length = len(content) if isinstance(content, bytes) else None
        # Made first: a header that would break its line takes no connection.
        head = request_head("POST", route.target, headers, route.headers(), length)
        link = self._acquire(route, timeouts)
        try:
            answer = _exchange(link, head, content, timeouts)
            fields = Headers(answer.fields)
            if stream and is_event_stream(Received(answer.status, fields)):
                return Received(
                    answer.status, fields, source=_Stream(self, link, answer)
                )
            body, whole = _read_body(link, answer, timeouts)
        except BaseException:
            self.release(link, False)
            raise
        self.release(link, whole)
        return Received(answer.status, fields, body)

    def close(self) -> None:
        """Close the idle connections; those in use close when released."""
        with self._lock:
            self._closed = True
            for idle in self._idle.values():
                for link in idle:
                    link.close()
                    self._open -= 1
            self._idle.clear()
            self._idle_count = 0
            self._lock.notify_all()


def _connect(
    route: Route, context: ssl.SSLContext | None, timeout: float | None
) -> _Link:
    """A new connection: to the origin or its proxy, tunnelled, with TLS."""
    host, port = route.proxy or (route.host, route.port)
    try:
        sock = socket.create_connection((host, port), timeout)
    except TimeoutError as exc:
        raise Failure("ConnectTimeout", str(exc) or "timed out", sent=False) from None
    except OSError as exc:
        raise Failure("ConnectError", str(exc), sent=False) from None
    link = _Link(sock, route.key)
    try:
        # A request goes out in one write, and its answer is not held back.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if context is not None:
            if route.proxy is not None:
                _tunnel(link, route)
            link.sock = context.wrap_socket(sock, server_hostname=route.host)
    except TimeoutError as exc:
        link.close()
        raise Failure("ConnectTimeout", str(exc) or "timed out", sent=False) from None
    except (OSError, Refused) as exc:
        link.close()
        raise Failure("ConnectError", str(exc), sent=False) from None
    except BaseException:
        link.close()
        raise
    return link


def _tunnel(link: _Link, route: Route) -> None:
    """CONNECT through the proxy; TLS with the origin goes inside the tunnel."""
    authority = route.authority
    extra = {"Host": authority, **route.auth}
    link.sock.sendall(request_head("CONNECT", authority, {}, extra, None))
    head = link.read_head("CONNECT")
    if not 200 <= head.status < 300:
        raise Refused(f"the proxy answered CONNECT with {head.status}")
    if link.buffer:
        raise Refused("the proxy sent bytes before the tunnel was made")


def _exchange(
    link: _Link, head: bytes, content: bytes | Iterable[bytes], timeouts: Timeouts
) -> Head:
    """Write the request (the head and a bytes body in one write), read the answer's head."""
    sock = link.sock
    try:
        sock.settimeout(timeouts.wait(timeouts.write))
        if isinstance(content, bytes):
            sock.sendall(head + content)
        else:
            sock.sendall(head)
            for chunk in content:
                if timeouts.end is not None:
                    sock.settimeout(timeouts.wait(timeouts.write))
                sock.sendall(chunk)
    except TimeoutError as exc:
        raise Failure("WriteTimeout", str(exc) or "timed out", sent=True) from None
    except OSError as exc:
        raise Failure("WriteError", str(exc), sent=True) from None
    sock.settimeout(timeouts.read)
    try:
        return link.read_head("POST", timeouts)
    except (OSError, Refused) as exc:
        raise _read_failure(exc) from None


def _read_body(link: _Link, head: Head, timeouts: Timeouts) -> tuple[bytes, bool]:
    """The whole body, and whether the connection can carry another request."""
    body = Body(head)
    pieces: list[bytes] = []
    try:
        while not body.done:
            data = link.take()
            if data:
                pieces += body.feed(data)
            elif link.ended:
                body.eof()
            else:
                link.more(timeouts)
    except (OSError, Refused) as exc:
        raise _read_failure(exc) from None
    content = pieces[0] if len(pieces) == 1 else b"".join(pieces)
    return content, not body.rest and not head.close
