"""Stage 2: turn checked spec documents into the intermediate representation.

This is where cross-file rules live (references resolve, names do not collide,
files agree with their folders) and where names are fixed, using ``naming``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from . import naming
from .diagnostics import Diagnostic, SpecError
from .ir import (
    SCALARS,
    Action,
    ErrorCode,
    Example,
    Field,
    ObjectType,
    Pagination,
    Project,
    ServiceIndex,
    ServiceVersion,
    TypeRef,
)
from .loader import SpecDocument

# Actions with these prefixes only read state, so repeating them is harmless.
# The runtime's CommonClient applies the same rule (retry.READ_ONLY_PREFIXES);
# tests/test_common_client.py keeps the two equal.
READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Query", "Inquiry", "Inquire")
# A request field that makes a repeated call harmless: the server drops repeats.
IDEMPOTENCY_FIELD = "ClientToken"
# Every response carries it; the runtime's response base class declares it.
REQUEST_ID = "RequestId"
# The generated package keeps its runtime here, so no service may take the name.
RUNTIME_PACKAGE = "common"


def build_project(documents: Iterable[SpecDocument]) -> Project:
    """Build the IR from loaded documents; raise :class:`SpecError` on any problem."""
    problems: list[Diagnostic] = []
    common: tuple[ErrorCode, ...] = ()
    groups: dict[str, list[SpecDocument]] = defaultdict(list)
    for document in documents:
        if document.kind == "errors_file":
            common = _error_codes(document, document.data["errors"], (), True, problems)
        else:
            groups[document.folder].append(document)
    services = []
    for folder in sorted(groups):
        service = _build_service(folder, groups[folder], common, problems)
        if service is not None:
            services.append(service)
    problems += check_packages([s.index for s in services])
    if problems:
        raise SpecError(problems)
    return Project(common_errors=common, services=tuple(services))


def _error_codes(
    document: SpecDocument,
    table: Mapping[str, str],
    taken: Iterable[str],
    common: bool,
    problems: list[Diagnostic],
) -> tuple[ErrorCode, ...]:
    members = naming.disambiguate([(code, naming.enum_member(code)) for code in table], taken)
    return tuple(ErrorCode(code, members[code], str(table[code]), common) for code in table)


def _build_service(
    folder: str,
    documents: list[SpecDocument],
    common: tuple[ErrorCode, ...],
    problems: list[Diagnostic],
) -> ServiceVersion | None:
    service_docs = [d for d in documents if d.kind == "service_file"]
    if not service_docs:
        problems.append(Diagnostic(f"{documents[0].path}", message=f"service.yaml is missing in {folder}/"))
        return None
    service_doc = service_docs[0]
    data = service_doc.data
    start = len(problems)
    if f"{data['service']}/{data['version']}" != folder:
        problems.append(
            service_doc.diagnostic(
                ("service",),
                f"service {data['service']!r} version {data['version']!r} must live in "
                f"{data['service']}/{data['version']}/, not {folder}/",
            )
        )
    raw_types: Mapping[str, Any] = data.get("types") or {}
    class_names = {name: naming.class_name(name) for name in raw_types}
    _report_collisions(service_doc, ("types",), class_names, "type", problems)
    action_docs = sorted((d for d in documents if d.kind == "action_file"), key=lambda d: d.name)
    reserved: dict[str, str] = {}
    for document in action_docs:
        name = document.data["action"]
        stem = document.name
        if name != stem:
            problems.append(document.diagnostic(("action",), f"action {name!r} must be in a file named {name}.yaml"))
        for suffix in ("Request", "Response", "ErrorCode"):
            reserved[naming.class_name(name) + suffix] = document.path
    for type_name, cls in class_names.items():
        if cls in reserved:
            problems.append(
                service_doc.diagnostic(
                    ("types", type_name), f"type {type_name!r} clashes with a class generated for {reserved[cls]}"
                )
            )
    resolver = _Resolver(service_doc, class_names, problems)
    types = tuple(
        resolver.object_type(raw_types[name], class_names[name], ("types", name), "shared", "", service_doc)
        for name in raw_types
    )
    actions = tuple(_build_action(d, resolver, common, problems) for d in action_docs)
    types = _relax_response_types(types, actions)
    spec_names = {cls: name for name, cls in class_names.items()}
    for cls, path in _required_cycles(types):
        problems.append(
            service_doc.diagnostic(
                ("types", spec_names.get(cls, cls)),
                f"type {spec_names.get(cls, cls)!r} can never be built: its required fields lead back to it ({path})",
            )
        )
    seen: dict[str, Action] = {}
    for action in actions:
        names = [action.method]
        if action.pagination is not None:
            names += [action.pagination.iter_method, action.pagination.pages_method]
        for method in names:
            if method in seen:
                problems.append(
                    Diagnostic(
                        action.source,
                        message=f"action {action.name!r} and {seen[method].name!r} both become the method {method!r}",
                    )
                )
            seen[method] = action
    if len(problems) > start:
        return None
    return ServiceVersion(
        service=data["service"],
        version=data["version"],
        package=naming.service_module(data["service"]),
        module=naming.version_module(data["version"]),
        client_stem=naming.client_class(data["service"]),
        title=data.get("title", "") or data["service"],
        description=data.get("description", ""),
        endpoint=data["endpoint"],
        types=types,
        actions=actions,
        sources=tuple(d.path for d in [service_doc, *action_docs]),
    )


def _relax_response_types(types: tuple[ObjectType, ...], actions: tuple[Action, ...]) -> tuple[ObjectType, ...]:
    """Make every field optional in types that a response can contain.

    Real responses leave out fields that the specs call required, and a type
    shared by requests and responses is parsed from responses too; parsing
    must not fail there. Types reached only from requests keep their
    required fields.
    """
    by_name = {t.name: t for t in types}
    seen: set[str] = set()
    stack = [f.type for a in actions for f in a.response.fields]
    while stack:
        ref = stack.pop()
        if ref.kind == "list" and ref.item is not None:
            stack.append(ref.item)
        elif ref.kind == "object" and ref.name not in seen and ref.name in by_name:
            seen.add(ref.name)
            stack.extend(f.type for f in by_name[ref.name].fields)
    return tuple(
        replace(t, fields=tuple(replace(f, required=False) for f in t.fields)) if t.name in seen else t for t in types
    )


def _required_cycles(types: tuple[ObjectType, ...]) -> list[tuple[str, str]]:
    """Types that contain themselves through required, non-null object fields.

    No finite value of such a type exists, so a request could never be made.
    """
    edges = {
        t.name: [
            (f.py_name, f.type.name) for f in t.fields if f.required and not f.nullable and f.type.kind == "object"
        ]
        for t in types
    }
    found = []
    for start in sorted(edges):
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        visited: set[str] = set()
        while stack:
            name, path = stack.pop()
            for attribute, target in edges.get(name, []):
                step = [*path[:-1], f"{path[-1]}.{attribute}", target]
                if target == start:
                    found.append((start, " -> ".join(step)))
                    stack.clear()
                    break
                if target not in visited:
                    visited.add(target)
                    stack.append((target, step))
    return found


def _report_collisions(
    document: SpecDocument, place: tuple[str, ...], names: Mapping[str, str], what: str, problems: list[Diagnostic]
) -> None:
    owners: dict[str, str] = {}
    for original, python in names.items():
        if python in owners:
            problems.append(
                document.diagnostic(
                    (*place, original), f"{what} {original!r} and {owners[python]!r} both become {python!r}"
                )
            )
        else:
            owners[python] = original


def _build_action(
    document: SpecDocument, resolver: _Resolver, common: tuple[ErrorCode, ...], problems: list[Diagnostic]
) -> Action:
    data = document.data
    name = naming.class_name(data["action"])
    if REQUEST_ID in data["response"]["properties"]:
        problems.append(
            document.diagnostic(
                ("response", "properties", REQUEST_ID), "RequestId is implicit in every response; remove it"
            )
        )
    request = resolver.object_type(data["request"], f"{name}Request", ("request",), "request", name, document)
    response = resolver.object_type(data["response"], f"{name}Response", ("response",), "response", name, document)
    common_codes = {e.code for e in common}
    own_table = {c: d for c, d in (data.get("errors") or {}).items() if c not in common_codes}
    own = _error_codes(document, own_table, (e.member for e in common), False, problems)
    examples = []
    for index, raw in enumerate(data.get("examples") or []):
        try:
            examples.append(
                Example(
                    title=str(raw.get("title", "")),
                    request_json=_canonical_json(raw.get("request", {})),
                    response_json=_canonical_json(raw["response"]),
                )
            )
        except (TypeError, ValueError) as exc:
            problems.append(document.diagnostic(("examples", index), f"example is not plain JSON data: {exc}"))
    method = naming.method_name(data["action"])
    pagination = _pagination(document, data.get("pagination"), request, response, method, problems)
    return Action(
        name=name,
        method=method,
        summary=data.get("summary", ""),
        description=data.get("description", ""),
        deprecated=bool(data.get("deprecated", False)),
        streaming=bool(data.get("streaming", False)),
        read_only=data["action"].startswith(READ_ONLY_PREFIXES),
        idempotency_field=IDEMPOTENCY_FIELD if IDEMPOTENCY_FIELD in data["request"]["properties"] else "",
        request=request,
        response=response,
        errors=common + own,
        examples=tuple(examples),
        source=document.path,
        binary_fields=tuple(f.wire_name for f in request.fields if f.type.kind == "scalar" and f.type.name == "bytes"),
        pagination=pagination,
    )


# Which keys each paging style uses: (key, request or response side, Python type).
_PAGING_KEYS: dict[str, dict[str, tuple[str, str]]] = {
    "offset": {"offset": ("request", "int"), "limit": ("request", "int"), "total": ("response", "int")},
    "page": {
        "page": ("request", "int"),
        "limit": ("request", "int"),
        "total": ("response", "int"),
        "first_page": ("", ""),
    },
    "token": {"token": ("request", "str"), "next_token": ("response", "str")},
}


def _pagination(
    document: SpecDocument,
    block: Mapping[str, Any] | None,
    request: ObjectType,
    response: ObjectType,
    method: str,
    problems: list[Diagnostic],
) -> Pagination | None:
    """The action's paging fields, each checked to exist with the type its role needs."""
    if not block:
        return None
    style = block["style"]
    allowed = _PAGING_KEYS[style]
    start = len(problems)
    for key in block:
        if key not in allowed and key not in ("style", "items"):
            problems.append(
                document.diagnostic(("pagination", key), f"pagination: {key!r} does not go with style {style!r}")
            )
    sides = {"request": {f.wire_name: f for f in request.fields}, "response": {f.wire_name: f for f in response.fields}}

    def field(key: str, side: str, python: str) -> Field | None:
        wire = block.get(key)
        if wire is None or not side:
            return None
        found = sides[side].get(wire)
        if found is None:
            problems.append(
                document.diagnostic(("pagination", key), f"pagination: {key} {wire!r} is not a {side} field")
            )
        elif found.type.kind != "scalar" or found.type.name != python:
            problems.append(
                document.diagnostic(
                    ("pagination", key), f"pagination: {key} {wire!r} must be {python}, not {found.type.annotation}"
                )
            )
        else:
            return found
        return None

    resolved = {key: field(key, side, python) for key, (side, python) in allowed.items()}
    items = sides["response"].get(block["items"])
    if items is None or items.type.kind != "list":
        problems.append(
            document.diagnostic(
                ("pagination", "items"), f"pagination: items {block['items']!r} is not a list field of the response"
            )
        )
    if len(problems) > start or items is None:
        return None
    cursor = resolved.get(style)
    assert cursor is not None
    return Pagination(
        style=style,
        items=items,
        cursor=cursor,
        limit=resolved.get("limit"),
        total=resolved.get("total"),
        next_token=resolved.get("next_token"),
        first_page=int(block.get("first_page", 1)),
        iter_method=f"iter_{method}",
        pages_method=f"pages_{method}",
    )


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)


