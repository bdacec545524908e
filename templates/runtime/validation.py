"""Requests checked before they are signed, and the extra parameters of a call.

Every request a generated client sends is checked against its model first,
by msgspec: the request is encoded (as MessagePack, by wire name, nested
models and lists included) and decoded back into its model, strictly. That
refuses a value of the wrong type (``"abc"`` for an integer, ``1`` or bytes
for a string, a string for a list, ``True`` for an integer), ``None`` for a
field that takes none, a required field left out and a value msgspec cannot
encode, at any depth, whether the request came as keyword arguments or as a
request object. msgspec's complaint becomes a
:class:`~.exceptions.RequestValidationError` naming the wire path
(``Filters[0].Values``) and what the model expected there (in msgspec's
words: ``null`` is None, ``array`` a list, ``object`` a model or dict).
MessagePack rather than the JSON of the body, because JSON writes bytes as
text and so could not tell them apart; the two encodings and the typed
decode cost about a microsecond for a typical request.

File fields (the ``bytes`` fields of an upload) take bytes or a binary file
object, which msgspec cannot tell apart from other objects: each is checked
here to be one of them (anything with a ``read`` method counts), then
stands in as empty bytes for the rest of the check.

``extra_params`` of a call (:func:`extra`) are parameters the model does
not declare, for parameters newer than the spec the package was generated
from: wire names as keys, values msgspec can encode as JSON (models
included). A key that names a declared parameter, by its wire name or by
its attribute name, is refused: set it as the field it is. In a JSON body
they follow the request's fields; in an upload (``multipart``) each is a
part of its own after the declared ones, written by the rules of a declared
parameter of its kind.

Layer 1 (decoding): imports ``exceptions`` and msgspec (``model`` for
annotations only).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from .exceptions import RequestValidationError

if TYPE_CHECKING:
    from .model import Request

__all__ = ["extra", "from_fields", "check", "json_body", "refused"]

# The typed decoder of each request class checked so far.
_DECODERS: dict[type[Any], msgspec.msgpack.Decoder[Any]] = {}
# What msgspec raises for a value it cannot encode (a lone surrogate in a
# string, an integer past 64 bits, a memoryview with gaps, an object of
# another kind).
_UNENCODABLE = (TypeError, ValueError, OverflowError, BufferError)

R = TypeVar("R", bound="Request")

_BINARY = (bytes, bytearray, memoryview)
_FILE = "bytes or a binary file object"
# msgspec's words: "Expected `int | null`, got `str` - at `$.Filters[0].Limit`"
# and "Object missing required field `Name` - at `$.Filters[0]`".
_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$(?P<path>.*)`)?$", re.DOTALL)
_EXPECTED = re.compile(r"^Expected `(?P<expected>[^`]*)`")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]*)`$")


def refused(error: msgspec.ValidationError, action: str) -> RequestValidationError:
    """msgspec's complaint about a request as a :class:`RequestValidationError`."""
    found = _AT.match(str(error))
    assert found is not None  # the pattern matches any text
    reason, path = found["reason"], (found["path"] or "").lstrip(".")
    missing = _MISSING.match(reason)
    if missing:
        path = f"{path}.{missing['field']}" if path else missing["field"]
        reason, expected = "a required field, not given", "a value"
    else:
        expected_match = _EXPECTED.match(reason)
        expected = expected_match["expected"] if expected_match else ""
    return RequestValidationError(reason, path=path, expected=expected, action=action)


def from_fields(
    cls: type[R], fields: Mapping[str, Any], action: str, binary: Collection[str] = ()
) -> R:
    """The request made of keyword arguments (attribute names), not yet checked.

    A name the model does not have raises ``TypeError``, as any Python call
    does; a required field left out raises :class:`RequestValidationError`.
    The values are checked by :func:`check` (or :func:`json_body`).
    """
    try:
        return cls(**fields)
    except TypeError:
        names = _wire_names(cls)
        for name in fields:
            if name not in names:
                raise TypeError(
                    f"{cls.__name__} has no field {name!r}; send a parameter newer than"
                    " the spec as extra_params={'WireName': value}"
                ) from None
        # A required field is missing: msgspec names it, with the rest checked.
        values = {names[name]: value for name, value in fields.items()}
        for wire in binary:
            if wire in values:
                values[wire] = _stand_in(values[wire], wire, action)
        _round_trip(cls, values, action)
        raise


