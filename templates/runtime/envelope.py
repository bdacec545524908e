"""Reading an answer that its one typed decode did not settle.

``model`` decodes each answer once into its response type. When that fails,
or the body is a mapping, ``model`` hands the answer here: this module tells
an error envelope apart from a malformed or ambiguous body, makes the
matching exception with its code typed by the enums, and has an answer that
does not fit its model decoded by ``tolerant``.

It works on any response class given as an argument and never imports
``model`` (``model`` imports it, lazily, on the first answer it does not
settle). It imports ``exceptions``, ``meta`` and msgspec; ``tolerant`` and the
generated error modules (``errors`` beside it and the service's) only when
an answer needs them, so a program whose calls succeed loads neither.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import msgspec

from . import exceptions
from .redaction import scrubbed_excerpt

if TYPE_CHECKING:
    from enum import Enum

    from .meta import Deviation

__all__ = ["envelope_error", "error_in", "parse"]

_EXCERPT = 200

T = TypeVar("T")


class _ErrorDetail(msgspec.Struct):
    Code: str | None = None
    Message: str = ""


class _ErrorBody(msgspec.Struct):
    # Any: a malformed Error must be reported, not skipped as an unknown field.
    Error: Any = None
    RequestId: Any = ""


class _ErrorEnvelope(msgspec.Struct, gc=False):
    Response: _ErrorBody


class _RequestIdOnly(msgspec.Struct):
    RequestId: Any = ""


class _RequestIdEnvelope(msgspec.Struct, gc=False):
    Response: _RequestIdOnly


_ERROR_DECODER = msgspec.json.Decoder(_ErrorEnvelope, strict=False)
_FIELDS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_REQUEST_ID_DECODER = msgspec.json.Decoder(_RequestIdEnvelope)
_TOO_DEEP = "it is nested too deeply to be decoded"


def _action(cls: type[Any] | None) -> str:
    return str(getattr(cls, "__action__", "") or "")


def excerpt(body: bytes | str | Mapping[str, Any]) -> str:
    """The start of ``body`` for a message, known secrets hidden."""
    text = body if isinstance(body, (bytes, str)) else str(body)
    return scrubbed_excerpt(text, _EXCERPT)


def invalid_json(
    exc: Exception, body: bytes | str, action: str = "", what: str = "response body"
) -> exceptions.InvalidJSONError:
    """The typed error for a body the JSON decoder refused with ``exc``."""
    if isinstance(exc, RecursionError):
        reason = _TOO_DEEP
    else:
        reason = str(exc)
        # msgspec reads a high surrogate escape's partner before checking it:
        # near the end of the body a lone one reads as truncated input.
        if "truncated" in reason:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            found = _HIGH.search(text)
            if found is not None:
                reason = (
                    f"the escape {found.group()} at character {found.start()} is a"
                    " lone UTF-16 surrogate, which stands for no character"
                )
    prefix = f"{action}: " if action else ""
    return exceptions.InvalidJSONError(
        f"{prefix}{what} is not valid JSON: {reason}",
        excerpt=excerpt(body),
        action=action,
    )


# A high surrogate escape with no low one after it.
_HIGH = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})")


def _error_enum(cls: type[Any]) -> type[Enum] | None:
    action = _action(cls)
    if not action:
        return None
    import importlib
    from enum import Enum

    package = cls.__module__.rpartition(".")[0]
    try:
        by_action = importlib.import_module(f"{package}.errors").BY_ACTION
    except (ModuleNotFoundError, AttributeError):
        return None  # a response class defined outside a generated package
    found = by_action.get(action)
    return found if isinstance(found, type) and issubclass(found, Enum) else None


def service_error(
    cls: type[Any] | None, detail: _ErrorDetail, request_id: str, action: str = ""
) -> exceptions.SDKError:
    """The exception for an error envelope, its code typed by the enums.

    The code becomes the member of the action's enum or, failing that, of
    ``CommonErrorCode`` (the common client has only the latter); a code
    neither lists stays a string.
    """
    action = _action(cls) or action
    code = detail.Code
    if code is None:
        return exceptions.ResponseShapeError(
            "error envelope without Error.Code",
            request_id=request_id,
            excerpt=excerpt(detail.Message),
            action=action,
        )
    # The generated module beside this one: loaded at the first error only.
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
    return error_class(code)(known, detail.Message, request_id, action)


def envelope_error(cls: type[Any], body: bytes | str) -> exceptions.SDKError | None:
    """The exception an error envelope in ``body`` stands for, or None if it has none.

    A body with two ``Response`` objects, or two ``Error`` objects in its
    ``Response``, is ambiguous: its :class:`~.exceptions.ResponseShapeError`.
    A body nested too deeply to decode gives its ``InvalidJSONError``.
    """
    ambiguous = _ambiguity(body)
    if ambiguous is not None:
        action = _action(cls)
        return exceptions.ResponseShapeError(
            f"{action + ': ' if action else ''}ambiguous envelope: {ambiguous}",
            excerpt=excerpt(body),
            action=action,
        )
    # Only a body that mentions "Error" can be an error envelope (an escaped
    # key is found by the tolerant path's own check).
    if isinstance(body, str):
        if '"Error"' not in body:
            return None
    elif b'"Error"' not in body:
        return None
    try:
        envelope = _ERROR_DECODER.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None  # not an envelope at all; the typed decode reports why
    except RecursionError as exc:
        return invalid_json(exc, body, _action(cls))
    return error_of(cls, envelope.Response.Error, envelope.Response.RequestId, body)


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs, duplicates kept."""


