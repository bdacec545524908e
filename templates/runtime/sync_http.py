"""The sync clients' default transport: the standard library's ``http.client``
with a connection pool of its own (it never loads httpx or asyncio).

- **Pool.** Connections are kept per origin (and proxy) and reused, last
  used first: at most :data:`MAX_CONNECTIONS` open, :data:`MAX_IDLE` kept
  idle, none idle longer than :data:`IDLE_EXPIRY` seconds (httpx's limits).
  A kept connection the server has closed meanwhile (its socket reads as
  ready: the end of the stream, or bytes nobody asked for) is dropped before
  use. A connection that failed, or whose answer was not read to its end,
  is closed. Waiting longer than the pool timeout for one is a
  ``PoolTimeout``.
- **Timeouts.** The connect timeout covers connecting, a proxy's CONNECT
  and the TLS handshake; then each write and each read has its own. The
  driver caps them all by the time the call's deadline leaves.
- **Sent or not.** Only a failure before the request's first byte went out
  (ConnectError, ConnectTimeout, PoolTimeout) is unsent; a failure while
  writing or reading is sent (WriteError, ReadTimeout, ReadError,
  RemoteProtocolError), as httpx says: the retry rules depend on it.
- **Answers.** ``http.client``'s limits hold (64 KiB a line, 100 headers);
  an answer with two different Content-Lengths, one that is not a number,
  or one beside Transfer-Encoding is refused (RemoteProtocolError) and its
  connection closed. Nothing asks for compression (no Accept-Encoding).
- **Proxies and TLS** as ``routes`` reads them: an http:// proxy,
  forwarding http:// requests and tunnelling https:// ones with CONNECT;
  credentials in its URL go as ``Proxy-Authorization``. Other proxies are
  httpx's to reach (``wiring.sync_transport`` chooses). The TLS context is
  made at the first https connection.

Layer 5, below the drivers: imports ``transport`` and ``routes`` only.
"""

from __future__ import annotations

import http.client
import re
import select
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from .routes import (
    IDLE_EXPIRY,
    MAX_CONNECTIONS,
    MAX_IDLE,
    Route,
    environment_proxies,
    proxy_for,
    tls_context,
)
from .transport import Failure, Headers, Received, Timeouts, is_event_stream

__all__ = ["MAX_CONNECTIONS", "MAX_IDLE", "IDLE_EXPIRY", "StdlibTransport"]

_READ_SIZE = 65536
_BREAK = re.compile("[\r\n\0]")


def _connection(route: Route, context: Any) -> http.client.HTTPConnection:
    host, port = route.proxy or (route.host, route.port)
    if route.scheme != "https":
        return http.client.HTTPConnection(host, port)
    made = http.client.HTTPSConnection(host, port, context=context)
    if route.proxy is not None:
        made.set_tunnel(route.host, route.port, headers=route.auth)
    return made


def _ready(sock: Any) -> bool:
    """Whether an idle socket reads as ready: closed by the server (or out of step)."""
    if sock is None:
        return True
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _refused(response: http.client.HTTPResponse) -> str:
    """Why an answer's framing cannot be trusted ("" when it can)."""
    lengths = response.msg.get_all("content-length") or []
    if not lengths:
        return ""
    if response.msg.get("transfer-encoding") is not None:
        return "Content-Length beside Transfer-Encoding"
    values = {value.strip() for value in lengths}
    if len(values) > 1:
        return "Content-Length given twice with different values"
    if not next(iter(values)).isdigit():
        return "Content-Length is not a number"
    return ""


def _sent_failure(exc: BaseException, reading: bool) -> Failure:
    if isinstance(exc, TimeoutError):
        return Failure(
            "ReadTimeout" if reading else "WriteTimeout",
            str(exc) or "timed out",
            sent=True,
        )
    if isinstance(exc, http.client.RemoteDisconnected):
        return Failure(
            "RemoteProtocolError",
            "Server disconnected without sending a response.",
            sent=True,
        )
    if isinstance(exc, http.client.IncompleteRead):
        return Failure(
            "RemoteProtocolError",
            "peer closed connection without sending complete message body",
            sent=True,
        )
    if isinstance(exc, http.client.HTTPException):
        return Failure("RemoteProtocolError", f"{type(exc).__name__}: {exc}", sent=True)
    return Failure("ReadError" if reading else "WriteError", str(exc), sent=True)


class _Body:
    """The rest of a streamed answer, read from its connection (``transport.Source``)."""

    __slots__ = ("_pool", "_route", "_connection", "_response")

    def __init__(
        self, pool: StdlibTransport, route: Route, connection: Any, response: Any
    ) -> None:
        self._pool, self._route = pool, route
        self._connection, self._response = connection, response

    def read_all(self) -> bytes:
        try:
            data: bytes = self._response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise _sent_failure(exc, True) from None
        return data

    def read_some(self) -> bytes:
        try:
            data: bytes = self._response.read1(_READ_SIZE)
        except (OSError, http.client.HTTPException) as exc:
            raise _sent_failure(exc, True) from None
        return data

    def release(self, whole: bool) -> None:
        if not whole or not self._response.isclosed():
            self._response.close()
            self._connection.close()
        self._pool.release(self._route, self._connection)


