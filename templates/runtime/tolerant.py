"""Tolerant decoding of answers that do not fit their response model.

Real services send values their own descriptions do not allow: a number where
the description says string, one object where it says list, ``null`` for a
required value. The typed decoder refuses such an answer as a whole; this
module decodes it again, field by field, so that nothing is lost:

- every value the typed decoder accepts is taken as it would take it;
- a number or boolean where text is expected becomes its JSON text, exactly
  as sent (``1.10`` stays ``"1.10"``, ``1e2`` stays ``"1e2"``);
- a single value where a list is expected becomes a one-element list;
- anything else (``null`` where a value is required, an object where text is
  expected, ...) is kept as it came, as plain JSON values;
- unknown fields are left out, as by the typed decoder (``meta.raw`` and
  ``meta.unknown`` still reach them).

Each such place is recorded as a :class:`~.meta.Deviation`. :func:`decode`
is a function of the type and the values alone: ``envelope`` calls it,
attaches what it found to ``response.meta.deviations`` and calls :func:`warn`
to log it once per action and place on this module's logger (or, strict, raises
``ResponseShapeError`` with the body and the deviations).

Only answers the typed decoder refused come here, so the normal path pays
nothing for it; ``envelope`` imports this module on first use. It imports
``meta``, ``redaction`` and msgspec, nothing of the runtime above them.
"""

from __future__ import annotations

import logging
import re
import threading
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import msgspec

from .meta import Deviation, path_text
from .redaction import scrub

__all__ = ["decode", "message", "warn"]

T = TypeVar("T")

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


_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ARRAY = msgspec.json.Decoder(list[msgspec.Raw])
_NOT_ARRAY: Any = object()


class _Walk:
    """The state of one tolerant decode: where it is and what it found.

    ``source`` is the body's JSON text, when there is one: a number kept as
    text is cut from it, so that it is the number exactly as sent.
    """

    __slots__ = ("path", "found", "source", "_levels")

    def __init__(self, source: bytes | str | None) -> None:
        self.path: list[str | int] = []
        self.found: list[Deviation] = []
        self.source = source
        # Containers on the way to such numbers, each decoded one level deep
        # (its items left as JSON text) once: by their path from the body.
        self._levels: dict[tuple[str | int, ...], Any] = {}

    def json_text(self) -> str | None:
        """The JSON text of the value at ``path``, from ``source``."""
        if self.source is None:
            return None
        node: Any = self.source
        level: Any
        prefix: tuple[str | int, ...] = ()
        for step in ("Response", *self.path):
            level = self._levels.get(prefix)
            if level is None:
                try:
                    level = (_ARRAY if isinstance(step, int) else _OBJECT).decode(node)
                except msgspec.ValidationError:
                    # One value where a list is expected: its index 0 is
                    # the walk's, not the body's.
                    level = _NOT_ARRAY
                self._levels[prefix] = level
            if level is not _NOT_ARRAY:
                node = level[step]
            prefix += (step,)
        return bytes(node).decode()

    def note(self, expected: str, value: Any, kept: Any, coerced: bool = False) -> Any:
        self.found.append(
            Deviation(path_text(self.path), expected, value, kept, coerced)
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
    if isinstance(value, (int, float)):
        sent = walk.json_text()
        if sent is not None:
            return walk.note("str", value, sent, True)
        # A decoded mapping has no text: the number as JSON writes it.
        if isinstance(value, int):
            return walk.note("str", value, int.__repr__(value), True)
        if value - value == 0.0:  # finite: JSON has a text for it
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


def decode(
    cls: type[T], inner: Mapping[str, Any], source: bytes | str | None = None
) -> tuple[T, list[Deviation]]:
    """``inner`` (a body's ``Response`` object) as ``cls``, and where it disagreed.

    ``source`` is the whole body's JSON text, when there is one. Raises
    ``RecursionError`` for values nested deeper than the walk can follow.
    """
    walk = _Walk(source)
    response: T = _plan(cls)(inner, walk)
    return response, walk.found


def message(found: list[Deviation]) -> str:
    """One line naming the first deviation (and how many more)."""
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
    if secret or value is None or _holds_secret(value):
        return kind
    try:
        shown = msgspec.json.encode(value).decode()
    except (TypeError, ValueError, OverflowError):
        shown = repr(value)  # not a JSON value (a mapping given by the caller)
    if len(shown) > _BRIEF:
        shown = shown[: _BRIEF - 3] + "..."
    return f"{kind} {shown}"


def _holds_secret(value: Any) -> bool:
    """Whether an object inside ``value`` has a key that looks secret."""
    stack = [value]
    while stack:  # not recursive: the value may be nested deeply
        item = stack.pop()
        if isinstance(item, Mapping):
            if any(_SECRET.search(str(key)) for key in item):
                return True
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


_LOGGED: set[tuple[str, str]] = set()
_LOGGED_LOCK = threading.Lock()
_LOGGED_MAX = 10_000


def warn(action: str, found: list[Deviation]) -> None:
    """Log each deviation once per action and place (list indexes aside).

    Known secrets are taken out of every line (``redaction.scrub``).
    """
    for deviation in found:
        key = (action, re.sub(r"\[\d+\]", "[]", deviation.path))
        with _LOGGED_LOCK:
            if key in _LOGGED:
                continue
            if len(_LOGGED) >= _LOGGED_MAX:
                _LOGGED.clear()  # bounded memory; warnings may then repeat
            _LOGGED.add(key)
        line = (
            f"{action} answer does not match its model at {deviation.path}:"
            f" {_describe(deviation)}; decoded tolerantly"
            " (see response.meta.deviations)"
        )
        _log.warning("%s", scrub(line))