def _ambiguity(body: bytes | str) -> str | None:
    """What makes ``body`` ambiguous (a key twice where it decides), or None.

    Decoders keep the last of two equal keys, so ``{"Response": <error>,
    "Response": <success>}`` would read as the success. Only bodies that
    name ``Response`` or ``Error`` twice, or escape an ASCII character (as
    a key spelled ``"Respons\\u0065"`` would), are decoded here a second time.
    """
    if isinstance(body, str):
        suspect = (
            body.count('"Response"') > 1 or body.count('"Error"') > 1 or "\\u00" in body
        )
    else:
        suspect = (
            body.count(b'"Response"') > 1
            or body.count(b'"Error"') > 1
            or b"\\u00" in body
        )
    if not suspect:
        return None
    import json

    try:
        top = json.loads(body, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        return None  # not JSON this decoder reads; the typed decode reports it
    if not isinstance(top, _Pairs):
        return None
    responses = [value for key, value in top if key == "Response"]
    if len(responses) > 1:
        return f"{len(responses)} Response objects in the body"
    if responses and isinstance(responses[0], _Pairs):
        found = sum(key == "Error" for key, _ in responses[0])
        if found > 1:
            return f"{found} Error objects in its Response"
    return None


def error_of(
    cls: type[Any] | None, error: Any, request_id: Any, body: Any, action: str = ""
) -> exceptions.SDKError | None:
    if error is None:
        return None
    request_id = request_id if isinstance(request_id, str) else ""
    try:
        detail = msgspec.convert(error, _ErrorDetail, strict=False)
    except msgspec.ValidationError as exc:
        return exceptions.ResponseShapeError(
            f"malformed error envelope: {exc}",
            request_id=request_id,
            excerpt=excerpt(body),
            action=_action(cls) or action,
        )
    return service_error(cls, detail, request_id, action)


def error_in(inner: Mapping[str, Any], action: str) -> exceptions.SDKError | None:
    """The exception an already decoded ``Response`` object stands for, or None.

    For answers read without a model (the common client): codes stay strings.
    """
    return error_of(None, inner.get("Error"), inner.get("RequestId"), inner, action)


def parse(
    cls: type[T],
    body: bytes | str | Mapping[str, Any],
    refused: msgspec.ValidationError | None,
    strict: bool,
    decoder: msgspec.json.Decoder[Any],
) -> tuple[T, tuple[Deviation, ...]]:
    """The response in ``body`` and its deviations, or the exception it stands for.

    ``decoder`` is the typed decoder of ``cls``'s envelope, and ``refused``
    its error when it already ran on ``body`` and failed.
    """
    if not isinstance(body, (bytes, str)):  # checked first: the usual case
        if isinstance(body, Mapping):
            return _parse_mapping(cls, body, strict)
        if not isinstance(body, (bytearray, memoryview)):
            raise TypeError(
                f"body must be bytes, str or a mapping, not {type(body).__name__}"
            )
        body = bytes(body)
    error = envelope_error(cls, body)
    if error is not None:
        raise error
    action = _action(cls)
    if refused is None:
        try:
            result: T = decoder.decode(body).Response
            return result, ()
        except msgspec.ValidationError as exc:
            refused = exc
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise invalid_json(exc, body, action) from None
    misfit = str(refused)
    if _no_envelope(misfit):
        raise shape_error(refused, body, action) from None
    # Split into the text of each field, not decoded: the tolerant walk
    # decodes each with its type and splits further only where it misfits.
    try:
        inner = _FIELDS.decode(_FIELDS.decode(body)["Response"])
    except (msgspec.ValidationError, KeyError):
        raise exceptions.MissingEnvelopeError(
            "no Response object in the body", excerpt=excerpt(body), action=action
        ) from None
    except RecursionError as exc:  # nested past where the typed decode stopped
        raise invalid_json(exc, body, action) from None
    except (msgspec.DecodeError, UnicodeDecodeError):  # broken past the misfit
        raise shape_error(refused, body, action) from None
    try:
        return _tolerate(cls, body, inner, strict, misfit)
    except (msgspec.DecodeError, UnicodeDecodeError):  # a number out of range
        raise shape_error(refused, body, action) from None


def _request_id(body: bytes | str | Mapping[str, Any]) -> str:
    """The RequestId of a body that did not fit its model, if one can be read."""
    try:
        if isinstance(body, Mapping):
            inner = body.get("Response")
            found = inner.get("RequestId") if isinstance(inner, Mapping) else ""
        else:
            found = _REQUEST_ID_DECODER.decode(body).Response.RequestId
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
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
    exc: msgspec.ValidationError,
    body: bytes | str | Mapping[str, Any],
    action: str = "",
) -> exceptions.ResponseError:
    message = str(exc)
    if _no_envelope(message):
        return exceptions.MissingEnvelopeError(
            f"no Response object in the body: {message}",
            excerpt=excerpt(body),
            action=action,
        )
    return exceptions.ResponseShapeError(
        f"response does not match the model: {message}",
        request_id=_request_id(body),
        excerpt=excerpt(body),
        action=action,
    )


