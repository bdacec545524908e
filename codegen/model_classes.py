"""Render the model classes of one service version with datamodel-code-generator.

The IR is turned into a JSON Schema (one ``$defs`` entry per class) and handed
to datamodel-code-generator in process, with its msgspec output type and our
own class template (``templates/models/msgspec.jinja2``). Every decision that
is ours is passed in, not left to its defaults: attribute names (``aliases``),
optionality, base classes and docstrings (``extra_template_data``). Its
timestamp, header and formatters are off; black runs once, later, on the
whole file.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, InputFileType

from . import layout
from .docstrings import docstring
from .ir import Action, Field, ObjectType, ServiceVersion, TypeRef

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
    return [f"__action__ = {json.dumps(action.name)}", f"__error_codes__ = {json.dumps(action.error_enum)}"]


def _class_doc(obj: ObjectType, actions: dict[str, Action]) -> str:
    text = obj.description
    if obj.role != "shared":
        action = actions[obj.action]
        kind = "Request" if obj.role == "request" else "Response"
        text = f"{kind} of {action.name}: {action.summary}".rstrip(": ")
        if obj.role == "request" and action.description:
            text += "\n\n" + action.description
        if action.streaming:
            text += (
                "\n\nThe service streams this action's answer as server-sent events; each event's data has this shape."
            )
        if action.deprecated:
            text += "\n\nDeprecated: the action is deprecated by the service."
    return docstring(text, 4)


def render_models(service: ServiceVersion, template_dir: Path) -> str:
    """The class definitions of ``service``'s models module (not yet formatted)."""
    classes = object_types(service)
    actions = {a.name: a for a in service.actions}
    # datamodel-code-generator rewrites some class names (drops underscores,
    # renames "Model" or "Struct" away from its own names), so it only ever
    # sees placeholders; the template writes our names and annotations.
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
            "field_info": {
                f.wire_name: {
                    "line": _field_line(f),
                    "doc": docstring(_field_doc(f.description, f.deprecated), 4),
                }
                for f in obj.fields
            },
        }
    if not classes:
        return ""
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
    return _class_definitions(output, [obj.name for obj in classes])


def _field_line(item: Field) -> str:
    """The attribute's statement, laid out as black would (see ``layout``)."""
    annotation = item.type.annotation + (" | None" if item.optional else "")
    arguments = [f"name={json.dumps(item.wire_name)}"] + (["default=None"] if item.optional else [])
    return layout.call(f"{item.py_name}: {annotation}", "_field", arguments, 4)


def _field_doc(description: str, deprecated: bool) -> str:
    if deprecated:
        return (description + "\n\nDeprecated.").strip()
    return description


def _class_definitions(output: str, expected: list[str]) -> str:
    """Keep only the class statements; our template writes header and imports."""
    start = output.find("\nclass ")
    body = output[start + 1 :] if start >= 0 else ""
    found = [line[6:].split("(", 1)[0] for line in body.splitlines() if line.startswith("class ")]
    if sorted(found) != sorted(expected):
        raise RuntimeError(f"datamodel-code-generator renamed classes: {sorted(set(found) ^ set(expected))}")
    # Two blank lines between classes, as black wants them (docstring lines are
    # indented, so no line of one starts with "class ").
    return "\n\n\nclass ".join(part.strip("\n") for part in body.split("\nclass "))
