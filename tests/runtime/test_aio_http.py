"""The async built-in transport (``common.aio_http``) against servers of its
own on 127.0.0.1: keep-alive, stale connections and bytes nobody asked for,
the pool's limit, timeouts and what counts as sent, cancellation, event
loops, hostile answer heads, framings (chunked, informational answers,
until close), uploads sent as they are read, event streams read as they
arrive with reading paused for a slow reader, and through a generated async
client: proxies (forwarding and CONNECT, given or from the environment,
httpx for what it cannot reach) and TLS with the tests' own certificate
authority. The client suites run on it too (``both_transports`` in
tests/conftest.py)."""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from ..client_harness import SECRET_ID, SECRET_KEY
from ..fake_tencent import FakeTencentCloud
from .test_sync_http import ANSWER, FRAMING_IDS, FRAMINGS, HOSTILE_HEADS, OK, TLS, RawServer, _Proxy, _tls_fake


@pytest.fixture()
def aio(generated_on_path: Path) -> Iterator[Any]:
    from tcsdk.common.aio_http import AsyncStdlibTransport

    transport = AsyncStdlibTransport()
    yield transport
    asyncio.run(transport.aclose())


def _timeouts(read: float = 5.0, pool: float = 5.0) -> Any:
    from tcsdk.common.transport import Timeouts

    return Timeouts(5.0, read, 5.0, pool)


async def _post(transport: Any, url: str, stream: bool = False, content: Any = b"{}", **timeouts: float) -> Any:
    headers = {"Host": url.split("/")[2], "Content-Type": "application/json"}
    return await transport.send(url, headers, content, _timeouts(**timeouts), stream)


def _serve(answer: bytes, close: bool = False) -> RawServer:
    return RawServer(lambda n, i: (answer, close))


def test_connections_are_kept_and_reused(aio: Any) -> None:
    server = _serve(ANSWER)

    async def calls() -> list[Any]:
        return [await _post(aio, server.url) for _ in range(3)]

    try:
        for answer in asyncio.run(calls()):
            assert answer.status_code == 200 and answer.content == OK
            assert answer.headers["CONTENT-TYPE"] == "application/json"
        assert server.connections == 1 and len(server.requests) == 3
        assert b"Content-Length: 2\r\n" in server.requests[0] and b"Accept-Encoding" not in server.requests[0]
    finally:
        server.close()


def test_a_kept_connection_the_server_closed_is_not_used_again(aio: Any) -> None:
    server = RawServer(lambda n, i: (ANSWER, n == 1))

    async def calls() -> None:
        assert (await _post(aio, server.url)).content == OK
        assert server.closed.wait(10)
        await asyncio.sleep(0.05)  # the end of the stream reaches the loop
        assert (await _post(aio, server.url)).content == OK

    try:
        asyncio.run(calls())
        assert server.connections == 2
    finally:
        server.close()


def test_bytes_after_an_answer_are_never_read_as_the_next_answer(aio: Any) -> None:
    # A second, unasked answer follows the first in the same packet: the
    # connection is dropped, the next request gets its own answer.
    smuggled = b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nforged!"
    server = RawServer(lambda n, i: ((ANSWER + smuggled) if n == 1 else ANSWER, False))

    async def calls() -> list[bytes]:
        return [(await _post(aio, server.url)).content for _ in range(2)]

    try:
        assert asyncio.run(calls()) == [OK, OK]
        assert server.connections == 2 and aio._open == 1
    finally:
        server.close()


def test_bytes_arriving_while_idle_drop_the_connection(aio: Any) -> None:
    server = _serve(ANSWER)

    async def calls() -> None:
        assert (await _post(aio, server.url)).content == OK
        link = aio._idle[next(iter(aio._idle))][0]
        link.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno")  # as if sent while idle
        assert (await _post(aio, server.url)).content == OK

    try:
        asyncio.run(calls())
        assert server.connections == 2
    finally:
        server.close()


