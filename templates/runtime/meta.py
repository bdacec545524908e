"""What is known about a response besides its fields: :class:`ResponseMeta`
(HTTP status, headers, attempts, elapsed time, the answer as it came) and the
:class:`Deviation` records of an answer that disagreed with its model.

A leaf of the runtime: it imports only msgspec and the standard library
(``exceptions``, a leaf too, for a kept body too deep to decode). ``model``
re-exports both names, their documented home.

The answer as it came: a response keeps a reference to the body it was
parsed from (the bytes the client already holds; nothing is copied), in a
hidden slot outside the msgspec fields (:class:`Kept`), so it is not in the
JSON, ``==``, repr or copies of the model. ``meta.raw`` and ``meta.unknown``
decode it only when read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

__all__ = ["Deviation", "ResponseMeta", "NO_META"]


class Deviation(msgspec.Struct, frozen=True):
    """One place where an answer disagreed with its response model.

    ``kept`` is what the attribute at ``path`` holds: ``value`` itself when it
    could not be coerced (``coerced`` false; ``None`` for a required field
    that was absent), otherwise a lossless coercion of it (``coerced`` true):
    a number or boolean where text is expected becomes its JSON text, exactly
    as it was sent (``1.10`` stays ``"1.10"``), and a single value where a
    list is expected becomes a one-element list.
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


class Kept:
    """Mixed into a Struct: one slot, ``_kept``, that is no msgspec field.

    Not in the JSON, ``==``, repr, pickles or copies; unset until written.
    A response's holds the body it was parsed from; a meta's, that body and
    the model it was parsed into.
    """

    __slots__ = ("_kept",)
    _kept: Any


# Writes the slot even on a frozen struct (whose own setattr refuses).
_set_kept: Callable[[Any, Any], None] = vars(Kept)["_kept"].__set__


class InnerText:
    """A kept body that is the JSON text of a ``Response`` object itself (a
    streamed event's data), not of a whole envelope."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class ResponseMeta(msgspec.Struct, Kept, frozen=True):
    """What is known about how a response arrived; ``response.meta``.

    None of it is part of the model: it is not in the JSON, ``==`` or repr.
    A response parsed with ``from_envelope`` has status 0, no headers and 0
    attempts; one returned by a client call has all of them. The repr shows
    the fields below and never the body behind ``raw``.
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
    endpoint: str = ""
    """The URL the answering attempt went to ("" when no request was sent)."""
    failover: str = ""
    """Its route when failover is on (``primary``, ``backup``, ``probe`` or
    ``pinned``; see ``failover``), "" when it is off."""

    @property
    def raw(self) -> Any:
        """The answer's ``Response`` object as plain Python values, exactly as
        received: fields the model does not declare included, at any depth.

        Each read decodes the kept body anew, so the dict returned is the
        caller's to change: nothing else sees it. ``None`` for a response
        that was not parsed from an answer (built in code, or a copy).
        """
        source: tuple[Any, Any] | None = getattr(self, "_kept", None)
        return None if source is None else raw_of(source[0])

    @property
    def unknown(self) -> tuple[str, ...]:
        """The wire paths in the answer that the model does not declare, in
        the answer's order, with the syntax of ``Deviation.path``
        (``InstanceSet[0].NewField``); reach their values through ``raw``.

        Computed on each read. Empty when the answer had none, when nothing
        was kept (see ``raw``) and for CommonClient answers (no model: the
        dict already holds every field).
        """
        source: tuple[Any, Any] | None = getattr(self, "_kept", None)
        if source is None or source[1] is None:
            return ()
        return unknown_paths(raw_of(source[0]), source[1])


NO_META = ResponseMeta()
"""The meta of a response nothing is known about."""


def kept_meta(meta: ResponseMeta, body: Any, model: type[Any] | None) -> ResponseMeta:
    """A copy of ``meta`` whose ``raw`` reads ``body`` and whose ``unknown``
    compares it with ``model`` (None: no model, nothing is unknown)."""
    copy = msgspec.structs.replace(meta)
    _set_kept(copy, (body, model))
    return copy


def new_meta(body: Any, model: type[Any], **fields: Any) -> ResponseMeta:
    """A new meta with ``fields`` whose ``raw`` reads ``body`` (no copy made,
    unlike :func:`kept_meta`)."""
    meta = ResponseMeta(**fields)
    _set_kept(meta, (body, model))
    return meta


