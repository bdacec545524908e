"""The machinery behind every generated client, and the sync clients.

Everything that is not I/O lives in :class:`_Core`: building and signing a
request, reading the answer, deciding whether to try again. The sync client
here and the async one (the ``aio`` module) only run the loop around it, so
they cannot behave differently.

Importing this module stays cheap: httpx is imported at the first request,
and the async clients, streams and uploads live in modules of their own
that are imported only when used (``AsyncBaseClient`` and the other async
names below are still found here, on first access).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import msgspec

from . import errors
from .credentials import (
    Credentials,
    CredentialsProvider,
    StaticCredentials,
    default_credentials,
)
from .envelope import envelope_error, error_in
from .model import (
    Model,
    Request,
    Response,
    ResponseMeta,
    attach_meta,
    parse_envelope,
)
from .retry import RetryPolicy, is_read_only, is_throttling

if TYPE_CHECKING:
    import logging
    import ssl

    import httpx

    from .aio import AsyncBaseClient, AsyncCommonClient
    from .multipart import Body
    from .signing import Signer
    from .streaming import AsyncStream, Opened, Stream

    # 30 s, 5 s to connect; made on first access (see __getattr__)
    DEFAULT_TIMEOUT: httpx.Timeout

__all__ = [
    "Action",
    "BaseClient",
    "AsyncBaseClient",
    "CommonClient",
    "AsyncCommonClient",
    "CommonResponse",
    "Stream",
    "AsyncStream",
    "DEFAULT_TIMEOUT",
    "ENV_ENDPOINT",
    "ENV_REGION",
]

ENV_REGION = "TENCENTCLOUD_REGION"
# Every client's endpoint when ``endpoint=`` is not given: points a whole
# program at a test server (``common.fake_server``) or a private gateway.
ENV_ENDPOINT = "TENCENTCLOUD_ENDPOINT"
# The default timeout (DEFAULT_TIMEOUT: 30 s, 5 s to connect) as the 4-tuple
# httpx also reads (connect, read, write, pool), so that it needs no httpx.
_DEFAULT_TIMEOUT: Any = (5.0, 30.0, 30.0, 30.0)
_EXCERPT = 200
_JSON = "application/json"
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# An endpoint that httpx.URL would leave as it is (lower case, no default
# port, no path): read without importing httpx. Anything else is httpx's to read.
_PLAIN_URL = re.compile(r"^(https?)://([a-z0-9._-]+)(?::([1-9][0-9]{0,4}))?/?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Headers the client sets itself; a caller's extra headers may not replace them.
_OWN_HEADERS = frozenset(
    {
        "authorization",
        "content-type",
        "host",
        "x-tc-action",
        "x-tc-version",
        "x-tc-timestamp",
        "x-tc-region",
        "x-tc-token",
        "x-tc-language",
    }
)

Req = TypeVar("Req", bound=Request)
Resp = TypeVar("Resp", bound=Response)
HttpClient = TypeVar("HttpClient")
Self = TypeVar("Self", bound="_ClientBase")

# Names of this module that live elsewhere, imported on first access so that
# the sync client never pays for asyncio or httpx.
_ELSEWHERE = {
    "AsyncBaseClient": "aio",
    "AsyncCommonClient": "aio",
    "Stream": "streaming",
    "AsyncStream": "streaming",
}


def __getattr__(name: str) -> Any:
    module = _ELSEWHERE.get(name)
    if module is not None:
        import importlib

        return getattr(importlib.import_module(f".{module}", __package__), name)
    if name == "DEFAULT_TIMEOUT":
        import httpx

        return httpx.Timeout(30.0, connect=5.0)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_logger: logging.Logger | None = None


def _log() -> logging.Logger:
    """This module's logger; logging is imported only when something is logged."""
    global _logger
    if _logger is None:
        import logging

        _logger = logging.getLogger(__name__)
    return _logger


