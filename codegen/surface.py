"""The API surface of a generated package: what user code can name and rely on.

``codegen diff`` and the changelog compare surfaces, not spec files: two
specs that differ only in layout have the same surface, and every change is
reported with the Python names users see. A surface is made from the IR
(:func:`from_project`) and round-trips through JSON (:func:`to_json`,
:func:`from_json`), so a generated package can record the surface it was made
from and the next regeneration can say what changed.

Documentation is kept as a short digest: a change is reported, the text is
not stored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .ir import Action, Field, ObjectType, Project, ServiceVersion, TypeRef

# Bumped when the JSON layout changes; an unknown version is not read.
SCHEMA = "codegen-surface/1"
Usage = Literal["in", "out", "both", "none"]


def digest(*texts: str) -> str:
    return hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class FieldSurface:
    python: str  # attribute (and keyword argument) name
    annotation: str  # e.g. "int", "list[Instance]", "Placement"
    format: str  # the spec's format ("uint64", "datetime", ...), "" if none
    required: bool
    nullable: bool
    deprecated: bool
    doc: str  # digest of the description


@dataclass(frozen=True)
class TypeSurface:
    """A model class: a shared type, or an action's request or response."""

    python: str  # class name
    usage: Usage  # shared types: reached from requests (in), responses (out) or both
    fields: dict[str, FieldSurface]  # by wire name
    doc: str


@dataclass(frozen=True)
class ActionSurface:
    method: str
    request: TypeSurface
    response: TypeSurface
    errors: dict[str, str]  # the action's own codes (not the common ones): code -> enum member
    error_enum: str
    read_only: bool
    idempotency_field: str
    streaming: bool
    deprecated: bool
    doc: str
    # "<style> <items field's Python name>: <item annotation>" when the clients
    # have iter_/pages_ methods for the action, else "".
    paging: str = ""
    # How the request travels: "json", or "octet-stream" and each header
    # parameter ("octet-stream TopicId=X-CLS-TopicId").
    request_format: str = "json"
    # "<poller> <status path>: <success> / <failure>" when the clients have a
    # wait_for_ method for the action, else ""; its delays and timeout apart.
    waiter: str = ""
    waiter_defaults: str = ""

    @property
    def retry_safe(self) -> bool:
        """Whether the client retries the action after a transient failure."""
        return self.read_only or bool(self.idempotency_field)


@dataclass(frozen=True)
class ServiceSurface:
    service: str
    version: str
    module: str  # e.g. "trtc.v20190722", below the package
    client: str  # sync client class name
    endpoint: str
    types: dict[str, TypeSurface]  # by class name
    actions: dict[str, ActionSurface]  # by action name
    doc: str

    @property
    def key(self) -> str:
        return f"{self.service}/{self.version}"


@dataclass(frozen=True)
class Surface:
    common_errors: dict[str, str]  # code -> enum member
    services: dict[str, ServiceSurface] = field(default_factory=dict)  # by "service/version"


def from_project(project: Project) -> Surface:
    services = {f"{s.service}/{s.version}": service_surface(s) for s in project.services}
    return Surface({e.code: e.member for e in project.common_errors}, dict(sorted(services.items())))


def service_surface(service: ServiceVersion) -> ServiceSurface:
    usage = _usage(service)
    return ServiceSurface(
        service=service.service,
        version=service.version,
        module=f"{service.package}.{service.module}",
        client=service.client_class,
        endpoint=service.endpoint,
        types={t.name: _type(t, usage.get(t.name, "none")) for t in sorted(service.types, key=lambda t: t.name)},
        actions={a.name: _action(a) for a in sorted(service.actions, key=lambda a: a.name)},
        doc=digest(service.title, service.description),
    )


def _action(action: Action) -> ActionSurface:
    return ActionSurface(
        method=action.method,
        request=_type(action.request, "in"),
        response=_type(action.response, "out"),
        errors={e.code: e.member for e in action.errors if not e.common},
        error_enum=action.error_enum,
        read_only=action.read_only,
        idempotency_field=action.idempotency_field,
        streaming=action.streaming,
        deprecated=action.deprecated,
        doc=digest(action.summary, action.description),
        paging=_paging(action),
        request_format=_request_format(action),
        waiter=_waiter(action),
        waiter_defaults=_waiter_defaults(action),
    )


