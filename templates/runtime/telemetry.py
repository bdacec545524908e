"""OpenTelemetry: one CLIENT span per call, a span event per retry, and two metrics.

A client's ``tracing=`` option (and ``with_options``) decides:

- ``None`` (the default): on while OpenTelemetry's tracing API has been
  imported by the application and a real tracer provider is set (not the
  API's proxy or no-op one); looked at again at each call until it is.
  Without that, nothing of OpenTelemetry is imported and a call costs one
  dictionary look-up more.
- ``True``: on, with the global providers (``opentelemetry-api`` must be
  installed: an ``ImportError`` says so otherwise).
- ``False``: off.
- a tracer provider, or a :class:`Tracing` naming a tracer provider and a
  meter provider: on, reporting to those instead of the global ones.

Each call is a span named ``<service>/<Action>`` of kind CLIENT, current
while the call runs (an instrumented httpx, or the user's interceptors,
make their spans inside it). It carries the RPC semantic conventions as
they stand since semconv 1.38 (``rpc.system.name``, ``rpc.method`` as
``service/Action``, ``server.address``, ``server.port``, ``error.type``,
``rpc.response.status_code`` for an error code of the service), the older
``rpc.system`` and ``rpc.service`` for backends built on them,
``cloud.region``, and ``tencentcloud.api_version``,
``tencentcloud.trace_id`` (the X-TC-TraceId sent), ``tencentcloud.request_id``
and ``tencentcloud.attempts``. A failed call sets the span's status to ERROR
with the error code or the exception's class as description (never a
message the service wrote, a secret or a request body). Each retry is a
``retry`` event (the attempt, its error and the pause). Metrics: the
histogram ``rpc.client.call.duration`` (seconds) and the counter
``tencentcloud.client.attempts``, with few-valued attributes only (system,
method, server address, region, error type).

The span's hooks run first in ``before_*`` and last in ``after_*``: it
covers the user's interceptors. Layer 4, beside ``attempt`` (which loads it
lazily): it uses ``exceptions`` and ``redaction``, and OpenTelemetry's API.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from . import exceptions
from .redaction import scrubbed_excerpt

if TYPE_CHECKING:
    from .interceptors import CallContext

__all__ = ["Tracing", "TRACE_MODULE", "check_option", "telemetry_for"]

# Imported by any application that uses OpenTelemetry's tracing API.
TRACE_MODULE = "opentelemetry.trace"
SYSTEM = "tencentcloud"
_KEY = "tencentcloud.telemetry"  # the call's span and its state, in context.attributes
_SCOPE = __name__.split(".")[0]  # the generated package: the instrumentation scope


class Tracing:
    """Tracing reported to these providers (None: the global one of its kind)."""

    def __init__(self, tracer_provider: Any = None, meter_provider: Any = None) -> None:
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider

    def __repr__(self) -> str:
        return f"Tracing({self.tracer_provider!r}, {self.meter_provider!r})"


def check_option(tracing: Any) -> Any:
    """The ``tracing=`` option if it is one (a ``TypeError`` otherwise)."""
    if tracing is None or isinstance(tracing, (bool, Tracing)):
        return tracing
    if callable(getattr(tracing, "get_tracer", None)):
        return tracing
    raise TypeError(
        "tracing must be None, True, False, a tracer provider or a Tracing,"
        f" not {type(tracing).__name__}"
    )


def _api() -> Any:
    try:
        from opentelemetry import trace  # type: ignore[import-not-found, unused-ignore]
    except ImportError as error:
        raise ImportError(
            "tracing=True needs OpenTelemetry's API: pip install opentelemetry-api"
        ) from error
    return trace


def telemetry_for(tracing: Any, shared: Any) -> Telemetry | None:
    """The interceptor that reports a client's calls, or None while tracing is off.

    ``shared`` (the client's ``attempt.Shared``) keeps one per option, so
    that ``with_options`` copies do not make their instruments again.
    """
    if tracing is False:
        return None
    if tracing is None:
        if TRACE_MODULE not in sys.modules:
            return None
        from opentelemetry import trace  # type: ignore[import-not-found, unused-ignore]

        provider = trace.get_tracer_provider()
        if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
            return None
        tracing = Tracing(provider)
    elif tracing is True:
        _api()
        tracing = Tracing()
    elif not isinstance(tracing, Tracing):
        tracing = Tracing(tracing)
    made: dict[tuple[int, int], Telemetry] = shared.__dict__.setdefault("telemetry", {})
    key = (id(tracing.tracer_provider), id(tracing.meter_provider))
    found = made.get(key)
    if found is None:
        found = made[key] = Telemetry(tracing.tracer_provider, tracing.meter_provider)
    return found


def _server(endpoint: str) -> tuple[str, int]:
    from urllib.parse import urlsplit

    parts = urlsplit(endpoint)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "", port


def error_type(error: BaseException) -> str:
    """``error.type``: the service's error code, or the exception's class."""
    if isinstance(error, exceptions.TencentCloudError) and error.code:
        return str(error.code)
    return type(error).__name__


class Telemetry:
    """The interceptor that reports calls to OpenTelemetry (see the module's text)."""

    def __init__(self, tracer_provider: Any, meter_provider: Any) -> None:
        trace = _api()
        from opentelemetry import context, metrics  # type: ignore[import-not-found, unused-ignore]

        self._trace = trace
        self._context = context
        self._kind = trace.SpanKind.CLIENT
        self._error = trace.StatusCode.ERROR
        self._status = trace.Status
        self._tracer = trace.get_tracer(_SCOPE, tracer_provider=tracer_provider)
        meter = metrics.get_meter(_SCOPE, meter_provider=meter_provider)
        self._duration = meter.create_histogram(
            "rpc.client.call.duration",
            unit="s",
            description="The duration of a call, retries and pauses included.",
        )
        self._attempts = meter.create_counter(
            "tencentcloud.client.attempts",
            unit="{attempt}",
            description="Attempts made (requests sent or tried), retries included.",
        )
        self._servers: dict[str, tuple[str, int]] = {}

    def before_call(self, context: CallContext) -> None:
        """Open the call's span and make it current."""
        servers = self._servers
        server = servers.get(context.endpoint)
        if server is None:
            server = servers[context.endpoint] = _server(context.endpoint)
        method = f"{context.service}/{context.action}"
        attributes: dict[str, Any] = {
            "rpc.system.name": SYSTEM,
            "rpc.method": method,
            "rpc.system": SYSTEM,
            "rpc.service": context.service,
            "server.address": server[0],
            "server.port": server[1],
            "tencentcloud.api_version": context.version,
        }
        if context.region:
            attributes["cloud.region"] = context.region
        span = self._tracer.start_span(method, kind=self._kind, attributes=attributes)
        token = self._context.attach(self._trace.set_span_in_context(span))
        context.attributes[_KEY] = (span, token, time.monotonic(), server[0])

    def after_attempt(self, context: CallContext) -> None:
        """A retry: one event on the span."""
        if not context.retrying or _KEY not in context.attributes:
            return
        error = context.error
        event: dict[str, Any] = {"tencentcloud.attempt": context.attempt}
        if error is not None:
            event["error.type"] = error_type(error)
        if context.delay is not None:
            event["tencentcloud.retry.delay"] = context.delay
        context.attributes[_KEY][0].add_event("retry", event)

    def after_call(self, context: CallContext) -> None:
        """Close the span with the outcome; record the metrics."""
        state = context.attributes.pop(_KEY, None)
        if state is None:  # before_call failed: nothing was opened
            return
        span, token, started, server = state
        try:
            error = context.error
            attempts = context.attempt
            span.set_attribute("tencentcloud.attempts", attempts)
            span.set_attribute("tencentcloud.trace_id", context.trace_id)
            request_id = getattr(context.result, "request_id", None) or getattr(
                error, "request_id", None
            )
            if request_id:
                span.set_attribute("tencentcloud.request_id", str(request_id))
            measured: dict[str, Any] = {
                "rpc.system.name": SYSTEM,
                "rpc.method": f"{context.service}/{context.action}",
                "server.address": server,
            }
            if context.region:
                measured["cloud.region"] = context.region
            if error is not None:
                kind = error_type(error)
                span.set_attribute("error.type", kind)
                measured["error.type"] = kind
                if isinstance(error, exceptions.TencentCloudError):
                    span.set_attribute("rpc.response.status_code", kind)
                    description = kind
                else:
                    said = scrubbed_excerpt(str(error), 200)
                    description = f"{kind}: {said}" if said else kind
                span.set_status(self._status(self._error, description))
            self._duration.record(time.monotonic() - started, measured)
            if attempts:
                self._attempts.add(attempts, measured)
        finally:
            span.end()
            self._context.detach(token)