def raw_of(body: Any) -> Any:
    """The ``Response`` object of a kept body, freshly decoded (or copied)."""
    if isinstance(body, Mapping):
        try:
            return _copy(body["Response"])
        except RecursionError:
            raise _too_deep() from None
    text = body.text if isinstance(body, InnerText) else body
    try:
        decoded = msgspec.json.decode(text)
    except msgspec.DecodeError:
        # A value the typed decode skipped that msgspec cannot hold (a
        # number out of float's range): the standard decoder reads it.
        import json

        decoded = json.loads(text)
    except RecursionError:
        raise _too_deep() from None
    return decoded if isinstance(body, InnerText) else decoded["Response"]


def _too_deep() -> Exception:
    from .exceptions import InvalidJSONError

    return InvalidJSONError(
        "the response body is nested too deeply to be read as plain values"
    )


def _copy(value: Any) -> Any:
    """``value`` with every mapping and list copied (a body given as a mapping)."""
    if isinstance(value, Mapping):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(item) for item in value]
    return value


def path_text(path: list[str | int] | tuple[str | int, ...]) -> str:
    """A path of wire names and list indexes as text: ``InstanceSet[0].Zone``."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else step
    return text


# What a model type asks for where it is found: ("object", its wire name ->
# type), ("list", item type), ("map", value type), or None (a leaf, free-form
# data, or a union no value can be matched to).
_SHAPES: dict[Any, Any] = {}


def _shape(tp: Any) -> Any:
    try:
        found = _SHAPES.get(tp, _SHAPES)
    except TypeError:  # an annotation that cannot be hashed
        return _make_shape(tp)
    if found is _SHAPES:
        found = _SHAPES[tp] = _make_shape(tp)
    return found


def core_type(tp: Any) -> Any:
    """``tp`` without ``Annotated`` and without ``| None``; a union of several
    types stays as it is."""
    import types
    import typing

    while True:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is typing.Annotated:
            tp = args[0]
        elif origin is typing.Union or origin is types.UnionType:
            others = [a for a in args if a is not type(None)]
            if len(others) != 1:
                return tp
            tp = others[0]
        else:
            return tp


def _make_shape(tp: Any) -> Any:
    import typing

    tp = core_type(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        declared = {
            f.encode_name: f.type
            for f in msgspec.structs.fields(tp)
            if f.name != "_error"  # a response's hidden error probe is no field
        }
        return ("object", declared)
    if origin in (list, tuple, set, frozenset) and args:
        return ("list", args[0])
    if origin in (dict, Mapping) and len(args) == 2:
        return ("map", args[1])
    return None


def unknown_paths(inner: Any, model: type[Any]) -> tuple[str, ...]:
    """The paths in ``inner`` (a ``Response`` object as plain values) that
    ``model`` does not declare, in the order they come.

    Only objects the model types as objects are looked into (directly, in
    lists or as map values); a value of another shape is a deviation, not an
    unknown field. Walked with a stack: no depth is too deep.
    """
    found: list[str] = []
    # (path, value, its type); _UNKNOWN as the type: a path to report.
    stack: list[tuple[tuple[str | int, ...], Any, Any]] = [((), inner, model)]
    while stack:
        path, value, tp = stack.pop()
        if tp is _UNKNOWN:
            found.append(path_text(path))
            continue
        shape = _shape(tp)
        if shape is None:
            continue
        kind, of = shape
        steps: list[tuple[str | int, Any, Any]] = []
        if kind == "object" and isinstance(value, Mapping):
            steps = [(key, item, of.get(key, _UNKNOWN)) for key, item in value.items()]
        elif kind == "list" and isinstance(value, (list, tuple)):
            steps = [(index, item, of) for index, item in enumerate(value)]
        elif kind == "list":
            # One value where a list is expected: the list of one it is kept
            # as (a deviation) holds it, at the same wire path.
            stack.append((path, value, of))
        elif kind == "map" and isinstance(value, Mapping):
            steps = [(key, item, of) for key, item in value.items()]
        # In reverse, so that the stack gives them back in their order.
        for step, item, item_type in reversed(steps):
            stack.append(((*path, step), item, item_type))
    return tuple(found)


_UNKNOWN: Any = object()
