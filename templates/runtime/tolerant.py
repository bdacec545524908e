"""Tolerant decoding of answers that do not fit their response model.

Real services send values their own descriptions do not allow: a number where
the description says string, one object where it says list, ``null`` for a
required value. The typed decoder refuses such an answer as a whole; this
module decodes it again, field by field, so that nothing is lost:

- every value the typed decoder accepts is taken as it would take it;
- a number or boolean where text is expected becomes its JSON text;
- a single value where a list is expected becomes a one-element list;
- anything else (``null`` where a value is required, an object where text is
  expected, ...) is kept as it came, as plain JSON values;
- unknown fields are ignored, as by the typed decoder.

Each such place is recorded as a :class:`~.model.Deviation`. Tolerant
decoding attaches them to ``response.meta.deviations`` and logs a warning
once per action and place on this module's logger; strict decoding raises
:class:`~.errors.ResponseShapeError` with the decoded body and the deviations.

Only answers the typed decoder refused come here, so the normal path pays
nothing for it; ``envelope`` imports this module on first use.
"""

from __future__ import annotations

import logging
import re
import threading
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from . import errors
from .envelope import error_of, excerpt, shape_error
from .model import Deviation, R, ResponseMeta, attach_meta

__all__ = ["decode", "decode_inner"]

_log = logging.getLogger(__name__)

_ABSENT: Any = msgspec.UNSET
_BRIEF = 60
# Values at paths with one of these words (SecretKey, Password, UserSig, ...)
# are not shown in log lines or exception messages; the response and the
# deviations keep them.
_SECRET = re.compile(
    r"secret|passw|token|credential|private|signature|sig\b|accesskey|apikey",
    re.IGNORECASE,
)


class _Walk:
    """The state of one tolerant decode: where it is and what it found."""

    __slots__ = ("path", "found")

    def __init__(self) -> None:
        self.path: list[str | int] = []
        self.found: list[Deviation] = []

    def note(self, expected: str, value: Any, kept: Any, coerced: bool = False) -> Any:
        self.found.append(
            Deviation(_path_text(self.path), expected, value, kept, coerced)
        )
        return kept


# A plan decodes one value for one type. It is only called with a value that
# ``msgspec.convert(value, type, strict=False)`` refused: everything that call
# accepts is accepted silently, exactly as by the typed decoder.
_Plan = Callable[[Any, _Walk], Any]
_PLANS: dict[Any, _Plan] = {}


def _plan(tp: Any) -> _Plan:
    found = _PLANS.get(tp)
    if found is None:
        found = _PLANS.setdefault(tp, _make_plan(tp))
    return found


def _convert(value: Any, tp: Any, plan: _Plan, walk: _Walk, step: str | int) -> Any:
    """``value`` as type ``tp``: typed when it fits, through ``plan`` when not."""
    try:
        return msgspec.convert(value, tp, strict=False)
    except msgspec.ValidationError:
        pass
    walk.path.append(step)
    try:
        return plan(value, walk)
    finally:
        walk.path.pop()


def _make_plan(tp: Any) -> _Plan:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _plan(args[0])
    if origin is typing.Union or origin is types.UnionType:
        others = [a for a in args if a is not type(None)]
        if len(others) == 1:
            # ``X | None``: null fits, so the plan only ever sees other values.
            return _plan(others[0])
        return _raw_plan(" | ".join(_type_name(a) for a in others))
    if tp is str:
        return _text
    if tp is bool or tp is int or tp is float:
        return _raw_plan(tp.__name__)
    if origin is list or tp is list:
        return _list_plan(args[0] if args else Any)
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return _struct_plan(tp)
    return _raw_plan(_type_name(tp))