@pytest.mark.parametrize("answer", FRAMINGS, ids=FRAMING_IDS)
def test_framings_are_read(aio: Any, answer: bytes) -> None:
    server = _serve(answer, close=b"HTTP/1.0" in answer)
    try:
        assert asyncio.run(_post(aio, server.url)).content == OK
    finally:
        server.close()


def test_a_full_pool_is_a_pool_timeout_and_unsent(aio: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tcsdk.common import routes
    from tcsdk.common.transport import Failure

    monkeypatch.setattr(routes, "MAX_CONNECTIONS", 1)
    events = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    server = _serve(events)

    async def calls() -> None:
        stream = await _post(aio, server.url, stream=True)
        assert not stream.is_closed  # an event stream holds its connection
        with pytest.raises(Failure) as caught:
            await _post(aio, server.url, pool=0.05)
        assert (caught.value.kind, caught.value.sent) == ("PoolTimeout", False)
        assert server.connections == 1 and len(server.requests) == 1
        await stream.aclose()  # not read to its end: the connection is closed, the pool free
        assert aio._open == 0

    try:
        asyncio.run(calls())
    finally:
        server.close()


def test_a_waiter_gets_the_connection_given_back(aio: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tcsdk.common import routes

    monkeypatch.setattr(routes, "MAX_CONNECTIONS", 2)
    server = _serve(ANSWER)

    async def calls() -> list[Any]:
        return await asyncio.gather(*(_post(aio, server.url) for _ in range(20)))

    try:
        assert [answer.content for answer in asyncio.run(calls())] == [OK] * 20
        assert server.connections <= 2 and aio._open <= 2
    finally:
        server.close()


def test_waiters_are_served_first_come_first_served(aio: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Four tasks each making calls back to back on two connections: a task
    # that gives its connection back never takes it again before those waiting.
    from tcsdk.common import routes

    monkeypatch.setattr(routes, "MAX_CONNECTIONS", 2)
    server = _serve(ANSWER)
    firsts: list[float] = []

    async def worker(started: float) -> int:
        done = 0
        for _ in range(60):
            await _post(aio, server.url, pool=1.0)
            if not done:
                firsts.append(time.monotonic() - started)
            done += 1
        return done

    async def calls() -> list[int]:
        started = time.monotonic()
        return await asyncio.gather(*(worker(started) for _ in range(4)))

    try:
        assert asyncio.run(calls()) == [60] * 4
        assert max(firsts) < 0.5 and aio._open <= 2 and not aio._waiters
    finally:
        server.close()


def test_an_answer_that_does_not_come_is_a_read_timeout_and_sent(aio: Any) -> None:
    from tcsdk.common.transport import Failure

    server = _serve(b"")  # reads the request, never answers
    try:
        with pytest.raises(Failure) as caught:
            asyncio.run(_post(aio, server.url, read=0.05))
        assert (caught.value.kind, caught.value.sent) == ("ReadTimeout", True)
        assert len(server.requests) == 1 and aio._open == 0
    finally:
        server.close()


def test_a_cancelled_call_closes_its_connection(aio: Any) -> None:
    server = _serve(b"")

    async def cancelled() -> None:
        task = asyncio.ensure_future(_post(aio, server.url))
        while not server.requests:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        asyncio.run(cancelled())
        assert aio._open == 0 and aio._idle_count == 0
    finally:
        server.close()


def test_one_transport_serves_event_loop_after_event_loop(aio: Any) -> None:
    server = _serve(ANSWER)
    try:
        for _ in range(2):
            assert asyncio.run(_post(aio, server.url)).content == OK
        assert server.connections == 2 and aio._open == 1  # the first loop's connection dropped
    finally:
        server.close()


def test_a_refused_connection_is_unsent(aio: Any) -> None:
    from tcsdk.common.transport import Failure

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    with pytest.raises(Failure) as caught:
        asyncio.run(_post(aio, f"http://127.0.0.1:{port}/"))
    assert (caught.value.kind, caught.value.sent) == ("ConnectError", False)
    assert aio._open == 0


@pytest.mark.parametrize("name", sorted(HOSTILE_HEADS))
def test_hostile_answer_heads_are_refused_as_sent_and_their_connection_closed(aio: Any, name: str) -> None:
    from tcsdk.common.transport import Failure

    server = _serve(HOSTILE_HEADS[name], close=True)
    try:
        with pytest.raises(Failure) as caught:
            asyncio.run(_post(aio, server.url))
        assert (caught.value.kind, caught.value.sent) == ("RemoteProtocolError", True), caught.value
        assert aio._open == 0 and aio._idle_count == 0
    finally:
        server.close()


def test_a_header_that_would_end_its_line_is_never_sent(aio: Any) -> None:
    server = _serve(ANSWER)

    async def calls() -> None:
        for value in ["x\r\nX-Injected: 1", "x\nX-Injected: 1", "x\0"]:
            with pytest.raises(ValueError, match="line break or NUL"):
                await aio.send(server.url, {"Host": "h", "X-Extra": value}, b"{}", _timeouts(), False)
        assert server.requests == [] and aio._open == 0
        assert (await _post(aio, server.url)).content == OK  # the pool is whole

    try:
        asyncio.run(calls())
    finally:
        server.close()


def test_an_upload_is_sent_as_it_is_read(aio: Any) -> None:
    server = _serve(ANSWER)

    async def body() -> AsyncIterator[bytes]:
        for piece in (b"ab", b"cd", b"ef"):
            yield piece

    async def call() -> Any:
        headers = {"Host": "h", "Content-Length": "6"}
        return await aio.send(server.url, headers, body(), _timeouts(), False)

    try:
        assert asyncio.run(call()).content == OK
        assert server.requests[0].endswith(b"\r\n\r\nabcdef") and server.requests[0].count(b"Content-Length") == 1
    finally:
        server.close()


def test_an_event_stream_is_read_as_it_arrives_and_a_slow_reader_pauses_reading(aio: Any) -> None:
    gate = threading.Event()
    piece = b"data: " + b"x" * 65_000 + b"\n\n"

    class Streaming(RawServer):
        def _serve(self, conn: socket.socket, number: int) -> None:
            reader = conn.makefile("rb")
            with conn:
                reader.readline()
                head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                conn.sendall(head + b"%x\r\n%s\r\n" % (len(piece), piece))
                gate.wait(10)
                conn.settimeout(5)
                try:
                    for _ in range(64):  # 4 MiB: far more than a paused reader takes in
                        conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                    conn.sendall(b"0\r\n\r\n")
                    while reader.readline():  # open until the client closes it: a kept connection
                        pass
                except OSError:
                    pass

    server = Streaming(lambda n, i: (b"", False))

    async def read() -> None:
        stream = await _post(aio, server.url, stream=True)
        chunks = stream.aiter_bytes()
        assert (await anext(chunks)).startswith(b"data: ")
        gate.set()
        await asyncio.sleep(0.5)  # the server writes; nobody reads
        assert len(stream._link.buffer) < 1024 * 1024  # reading paused at 256 KiB unread
        total = sum([len(chunk) async for chunk in chunks])
        assert total == 64 * len(piece) and stream.is_closed

    try:
        asyncio.run(read())
        assert aio._open == 1 and aio._idle_count == 1  # read to its end: kept
    finally:
        gate.set()
        server.close()


# Proxies and TLS, through a generated async client against the TC3-checking fake.


@pytest.fixture()
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "TENCENTCLOUD_SDK_TRANSPORT"):
            monkeypatch.delenv(name)


def _acall(url: str, **options: Any) -> Any:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.retry import RetryPolicy
    from tcsdk.trtc.v20190722.aio import AsyncTrtcClient

    async def call() -> Any:
        async with AsyncTrtcClient(
            Credentials(SECRET_ID, SECRET_KEY),
            endpoint=url,
            region="ap-beijing",
            retry=RetryPolicy(max_attempts=1),
            **options,
        ) as client:
            answer = await client.dismiss_room(sdk_app_id=1400000001, room_id=1234)
            return answer, type(client._connections.get()).__name__

    return asyncio.run(call())


@pytest.mark.usefixtures("no_proxy_environment", "generated_on_path")
def test_the_async_clients_send_through_it_by_default(fake: FakeTencentCloud) -> None:
    answer, used = _acall(fake.url)
    assert answer.request_id and used == "AsyncStdlibTransport"
    assert _acall(fake.url, transport="httpx")[1] == "AsyncHttpxTransport"


@pytest.mark.usefixtures("no_proxy_environment", "generated_on_path")
def test_an_http_endpoint_through_a_forwarding_proxy_with_credentials(fake: FakeTencentCloud) -> None:
    proxy = _Proxy()
    try:
        address = proxy.url.replace("http://", "http://us%40er:p%3Ass@")
        answer, used = _acall(fake.url, proxy=address)
        assert answer.request_id and used == "AsyncStdlibTransport"
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
        address = proxy.url.replace("http://", "http://u:secret@")
        answer, _ = _acall(url, proxy=address, verify=context, transport=transport)
        assert answer.request_id
        seen = [(method, target) for method, target, _ in proxy.seen]
        assert seen == [("CONNECT", url.split("/")[2])] and proxy.seen[0][2].startswith("Basic ")
    finally:
        proxy.shutdown()
        proxy.server_close()
        fake.stop()


@pytest.mark.usefixtures("no_proxy_environment", "generated_on_path")
def test_a_proxy_refusing_connect_is_an_unsent_connect_error_without_its_credentials() -> None:
    from tcsdk.common.exceptions import TransportError

    with socket.create_server(("127.0.0.1", 0)) as listener:

        def answer() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")

        threading.Thread(target=answer, daemon=True).start()
        proxy = f"http://user:hunter2@127.0.0.1:{listener.getsockname()[1]}"
        with pytest.raises(TransportError) as caught:
            _acall("https://example.invalid", proxy=proxy)
        assert caught.value.sent is False and "ConnectError" in str(caught.value) and "407" in str(caught.value)
        assert "hunter2" not in str(caught.value) and "dXNlcjpodW50ZXIy" not in str(caught.value)


@pytest.mark.usefixtures("no_proxy_environment", "generated_on_path")
def test_environment_proxies_and_no_proxy(fake: FakeTencentCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = _Proxy()
    try:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert _acall(fake.url)[0].request_id and len(proxy.seen) == 1
        monkeypatch.setenv("NO_PROXY", "example.org,127.0.0.1")
        assert _acall(fake.url)[0].request_id and len(proxy.seen) == 1  # not through the proxy
        assert len(fake.calls()) == 2
    finally:
        proxy.shutdown()
        proxy.server_close()


@pytest.mark.usefixtures("no_proxy_environment", "generated_on_path")
def test_a_proxy_the_standard_library_cannot_reach_is_httpx_s(caplog: pytest.LogCaptureFixture) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.trtc.v20190722.aio import AsyncTrtcClient

    caplog.set_level(logging.DEBUG, logger="tcsdk")
    client = AsyncTrtcClient(
        Credentials(SECRET_ID, SECRET_KEY), region="ap-beijing", proxy="https://user:hunter2@127.0.0.1:9"
    )
    assert type(client._connections.get()).__name__ == "AsyncHttpxTransport"
    asyncio.run(client.aclose())
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
            _acall(url, transport=transport)
        assert caught.value.sent is False and "ConnectError" in str(caught.value)
        monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
        assert _acall(url, transport=transport)[0].request_id
        assert _acall(url, transport=transport, verify=False)[0].request_id
    finally:
        fake.stop()


@pytest.mark.usefixtures("no_proxy_environment")
def test_a_connect_that_does_not_finish_is_an_unsent_connect_timeout(aio: Any) -> None:
    from tcsdk.common.transport import Failure, Timeouts

    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers the handshake
        url = f"https://127.0.0.1:{silent.getsockname()[1]}/"
        started = time.monotonic()
        with pytest.raises(Failure) as caught:
            asyncio.run(aio.send(url, {"Host": "h"}, b"{}", Timeouts(0.2, 5, 5, 5), False))
        assert (caught.value.kind, caught.value.sent) == ("ConnectTimeout", False)
        assert time.monotonic() - started < 3 and aio._open == 0
