"""The call plan: one call from arguments to result, without any I/O.

(``calls`` holds what a call is: ``Action``, ``Call``, ``Responder``;
``attempt`` how one attempt is signed and judged: ``Settings``, ``Core``,
``Prepared``. They are found here too.)

:func:`call_plan` is a generator that yields the I/O it needs (credentials,
an exchange of a signed request for an answer, a pause, an upload measured,
the interceptors' methods to call) and is sent the outcome back; the sync
driver (``client``) and the async one (``aio``) only carry those steps out,
so both run the same single retry loop. :meth:`Core.prepare` signs each
attempt, :meth:`Core.judge` turns an answer into the result or the exception
it stands for, ``retry.retry_delay`` decides on another attempt and the
call's deadline (``deadlines``) bounds them all: each attempt's timeouts
shrink to the time left, and a pause that would outlast it is not taken.

The testing seam: a :class:`Responder` handed to :func:`call_plan` answers the
call instead of the service. Nothing is signed, sent, retried or waited for
(headers and parameters interceptors add go nowhere); the answer is decoded
as the client's settings say (strict or tolerant), so a queued error raises
the same typed exception a real one would. ``testing.Stubber`` is one;
drivers take it from ``set_responder``.

The runtime's internal API (used by the drivers, ``generic``, ``testing`` and
the benchmarks): every name here without an underscore; the steps are
defined in ``steps``. Layer 4: it may use layers 0-3, ``calls``, ``attempt``
and ``steps`` (``multipart`` and ``streaming`` lazily, for uploads and
streams).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from . import exceptions
from .attempt import JSON, Core, Prepared, Settings, log
from .calls import Action, Call, Responder, typed_call, with_params
from .meta import kept_meta
from .model import Request, Response, ResponseMeta, attach_meta
from .retry import retry_delay, throttled
from .steps import (
    CREDENTIALS,
    Exchange,
    HookFailed,
    Hooks,
    Interrupted,
    Measure,
    NeedCredentials,
    Sleep,
    Step,
)

if TYPE_CHECKING:
    from .interceptors import CallContext
    from .transport import Answer

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
    "Hooks",
    "HookFailed",
    "Interrupted",
    "CREDENTIALS",
    "NeedCredentials",
    "Step",
    "Done",
    "call_plan",
    "action_call",
    "advance",
    "opened_stream",
    "log",
]

Req = TypeVar("Req", bound=Request)
Resp = TypeVar("Resp", bound=Response)
# Below this many seconds left, a failed attempt is put down to the deadline.
_SLACK = 0.005


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


# Deadline scopes can only have been entered once their module was imported.
_SCOPES = __name__.rpartition(".")[0] + ".deadlines"


def call_plan(
    core: Core, call: Call, stream: bool = False, responder: Responder | None = None
) -> Generator[Step, Any, Any]:
    """One call as a generator of I/O steps, the same for both clients.

    It yields what it needs (credentials, an HTTP exchange, a pause, the
    interceptors' methods) and gets the result sent back, or an exception
    thrown in; the sync and async drivers only carry the steps out. With
    ``stream`` an answer that is an event stream ends the plan unread (as
    ``streaming.Opened``): nothing is repeated once events may have been
    used. With a ``responder`` the call is answered by it.
    """
    first = time.monotonic()
    end = None
    if core.settings.deadline is not None or _SCOPES in sys.modules:
        from .deadlines import call_end

        end = call_end(core.settings.deadline, first)
    context = core.context(call, end)
    hooks = core.hooks
    try:
        if hooks is not None and hooks["before_call"]:
            yield Hooks("before_call", hooks["before_call"], context)
        if responder is not None:
            result = yield from _answered(core, call, context, stream, responder)
        else:
            result = yield from _attempts(core, call, context, stream, first)
    except Interrupted as stopped:
        if hooks is not None and hooks["after_call"]:
            context.error = stopped.error
            try:
                yield Hooks("after_call", hooks["after_call"], context)
            except HookFailed:
                pass  # the step's exception wins: a cancellation stays one
        raise
    except Exception as exc:
        if hooks is not None and hooks["after_call"]:
            context.error = exc.error if isinstance(exc, HookFailed) else exc
            yield Hooks("after_call", hooks["after_call"], context)
        raise
    if hooks is not None and hooks["after_call"]:
        if isinstance(result, (Response, dict)):  # not an event stream
            context.result, context.meta = result, getattr(result, "meta", None)
        yield Hooks("after_call", hooks["after_call"], context)
    return result


def _attempts(
    core: Core, call: Call, context: CallContext, stream: bool, first: float
) -> Generator[Step, Any, Any]:
    """The attempts of a call sent to the service, and the pauses between them."""
    body = call.body
    if not isinstance(body, bytes):
        # Once per call: every attempt sends (and signs) the same bytes.
        yield Measure(body)
    hooks = core.hooks
    end = context.deadline
    attempt = 0
    sent = False  # whether an attempt may have reached the service
    policy = core.settings.retry
    taken = 0  # the retry quota's tokens the last retry took
    while True:
        attempt += 1
        paced = None  # adaptive mode: this attempt's turn with the rate limiter
        started = time.monotonic()
        left = None
        if end is not None:
            left = end - started
            if left <= 0:
                raise _late(call, context, attempt - 1, sent)
        context.attempt = attempt
        context.response = context.error = context.delay = None
        context.retrying = False
        ticket = core.route(call, context)  # region failover: where this attempt goes
        sending = body
        if hooks is not None and hooks["before_attempt"]:
            context.headers, context.params = {}, {}
            yield Hooks("before_attempt", hooks["before_attempt"], context)
            if context.params:
                sending = with_params(call, context.params)
                if not isinstance(sending, bytes):
                    yield Measure(sending)
        content_type = JSON if isinstance(sending, bytes) else sending.content_type
        try:
            credentials = yield CREDENTIALS
            if policy.mode == "adaptive":
                paced = core.limiter(credentials.secret_id).acquire(left)
                if paced is None:  # the wait for it would outlast the deadline
                    raise _late(call, context, attempt - 1, sent)
                if paced.wait:
                    try:
                        yield Sleep(paced.wait)
                    except BaseException:  # cancelled while waiting its turn
                        paced.release()
                        raise
                    left = None if end is None else end - time.monotonic()
            prepared = core.prepare(
                call.name, sending, credentials, content_type, context, left, ticket
            )
            response = yield Exchange(prepared, stream)
            sent = True
            context.response = response
            if stream and opened_stream(response):
                from .streaming import Opened

                core.settle(ticket, None, response.status_code)
                core.log(call.name, attempt, started, "stream", None)
                core.succeeded(paced, taken)
                if hooks is not None and hooks["after_attempt"]:
                    yield Hooks("after_attempt", hooks["after_attempt"], context)
                elapsed = time.monotonic() - first
                return Opened(response, attempt, elapsed, context.deadline)
            result = core.judge(call, response)
        except exceptions.SDKError as error:
            core.settle(ticket, error)
            sent = (
                sent or not isinstance(error, exceptions.TransportError) or error.sent
            )
            if paced is not None:
                answered = not isinstance(error, exceptions.TransportError)
                paced.record(throttled(error), answered)
            delay = retry_delay(
                policy, error, attempt, call.safe, core.clock(), core.uniform
            )
            late = None
            if end is not None:
                remaining = end - time.monotonic()
                timed_out = isinstance(error, exceptions.TransportError)
                timed_out &= not isinstance(error, exceptions.DeadlineExceeded)
                if (timed_out and remaining < _SLACK) or (
                    delay is not None and delay >= remaining
                ):
                    late, delay = _late(call, context, attempt, sent), None
            # Only a retry that will be made takes from the retry quota.
            if delay is not None and policy.retry_quota is not None:
                taken = core.retry_budget(error)
                if not taken:  # the client's retry quota is spent
                    delay = None
                    error.add_note(
                        f"Not retried after {attempt} attempt(s): retry quota spent"
                    )
            core.log(call.name, attempt, started, error, delay)
            context.error, context.delay = error, delay
            context.retrying = delay is not None
            if hooks is not None and hooks["after_attempt"]:
                yield Hooks("after_attempt", hooks["after_attempt"], context)
            if late is not None:
                raise late from error
            if delay is None:
                raise
            yield Sleep(delay)
            continue
        core.settle(ticket, None, response.status_code)
        core.log(call.name, attempt, started, result, None)
        core.succeeded(paced, taken)
        if hooks is not None and hooks["after_attempt"]:
            yield Hooks("after_attempt", hooks["after_attempt"], context)
        meta = ResponseMeta(
            status=response.status_code,
            headers=response.headers,
            attempts=attempt,
            elapsed=time.monotonic() - first,
            deviations=result.meta.deviations,
            endpoint=context.endpoint,
            failover=context.failover,
        )
        _attach(result, meta, core.settings.keep_raw)
        return result


def _late(
    call: Call, context: CallContext, attempts: int, sent: bool
) -> exceptions.DeadlineExceeded:
    """The error of a call whose deadline passed after ``attempts`` attempts."""
    seconds = ""
    if context.deadline is not None:
        seconds = f" ({max(0.0, time.monotonic() - context.deadline):.3f}s ago)"
    return exceptions.DeadlineExceeded(
        f"{call.name}: the deadline passed{seconds} after {attempts} attempt(s)",
        attempts=attempts,
        sent=sent,
        action=call.name,
    )


def _answered(
    core: Core, call: Call, context: CallContext, stream: bool, responder: Responder
) -> Generator[Step, Any, Any]:
    """A call answered by a responder: decoded as a 200 answer, no retry."""
    hooks = core.hooks
    started = time.monotonic()
    context.attempt = 1
    if hooks is not None and hooks["before_attempt"]:
        yield Hooks("before_attempt", hooks["before_attempt"], context)
    try:
        answer: Any = responder.respond(call, stream)
        if stream and not isinstance(answer, (bytes, Response)):  # an event stream
            from .streaming import Opened

            core.log(call.name, 1, started, "stream", None)
            context.response = answer
            result: Any = Opened(answer, 1, time.monotonic() - started)
        else:
            if isinstance(answer, bytes):
                try:
                    answer = call.parse(answer)
                except (exceptions.ResponseError, exceptions.TencentCloudError) as exc:
                    exc.status = 200
                    raise
            core.log(call.name, 1, started, answer, None)
            meta = ResponseMeta(
                status=200, attempts=1, deviations=answer.meta.deviations
            )
            _attach(answer, meta, core.settings.keep_raw)
            result = answer
    except exceptions.SDKError as error:
        core.log(call.name, 1, started, error, None)
        context.error = error
        if hooks is not None and hooks["after_attempt"]:
            yield Hooks("after_attempt", hooks["after_attempt"], context)
        raise
    if hooks is not None and hooks["after_attempt"]:
        yield Hooks("after_attempt", hooks["after_attempt"], context)
    return result


def _attach(result: Any, meta: ResponseMeta, keep_raw: bool) -> None:
    if not keep_raw:
        result._kept = None  # the body goes with the answer: no meta.raw
    if isinstance(result, Response):
        attach_meta(result, meta)
    else:  # CommonClient's dict answer: raw reads its body, and no model
        body = getattr(result, "_kept", None)
        result.meta = meta if body is None else kept_meta(meta, body, None)


def opened_stream(response: Answer) -> bool:
    """Whether an answer is an event stream (only streaming actions ask)."""
    from .transport import is_event_stream

    return is_event_stream(response)


class Done(Exception):
    """Raised by :func:`advance` when the plan has its result."""

    def __init__(self, result: Any) -> None:
        self.result = result


def advance(
    plan: Generator[Step, Any, Any], value: Any, error: BaseException | None
) -> Step:
    """Resume a call plan with a value or an exception; its next step.

    An interceptor's exception (carried through the plan as a
    :class:`HookFailed`), or a step's (as an :class:`Interrupted`), comes
    out as itself.
    """
    try:
        return plan.send(value) if error is None else plan.throw(error)
    except StopIteration as done:
        raise Done(done.value) from None
    except HookFailed as failed:
        raised: BaseException = failed.error
    except Interrupted as stopped:
        raised = stopped.error
    raise raised
