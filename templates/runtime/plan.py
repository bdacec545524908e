"""The call plan: one call from arguments to result, without any I/O.

(``calls`` holds what a call is: ``Action``, ``Call``, ``Responder``; they
are found here too.)

:func:`call_plan` is a generator that yields the I/O it needs (credentials,
an exchange of a signed request for an answer, a pause, an upload measured)
and is sent the outcome back; the sync driver (``client``) and the async one
(``aio``) only carry those steps out, so both run the same single retry
loop. :class:`Core` holds one client's settings and makes each attempt:
:meth:`Core.prepare` signs the request (a :class:`Prepared`: headers and
body, no httpx object; the driver turns it into httpx's),
:meth:`Core.judge` turns an answer into the result or the exception it stands
for, and ``retry.retry_delay`` decides on another attempt.

The testing seam: a :class:`Responder` handed to :func:`call_plan` answers the
call instead of the service. Nothing is signed, sent, retried or waited for;
the answer is decoded as the client's settings say (strict or tolerant), so
a queued error raises the same typed exception a real one would.
``testing.Stubber`` is one; drivers take it from ``set_responder``.

The runtime's internal API (used by the drivers, ``generic``, ``testing`` and
the benchmarks): every name here without an underscore. Layer 4: it may
use layers 0-3 and ``calls`` (``exceptions``, ``redaction``, ``retry``,
``signing``, ``model``; ``multipart`` and ``streaming`` lazily, for uploads
and streams).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from . import exceptions
from .calls import Action, Call, Responder, typed_call
from .meta import kept_meta
from .model import Request, Response, ResponseMeta, attach_meta
from .redaction import scrub, scrubbed_excerpt
from .retry import RetryPolicy, retry_delay

if TYPE_CHECKING:
    import logging

    import httpx

    from .multipart import Body
    from .signing import Signer

__all__ = [
    "Action",
    "Call",
    "Responder",
    "Settings",
    "Prepared",
    "Core",
    "Sleep",
    "Measure",
    "Exchange",
    "CREDENTIALS",
    "Done",
    "call_plan",
    "action_call",
    "advance",
    "opened_stream",
    "log",
]

Req = TypeVar("Req", bound=Request)
Resp = TypeVar("Resp", bound=Response)

JSON = "application/json"
_EXCERPT = 200

_logger: logging.Logger | None = None


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


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """One client's settings, checked by the wiring (``wire``) when it was built."""

    service: str
    version: str
    url: str
    host: str
    region: str | None
    language: str | None
    # As given (seconds, an httpx.Timeout, None, or the default 4-tuple); made
    # into httpx's form at the first request, so building a client needs no httpx.
    timeout: Any
    retry: RetryPolicy
    strict: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    # False: responses drop their body once parsed (no meta.raw/unknown),
    # for programs that hold many responses and never read them.
    keep_raw: bool = True


class Prepared:
    """A signed request before the driver hands it to httpx: headers and body."""

    __slots__ = ("headers", "content")

    def __init__(self, headers: dict[str, str], content: bytes | Body) -> None:
        self.headers = headers
        self.content = content


def action_call(
    core: Core,
    action: Action[Req, Resp],
    request: Req | None,
    fields: Mapping[str, Any],
    extra_params: Mapping[str, Any] | None = None,
) -> Call:
    """The call of a generated client's method (warns at the user's line when deprecated).

    The request is checked and encoded here, before any step of its plan:
    a request that does not fit its model is never signed or sent.
    """
    built = action.start(request, fields, stacklevel=5)
    token = action.idempotency_attribute
    given = None
    if token:
        given = (
            getattr(request, token, None) if request is not None else fields.get(token)
        )
    made = token if token and given is None else ""
    return typed_call(action, built, core.settings.strict, made, extra_params)


class Core:
    """Builds, signs and judges the attempts of one client's calls; no I/O."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], float],
        uniform: Callable[[float, float], float] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.uniform = uniform
        self._signer: Signer | None = None  # made at the first request
        # The driver's own forms of the URL and timeout, made at the first request.
        self.http_target: Any = None

    def prepare(
        self,
        action: str,
        body: bytes | Body,
        credentials: Any,
        content_type: str = JSON,
    ) -> Prepared:
        """The headers of one attempt, signed now (each attempt is signed again).

        ``credentials`` has ``secret_id``, ``secret_key`` and ``token``. An
        upload's body must be measured: it is signed by the SHA-256 its
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
        # Extra headers are not signed (only content-type and host are); the
        # wiring refused any that would replace these or the framing.
        headers.update(settings.headers)
        if not isinstance(body, bytes):
            # A raw body's parameters (``octet``) as headers: not signed either.
            headers.update(getattr(body, "headers", ()))
            # httpx sends a stream with chunked framing unless told its length.
            headers["Content-Length"] = str(body.length)
        return Prepared(headers, body)

    def judge(self, call: Call, response: httpx.Response) -> Any:
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


