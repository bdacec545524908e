"""Stage 2 output: the intermediate representation, all that templates see.

Plain frozen dataclasses. Every name in here is already final (see
``naming``): renderers never derive names or make decisions about the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Spec scalar types and the Python type each one becomes. Dates and times stay
# ``str``: Tencent sends several formats ("2020-01-02 03:04:05" in Beijing time
# with no offset, ISO 8601, plain dates), so parsing would guess a time zone and
# could not give back the exact wire text. ``bytes`` is file content: only a
# top-level request field may have it (``build`` enforces that), and an action
# with such a field is sent as multipart/form-data instead of JSON.
SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "bytes": "bytes"}


@dataclass(frozen=True)
class TypeRef:
    """The type of a field: a scalar, a named object type, or a list of either."""

    kind: Literal["scalar", "object", "list"]
    name: str  # Python type for scalars, class name for objects, "" for lists
    format: str = ""
    item: TypeRef | None = None

    @property
    def annotation(self) -> str:
        if self.kind == "list":
            assert self.item is not None
            return f"list[{self.item.annotation}]"
        return self.name


@dataclass(frozen=True)
class Field:
    wire_name: str
    py_name: str
    type: TypeRef
    required: bool
    nullable: bool
    description: str
    deprecated: bool = False

    @property
    def optional(self) -> bool:
        """Whether the attribute defaults to None (absent on the wire)."""
        return not self.required or self.nullable


@dataclass(frozen=True)
class ObjectType:
    name: str
    description: str
    fields: tuple[Field, ...]
    role: Literal["shared", "request", "response"]
    action: str = ""


@dataclass(frozen=True)
class ErrorCode:
    code: str
    member: str
    description: str
    common: bool


@dataclass(frozen=True)
class Example:
    title: str
    request_json: str  # canonical JSON text (sorted keys)
    response_json: str


@dataclass(frozen=True)
class Pagination:
    """How a list action pages: the fields the generated paginators read and set.

    ``cursor`` is the request field the paginator manages (the offset, the
    page number or the token); ``limit`` the page size field (offset and
    page styles); ``next_token`` the response field holding the next token.
    """

    style: Literal["offset", "page", "token"]
    items: Field
    cursor: Field
    limit: Field | None = None
    total: Field | None = None
    next_token: Field | None = None
    first_page: int = 1
    iter_method: str = ""  # e.g. "iter_describe_instances"
    pages_method: str = ""  # e.g. "pages_describe_instances"


@dataclass(frozen=True)
class Action:
    name: str
    method: str
    summary: str
    description: str
    deprecated: bool
    streaming: bool
    read_only: bool
    idempotency_field: str  # wire name of the idempotency token field, or ""
    request: ObjectType
    response: ObjectType
    errors: tuple[ErrorCode, ...]  # common codes first, then the action's own
    examples: tuple[Example, ...]
    source: str
    # Wire names of the request's top-level ``bytes`` fields, in field order;
    # non-empty means the request is sent as multipart/form-data.
    binary_fields: tuple[str, ...] = ()
    pagination: Pagination | None = None

    @property
    def error_enum(self) -> str:
        return f"{self.name}ErrorCode"


@dataclass(frozen=True)
class ServiceIndex:
    """What the package-level files and checks need of a service version.

    Small and JSON-friendly: the cache keeps it beside the service's files,
    so a run that takes them from the cache need not build the service.
    """

    service: str
    version: str
    title: str
    package: str
    module: str
    actions: int
    source: str  # the service's first spec file, for messages


@dataclass(frozen=True)
class ServiceVersion:
    service: str
    version: str
    package: str  # e.g. "trtc"
    module: str  # e.g. "v20190722"
    client_stem: str  # e.g. "Trtc"
    title: str
    description: str
    endpoint: str
    types: tuple[ObjectType, ...]
    actions: tuple[Action, ...]
    sources: tuple[str, ...]

    @property
    def index(self) -> ServiceIndex:
        return ServiceIndex(
            self.service,
            self.version,
            self.title,
            self.package,
            self.module,
            len(self.actions),
            self.sources[0] if self.sources else "",
        )


@dataclass(frozen=True)
class Project:
    common_errors: tuple[ErrorCode, ...]
    services: tuple[ServiceVersion, ...]
