"""How a client is put together: its options, connections and transport.

:class:`ClientBase` reads the options both clients take (credentials,
region, endpoint, timeout, retry, headers, TLS...), checks them with the
rules of ``wire`` and keeps them in an ``attempt.Core``; ``with_options`` makes a
copy sharing the connections. :class:`Connections` opens the transport at
the first request and also holds the testing seam (``set_responder``). The
helpers below choose the sync transport (``sync_http``, or ``httpx_http``
when httpx is asked for or needed), give each attempt its URL and timeouts,
and turn a transport's failure into the SDK's ``TransportError``.

The runtime's internal API, for the drivers ``client`` and ``aio`` and the
generic client: every name here without an underscore. The lowest module of
layer 5: it may use layers 0-4 (``wire``, ``retry``, ``exceptions``,
``credentials``, ``plan``, ``transport``), and the transports (``sync_http``,
``httpx_http``) lazily.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

import msgspec

from . import exceptions, wire
from .attempt import Core, Prepared, Settings, log, log_from_environment
from .calls import Responder
from .credentials import (
    Credentials,
    CredentialsProvider,
    StaticCredentials,
    default_credentials,
)
from .retry import RetryPolicy

if TYPE_CHECKING:
    import ssl

    import httpx

    from .failover import Failover
    from .transport import Failure, SyncTransport, Timeouts

__all__ = [
    "ENV_REGION",
    "ENV_ENDPOINT",
    "DEFAULT_TIMEOUT_TUPLE",
    "ClientBase",
    "Connections",
    "ENV_TRANSPORT",
    "TRANSPORTS",
    "timeouts",
    "failed",
    "transport_choice",
    "sync_transport",
    "unreachable",
]

ENV_REGION = "TENCENTCLOUD_REGION"
# Every client's endpoint when ``endpoint=`` is not given: points a whole
# program at a test server (``common.fake_server``) or a private gateway.
ENV_ENDPOINT = "TENCENTCLOUD_ENDPOINT"
# The sync clients' transport when ``transport=`` is not given: "stdlib"
# (the default) or "httpx", for a whole program without changing its code.
ENV_TRANSPORT = "TENCENTCLOUD_SDK_TRANSPORT"
TRANSPORTS = ("stdlib", "httpx")
# The default timeout (30 s, 5 s to connect) as the 4-tuple httpx also
# reads (connect, read, write, pool), so that it needs no httpx.
DEFAULT_TIMEOUT_TUPLE: Any = (5.0, 30.0, 30.0, 30.0)

HttpClient = TypeVar("HttpClient")


class _Keep:
    """Marker for "leave this setting as it is" in ``with_options``."""


_KEEP: Any = _Keep()


class Connections(Generic[HttpClient]):
    """What a client and its ``with_options`` copies share: the HTTP client,
    made at the first request, and the responder answering instead while one
    is set (the testing seam)."""

    def __init__(
        self, make: Callable[[], HttpClient], supplied: HttpClient | None
    ) -> None:
        self._make = make
        self.http = supplied
        self.owned = supplied is None  # the user's own client is never closed by us
        self.closed = False
        self.responder: Responder | None = None
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


class ClientBase:
    """Configuration shared by both clients. Generated subclasses set the ClassVars."""

    SERVICE: ClassVar[str] = ""
    VERSION: ClassVar[str] = ""
    ENDPOINT: ClassVar[str] = ""

    _connections: Connections[Any]

    def __init__(
        self,
        credentials: CredentialsProvider | Credentials | None = None,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        domain_suffix: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT_TUPLE,
        retry: RetryPolicy | None = None,
        language: str | None = None,
        headers: Mapping[str, str] | None = None,
        strict: bool = False,
        keep_raw: bool = True,
        proxy: str | None = None,
        verify: bool | ssl.SSLContext = True,
        clock: Callable[[], float] = time.time,
        uniform: Callable[[float, float], float] | None = None,
        deadline: float | None = None,
        interceptors: Sequence[object] = (),
        tracing: Any = None,
        failover: Failover | None = None,
    ) -> None:
        log_from_environment()
        service, version, default_host = self._target()
        if not endpoint and not domain_suffix:
            endpoint = os.environ.get(ENV_ENDPOINT, "").strip()
            if endpoint:
                log().info("%s: endpoint from %s", type(self).__name__, ENV_ENDPOINT)
        # Every setting is checked before anything else happens (credentials
        # included): a refused one is a ValueError here, never a failed send.
        # Whether the user chose the endpoint (failover then needs a backup URL).
        self._own_endpoint = bool(endpoint or domain_suffix)
        if endpoint:
            url, host = wire.endpoint_for(endpoint)
        elif domain_suffix:
            url, host = wire.host_suffix(default_host, domain_suffix)
        else:
            url, host = wire.parse_endpoint(f"https://{default_host}")
        if region is None:
            region = os.environ.get(ENV_REGION, "").strip() or None
        _timeouts(timeout)  # a timeout that cannot be read fails here
        settings = Settings(
            service=service,
            version=version,
            url=url,
            host=host,
            region=_header_setting("region", region),
            language=_header_setting("language", language),
            timeout=timeout,
            retry=retry or RetryPolicy(),
            strict=strict,
            headers=wire.extra_headers(headers or {}),
            keep_raw=keep_raw,
            deadline=_seconds(deadline),
            interceptors=_interceptors(interceptors),
            tracing=_tracing(tracing),
            failover=self._failover(failover, url),
        )
        _check_verify(verify)
        if verify is False:
            log().warning(
                "TLS certificate verification is off for %s: answers can be forged",
                type(self).__name__,
            )
        self._credentials = _credentials_provider(credentials)
        self._core = Core(settings, clock, uniform)
        self._proxy = proxy
        self._verify = verify

    def _failover(
        self, options: Failover | None, url: str
    ) -> tuple[Failover, str, str] | None:
        """Region failover's settings: the options and the backup's URL and host."""
        if options is None:
            return None
        from .failover import Failover, backup_target  # only when it is asked for

        if not isinstance(options, Failover):
            raise TypeError(
                f"failover must be a Failover or None, not {type(options).__name__}"
            )
        backup = backup_target(options, self._target()[2], url, self._own_endpoint)
        return (options, *backup)

    def _target(self) -> tuple[str, str, str]:
        """Service, version and default host name."""
        return self.SERVICE, self.VERSION, self.ENDPOINT

    def with_options(
        self,
        *,
        region: str | None = _KEEP,
        timeout: float | httpx.Timeout = _KEEP,
        retry: RetryPolicy = _KEEP,
        language: str | None = _KEEP,
        headers: Mapping[str, str] = _KEEP,
        strict: bool = _KEEP,
        keep_raw: bool = _KEEP,
        deadline: float | None = _KEEP,
        interceptors: Sequence[object] = _KEEP,
        tracing: Any = _KEEP,
        failover: Failover | None = _KEEP,
    ) -> Self:
        """A client with some settings changed, sharing connections and credentials.

        Use it for per-call settings: ``client.with_options(timeout=2).dismiss_room(...)``
        or ``client.with_options(headers={"X-TC-TraceId": trace}).describe_...(...)``.
        ``headers`` are added to those already set; ``interceptors`` replace
        the list (``[*old, new]`` to add one: the list is ``interceptors``);
        ``tracing`` turns OpenTelemetry on or off (see ``telemetry``).
        Copies keep the client's failover breaker; ``failover=None`` turns
        failover off for the copy, another ``Failover`` gives it its own.
        Closing the copy does not close the shared connections.
        """
        settings = self._core.settings
        changes: dict[str, Any] = {}
        if region is not _KEEP:
            changes["region"] = _header_setting("region", region)
        if timeout is not _KEEP:
            _timeouts(timeout)
            changes["timeout"] = timeout
        if retry is not _KEEP:
            changes["retry"] = retry
        if language is not _KEEP:
            changes["language"] = _header_setting("language", language)
        if headers is not _KEEP:
            changes["headers"] = wire.extra_headers(
                {**dict(settings.headers), **headers}
            )
        if strict is not _KEEP:
            changes["strict"] = strict
        if keep_raw is not _KEEP:
            changes["keep_raw"] = keep_raw
        if deadline is not _KEEP:
            changes["deadline"] = _seconds(deadline)
        if interceptors is not _KEEP:
            changes["interceptors"] = _interceptors(interceptors)
        if tracing is not _KEEP:
            changes["tracing"] = _tracing(tracing)
        if failover is not _KEEP:
            changes["failover"] = self._failover(failover, settings.url)
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._core = Core(
            msgspec.structs.replace(settings, **changes),
            self._core.clock,
            self._core.uniform,
            self._core.shared,
        )
        copy._copy = True
        return copy

    _copy = False  # a with_options copy: closing it leaves the shared connections open

    def set_responder(self, responder: Responder | None) -> None:
        """Answer this client's calls (and its copies') with ``responder``, or stop (None).

        The testing seam (``plan.Responder``; ``testing.Stubber`` uses it):
        while set, nothing is signed or sent.
        """
        self._connections.responder = responder

    @property
    def endpoint(self) -> str:
        return self._core.settings.url

    @property
    def region(self) -> str | None:
        return self._core.settings.region

    @property
    def failover_state(self) -> str | None:
        """The region breaker's state (closed, open, half-open); None when failover is off."""
        breaker = self._core.breaker
        return None if breaker is None else str(breaker.state)

    @property
    def interceptors(self) -> tuple[object, ...]:
        """The interceptors every call of this client goes through, in order."""
        return self._core.settings.interceptors

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(endpoint={self.endpoint!r}, region={self.region!r})"
        )


