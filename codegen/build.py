"""Stage 2: turn checked spec documents into the intermediate representation.

Documents are read as the typed values of ``spec_model`` first, each with
its place for messages. This is where cross-file rules live (references
resolve, names do not collide, files agree with their folders) and where
names are fixed, using ``naming``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from . import build_waiters, naming
from .diagnostics import Diagnostic, SpecError, closest, quoted
from .ir import (
    SCALARS,
    Action,
    ErrorCategory,
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
from .spec_model import (
    ActionSpec,
    CommonErrorsSpec,
    ObjectSchema,
    PaginationSpec,
    Place,
    PropertySchema,
    ServiceSpec,
)
from .spec_model import read as read_spec

# Actions with these prefixes only read state, so repeating them is harmless.
# The runtime's CommonClient applies the same rule (retry.READ_ONLY_PREFIXES);
# tests/runtime/test_common_client.py keeps the two equal.
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
    groups: dict[str, list[ServiceSpec | ActionSpec]] = defaultdict(list)
    for document in documents:
        spec = read_spec(document)
        if isinstance(spec, CommonErrorsSpec):
            common = _error_codes(spec.errors.codes, (), True)
        else:
            groups[document.folder].append(spec)
    services = []
    for folder in sorted(groups):
        service = _build_service(folder, groups[folder], common, problems)
        if service is not None:
            services.append(service)
    problems += check_packages([s.index for s in services])
    if problems:
        raise SpecError(problems)
    return Project(common_errors=common, services=tuple(services), categories=error_categories(common))


def error_categories(common: Iterable[ErrorCode]) -> tuple[ErrorCategory, ...]:
    """One exception class per first segment of the common codes, in order of first appearance."""
    seen: dict[str, ErrorCategory] = {}
    for error in common:
        prefix = error.code.split(".", 1)[0]
        if prefix not in seen:
            seen[prefix] = ErrorCategory(prefix, naming.category_class(prefix))
    return tuple(seen.values())


def _error_codes(table: Mapping[str, str], taken: Iterable[str], common: bool) -> tuple[ErrorCode, ...]:
    """Codes with their enum members; the codes' shapes were checked by the schema, so nothing can fail here."""
    members = naming.disambiguate([(code, naming.enum_member(code)) for code in table], taken)
    return tuple(ErrorCode(code, members[code], str(table[code]), common) for code in table)


