"""Render the model classes of one service version with datamodel-code-generator.

What datamodel-code-generator (dmcg) contributes: it walks a JSON Schema,
puts the classes in dependency order (a class after the classes its fields
refer to, as far as cycles allow), keeps each class's fields in declaration
order, and renders every class through a class template. Everything else is
decided here, from the IR, and handed to it ready-made. The path, step by
step:

1. IR to JSON Schema: each ``ObjectType`` becomes one ``$defs`` entry named
   by a placeholder, ``M0``, ``M1``... in IR order, and object fields
   refer to each other with ``$ref`` to those placeholders. Placeholders
   because dmcg rewrites names it does not like: it drops underscores and
   renames classes away from its own names (``Model``, ``Struct``);
   ``M<n>`` is left alone.
2. Our decisions go beside the schema: ``aliases`` gives each field its
   Python attribute (``M3.SdkAppId`` -> ``sdk_app_id``), and
   ``extra_template_data`` gives each placeholder its real class name, base
   class, class docstring, extra class lines and, per field, the finished
   attribute statement and docstring.
3. dmcg renders each class with our template (``models/msgspec.jinja2``,
   or the user's override of it), which writes the real name from
   ``extra_template_data`` and ignores dmcg's own annotations; the
   placeholder never reaches the output.
4. From dmcg's output we keep only the ``class`` statements (our
   ``models.py.jinja`` writes the header and imports) and check, by reading
   the ``class <Name>(`` lines, that exactly the expected classes came out:
   a rename would otherwise go unnoticed.

Its timestamp, header and formatters are off; black runs once, later, on
the whole file.

dmcg's share is the order of the classes and of their fields, and
``class_order`` tells when a past run's order (:class:`ModelsRun`) still
holds or the new one can be foreseen: then the run renders the built-in
class template itself, class by class, and skips dmcg, so an edited
docstring or an added field costs a template render, not a dmcg run. It
does so only when the last dmcg run on the service version checked that our
own render of every class was the very text dmcg wrote
(``ClassOrder.direct``); an order reused or foreseen from it keeps that
flag, as the render follows dmcg's rules for any fields (the differential
tests in tests/codegen/test_model_chunks.py hold it to them).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from . import layout, package_files
from .cache import digest
from .class_order import order_shape, passes_order
from .docstrings import docstring
from .ir import Action, Field, ObjectType, ServiceVersion, TypeRef
from .reading import read_bounded

# What datamodel-code-generator is told each scalar is; it only has to keep
# the fields and their order (our template writes the annotations), but its
# own name for file content is a binary string.
_JSON_TYPES: dict[str, dict[str, str]] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "bytes": {"type": "string", "format": "binary"},
}
_BASES = {"shared": "_model.Model", "request": "_model.Request", "response": "_model.Response"}
# What the class template is given (docs/templates.md): ours, as extra data,
# then dmcg's own variables. dmcg's Jinja leaves any other name empty, so the
# generator checks a user's class template against this list instead.
CLASS_TEMPLATE_NAMES = frozenset(
    {"name", "base", "doc", "class_lines", "field_info", "fields"}
    | {"class_name", "decorators", "base_class", "methods", "description", "dataclass_arguments", "path"}
)


def _base(obj: ObjectType) -> str:
    # The runtime's Response claims the wire name "Error" to spot error
    # envelopes in its one typed decode; a response with an Error field of its
    # own (lkeap has one) takes the base that leaves the name to it.
    if obj.role == "response" and any(f.wire_name == "Error" for f in obj.fields):
        return "_model.ResponseWithErrorField"
    return _BASES[obj.role]


def object_types(service: ServiceVersion) -> list[ObjectType]:
    """Every class of the service's models module, in output order."""
    classes = list(service.types)
    for action in service.actions:
        classes += [action.request, action.response]
    return classes


def _schema(ref: TypeRef, placeholders: dict[str, str]) -> dict[str, Any]:
    if ref.kind == "list":
        assert ref.item is not None
        return {"type": "array", "items": _schema(ref.item, placeholders)}
    if ref.kind == "object":
        return {"$ref": f"#/$defs/{placeholders[ref.name]}"}
    return dict(_JSON_TYPES[ref.name])


def _class_lines(obj: ObjectType, actions: dict[str, Action]) -> list[str]:
    if obj.role != "response":
        return []
    action = actions[obj.action]
    return [f"__action__ = {json.dumps(action.name)}"]


