"""httpx as a transport: the async clients' (``httpx.AsyncClient``), and the
sync clients' with ``transport="httpx"``, with ``http_client=`` (the user's
own ``httpx.Client``), or when the standard library transport cannot do
what is asked (a proxy reached over https, or socks).

:class:`HttpxTransport` and :class:`AsyncHttpxTransport` take the arguments
of ``transport.SyncTransport.send`` and give back httpx's own response (a
``transport.Answer`` as it is), turning httpx's failures into
``transport.Failure``: only a failure to connect (ConnectError,
ConnectTimeout, PoolTimeout) counts as unsent. An upload's
``multipart.Body`` is sent through :class:`_BodyStream`, httpx's stream form.

Layer 5, below the drivers: imports ``transport`` and ``multipart`` (lower
layers) and httpx, which it is the only driver module to import at its top.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from .transport import Failure, Timeouts, is_event_stream

if TYPE_CHECKING:
    import ssl

__all__ = [
    "HttpxTransport",
    "AsyncHttpxTransport",
    "tls",
    "sync_client",
    "async_client",
]

# Only these prove that nothing was sent: any later failure may have
# happened after the service received the request.
_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def tls(
    url: str, proxy: str | None, verify: bool | ssl.SSLContext
) -> bool | ssl.SSLContext:
    """``verify`` for httpx; for an http:// endpoint reached directly, a context that trusts nothing.

    httpx builds its TLS context up front, and loading the CA bundle takes
    tens of milliseconds; with no TLS to make (no https endpoint, no proxy)
    that is skipped, and a context that trusts nothing fails closed anyway.
    """
    if verify is True and proxy is None and url.startswith("http://"):
        if not any(name.lower().endswith("_proxy") for name in os.environ):
            import ssl

            return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return verify


def sync_client(
    url: str, proxy: str | None, verify: bool | ssl.SSLContext
) -> httpx.Client:
    return httpx.Client(proxy=proxy, verify=tls(url, proxy, verify))


def async_client(
    url: str, proxy: str | None, verify: bool | ssl.SSLContext
) -> httpx.AsyncClient:
    return httpx.AsyncClient(proxy=proxy, verify=tls(url, proxy, verify))


def failure(exc: httpx.TransportError) -> Failure:
    """The transport's failure for httpx's; ``sent`` unless the connection failed."""
    return Failure(type(exc).__name__, str(exc), sent=not isinstance(exc, _UNSENT))


class _BodyStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An upload's body (``multipart.Body``) as httpx's request stream."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._body:
            yield chunk


class _Requests:
    """httpx's request for each attempt; each URL parsed once."""

    def __init__(self) -> None:
        self._urls: dict[str, httpx.URL] = {}

    def request(
        self,
        url: str,
        headers: Mapping[str, str],
        content: bytes | Iterable[bytes] | AsyncIterable[bytes],
        timeouts: Timeouts,
    ) -> httpx.Request:
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) > 16:
                self._urls.clear()
            parsed = self._urls[url] = httpx.URL(url)
        extensions = {"timeout": timeouts.as_dict()}
        if isinstance(content, bytes):
            return httpx.Request(
                "POST", parsed, headers=headers, content=content, extensions=extensions
            )
        return httpx.Request(
            "POST",
            parsed,
            headers=headers,
            stream=_BodyStream(content),
            extensions=extensions,
        )


class HttpxTransport(_Requests):
    """Sends through an ``httpx.Client`` (made by the client, or the user's own)."""

    def __init__(self, client: httpx.Client, owned: bool = True) -> None:
        super().__init__()
        self.client = client
        self.owned = owned

    def send(
        self,
        url: str,
        headers: Mapping[str, str],
        content: bytes | Iterable[bytes],
        timeouts: Timeouts,
        stream: bool,
    ) -> httpx.Response:
        request = self.request(url, headers, content, timeouts)
        try:
            response = self.client.send(request, stream=stream)
            if stream and not is_event_stream(response):
                try:
                    response.read()  # an ordinary answer: judged like any other
                finally:
                    response.close()
        except httpx.TransportError as exc:
            raise failure(exc) from None
        return response

    def close(self) -> None:
        if self.owned:
            self.client.close()


class AsyncHttpxTransport(_Requests):
    """Sends through an ``httpx.AsyncClient`` (made by the client, or the user's own)."""

    def __init__(self, client: httpx.AsyncClient, owned: bool = True) -> None:
        super().__init__()
        self.client = client
        self.owned = owned

    async def send(
        self,
        url: str,
        headers: Mapping[str, str],
        content: bytes | AsyncIterable[bytes],
        timeouts: Timeouts,
        stream: bool,
    ) -> httpx.Response:
        request = self.request(url, headers, content, timeouts)
        try:
            response = await self.client.send(request, stream=stream)
            if stream and not is_event_stream(response):
                try:
                    await response.aread()  # an ordinary answer: judged like any other
                finally:
                    await response.aclose()
        except httpx.TransportError as exc:
            raise failure(exc) from None
        return response

    async def aclose(self) -> None:
        if self.owned:
            await self.client.aclose()
