"""A credential fetch as a sans-IO flow, and the two drivers that run it.

A provider writes its fetch once, as a generator that yields steps
(:class:`Send` an HTTP request, :class:`ReadFile`, :class:`Resolve` another
provider's credentials, :class:`Sleep`, :class:`Call` a user's function) and
receives each step's result. :func:`run_sync` and :func:`run_async` perform
the steps with blocking I/O or with the event loop. Both give the flow's HTTP
requests one total deadline (a per-read timeout does not stop a service that
trickles a byte at a time) and read at most :data:`MAX_ANSWER` bytes of an
answer. Files are read only when they are regular files, and bounded.

Also here: the checks of the STS and metadata addresses a user gives.

Imports the standard library and ``..exceptions``, ``..redaction``, ``..wire``,
``.types``;
httpx and asyncio only inside the drivers.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ..exceptions import CredentialsError
from ..redaction import scrub
from ..wire import parse_endpoint
from .types import Credentials, CredentialsProvider, resolve, resolve_async

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")

# Answers of the metadata service and of STS are a few hundred bytes.
MAX_ANSWER = 64 * 1024
# Token and profile files are small too; a bigger one is not what we expect.
MAX_FILE = 64 * 1024


class Send:
    """Step: make an HTTP request; the flow receives a :class:`Reply`."""

    __slots__ = ("method", "url", "headers", "body")

    def __init__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> None:
        self.method = method
        self.url = url
        self.headers = dict(headers or {})
        self.body = body


class Reply:
    """An HTTP answer read in full, or why there is none (``failure``)."""

    __slots__ = ("status", "body", "failure")

    def __init__(self, status: int = 0, body: bytes = b"", failure: str = "") -> None:
        self.status = status
        self.body = body
        self.failure = failure
        """Empty for an answer; else why there is none: not reachable (and
        the httpx error's class name), the deadline passed, or too large."""


class ReadFile:
    """Step: read a small regular file as text; the flow receives the text."""

    __slots__ = ("path", "what")

    def __init__(self, path: str | os.PathLike[str], what: str) -> None:
        self.path = path
        self.what = what  # for messages: "the token file", ...


class Resolve:
    """Step: another provider's current credentials (an AssumeRole base)."""

    __slots__ = ("provider",)

    def __init__(self, provider: CredentialsProvider) -> None:
        self.provider = provider


class Sleep:
    """Step: wait (between two attempts of an STS call)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Call:
    """Step: a user's fetch function, or its async form when there is one."""

    __slots__ = ("fetch", "fetch_async")

    def __init__(
        self,
        fetch: Callable[[], Credentials],
        fetch_async: Callable[[], Awaitable[Credentials]] | None,
    ) -> None:
        self.fetch = fetch
        self.fetch_async = fetch_async


Step = Send | ReadFile | Resolve | Sleep | Call
Flow = Generator[Step, Any, T]


class HTTPSettings:
    """How a provider's requests are made: per-read ``timeout``, total
    ``deadline`` of one fetch, and the httpx client's options."""

    __slots__ = ("timeout", "deadline", "options")

    def __init__(
        self, timeout: float, deadline: float, options: Mapping[str, Any]
    ) -> None:
        if not deadline > 0 or not timeout > 0:
            raise ValueError("timeout and deadline must be positive numbers")
        self.timeout = timeout
        self.deadline = deadline
        self.options = dict(options)

    def late(self) -> str:
        return f"no complete answer within the {self.deadline:g} s deadline"


def read_small_file(path: str | os.PathLike[str], what: str, where: str) -> str:
    """The text of a regular file of at most MAX_FILE bytes.

    Opened without blocking, so that a FIFO or a device is refused instead
    of hanging or reading forever.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise CredentialsError(
            scrub(f"{where}: cannot read {what} {path} ({type(exc).__name__})")
        ) from None
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise CredentialsError(f"{where}: {what} {path} is not a regular file")
        data = os.read(handle, MAX_FILE + 1)
    except OSError as exc:
        raise CredentialsError(
            f"{where}: cannot read {what} {path} ({type(exc).__name__})"
        ) from None
    finally:
        os.close(handle)
    if len(data) > MAX_FILE:
        raise CredentialsError(
            f"{where}: {what} {path} is larger than {MAX_FILE} bytes"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CredentialsError(f"{where}: {what} {path} is not UTF-8") from None


def run_sync(flow: Flow[T], http: HTTPSettings, where: str) -> T:
    """Run ``flow`` with blocking I/O in this thread."""
    sender = _SyncSender(http)
    try:
        result: object = None
        while True:
            step = flow.send(result)
            if isinstance(step, Send):
                result = sender.send(step)
            elif isinstance(step, ReadFile):
                result = read_small_file(step.path, step.what, where)
            elif isinstance(step, Resolve):
                result = resolve(step.provider)
            elif isinstance(step, Sleep):
                time.sleep(max(0.0, min(step.seconds, sender.remaining())))
            else:
                result = step.fetch()
    except StopIteration as stop:
        value: T = stop.value
        return value
    finally:
        flow.close()
        sender.close()


async def run_async(flow: Flow[T], http: HTTPSettings, where: str) -> T:
    """Run ``flow`` on the event loop; file reads go to a worker thread."""
    import asyncio

    sender = _AsyncSender(http)
    try:
        result: object = None
        while True:
            step = flow.send(result)
            if isinstance(step, Send):
                result = await sender.send(step)
            elif isinstance(step, ReadFile):
                result = await asyncio.to_thread(
                    read_small_file, step.path, step.what, where
                )
            elif isinstance(step, Resolve):
                result = await resolve_async(step.provider)
            elif isinstance(step, Sleep):
                await asyncio.sleep(max(0.0, min(step.seconds, sender.remaining())))
            elif step.fetch_async is not None:
                result = await step.fetch_async()
            else:
                result = await asyncio.to_thread(step.fetch)
    except StopIteration as stop:
        value: T = stop.value
        return value
    finally:
        flow.close()
        await sender.close()


class _Sender:
    """What both drivers share: the deadline, made at the first request."""

    def __init__(self, http: HTTPSettings) -> None:
        self.http = http
        self.end: float | None = None

    def remaining(self) -> float:
        if self.end is None:
            self.end = time.monotonic() + self.http.deadline
        return self.end - time.monotonic()

    def client_options(self) -> dict[str, Any]:
        return {"timeout": self.http.timeout, **self.http.options}


class _SyncSender(_Sender):
    """Blocking requests. A watchdog thread shuts the connection's socket
    down at the deadline, which ends a read that is waiting on it."""

    def __init__(self, http: HTTPSettings) -> None:
        super().__init__(http)
        self._client: httpx.Client | None = None
        self._streams: list[Any] = []
        self._timer: threading.Timer | None = None
        self._late = threading.Event()

    def _trace(self, event: str, info: Mapping[str, Any]) -> None:
        # httpcore reports each new connection (and its TLS layer) here.
        if event in (
            "connection.connect_tcp.complete",
            "connection.start_tls.complete",
        ):
            self._streams.append(info.get("return_value"))

    def _cut(self) -> None:
        self._late.set()
        import socket

        for stream in self._streams:
            try:
                stream.get_extra_info("socket").shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError):  # closed already, or not a socket
                pass

    def send(self, step: Send) -> Reply:
        import httpx

        remaining = self.remaining()
        if remaining <= 0 or self._late.is_set():
            return Reply(failure=self.http.late())
        if self._client is None:
            self._client = httpx.Client(**self.client_options())
            self._timer = threading.Timer(remaining, self._cut)
            self._timer.daemon = True
            self._timer.start()
        request = self._client.build_request(
            step.method,
            step.url,
            headers=step.headers,
            content=step.body or None,
            extensions={"trace": self._trace},
        )
        try:
            response = self._client.send(request, stream=True)
            try:
                return _bounded(response, response.iter_bytes(), self)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            late = self._late.is_set()
            return Reply(failure=self.http.late() if late else _unreachable(exc))

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._client is not None:
            self._client.close()


class _AsyncSender(_Sender):
    """Requests on the event loop, each cancelled at the deadline."""

    def __init__(self, http: HTTPSettings) -> None:
        super().__init__(http)
        self._client: httpx.AsyncClient | None = None

    async def send(self, step: Send) -> Reply:
        import asyncio

        import httpx

        remaining = self.remaining()
        if remaining <= 0:
            return Reply(failure=self.http.late())
        if self._client is None:
            self._client = httpx.AsyncClient(**self.client_options())
        client = self._client
        try:
            async with asyncio.timeout(remaining):
                request = client.build_request(
                    step.method,
                    step.url,
                    headers=step.headers,
                    content=step.body or None,
                )
                response = await client.send(request, stream=True)
                try:
                    chunks = [chunk async for chunk in _capped(response, self)]
                    return Reply(response.status_code, b"".join(chunks))
                except _TooLarge:
                    return Reply(failure=_TOO_LARGE)
                finally:
                    await response.aclose()
        except TimeoutError:
            return Reply(failure=self.http.late())
        except httpx.HTTPError as exc:
            return Reply(failure=_unreachable(exc))

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()


class _TooLarge(Exception):
    pass


_TOO_LARGE = f"the answer is larger than {MAX_ANSWER} bytes"


def _unreachable(error: Exception) -> str:
    return f"not reachable ({type(error).__name__})"


def _announced_too_large(response: httpx.Response) -> bool:
    length = response.headers.get("content-length", "")
    return length.isdigit() and int(length) > MAX_ANSWER


def _bounded(response: httpx.Response, chunks: Any, sender: _Sender) -> Reply:
    """A sync answer's body, read while within the size and the deadline."""
    if _announced_too_large(response):
        return Reply(failure=_TOO_LARGE)
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > MAX_ANSWER:
            return Reply(failure=_TOO_LARGE)
        if sender.remaining() <= 0:
            return Reply(failure=sender.http.late())
    return Reply(response.status_code, bytes(body))


async def _capped(response: httpx.Response, sender: _Sender) -> Any:
    if _announced_too_large(response):
        raise _TooLarge
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER:
            raise _TooLarge
        yield chunk


# Addresses of STS and of the metadata service, checked when a provider is
# made: no user info, no backslash, no query or fragment, a plain host name
# or IP address and a port of digits (full matches: "$" would let "\n" in).
# Patterns as text: re compiles (and caches) them at the first check, not
# when the module is imported.
def checked_url(url: str, what: str, *, path: bool) -> tuple[str, str, str]:
    """``(scheme, netloc, path)`` of an address given as ``host[:port]`` or
    ``http(s)://host[:port][/path]``; ValueError naming ``what`` when it is
    not one. The rules are the clients' (``wire.parse_endpoint``): no user
    info, backslash, query, fragment or control character; ``path`` says
    whether a path is allowed."""
    text = url  # not stripped: "host\n" is refused, not taken for "host"
    if isinstance(text, str) and "://" not in text:
        text = ("http://" if path else "https://") + text
    full, netloc = parse_endpoint(text, what=what, path=path)
    scheme, _, rest = full.partition("://")
    return scheme, netloc, rest[len(netloc) :]