class StdlibTransport:
    """``http.client`` connections, pooled (see the module docstring)."""

    def __init__(
        self, proxy: str | None = None, verify: bool | ssl.SSLContext = True
    ) -> None:
        self._proxy = proxy
        self._verify = verify
        self._environ = None if proxy is not None else environment_proxies()
        self._context: ssl.SSLContext | None = None
        self._routes: dict[str, Route] = {}
        self._idle: dict[Any, list[tuple[Any, float]]] = {}
        self._idle_count = 0
        self._open = 0
        self._closed = False
        self._lock = threading.Condition()

    def proxy_for(self, url: str) -> str:
        return proxy_for(url, self._proxy, self._environ)

    def _route(self, url: str) -> Route:
        route = self._routes.get(url)
        if route is None:
            if len(self._routes) > 16:
                self._routes.clear()
            try:
                route = Route(url, self.proxy_for(url))
            except ValueError as exc:
                raise Failure("ConnectError", str(exc), sent=False) from None
            self._routes[url] = route
        return route

    def _tls(self) -> Any:
        context = self._context
        if context is None:
            context = self._context = tls_context(self._verify)
        return context

    def _acquire(self, route: Route, pool_timeout: float | None) -> Any:
        """An idle connection to the route's origin, or a new one (not yet connected)."""
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
                    connection, since = idle.pop()
                    self._idle_count -= 1
                    if now - since < IDLE_EXPIRY and not _ready(connection.sock):
                        return connection
                    connection.close()
                    self._open -= 1
                if self._open >= MAX_CONNECTIONS and self._idle_count:
                    self._drop_oldest()
                if self._open < MAX_CONNECTIONS:
                    # Made before it is counted: a context that fails takes no slot.
                    made = _connection(
                        route, self._tls() if route.scheme == "https" else None
                    )
                    self._open += 1
                    return made
                if waited_until is None and pool_timeout is not None:
                    waited_until = now + pool_timeout
                left = None if waited_until is None else waited_until - now
                if left is not None and left <= 0:
                    raise Failure(
                        "PoolTimeout", "timed out waiting for a connection", sent=False
                    )
                self._lock.wait(left)

    def _drop_oldest(self) -> None:
        key, found = None, None
        for name, idle in self._idle.items():
            if idle and (found is None or idle[0][1] < found[1]):
                key, found = name, idle[0]
        if key is not None and found is not None:
            self._idle[key].pop(0)[0].close()
            self._idle_count -= 1
            self._open -= 1

    def release(self, route: Route, connection: Any) -> None:
        """Back to the pool, or closed (a connection without its socket is closed)."""
        with self._lock:
            if self._closed or connection.sock is None:
                connection.close()
                self._open -= 1
            else:
                self._idle.setdefault(route.key, []).append(
                    (connection, time.monotonic())
                )
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
        route = self._route(url)
        connection = self._acquire(route, timeouts.pool)
        try:
            response = self._exchange(route, connection, headers, content, timeouts)
        except BaseException:
            connection.close()
            self.release(route, connection)
            raise
        if not stream or not is_event_stream(response):
            response.read()  # gives the connection back, or closes it on failure
        return response

    def _exchange(
        self,
        route: Route,
        connection: Any,
        headers: Mapping[str, str],
        content: bytes | Iterable[bytes],
        timeouts: Timeouts,
    ) -> Received:
        if connection.sock is None:
            connection.timeout = timeouts.connect
            try:
                connection.connect()
            except TimeoutError as exc:
                raise Failure(
                    "ConnectTimeout", str(exc) or "timed out", sent=False
                ) from None
            except OSError as exc:
                raise Failure("ConnectError", str(exc), sent=False) from None
            except http.client.HTTPException as exc:  # a proxy's answer to CONNECT
                message = f"{type(exc).__name__}: {exc}"
                raise Failure("ConnectError", message, sent=False) from None
        sock = connection.sock
        # The head written here, with the body in the same write when it is
        # bytes (one system call, one packet for a small request).
        lines = [f"POST {route.target} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in route.headers().items()]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if isinstance(content, bytes) and "Content-Length" not in headers:
            lines.append(f"Content-Length: {len(content)}")
        if _BREAK.search("".join(lines)):  # checked by ``wire`` already: never sent
            raise ValueError("a request header holds a line break or NUL")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        sock.settimeout(timeouts.write)
        try:
            if isinstance(content, bytes):
                sock.sendall(head + content)
            else:
                sock.sendall(head)
                for chunk in content:
                    sock.sendall(chunk)
        except OSError as exc:
            raise _sent_failure(exc, False) from None
        sock.settimeout(timeouts.read)
        answer = http.client.HTTPResponse(sock, method="POST")
        try:
            answer.begin()
        except (OSError, http.client.HTTPException) as exc:
            answer.close()
            raise _sent_failure(exc, True) from None
        if answer.will_close:  # the answer ends the connection: it owns the socket now
            connection.close()
        problem = _refused(answer)
        if problem:
            raise Failure("RemoteProtocolError", problem, sent=True)
        return Received(
            answer.status,
            Headers(answer.msg.items()),
            source=_Body(self, route, connection, answer),
        )

    def close(self) -> None:
        """Close the idle connections; those in use close when released."""
        with self._lock:
            self._closed = True
            for idle in self._idle.values():
                for connection, _ in idle:
                    connection.close()
                    self._open -= 1
            self._idle.clear()
            self._idle_count = 0
            self._lock.notify_all()