# Structs, not dataclasses, here and below: a class is made in microseconds
# instead of a millisecond, which counts in every import.
class Action(msgspec.Struct, Generic[Req, Resp], frozen=True):
    """What the runtime needs to know about one action; generated per action.

    ``read_only`` and ``idempotency_attribute`` decide whether a call that
    may have reached the service can be repeated (see ``retry``). A request
    whose idempotency token is unset gets a fresh UUID, so that a retry is
    recognised by the service as the same request. An action with
    ``binary_fields`` (wire names of file fields) is sent as
    multipart/form-data instead of JSON (see the ``multipart`` module).
    """

    name: str
    request: type[Req]
    response: type[Resp]
    read_only: bool = False
    idempotency_attribute: str = ""
    deprecated: bool = False
    binary_fields: tuple[str, ...] = ()

    def build(self, request: Req | None, fields: Mapping[str, Any]) -> Req:
        if request is None:
            request = self.request(**fields)
        elif fields:
            raise TypeError(
                f"pass either a {self.request.__name__} or keyword arguments, not both"
            )
        elif not isinstance(request, self.request):
            raise TypeError(
                f"expected {self.request.__name__}, got {type(request).__name__}"
            )
        token = self.idempotency_attribute
        if token and getattr(request, token, None) is None:
            # A copy: the caller's request object is left as it was.
            request = msgspec.structs.replace(request, **{token: str(uuid.uuid4())})
        return request

    def start(
        self, request: Req | None, fields: Mapping[str, Any], stacklevel: int
    ) -> Req:
        """:meth:`build`, then a warning at the user's line when the service deprecates the action."""
        built = self.build(request, fields)
        if self.deprecated:
            warnings.warn(
                f"{self.name} is deprecated by the service",
                DeprecationWarning,
                stacklevel=stacklevel,
            )
        return built

    def encode(self, request: Req) -> bytes | Body:
        """The request's JSON body, or an upload's multipart body (not yet measured)."""
        if self.binary_fields:
            from . import multipart  # only uploads need it

            return multipart.encode(request, self.binary_fields)
        return msgspec.json.encode(request)

    def safe_to_repeat(self, request: Req) -> bool:
        if self.read_only:
            return True
        return bool(
            self.idempotency_attribute
            and getattr(request, self.idempotency_attribute, None)
        )


class _Keep:
    """Marker for "leave this setting as it is" in ``with_options``."""


_KEEP: Any = _Keep()


class _Settings(msgspec.Struct, kw_only=True, frozen=True):
    service: str
    version: str
    url: str
    host: str
    region: str | None
    language: str | None
    # As given (seconds, an httpx.Timeout, None, or _DEFAULT_TIMEOUT); made
    # into httpx's form at the first request, so building a client needs no httpx.
    timeout: Any
    retry: RetryPolicy
    strict: bool = False
    headers: tuple[tuple[str, str], ...] = ()


class _Call(msgspec.Struct, frozen=True):
    """One call as the plan sees it, typed (an Action) or not (CommonClient)."""

    action: str
    body: bytes | Body  # JSON, or an upload's multipart body (its own content type)
    safe: bool
    parse: Callable[[bytes], Any]  # a 200 body -> the result, or raises SDKError
    error_of: Callable[[bytes], errors.SDKError | None]  # the error in a non-200 body


class _Prepared:
    """A signed request before it is handed to httpx: its headers and body."""

    __slots__ = ("headers", "content")

    def __init__(self, headers: dict[str, str], content: bytes | Body) -> None:
        self.headers = headers
        self.content = content


def _typed_call(action: Action[Req, Resp], request: Req, strict: bool) -> _Call:
    cls = action.response
    return _Call(
        action.name,
        action.encode(request),
        action.safe_to_repeat(request),
        lambda content: parse_envelope(cls, content, strict=strict),
        lambda content: envelope_error(cls, content),
    )


