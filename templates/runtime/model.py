"""Base classes of the generated models and the response envelope parser.

Every API 3.0 answer is ``{"Response": {...}}``. On success the object holds the
action's fields and ``RequestId``; on failure it holds ``Error`` with ``Code``
and ``Message``. :meth:`Response.from_envelope` reads either form.

Decoding policy: unknown fields are ignored (services add fields without a new
API version), numbers and booleans sent as strings are accepted (``"10"`` for
an integer), and every response field may be absent or null.

An answer that still does not fit its model is decoded again, tolerantly (see
the ``tolerant`` module): nothing of it is lost, and each place where it
disagreed is recorded as a :class:`Deviation` in ``response.meta.deviations``.
With ``strict=True`` such an answer raises
:class:`~.errors.ResponseShapeError` instead.

A successful answer costs one typed decode and nothing else: every response
model has a hidden ``Error`` field typed ``None``, so an error envelope fails
that decode and only then is it read as an error (see :func:`parse_envelope`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

import msgspec

if TYPE_CHECKING:
    from enum import Enum

    from . import exceptions as errors

# The exception classes (``exceptions``) and the common codes' enum (``errors``)
# are imported by the functions that make an error, when one arrives, so that
# importing the models alone builds neither.

__all__ = [
    "Model",
    "Request",
    "Response",
    "ResponseMeta",
    "Deviation",
    "parse_envelope",
    "envelope_error",
]

_EXCERPT = 200


class Model(msgspec.Struct, kw_only=True, omit_defaults=True, repr_omit_defaults=True):
    """Base of every generated type: keyword-only, unset fields left out of JSON."""


class Request(Model):
    """Base of every ``<Action>Request``. ``msgspec.json.encode(request)`` is the body."""


R = TypeVar("R", bound="Response")


class Deviation(msgspec.Struct, frozen=True):
    """One place where an answer disagreed with its response model.

    ``kept`` is what the attribute at ``path`` holds: ``value`` itself when it
    could not be coerced (``coerced`` false; ``None`` for a required field
    that was absent), otherwise a lossless coercion of it (``coerced`` true):
    a number or boolean where text is expected becomes its JSON text, and a
    single value where a list is expected becomes a one-element list.
    """

    path: str
    """Where, from the response object, with wire names: ``InstanceSet[0].Zone``."""
    expected: str
    """The type the model has there, null aside: ``str``, ``list[Instance]``."""
    value: Any
    """The value that came, as decoded from JSON; ``msgspec.UNSET`` when absent."""
    kept: Any
    """What the attribute holds instead of a value of the expected type."""
    coerced: bool = False
    """True when ``kept`` is a lossless coercion of ``value``, not ``value`` itself."""


class ResponseMeta(msgspec.Struct, frozen=True):
    """What is known about how a response arrived; ``response.meta``.

    None of it is part of the model: it is not in the JSON, ``==`` or repr.
    A response parsed with ``from_envelope`` has status 0, no headers and 0
    attempts; one returned by a client call has all of them.
    """

    status: int = 0
    """The HTTP status of the answer (0 when parsed from a body alone)."""
    headers: Mapping[str, str] = msgspec.field(default_factory=dict)
    """The HTTP headers of the answer (names compare without regard to case)."""
    attempts: int = 0
    """How many HTTP requests the call took, retries included."""
    elapsed: float = 0.0
    """Seconds from the start of the first attempt to the parsed answer, pauses included."""
    deviations: tuple[Deviation, ...] = ()
    """Where the answer disagreed with the response model (see ``Deviation``)."""


_NO_META = ResponseMeta()


class Response(Model, dict=True):
    """Base of every ``<Action>Response``.

    ``meta`` (a :class:`ResponseMeta`) tells how the answer arrived; it is
    kept beside the fields, so it changes neither the JSON nor equality.
    """

    request_id: str = msgspec.field(name="RequestId")
    """The unique id the service gave this request; quote it when asking for support."""

    _error: None = msgspec.field(default=None, name="Error")
    # Not data: always None. An error envelope has an ``Error`` object, which
    # this type refuses, so the one typed decode of an answer also tells
    # errors apart and a success needs no second look (see parse_envelope).

    __action__: ClassVar[str] = ""
    # A generated response names its action; the action's error-code enum is
    # found by that name in the sibling ``errors`` module (its BY_ACTION),
    # imported only when an error arrives: importing the models should not
    # pay for building every enum.

    @property
    def meta(self) -> ResponseMeta:
        """HTTP status and headers, attempts, elapsed time and deviations."""
        found: ResponseMeta = self.__dict__.get("_meta", _NO_META)
        return found

    @classmethod
    def from_envelope(
        cls: type[R], body: bytes | str | Mapping[str, Any], *, strict: bool = False
    ) -> R:
        """Parse a whole response body into this response type.

        ``body`` is the raw body (bytes or str) or an already decoded dict.
        Raises the matching :class:`~.errors.TencentCloudError` subclass when the
        envelope carries an error, and a :class:`~.errors.ResponseError`
        subclass when the body is not a usable response.
        """
        # parse_envelope's fast path, inlined: this is the hot path of every call.
        try:
            result: R = _FAST[cls].decode(body).Response  # type: ignore[arg-type]  # a mapping: TypeError
            return result
        except msgspec.ValidationError as exc:
            refused: msgspec.ValidationError | None = exc
        # First use, a mapping, not JSON: the full path tells.
        except Exception:  # noqa: BLE001
            refused = None
        return _parse(cls, body, refused, strict)


class ResponseWithErrorField(Response):
    """Base of a response model with an ``Error`` field of its own (a few
    services send one in successful answers).

    Its hidden field moves aside, so its answers are checked for an error
    envelope before the typed decode instead of by it.
    """

    _error: None = msgspec.field(default=None, name="Response.Error")


def attach_meta(response: Response, meta: ResponseMeta) -> None:
    """Set what ``response.meta`` returns."""
    response.__dict__["_meta"] = meta


T = TypeVar("T")


class _Envelope(msgspec.Struct, Generic[T]):
    Response: T


class _ErrorDetail(msgspec.Struct):
    Code: str | None = None
    Message: str = ""


class _ErrorBody(msgspec.Struct):
    # Any: a malformed Error must be reported, not skipped as an unknown field.
    Error: Any = None
    RequestId: Any = ""


_ERROR_DECODER = msgspec.json.Decoder(_Envelope[_ErrorBody], strict=False)
# Typed decoders by response class. _FAST holds those whose decode alone tells
# an error envelope apart (the hidden field is "Error"); see parse_envelope.
_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}
_FAST: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def _decoder(cls: type[R]) -> msgspec.json.Decoder[_Envelope[R]]:
    decoder = _DECODERS.get(cls)
    if decoder is None:
        decoder = _DECODERS[cls] = msgspec.json.Decoder(_Envelope[cls], strict=False)  # type: ignore[valid-type]
        if (
            cls.__struct_encode_fields__[cls.__struct_fields__.index("_error")]
            == "Error"
        ):
            _FAST[cls] = decoder  # not a ResponseWithErrorField
    return decoder


def _excerpt(body: bytes | str | Mapping[str, Any]) -> str:
    if isinstance(body, bytes):
        return body[:_EXCERPT].decode("utf-8", "replace")
    return str(body)[:_EXCERPT]


def _error_enum(cls: type[Response]) -> type[Enum] | None:
    if not cls.__action__:
        return None
    import importlib
    from enum import Enum

    package = cls.__module__.rpartition(".")[0]
    try:
        by_action = importlib.import_module(f"{package}.errors").BY_ACTION
    except (ModuleNotFoundError, AttributeError):
        return None  # a response class defined outside a generated package
    found = by_action.get(cls.__action__)
    return found if isinstance(found, type) and issubclass(found, Enum) else None


def service_error(
    cls: type[Response] | None, detail: _ErrorDetail, request_id: str, action: str = ""
) -> errors.SDKError:
    """The exception for an error envelope, its code typed by the enums.

    The code becomes the member of the action's enum or, failing that, of
    ``CommonErrorCode`` (the common client has only the latter); a code
    neither lists stays a string.
    """
    from . import exceptions as errors

    code = detail.Code
    if code is None:
        return errors.ResponseShapeError(
            "error envelope without Error.Code",
            request_id=request_id,
            excerpt=detail.Message[:_EXCERPT],
        )
    from .errors import CommonErrorCode, error_class

    known = code
    for codes in (_error_enum(cls) if cls is not None else None, CommonErrorCode):
        # An action may list no code of its own; calling an empty enum is a TypeError.
        if codes is not None and len(codes):
            try:
                # Generated code enums mix in str, so a member is the code string.
                known = cast(str, codes(code))
                break
            except ValueError:
                pass  # a code the specs do not list stays a plain string
    return error_class(code)(
        known, detail.Message, request_id, cls.__action__ if cls is not None else action
    )


def envelope_error(cls: type[Response], body: bytes | str) -> errors.SDKError | None:
    """The exception an error envelope in ``body`` stands for, or None if it has none."""
    # Only a body that mentions "Error" can be an error envelope; checking for
    # the bytes first keeps successful responses to a single typed decode.
    if isinstance(body, str):
        if '"Error"' not in body:
            return None
    elif b'"Error"' not in body:
        return None
    try:
        envelope = _ERROR_DECODER.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None  # not an envelope at all; the typed decode reports why
    return _error_of(cls, envelope.Response.Error, envelope.Response.RequestId, body)


def _error_of(
    cls: type[Response] | None, error: Any, request_id: Any, body: Any, action: str = ""
) -> errors.SDKError | None:
    from . import exceptions as errors

    if error is None:
        return None
    request_id = request_id if isinstance(request_id, str) else ""
    try:
        detail = msgspec.convert(error, _ErrorDetail, strict=False)
    except msgspec.ValidationError as exc:
        return errors.ResponseShapeError(
            f"malformed error envelope: {exc}",
            request_id=request_id,
            excerpt=_excerpt(body),
        )
    return service_error(cls, detail, request_id, action)


def error_in(inner: Mapping[str, Any], action: str) -> errors.SDKError | None:
    """The exception an already decoded ``Response`` object stands for, or None.

    For answers read without a model (the common client): codes stay strings.
    """
    return _error_of(None, inner.get("Error"), inner.get("RequestId"), inner, action)


def parse_envelope(
    cls: type[R], body: bytes | str | Mapping[str, Any], *, strict: bool = False
) -> R:
    """Read ``body`` as an envelope for ``cls``; see :meth:`Response.from_envelope`.

    A success is one typed decode. An error envelope fails it on the hidden
    ``Error`` field, as does an answer that does not fit the model; both,
    and bodies that are not bytes or str, take :func:`_parse`.
    """
    try:
        result: R = _FAST[cls].decode(body).Response  # type: ignore[arg-type]  # a mapping: TypeError
        return result
    except msgspec.ValidationError as exc:
        refused: msgspec.ValidationError | None = exc
    # First use, a mapping, not JSON: the full path tells.
    except Exception:  # noqa: BLE001
        refused = None
    return _parse(cls, body, refused, strict)


def _parse(
    cls: type[R],
    body: bytes | str | Mapping[str, Any],
    refused: msgspec.ValidationError | None,
    strict: bool,
) -> R:
    """The full path: ``refused`` is the typed decode's error when it already ran and failed."""
    from . import exceptions as errors

    if isinstance(body, Mapping):
        return _parse_mapping(cls, body, strict)
    if isinstance(body, (bytearray, memoryview)):
        body = bytes(body)
    if not isinstance(body, (bytes, str)):
        raise TypeError(
            f"body must be bytes, str or a mapping, not {type(body).__name__}"
        )
    error = envelope_error(cls, body)
    if error is not None:
        raise error
    if refused is None:
        try:
            result: R = _decoder(cls).decode(body).Response
            return result
        except msgspec.ValidationError as exc:
            refused = exc
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise errors.InvalidJSONError(
                f"response body is not valid JSON: {exc}", excerpt=_excerpt(body)
            ) from None
    return _mismatch(cls, body, refused, strict)