def _seconds(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    from .deadlines import check_seconds  # only clients with a deadline need it

    return check_seconds("deadline", deadline)


def _interceptors(interceptors: Sequence[object]) -> tuple[object, ...]:
    if isinstance(interceptors, (str, bytes)) or not isinstance(interceptors, Sequence):
        raise TypeError("interceptors must be a list of objects")
    return tuple(interceptors)


def _tracing(tracing: Any) -> Any:
    if tracing is None or isinstance(tracing, bool):
        return tracing
    from .telemetry import check_option  # a provider given: OpenTelemetry is in use

    return check_option(tracing)


def _header_setting(what: str, value: str | None) -> str | None:
    return None if value is None else wire.header_value(what, value)


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


def _check_verify(verify: object) -> None:
    """Only ``False`` turns verification off: a ``None`` or a path passed on
    from elsewhere must not do so silently."""
    if isinstance(verify, bool):
        return
    import ssl  # only when something else is given: ssl loads with the first https call

    if not isinstance(verify, ssl.SSLContext):
        raise TypeError(
            "verify takes True, False or an ssl.SSLContext (for a CA file: "
            f"ssl.create_default_context(cafile=...)), not {type(verify).__name__}"
        )


def _timeouts(timeout: Any) -> Timeouts:
    from .transport import Timeouts  # with the first client, not the import

    return Timeouts.of(timeout)


def timeouts(core: Core, prepared: Prepared) -> tuple[str, Timeouts]:
    """Where an attempt goes and its timeouts, capped by the deadline's time left."""
    target = core.http_target
    if target is None:  # the client's timeout, read at its first request
        target = core.http_target = _timeouts(core.settings.timeout)
    return prepared.url or core.settings.url, target.capped(prepared.timeout)


def failed(exc: Failure, action: str) -> exceptions.TransportError:
    """The SDK's TransportError for a transport's failure."""
    return exceptions.TransportError(
        f"{action}: {exc.kind}: {exc}", sent=exc.sent, action=action
    )


def transport_choice(transport: str | None, http_client: object) -> str:
    """ "stdlib" (the default) or "httpx": the option, else ``TENCENTCLOUD_SDK_TRANSPORT``."""
    if transport is not None and transport not in TRANSPORTS:
        raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}, or None")
    if http_client is not None:
        if transport == "stdlib":
            raise TypeError(
                "http_client= is an httpx client: give transport='httpx' or none"
            )
        return "httpx"
    if transport is None:
        transport = os.environ.get(ENV_TRANSPORT, "").strip().lower() or "stdlib"
        if transport not in TRANSPORTS:
            raise ValueError(f"{ENV_TRANSPORT} must be one of {', '.join(TRANSPORTS)}")
    return transport


def sync_transport(
    choice: str, urls: Sequence[str], proxy: str | None, verify: bool | ssl.SSLContext
) -> SyncTransport:
    """The sync client's transport, made at its first request.

    The standard library's, unless httpx was chosen or a proxy that it
    cannot reach (over https, or socks) is given or set in the environment
    for one of ``urls`` (the endpoint and a failover backup): then httpx's,
    said in a DEBUG line.
    """
    if choice == "stdlib":
        from .sync_http import StdlibTransport

        made = StdlibTransport(proxy, verify)
        odd = [url for url in urls if unreachable(made.proxy_for(url))]
        if not odd:
            return made
        made.close()
        log().debug(
            "%s: the proxy for %s is not an http:// proxy: httpx sends the requests",
            "transport",
            odd[0],
        )
    from .httpx_http import HttpxTransport, sync_client

    return HttpxTransport(sync_client(urls[0], proxy, verify))


def unreachable(proxy: str) -> bool:
    return bool(proxy) and not proxy.lower().startswith("http://")