class Sleep:
    """A step of a call plan: wait this long before the next attempt."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class NeedCredentials:
    """A step of a call plan: hand in the current credentials."""


class Measure:
    """A step of a call plan: measure an upload's body (see ``multipart``).

    It reads any file for the first time, so the async client does it in a
    worker thread; its errors end the call before anything is sent.
    """

    def __init__(self, body: Body) -> None:
        self.body = body


class Exchange:
    """A step of a call plan: send this request; ``stream`` leaves the body unread.

    The driver answers with the response (status_code, headers, content) or
    throws in the ``exceptions.TransportError`` that sending raised.
    """

    def __init__(self, prepared: Prepared, stream: bool = False) -> None:
        self.prepared = prepared
        self.stream = stream


CREDENTIALS = NeedCredentials()
Step = Exchange | Sleep | NeedCredentials | Measure


def call_plan(
    core: Core, call: Call, stream: bool = False, responder: Responder | None = None
) -> Generator[Step, Any, Any]:
    """One call as a generator of I/O steps, the same for both clients.

    It yields what it needs (credentials, an HTTP exchange, a pause) and gets
    the result sent back, or an exception thrown in; the sync and async
    drivers only carry the steps out. With ``stream`` an answer that is an
    event stream ends the plan unread (as ``streaming.Opened``): nothing is
    repeated once events may have been used. With a ``responder`` the call
    is answered by it, and nothing is yielded.
    """
    if responder is not None:
        return _answered(core, call, stream, responder)
    body = call.body
    if isinstance(body, bytes):
        content_type = JSON
    else:
        # Once per call: every attempt sends (and signs) the same bytes.
        yield Measure(body)
        content_type = body.content_type
    attempt = 0
    first = time.monotonic()
    while True:
        attempt += 1
        started = time.monotonic()
        try:
            credentials = yield CREDENTIALS
            prepared = core.prepare(call.name, body, credentials, content_type)
            response = yield Exchange(prepared, stream)
            if stream and opened_stream(response):
                from .streaming import Opened

                core.log(call.name, attempt, started, "stream", None)
                return Opened(response, attempt, time.monotonic() - first)
            result = core.judge(call, response)
        except exceptions.SDKError as error:
            delay = retry_delay(
                core.settings.retry,
                error,
                attempt,
                call.safe,
                core.clock(),
                core.uniform,
            )
            core.log(call.name, attempt, started, error, delay)
            if delay is None:
                raise
            yield Sleep(delay)
            continue
        core.log(call.name, attempt, started, result, None)
        meta = ResponseMeta(
            status=response.status_code,
            headers=response.headers,
            attempts=attempt,
            elapsed=time.monotonic() - first,
            deviations=result.meta.deviations,
        )
        _attach(result, meta, core.settings.keep_raw)
        return result


def _answered(core: Core, call: Call, stream: bool, responder: Responder) -> Any:
    """A call answered by a responder: decoded as a 200 answer, no retry."""
    started = time.monotonic()
    answer: Any = responder.respond(call, stream)
    if stream and not isinstance(answer, (bytes, Response)):  # an event stream
        from .streaming import Opened

        core.log(call.name, 1, started, "stream", None)
        return Opened(answer, 1, time.monotonic() - started)
    if isinstance(answer, bytes):
        try:
            answer = call.parse(answer)
        except (exceptions.ResponseError, exceptions.TencentCloudError) as exc:
            exc.status = 200
            core.log(call.name, 1, started, exc, None)
            raise
    core.log(call.name, 1, started, answer, None)
    meta = ResponseMeta(status=200, attempts=1, deviations=answer.meta.deviations)
    _attach(answer, meta, core.settings.keep_raw)
    return answer


def _attach(result: Any, meta: ResponseMeta, keep_raw: bool) -> None:
    if not keep_raw:
        result._kept = None  # the body goes with the answer: no meta.raw
    if isinstance(result, Response):
        attach_meta(result, meta)
    else:  # CommonClient's dict answer: raw reads its body, and no model
        body = getattr(result, "_kept", None)
        result.meta = meta if body is None else kept_meta(meta, body, None)


def opened_stream(response: httpx.Response) -> bool:
    """Whether an answer is an event stream (only streaming actions ask)."""
    from .streaming import is_event_stream

    return is_event_stream(response)


class Done(Exception):
    """Raised by :func:`advance` when the plan has its result."""

    def __init__(self, result: Any) -> None:
        self.result = result


def advance(
    plan: Generator[Step, Any, Any], value: Any, error: BaseException | None
) -> Step:
    """Resume a call plan with a value or an exception; its next step."""
    try:
        return plan.send(value) if error is None else plan.throw(error)
    except StopIteration as done:
        raise Done(done.value) from None