def _build_service(
    folder: str,
    specs: list[ServiceSpec | ActionSpec],
    common: tuple[ErrorCode, ...],
    problems: list[Diagnostic],
) -> ServiceVersion | None:
    services = [s for s in specs if isinstance(s, ServiceSpec)]
    if not services:
        problems.append(Diagnostic(specs[0].place.document.path, message=f"service.yaml is missing in {folder}/"))
        return None
    service = services[0]
    start = len(problems)
    if f"{service.service}/{service.version}" != folder:
        problems.append(
            service.place.problem(
                f"service {service.service!r} version {service.version!r} must live in "
                f"{service.service}/{service.version}/, not {folder}/",
                "service",
            )
        )
    class_names = {name: naming.type_class(name) for name in service.types}
    _report_collisions(service.place.at("types"), class_names, "type", problems)
    action_specs = sorted((s for s in specs if isinstance(s, ActionSpec)), key=lambda s: s.file_stem)
    reserved: dict[str, str] = {}
    for spec in action_specs:
        if spec.action != spec.file_stem:
            problems.append(
                spec.place.problem(f"action {spec.action!r} must be in a file named {spec.action}.yaml", "action")
            )
        stem = naming.class_name(spec.action)
        for suffix in ("Request", "Response", "ErrorCode"):
            reserved[stem + suffix] = spec.path
        if naming.error_enum(stem) == naming.SERVICE_ERROR_ENUM:
            clash = f"action {spec.action!r} clashes with the service's enum {naming.SERVICE_ERROR_ENUM}"
            problems.append(spec.place.problem(clash))
    for type_name, cls in class_names.items():
        if cls in reserved:
            problems.append(
                service.place.problem(
                    f"type {type_name!r} clashes with a class generated for {reserved[cls]}", "types", type_name
                )
            )
    service_errors = _service_error_codes(action_specs, common)
    resolver = _Resolver(class_names, problems)
    types = tuple(
        resolver.object_type(schema, class_names[name], "shared", "") for name, schema in service.types.items()
    )
    by_code = {e.code: e for e in service_errors}
    actions = tuple(_build_action(spec, resolver, by_code, problems) for spec in action_specs)
    types = _relax_response_types(types, actions)
    actions = build_waiters.attach(service, action_specs, actions, types, problems)
    spec_names = {cls: name for name, cls in class_names.items()}
    for cls, path in _required_cycles(types):
        problems.append(
            service.place.problem(
                f"type {spec_names.get(cls, cls)!r} can never be built: its required fields lead back to it ({path})",
                "types",
                spec_names.get(cls, cls),
            )
        )
    seen: dict[str, Action] = {}
    for spec, action in zip(action_specs, actions, strict=True):
        names = [action.method]
        if action.pagination is not None:
            names += [action.pagination.iter_method, action.pagination.pages_method]
        if action.waiter is not None:
            names.append(action.waiter.method)
        for method in names:
            if method in seen:
                problems.append(
                    spec.place.problem(
                        f"action {action.name!r} and {seen[method].name!r} both become the method {method!r}",
                        "action",
                    )
                )
            seen[method] = action
    if len(problems) > start:
        return None
    return ServiceVersion(
        service=service.service,
        version=service.version,
        package=naming.service_module(service.service),
        module=naming.version_module(service.version),
        client_class=naming.client_class(service.service),
        async_client_class=naming.async_client_class(service.service),
        title=service.title or service.service,
        description=service.description,
        endpoint=service.endpoint,
        types=types,
        actions=actions,
        sources=(service.path, *(spec.path for spec in action_specs)),
        error_enum=naming.SERVICE_ERROR_ENUM,
        errors=service_errors,
    )


def _service_error_codes(action_specs: Iterable[ActionSpec], common: tuple[ErrorCode, ...]) -> tuple[ErrorCode, ...]:
    """Every code the actions list beyond the common ones, sorted, one member name each.

    A code's description is the first non-empty one in action order; an
    action that says something else keeps its own text on its member.
    """
    common_codes = {e.code for e in common}
    table: dict[str, str] = {}
    for spec in action_specs:
        for code, text in spec.errors.codes.items():
            if code not in common_codes and not table.get(code):
                table[code] = str(text)
    return _error_codes(dict(sorted(table.items())), (e.member for e in common), False)


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


def _report_collisions(place: Place, names: Mapping[str, str], what: str, problems: list[Diagnostic]) -> None:
    owners: dict[str, str] = {}
    for original, python in names.items():
        if python in owners:
            problems.append(
                place.problem(f"{what} {original!r} and {owners[python]!r} both become {python!r}", original)
            )
        else:
            owners[python] = original


