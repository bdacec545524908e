"""The transport seam (``common.transport``), socket-free: timeouts as
``timeout=`` takes them, the answer's headers, the answer read whole or in
pieces, and the choice of transport."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_timeouts_read_what_timeout_takes_as_httpx_reads_it(generated_on_path: Path) -> None:
    import httpx
    from tcsdk.common.transport import Timeouts

    for value in [None, 3, 2.5, (1.0, 2.0, 3.0, 4.0), httpx.Timeout(7, connect=1), httpx.Timeout(None)]:
        assert Timeouts.of(value).as_dict() == httpx.Timeout(value).as_dict(), value
    with pytest.raises(ValueError, match="connect, read, write, pool"):
        Timeouts.of((1.0, 2.0))
    with pytest.raises(TypeError, match="timeout must be"):
        Timeouts.of("5")


def test_the_deadline_caps_every_timeout(generated_on_path: Path) -> None:
    from tcsdk.common.transport import Timeouts

    given = Timeouts(5.0, None, 30.0, 0.5)
    assert given.capped(None) is given
    assert given.capped(2.0).all() == (2.0, 2.0, 2.0, 0.5)


def test_headers_compare_names_without_case_and_join_repeats(generated_on_path: Path) -> None:
    from tcsdk.common.transport import Headers

    headers = Headers([("Content-Type", "application/json"), ("Set-Cookie", "a=1"), ("set-cookie", "b=2")])
    assert headers["content-type"] == headers.get("CONTENT-TYPE") == "application/json"
    assert headers["Set-Cookie"] == "a=1, b=2" and headers.get_list("SET-COOKIE") == ["a=1", "b=2"]
    assert "X-Missing" not in headers and headers.get("x-missing", "none") == "none"
    assert len(headers) == 2 and sorted(headers) == ["content-type", "set-cookie"]
    assert headers == {"CONTENT-TYPE": "application/json", "set-cookie": "a=1, b=2"}
    with pytest.raises(KeyError):
        headers["x-missing"]


class _Pieces:
    """A ``transport.Source`` handing out pieces, recording how it was released."""

    def __init__(self, *pieces: bytes) -> None:
        self.pieces = list(pieces)
        self.released: list[bool] = []

    def read_all(self) -> bytes:
        whole, self.pieces = b"".join(self.pieces), []
        return whole

    def read_some(self) -> bytes:
        return self.pieces.pop(0) if self.pieces else b""

    def release(self, whole: bool) -> None:
        self.released.append(whole)


def test_an_answer_gives_its_connection_back_only_when_read_to_its_end(generated_on_path: Path) -> None:
    from tcsdk.common.transport import Headers, Received

    source = _Pieces(b"ab", b"cd")
    answer = Received(200, Headers(), source=source)
    assert not answer.is_closed and answer.content == b"abcd" and answer.is_closed
    assert source.released == [True]

    source = _Pieces(b"ab", b"cd")
    answer = Received(200, Headers(), source=source)
    assert list(answer.iter_bytes()) == [b"ab", b"cd"] and source.released == [True]

    source = _Pieces(b"ab", b"cd")
    answer = Received(200, Headers(), source=source)
    next(iter(answer.iter_bytes()))
    answer.close()  # left in the middle: the connection cannot be used again
    answer.close()
    assert source.released == [False]


def test_the_transport_option_is_checked_when_the_client_is_made(generated_on_path: Path) -> None:
    import httpx
    from tcsdk.common.credentials import Credentials
    from tcsdk.trtc.v20190722.client import TrtcClient

    credentials = Credentials("AKIDexample", "secret")
    with pytest.raises(ValueError, match="transport must be one of"):
        TrtcClient(credentials, region="ap-beijing", transport="curl")
    with httpx.Client() as http:
        with pytest.raises(TypeError, match="http_client= is an httpx client"):
            TrtcClient(credentials, region="ap-beijing", http_client=http, transport="stdlib")
        TrtcClient(credentials, region="ap-beijing", http_client=http, transport="httpx").close()
        assert not http.is_closed  # the user's own client stays open


def test_the_environment_chooses_the_transport_when_the_client_does_not(
    generated_on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    import httpx
    from tcsdk.common.credentials import Credentials
    from tcsdk.trtc.v20190722.aio import AsyncTrtcClient
    from tcsdk.trtc.v20190722.client import TrtcClient

    credentials = Credentials("AKIDexample", "secret")
    endpoint = "http://127.0.0.1:9"

    def made(**options: object) -> str:
        client = TrtcClient(credentials, endpoint=endpoint, **options)
        try:
            return type(client._connections.get()).__name__
        finally:
            client.close()

    def made_async(**options: object) -> str:
        client = AsyncTrtcClient(credentials, endpoint=endpoint, **options)
        try:
            return type(client._connections.get()).__name__
        finally:
            asyncio.run(client.aclose())

    monkeypatch.delenv("TENCENTCLOUD_SDK_TRANSPORT", raising=False)
    assert made() == "StdlibTransport" and made(transport="httpx") == "HttpxTransport"
    assert made_async() == "AsyncStdlibTransport" and made_async(transport="httpx") == "AsyncHttpxTransport"
    assert made_async(http_client=httpx.AsyncClient()) == "AsyncHttpxTransport"
    monkeypatch.setenv("TENCENTCLOUD_SDK_TRANSPORT", "httpx")
    assert made() == "HttpxTransport" and made(transport="stdlib") == "StdlibTransport"
    assert made_async() == "AsyncHttpxTransport" and made_async(transport="stdlib") == "AsyncStdlibTransport"
    monkeypatch.setenv("TENCENTCLOUD_SDK_TRANSPORT", "curl")
    for make in (made, made_async):
        with pytest.raises(ValueError, match="TENCENTCLOUD_SDK_TRANSPORT"):
            make()
    with pytest.raises(TypeError, match="http_client= is an httpx client"):
        AsyncTrtcClient(credentials, endpoint=endpoint, transport="stdlib", http_client=httpx.AsyncClient())
