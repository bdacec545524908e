"""Reading an answer that its one typed decode did not settle.

``model`` decodes each answer once into its response type. When that fails,
or the body is a mapping, this module takes over: it tells an error
envelope apart from a malformed body, makes the matching exception with its
code typed by the enums, and hands an answer that does not fit its model to
``tolerant``. It is imported when the first such answer arrives (the client
imports it for its error checks), so importing the models alone loads
neither it nor the exception classes and the common codes' enum, which it
imports on use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import msgspec

from .model import _FAST, R, Response

if TYPE_CHECKING:
    from enum import Enum

    from . import exceptions as errors

_EXCERPT = 200

T = TypeVar("T")


# Not tracked by the cyclic collector: it lives only while its answer is
# decoded and cannot be part of a cycle; tracking it cost every parse.
class _Envelope(msgspec.Struct, Generic[T], gc=False):
    Response: T


class _ErrorDetail(msgspec.Struct):
    Code: str | None = None
    Message: str = ""


class _ErrorBody(msgspec.Struct):
    # Any: a malformed Error must be reported, not skipped as an unknown field.
    Error: Any = None
    RequestId: Any = ""


_ERROR_DECODER = msgspec.json.Decoder(_Envelope[_ErrorBody], strict=False)
# Typed decoders by response class; those of model._FAST too.
_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}


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


def excerpt(body: bytes | str | Mapping[str, Any]) -> str:
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
    return error_of(cls, envelope.Response.Error, envelope.Response.RequestId, body)


def error_of(
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
            excerpt=excerpt(body),
        )
    return service_error(cls, detail, request_id, action)


def error_in(inner: Mapping[str, Any], action: str) -> errors.SDKError | None:
    """The exception an already decoded ``Response`` object stands for, or None.

    For answers read without a model (the common client): codes stay strings.
    """
    return error_of(None, inner.get("Error"), inner.get("RequestId"), inner, action)


def parse(
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
                f"response body is not valid JSON: {exc}", excerpt=excerpt(body)
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


def shape_error(
    exc: msgspec.ValidationError, body: bytes | str | Mapping[str, Any]
) -> errors.ResponseError:
    from . import exceptions as errors

    message = str(exc)
    if _no_envelope(message):
        return errors.MissingEnvelopeError(
            f"no Response object in the body: {message}", excerpt=excerpt(body)
        )
    return errors.ResponseShapeError(
        f"response does not match the model: {message}",
        request_id=_request_id(body),
        excerpt=excerpt(body),
    )


def _parse_mapping(cls: type[R], body: Mapping[str, Any], strict: bool) -> R:
    from . import exceptions as errors

    inner = body.get("Response")
    if not isinstance(inner, Mapping):
        raise errors.MissingEnvelopeError(
            "no Response object in the body", excerpt=excerpt(body)
        )
    error = error_of(cls, inner.get("Error"), inner.get("RequestId"), body)
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
        raise shape_error(exc, body) from None
    from . import tolerant  # only answers that do not fit pay for importing it

    return tolerant.decode(cls, body, exc, strict)
