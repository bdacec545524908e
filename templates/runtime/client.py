"""The machinery behind every generated client, sync and async.

Everything that is not I/O lives in :class:`_Core`: building and signing a
request, reading the answer, deciding whether to try again. The sync and
async clients only run the loop around it, so they cannot behave differently.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import random
import re
import ssl
import time
import uuid
import warnings
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Generic, TypeVar

import httpx
import msgspec

from . import errors, multipart
from .streaming import AsyncStream, Opened, Stream, is_event_stream
from .credentials import Credentials, CredentialsProvider, StaticCredentials, default_credentials
from .model import Model, Request, Response, ResponseMeta, attach_meta, envelope_error, error_in, parse_envelope
from .retry import RetryPolicy, is_read_only, is_throttling
from .signing import sign

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
    "ENV_REGION",
]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
ENV_REGION = "TENCENTCLOUD_REGION"
_EXCERPT = 200
_JSON = "application/json"
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
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
HttpClient = TypeVar("HttpClient", httpx.Client, httpx.AsyncClient)
Self = TypeVar("Self", bound="_ClientBase[Any]")


@dataclass(frozen=True)
class Action(Generic[Req, Resp]):
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
            raise TypeError(f"pass either a {self.request.__name__} or keyword arguments, not both")
        elif not isinstance(request, self.request):
            raise TypeError(f"expected {self.request.__name__}, got {type(request).__name__}")
        token = self.idempotency_attribute
        if token and getattr(request, token, None) is None:
            # A copy: the caller's request object is left as it was.
            request = msgspec.structs.replace(request, **{token: str(uuid.uuid4())})
        return request

    def start(self, request: Req | None, fields: Mapping[str, Any], stacklevel: int) -> Req:
        """:meth:`build`, then a warning at the user's line when the service deprecates the action."""
        built = self.build(request, fields)
        if self.deprecated:
            warnings.warn(f"{self.name} is deprecated by the service", DeprecationWarning, stacklevel=stacklevel)
        return built

    def encode(self, request: Req) -> tuple[bytes, str]:
        """The request body and its Content-Type."""
        if self.binary_fields:
            return multipart.encode(request, self.binary_fields)
        return msgspec.json.encode(request), _JSON

    def safe_to_repeat(self, request: Req) -> bool:
        if self.read_only:
            return True
        return bool(self.idempotency_attribute and getattr(request, self.idempotency_attribute, None))


class _Keep:
    """Marker for "leave this setting as it is" in ``with_options``."""


_KEEP: Any = _Keep()


@dataclass(frozen=True)
class _Settings:
    service: str
    version: str
    url: str
    host: str
    region: str | None
    language: str | None
    timeout: httpx.Timeout
    retry: RetryPolicy
    strict: bool = False
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Call:
    """One call as the plan sees it, typed (an Action) or not (CommonClient)."""

    action: str
    body: bytes
    content_type: str
    safe: bool
    parse: Callable[[bytes], Any]  # a 200 body -> the result, or raises SDKError
    error_of: Callable[[bytes], errors.SDKError | None]  # the error in a non-200 body


def _typed_call(action: Action[Req, Resp], request: Req, strict: bool) -> _Call:
    body, content_type = action.encode(request)
    cls = action.response
    return _Call(
        action.name,
        body,
        content_type,
        action.safe_to_repeat(request),
        lambda content: parse_envelope(cls, content, strict=strict),
        lambda content: envelope_error(cls, content),
    )


