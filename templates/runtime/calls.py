"""What a call is, before any attempt: :class:`Action` (generated per action),
:class:`Call` (one call as the plan sees it) and :class:`Responder` (the
testing seam: something that answers a call instead of the service).

The runtime's internal API (for ``plan``, the drivers, ``generic`` and
``testing``): every name here. This module may import layers 0-1
(``exceptions``, ``model``, ``validation``; ``envelope`` lazily, on the first
error; ``multipart`` and ``octet`` lazily, for uploads and raw bodies).
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import msgspec

from . import exceptions, validation
from .model import Request, Response

if TYPE_CHECKING:
    from .multipart import Body
    from .transport import Answer

__all__ = ["Action", "Call", "Responder", "typed_call", "with_params"]

Req = TypeVar("Req", bound=Request)
Resp = TypeVar("Resp", bound=Response)


# Structs, not dataclasses, here and below: a class is made in microseconds
# instead of a millisecond, which counts in every import.
class Action(msgspec.Struct, Generic[Req, Resp], frozen=True):
    """What the runtime needs to know about one action; generated per action.

    ``read_only`` and ``idempotency_attribute`` decide whether a call that
    may have reached the service can be repeated (see ``retry``). A request
    whose idempotency token is unset gets a fresh UUID, so that a retry is
    recognised by the service as the same request. An action with
    ``binary_fields`` (wire names of file fields) is sent as
    multipart/form-data instead of JSON (see the ``multipart`` module); an
    ``octet_stream`` one sends its one file field as the raw body and the
    fields ``headers`` names (wire name, header) as headers (``octet``).
    Every request is checked against its model before it is encoded, and
    ``extra_params`` are checked and added then (see ``validation``).
    """

    name: str
    request: type[Req]
    response: type[Resp]
    read_only: bool = False
    idempotency_attribute: str = ""
    deprecated: bool = False
    binary_fields: tuple[str, ...] = ()
    octet_stream: bool = False
    headers: tuple[tuple[str, str], ...] = ()

    def build(self, request: Req | None, fields: Mapping[str, Any]) -> Req:
        if request is None:
            request = validation.from_fields(
                self.request, fields, self.name, self.binary_fields
            )
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

    def encode(
        self, request: Req, extra: Mapping[str, Any] | None = None
    ) -> bytes | Body:
        """The checked request's JSON body, or an upload's multipart or raw body (not yet measured).

        ``extra`` are extra parameters as ``validation.extra`` made them.
        Raises :class:`~.exceptions.RequestValidationError` when the request
        does not fit its model (see ``validation``).
        """
        if self.octet_stream:
            from . import octet  # only actions that send a raw body need it

            validation.check(request, self.name, self.binary_fields)
            if extra:
                # Its parameters travel as headers the spec names; there is
                # no place for one the spec does not know.
                raise exceptions.RequestValidationError(
                    "an action that sends a raw body takes no extra_params"
                    " (its parameters travel as the headers its spec names)",
                    path=next(iter(extra)),
                    action=self.name,
                )
            return octet.encode(request, self.binary_fields[0], self.headers, self.name)
        if self.binary_fields:
            from . import multipart  # only uploads need it

            validation.check(request, self.name, self.binary_fields)
            return multipart.encode(request, self.binary_fields, extra)
        return validation.json_body(request, self.name, extra)

    def safe_to_repeat(self, request: Req) -> bool:
        if self.read_only:
            return True
        return bool(
            self.idempotency_attribute
            and getattr(request, self.idempotency_attribute, None)
        )


class Call(msgspec.Struct, frozen=True):
    """One call as the plan sees it, typed (an Action) or not (CommonClient).

    ``action``/``request``/``made_token``/``extra`` describe it for a
    :class:`Responder`: the Action (None for CommonClient), the request as
    built (a model, or CommonClient's params), the idempotency attribute
    whose value the client made up ("" when none was) and the call's
    ``extra_params`` as checked (plain values by wire name).
    """

    name: str
    body: bytes | Body  # JSON, or an upload's multipart body (its own content type)
    safe: bool
    parse: Callable[[bytes], Any]  # a 200 body -> the result, or raises SDKError
    error_of: Callable[[bytes], exceptions.SDKError | None]  # error in a non-200 body
    action: Action[Any, Any] | None = None
    request: Any = None
    made_token: str = ""
    extra: Mapping[str, Any] | None = None  # the call's extra_params, checked


class Responder(Protocol):
    """Answers calls instead of the service (the testing seam; see the module docstring).

    ``respond`` returns the body of a 200 answer (decoded as the client
    decodes real ones) or a ready response model; it may raise. ``stream``
    is true for an action answering with events: it may then return an
    response (a ``transport.Received``, or an ``httpx.Response``) holding a
    ``text/event-stream`` answer, read event by event as a real one is.
    """

    def respond(self, call: Call, stream: bool) -> bytes | Response | Answer: ...


def typed_call(
    action: Action[Req, Resp],
    request: Req,
    strict: bool,
    made_token: str = "",
    extra_params: Mapping[str, Any] | None = None,
) -> Call:
    cls = action.response
    extra = None
    if extra_params is not None:
        extra = validation.extra(action.request, extra_params, action.name)

    def error_of(content: bytes) -> exceptions.SDKError | None:
        from .envelope import envelope_error  # loaded on the first error only

        return envelope_error(cls, content)

    return Call(
        action.name,
        action.encode(request, extra),
        action.safe_to_repeat(request),
        # The class's own from_envelope is looked up each time: its first
        # answer replaces it with a faster one (see model._install).
        lambda content: cls.from_envelope(content, strict),
        error_of,
        action,
        request,
        made_token,
        extra,
    )


def with_params(call: Call, params: Mapping[str, Any]) -> bytes | Body:
    """The call's body with ``params`` added (an interceptor's, in ``before_attempt``).

    Checked as ``extra_params`` are for a generated client's call (wire names
    the request does not declare); a CommonClient call's params are merged.
    """
    action = call.action
    if action is not None:
        merged = {**(call.extra or {}), **params}
        checked = validation.extra(action.request, merged, action.name)
        return action.encode(call.request, checked)
    request = call.request
    base = (
        dict(request) if isinstance(request, Mapping) else msgspec.to_builtins(request)
    )
    return msgspec.json.encode({**base, **params})
