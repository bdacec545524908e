"""Checked spec documents as typed values: what the build stage reads.

:func:`read` turns a document that passed the spec format's JSON Schema into
plain frozen dataclasses, so the build stage never indexes raw dicts. The
schema has already guaranteed every shape assumed here (required keys,
types, enums); optional keys get their defaults in this one place. Each
value keeps its :class:`Place`, the document and the path in it, so a
problem found later is reported where it is in the input (line and column,
or JSON pointer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .diagnostics import Diagnostic
from .loader import SpecDocument


@dataclass(frozen=True)
class Place:
    """Where a value is: its document and the keys and indices leading to it."""

    document: SpecDocument
    path: tuple[Any, ...] = ()

    def at(self, *steps: Any) -> Place:
        return Place(self.document, (*self.path, *steps))

    def problem(self, message: str, *steps: Any) -> Diagnostic:
        """A diagnostic for this place (or the one ``steps`` below it)."""
        return self.document.diagnostic((*self.path, *steps), message)


@dataclass(frozen=True)
class PropertySchema:
    """One property: a scalar or array ``type`` (with ``format``), or ``ref`` to a shared type."""

    place: Place
    type: str  # "" when the property is a reference
    ref: str  # the referenced type's name ("" unless a reference)
    format: str
    items: PropertySchema | None  # for arrays
    nullable: bool
    deprecated: bool
    description: str


@dataclass(frozen=True)
class ObjectSchema:
    place: Place
    description: str
    required: tuple[str, ...]
    properties: Mapping[str, PropertySchema]  # in the document's order
    inferred_from: str = ""  # "examples": the fields were guessed from the examples


@dataclass(frozen=True)
class ErrorTable:
    place: Place
    codes: Mapping[str, str]  # wire code -> description, in the document's order


@dataclass(frozen=True)
class ExampleSpec:
    place: Place
    title: str
    request: Any  # the JSON body, as data
    response: Any  # the whole envelope, as data; None for an event stream
    events: tuple[Any, ...] | None  # an event stream: each event's data (object or text)


@dataclass(frozen=True)
class PaginationSpec:
    place: Place
    style: Literal["offset", "page", "token"]
    items: str
    keys: tuple[str, ...]  # every key given besides style and items, in the document's order
    fields: Mapping[str, str]  # those naming a field (offset, limit, ...) -> its wire name
    first_page: int


@dataclass(frozen=True)
class WaiterSpec:
    """A ``waiter`` block: after the action, poll ``action`` until ``status`` says the work is done."""

    place: Place
    action: str
    kind: str  # "task", "resource" or "" (not said)
    input: Mapping[str, str]  # polled request field -> this action's response field
    status: str  # a path: wire names joined by dots, ``[]`` after a list
    success: tuple[str, ...]
    failure: tuple[str, ...]
    pending: tuple[str, ...]
    retry_errors: tuple[str, ...]
    min_delay: float | None
    max_delay: float | None
    timeout: float | None


@dataclass(frozen=True)
class WaiterDefaults:
    """A service's ``waiters`` block: default delays and timeout of its waiters (None: not said)."""

    min_delay: float | None = None
    max_delay: float | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class CommonErrorsSpec:
    place: Place
    errors: ErrorTable


@dataclass(frozen=True)
class ServiceSpec:
    place: Place
    service: str
    version: str
    endpoint: str
    title: str
    description: str
    types: Mapping[str, ObjectSchema]
    waiters: WaiterDefaults = WaiterDefaults()

    @property
    def path(self) -> str:
        return self.place.document.path


@dataclass(frozen=True)
class ActionSpec:
    place: Place
    action: str
    summary: str
    description: str
    deprecated: bool
    streaming: bool
    request: ObjectSchema
    response: ObjectSchema
    errors: ErrorTable
    examples: tuple[ExampleSpec, ...]
    pagination: PaginationSpec | None
    request_body: str = "json"  # or "octet-stream": the raw body, parameters as headers
    headers: Mapping[str, str] = field(default_factory=dict)  # request field -> header name
    waiter: WaiterSpec | None = None

    @property
    def file_stem(self) -> str:
        """The name the document's file gives (``DismissRoom`` for ``DismissRoom.yaml``)."""
        return self.place.document.name

    @property
    def path(self) -> str:
        return self.place.document.path