def check(request: Request, action: str, binary: Collection[str] = ()) -> None:
    """Check ``request`` against its model; :class:`RequestValidationError` when it does not fit.

    ``binary`` are the wire names of its file fields.
    """
    cls = type(request)
    if binary:
        names = {wire: name for name, wire in _wire_names(cls).items()}
        stand_ins = {
            names[wire]: _stand_in(getattr(request, names[wire]), wire, action)
            for wire in binary
        }
        request = msgspec.structs.replace(request, **stand_ins)
    _round_trip(cls, request, action)


def json_body(
    request: Request, action: str, params: Mapping[str, Any] | None = None
) -> bytes:
    """The checked request's JSON body, with the :func:`extra` ``params`` after its fields."""
    _round_trip(type(request), request, action)
    try:
        body = msgspec.json.encode(request)
    except _UNENCODABLE as exc:
        raise _unencodable(request, exc, action) from None
    if not params:
        return body
    try:
        added = msgspec.json.encode(params)
    except _UNENCODABLE as exc:
        raise _unencodable(params, exc, action) from None
    return added if body == b"{}" else body[:-1] + b"," + added[1:]


def extra(
    cls: type[Request], params: Mapping[str, Any] | None, action: str
) -> dict[str, Any]:
    """``extra_params`` checked (see the module docstring): by wire name, as plain values."""
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise RequestValidationError(
            f"extra_params must be a mapping of wire names to values, not {type(params).__name__}",
            path="extra_params",
            expected="a mapping",
            action=action,
        )
    wire_names = set(cls.__struct_encode_fields__)
    attributes = _wire_names(cls)
    checked: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise RequestValidationError(
                f"extra_params keys are wire names (non-empty strings), not {key!r}",
                path="extra_params",
                expected="a wire name",
                action=action,
            )
        if key in wire_names or key in attributes:
            wire = key if key in wire_names else attributes[key]
            name = next(n for n, w in attributes.items() if w == wire)
            raise RequestValidationError(
                f"{wire} is a declared parameter of {cls.__name__}; set it as {name}=...,"
                " not in extra_params",
                path=key,
                action=action,
            )
        try:
            checked[key] = msgspec.to_builtins(value)
        except _UNENCODABLE as exc:
            raise RequestValidationError(
                f"not a JSON value: {exc}",
                path=key,
                expected="a JSON value",
                action=action,
            ) from None
    return checked


def _wire_names(cls: type[Request]) -> dict[str, str]:
    """Attribute name -> wire name, for every field of ``cls``."""
    return dict(zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True))


def _round_trip(cls: type[Request], values: Any, action: str) -> None:
    """Encode ``values`` (a request, or a dict by wire name, files stood in) and
    decode them into ``cls``: :class:`RequestValidationError` when they do not fit."""
    decoder = _DECODERS.get(cls)
    if decoder is None:
        decoder = _DECODERS[cls] = msgspec.msgpack.Decoder(cls)
    try:
        packed = msgspec.msgpack.encode(values)
    except _UNENCODABLE as exc:
        raise _unencodable(values, exc, action) from None
    try:
        decoder.decode(packed)
    except msgspec.ValidationError as exc:
        raise refused(exc, action) from None


def _stand_in(value: Any, wire: str, action: str) -> Any:
    """What a file field's value stands as for msgspec: None, or empty bytes for its content."""
    if value is None:
        return None
    if isinstance(value, _BINARY) or callable(getattr(value, "read", None)):
        return b""
    raise RequestValidationError(
        f"Expected `{_FILE}`, got `{type(value).__name__}`",
        path=wire,
        expected=_FILE,
        action=action,
    )


def _unencodable(values: Any, error: Exception, action: str) -> RequestValidationError:
    """A value msgspec cannot encode, named by the top-level field that holds it."""
    if isinstance(values, msgspec.Struct):
        items = [
            (info.encode_name, getattr(values, info.name))
            for info in msgspec.structs.fields(values)
        ]
    else:
        items = list(values.items())
    for wire, value in items:
        try:
            msgspec.msgpack.encode(value)
            msgspec.json.encode(value)
        except _UNENCODABLE:
            if callable(getattr(value, "read", None)):
                reason = (
                    "a file object, but not a file field: files go in file fields only"
                )
                return RequestValidationError(reason, path=wire, action=action)
            break
    else:
        wire = ""
    return RequestValidationError(f"cannot be sent: {error}", path=wire, action=action)