def _type_name(tp: Any) -> str:
    if tp is type(None):
        return "None"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Union or origin is types.UnionType:
        return " | ".join(_type_name(a) for a in args if a is not type(None))
    if origin is not None:
        inner = ", ".join(_type_name(a) for a in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    return getattr(tp, "__name__", str(tp))


def _raw_plan(expected: str) -> _Plan:
    def keep(value: Any, walk: _Walk) -> Any:
        return walk.note(expected, value, value)

    return keep


def _text(value: Any, walk: _Walk) -> Any:
    if value is True or value is False:
        return walk.note("str", value, "true" if value else "false", True)
    if isinstance(value, int):
        return walk.note("str", value, int.__repr__(value), True)
    # finite: JSON has a text for it
    if isinstance(value, float) and value - value == 0.0:
        return walk.note("str", value, msgspec.json.encode(value).decode(), True)
    return walk.note("str", value, value)


def _list_plan(item_type: Any) -> _Plan:
    expected = f"list[{_type_name(item_type)}]"
    item_plan = _plan(item_type)

    def run(value: Any, walk: _Walk) -> Any:
        if isinstance(value, (list, tuple)):
            return [
                _convert(item, item_type, item_plan, walk, index)
                for index, item in enumerate(value)
            ]
        if value is None:
            return walk.note(expected, None, None)
        kept: list[Any] = []
        walk.note(expected, value, kept, True)
        kept.append(_convert(value, item_type, item_plan, walk, 0))
        return kept

    return run


def _struct_plan(cls: type[msgspec.Struct]) -> _Plan:
    expected = cls.__name__
    # (wire name, attribute, type, required); built on first use, so that
    # types referring to themselves or to each other need no special care.
    table: list[tuple[str, str, Any, bool]] | None = None

    def run(value: Any, walk: _Walk) -> Any:
        nonlocal table
        if not isinstance(value, Mapping):
            return walk.note(expected, value, value)
        if table is None:
            table = [
                (f.encode_name, f.name, f.type, f.required)
                for f in msgspec.structs.fields(cls)
            ]
        values: dict[str, Any] = {}
        for wire, name, tp, required in table:
            item = value.get(wire, _ABSENT)
            if item is _ABSENT:
                if required:
                    walk.path.append(wire)
                    values[name] = walk.note(_type_name(tp), _ABSENT, None)
                    walk.path.pop()
                continue
            values[name] = _convert(item, tp, _plan(tp), walk, wire)
        return cls(**values)

    return run


def _path_text(path: list[str | int]) -> str:
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else step
    return text


def decode(
    cls: type[R], body: bytes | str, refused: msgspec.ValidationError, strict: bool
) -> R:
    """Decode ``body``, which the typed decoder refused with ``refused``."""
    try:
        decoded = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        # Valid JSON that cannot be held as Python values (a number out of
        # range, nesting too deep): nothing to recover.
        raise shape_error(refused, body) from None
    inner = decoded.get("Response") if isinstance(decoded, dict) else None
    if not isinstance(inner, dict):
        raise errors.MissingEnvelopeError(
            "no Response object in the body", excerpt=excerpt(body)
        )
    return _finish(cls, body, decoded, inner, strict)


def decode_inner(
    cls: type[R], body: Mapping[str, Any], inner: Mapping[str, Any], strict: bool
) -> R:
    """Decode the already decoded ``inner`` of ``body`` (its ``Response`` object)."""
    return _finish(cls, body, body, inner, strict)


def _finish(
    cls: type[R],
    body: bytes | str | Mapping[str, Any],
    decoded: Mapping[str, Any],
    inner: Mapping[str, Any],
    strict: bool,
) -> R:
    error = error_of(cls, inner.get("Error"), inner.get("RequestId"), body)
    if error is not None:
        raise error
    walk = _Walk()
    try:
        response: R = _plan(cls)(inner, walk)
    except RecursionError:
        raise errors.ResponseShapeError(
            "response nested too deeply to be decoded",
            excerpt=excerpt(body),
            body=decoded,
        ) from None
    if walk.found:
        if strict:
            request_id = inner.get("RequestId")
            raise errors.ResponseShapeError(
                _message(walk.found),
                request_id=request_id if isinstance(request_id, str) else "",
                excerpt=excerpt(body),
                body=decoded,
                deviations=walk.found,
            )
        _warn(cls.__action__ or cls.__name__, walk.found)
        attach_meta(response, ResponseMeta(deviations=tuple(walk.found)))
    return response


def _message(found: list[Deviation]) -> str:
    first = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return (
        f"response does not match the model at {first.path}: {_describe(first)}{more}"
    )


def _describe(deviation: Deviation) -> str:
    secret = _SECRET.search(deviation.path) is not None
    text = f"expected {deviation.expected}, got {_brief(deviation.value, secret)}"
    if deviation.coerced:
        text += f", kept {_brief(deviation.kept, secret)}"
    return text


def _brief(value: Any, secret: bool) -> str:
    if value is _ABSENT:
        return "nothing"
    kind = {
        type(None): "null",
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
    }.get(type(value), type(value).__name__)
    if secret or value is None:
        return kind
    try:
        shown = msgspec.json.encode(value).decode()
    except (TypeError, ValueError, OverflowError):
        shown = repr(value)  # not a JSON value (a mapping given by the caller)
    if len(shown) > _BRIEF:
        shown = shown[: _BRIEF - 3] + "..."
    return f"{kind} {shown}"


_LOGGED: set[tuple[str, str]] = set()
_LOGGED_LOCK = threading.Lock()
_LOGGED_MAX = 10_000


def _warn(action: str, found: list[Deviation]) -> None:
    """Log each deviation once per action and place (list indexes aside)."""
    for deviation in found:
        key = (action, re.sub(r"\[\d+\]", "[]", deviation.path))
        with _LOGGED_LOCK:
            if key in _LOGGED:
                continue
            if len(_LOGGED) >= _LOGGED_MAX:
                _LOGGED.clear()  # bounded memory; warnings may then repeat
            _LOGGED.add(key)
        _log.warning(
            "%s answer does not match its model at %s: %s; decoded tolerantly (see response.meta.deviations)",
            action,
            deviation.path,
            _describe(deviation),
        )