def _class_doc(obj: ObjectType, actions: dict[str, Action]) -> str:
    text = obj.description
    if obj.role != "shared":
        action = actions[obj.action]
        kind = "Request" if obj.role == "request" else "Response"
        # The action's description is on the sync client's method, where it is read.
        text = f"{kind} of {action.name}: {action.summary}".rstrip(": ")
        if action.streaming:
            text += (
                "\n\nThe service streams this action's answer as server-sent events; each event's data has this shape."
            )
        if action.deprecated:
            text += "\n\nDeprecated: the action is deprecated by the service."
    if obj.inferred_from:
        text += (
            f"\n\nIts fields were inferred from the spec's {obj.inferred_from}, not declared by the description:"
            " fields they do not show are missing; a stream's ``events()`` gives each event as sent."
        )
    return docstring(text, 4)


@dataclass(frozen=True)
class ClassOrder:
    """What a dmcg run decided for one schema: the classes in output order."""

    key: str  # digest of the schema's order_shape, the class names and the class template dmcg was given
    names: tuple[str, ...]
    direct: bool  # our own render of each class was dmcg's text, byte for byte
    # class_order.passes_order gave these very names (the classes have no cycle).
    foreseen: bool = False


@dataclass
class ModelsRun:
    """One run of :func:`render_models`: ``known`` is the order a past run found
    (or None); the run leaves its ``order`` and each class's text (``classes``)."""

    known: ClassOrder | None = None
    order: ClassOrder | None = None
    classes: list[str] = field(default_factory=list)


def render_models(service: ServiceVersion, template_dir: Path, run: ModelsRun | None = None) -> str:
    """The class definitions of ``service``'s models module (not yet formatted).

    ``template_dir`` is the folder holding the class template (``msgspec.jinja2``).
    With ``run``, dmcg is skipped when ``run.known`` allows it, and the run records
    what it rendered.
    """
    classes = object_types(service)
    actions = {a.name: a for a in service.actions}
    # Placeholders: see the module docstring.
    placeholders = {obj.name: f"M{index}" for index, obj in enumerate(classes)}
    schema: dict[str, Any] = {"$defs": {}}
    aliases: dict[str, str] = {}
    extra: dict[str, dict[str, Any]] = {}
    for obj in classes:
        key = placeholders[obj.name]
        schema["$defs"][key] = {
            "type": "object",
            "properties": {f.wire_name: _schema(f.type, placeholders) for f in obj.fields},
            "required": [f.wire_name for f in obj.fields if not f.optional],
        }
        for f in obj.fields:
            aliases[f"{key}.{f.wire_name}"] = f.py_name
        extra[key] = {
            "name": obj.name,
            "base": _base(obj),
            "doc": _class_doc(obj, actions),
            "class_lines": _class_lines(obj, actions),
            # In the order dmcg writes the fields (our own render follows it): a
            # msgspec Struct takes those without a default first.
            "field_info": {
                f.wire_name: {
                    "line": _field_line(f),
                    "doc": docstring(_field_doc(f), 4),
                }
                for f in sorted(obj.fields, key=lambda f: f.optional)
            },
        }
    if not classes:
        return ""
    template = read_bounded(template_dir / "msgspec.jinja2").decode("utf-8")
    # The class names too: not in the schema, but a renamed class is not the order's.
    order_key = digest(json.dumps(order_shape(schema)), template, json.dumps(list(placeholders)))
    # Only the built-in class template: an override may print what dmcg alone knows.
    builtin = template_dir.resolve() == (package_files.template_dir() / package_files.MODEL_TEMPLATE).parent.resolve()
    by_name = {obj.name: placeholders[obj.name] for obj in classes}
    reused = _reused(run.known, order_key, classes) if run is not None and builtin else None
    if reused is not None:
        texts = _direct(template, [extra[by_name[name]] for name in reused.names])
        order = reused
    else:
        texts = _dmcg(schema, aliases, extra, template_dir, [obj.name for obj in classes])
        names = tuple(text[6:].split("(", 1)[0] for text in texts)
        # Checked only when the result is kept for a later run (a cache is in use).
        direct = run is not None and builtin and _direct(template, [extra[by_name[n]] for n in names]) == texts
        order = ClassOrder(order_key, names, direct, direct and passes_order(classes) == names)
    if run is not None:
        run.order, run.classes = order, texts
    return "\n\n\n".join(texts)


def _reused(known: ClassOrder | None, key: str, classes: list[ObjectType]) -> ClassOrder | None:
    """The order of ``classes`` without dmcg, from a past run's ``known`` order
    (see ``class_order``), or None when dmcg has to run."""
    if known is None or not known.direct:
        return None
    if known.key == key:  # the key holds the class names
        return known
    foreseen = passes_order(classes) if known.foreseen else None
    return None if foreseen is None else ClassOrder(key, foreseen, True, True)


