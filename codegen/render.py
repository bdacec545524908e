"""Stage 3: render the generated package as ``{relative path: source text}``.

Templates hold the layout; this module only chooses which template renders
which file and with which IR objects. Nothing is written here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import jinja2

from . import layout, naming
from .docstrings import docstring
from .ir import Action, ErrorCode, Field, ServiceIndex, ServiceVersion, TypeRef
from .model_classes import object_types, render_models
from .package_files import template_dir

RUNTIME_MODULES = (
    "model.py",
    "tolerant.py",
    "signing.py",
    "credentials.py",
    "retry.py",
    "multipart.py",
    "streaming.py",
    "client.py",
    "aio.py",
    "paging.py",
    "testing.py",
)


def runtime_files(package: str) -> list[str]:
    """Paths of the runtime modules, copied as they are: they are kept
    black-clean in the source tree (a test checks), so black can skip them."""
    return [f"{package}/common/{module}" for module in RUNTIME_MODULES]


@lru_cache(maxsize=4)
def _environment(folder: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=False,  # the output is Python, not HTML  # noqa: S701
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["doc"] = docstring
    env.filters["assign"] = layout.assign
    env.filters["generic_call"] = layout.generic_call
    env.filters["signature"] = layout.signature
    env.filters["statement"] = layout.statement
    # A JSON string literal is a valid Python string literal (ASCII-only, so no
    # character of the input can end it or the line early).
    env.filters["pystr"] = json.dumps
    env.filters["pytuple"] = pytuple
    env.filters["action_constant"] = action_constant
    env.filters["idempotency_attribute"] = idempotency_attribute
    env.filters["parameter_annotation"] = parameter_annotation
    env.filters["method_doc"] = method_doc
    env.filters["returns"] = returns
    env.filters["paging_constant"] = paging_constant
    env.filters["paging_item"] = paging_item
    return env


def pytuple(items: tuple[str, ...]) -> str:
    """A tuple of strings as a Python literal: ``("File",)``."""
    texts = [json.dumps(item) for item in items]
    return f"({texts[0]},)" if len(texts) == 1 else "(" + ", ".join(texts) + ")"


def action_constant(action: Action) -> str:
    """Module-level name of an action's runtime description in client.py."""
    return "_" + action.method.upper().rstrip("_")


def paging_constant(action: Action) -> str:
    """Module-level name of an action's paging description in client.py."""
    return action_constant(action) + "_PAGING"


def paging_item(action: Action) -> str:
    """The annotation of one item that ``iter_<method>`` yields."""
    assert action.pagination is not None and action.pagination.items.type.item is not None
    return annotation(action.pagination.items.type.item)


def idempotency_attribute(action: Action) -> str:
    """Python attribute of the request's idempotency token, or ""."""
    for field in action.request.fields:
        if field.wire_name == action.idempotency_field:
            return field.py_name
    return ""


def annotation(ref: TypeRef, models: str = "_models.") -> str:
    """A type annotation usable outside models.py (object types qualified)."""
    if ref.kind == "list":
        assert ref.item is not None
        return f"list[{annotation(ref.item, models)}]"
    return models + ref.name if ref.kind == "object" else ref.name


def parameter_annotation(field: Field) -> str:
    text = annotation(field.type)
    return f"{text} | None" if field.optional else text


def returns(action: Action, is_async: bool) -> str:
    """The return annotation of an action's client method."""
    response = f"_models.{action.response.name}"
    if action.streaming:
        return f"_client.{'AsyncStream' if is_async else 'Stream'}[{response}]"
    return response


