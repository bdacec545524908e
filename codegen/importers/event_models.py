"""Event models inferred from example event streams.

Tencent describes some streaming actions' answers with nothing but
``RequestId`` (trtc 2019-07-22 TextToSpeechSSE): the events' fields are
shown only in the action's examples. For such an action the importer reads
the data of every example event and writes what they show as the response
type, marked ``inferred_from: examples``:

- the events whose data holds ``Error`` are error events, not a shape of
  the answer: they are left out (the client raises them as errors), and so
  are texts such as ``[DONE]``; ``RequestId`` stays implicit;
- a field's type is what its values are: string, integer, number (an
  integer in some events and a fraction in others is a number), boolean,
  an array of the values of its items, or an object, which becomes a type
  of its own (``<Action><Field>``, ``<Action><Field>Item`` for the objects
  of an array); a field that is sometimes ``null`` is nullable;
- a field present in every event (in every object of its place, for nested
  ones) is listed in ``required``: in a response that only documents that
  the examples always show it, every field stays optional in the model;
- a field whose values disagree (a string in one event, an object in
  another), whose examples give no type (only ``null``, empty arrays), or
  whose name the spec format does not take is left out, with a note.

This is a guess from a handful of hand-written examples: the response's
description says so, and ``stream.events()`` still has every event as sent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..diagnostics import json_pointer
from ..naming import class_name, type_class

INFERRED_FROM = "examples"
# Nested deeper than this, a value is not followed (examples are input).
MAX_DEPTH = 16
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$(?!\n)")
_MAX_NAME = 120
# A place of the result -> (file, JSON pointer), as tencent_api records them.
Places = dict[tuple[Any, ...], tuple[str, str]]


class _Values:
    """What the values seen at one place of the events have in common."""

    def __init__(self) -> None:
        self.kinds: set[str] = set()
        self.null = False
        self.objects: _Objects | None = None
        self.items: _Values | None = None

    def add(self, value: Any, depth: int) -> None:
        if value is None:
            self.null = True
        elif isinstance(value, bool):
            self.kinds.add("boolean")
        elif isinstance(value, int):
            self.kinds.add("integer")
        elif isinstance(value, float):
            self.kinds.add("number")
        elif isinstance(value, str):
            self.kinds.add("string")
        elif isinstance(value, dict):
            self.kinds.add("object")
            if depth < MAX_DEPTH:
                self.objects = self.objects or _Objects()
                self.objects.add(value, depth + 1)
        elif isinstance(value, list):
            self.kinds.add("array")
            if depth < MAX_DEPTH:
                self.items = self.items or _Values()
                for item in value:
                    self.items.add(item, depth + 1)


class _Objects:
    """The objects seen at one place: how many, and the values of each key."""

    def __init__(self) -> None:
        self.count = 0
        self.present: Counter[str] = Counter()
        self.fields: dict[str, _Values] = {}

    def add(self, value: Mapping[str, Any], depth: int) -> None:
        self.count += 1
        for key, item in value.items():
            self.present[key] += 1
            self.fields.setdefault(key, _Values()).add(item, depth)


def shown_events(examples: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The data of every example event that shows the answer's shape: objects without ``Error``."""
    return [
        data
        for example in examples
        for data in example.get("events") or ()
        if isinstance(data, dict) and "Error" not in data
    ]