class _Field:
    """What the built-in class template reads of dmcg's field: its wire name."""

    def __init__(self, original_name: str) -> None:
        self.original_name = original_name


def _direct(template: str, extras: list[dict[str, Any]]) -> list[str]:
    """Each class rendered by the class template as dmcg renders it."""
    compiled = _class_template(template)
    return [
        compiled.render(**data, fields=[_Field(wire) for wire in data["field_info"]]).strip("\n") for data in extras
    ]


@lru_cache(maxsize=2)
def _class_template(text: str) -> jinja2.Template:
    # dmcg's environment for this file: Jinja's defaults (its autoescape is for .html and .xml).
    return jinja2.Environment(autoescape=False).from_string(text)  # noqa: S701


def _dmcg(
    schema: dict[str, Any],
    aliases: dict[str, str],
    extra: dict[str, dict[str, Any]],
    template_dir: Path,
    expected: list[str],
) -> list[str]:
    """The classes as dmcg renders and orders them."""
    # Imported here: a run that renders every class itself never loads it.
    from datamodel_code_generator import generate
    from datamodel_code_generator.enums import DataModelType, InputFileType

    _forget_changed_template(template_dir)
    with warnings.catch_warnings():
        # It warns about its own future defaults; we pin the version and pass
        # every option we rely on, so those warnings are not for our users.
        warnings.simplefilter("ignore")
        output = generate(
            json.dumps(schema),
            input_file_type=InputFileType.JsonSchema,
            output_model_type=DataModelType.MsgspecStruct,
            custom_template_dir=template_dir,
            aliases=aliases,
            extra_template_data=extra,  # type: ignore[arg-type]
            disable_timestamp=True,
            formatters=[],
            use_standard_collections=True,
            use_union_operator=True,
            collapse_root_models=True,
        )
    assert isinstance(output, str)
    return _class_definitions(output, expected)


def _field_line(item: Field) -> str:
    """The attribute's statement, laid out as black would (see ``layout``)."""
    annotation = item.type.in_code() + (" | None" if item.optional else "")
    arguments = [f"name={json.dumps(item.wire_name)}"] + (["default=None"] if item.optional else [])
    return layout.call(f"{item.py_name}: {annotation}", "_field", arguments, 4)


def _field_doc(item: Field) -> str:
    # The format note ends the description's last paragraph: it is short, and
    # most descriptions then stay one line.
    text = item.description.rstrip()
    note = format_note(item.type)
    if note:
        text += (". " if text[-1:].isalnum() else " ") + note if text else note
    return "\n\n".join(part for part in (text, "Deprecated." if item.deprecated else "") if part)


def format_note(ref: TypeRef) -> str:
    """The attribute docstring's note of the spec's ``format`` (``uint64``...), or "".

    The format does not narrow the Python type: a request is not checked
    against it and an answer outside it is still read (services stray from
    their specs), so the note is where a user learns it.
    """
    if ref.kind == "list":
        assert ref.item is not None
        inner = format_note(ref.item)
        return inner.replace("Format: ", "Format of each item: ", 1)
    return f"Format: {ref.format}." if ref.format else ""


class ClassesMissing(RuntimeError):
    """The classes dmcg's output does not hold as ``class <Name>(`` lines: renamed
    by dmcg (a bug here), or never written by a user's class template (theirs)."""


# The content of each class template dmcg has been given in this process.
_TEMPLATES_SEEN: dict[Path, bytes] = {}


def _forget_changed_template(template_dir: Path) -> None:
    """dmcg keeps a template it has loaded for the life of the process, keyed
    by its folder; when an override changed since (a long-lived process, or
    tests), its caches are cleared so the new text is used."""
    text = read_bounded(template_dir / "msgspec.jinja2")
    if _TEMPLATES_SEEN.get(template_dir, text) != text:
        from datamodel_code_generator.model import base

        base._get_template_with_custom_dir.cache_clear()  # private, but the version is pinned
        base._get_environment.cache_clear()
    _TEMPLATES_SEEN[template_dir] = text


def _class_definitions(output: str, expected: list[str]) -> list[str]:
    """Keep only the class statements, each as one text; our template writes header and imports."""
    start = output.find("\nclass ")
    body = output[start + 1 :] if start >= 0 else ""
    found = [line[6:].split("(", 1)[0] for line in body.splitlines() if line.startswith("class ")]
    if sorted(found) != sorted(expected):
        raise ClassesMissing(", ".join(sorted(set(found) ^ set(expected))))
    # Joined with two blank lines between classes, as black wants them (docstring
    # lines are indented, so no line of one starts with "class ").
    return [("class " + part if index else part).strip("\n") for index, part in enumerate(body.split("\nclass "))]