def method_doc(action: Action) -> str:
    """The client method's docstring: the action's text and its retry behaviour."""
    parts = [action.summary or action.name, action.description]
    if action.read_only:
        parts.append("Read-only: a failed call is repeated per the retry policy.")
    elif action.idempotency_field:
        parts.append(
            f"``{idempotency_attribute(action)}`` is filled with a fresh UUID when left unset, so a failed "
            f"call is repeated per the retry policy: the service drops repeats of one token."
        )
    else:
        parts.append(
            "Not read-only: repeated only when the service throttled it or the connection failed before sending."
        )
    if action.binary_fields:
        names = {f.wire_name: f.py_name for f in action.request.fields}
        uploads = ", ".join(f"``{names[wire]}``" for wire in action.binary_fields)
        parts.append(f"Uploads {uploads} (bytes) as file content: the request is sent as multipart/form-data.")
    if action.deprecated:
        parts.append("Deprecated by the service: calling it emits a DeprecationWarning.")
    if action.streaming:
        parts.append(
            "The service answers with server-sent events: iterate the returned stream (in a ``with`` or "
            "``async with`` block) for each event's data as a typed response; see ``common.streaming``."
        )
    return "\n\n".join(p for p in parts if p)


def _categories(common_errors: Sequence[ErrorCode]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for error in common_errors:
        prefix = error.code.split(".", 1)[0]
        if prefix not in seen:
            seen[prefix] = {"prefix": prefix, "class_name": naming.category_class(prefix)}
    return list(seen.values())


def render_common(common_errors: Sequence[ErrorCode], services: Sequence[ServiceIndex], package: str) -> dict[str, str]:
    """The files that do not belong to one service version: runtime and package inits."""
    folder = template_dir()
    env = _environment(folder)
    header = env.get_template("header.jinja").render(source="")
    files: dict[str, str] = {
        f"{package}/__init__.py": env.get_template("package_init.py.jinja").render(
            source="", package=package, services=services
        ),
        f"{package}/py.typed": "",
        f"{package}/common/__init__.py": env.get_template("common_init.py.jinja").render(source=""),
        f"{package}/common/errors.py": env.get_template("common_errors.py.jinja").render(
            source="common/errors.yaml", errors=common_errors, categories=_categories(common_errors)
        ),
    }
    for module, path in zip(RUNTIME_MODULES, runtime_files(package), strict=True):
        files[path] = header + "\n" + (folder / "runtime" / module).read_text("utf-8")
    by_package: dict[str, list[ServiceIndex]] = {}
    for service in services:
        by_package.setdefault(service.package, []).append(service)
    for name, versions in sorted(by_package.items()):
        files[f"{package}/{name}/__init__.py"] = env.get_template("service_init.py.jinja").render(
            source="", service=versions[0].service, title=versions[0].title, versions=[v.version for v in versions]
        )
    return files


def render_service(service: ServiceVersion, package: str) -> dict[str, str]:
    """The files of one service version's package (models, errors, client, aio)."""
    return dict(iter_service(service, package))


def iter_service(service: ServiceVersion, package: str) -> Iterator[tuple[str, str]]:
    """The files of :func:`render_service` one at a time, the slowest (models) last,
    so that a caller can format the others while the models are rendered."""
    folder = template_dir()
    env = _environment(folder)
    base = f"{package}/{service.package}/{service.module}"
    source = f"{service.service}/{service.version}"
    for name in ("version_init", "errors", "client", "aio"):
        path = f"{base}/{'__init__' if name == 'version_init' else name}.py"
        yield path, env.get_template(f"{name}.py.jinja").render(source=source, service=service)
    yield f"{base}/{EXAMPLES_FILE}", examples_data(service)
    exported = [obj.name for obj in object_types(service)]
    models = render_models(service, folder / "models")
    yield (
        f"{base}/models.py",
        env.get_template("models.py.jinja").render(source=source, service=service, exported=exported, classes=models),
    )


# The spec's examples, as data for ``common.testing`` (Stubber.add_example);
# nothing else reads the file, so importing the models stays as light as before.
EXAMPLES_FILE = "examples.json"


def examples_data(service: ServiceVersion) -> str:
    data = {
        action.name: [
            {"title": e.title, "request": json.loads(e.request_json), "response": json.loads(e.response_json)}
            for e in action.examples
        ]
        for action in service.actions
        if action.examples
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