class _RequestIdOnly(msgspec.Struct):
    RequestId: Any = ""


_REQUEST_ID_DECODER = msgspec.json.Decoder(_Envelope[_RequestIdOnly])


def _request_id(body: bytes | str | Mapping[str, Any]) -> str:
    """The RequestId of a body that did not fit its model, if one can be read."""
    try:
        if isinstance(body, Mapping):
            inner = body.get("Response")
            found = inner.get("RequestId") if isinstance(inner, Mapping) else ""
        else:
            found = _REQUEST_ID_DECODER.decode(body).Response.RequestId
    except (msgspec.DecodeError, UnicodeDecodeError):
        return ""
    return found if isinstance(found, str) else ""


def _no_envelope(message: str) -> bool:
    """Whether a validation message of ``_Envelope[...]`` means there is no envelope."""
    # msgspec ends its message with the failing place; the envelope is missing
    # when the top level is wrong, "Response" is absent, or it is no object.
    return (
        " - at `" not in message
        or message.startswith("Object missing required field `Response`")
        or (
            message.startswith("Expected `object`")
            and message.endswith("- at `$.Response`")
        )
    )


def _shape_error(
    exc: msgspec.ValidationError, body: bytes | str | Mapping[str, Any]
) -> errors.ResponseError:
    from . import exceptions as errors

    message = str(exc)
    if _no_envelope(message):
        return errors.MissingEnvelopeError(
            f"no Response object in the body: {message}", excerpt=_excerpt(body)
        )
    return errors.ResponseShapeError(
        f"response does not match the model: {message}",
        request_id=_request_id(body),
        excerpt=_excerpt(body),
    )


def _parse_mapping(cls: type[R], body: Mapping[str, Any], strict: bool) -> R:
    from . import exceptions as errors

    inner = body.get("Response")
    if not isinstance(inner, Mapping):
        raise errors.MissingEnvelopeError(
            "no Response object in the body", excerpt=_excerpt(body)
        )
    error = _error_of(cls, inner.get("Error"), inner.get("RequestId"), body)
    if error is not None:
        raise error
    try:
        return msgspec.convert(inner, cls, strict=False)
    except msgspec.ValidationError:
        pass
    from . import tolerant  # only answers that do not fit pay for importing it

    return tolerant.decode_inner(cls, body, inner, strict)


def _mismatch(
    cls: type[R], body: bytes | str, exc: msgspec.ValidationError, strict: bool
) -> R:
    """Decode an answer the typed decoder refused: tolerantly, or raise if strict."""
    if _no_envelope(str(exc)):
        raise _shape_error(exc, body) from None
    from . import tolerant  # only answers that do not fit pay for importing it

    return tolerant.decode(cls, body, exc, strict)
