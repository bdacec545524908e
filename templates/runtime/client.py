"""The machinery behind every generated client, sync and async.

Everything that is not I/O lives in :class:`_Core`: building and signing a
request, reading the answer, deciding whether to try again. The sync and
async clients only run the loop around it, so they cannot behave differently.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import time
import warnings
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Generic, TypeVar

import httpx
import msgspec

from . import errors
from .credentials import Credentials, CredentialsProvider, StaticCredentials, default_credentials
from .model import Request, Response, envelope_error, parse_envelope
from .retry import RetryPolicy, is_throttling
from .signing import sign

__all__ = ["Action", "BaseClient", "AsyncBaseClient", "DEFAULT_TIMEOUT"]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
_EXCERPT = 200

Req = TypeVar("Req", bound=Request)
Resp = TypeVar("Resp", bound=Response)
HttpClient = TypeVar("HttpClient", httpx.Client, httpx.AsyncClient)
Self = TypeVar("Self", bound="_ClientBase[Any]")


@dataclass(frozen=True)
class Action(Generic[Req, Resp]):
    """What the runtime needs to know about one action; generated per action.

    ``read_only`` and ``idempotency_attribute`` decide whether a call that
    may have reached the service can be repeated (see ``retry``).
    """

    name: str
    request: type[Req]
    response: type[Resp]
    read_only: bool = False
    idempotency_attribute: str = ""
    deprecated: bool = False

    def build(self, request: Req | None, fields: Mapping[str, Any]) -> Req:
        if request is None:
            return self.request(**fields)
        if fields:
            raise TypeError(f"pass either a {self.request.__name__} or keyword arguments, not both")
        if not isinstance(request, self.request):
            raise TypeError(f"expected {self.request.__name__}, got {type(request).__name__}")
        return request

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


class _Core:
    """Builds, signs and judges requests; shared by the sync and async loops."""

    def __init__(
        self, settings: _Settings, clock: Callable[[], float], uniform: Callable[[float, float], float]
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.uniform = uniform

    def prepare(self, action: Action[Any, Any], body: bytes, credentials: Credentials) -> httpx.Request:
        settings = self.settings
        timestamp = int(self.clock())
        headers = {
            "Content-Type": "application/json",
            "Host": settings.host,
            "X-TC-Action": action.name,
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
        return httpx.Request(
            "POST", settings.url, headers=headers, content=body, extensions={"timeout": settings.timeout.as_dict()}
        )

    def judge(self, action: Action[Any, Resp], response: httpx.Response) -> Resp:
        """The typed response, or the exception the answer stands for."""
        content = response.content
        status = response.status_code
        try:
            if status != 200:
                error = envelope_error(action.response, content)
                if error is not None:
                    raise error
                raise errors.HTTPStatusError(
                    f"HTTP {status} from {action.name}", excerpt=content[:_EXCERPT].decode("utf-8", "replace")
                )
            return parse_envelope(action.response, content)
        except errors.ResponseError as exc:
            exc.status = status
            raise
        except errors.TencentCloudError as exc:
            exc.status = status
            raise

    def retry_delay(self, error: errors.SDKError, attempt: int, safe: bool) -> float | None:
        """Seconds to wait before trying again, or None to give up."""
        policy = self.settings.retry
        if attempt >= policy.max_attempts:
            return None
        if isinstance(error, errors.TencentCloudError):
            again = policy.retry_throttling and is_throttling(error.code)
        elif isinstance(error, errors.TransportError):
            again = policy.retry_unsent if not error.sent else policy.retry_when_safe and safe
        elif isinstance(error, errors.HTTPStatusError):
            again = error.status >= 500 and policy.retry_when_safe and safe
        else:
            again = False
        return policy.delay(attempt, self.uniform) if again else None

    def log(self, action: Action[Any, Any], attempt: int, started: float, outcome: object, delay: float | None) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        elapsed = time.monotonic() - started
        if isinstance(outcome, Response):
            result = f"ok request_id={outcome.request_id}"
        elif isinstance(outcome, errors.TencentCloudError):
            result = f"error code={outcome.code} request_id={outcome.request_id} status={outcome.status}"
        elif isinstance(outcome, errors.ResponseError):
            result = f"{type(outcome).__name__} status={outcome.status}"
        else:
            result = type(outcome).__name__
        then = f" retry_in={delay:.3f}s" if delay is not None else ""
        logger.debug(
            "%s.%s attempt=%d %s elapsed=%.3fs%s", self.settings.service, action.name, attempt, result, elapsed, then
        )


class _Sleep:
    """A step of a call plan: wait this long before the next attempt."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class _NeedCredentials:
    """A step of a call plan: hand in the current credentials."""