class _Core:
    """Builds, signs and judges requests; shared by the sync and async loops."""

    def __init__(
        self,
        settings: _Settings,
        clock: Callable[[], float],
        uniform: Callable[[float, float], float] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.uniform = uniform
        # Made at the first request: the signer, and httpx's forms of the URL and timeout.
        self._signer: Signer | None = None
        self._target: tuple[httpx.URL, dict[str, Any]] | None = None

    def prepare(
        self,
        action: str,
        body: bytes | Body,
        credentials: Credentials,
        content_type: str = _JSON,
    ) -> _Prepared:
        """The headers of one attempt, signed now (each attempt is signed again).

        An upload's body must be measured: it is signed by the SHA-256 its
        measuring took, and sent with the Content-Length it found.
        """
        settings = self.settings
        signer = self._signer
        if signer is None:
            from .signing import Signer

            signer = self._signer = Signer(settings.service)
        timestamp = int(self.clock())
        headers = {
            "Content-Type": content_type,
            "Host": settings.host,
            "X-TC-Action": action,
            "X-TC-Version": settings.version,
            "X-TC-Timestamp": str(timestamp),
        }
        if settings.region:
            headers["X-TC-Region"] = settings.region
        if credentials.token:
            headers["X-TC-Token"] = credentials.token
        if settings.language:
            headers["X-TC-Language"] = settings.language
        if isinstance(body, bytes):
            payload, payload_hash = body, ""
        else:  # an upload: hashed when measured, not held whole
            payload, payload_hash = b"", body.sha256
        headers["Authorization"] = signer.authorization(
            credentials.secret_id,
            credentials.secret_key,
            timestamp,
            payload,
            content_type,
            settings.host,
            payload_hash=payload_hash,
        )
        # Extra headers are not signed (only content-type and host are).
        headers.update(settings.headers)
        if not isinstance(body, bytes):
            # httpx sends a stream with chunked framing unless told its length.
            headers["Content-Length"] = str(body.length)
        return _Prepared(headers, body)

    def request(self, prepared: _Prepared) -> httpx.Request:
        """httpx's request for a prepared one, made just before it is sent."""
        import httpx  # at the first request, not when the client is imported

        target = self._target
        if target is None:
            settings = self.settings
            target = self._target = (
                httpx.URL(settings.url),
                {"timeout": httpx.Timeout(settings.timeout).as_dict()},
            )
        content = prepared.content
        if isinstance(content, bytes):
            return httpx.Request(
                "POST",
                target[0],
                headers=prepared.headers,
                content=content,
                extensions=target[1],
            )
        return httpx.Request(
            "POST",
            target[0],
            headers=prepared.headers,
            stream=content,
            extensions=target[1],
        )

    def judge(self, call: _Call, response: httpx.Response) -> Any:
        """The call's result, or the exception the answer stands for."""
        content = response.content
        status = response.status_code
        try:
            if status != 200:
                error = call.error_of(content)
                if error is not None:
                    raise error
                raise errors.HTTPStatusError(
                    f"HTTP {status} from {call.action}",
                    excerpt=content[:_EXCERPT].decode("utf-8", "replace"),
                )
            return call.parse(content)
        except (errors.ResponseError, errors.TencentCloudError) as exc:
            exc.status = status
            exc.headers = response.headers
            raise

    def retry_delay(
        self, error: errors.SDKError, attempt: int, safe: bool
    ) -> float | None:
        """Seconds to wait before trying again, or None to give up."""
        policy = self.settings.retry
        if attempt >= policy.max_attempts:
            return None
        throttled = False
        if isinstance(error, errors.TencentCloudError):
            throttled = again = policy.retry_throttling and is_throttling(error.code)
        elif isinstance(error, errors.TransportError):
            again = (
                policy.retry_unsent
                if not error.sent
                else policy.retry_when_safe and safe
            )
        elif isinstance(error, errors.HTTPStatusError):
            # 429: the service refused the request without acting on it.
            throttled = error.status == 429 and policy.retry_throttling
            again = throttled or (
                error.status >= 500 and policy.retry_when_safe and safe
            )
        else:
            again = False
        if not again:
            return None
        if throttled:
            assert isinstance(error, (errors.TencentCloudError, errors.ResponseError))
            wait = retry_after(error.headers.get("retry-after"), self.clock())
            if wait is not None:
                return min(wait, policy.max_delay)
        return policy.delay(attempt, self.uniform)

    def log(
        self,
        action: str,
        attempt: int,
        started: float,
        outcome: object,
        delay: float | None,
    ) -> None:
        # Until logging is imported nothing can have asked for DEBUG lines.
        debug = 10  # logging.DEBUG
        if "logging" not in sys.modules or not _log().isEnabledFor(debug):
            return
        elapsed = time.monotonic() - started
        if isinstance(outcome, (Response, CommonResponse)):
            result = f"ok request_id={outcome.request_id}"
        elif isinstance(outcome, errors.TencentCloudError):
            result = f"error code={outcome.code} request_id={outcome.request_id} status={outcome.status}"
        elif isinstance(outcome, errors.ResponseError):
            result = f"{type(outcome).__name__} status={outcome.status}"
        else:
            result = type(outcome).__name__
        then = f" retry_in={delay:.3f}s" if delay is not None else ""
        _log().debug(
            "%s.%s attempt=%d %s elapsed=%.3fs%s",
            self.settings.service,
            action,
            attempt,
            result,
            elapsed,
            then,
        )


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks for (delta seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # only an HTTP date needs it

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - now
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


class _Sleep:
    """A step of a call plan: wait this long before the next attempt."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class _NeedCredentials:
    """A step of a call plan: hand in the current credentials."""


class _Measure:
    """A step of a call plan: measure an upload's body (see ``multipart``).

    It reads any file for the first time, so the async client does it in a
    worker thread; its errors end the call before anything is sent.
    """

    def __init__(self, body: Body) -> None:
        self.body = body


_CREDENTIALS = _NeedCredentials()
_Step = Any  # _Exchange | _Sleep | _NeedCredentials | _Measure


class _Exchange:
    """A step of a call plan: send this request; ``stream`` leaves the body unread."""

    def __init__(self, request: httpx.Request, stream: bool = False) -> None:
        self.request = request
        self.stream = stream


def _call_plan(
    core: _Core, call: _Call, stream: bool = False
) -> Generator[_Step, Any, Any]:
    """One call as a generator of I/O steps, the same for both clients.

    It yields what it needs (credentials, an HTTP exchange, a pause) and gets
    the result sent back, or an exception thrown in; the sync and async
    drivers only carry the steps out. With ``stream`` an answer that is an
    event stream ends the plan unread (as ``streaming.Opened``): nothing is
    repeated once events may have been used.
    """
    body = call.body
    if isinstance(body, bytes):
        content_type = _JSON
    else:
        # Once per call: every attempt sends (and signs) the same bytes.
        yield _Measure(body)
        content_type = body.content_type
    attempt = 0
    first = time.monotonic()
    while True:
        attempt += 1
        started = time.monotonic()
        try:
            credentials = yield _CREDENTIALS
            prepared = core.prepare(call.action, body, credentials, content_type)
            response = yield _Exchange(core.request(prepared), stream)
            if stream and _opened_stream(response):
                from .streaming import Opened

                core.log(call.action, attempt, started, "stream", None)
                return Opened(response, attempt, time.monotonic() - first)
            result = core.judge(call, response)
        except errors.SDKError as error:
            delay = core.retry_delay(error, attempt, call.safe)
            core.log(call.action, attempt, started, error, delay)
            if delay is None:
                raise
            yield _Sleep(delay)
            continue
        core.log(call.action, attempt, started, result, None)
        meta = ResponseMeta(
            status=response.status_code,
            headers=response.headers,
            attempts=attempt,
            elapsed=time.monotonic() - first,
            deviations=result.meta.deviations,
        )
        if isinstance(result, CommonResponse):
            result.meta = meta
        else:
            attach_meta(result, meta)
        return result


def _opened_stream(response: httpx.Response) -> bool:
    from .streaming import is_event_stream  # only streaming actions need it

    return is_event_stream(response)


def _action_call(
    core: _Core,
    action: Action[Req, Resp],
    request: Req | None,
    fields: Mapping[str, Any],
) -> _Call:
    return _typed_call(
        action, action.start(request, fields, stacklevel=5), core.settings.strict
    )


class _Done(Exception):
    """Raised by :func:`_advance` when the plan has its result."""

    def __init__(self, result: Any) -> None:
        self.result = result


def _advance(
    plan: Generator[_Step, Any, Any], value: Any, error: BaseException | None
) -> _Step:
    """Resume a call plan with a value or an exception; its next step."""
    try:
        return plan.send(value) if error is None else plan.throw(error)
    except StopIteration as done:
        raise _Done(done.value) from None


def _transport_error(exc: httpx.TransportError, action: str) -> errors.TransportError:
    import httpx

    # Only a failure to connect proves nothing was sent; any later failure
    # may have happened after the service received the request.
    unsent = isinstance(
        exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
    )
    return errors.TransportError(
        f"{action}: {type(exc).__name__}: {exc}", sent=not unsent, action=action
    )


def _credentials_provider(
    credentials: CredentialsProvider | Credentials | None,
) -> CredentialsProvider:
    if credentials is None:
        return default_credentials()
    if isinstance(credentials, Credentials):
        return StaticCredentials(
            credentials.secret_id, credentials.secret_key, credentials.token
        )
    return credentials


def _url_and_host(url: str) -> tuple[str, str]:
    """The endpoint as sent (path ``/``) and its Host header, as httpx reads the URL."""
    plain = _PLAIN_URL.match(url)
    if plain is not None:
        scheme, host, port = plain.groups()
        if port is None:
            return f"{scheme}://{host}/", host
        if int(port) <= 65535 and int(port) != _DEFAULT_PORTS[scheme]:
            return f"{scheme}://{host}:{port}/", f"{host}:{port}"
    import httpx

    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"endpoint must be an http(s) URL, not {url!r}")
    return str(
        parsed.copy_with(path="/", query=None, fragment=None)
    ), parsed.netloc.decode("ascii")


class _Connections(Generic[HttpClient]):
    """The HTTP client of a client and its ``with_options`` copies, made at the first request."""

    def __init__(
        self, make: Callable[[], HttpClient], supplied: HttpClient | None
    ) -> None:
        self._make = make
        self.http = supplied
        self.owned = supplied is None  # the user's own client is never closed by us
        self.closed = False
        self._lock = threading.Lock()

    def get(self) -> HttpClient:
        http = self.http
        if http is None:
            with self._lock:
                if self.http is None:
                    if self.closed:
                        raise RuntimeError(
                            "Cannot send a request, as the client has been closed."
                        )
                    self.http = self._make()
                http = self.http
        return http

    def close(self) -> HttpClient | None:
        """Mark closed; the HTTP client to close, if we own one."""
        with self._lock:
            self.closed = True
            return self.http if self.owned else None


class _ClientBase:
    """Configuration shared by both clients. Generated subclasses set the ClassVars."""

    SERVICE: ClassVar[str] = ""
    VERSION: ClassVar[str] = ""
    ENDPOINT: ClassVar[str] = ""

    def __init__(
        self,
        credentials: CredentialsProvider | Credentials | None = None,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        domain_suffix: str | None = None,
        timeout: float | httpx.Timeout = _DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        language: str | None = None,
        headers: Mapping[str, str] | None = None,
        strict: bool = False,
        proxy: str | None = None,
        verify: bool | ssl.SSLContext = True,
        clock: Callable[[], float] = time.time,
        uniform: Callable[[float, float], float] | None = None,
    ) -> None:
        if verify is False:
            _log().warning(
                "TLS certificate verification is off for %s: answers can be forged",
                type(self).__name__,
            )
        self._credentials = _credentials_provider(credentials)
        service, version, default_host = self._target()
        if not endpoint and not domain_suffix:
            endpoint = os.environ.get(ENV_ENDPOINT, "").strip()
            if endpoint:
                _log().info("%s: endpoint from %s", type(self).__name__, ENV_ENDPOINT)
        if endpoint:
            url, host = _url_and_host(
                endpoint if "://" in endpoint else f"https://{endpoint}"
            )
        elif domain_suffix:
            # trtc.tencentcloudapi.com with suffix intl.tencentcloudapi.com
            # becomes trtc.intl.tencentcloudapi.com.
            url, host = _url_and_host(
                f"https://{default_host.split('.', 1)[0]}.{domain_suffix.strip('.')}"
            )
        else:
            url, host = _url_and_host(f"https://{default_host}")
        if region is None:
            region = os.environ.get(ENV_REGION, "").strip() or None
        self._core = _Core(
            _Settings(
                service=service,
                version=version,
                url=url,
                host=host,
                region=region,
                language=language,
                timeout=timeout,
                retry=retry or RetryPolicy(),
                strict=strict,
                headers=_extra_headers(headers or {}),
            ),
            clock,
            uniform,
        )
        self._proxy = proxy
        self._verify = verify

    def _target(self) -> tuple[str, str, str]:
        """Service, version and default host name."""
        return self.SERVICE, self.VERSION, self.ENDPOINT

    def with_options(
        self: Self,
        *,
        region: str | None = _KEEP,
        timeout: float | httpx.Timeout = _KEEP,
        retry: RetryPolicy = _KEEP,
        language: str | None = _KEEP,
        headers: Mapping[str, str] = _KEEP,
        strict: bool = _KEEP,
    ) -> Self:
        """A client with some settings changed, sharing connections and credentials.

        Use it for per-call settings: ``client.with_options(timeout=2).dismiss_room(...)``
        or ``client.with_options(headers={"X-TC-TraceId": trace}).describe_...(...)``.
        ``headers`` are added to those already set. Closing the copy does not
        close the shared connections.
        """
        settings = self._core.settings
        changes: dict[str, Any] = {}
        if region is not _KEEP:
            changes["region"] = region
        if timeout is not _KEEP:
            changes["timeout"] = timeout
        if retry is not _KEEP:
            changes["retry"] = retry
        if language is not _KEEP:
            changes["language"] = language
        if headers is not _KEEP:
            changes["headers"] = _extra_headers({**dict(settings.headers), **headers})
        if strict is not _KEEP:
            changes["strict"] = strict
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._core = _Core(
            msgspec.structs.replace(settings, **changes),
            self._core.clock,
            self._core.uniform,
        )
        copy._copy = True
        return copy

    _copy = False  # a with_options copy: closing it leaves the shared connections open

    @property
    def endpoint(self) -> str:
        return self._core.settings.url

    @property
    def region(self) -> str | None:
        return self._core.settings.region

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(endpoint={self.endpoint!r}, region={self.region!r})"
        )


def _extra_headers(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("extra headers must map str to str")
        if name.lower() in _OWN_HEADERS:
            raise ValueError(f"header {name!r} is set by the client itself")
        # A line break would end the header and start another one.
        if not _HEADER_NAME.match(name) or any(c in value for c in "\r\n\0"):
            raise ValueError(f"not a valid HTTP header: {name!r}")
    return tuple(sorted(headers.items()))


def _tls(
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


def _sync_http(
    url: str, proxy: str | None, verify: bool | ssl.SSLContext
) -> httpx.Client:
    import httpx

    return httpx.Client(proxy=proxy, verify=_tls(url, proxy, verify))


class BaseClient(_ClientBase):
    """Base of the generated sync clients. Safe to share between threads.

    The connections (an ``httpx.Client``) are opened at the first call.
    """

    def __init__(
        self,
        credentials: CredentialsProvider | Credentials | None = None,
        *,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **settings: Any,
    ) -> None:
        super().__init__(credentials, **settings)
        self._sleep = sleep
        url, proxy, verify = self.endpoint, self._proxy, self._verify
        self._connections: _Connections[httpx.Client] = _Connections(
            lambda: _sync_http(url, proxy, verify), http_client
        )

    def close(self) -> None:
        """Close the connections (not those of a user-supplied ``http_client``)."""
        if not self._copy:
            http = self._connections.close()
            if http is not None:
                http.close()

    def __enter__(self: Self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _invoke(
        self, action: Action[Req, Resp], request: Req | None, fields: Mapping[str, Any]
    ) -> Resp:
        result: Resp = self._run(
            _call_plan(self._core, _action_call(self._core, action, request, fields)),
            action.name,
        )
        return result

    def _run(self, plan: Generator[_Step, Any, Any], action: str) -> Any:
        """Carry out a call plan's steps with blocking I/O."""
        import httpx

        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = _advance(plan, value, error)
            except _Done as done:
                return done.result
            value, error = None, None
            if step is _CREDENTIALS:
                value = self._credentials.get_credentials()
            elif isinstance(step, _Sleep):
                self._sleep(step.seconds)
            elif isinstance(step, _Measure):
                step.body.measure()
            else:
                try:
                    value = self._connections.get().send(
                        step.request, stream=step.stream
                    )
                    if step.stream and not _opened_stream(value):
                        value.read()  # an ordinary answer: judged like any other
                        value.close()
                except httpx.TransportError as exc:
                    error = _transport_error(exc, action)
                except errors.SDKError as exc:  # an upload's file failed while sent
                    error = exc

    def _invoke_stream(
        self, action: Action[Req, Resp], request: Req | None, fields: Mapping[str, Any]
    ) -> Stream[Resp]:
        from .streaming import Stream

        plan = _call_plan(
            self._core, _action_call(self._core, action, request, fields), stream=True
        )
        answer: Opened | Resp = self._run(plan, action.name)
        return Stream(action.response, action.name, answer, self._core.settings.strict)


# Calling any action: no generated models needed.

_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_VERSION_NAME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ACTION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")


class CommonResponse(dict[str, Any]):
    """The ``Response`` object of an answer as a plain dict, ``RequestId`` included.

    ``meta`` holds the HTTP status and headers, attempts and elapsed time.
    """

    meta: ResponseMeta = ResponseMeta()

    @property
    def request_id(self) -> str:
        found = self.get("RequestId")
        return found if isinstance(found, str) else ""


def _read_common(action: str, content: bytes) -> CommonResponse | errors.SDKError:
    try:
        decoded = msgspec.json.decode(content)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        excerpt = content[:_EXCERPT].decode("utf-8", "replace")
        return errors.InvalidJSONError(
            f"response body is not valid JSON: {exc}", excerpt=excerpt
        )
    inner = decoded.get("Response") if isinstance(decoded, dict) else None
    if not isinstance(inner, dict):
        excerpt = content[:_EXCERPT].decode("utf-8", "replace")
        return errors.MissingEnvelopeError(
            "no Response object in the body", excerpt=excerpt
        )
    return error_in(inner, action) or CommonResponse(inner)


def _parse_common(action: str, content: bytes) -> CommonResponse:
    result = _read_common(action, content)
    if isinstance(result, errors.SDKError):
        raise result
    return result


def _common_error(action: str, content: bytes) -> errors.SDKError | None:
    result = _read_common(action, content)
    return result if isinstance(result, errors.TencentCloudError) else None


def _common_call(
    action: str, params: Mapping[str, Any] | Model | None, read_only: bool | None
) -> _Call:
    if not isinstance(action, str) or not _ACTION_NAME.match(action):
        raise ValueError(f"not an action name: {action!r}")
    if params is None:
        params = {}
    if isinstance(params, Model):
        token = getattr(params, "client_token", None)
    elif isinstance(params, Mapping):
        params = dict(params)
        token = params.get("ClientToken")
    else:
        raise TypeError(
            f"params must be a dict or a model, not {type(params).__name__}"
        )
    # Safe to repeat: read-only by the action-name rule unless the caller
    # says otherwise, or carrying an idempotency token.
    safe = (is_read_only(action) if read_only is None else read_only) or bool(token)
    return _Call(
        action,
        msgspec.json.encode(params),
        safe,
        lambda content: _parse_common(action, content),
        lambda content: _common_error(action, content),
    )


def _common_target(service: str, version: str) -> tuple[str, str, str]:
    if not isinstance(service, str) or not _SERVICE_NAME.match(service):
        raise ValueError(f"not a service name: {service!r}")
    if not isinstance(version, str) or not _VERSION_NAME.match(version):
        raise ValueError(f"not an API version (YYYY-MM-DD): {version!r}")
    return service, version, f"{service}.tencentcloudapi.com"


class CommonClient(BaseClient):
    """Calls any action of any service version, with plain dicts.

    ``CommonClient("cvm", "2017-03-12", region="ap-guangzhou").call("DescribeZones")``
    signs, retries and raises typed errors like a generated client; the
    answer's ``Response`` object comes back as a :class:`CommonResponse`
    dict. Takes the same keyword options as the generated clients.
    """

    def __init__(
        self,
        service: str,
        version: str,
        credentials: CredentialsProvider | Credentials | None = None,
        **options: Any,
    ) -> None:
        self._names = _common_target(service, version)
        super().__init__(credentials, **options)

    def _target(self) -> tuple[str, str, str]:
        return self._names

    def call(
        self,
        action: str,
        params: Mapping[str, Any] | Model | None = None,
        *,
        read_only: bool | None = None,
    ) -> CommonResponse:
        """Call ``action`` with ``params`` (wire names, e.g. ``{"Limit": 10}``, or a request model).

        ``read_only`` overrides the action-name rule (``Describe*``, ``Get*``,
        ``List*``, ...) that decides whether a failed call may be repeated.
        """
        result: CommonResponse = self._run(
            _call_plan(self._core, _common_call(action, params, read_only)), action
        )
        return result

    def __repr__(self) -> str:
        service, version, _ = self._names
        return f"CommonClient({service!r}, {version!r}, endpoint={self.endpoint!r}, region={self.region!r})"
