"""Stage 2 output: the intermediate representation, all that templates see.

Plain frozen dataclasses. Every name in here is already final: ``build``
fills each one using ``naming``, and renderers and templates only lay them
out; they never derive a name of their own.
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
# How generated code annotates a ``bytes`` field: the runtime's alias for what
# a file field takes (the bytes, or a binary file object to read them from),
# through ``common.model``, which each module naming it imports as ``_model``.
FILE_CONTENT = "_model.FileContent"


@dataclass(frozen=True)
class TypeRef:
    """The type of a field: a scalar, a named object type, or a list of either."""

    kind: Literal["scalar", "object", "list"]
    name: str  # Python type for scalars, class name for objects, "" for lists
    # The spec's ``format`` of a scalar (uint64, datetime...). It does not
    # change the Python type (validating it would make the tolerant decoding
    # of answers fail); the attribute's docstring states it (see
    # ``model_classes``) and ``codegen diff`` reports changes to it.
    format: str = ""
    item: TypeRef | None = None

    @property
    def annotation(self) -> str:
        """The type as the specs mean it (``bytes``, ``list[Instance]``): for messages and ``codegen diff``."""
        if self.kind == "list":
            assert self.item is not None
            return f"list[{self.item.annotation}]"
        return self.name

    def in_code(self, models: str = "") -> str:
        """The annotation generated code writes: object types after ``models``
        (``_models.`` outside models.py), file content as :data:`FILE_CONTENT`."""
        if self.kind == "list":
            assert self.item is not None
            return f"list[{self.item.in_code(models)}]"
        if self.kind == "object":
            return models + self.name
        return FILE_CONTENT if self.name == "bytes" else self.name


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
    # "examples" when the spec says its fields were inferred from the examples
    # (an event model the description did not give); the docstring says so.
    inferred_from: str = ""


@dataclass(frozen=True)
class ErrorCode:
    """A code and its enum member; one member name per code in a service version.

    ``description`` is what the member's docstring says in its enum: in an
    action's enum it is "" when the service's enum already says the same.
    """

    code: str
    member: str
    description: str
    common: bool


@dataclass(frozen=True)
class Example:
    title: str
    request_json: str  # canonical JSON text (sorted keys)
    response_json: str  # the envelope; "" for an event stream
    events_json: str = ""  # an event stream: the list of each event's data


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
    constant: str = ""  # client.py's module-level paging description, e.g. "_DESCRIBE_INSTANCES_PAGING"


@dataclass(frozen=True)
class Waiter:
    """After an action, poll ``poller`` until the state at ``status`` is a success or a failure.

    ``status`` is the path of Python attribute names in the poller's response
    (``"[]"`` steps over every item of a list); ``status_wire`` the same path
    as the spec says it. ``inputs`` are (poller request field, started
    response field, whether the started value is wrapped in a list).
    """

    method: str  # e.g. "wait_for_create_cloud_recording"
    constant: str  # client.py's module-level description, e.g. "_CREATE_CLOUD_RECORDING_WAITER"
    poller: str  # the polled action's wire name
    poller_method: str
    poller_request: ObjectType
    poller_response: ObjectType
    kind: str
    status: tuple[str, ...]
    status_wire: str
    success: tuple[str, ...]
    failure: tuple[str, ...]
    pending: tuple[str, ...]
    retry_errors: tuple[str, ...]
    inputs: tuple[tuple[str, str, bool], ...]
    min_delay: float
    max_delay: float
    timeout: float


@dataclass(frozen=True)
class Action:
    name: str  # the wire name, also the stem of its classes
    method: str  # client method, e.g. "dismiss_room"
    constant: str  # client.py's module-level runtime description, e.g. "_DISMISS_ROOM"
    error_enum: str  # e.g. "DismissRoomErrorCode"
    summary: str
    description: str
    deprecated: bool
    streaming: bool
    read_only: bool
    idempotency_field: str  # wire name of the idempotency token field, or ""
    idempotency_attribute: str  # its Python attribute on the request, or ""
    request: ObjectType
    response: ObjectType
    errors: tuple[ErrorCode, ...]  # the action's own codes, beyond the common ones
    examples: tuple[Example, ...]
    source: str
    # Wire names of the request's top-level ``bytes`` fields, in field order;
    # non-empty means the request is sent as multipart/form-data, unless
    # ``octet_stream``: then the one such field is the raw body and every
    # other field travels as the header ``headers`` pairs it with.
    binary_fields: tuple[str, ...] = ()
    pagination: Pagination | None = None
    octet_stream: bool = False
    headers: tuple[tuple[str, str], ...] = ()  # (wire name, header name), in field order
    waiter: Waiter | None = None


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
    client_class: str  # e.g. "TrtcClient"
    async_client_class: str  # e.g. "AsyncTrtcClient"
    title: str
    description: str
    endpoint: str
    types: tuple[ObjectType, ...]
    actions: tuple[Action, ...]
    sources: tuple[str, ...]
    error_enum: str = ""  # the enum of every action's own codes, "ServiceErrorCode"
    errors: tuple[ErrorCode, ...] = ()  # those codes, sorted, each with its description

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
class ErrorCategory:
    """A first segment of the common codes (``AuthFailure``) and its exception class."""

    prefix: str
    class_name: str  # e.g. "AuthFailureError"


@dataclass(frozen=True)
class Project:
    common_errors: tuple[ErrorCode, ...]
    services: tuple[ServiceVersion, ...]
    categories: tuple[ErrorCategory, ...]  # of common_errors, in order of first appearance