Spec = CommonErrorsSpec | ServiceSpec | ActionSpec


def read(document: SpecDocument) -> Spec:
    """The typed form of a document that passed :func:`loader.validate`."""
    data: Mapping[str, Any] = document.data
    place = Place(document)
    if document.kind == "errors_file":
        return CommonErrorsSpec(place, _errors(data["errors"], place.at("errors")))
    if document.kind == "service_file":
        types = data.get("types") or {}
        return ServiceSpec(
            place,
            service=data["service"],
            version=data["version"],
            endpoint=data["endpoint"],
            title=data.get("title", ""),
            description=data.get("description", ""),
            types={name: _object(raw, place.at("types", name)) for name, raw in types.items()},
            waiters=WaiterDefaults(*(_seconds(data.get("waiters") or {}, key) for key in _DELAYS)),
        )
    paging = data.get("pagination")
    return ActionSpec(
        place,
        action=data["action"],
        summary=data.get("summary", ""),
        description=data.get("description", ""),
        deprecated=bool(data.get("deprecated", False)),
        streaming=bool(data.get("streaming", False)),
        request=_object(data["request"], place.at("request")),
        response=_object(data["response"], place.at("response")),
        errors=_errors(data.get("errors") or {}, place.at("errors")),
        examples=tuple(
            ExampleSpec(
                place.at("examples", index),
                str(raw.get("title", "")),
                raw.get("request", {}),
                raw.get("response"),
                tuple(raw["events"]) if "events" in raw else None,
            )
            for index, raw in enumerate(data.get("examples") or [])
        ),
        pagination=_pagination(paging, place.at("pagination")) if paging else None,
        request_body=data.get("request_body", "json"),
        headers=dict(data.get("headers") or {}),
        waiter=_waiter(data["waiter"], place.at("waiter")) if data.get("waiter") else None,
    )


def _errors(table: Mapping[str, Any], place: Place) -> ErrorTable:
    return ErrorTable(place, {code: str(text) for code, text in table.items()})


def _object(raw: Mapping[str, Any], place: Place) -> ObjectSchema:
    properties = raw["properties"]
    return ObjectSchema(
        place,
        description=raw.get("description", ""),
        required=tuple(raw.get("required", [])),
        properties={wire: _property(prop, place.at("properties", wire)) for wire, prop in properties.items()},
        inferred_from=raw.get("inferred_from", ""),
    )


def _property(raw: Mapping[str, Any], place: Place) -> PropertySchema:
    ref = raw.get("$ref", "")
    return PropertySchema(
        place,
        type=raw.get("type", ""),
        ref=ref.rsplit("/", 1)[-1] if ref else "",
        format=raw.get("format", ""),
        items=_property(raw["items"], place.at("items")) if "items" in raw else None,
        nullable=bool(raw.get("nullable", False)),
        deprecated=bool(raw.get("deprecated", False)),
        description=raw.get("description", ""),
    )


def _pagination(raw: Mapping[str, Any], place: Place) -> PaginationSpec:
    keys = tuple(key for key in raw if key not in ("style", "items"))
    fields = {key: raw[key] for key in keys if key != "first_page"}
    return PaginationSpec(place, raw["style"], raw["items"], keys, fields, int(raw.get("first_page", 1)))


_DELAYS = ("min_delay", "max_delay", "timeout")


def _seconds(raw: Mapping[str, Any], key: str) -> float | None:
    return float(raw[key]) if key in raw else None


def _waiter(raw: Mapping[str, Any], place: Place) -> WaiterSpec:
    def values(key: str) -> tuple[str, ...]:
        return tuple(str(value) for value in raw.get(key) or ())

    return WaiterSpec(
        place,
        action=raw["action"],
        kind=raw.get("kind", ""),
        input=dict(raw.get("input") or {}),
        status=raw["status"],
        success=values("success"),
        failure=values("failure"),
        pending=values("pending"),
        retry_errors=values("retry_errors"),
        min_delay=_seconds(raw, "min_delay"),
        max_delay=_seconds(raw, "max_delay"),
        timeout=_seconds(raw, "timeout"),
    )