class EventModel:
    """Infers one action's event model into its spec document and the service's types."""

    def __init__(self, action: str, types: dict[str, Any], taken: set[str], origin: tuple[str, str]) -> None:
        self.action = action
        self.types = types  # the service's types: inferred ones are added
        self.taken = taken  # class names in use (type_class of each), updated
        self.origin = origin  # where everything inferred comes from: the action's examples
        self.notes: list[str] = []
        self.added: list[str] = []  # type names added, in order

    def infer(self, document: dict[str, Any], places: Places, service_places: Places) -> bool:
        """Fill ``document``'s empty response from its example events; False when none shows a field."""
        events = shown_events(document.get("examples") or ())
        if not events:
            return False
        seen = _Objects()
        for data in events:
            seen.add({k: v for k, v in data.items() if k != "RequestId"}, 1)
        response = self._object(seen, "", "", "event")
        if not response["properties"]:
            return False
        count = f"{len(events)} example event{'s' if len(events) != 1 else ''}"
        note = (
            f"The description declares no fields for these events beyond RequestId; these were inferred "
            f"from the data of {count} in the action's examples (error events left out). Fields the "
            f"examples do not show are missing: ``stream.events()`` gives every event as sent."
        )
        old = document["response"].get("description", "")
        document["response"] = {"type": "object", "description": f"{old}\n\n{note}" if old else note, **response}
        # Where each inferred place came from: the action's examples.
        inferred: list[tuple[Places, tuple[str, ...], dict[str, Any]]] = [(places, ("response",), response)]
        inferred += [(service_places, ("types", name), self.types[name]) for name in self.added]
        for target, at, schema in inferred:
            if at[0] == "types":
                target[at] = self.origin
            for step in ("inferred_from", "required", "properties"):
                target[(*at, step)] = self.origin
            for field in schema["properties"]:
                target[(*at, "properties", field)] = self.origin
        return True

    def _object(self, seen: _Objects, stem: str, path: str, unit: str) -> dict[str, Any]:
        """A spec object of the objects ``seen`` at ``path`` (nested types named from ``stem``)."""
        properties: dict[str, Any] = {}
        required = []
        for key, values in seen.fields.items():
            place = f"{path}.{key}" if path else key
            if len(key) > _MAX_NAME or not _NAME.match(key):
                self.notes.append(f"field {place!r}: left out: not a name the spec format takes")
                continue
            prop = self._property(values, stem + key, place)
            if prop is None:
                continue
            present = seen.present[key]
            if present == seen.count:
                required.append(key)
                where = f"every {unit} ({present})"
            else:
                where = f"{present} of {seen.count} {unit}s"
            prop["description"] = f"Inferred from the examples: present in {where}."
            properties[key] = prop
        result: dict[str, Any] = {"type": "object", "inferred_from": INFERRED_FROM}
        if required:
            result["required"] = required
        result["properties"] = properties
        return result

    def _property(self, values: _Values, stem: str, place: str) -> dict[str, Any] | None:
        kinds = values.kinds
        if kinds == {"integer", "number"}:
            kinds = {"number"}
        if not kinds:
            self.notes.append(f"field {place}: left out: its examples give no value to infer a type from")
            return None
        if len(kinds) > 1:
            self.notes.append(f"field {place}: left out: its example values disagree ({', '.join(sorted(kinds))})")
            return None
        (kind,) = kinds
        prop: dict[str, Any]
        if kind == "object":
            if values.objects is None:
                self.notes.append(f"field {place}: left out: nested too deeply")
                return None
            prop = {"$ref": f"#/types/{self._type(values.objects, stem, place)}"}
        elif kind == "array":
            items = self._property(values.items, stem + "Item", f"{place}[]") if values.items else None
            if items is None:
                if values.items is None:
                    self.notes.append(f"field {place}: left out: nested too deeply")
                return None
            items.pop("nullable", None)
            prop = {"type": "array", "items": items}
        else:
            prop = {"type": kind}
        if values.null:
            prop["nullable"] = True
        return prop

    def _type(self, seen: _Objects, stem: str, place: str) -> str:
        """A new shared type for the objects at ``place``, named after the action and the field."""
        name = self._free_name(f"{self.action}{stem}")
        self.taken.add(type_class(name))
        schema = self._object(seen, stem, place, "object")
        description = f"The objects at {place} of {self.action}'s events, inferred from its examples."
        self.types[name] = {"description": description, **schema}
        self.added.append(name)
        return name

    def _free_name(self, wanted: str) -> str:
        name = wanted[:_MAX_NAME]
        suffix = 1
        while type_class(name) in self.taken:
            suffix += 1
            name = f"{wanted[: _MAX_NAME - len(str(suffix))]}{suffix}"
        return name


def taken_names(objects: Iterable[str], actions: Iterable[str]) -> set[str]:
    """The class names an inferred type must not take: api.json's objects and each action's classes."""
    taken = {type_class(name) for name in objects}
    for action in actions:
        stem = class_name(action)
        taken.update(stem + suffix for suffix in ("Request", "Response", "ErrorCode"))
    return taken


def infer_events(
    name: str,
    document: dict[str, Any],
    types: dict[str, Any],
    taken: set[str],
    places: Places,
    service_places: Places,
    examples_file: str,
) -> Sequence[str]:
    """Infer the events of streaming action ``name`` when its response declares no field.

    Returns notes for the import (what was inferred, what was left out).
    """
    if not document.get("streaming") or document["response"].get("properties"):
        return []
    model = EventModel(name, types, taken, (examples_file, json_pointer("actions", name)))
    if not model.infer(document, places, service_places):
        return [f"{name}: the description declares no event fields and no example event shows one"]
    fields = ", ".join(document["response"]["properties"])
    found = [f"{name}: event model inferred from the examples: {fields}"]
    return found + [f"{name}: {note}" for note in model.notes]
