"""What both built-in transports (``sync_http`` and ``aio_http``) owe alike,
found by an adversarial review: a deadline bounds an answer that trickles
in, a reset is no end of a body framed by the close, a connection whose
close or stray bytes the event loop has not delivered yet is not reused, a
long informational head does not leave reading paused, and only
``verify=False`` turns TLS verification off."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from .test_sync_http import ANSWER, OK, RawServer, _read_request

KINDS = ["sync", "async"]


class Scripted(RawServer):
    """Each connection is served by ``script(conn, reader, number)``."""

    def __init__(self, script: Callable[[socket.socket, Any, int], None]) -> None:
        self.script = script
        super().__init__(lambda n, i: (b"", False))

    def _serve(self, conn: socket.socket, number: int) -> None:
        reader = conn.makefile("rb")
        try:
            with conn:
                self.script(conn, reader, number)
        except OSError:
            pass


def _transport(kind: str) -> Any:
    if kind == "sync":
        from tcsdk.common.sync_http import StdlibTransport

        return StdlibTransport()
    from tcsdk.common.aio_http import AsyncStdlibTransport

    return AsyncStdlibTransport()


def _send(kind: str, transport: Any, url: str, timeouts: Any) -> bytes:
    headers = {"Host": "h", "Content-Type": "application/json"}
    if kind == "sync":
        return bytes(transport.send(url, headers, b"{}", timeouts, False).content)

    async def call() -> bytes:
        try:
            return bytes((await transport.send(url, headers, b"{}", timeouts, False)).content)
        finally:
            await transport.aclose()

    return asyncio.run(call())


def _failure(kind: str, url: str, timeouts: Any) -> Any:
    from tcsdk.common.transport import Failure

    with pytest.raises(Failure) as caught:
        _send(kind, _transport(kind), url, timeouts)
    return caught.value


@pytest.mark.usefixtures("generated_on_path")
@pytest.mark.parametrize("kind", KINDS)
def test_a_deadline_bounds_an_answer_that_trickles_in(kind: str) -> None:
    from tcsdk.common.transport import Timeouts

    def trickle(conn: socket.socket, reader: Any, number: int) -> None:
        _read_request(reader)
        for byte in ANSWER:  # each byte well within the read timeout
            conn.sendall(bytes([byte]))
            time.sleep(0.05)

    server = Scripted(trickle)
    try:
        started = time.monotonic()
        failure = _failure(kind, server.url, Timeouts(5, 1, 5, 5).capped(0.6))
        assert (failure.kind, failure.sent) == ("ReadTimeout", True)
        assert time.monotonic() - started < 2  # the whole answer would take about 6 s
    finally:
        server.close()


@pytest.mark.usefixtures("generated_on_path")
@pytest.mark.parametrize("kind", KINDS)
def test_a_reset_is_no_end_of_a_body_framed_by_the_close(kind: str) -> None:
    from tcsdk.common.transport import Timeouts

    def cut(conn: socket.socket, reader: Any, number: int) -> None:
        _read_request(reader)
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + OK[:10])
        time.sleep(0.1)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN

    server = Scripted(cut)
    try:
        failure = _failure(kind, server.url, Timeouts(5, 5, 5, 5))
        assert (failure.kind, failure.sent) == ("ReadError", True)
    finally:
        server.close()


@pytest.mark.usefixtures("generated_on_path")
@pytest.mark.parametrize("stray", [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nforged!"], ids=["close", "bytes"])
def test_an_async_connection_whose_close_or_bytes_wait_undelivered_is_not_reused(stray: bytes) -> None:
    # The program blocks between two calls, so the event loop never delivers
    # the server's close (or its stray answer): the socket itself is asked.
    from tcsdk.common.transport import Timeouts

    sent = threading.Event()

    def once(conn: socket.socket, reader: Any, number: int) -> None:
        _read_request(reader)
        conn.sendall(ANSWER)
        if number == 1:
            time.sleep(0.05)
            if stray:
                conn.sendall(stray)
            else:
                conn.shutdown(socket.SHUT_WR)
            sent.set()
        _read_request(reader)

    server = Scripted(once)
    transport = _transport("async")
    headers = {"Host": "h"}

    async def calls() -> list[bytes]:
        first = (await transport.send(server.url, headers, b"{}", Timeouts(5, 5, 5, 5), False)).content
        assert sent.wait(10)
        time.sleep(0.1)  # blocking: the event loop does not run
        second = (await transport.send(server.url, headers, b"{}", Timeouts(5, 5, 5, 5), False)).content
        await transport.aclose()
        return [first, second]

    try:
        assert asyncio.run(calls()) == [OK, OK]
        assert server.connections == 2
    finally:
        server.close()


@pytest.mark.usefixtures("generated_on_path")
def test_a_long_informational_head_does_not_leave_reading_paused() -> None:
    from tcsdk.common.transport import Timeouts

    early = b"HTTP/1.1 103 Early Hints\r\n" + b"".join(b"Link: </%d>; %s\r\n" % (i, b"x" * 2000) for i in range(99))
    final = b"".join(b"X-Big-%d: %s\r\n" % (i, b"y" * 60000) for i in range(3))
    whole = early + b"\r\nHTTP/1.1 200 OK\r\n" + final + b"Content-Length: %d\r\n\r\n%s" % (len(OK), OK)

    def hints(conn: socket.socket, reader: Any, number: int) -> None:
        _read_request(reader)
        conn.sendall(whole[:-100])  # past the 256 KiB at which reading pauses
        time.sleep(0.2)
        conn.sendall(whole[-100:])
        _read_request(reader)

    server = Scripted(hints)
    try:
        assert _send("async", _transport("async"), server.url, Timeouts(5, 2, 5, 5)) == OK
    finally:
        server.close()


@pytest.mark.usefixtures("generated_on_path")
@pytest.mark.parametrize("verify", [None, 0, "", "/etc/ssl/certs/ca-certificates.crt"])
@pytest.mark.parametrize("kind", KINDS)
def test_only_false_turns_verification_off(kind: str, verify: object) -> None:
    from tcsdk.common.credentials import Credentials

    if kind == "sync":
        from tcsdk.trtc.v20190722.client import TrtcClient as Client
    else:
        from tcsdk.trtc.v20190722.aio import AsyncTrtcClient as Client  # type: ignore[assignment]
    with pytest.raises(TypeError, match="verify takes True, False or an ssl.SSLContext"):
        Client(Credentials("AKIDexample", "secret"), region="ap-beijing", verify=verify)
