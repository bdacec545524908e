"""One attempt of a call, without I/O: the client's :class:`Settings`, and the
:class:`Core` that signs an attempt (a :class:`Prepared`: headers, body, URL
and time left; no transport's object) and judges its answer.

Every attempt carries a ``User-Agent`` naming the generated package, the
generator and Python, and the call's ``X-TC-TraceId`` (made per call, kept
across its retries; a caller's own value, given in ``headers``, wins).
``TENCENTCLOUD_SDK_LOG=debug`` (or info, warning, error) makes the first
client built log the package's lines at that level to standard error, for
when no code can be changed.

The runtime's internal API (for ``plan``, the drivers, ``testing`` and the
benchmarks): every name here without an underscore. Layer 4, beside
``calls``: it may use layers 0-3 (``exceptions``, ``redaction``, ``retry``,
``signing``, ``wire``, ``interceptors``) and ``calls``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from . import exceptions, wire
from .calls import Call
from .redaction import scrub, scrubbed_excerpt
from .retry import RetryPolicy

if TYPE_CHECKING:
    import logging

    from .interceptors import CallContext, Hook
    from .multipart import Body
    from .signing import Signer
    from .throttling import RateLimiter, RetryQuota, Ticket
    from .transport import Answer

__all__ = [
    "JSON",
    "ENV_LOG",
    "Settings",
    "Prepared",
    "Shared",
    "Core",
    "log",
    "log_from_environment",
    "user_agent",
]

JSON = "application/json"
ENV_LOG = "TENCENTCLOUD_SDK_LOG"
_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
_EXCERPT = 200
_TRACE_ID = "x-tc-traceid"
_TRACE = "opentelemetry.trace"  # telemetry.TRACE_MODULE, without importing telemetry

_logger: logging.Logger | None = None
_user_agent = ""
_environment_read = False


def log() -> logging.Logger:
    """The clients' logger; logging is imported only when something is logged.

    Named ``<package>.common.client`` as before the runtime was split, so
    that logging set up for it keeps working.
    """
    global _logger
    if _logger is None:
        import logging

        _logger = logging.getLogger(__name__.rpartition(".")[0] + ".client")
    return _logger


def log_from_environment() -> None:
    """Once per process: act on ``TENCENTCLOUD_SDK_LOG`` (a ``ValueError`` when it names no level)."""
    global _environment_read
    if _environment_read:
        return
    value = os.environ.get(ENV_LOG, "").strip().lower()
    if value and value not in _LEVELS:
        raise ValueError(
            f"{ENV_LOG}={value!r} names no log level: use debug, info, warning or error"
        )
    _environment_read = True
    if not value:
        return
    import logging

    # The package's logger: the client's, the credentials' and the tolerant
    # decoder's lines all pass through it.
    package = logging.getLogger(__name__.split(".")[0])
    if not package.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s")
        )
        package.addHandler(handler)
    package.setLevel(_LEVELS[value])


def user_agent() -> str:
    """``<package> tencentcloud-codegen/<version> Python/<version>``, made once."""
    global _user_agent
    if not _user_agent:
        common = sys.modules.get(__name__.rpartition(".")[0])
        generator = getattr(common, "GENERATOR", "tencentcloud-codegen")
        python = "{}.{}.{}".format(*sys.version_info[:3])
        _user_agent = f"{__name__.split('.')[0]} {generator} Python/{python}"
    return _user_agent


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """One client's settings, checked by the wiring (``wire``) when it was built."""

    service: str
    version: str
    url: str
    host: str
    region: str | None
    language: str | None
    # As given (seconds, an httpx.Timeout, None, or the default 4-tuple); made
    # into ``transport.Timeouts`` at the first request (``wiring.timeouts``).
    timeout: Any
    retry: RetryPolicy
    strict: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    # False: responses drop their body once parsed (no meta.raw/unknown),
    # for programs that hold many responses and never read them.
    keep_raw: bool = True
    # Seconds a whole call may take (see ``deadlines``), or None.
    deadline: float | None = None
    interceptors: tuple[object, ...] = ()
    # OpenTelemetry (see ``telemetry``): None (on once the application has
    # set a tracer provider), True, False, or a provider to report to.
    tracing: Any = None
    # Region failover: (its ``failover.Failover`` options, backup URL, backup
    # Host), or None when off.
    failover: tuple[Any, str, str] | None = None


