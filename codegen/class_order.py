"""The order datamodel-code-generator (dmcg) gives the model classes, and when
a past run's order still holds or can be foreseen without running it.

dmcg places each class after the classes its fields refer to. It goes
through the classes in input order, taking every class whose references are
all taken (a class's reference to itself does not count), then goes through
those left, in the same order, again, and so on; classes that refer to each
other in a cycle are placed by a different rule once no pass takes any.
A field of a scalar type has no part in it.

Two ways a run can skip dmcg follow (``model_classes.render_models`` uses
them, and only after dmcg has run once on the service version and its own
render matched dmcg's text):

- :func:`order_shape` is all of a schema the order rests on: when it is the
  same as a past run's, so is the order (a docstring, or a field of a scalar
  type added, dropped, renamed, retyped or made optional);
- :func:`passes_order` is the pass rule above, for classes with no cycle
  among them: when it gave the very order dmcg gave on the last run (the
  run's ``ClassOrder.foreseen``), it gives the order of the changed classes
  too (a field referring to a class added or removed).

A differential Hypothesis test and a test over the whole corpus (both in
tests/codegen/test_model_chunks.py) hold the pinned dmcg to both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .ir import ObjectType, TypeRef

# dmcg stops its passes after as many as Python's recursion limit allows;
# far fewer are left to it rather than foreseen.
_MAX_PASSES = 200


def order_shape(schema: dict[str, Any]) -> list[Any]:
    """Per class of dmcg's JSON Schema, in input order: its fields that refer
    to a class (name, type, required), in order."""
    shape: list[Any] = []
    for definition in schema["$defs"].values():
        properties, required = definition["properties"], set(definition["required"])
        shape.append([[name, item, name in required] for name, item in properties.items() if _refers(item)])
    return shape


def _refers(item: dict[str, Any]) -> bool:
    while item.get("type") == "array":
        item = item["items"]
    return "$ref" in item


def passes_order(classes: Sequence[ObjectType]) -> tuple[str, ...] | None:
    """The class names in the order of dmcg's passes, or None when some
    classes refer to each other in a cycle (dmcg's other rule places them)."""
    refers = {obj.name: {_class_of(f.type) for f in obj.fields} - {"", obj.name} for obj in classes}
    taken: dict[str, None] = {}
    left = [obj.name for obj in classes]
    for _ in range(_MAX_PASSES):
        still = []
        for name in left:
            if refers[name].issubset(taken):
                taken[name] = None
            else:
                still.append(name)
        if not still:
            return tuple(taken)
        if len(still) == len(left):
            return None
        left = still
    return None


def _class_of(ref: TypeRef) -> str:
    while ref.item is not None:
        ref = ref.item
    return ref.name if ref.kind == "object" else ""