class _Core:
    """Builds, signs and judges requests; shared by the sync and async loops."""

    def __init__(
        self, settings: _Settings, clock: Callable[[], float], uniform: Callable[[float, float], float]
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.uniform = uniform

    def prepare(
        self, action: str, body: bytes, credentials: Credentials, content_type: str = _JSON
    ) -> httpx.Request:
        settings = self.settings
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
        headers["Authorization"] = sign(
            secret_id=credentials.secret_id,
            secret_key=credentials.secret_key,
            service=settings.service,
            timestamp=timestamp,
            body=body,
            headers=headers,
        ).authorization
        # Extra headers are not signed (only content-type and host are).
        headers.update(settings.headers)
        return httpx.Request(
            "POST", settings.url, headers=headers, content=body, extensions={"timeout": settings.timeout.as_dict()}
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
                    f"HTTP {status} from {call.action}", excerpt=content[:_EXCERPT].decode("utf-8", "replace")
                )
            return call.parse(content)
        except (errors.ResponseError, errors.TencentCloudError) as exc:
            exc.status = status
            exc.headers = response.headers
            raise

    def retry_delay(self, error: errors.SDKError, attempt: int, safe: bool) -> float | None:
        """Seconds to wait before trying again, or None to give up."""
        policy = self.settings.retry
        if attempt >= policy.max_attempts:
            return None
        throttled = False
        if isinstance(error, errors.TencentCloudError):
            throttled = again = policy.retry_throttling and is_throttling(error.code)
        elif isinstance(error, errors.TransportError):
            again = policy.retry_unsent if not error.sent else policy.retry_when_safe and safe
        elif isinstance(error, errors.HTTPStatusError):
            # 429: the service refused the request without acting on it.
            throttled = error.status == 429 and policy.retry_throttling
            again = throttled or (error.status >= 500 and policy.retry_when_safe and safe)
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

    def log(self, action: str, attempt: int, started: float, outcome: object, delay: float | None) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
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
        logger.debug(
            "%s.%s attempt=%d %s elapsed=%.3fs%s", self.settings.service, action, attempt, result, elapsed, then
        )


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds a Retry-After header asks for (delta seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
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


_CREDENTIALS = _NeedCredentials()
_Step = Any  # httpx.Request | _Sleep | _NeedCredentials


class _Exchange:
    """A step of a call plan: send this request; ``stream`` leaves the body unread."""

    def __init__(self, request: httpx.Request, stream: bool = False) -> None:
        self.request = request
        self.stream = stream


def _call_plan(core: _Core, call: _Call, stream: bool = False) -> Generator[_Step, Any, Any]:
    """One call as a generator of I/O steps, the same for both clients.

    It yields what it needs (credentials, an HTTP exchange, a pause) and gets
    the result sent back, or an exception thrown in; the sync and async
    drivers below only carry the steps out. With ``stream`` an answer that
    is an event stream ends the plan unread (as :class:`Opened`): nothing is
    repeated once events may have been used.
    """
    attempt = 0
    first = time.monotonic()
    while True:
        attempt += 1
        started = time.monotonic()
        try:
            credentials = yield _CREDENTIALS
            response = yield _Exchange(core.prepare(call.action, call.body, credentials, call.content_type), stream)
            if stream and is_event_stream(response):
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


def _action_call(core: _Core, action: Action[Req, Resp], request: Req | None, fields: Mapping[str, Any]) -> _Call:
    return _typed_call(action, action.start(request, fields, stacklevel=5), core.settings.strict)


class _Done(Exception):
    """Raised by :func:`_advance` when the plan has its result."""

    def __init__(self, result: Any) -> None:
        self.result = result


def _advance(plan: Generator[_Step, Any, Any], value: Any, error: BaseException | None) -> _Step:
    """Resume a call plan with a value or an exception; its next step."""
    try:
        return plan.send(value) if error is None else plan.throw(error)
    except StopIteration as done:
        raise _Done(done.value) from None


def _transport_error(exc: httpx.TransportError, action: str) -> errors.TransportError:
    # Only a failure to connect proves nothing was sent; any later failure
    # may have happened after the service received the request.
    unsent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
    return errors.TransportError(f"{action}: {type(exc).__name__}: {exc}", sent=not unsent, action=action)


def _credentials_provider(credentials: CredentialsProvider | Credentials | None) -> CredentialsProvider:
    if credentials is None:
        return default_credentials()
    if isinstance(credentials, Credentials):
        return StaticCredentials(credentials.secret_id, credentials.secret_key, credentials.token)
    return credentials


class _ClientBase(Generic[HttpClient]):
    """Configuration shared by both clients. Generated subclasses set the ClassVars."""

    SERVICE: ClassVar[str] = ""
    VERSION: ClassVar[str] = ""
    ENDPOINT: ClassVar[str] = ""

    _http: HttpClient

    def __init__(
        self,
        credentials: CredentialsProvider | Credentials | None = None,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        domain_suffix: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        language: str | None = None,
        headers: Mapping[str, str] | None = None,
        strict: bool = False,
        proxy: str | None = None,
        verify: bool | ssl.SSLContext = True,
        clock: Callable[[], float] = time.time,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> None:
        if verify is False:
            logger.warning("TLS certificate verification is off for %s: answers can be forged", type(self).__name__)
        self._credentials = _credentials_provider(credentials)
        service, version, default_host = self._target()
        if endpoint:
            url = endpoint if "://" in endpoint else f"https://{endpoint}"
        elif domain_suffix:
            # trtc.tencentcloudapi.com with suffix intl.tencentcloudapi.com
            # becomes trtc.intl.tencentcloudapi.com.
            url = f"https://{default_host.split('.', 1)[0]}.{domain_suffix.strip('.')}"
        else:
            url = f"https://{default_host}"
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(f"endpoint must be an http(s) URL, not {url!r}")
        if region is None:
            region = os.environ.get(ENV_REGION, "").strip() or None
        self._core = _Core(
            _Settings(
                service=service,
                version=version,
                url=str(parsed.copy_with(path="/", query=None, fragment=None)),
                host=parsed.netloc.decode("ascii"),
                region=region,
                language=language,
                timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
                retry=retry or RetryPolicy(),
                strict=strict,
                headers=_extra_headers(headers or {}),
            ),
            clock,
            uniform,
        )
        self._proxy = proxy
        self._verify = verify
        self._owns_http = True

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
            changes["timeout"] = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
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
        copy._core = _Core(replace(settings, **changes), self._core.clock, self._core.uniform)
        copy._owns_http = False
        return copy

    def _connections(self, supplied: HttpClient | None, factory: Callable[..., HttpClient]) -> HttpClient:
        """The user's HTTP client (never closed by us), or a new one we own."""
        if supplied is not None:
            self._owns_http = False
            return supplied
        return factory(proxy=self._proxy, verify=self._verify)

    @property
    def endpoint(self) -> str:
        return self._core.settings.url

    @property
    def region(self) -> str | None:
        return self._core.settings.region

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.endpoint!r}, region={self.region!r})"


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


class BaseClient(_ClientBase[httpx.Client]):
    """Base of the generated sync clients. Safe to share between threads."""

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
        self._http = self._connections(http_client, httpx.Client)

    def close(self) -> None:
        """Close the connections (not those of a user-supplied ``http_client``)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self: Self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _invoke(self, action: Action[Req, Resp], request: Req | None, fields: Mapping[str, Any]) -> Resp:
        result: Resp = self._run(_call_plan(self._core, _action_call(self._core, action, request, fields)), action.name)
        return result

    def _run(self, plan: Generator[_Step, Any, Any], action: str) -> Any:
        """Carry out a call plan's steps with blocking I/O."""
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
            else:
                try:
                    value = self._http.send(step.request, stream=step.stream)
                    if step.stream and not is_event_stream(value):
                        value.read()  # an ordinary answer: judged like any other
                        value.close()
                except httpx.TransportError as exc:
                    error = _transport_error(exc, action)

    def _invoke_stream(self, action: Action[Req, Resp], request: Req | None, fields: Mapping[str, Any]) -> Stream[Resp]:
        plan = _call_plan(self._core, _action_call(self._core, action, request, fields), stream=True)
        return Stream(action.response, action.name, self._run(plan, action.name), self._core.settings.strict)


class AsyncBaseClient(_ClientBase[httpx.AsyncClient]):
    """Base of the generated async clients. Safe to share between tasks."""

    def __init__(
        self,
        credentials: CredentialsProvider | Credentials | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **settings: Any,
    ) -> None:
        super().__init__(credentials, **settings)
        self._sleep = sleep
        self._http = self._connections(http_client, httpx.AsyncClient)

    async def aclose(self) -> None:
        """Close the connections (not those of a user-supplied ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self: Self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _credentials_now(self) -> Credentials:
        # A provider that may do I/O must not block the event loop: use its
        # async form when it has one, else run it in a worker thread.
        provider: Any = self._credentials
        getter = getattr(provider, "get_credentials_async", None)
        if getter is not None:
            result: Credentials = await getter()
            return result
        return await asyncio.to_thread(self._credentials.get_credentials)

    async def _invoke(self, action: Action[Req, Resp], request: Req | None, fields: Mapping[str, Any]) -> Resp:
        plan = _call_plan(self._core, _action_call(self._core, action, request, fields))
        result: Resp = await self._run(plan, action.name)
        return result

    async def _run(self, plan: Generator[_Step, Any, Any], action: str) -> Any:
        """Carry out a call plan's steps without blocking the event loop."""
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = _advance(plan, value, error)
            except _Done as done:
                return done.result
            value, error = None, None
            if step is _CREDENTIALS:
                value = await self._credentials_now()
            elif isinstance(step, _Sleep):
                await self._sleep(step.seconds)
            else:
                try:
                    value = await self._http.send(step.request, stream=step.stream)
                    if step.stream and not is_event_stream(value):
                        await value.aread()  # an ordinary answer: judged like any other
                        await value.aclose()
                except httpx.TransportError as exc:
                    error = _transport_error(exc, action)

    def _open_stream(
        self, action: Action[Req, Resp], request: Req | None, fields: Mapping[str, Any]
    ) -> AsyncStream[Resp]:
        # Built now (so bad arguments fail at the call), sent on entering the stream.
        call = _action_call(self._core, action, request, fields)
        core = self._core

        async def open() -> Any:
            return await self._run(_call_plan(core, call, stream=True), action.name)

        return AsyncStream(action.response, action.name, open, core.settings.strict)


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
        return errors.InvalidJSONError(f"response body is not valid JSON: {exc}", excerpt=excerpt)
    inner = decoded.get("Response") if isinstance(decoded, dict) else None
    if not isinstance(inner, dict):
        excerpt = content[:_EXCERPT].decode("utf-8", "replace")
        return errors.MissingEnvelopeError("no Response object in the body", excerpt=excerpt)
    return error_in(inner, action) or CommonResponse(inner)


def _parse_common(action: str, content: bytes) -> CommonResponse:
    result = _read_common(action, content)
    if isinstance(result, errors.SDKError):
        raise result
    return result


def _common_error(action: str, content: bytes) -> errors.SDKError | None:
    result = _read_common(action, content)
    return result if isinstance(result, errors.TencentCloudError) else None


def _common_call(action: str, params: Mapping[str, Any] | Model | None, read_only: bool | None) -> _Call:
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
        raise TypeError(f"params must be a dict or a model, not {type(params).__name__}")
    # Safe to repeat: read-only by the action-name rule unless the caller
    # says otherwise, or carrying an idempotency token.
    safe = (is_read_only(action) if read_only is None else read_only) or bool(token)
    return _Call(
        action,
        msgspec.json.encode(params),
        _JSON,
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
        self, service: str, version: str, credentials: CredentialsProvider | Credentials | None = None, **options: Any
    ) -> None:
        self._names = _common_target(service, version)
        super().__init__(credentials, **options)

    def _target(self) -> tuple[str, str, str]:
        return self._names

    def call(
        self, action: str, params: Mapping[str, Any] | Model | None = None, *, read_only: bool | None = None
    ) -> CommonResponse:
        """Call ``action`` with ``params`` (wire names, e.g. ``{"Limit": 10}``, or a request model).

        ``read_only`` overrides the action-name rule (``Describe*``, ``Get*``,
        ``List*``, ...) that decides whether a failed call may be repeated.
        """
        result: CommonResponse = self._run(_call_plan(self._core, _common_call(action, params, read_only)), action)
        return result

    def __repr__(self) -> str:
        service, version, _ = self._names
        return f"CommonClient({service!r}, {version!r}, endpoint={self.endpoint!r}, region={self.region!r})"


class AsyncCommonClient(AsyncBaseClient):
    """The asynchronous :class:`CommonClient`: ``await client.call(action, params)``."""

    def __init__(
        self, service: str, version: str, credentials: CredentialsProvider | Credentials | None = None, **options: Any
    ) -> None:
        self._names = _common_target(service, version)
        super().__init__(credentials, **options)

    def _target(self) -> tuple[str, str, str]:
        return self._names

    async def call(
        self, action: str, params: Mapping[str, Any] | Model | None = None, *, read_only: bool | None = None
    ) -> CommonResponse:
        """Call ``action`` with ``params``; see :meth:`CommonClient.call`."""
        plan = _call_plan(self._core, _common_call(action, params, read_only))
        result: CommonResponse = await self._run(plan, action)
        return result

    def __repr__(self) -> str:
        service, version, _ = self._names
        return f"AsyncCommonClient({service!r}, {version!r}, endpoint={self.endpoint!r}, region={self.region!r})"
