"""The exception classes of the generated bindings and the base of every error-code enum.

Shared by every generated package as they are; ``errors`` adds what comes from
the specs (the common codes and one exception class per code category) and
is the module to import all of them from. The runtime's own modules import
the classes from here, never from the generated ``errors``.

``str()`` and ``repr()`` of every exception go through ``redaction.scrub``:
a secret the process knows never shows in them, whoever quoted it.

A leaf of the runtime: it imports ``redaction`` and the standard library
(``meta`` for annotations only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .redaction import scrub

if TYPE_CHECKING:
    from .meta import Deviation

__all__ = [
    "ErrorCode",
    "SDKError",
    "TencentCloudError",
    "ResponseError",
    "HTTPStatusError",
    "InvalidJSONError",
    "MissingEnvelopeError",
    "ResponseShapeError",
    "StreamError",
    "TransportError",
    "DeadlineExceeded",
    "CredentialsError",
    "RequestValidationError",
    "WaiterError",
]


# (str, Enum) as before it moved here from the errors template: StrEnum would
# change behaviour (``auto()`` values, the MRO), and this move changes none.
class ErrorCode(str, Enum):  # noqa: UP042
    """Base of every error-code enum: members are the wire code strings.

    ``str()`` and f-strings give the wire code (``"InternalError"``), on every
    Python version, and members compare equal to plain strings.
    """

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class SDKError(Exception):
    """Base of every exception the generated bindings raise."""

    def __str__(self) -> str:
        return scrub(super().__str__())

    def __repr__(self) -> str:
        return scrub(super().__repr__())


class TencentCloudError(SDKError):
    """The service answered with an error envelope.

    ``code`` is the member of the action's ``<Action>ErrorCode`` enum or of
    ``CommonErrorCode`` when the code is known there, otherwise the code
    string as received; either way it compares equal to the wire code.
    ``message`` is the service's text, which may change without notice:
    decide on ``code``, not on ``message``.
    """

    def __init__(
        self,
        code: str,
        message: str,
        request_id: str = "",
        action: str = "",
        status: int = 0,
    ) -> None:
        self.code = code
        self.message = scrub(message)
        self.request_id = request_id
        self.action = action
        self.status = status
        """The HTTP status of the answer (0 when parsed from a body alone)."""
        self.headers: Mapping[str, str] = _NO_HEADERS
        """The HTTP headers of the answer (empty when parsed from a body alone)."""
        super().__init__(code, message, request_id, action, status)

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}".rstrip()
        if self.action:
            text += f" (action {self.action}"
            text += f", request id {self.request_id})" if self.request_id else ")"
        elif self.request_id:
            text += f" (request id {self.request_id})"
        return scrub(text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ResponseError(SDKError):
    """The answer could not be read as a Tencent Cloud response.

    ``status`` is the HTTP status (0 when not known), ``headers`` the HTTP
    headers (empty when not known), ``request_id`` the request id when one
    could be read, ``excerpt`` the start of the body (known secrets hidden)
    and ``action`` the action answered, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        request_id: str = "",
        excerpt: str = "",
        action: str = "",
    ) -> None:
        self.status = status
        self.headers: Mapping[str, str] = _NO_HEADERS
        self.request_id = request_id
        self.excerpt = scrub(excerpt)
        self.action = action
        super().__init__(message)


class HTTPStatusError(ResponseError):
    """The HTTP status was not 200 and the body held no error envelope."""


class InvalidJSONError(ResponseError):
    """The body was not valid JSON (or not valid UTF-8), or nested too deeply
    to be decoded (deeper than the interpreter's recursion limit allows)."""


class MissingEnvelopeError(ResponseError):
    """The body was JSON but had no ``Response`` object."""


_NO_BODY: Mapping[str, Any] = MappingProxyType({})


class ResponseShapeError(ResponseError):
    """The ``Response`` object did not match the action's response model.

    Raised for such answers only when strict decoding was asked for (by
    default they are decoded tolerantly and the differences recorded in
    ``response.meta.deviations``), and for bodies that cannot be decoded at
    all. ``body`` is the whole decoded body (empty when it could not be
    decoded) and ``deviations`` every place where it disagreed with the model.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        request_id: str = "",
        excerpt: str = "",
        body: Mapping[str, Any] = _NO_BODY,
        deviations: Sequence[Deviation] = (),
        action: str = "",
    ) -> None:
        super().__init__(
            message,
            status=status,
            request_id=request_id,
            excerpt=excerpt,
            action=action,
        )
        self.body = body
        """The whole decoded body, so that no data of the answer is lost."""
        self.deviations: tuple[Deviation, ...] = tuple(deviations)
        """Where the answer disagreed with the response model, in model order."""


class StreamError(ResponseError):
    """An event stream broke the limits or rules of its format: one event
    larger than the stream's ``max_event_size``, or bytes that are not UTF-8.
    Nothing is repeated: events before it may already have been used."""


class TransportError(SDKError):
    """No answer came: the connection failed or timed out.

    ``sent`` tells whether the request may have reached the service (False
    only when the connection failed before anything was sent).
    """

    def __init__(self, message: str, *, sent: bool, action: str = "") -> None:
        self.sent = sent
        self.action = action
        super().__init__(message)


class DeadlineExceeded(TransportError):
    """The call's deadline passed before an answer came (see ``deadlines``).

    ``attempts`` is how many attempts were made (0: the deadline had passed
    before the first); ``sent`` whether any of them may have reached the
    service. The error of the last attempt, if any, is the ``__cause__``.
    """

    def __init__(
        self, message: str, *, attempts: int, sent: bool, action: str = ""
    ) -> None:
        self.attempts = attempts
        super().__init__(message, sent=sent, action=action)


class CredentialsError(SDKError):
    """No usable credentials: the message says every place that was looked at."""


class RequestValidationError(SDKError, ValueError):
    """A request did not fit its model; raised before anything was signed or sent.

    ``path`` is the wire path of the value at fault (``Limit``,
    ``Filters[0].Values``; an ``extra_params`` key, or "" for the request as
    a whole), ``expected`` what the model takes there (msgspec's words:
    ``int | null``, ``array``; "a value" for a required field left out; ""
    when it does not say), ``reason`` the whole explanation and ``action``
    the action called. A ``ValueError`` too, so that code catching bad input
    that way keeps working.
    """

    def __init__(
        self, reason: str, *, path: str = "", expected: str = "", action: str = ""
    ) -> None:
        self.reason = reason
        self.path = path
        self.expected = expected
        self.action = action
        where = f"{path}: " if path else ""
        super().__init__(f"{action or 'request'}: {where}{reason}")


class WaiterError(SDKError):
    """A waiter stopped before the work was done (see ``waiting``).

    ``reason`` is "failure" (the polled action reported a failure state) or
    "timeout" (the timeout passed first). ``state`` is the last state seen
    (for an error code the waiter polls through, ``"error <code>"``),
    ``response`` the last typed answer (None when none came), ``attempts``
    how many polls were made, ``elapsed`` the seconds spent, ``action`` the
    action that started the work and ``poller`` the action polled.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        action: str,
        poller: str,
        state: str,
        response: Any,
        attempts: int,
        elapsed: float,
    ) -> None:
        self.reason = reason
        self.action = action
        self.poller = poller
        self.state = state
        self.response = response
        self.attempts = attempts
        self.elapsed = elapsed
        super().__init__(message)