class Prepared:
    """A signed attempt before the driver hands it to its transport.

    ``url`` is where it goes (None: the client's endpoint) and ``timeout``
    the seconds left before the call's deadline (None: no deadline), which
    caps each of the client's timeouts for this attempt.
    """

    __slots__ = ("headers", "content", "url", "timeout")

    def __init__(
        self,
        headers: dict[str, str],
        content: bytes | Body,
        url: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.headers = headers
        self.content = content
        self.url = url
        self.timeout = timeout


class Shared:
    """What a client and its ``with_options`` copies share from call to call.

    Made once per client, handed to every copy; each feature that keeps
    state between calls keeps it here.
    """

    def __init__(self) -> None:
        # The retry budgets (``throttling.RetryQuota``) by size, each made at
        # the first retry of a policy with that ``retry_quota``.
        self.quotas: dict[int, RetryQuota] = {}
        # The region breakers (``failover.Breaker``) by failover options.
        self.breakers: dict[Any, Any] = {}

    def breaker(self, options: Any) -> Any:
        """The ``failover.Breaker`` of these failover options (one per options object)."""
        from .failover import Breaker  # only clients given failover= load it

        found = self.breakers.get(options)
        if found is None:
            found = self.breakers.setdefault(options, Breaker(options))
        return found


class Core:
    """Builds, signs and judges the attempts of one client's calls; no I/O."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], float],
        uniform: Callable[[float, float], float] | None = None,
        shared: Shared | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.uniform = uniform
        self.shared = Shared() if shared is None else shared
        # The interceptors' methods by hook point; None: no interceptor.
        self.hooks: Mapping[str, tuple[Hook, ...]] | None = None
        # Whether each call looks again for a tracer provider (``tracing=None``).
        self._watching = settings.tracing is None
        if settings.interceptors or not self._watching or _TRACE in sys.modules:
            self._hook_up()
        # The region breaker, shared with the copies; None: failover is off.
        self.breaker: Any = None
        if settings.failover is not None:
            self.breaker = self.shared.breaker(settings.failover[0])
        self._signer: Signer | None = None  # made at the first request
        # The driver's own forms of the URL and timeout, made at the first request.
        self.http_target: Any = None

    def _hook_up(self) -> None:
        """``hooks``: the interceptors', after OpenTelemetry's span when tracing is on."""
        interceptors = self.settings.interceptors
        tracing = self.settings.tracing
        if tracing is not False and (tracing is not None or _TRACE in sys.modules):
            from .telemetry import telemetry_for  # only when OpenTelemetry is used

            telemetry = telemetry_for(tracing, self.shared)
            if telemetry is not None:
                self._watching = False
                # Outermost: its span covers the other interceptors' work.
                interceptors = (telemetry, *interceptors)
            elif self.hooks is not None:
                return  # still no tracer provider: the hooks stay as they are
        if interceptors:
            from .interceptors import hooks_of  # only clients with interceptors need it

            self.hooks = hooks_of(interceptors)

    def context(self, call: Call, deadline: float | None) -> CallContext:
        """The call's :class:`CallContext`, with its trace id (the caller's, if given)."""
        if self._watching and _TRACE in sys.modules:
            self._hook_up()  # the application may have set a tracer provider since
        settings = self.settings
        trace_id = None  # the caller's value wins, even an empty one
        for name, value in settings.headers:
            if name.lower() == _TRACE_ID:
                trace_id = value
        if trace_id is None:
            import uuid  # loaded with the first call anyway (idempotency tokens)

            trace_id = str(uuid.uuid4())
        from .interceptors import CallContext  # with the first call, not the import

        return CallContext(
            settings.service,
            settings.version,
            call.name,
            settings.region,
            call.request,
            trace_id,
            settings.url,
            deadline,
        )

    def prepare(
        self,
        action: str,
        body: bytes | Body,
        credentials: Any,
        content_type: str = JSON,
        context: CallContext | None = None,
        timeout: float | None = None,
        ticket: Any = None,
    ) -> Prepared:
        """The headers of one attempt, signed now (each attempt is signed again).

        ``credentials`` has ``secret_id``, ``secret_key`` and ``token``. An
        upload's body must be measured: it is signed by the SHA-256 its
        measuring took, and sent with the Content-Length it found. The
        ``context``'s trace id and the headers its interceptors added go
        with it; ``timeout`` is the time left before the deadline. A failover
        ``ticket`` routed to the backup sends it there, signed for its host.
        """
        settings = self.settings
        url, host = None, settings.host
        if ticket is not None and ticket.route == "backup":
            assert settings.failover is not None
            url, host = settings.failover[1], settings.failover[2]
        signer = self._signer
        if signer is None:
            from .signing import Signer

            signer = self._signer = Signer(settings.service)
        timestamp = int(self.clock())
        headers = {
            "Content-Type": content_type,
            "Host": host,
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
            host,
            payload_hash=payload_hash,
        )
        headers["User-Agent"] = user_agent()
        # Extra headers are not signed (only content-type and host are); the
        # wiring refused any that would replace these or the framing.
        headers.update(settings.headers)
        if context is not None:
            if context.headers:  # an interceptor's, checked by the same rules
                headers.update(wire.extra_headers(context.headers))
            # The call's trace id, once (a caller may have spelt the name
            # in another case).
            for name in [n for n in headers if n.lower() == _TRACE_ID]:
                del headers[name]
            headers["X-TC-TraceId"] = context.trace_id
        if not isinstance(body, bytes):
            # A raw body's parameters (``octet``) as headers: not signed either.
            headers.update(getattr(body, "headers", ()))
            # Sent with this length (httpx would chunk a stream not told it).
            headers["Content-Length"] = str(body.length)
        return Prepared(headers, body, url, timeout)

    def route(self, call: Call, context: CallContext) -> Any:
        """The failover ticket of a call's next attempt (None when failover is off).

        The context shows where the attempt goes (``endpoint``, ``failover``).
        """
        breaker = self.breaker
        if breaker is None:
            return None
        ticket = breaker.route(call.safe)
        context.failover = ticket.route
        failover = self.settings.failover
        assert failover is not None
        context.endpoint = (
            failover[1] if ticket.route == "backup" else self.settings.url
        )
        return ticket

    def settle(self, ticket: Any, error: BaseException | None, status: int = 0) -> None:
        """Tell the breaker how an attempt routed by ``ticket`` went (nothing without one)."""
        if ticket is not None:
            from .failover import is_failure

            self.breaker.record(ticket, is_failure(error, status))

    def retry_budget(self, error: exceptions.SDKError) -> int:
        """Take the client's retry quota's cost of retrying after ``error``: the
        tokens taken, 0 when the quota cannot pay (then the call is not retried)."""
        from . import throttling  # at the client's first retry

        size = self.settings.retry.retry_quota
        assert size is not None
        quota = self.shared.quotas.get(size)
        if quota is None:
            quota = self.shared.quotas.setdefault(size, throttling.RetryQuota(size))
        cost = throttling.RETRY_COST
        if isinstance(error, exceptions.TransportError):
            cost = throttling.TRANSPORT_RETRY_COST
        return cost if quota.take(cost) else 0

    def succeeded(self, paced: Ticket | None, taken: int) -> None:
        """An attempt succeeded: its limiter (adaptive mode) counts it, and the
        retry quota gets back what the call's last retry took (1 when none)."""
        if paced is not None:
            paced.record(False)
        if taken or self.shared.quotas:
            size = self.settings.retry.retry_quota
            quota = self.shared.quotas.get(size) if size is not None else None
            if quota is not None:
                quota.refund(taken or 1)

    def limiter(self, secret_id: str) -> RateLimiter:
        """The process's send-rate limiter for these credentials, region and service."""
        from .throttling import limiter_for  # adaptive mode only

        return limiter_for(secret_id, self.settings.region, self.settings.service)

    def judge(self, call: Call, response: Answer) -> Any:
        """The call's result, or the exception the answer stands for."""
        content = response.content
        status = response.status_code
        try:
            if status != 200:
                error = call.error_of(content)
                if error is not None:
                    raise error
                raise exceptions.HTTPStatusError(
                    f"HTTP {status} from {call.name}",
                    excerpt=scrubbed_excerpt(content, _EXCERPT),
                )
            return call.parse(content)
        except (exceptions.ResponseError, exceptions.TencentCloudError) as exc:
            exc.status = status
            exc.headers = response.headers
            raise

    def log(
        self,
        action: str,
        attempt: int,
        started: float,
        outcome: object,
        delay: float | None,
    ) -> None:
        """One DEBUG line per attempt, with every known secret scrubbed out."""
        # Until logging is imported nothing can have asked for DEBUG lines.
        if "logging" not in sys.modules or not log().isEnabledFor(10):  # DEBUG
            return
        elapsed = time.monotonic() - started
        if isinstance(outcome, exceptions.TencentCloudError):
            result = (
                f"error code={outcome.code} request_id={outcome.request_id}"
                f" status={outcome.status} message={scrubbed_excerpt(outcome.message, _EXCERPT)!r}"
            )
        elif isinstance(outcome, exceptions.ResponseError):
            result = f"{type(outcome).__name__} status={outcome.status}"
        elif isinstance(outcome, BaseException):
            result = (
                f"{type(outcome).__name__}: {scrubbed_excerpt(str(outcome), _EXCERPT)}"
            )
        elif isinstance(outcome, str):
            result = outcome
        else:
            result = f"ok request_id={getattr(outcome, 'request_id', '')}"
        then = f" retry_in={delay:.3f}s" if delay is not None else ""
        line = f"{self.settings.service}.{action} attempt={attempt} {result}"
        log().debug("%s", scrub(f"{line} elapsed={elapsed:.3f}s{then}"))