_CREDENTIALS = _NeedCredentials()
_Step = Any  # httpx.Request | _Sleep | _NeedCredentials


def _call_plan(core: _Core, action: Action[Req, Resp], request: Req | None, fields: Mapping[str, Any]) -> Generator[_Step, Any, Resp]:
    """One call as a generator of I/O steps, the same for both clients.

    It yields what it needs (credentials, an HTTP exchange, a pause) and gets
    the result sent back, or an exception thrown in; the sync and async
    drivers below only carry the steps out.
    """
    built = action.build(request, fields)
    if action.deprecated:
        warnings.warn(f"{action.name} is deprecated by the service", DeprecationWarning, stacklevel=4)
    body = msgspec.json.encode(built)
    safe = action.safe_to_repeat(built)
    attempt = 0
    while True:
        attempt += 1
        started = time.monotonic()
        try:
            credentials = yield _CREDENTIALS
            response = yield core.prepare(action, body, credentials)
            result = core.judge(action, response)
        except errors.SDKError as error:
            delay = core.retry_delay(error, attempt, safe)
            core.log(action, attempt, started, error, delay)
            if delay is None:
                raise
            yield _Sleep(delay)
            continue
        core.log(action, attempt, started, result, None)
        return result


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
        proxy: str | None = None,
        verify: bool | ssl.SSLContext = True,
        clock: Callable[[], float] = time.time,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> None:
        if verify is False:
            logger.warning("TLS certificate verification is off for %s: answers can be forged", type(self).__name__)
        self._credentials = _credentials_provider(credentials)
        if endpoint:
            url = endpoint if "://" in endpoint else f"https://{endpoint}"
        elif domain_suffix:
            # trtc.tencentcloudapi.com with suffix intl.tencentcloudapi.com
            # becomes trtc.intl.tencentcloudapi.com.
            url = f"https://{self.ENDPOINT.split('.', 1)[0]}.{domain_suffix.strip('.')}"
        else:
            url = f"https://{self.ENDPOINT}"
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(f"endpoint must be an http(s) URL, not {url!r}")
        self._core = _Core(
            _Settings(
                service=self.SERVICE,
                version=self.VERSION,
                url=str(parsed.copy_with(path="/", query=None, fragment=None)),
                host=parsed.netloc.decode("ascii"),
                region=region,
                language=language,
                timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
                retry=retry or RetryPolicy(),
            ),
            clock,
            uniform,
        )
        self._proxy = proxy
        self._verify = verify
        self._owns_http = True

    def with_options(
        self: Self,
        *,
        region: str | None = _KEEP,
        timeout: float | httpx.Timeout = _KEEP,
        retry: RetryPolicy = _KEEP,
        language: str | None = _KEEP,
    ) -> Self:
        """A client with some settings changed, sharing connections and credentials.

        Use it for per-call settings: ``client.with_options(timeout=2).dismiss_room(...)``.
        Closing the copy does not close the shared connections.
        """
        changes: dict[str, Any] = {}
        if region is not _KEEP:
            changes["region"] = region
        if timeout is not _KEEP:
            changes["timeout"] = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        if retry is not _KEEP:
            changes["retry"] = retry
        if language is not _KEEP:
            changes["language"] = language
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._core = _Core(replace(self._core.settings, **changes), self._core.clock, self._core.uniform)
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
        plan = _call_plan(self._core, action, request, fields)
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = _advance(plan, value, error)
            except _Done as done:
                result: Resp = done.result
                return result
            value, error = None, None
            if step is _CREDENTIALS:
                value = self._credentials.get_credentials()
            elif isinstance(step, _Sleep):
                self._sleep(step.seconds)
            else:
                try:
                    value = self._http.send(step)
                except httpx.TransportError as exc:
                    error = _transport_error(exc, action.name)


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
        provider: Any = self._credentials
        if hasattr(provider, "get_credentials_async"):
            result: Credentials = await provider.get_credentials_async()
            return result
        return self._credentials.get_credentials()

    async def _invoke(self, action: Action[Req, Resp], request: Req | None, fields: Mapping[str, Any]) -> Resp:
        plan = _call_plan(self._core, action, request, fields)
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = _advance(plan, value, error)
            except _Done as done:
                result: Resp = done.result
                return result
            value, error = None, None
            if step is _CREDENTIALS:
                value = await self._credentials_now()
            elif isinstance(step, _Sleep):
                await self._sleep(step.seconds)
            else:
                try:
                    value = await self._http.send(step)
                except httpx.TransportError as exc:
                    error = _transport_error(exc, action.name)