def _build_action(
    spec: ActionSpec, resolver: _Resolver, service_errors: Mapping[str, ErrorCode], problems: list[Diagnostic]
) -> Action:
    name = naming.class_name(spec.action)
    if REQUEST_ID in spec.response.properties:
        problems.append(
            spec.response.properties[REQUEST_ID].place.problem("RequestId is implicit in every response; remove it")
        )
    request = resolver.object_type(spec.request, f"{name}Request", "request", name)
    response = resolver.object_type(spec.response, f"{name}Response", "response", name)
    own = tuple(
        replace(known, description="" if str(text) == known.description else str(text))
        for code, text in spec.errors.codes.items()
        if (known := service_errors.get(code)) is not None
    )
    examples = []
    for example in spec.examples:
        if (example.response is None) == (example.events is None):
            needs = "an example needs either `response` (one answer) or `events` (a stream), not both"
            problems.append(example.place.problem(needs))
            continue
        if example.events is not None and not spec.streaming:
            problems.append(example.place.problem("only a streaming action (`streaming: true`) answers with events"))
            continue
        try:
            examples.append(
                Example(
                    title=example.title,
                    request_json=_canonical_json(example.request),
                    response_json=_canonical_json(example.response) if example.events is None else "",
                    events_json=_canonical_json(list(example.events)) if example.events is not None else "",
                )
            )
        except (TypeError, ValueError) as exc:
            problems.append(example.place.problem(f"example is not plain JSON data: {exc}"))
    method = naming.method_name(spec.action)
    pagination = _pagination(spec.pagination, request, response, method, problems)
    headers = _headers(spec, request, problems)
    idempotency_field = IDEMPOTENCY_FIELD if IDEMPOTENCY_FIELD in spec.request.properties else ""
    return Action(
        name=name,
        method=method,
        constant=naming.action_constant(method),
        error_enum=naming.error_enum(name),
        summary=spec.summary,
        description=spec.description,
        deprecated=spec.deprecated,
        streaming=spec.streaming,
        read_only=spec.action.startswith(READ_ONLY_PREFIXES),
        idempotency_field=idempotency_field,
        idempotency_attribute=next((f.py_name for f in request.fields if f.wire_name == idempotency_field), ""),
        request=request,
        response=response,
        errors=own,
        examples=tuple(examples),
        source=spec.path,
        binary_fields=tuple(f.wire_name for f in request.fields if f.type.kind == "scalar" and f.type.name == "bytes"),
        pagination=pagination,
        octet_stream=spec.request_body == OCTET_STREAM,
        headers=headers,
    )


# Headers a parameter must not travel as: the client sets them (framing,
# signature, the X-TC-* protocol headers), or they change how HTTP reads the request.
FORBIDDEN_HEADERS = frozenset(
    {"host", "content-length", "content-type", "authorization", "transfer-encoding", "connection", "expect", "te"}
)
OCTET_STREAM = "octet-stream"


def _headers(spec: ActionSpec, request: ObjectType, problems: list[Diagnostic]) -> tuple[tuple[str, str], ...]:
    """An octet-stream action's (wire name, header) pairs, in field order, each checked.

    Its one ``bytes`` field is the raw body; every other field travels as a
    header, so each must have one, of a scalar type, and no two the same.
    """
    place = spec.place
    octet = spec.request_body == OCTET_STREAM
    if spec.headers and not octet:
        problems.append(
            place.problem(
                f"headers: only an action with `request_body: {OCTET_STREAM}` sends parameters as headers", "headers"
            )
        )
        return ()
    if not octet:
        return ()
    fields = {f.wire_name: f for f in request.fields}
    bodies = [f for f in request.fields if f.type.kind == "scalar" and f.type.name == "bytes"]
    start = len(problems)
    if len(bodies) != 1:
        where = ("request", "properties", bodies[1].wire_name) if bodies else ("request",)
        problems.append(
            place.problem(
                f"an action with `request_body: {OCTET_STREAM}` needs exactly one request property of type"
                f" bytes, its raw body; it has {len(bodies)}",
                *where,
            )
        )
    seen: dict[str, str] = {}
    for wire, header in spec.headers.items():
        field = fields.get(wire)
        lowered = header.lower()
        if field is None:
            near = closest(wire, fields)
            hint = f"; did you mean {quoted(near)}?" if near else ""
            problems.append(place.problem(f"headers: {wire!r} names no request field{hint}", "headers", wire))
        elif bodies and field is bodies[0]:
            problems.append(
                place.problem(f"headers: {wire!r} is the raw body; it cannot travel as a header", "headers", wire)
            )
        elif field.type.kind != "scalar":
            problems.append(
                place.problem(
                    f"headers: {wire!r} is {field.type.annotation}; only a string, number or boolean field"
                    " can travel as a header",
                    "headers",
                    wire,
                )
            )
        if lowered in FORBIDDEN_HEADERS or lowered.startswith("x-tc-"):
            problems.append(
                place.problem(
                    f"headers: {header!r} is set by the client itself; a parameter cannot travel as it", "headers", wire
                )
            )
        elif lowered in seen:
            problems.append(
                place.problem(f"headers: {header!r} is taken by {seen[lowered]!r} already", "headers", wire)
            )
        seen.setdefault(lowered, wire)
    for item in request.fields:
        if item.wire_name not in spec.headers and not (bodies and item is bodies[0]):
            problems.append(
                place.problem(
                    f"request field {item.wire_name!r} has no header: an action with `request_body: {OCTET_STREAM}`"
                    " sends every parameter but its body as a header (add it to `headers`)",
                    "request",
                    "properties",
                    item.wire_name,
                )
            )
    if len(problems) > start:
        return ()
    return tuple((f.wire_name, spec.headers[f.wire_name]) for f in request.fields if f.wire_name in spec.headers)


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
    block: PaginationSpec | None,
    request: ObjectType,
    response: ObjectType,
    method: str,
    problems: list[Diagnostic],
) -> Pagination | None:
    """The action's paging fields, each checked to exist with the type its role needs."""
    if block is None:
        return None
    style = block.style
    allowed = _PAGING_KEYS[style]
    start = len(problems)
    for key in block.keys:
        if key not in allowed:
            problems.append(block.place.problem(f"pagination: {key!r} does not go with style {style!r}", key))
    sides = {"request": {f.wire_name: f for f in request.fields}, "response": {f.wire_name: f for f in response.fields}}

    def field(key: str, side: str, python: str) -> Field | None:
        wire = block.fields.get(key)
        if wire is None or not side:
            return None
        found = sides[side].get(wire)
        if found is None:
            problems.append(block.place.problem(f"pagination: {key} {wire!r} is not a {side} field", key))
        elif found.type.kind != "scalar" or found.type.name != python:
            problems.append(
                block.place.problem(f"pagination: {key} {wire!r} must be {python}, not {found.type.annotation}", key)
            )
        else:
            return found
        return None

    resolved = {key: field(key, side, python) for key, (side, python) in allowed.items()}
    items = sides["response"].get(block.items)
    if items is None or items.type.kind != "list":
        problems.append(
            block.place.problem(f"pagination: items {block.items!r} is not a list field of the response", "items")
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
        first_page=block.first_page,
        iter_method=f"iter_{method}",
        pages_method=f"pages_{method}",
        constant=naming.paging_constant(method),
    )


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)