class _Resolver:
    """Turns property schemas into :class:`Field` objects for one service."""

    def __init__(self, service_doc: SpecDocument, class_names: Mapping[str, str], problems: list[Diagnostic]) -> None:
        self.service_doc = service_doc
        self.class_names = class_names
        self.problems = problems

    def object_type(
        self,
        raw: Mapping[str, Any],
        name: str,
        place: tuple[str, ...],
        role: Any,
        action: str,
        document: SpecDocument,
    ) -> ObjectType:
        properties: Mapping[str, Any] = raw["properties"]
        required = set(raw.get("required", []))
        for missing in sorted(required - set(properties)):
            self.problems.append(
                document.diagnostic((*place, "required"), f"required property {missing!r} is not defined")
            )
        # Names the response base class already has.
        taken = ["request_id", "from_envelope", "meta"] if role == "response" else []
        py_names = naming.disambiguate([(w, naming.attribute_name(w)) for w in properties], taken)
        # File content (bytes) is sent as a multipart part of its own, so only
        # a top-level request field can carry it; see ``type_ref``.
        files = {"request": "", "response": "in a response", "shared": f"in the shared type {name!r}"}[role]
        fields = tuple(
            Field(
                wire_name=wire,
                py_name=py_names[wire],
                type=self.type_ref(prop, (*place, "properties", wire), document, files),
                # Responses never fail on an absent field: real services omit
                # fields their own specs call required.
                required=wire in required and role != "response",
                nullable=bool(prop.get("nullable", False)),
                description=prop.get("description", ""),
                deprecated=bool(prop.get("deprecated", False)),
            )
            for wire, prop in properties.items()
        )
        return ObjectType(name=name, description=raw.get("description", ""), fields=fields, role=role, action=action)

    def type_ref(
        self, prop: Mapping[str, Any], place: tuple[Any, ...], document: SpecDocument, files: str = "as an array item"
    ) -> TypeRef:
        """The type of a property; ``files`` is where it is when ``bytes`` is not allowed there, else ""."""
        if "$ref" in prop:
            target = prop["$ref"].rsplit("/", 1)[-1]
            if target not in self.class_names:
                self.problems.append(document.diagnostic((*place, "$ref"), f"unknown type {target!r}"))
                return TypeRef("scalar", "str")
            return TypeRef("object", self.class_names[target])
        if prop["type"] == "array":
            return TypeRef("list", "", item=self.type_ref(prop["items"], (*place, "items"), document))
        if prop["type"] == "bytes" and files:
            self.problems.append(
                document.diagnostic(
                    (*place, "type"),
                    f"type 'bytes' (a file upload) is allowed only for top-level request fields "
                    f"of an action, not {files}",
                )
            )
        return TypeRef("scalar", SCALARS[prop["type"]], prop.get("format", ""))


def check_packages(services: Sequence[ServiceIndex]) -> list[Diagnostic]:
    """Two spec folders must not generate into the same package folder."""
    problems = []
    seen: dict[tuple[str, str], ServiceIndex] = {}
    for service in services:
        if service.package == RUNTIME_PACKAGE:
            problems.append(Diagnostic(service.source, message=f"service name {service.service!r} is reserved"))
        key = (service.package, service.module)
        if key in seen:
            problems.append(Diagnostic(service.source, message=f"generates the same package as {seen[key].source}"))
        seen[key] = service
    return problems