def _waiter(action: Action) -> str:
    waiter = action.waiter
    if waiter is None:
        return ""
    return f"{waiter.poller} {waiter.status_wire}: {', '.join(waiter.success)} / {', '.join(waiter.failure) or '-'}"


def _waiter_defaults(action: Action) -> str:
    waiter = action.waiter
    if waiter is None:
        return ""
    return f"min_delay={waiter.min_delay:g} max_delay={waiter.max_delay:g} timeout={waiter.timeout:g}"


def _request_format(action: Action) -> str:
    if not action.octet_stream:
        return "json"
    return " ".join(["octet-stream", *(f"{wire}={header}" for wire, header in action.headers)])


def _paging(action: Action) -> str:
    paging = action.pagination
    if paging is None or paging.items.type.item is None:
        return ""
    return f"{paging.style} {paging.items.py_name}: {paging.items.type.item.annotation}"


def _type(obj: ObjectType, usage: Usage) -> TypeSurface:
    return TypeSurface(obj.name, usage, {f.wire_name: _field(f) for f in obj.fields}, digest(obj.description))


def _field(item: Field) -> FieldSurface:
    return FieldSurface(
        python=item.py_name,
        annotation=item.type.annotation,
        format=_format(item.type),
        required=item.required,
        nullable=item.nullable,
        deprecated=item.deprecated,
        doc=digest(item.description),
    )


def _format(ref: TypeRef) -> str:
    while ref.kind == "list" and ref.item is not None:
        ref = ref.item
    return ref.format


def _usage(service: ServiceVersion) -> dict[str, Usage]:
    """Which shared types each side of the actions reaches."""
    by_name = {t.name: t for t in service.types}
    reached: dict[str, set[str]] = {}
    for side, roots in (("in", [a.request for a in service.actions]), ("out", [a.response for a in service.actions])):
        stack = [f.type for root in roots for f in root.fields]
        while stack:
            ref = stack.pop()
            if ref.kind == "list" and ref.item is not None:
                stack.append(ref.item)
            elif ref.kind == "object" and ref.name in by_name and side not in reached.get(ref.name, set()):
                reached.setdefault(ref.name, set()).add(side)
                stack.extend(f.type for f in by_name[ref.name].fields)
    return {name: ("both" if len(sides) == 2 else "in" if "in" in sides else "out") for name, sides in reached.items()}


def to_json(surface: Surface) -> str:
    """Deterministic JSON text, one service version per top-level line group."""
    data = {"schema": SCHEMA, "common_errors": surface.common_errors, "services": {}}
    for key, service in surface.services.items():
        data["services"][key] = asdict(service)  # type: ignore[index]
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n"


class SurfaceFormatError(ValueError):
    """The text is not a surface this version of the generator wrote."""


def from_json(text: str) -> Surface:
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise SurfaceFormatError(f"not a {SCHEMA} document")
        return Surface(
            dict(data["common_errors"]),
            {key: service_from_data(raw) for key, raw in sorted(data["services"].items())},
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, SurfaceFormatError):
            raise
        raise SurfaceFormatError(f"damaged surface: {type(exc).__name__}: {exc}") from None


def service_from_data(raw: dict[str, Any]) -> ServiceSurface:
    return ServiceSurface(
        service=raw["service"],
        version=raw["version"],
        module=raw["module"],
        client=raw["client"],
        endpoint=raw["endpoint"],
        types={name: _type_from(t) for name, t in raw["types"].items()},
        actions={name: _action_from(a) for name, a in raw["actions"].items()},
        doc=raw["doc"],
    )


def _action_from(raw: dict[str, Any]) -> ActionSurface:
    values = dict(raw)
    values["request"] = _type_from(raw["request"])
    values["response"] = _type_from(raw["response"])
    return ActionSurface(**values)


def _type_from(raw: dict[str, Any]) -> TypeSurface:
    return TypeSurface(
        python=raw["python"],
        usage=raw["usage"],
        fields={wire: FieldSurface(**f) for wire, f in raw["fields"].items()},
        doc=raw["doc"],
    )
