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
(decoded values) and :func:`decode_fields` (JSON text) are functions of the
type and the answer alone: ``envelope`` calls them, attaches what they found
to ``response.meta.deviations`` and has ``tolerant_report`` log it (or,
strict, raises ``ResponseShapeError`` with the body and the deviations).

Only answers the typed decoder refused come here, so the normal path pays
nothing for it; ``envelope`` imports this module on first use. It imports
``meta`` and msgspec, nothing of the runtime above them.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import msgspec

from .meta import Deviation, core_type, path_text

__all__ = ["decode", "decode_fields"]

T = TypeVar("T")

_ABSENT: Any = msgspec.UNSET


_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ARRAY = msgspec.json.Decoder(list[msgspec.Raw])


class _Walk:
    """The state of one tolerant decode: where it is and what it found.

    ``text`` is the JSON text of the value being decoded, when the answer
    came as text: a number kept as text is that text, exactly as sent.
    """

    __slots__ = ("path", "found", "text")

    def __init__(self) -> None:
        self.path: list[str | int] = []
        self.found: list[Deviation] = []
        self.text: msgspec.Raw | None = None

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
        if walk.text is not None:
            return walk.note("str", value, bytes(walk.text).decode(), True)
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


# (wire name, attribute, shape, required) of each struct type's fields;
# built on first use, so types referring to each other need no special care.
_FIELDS: dict[type[Any], list[tuple[str, str, _Shape, bool]]] = {}


def _fields(cls: type[msgspec.Struct]) -> list[tuple[str, str, _Shape, bool]]:
    found = _FIELDS.get(cls)
    if found is None:
        fields = msgspec.structs.fields(cls)
        found = _FIELDS.setdefault(
            cls, [(f.encode_name, f.name, _shape(f.type), f.required) for f in fields]
        )
    return found


def _missing(wire: str, shape: _Shape, walk: _Walk) -> Any:
    """A required field the answer left out: None, and noted."""
    walk.path.append(wire)
    kept = walk.note(shape.expected, _ABSENT, None)
    walk.path.pop()
    return kept


def _struct_plan(cls: type[msgspec.Struct]) -> _Plan:
    expected = cls.__name__

    def run(value: Any, walk: _Walk) -> Any:
        if not isinstance(value, Mapping):
            return walk.note(expected, value, value)
        values: dict[str, Any] = {}
        for wire, name, shape, required in _fields(cls):
            item = value.get(wire, _ABSENT)
            if item is not _ABSENT:
                values[name] = _convert(item, shape.tp, shape.plan, walk, wire)
            elif required:
                values[name] = _missing(wire, shape, walk)
        return cls(**values)

    return run


# An answer that came as JSON text is walked without decoding it into Python
# values first: each field is decoded from its own text by the typed decoder
# of its type, and only a field that decoder refuses is split further (an
# object into its fields, an array into its items), down to the values that
# do not fit. The plans above then judge those values, with their text.


class _Shape:
    """What the walk needs to know of one type, worked out once per type."""

    __slots__ = ("tp", "decode", "struct", "expected", "plan", "_item")

    def __init__(self, tp: Any) -> None:
        self.tp = tp
        self.decode = msgspec.json.Decoder(tp, strict=False).decode
        core = core_type(tp)
        is_struct = isinstance(core, type) and issubclass(core, msgspec.Struct)
        self.struct = core if is_struct else None
        # A list's item type, its shape made on first use (types may refer
        # to themselves); _ABSENT for a type that is no list.
        self._item: Any = _ABSENT
        if typing.get_origin(core) is list or core is list:
            self._item = (typing.get_args(core) or (Any,))[0]
        self.expected = _type_name(core)
        self.plan = _plan(core)

    def item(self) -> _Shape | None:
        if self._item is _ABSENT:
            return None
        if not isinstance(self._item, _Shape):
            self._item = _shape(self._item)
        return self._item


_SHAPES: dict[Any, _Shape] = {}


def _shape(tp: Any) -> _Shape:
    found = _SHAPES.get(tp)
    if found is None:
        found = _SHAPES.setdefault(tp, _Shape(tp))
    return found


# A hint is the path below a value to a place known not to fit (taken from
# the typed decoder's error), so that no decode is tried there only to fail
# again; None where nothing is known. A wrong hint only costs time: a value
# split into parts that all fit is the value the typed decode would give.
_Hint = tuple[str | int, ...] | None


def _descend(
    raw: msgspec.Raw, shape: _Shape, walk: _Walk, step: str | int, hint: _Hint = None
) -> Any:
    """The value of JSON text ``raw`` as ``shape``'s type, split where it does not fit."""
    if hint is None:
        try:
            return shape.decode(raw)
        except msgspec.ValidationError:
            pass
    walk.path.append(step)
    try:
        return _split(raw, shape, walk, hint)
    finally:
        walk.path.pop()