class _Resolver:
    """Turns property schemas into :class:`Field` objects for one service."""

    def __init__(self, class_names: Mapping[str, str], problems: list[Diagnostic]) -> None:
        self.class_names = class_names
        self.problems = problems

    def object_type(self, schema: ObjectSchema, name: str, role: Any, action: str) -> ObjectType:
        properties = schema.properties
        required = set(schema.required)
        for missing in sorted(required - set(properties)):
            self.problems.append(schema.place.problem(f"required property {missing!r} is not defined", "required"))
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
                type=self.type_ref(prop, files),
                # Responses never fail on an absent field: real services omit
                # fields their own specs call required.
                required=wire in required and role != "response",
                nullable=prop.nullable,
                description=prop.description,
                deprecated=prop.deprecated,
            )
            for wire, prop in properties.items()
        )
        return ObjectType(
            name=name,
            description=schema.description,
            fields=fields,
            role=role,
            action=action,
            inferred_from=schema.inferred_from,
        )

    def type_ref(self, prop: PropertySchema, files: str = "as an array item") -> TypeRef:
        """The type of a property; ``files`` is where it is when ``bytes`` is not allowed there, else ""."""
        if prop.ref:
            if prop.ref not in self.class_names:
                self.problems.append(prop.place.problem(f"unknown type {prop.ref!r}", "$ref"))
                return TypeRef("scalar", "str")
            return TypeRef("object", self.class_names[prop.ref])
        if prop.type == "array":
            assert prop.items is not None  # the schema requires items of an array
            return TypeRef("list", "", item=self.type_ref(prop.items))
        if prop.type == "bytes" and files:
            self.problems.append(
                prop.place.problem(
                    f"type 'bytes' (a file upload) is allowed only for top-level request fields "
                    f"of an action, not {files}",
                    "type",
                )
            )
        return TypeRef("scalar", SCALARS[prop.type], prop.format)


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