def _parse_mapping(
    cls: type[T], body: Mapping[str, Any], strict: bool
) -> tuple[T, tuple[Deviation, ...]]:
    action = _action(cls)
    inner = body.get("Response")
    if not isinstance(inner, Mapping):
        raise exceptions.MissingEnvelopeError(
            "no Response object in the body", excerpt=excerpt(body), action=action
        )
    error = error_of(cls, inner.get("Error"), inner.get("RequestId"), body)
    if error is not None:
        raise error
    try:
        return msgspec.convert(inner, cls, strict=False), ()
    except msgspec.ValidationError:
        pass
    except RecursionError:
        raise exceptions.InvalidJSONError(
            f"{action}: the response is nested too deeply to be decoded",
            excerpt=excerpt(body),
            action=action,
        ) from None
    return _tolerate(cls, body, inner, strict)


def _tolerate(
    cls: type[T],
    body: bytes | str | Mapping[str, Any],
    inner: Mapping[str, Any],
    strict: bool,
    misfit: str = "",
) -> tuple[T, tuple[Deviation, ...]]:
    """Decode an answer the typed decoder refused (``misfit``: its message)
    tolerantly, or raise if strict. ``inner`` is its ``Response`` object:
    decoded for a mapping body, each field's ``msgspec.Raw`` for text."""
    action = _action(cls)
    text = isinstance(body, (bytes, str))
    error, request_id = inner.get("Error"), inner.get("RequestId")
    if text:
        error = None if error is None else msgspec.json.decode(error)
        request_id = None if request_id is None else msgspec.json.decode(request_id)
    found_error = error_of(cls, error, request_id, body)
    if found_error is not None:
        raise found_error  # an Error key the byte check above did not see (escaped)
    tolerant, report = _tolerant()
    try:
        if text:
            response, found = tolerant.decode_fields(cls, cast("Any", inner), misfit)
        else:
            response, found = tolerant.decode(cls, inner)
    except RecursionError:
        raise exceptions.ResponseShapeError(
            "response nested too deeply to be decoded",
            excerpt=excerpt(body),
            body=_decoded(body),
            action=action,
        ) from None
    if found and strict:
        raise exceptions.ResponseShapeError(
            report.message(found),
            request_id=request_id if isinstance(request_id, str) else "",
            excerpt=excerpt(body),
            body=_decoded(body),
            deviations=found,
            action=action,
        )
    if found:
        report.warn(action or cls.__name__, found)
    return response, tuple(found)


_TOLERANT: Any = None


def _tolerant() -> Any:
    """``tolerant`` and ``tolerant_report``, imported by the first answer that
    does not fit (and held: an import statement costs a microsecond)."""
    global _TOLERANT
    if _TOLERANT is None:
        from . import tolerant, tolerant_report

        _TOLERANT = (tolerant, tolerant_report)
    return _TOLERANT


def _decoded(body: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    """The body as plain values, for an exception that carries it."""
    if isinstance(body, Mapping):
        return body
    try:
        decoded = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return {}
    return decoded if isinstance(decoded, dict) else {}