def _below(hint: _Hint, step: str | int) -> _Hint:
    return hint[1:] if hint and hint[0] == step else None


def _split(raw: msgspec.Raw, shape: _Shape, walk: _Walk, hint: _Hint) -> Any:
    if shape.struct is not None:
        if hint:
            found = _all_but(shape.struct, raw, walk, hint)
            if found is not _ABSENT:
                return found
        try:
            return _struct_of(shape.struct, _OBJECT.decode(raw), walk, hint)
        except msgspec.ValidationError:
            pass  # not an object: the plan below keeps it as it came
    else:
        item = shape.item()
        if item is not None:
            try:
                items = _ARRAY.decode(raw)
            except msgspec.ValidationError:
                pass  # one value where a list is expected
            else:
                return [
                    _descend(value, item, walk, index, _below(hint, index))
                    for index, value in enumerate(items)
                ]
            value = msgspec.json.decode(raw)
            if value is None:
                return walk.note(shape.expected, None, None)
            kept: list[Any] = []
            walk.note(shape.expected, value, kept, True)
            kept.append(_descend(raw, item, walk, 0))
            return kept
    walk.text = raw
    try:
        return shape.plan(msgspec.json.decode(raw), walk)
    finally:
        walk.text = None


def _struct_of(
    cls: type[msgspec.Struct],
    fields: dict[str, msgspec.Raw],
    walk: _Walk,
    hint: _Hint,
) -> Any:
    values: dict[str, Any] = {}
    for wire, name, shape, required in _fields(cls):
        raw = fields.get(wire)
        if raw is not None:
            values[name] = _descend(raw, shape, walk, wire, _below(hint, wire))
        elif required:
            values[name] = _missing(wire, shape, walk)
    return cls(**values)


def _all_but(
    cls: type[msgspec.Struct], raw: msgspec.Raw, walk: _Walk, hint: _Hint
) -> Any:
    """``cls`` from JSON text ``raw``: every field but the one ``hint`` names
    in one typed decode, that one walked; _ABSENT when the others do not all
    fit (the caller then walks each)."""
    assert hint
    entry = _variant(cls, hint[0])
    if entry is None:
        return _ABSENT
    name, shape, decoder = entry
    try:
        partial = decoder.decode(raw)
    except msgspec.ValidationError:
        return _ABSENT
    text = getattr(partial, name)
    if not isinstance(text, msgspec.Raw):
        return _ABSENT
    values = msgspec.structs.asdict(partial)
    values[name] = _descend(text, shape, walk, hint[0], hint[1:])
    return cls(**values)


# (struct type, wire name) -> (attribute, shape, decoder of a subclass whose
# field of that name is kept as JSON text); made for misfits only.
_VARIANTS: dict[tuple[type[Any], str | int], tuple[str, _Shape, Any] | None] = {}


def _variant(
    cls: type[msgspec.Struct], wire: str | int
) -> tuple[str, _Shape, Any] | None:
    key = (cls, wire)
    if key not in _VARIANTS:
        found = None
        for field_wire, name, shape, _ in _fields(cls):
            if field_wire == wire:
                text = (name, msgspec.Raw, msgspec.field(default=None, name=wire))
                variant = msgspec.defstruct(cls.__name__, [text], bases=(cls,))
                found = (name, shape, msgspec.json.Decoder(variant, strict=False))
        _VARIANTS[key] = found
    return _VARIANTS[key]


def decode(cls: type[T], inner: Mapping[str, Any]) -> tuple[T, list[Deviation]]:
    """``inner`` (a body's ``Response`` object, decoded) as ``cls``, and where
    it disagreed. Raises ``RecursionError`` for values nested deeper than the
    walk can follow."""
    walk = _Walk()
    response: T = _plan(cls)(inner, walk)
    return response, walk.found


_STEP = re.compile(r"\.([^.\[`]+)|\[(\d+)\]")


def decode_fields(
    cls: type[T], inner: dict[str, msgspec.Raw], refused: str = ""
) -> tuple[T, list[Deviation]]:
    """The same for a ``Response`` object that came as JSON text, split into
    the text of each of its fields; ``refused`` is the typed decoder's error
    (its path, ``... - at `$.Response.A[0].B```, is where to split first)."""
    _, _, at = refused.partition(" - at `$.Response")
    at = at.rstrip("`")
    hint: _Hint = None
    if "[" in at or at.count(".") > 1:
        hint = tuple(k or int(i) for k, i in _STEP.findall(at))
    elif at[:1] == ".":
        # A top-level field: walked at once, not decoded to fail again.
        hint = (at[1:],)
    walk = _Walk()
    response: T = _struct_of(cls, inner, walk, hint)  # type: ignore[arg-type]
    return response, walk.found
