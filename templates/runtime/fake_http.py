"""The HTTP side of the local endpoint (``common.fake_server``).

A threading HTTP/1.1 server on a loopback address: it reads each request's
framing (one Content-Length, a body no larger than the endpoint allows),
asks the endpoint for the answer, and sends it: an envelope, an event stream
(chunked, event by event), or a fault (a delay, a cut body, a dropped
connection). Stopping the endpoint hangs up every open connection and waits
for its thread. Nothing here is public: the endpoint is used through
``common.fake_server``.
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
import socket
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from .fake_answers import _error_reply, _Reply
from .fake_checks import _DIGITS

__all__: list[str] = []

# The endpoint logs under the name of its public module, whichever part logs.
_logger = logging.getLogger(f"{__name__.rpartition('.')[0]}.fake_server")
_CHUNK = 64 * 1024
# How long a connection may stay idle (or a client may take to send a request).
_IDLE_SECONDS = 60.0


def _loopback(host: str) -> str:
    """``host`` when it is an IPv4 loopback address ("localhost" is 127.0.0.1)."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or address.version != 4 or not address.is_loopback:
        raise ValueError(
            f"the local endpoint listens on the loopback interface only (127.0.0.1),"
            f" not {host!r}"
        )
    return host


def _port(port: int) -> int:
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"not a port number: {port!r}")
    return port


class _Endpoint(Protocol):
    """What the server needs of the endpoint it serves (``FakeTencentCloud``)."""

    max_body: int  # the largest request body, in bytes
    _stopping: threading.Event  # set while the endpoint stops

    def _answer(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[_Reply, str]:
        """The reply to one request (headers with lower-case names), and its request id."""
        ...


class _HTTPServer(ThreadingHTTPServer):
    """One thread per connection, each kept track of, so that stopping can end them all.

    The threads are daemons, so that an endpoint left running never keeps the
    interpreter from exiting; socketserver does not join daemon threads, so
    :meth:`close_all` does.
    """

    request_queue_size = 64

    def __init__(self, address: tuple[str, int], fake: _Endpoint) -> None:
        self.fake = fake
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="fake-tencent-cloud connection",
            daemon=True,
        )
        with self._lock:
            if self.fake._stopping.is_set():
                request.close()
                return
            # Forget the connections whose thread has ended (their socket is closed).
            for ended in [s for s, t in self._connections.items() if not t.is_alive()]:
                del self._connections[ended]
            self._connections[request] = thread
            thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that resets its connection is no error of the endpoint's;
        # the default would print a traceback on stderr.
        _logger.debug("connection from %s failed", client_address, exc_info=True)

    def close_all(self) -> None:
        """Hang up every open connection and wait for its thread to end."""
        with self._lock:
            connections = list(self._connections.items())
            self._connections.clear()
        for connection, _ in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for _, thread in connections:
            thread.join()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeTencentCloud"
    timeout = _IDLE_SECONDS
    server: _HTTPServer

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        # http.server's own lines (malformed requests) only at DEBUG; they
        # hold the request line, never headers or bodies.
        _logger.debug("%s", format % args)

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _serve(self) -> None:
        fake = self.server.fake
        lengths = self.headers.get_all("Content-Length") or []
        if self.headers.get("Transfer-Encoding") or len(lengths) > 1:
            return self._refuse(411, "a request needs exactly one Content-Length")
        length_text = lengths[0].strip() if lengths else "0"
        if not _DIGITS.fullmatch(length_text):
            return self._refuse(400, "Content-Length is not a number")
        length = int(length_text)
        if length > fake.max_body:
            if not self._discard(length):
                return self._hang_up()
            return self._refuse(
                200,
                f"the request body is larger than {fake.max_body} bytes",
                code="RequestSizeLimitExceeded",
            )
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client went away
            return self._hang_up()
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            reply, request_id = fake._answer(self.command, self.path, headers, body)
        except Exception as exc:  # a bug, not the request's fault: say so, keep serving
            _logger.exception("the local endpoint failed to answer")
            failed = _error_reply(
                "InternalError", type(exc).__name__, "", 500, close=True
            )
            return self._send(failed, "")
        self._send(reply, request_id)

    def _send(self, reply: _Reply, request_id: str) -> None:
        stopping = self.server.fake._stopping
        if reply.delay and stopping.wait(reply.delay):
            return self._hang_up()
        if reply.drop:
            return self._hang_up()
        try:
            self.send_response(reply.status)
            if reply.events is not None:
                return self._send_events(reply, request_id)
            self.send_header("Content-Type", reply.content_type)
            if request_id:
                self.send_header("X-TC-RequestId", request_id)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            if reply.close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if reply.cut:
                self.wfile.write(reply.body[: len(reply.body) // 2])
                self.wfile.flush()
                return self._hang_up()
            self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True

    def _send_events(self, reply: _Reply, request_id: str) -> None:
        assert reply.events is not None
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-TC-RequestId", request_id)
        for name, value in reply.headers:
            self.send_header(name, value)
        # HTTP/1.0 has no chunks: there the stream ends when the connection does.
        chunked = self.request_version == "HTTP/1.1"
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        events = list(reply.events)
        if reply.cut:
            # Keep the first half of the bytes, ending inside an event.
            whole = b"".join(events)
            end = max(1, len(whole) // 2)
            ends = set(itertools.accumulate(len(event) for event in events))
            while end in ends and end > 1:
                end -= 1
            events = [whole[:end]]
        stopping = self.server.fake._stopping
        for number, event in enumerate(events):
            if number and reply.interval and stopping.wait(reply.interval):
                return self._hang_up()
            self.wfile.write(
                b"%x\r\n%s\r\n" % (len(event), event) if chunked else event
            )
            self.wfile.flush()
        if reply.cut:
            return self._hang_up()
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _refuse(
        self, status: int, message: str, code: str = "InvalidParameter"
    ) -> None:
        """An error envelope, then the connection is closed (its framing is not trusted)."""
        self._send(_error_reply(code, message, "", status, close=True), "")

    def _discard(self, length: int) -> bool:
        """Read and drop a body too large to keep; False when the client went away."""
        left = length
        while left and not self.server.fake._stopping.is_set():
            chunk = self.rfile.read(min(left, _CHUNK))
            if not chunk:
                return False
            left -= len(chunk)
        return not left

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
