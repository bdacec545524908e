"""The standard library transport (``common.sync_http``) against servers of
its own on 127.0.0.1: keep-alive and stale connections, the pool's limit,
timeouts and what counts as sent, hostile answer heads, proxies (forwarding
and CONNECT, given or from the environment, httpx for what it cannot reach)
and TLS with a certificate authority made for the tests
(tests/fixtures/tls). The client suites run on both transports
(``both_transports`` in tests/conftest.py)."""

from __future__ import annotations

import base64
import logging
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..client_harness import SECRET_ID, SECRET_KEY, spec_examples
from ..conftest import FIXTURES
from ..fake_tencent import FakeTencentCloud

TLS = FIXTURES / "tls"
OK = b'{"Response": {"RequestId": "r-1"}}'
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(OK), OK)


def _read_request(reader: Any) -> bytes | None:
    """One request's head and body from a connection (None when it closed)."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = reader.readline(65537)
        if not line:
            return None
        head += line
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + reader.read(length)


class RawServer:
    """Answers each request with ``answer(connection number, request number)``:
    the bytes to send and whether to close the connection afterwards."""

    def __init__(self, answer: Callable[[int, int], tuple[bytes, bool]]) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.closed = threading.Event()
        self.stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn, self.connections), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        reader = conn.makefile("rb")
        with conn:
            for index in range(1_000):
                request = _read_request(reader)
                if request is None:
                    return
                self.requests.append(request)
                data, close = self.answer(number, index)
                conn.sendall(data)
                if close:
                    reader.close()
                    conn.shutdown(socket.SHUT_RDWR)
                    conn.close()
                    self.closed.set()
                    return

    def close(self) -> None:
        self.stop.set()
        self._listener.close()


@pytest.fixture()
def stdlib(generated_on_path: Path) -> Iterator[Any]:
    from tcsdk.common.sync_http import StdlibTransport

    transport = StdlibTransport()
    yield transport
    transport.close()


def _timeouts(read: float = 5.0, pool: float = 5.0) -> Any:
    from tcsdk.common.transport import Timeouts

    return Timeouts(5.0, read, 5.0, pool)


def _post(transport: Any, url: str, stream: bool = False, **timeouts: float) -> Any:
    headers = {"Host": url.split("/")[2], "Content-Type": "application/json"}
    return transport.send(url, headers, b"{}", _timeouts(**timeouts), stream)


def test_connections_are_kept_and_reused(stdlib: Any) -> None:
    server = RawServer(lambda n, i: (ANSWER, False))
    try:
        for _ in range(3):
            answer = _post(stdlib, server.url)
            assert answer.status_code == 200 and answer.content == OK
            assert answer.headers["CONTENT-TYPE"] == "application/json"
        assert server.connections == 1 and len(server.requests) == 3
        assert b"Content-Length: 2\r\n" in server.requests[0] and b"Accept-Encoding" not in server.requests[0]
    finally:
        server.close()


def test_a_kept_connection_the_server_closed_is_not_used_again(stdlib: Any) -> None:
    # The first connection is closed by the server once it answered (without
    # saying so): the next request goes on a new connection, and succeeds.
    server = RawServer(lambda n, i: (ANSWER, n == 1))
    try:
        assert _post(stdlib, server.url).content == OK
        assert server.closed.wait(10)
        assert _post(stdlib, server.url).content == OK
        assert server.connections == 2
    finally:
        server.close()


def test_a_full_pool_is_a_pool_timeout_and_unsent(stdlib: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tcsdk.common import sync_http
    from tcsdk.common.transport import Failure

    monkeypatch.setattr(sync_http, "MAX_CONNECTIONS", 1)
    events = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    server = RawServer(lambda n, i: (events, False))
    try:
        stream = _post(stdlib, server.url, stream=True)
        assert not stream.is_closed  # an event stream holds its connection
        with pytest.raises(Failure) as caught:
            _post(stdlib, server.url, pool=0.05)
        assert (caught.value.kind, caught.value.sent) == ("PoolTimeout", False)
        assert server.connections == 1 and len(server.requests) == 1
        stream.close()  # not read to its end: the connection is closed, the pool free
        assert stdlib._open == 0
    finally:
        server.close()


def test_an_answer_that_does_not_come_is_a_read_timeout_and_sent(stdlib: Any) -> None:
    from tcsdk.common.transport import Failure

    server = RawServer(lambda n, i: (b"", False))  # reads the request, never answers
    try:
        with pytest.raises(Failure) as caught:
            _post(stdlib, server.url, read=0.05)
        assert (caught.value.kind, caught.value.sent) == ("ReadTimeout", True)
        assert len(server.requests) == 1 and stdlib._open == 0
    finally:
        server.close()


def test_a_refused_connection_is_unsent(stdlib: Any) -> None:
    from tcsdk.common.transport import Failure

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    with pytest.raises(Failure) as caught:
        _post(stdlib, f"http://127.0.0.1:{port}/")
    assert (caught.value.kind, caught.value.sent) == ("ConnectError", False)
    assert stdlib._open == 0


HOSTILE_HEADS = {
    "two lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
    "length and chunked": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "length not a number": b"HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\n{}",
    "a line of 70000 bytes": b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\nContent-Length: 2\r\n\r\n{}",
    "150 headers": b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * 150 + b"Content-Length: 2\r\n\r\n{}",
    "no status line": b"HTTZ/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
    "body cut short": b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{}",
    "nothing at all": b"",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_HEADS))
def test_hostile_answer_heads_are_refused_as_sent_and_their_connection_closed(stdlib: Any, name: str) -> None:
    from tcsdk.common.transport import Failure

    server = RawServer(lambda n, i: (HOSTILE_HEADS[name], True))
    try:
        with pytest.raises(Failure) as caught:
            _post(stdlib, server.url)
        assert (caught.value.kind, caught.value.sent) == ("RemoteProtocolError", True), caught.value
        assert stdlib._open == 0 and not stdlib._idle.get(
            ("http", "127.0.0.1", int(server.url.split(":")[2][:-1]), None)
        )
    finally:
        server.close()


def test_a_header_that_would_end_its_line_is_never_sent(stdlib: Any) -> None:
    server = RawServer(lambda n, i: (ANSWER, False))
    try:
        for value in ["x\r\nX-Injected: 1", "x\nX-Injected: 1", "x\0"]:
            with pytest.raises(ValueError, match="line break or NUL"):
                stdlib.send(server.url, {"Host": "h", "X-Extra": value}, b"{}", _timeouts(), False)
        assert server.requests == [] and stdlib._open == 0
        assert _post(stdlib, server.url).content == OK  # the pool is whole
    finally:
        server.close()


def test_the_same_length_twice_is_read(stdlib: Any) -> None:
    same = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"
    server = RawServer(lambda n, i: (same, False))
    try:
        assert _post(stdlib, server.url).content == b"{}"
    finally:
        server.close()


def test_bytes_after_an_answer_are_never_read_as_the_next_answer(stdlib: Any) -> None:
    # A second, unasked answer follows the first in the same write: the
    # connection is dropped, the next request gets its own answer.
    smuggled = b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nforged!"
    server = RawServer(lambda n, i: ((ANSWER + smuggled) if n == 1 else ANSWER, False))
    try:
        assert [_post(stdlib, server.url).content for _ in range(2)] == [OK, OK]
        assert server.connections == 2 and stdlib._open == 1
    finally:
        server.close()


def test_bytes_arriving_while_idle_drop_the_connection(stdlib: Any) -> None:
    sent = threading.Event()

    class Chatty(RawServer):
        def _serve(self, conn: socket.socket, number: int) -> None:
            if number > 1:
                return super()._serve(conn, number)
            reader = conn.makefile("rb")
            with conn:
                _read_request(reader)
                conn.sendall(ANSWER)
                time.sleep(0.1)  # once the client has read its answer
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno")
                sent.set()
                try:
                    _read_request(reader)  # none comes: the client drops this connection
                except OSError:
                    pass

    server = Chatty(lambda n, i: (ANSWER, False))
    try:
        assert _post(stdlib, server.url).content == OK
        assert sent.wait(10)
        time.sleep(0.05)
        assert _post(stdlib, server.url).content == OK
        assert server.connections == 2
    finally:
        server.close()


FRAMINGS = [
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\n"
    + OK[:5]
    + b"\r\n%x\r\n" % (len(OK) - 5)
    + OK[5:]
    + b"\r\n0\r\nX-Trailer: 1\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + ANSWER,
    b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + OK,
    b"HTTP/1.1 200 OK\nContent-Length: %d\n\n%s" % (len(OK), OK),
]
FRAMING_IDS = ["chunked with extension and trailer", "informational answers first", "until close", "bare line feeds"]


@pytest.mark.parametrize("answer", FRAMINGS, ids=FRAMING_IDS)
def test_framings_are_read(stdlib: Any, answer: bytes) -> None:
    server = RawServer(lambda n, i: (answer, b"HTTP/1.0" in answer))
    try:
        assert _post(stdlib, server.url).content == OK
        assert _post(stdlib, server.url).content == OK  # kept, or a new one after a close
        assert server.connections == (2 if b"HTTP/1.0" in answer else 1)
    finally:
        server.close()


def test_an_upload_is_sent_as_it_is_read(stdlib: Any) -> None:
    server = RawServer(lambda n, i: (ANSWER, False))
    try:
        headers = {"Host": "h", "Content-Length": "6"}
        assert stdlib.send(server.url, headers, iter([b"ab", b"cd", b"ef"]), _timeouts(), False).content == OK
        assert server.requests[0].endswith(b"\r\n\r\nabcdef") and server.requests[0].count(b"Content-Length") == 1
    finally:
        server.close()


def test_an_event_stream_is_read_as_it_arrives(stdlib: Any) -> None:
    gate = threading.Event()
    events = [b"data: one\n\n", b"data: two\n\n"]

    class Streaming(RawServer):
        def _serve(self, conn: socket.socket, number: int) -> None:
            reader = conn.makefile("rb")
            with conn:
                _read_request(reader)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                conn.sendall(head + b"%x\r\n%s\r\n" % (len(events[0]), events[0]))
                gate.wait(10)  # the second event only once the first was read
                conn.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(events[1]), events[1]))
                _read_request(reader)

    server = Streaming(lambda n, i: (ANSWER, False))
    try:
        answer = _post(stdlib, server.url, stream=True)
        pieces = answer.iter_bytes()
        assert next(pieces) == events[0]
        gate.set()
        assert list(pieces) == [events[1]]
        assert answer.is_closed and stdlib._open == 1 and sum(map(len, stdlib._idle.values())) == 1
    finally:
        server.close()


@pytest.mark.usefixtures("no_proxy_environment")  # before the transport reads the environment
def test_a_tls_handshake_that_does_not_finish_is_an_unsent_connect_timeout(stdlib: Any) -> None:
    from tcsdk.common.transport import Failure, Timeouts

    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers the handshake
        url = f"https://127.0.0.1:{silent.getsockname()[1]}/"
        started = time.monotonic()
        with pytest.raises(Failure) as caught:
            stdlib.send(url, {"Host": "h"}, b"{}", Timeouts(0.2, 5, 5, 5), False)
        assert (caught.value.kind, caught.value.sent) == ("ConnectTimeout", False)
        assert time.monotonic() - started < 3 and stdlib._open == 0


# Proxies and TLS, through a generated client against the TC3-checking fake.


class _Proxy(socketserver.ThreadingTCPServer):
    """A forwarding and CONNECT proxy; ``seen`` has (method, target, Proxy-Authorization)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: _Proxy

    def handle(self) -> None:
        while request := _read_request(self.rfile):
            head, _, body = request.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ")
            fields = dict(line.split(": ", 1) for line in lines[1:])
            self.server.seen.append((method, target, fields.pop("Proxy-Authorization", "")))
            host, _, port = (target if method == "CONNECT" else target.split("/")[2]).rpartition(":")
            upstream = socket.create_connection((host, int(port)))
            if method == "CONNECT":
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self._pipe(upstream)
                return
            path = "/" + target.split("/", 3)[3]
            upstream.sendall(
                f"{method} {path} HTTP/1.1\r\n".encode()
                + b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in fields.items())
                + b"Connection: close\r\n\r\n"
                + body
            )
            answer = b""
            while piece := upstream.recv(65536):
                answer += piece
            upstream.close()
            self.wfile.write(answer.replace(b"Connection: close\r\n", b""))

    def _pipe(self, upstream: socket.socket) -> None:
        def copy(source: socket.socket, target: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    target.sendall(data)
            except OSError:
                pass
            finally:
                for end in (source, target):
                    try:
                        end.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        back = threading.Thread(target=copy, args=(upstream, self.connection), daemon=True)
        back.start()
        copy(self.connection, upstream)
        back.join(10)


@pytest.fixture()
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
            monkeypatch.delenv(name)


def _tls_fake() -> FakeTencentCloud:
    server = FakeTencentCloud("trtc", {SECRET_ID: SECRET_KEY}, spec_examples("trtc"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS / "server.pem", TLS / "server.key")
    server._server.socket = context.wrap_socket(server._server.socket, server_side=True)
    return server.start()


def _call(url: str, **options: Any) -> Any:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.retry import RetryPolicy
    from tcsdk.trtc.v20190722.client import TrtcClient

    with TrtcClient(
        Credentials(SECRET_ID, SECRET_KEY),
        endpoint=url,
        region="ap-beijing",
        retry=RetryPolicy(max_attempts=1),
        **options,
    ) as client:
        return client.dismiss_room(sdk_app_id=1400000001, room_id=1234), type(client._connections.get()).__name__


@pytest.mark.usefixtures("no_proxy_environment", "generated_on_path")
def test_an_http_endpoint_through_a_forwarding_proxy_with_credentials(fake: FakeTencentCloud) -> None:
    proxy = _Proxy()
    try:
        address = proxy.url.replace("http://", "http://us%40er:p%3Ass@")
        answer, used = _call(fake.url, proxy=address)
        assert answer.request_id and used == "StdlibTransport"
        token = base64.b64encode(b"us@er:p:ss").decode()
        assert proxy.seen == [("POST", fake.url + "/", f"Basic {token}")]
        assert fake.calls()[0].action == "DismissRoom"  # the signature checked: Host as signed
    finally:
        proxy.shutdown()
        proxy.server_close()


@pytest.mark.usefixtures("no_proxy_environment", "generated_on_path")
@pytest.mark.parametrize("transport", ["stdlib", "httpx"])
def test_an_https_endpoint_through_connect_with_a_custom_ca(transport: str) -> None:
    fake = _tls_fake()
    proxy = _Proxy()
    try:
        url = fake.url.replace("http://", "https://")
        context = ssl.create_default_context(cafile=str(TLS / "ca.pem"))
        answer, _ = _call(url, proxy=proxy.url, verify=context, transport=transport)
        assert answer.request_id
        assert [(method, target) for method, target, _ in proxy.seen] == [("CONNECT", url.split("/")[2])]
    finally:
        proxy.shutdown()
        proxy.server_close()
        fake.stop()


@pytest.mark.usefixtures("no_proxy_environment", "generated_on_path")
def test_environment_proxies_and_no_proxy(fake: FakeTencentCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = _Proxy()
    try:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert _call(fake.url)[0].request_id and len(proxy.seen) == 1
        monkeypatch.setenv("NO_PROXY", "example.org,127.0.0.1")
        assert _call(fake.url)[0].request_id and len(proxy.seen) == 1  # not through the proxy
        assert len(fake.calls()) == 2
    finally:
        proxy.shutdown()
        proxy.server_close()


@pytest.mark.usefixtures("no_proxy_environment", "generated_on_path")
def test_a_proxy_the_standard_library_cannot_reach_is_httpx_s(caplog: pytest.LogCaptureFixture) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.trtc.v20190722.client import TrtcClient

    caplog.set_level(logging.DEBUG, logger="tcsdk")
    client = TrtcClient(
        Credentials(SECRET_ID, SECRET_KEY), region="ap-beijing", proxy="https://user:hunter2@127.0.0.1:9"
    )
    assert type(client._connections.get()).__name__ == "HttpxTransport"
    client.close()
    assert "not an http:// proxy: httpx sends the requests" in caplog.text
    assert "hunter2" not in caplog.text


@pytest.mark.usefixtures("no_proxy_environment", "generated_on_path")
@pytest.mark.parametrize("transport", ["stdlib", "httpx"])
def test_tls_is_verified_with_the_default_bundle(transport: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tcsdk.common.exceptions import TransportError

    fake = _tls_fake()
    try:
        url = fake.url.replace("http://", "https://")
        with pytest.raises(TransportError) as caught:  # not in the bundle
            _call(url, transport=transport)
        assert caught.value.sent is False and "ConnectError" in str(caught.value)
        monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
        assert _call(url, transport=transport)[0].request_id
        assert _call(url, transport=transport, verify=False)[0].request_id
    finally:
        fake.stop()


@pytest.mark.usefixtures("no_proxy_environment")
def test_certificates_that_cannot_be_loaded_are_an_unsent_connect_error_that_takes_no_slot(
    stdlib: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tcsdk.common.transport import Failure

    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    for _ in range(3):
        with pytest.raises(Failure) as caught:
            _post(stdlib, "https://127.0.0.1:9/")
        assert (caught.value.kind, caught.value.sent) == ("ConnectError", False)
        assert "could not be loaded" in str(caught.value)
    assert stdlib._open == 0


@pytest.mark.usefixtures("no_proxy_environment")
def test_a_proxy_answering_connect_with_an_endless_line_is_an_unsent_connect_error(stdlib: Any) -> None:
    from tcsdk.common.sync_http import StdlibTransport
    from tcsdk.common.transport import Failure

    with socket.create_server(("127.0.0.1", 0)) as listener:

        def answer() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70000 + b"\r\n\r\n")

        server = threading.Thread(target=answer, daemon=True)
        server.start()
        transport = StdlibTransport(proxy=f"http://127.0.0.1:{listener.getsockname()[1]}")
        try:
            with pytest.raises(Failure) as caught:
                _post(transport, "https://example.invalid/")
            assert (caught.value.kind, caught.value.sent) == ("ConnectError", False)
            assert transport._open == 0
        finally:
            transport.close()
            server.join(5)


@pytest.mark.usefixtures("no_proxy_environment", "generated_on_path")
def test_a_proxy_url_that_cannot_be_read_never_shows_its_password() -> None:
    from tcsdk.common.sync_http import StdlibTransport
    from tcsdk.common.transport import Failure

    transport = StdlibTransport(proxy="http://user:se/cr3t#x@127.0.0.1:3128")
    try:
        with pytest.raises(Failure) as caught:
            _post(transport, "http://127.0.0.1:9/")
        assert caught.value.sent is False and "cr3t" not in str(caught.value)
        assert "'se'" not in str(caught.value) and "port could not be read" in str(caught.value)
    finally:
        transport.close()
