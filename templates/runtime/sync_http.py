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
- **Proxies** (``proxy=`` or the environment's ``HTTP_PROXY``,
  ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY``, read as ``urllib.request``
  reads them): an http:// proxy, forwarding http:// requests and tunnelling
  https:// ones with CONNECT; credentials in its URL go as
  ``Proxy-Authorization``. Other proxies are httpx's to reach
  (``wiring.sync_transport`` chooses).
- **TLS**: certifi's bundle (or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``), one
  context per process, made at the first https connection; ``verify=False``
  or ``verify=<ssl.SSLContext>`` as given.

Layer 5, below the drivers: imports ``transport`` only.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import select
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from .transport import Failure, Headers, Received, Timeouts, is_event_stream

__all__ = ["MAX_CONNECTIONS", "MAX_IDLE", "IDLE_EXPIRY", "StdlibTransport"]

MAX_CONNECTIONS = 100
MAX_IDLE = 20
IDLE_EXPIRY = 5.0
_READ_SIZE = 65536
_BREAK = re.compile("[\r\n\0]")
_contexts: dict[tuple[str, str], ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def default_context() -> ssl.SSLContext:
    """The process's verifying TLS context (certifi, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``)."""
    key = (os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))
    with _contexts_lock:
        context = _contexts.get(key)
        if context is None:
            if key[0] or key[1]:
                context = ssl.create_default_context(
                    cafile=key[0] or None, capath=key[1] or None
                )
            else:
                import certifi  # installed with httpx

                context = ssl.create_default_context(cafile=certifi.where())
            _contexts[key] = context
    return context


def _unverified() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def proxy_for(url: str, proxy: str | None, environ: dict[str, str] | None) -> str:
    """The proxy for ``url`` ("" for none): ``proxy`` when given, else the environment's."""
    if proxy is not None:
        return proxy
    if not environ:
        return ""
    from urllib import request

    # Not in typeshed's stubs: looked up by name.
    bypass: Any = getattr(request, "proxy_bypass_environment")  # noqa: B009
    parts = urlsplit(url)
    found = environ.get(parts.scheme) or environ.get("all") or ""
    if found and bypass(parts.netloc, environ):
        return ""
    return found


def environment_proxies() -> dict[str, str] | None:
    """The environment's proxy settings (None when no ``*_proxy`` variable is set)."""
    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return None
    from urllib.request import getproxies_environment

    return getproxies_environment()


class _Route:
    """How to reach one URL's origin: directly, through a proxy, or tunnelled."""

    __slots__ = ("key", "scheme", "host", "port", "proxy", "auth", "target")

    def __init__(self, url: str, proxy: str) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme.lower()
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.scheme == "https" else 80)
        path = parts.path or "/"
        self.target = f"{path}?{parts.query}" if parts.query else path
        self.proxy: tuple[str, int] | None = None
        self.auth: dict[str, str] = {}
        if proxy:
            through = urlsplit(proxy)
            if through.scheme.lower() != "http" or not through.hostname:
                raise ValueError(
                    "the standard library transport needs an http:// proxy"
                )
            try:
                port = through.port
            except ValueError:  # its text may hold part of the password
                raise ValueError("the proxy URL's port could not be read") from None
            self.proxy = (through.hostname, port or 80)
            if through.username is not None:
                user = f"{unquote(through.username)}:{unquote(through.password or '')}"
                token = base64.b64encode(user.encode()).decode("ascii")
                self.auth = {"Proxy-Authorization": f"Basic {token}"}
            if self.scheme == "http":  # forwarded: the proxy gets the whole URL
                self.target = f"http://{parts.netloc}{self.target}"
        self.key = (self.scheme, self.host, self.port, self.proxy)

    def connection(self, context: Any) -> http.client.HTTPConnection:
        host, port = self.proxy or (self.host, self.port)
        if self.scheme != "https":
            return http.client.HTTPConnection(host, port)
        made = http.client.HTTPSConnection(host, port, context=context)
        if self.proxy is not None:
            made.set_tunnel(self.host, self.port, headers=self.auth)
        return made

    def headers(self) -> dict[str, str]:
        """Headers a forwarding proxy reads (none when tunnelled or direct)."""
        return self.auth if self.scheme == "http" else {}


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
        self, pool: StdlibTransport, route: _Route, connection: Any, response: Any
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
        self._routes: dict[str, _Route] = {}
        self._idle: dict[Any, list[tuple[Any, float]]] = {}
        self._idle_count = 0
        self._open = 0
        self._closed = False
        self._lock = threading.Condition()

    def proxy_for(self, url: str) -> str:
        return proxy_for(url, self._proxy, self._environ)

    def _route(self, url: str) -> _Route:
        route = self._routes.get(url)
        if route is None:
            if len(self._routes) > 16:
                self._routes.clear()
            try:
                route = _Route(url, self.proxy_for(url))
            except ValueError as exc:
                raise Failure("ConnectError", str(exc), sent=False) from None
            self._routes[url] = route
        return route

    def _tls(self) -> Any:
        context = self._context
        if context is None:
            verify = self._verify
            if isinstance(verify, ssl.SSLContext):
                context = verify
            elif not verify:
                context = _unverified()
            else:
                try:
                    context = default_context()
                except OSError as exc:  # SSL_CERT_FILE/DIR missing or unreadable
                    message = f"the TLS certificates could not be loaded: {exc}"
                    raise Failure("ConnectError", message, sent=False) from None
            self._context = context
        return context

    def _acquire(self, route: _Route, pool_timeout: float | None) -> Any:
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
                    made = route.connection(
                        self._tls() if route.scheme == "https" else None
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

    def release(self, route: _Route, connection: Any) -> None:
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
        route: _Route,
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
