"""Classify the differences between two API surfaces for the code that uses them.

A change is *breaking* when code written against the old package can stop
working (an import, a call, an attribute or an ``except`` clause fails, or a
value arrives that the old types said could not); a *deprecation* when
something is marked for removal; *compatible* otherwise. docs/evolution.md
states every rule with an example; ``KINDS`` is the complete list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .surface import ActionSurface, FieldSurface, ServiceSurface, Surface, TypeSurface

Severity = Literal["breaking", "deprecation", "compatible"]
SEVERITIES: tuple[Severity, ...] = ("breaking", "deprecation", "compatible")

# Every kind of change with its severity. The JSON output names these; the
# set only grows (a new kind is a new key, an old one keeps its meaning).
KINDS: dict[str, Severity] = {
    "service_version_removed": "breaking",
    "action_removed": "breaking",
    "type_removed": "breaking",
    "request_field_added_required": "breaking",
    "request_field_made_required": "breaking",
    "field_removed": "breaking",
    "field_renamed": "breaking",
    "field_type_changed": "breaking",
    "response_field_made_nullable": "breaking",
    "error_code_removed": "breaking",
    "error_member_renamed": "breaking",
    "common_error_removed": "breaking",
    "common_error_member_renamed": "breaking",
    "retry_safety_lost": "breaking",
    "streaming_changed": "breaking",
    "paginator_removed": "breaking",
    "paginator_changed": "breaking",
    "waiter_removed": "breaking",
    "waiter_changed": "breaking",
    "action_deprecated": "deprecation",
    "field_deprecated": "deprecation",
    "service_version_added": "compatible",
    "action_added": "compatible",
    "type_added": "compatible",
    "request_field_added": "compatible",
    "response_field_added": "compatible",
    "request_field_made_optional": "compatible",
    "response_field_made_not_nullable": "compatible",
    "field_type_widened": "compatible",
    "field_format_changed": "compatible",
    "error_code_added": "compatible",
    "common_error_added": "compatible",
    "retry_safety_gained": "compatible",
    "paginator_added": "compatible",
    "waiter_added": "compatible",
    "waiter_defaults_changed": "compatible",
    "action_undeprecated": "compatible",
    "field_undeprecated": "compatible",
    "endpoint_changed": "compatible",
    "request_format_changed": "compatible",
    "documentation_changed": "compatible",
}

_SCALARS = frozenset({"str", "int", "float", "bool", "bytes"})
# Scalar changes that keep old code working on one side only: a request field
# that took int accepts int still when it takes float; a response field read
# as float still reads an int.
_WIDER_IN_REQUESTS = frozenset({("int", "float")})
_WIDER_IN_RESPONSES = frozenset({("float", "int")})


@dataclass(frozen=True)
class Change:
    kind: str
    service: str  # "" for the common error table
    version: str
    subject: str  # action name, type class name, or "" for the service version itself
    python: str  # the dotted Python name users see, below the package
    message: str  # one line, without the service and subject
    old: str = ""
    new: str = ""

    @property
    def severity(self) -> Severity:
        return KINDS[self.kind]

    @property
    def sort_key(self) -> tuple[str, str, int, str, str]:
        return (self.service, self.version, SEVERITIES.index(self.severity), self.subject, self.message)


def diff_surfaces(old: Surface, new: Surface) -> list[Change]:
    """Every change from ``old`` to ``new``, grouped by service version, breaking first."""
    changes = list(_common(old.common_errors, new.common_errors))
    for key in sorted(set(old.services) | set(new.services)):
        before, after = old.services.get(key), new.services.get(key)
        if before is None and after is not None:
            changes.append(_service_change("service_version_added", after, "service version added"))
        elif after is None and before is not None:
            changes.append(_service_change("service_version_removed", before, "service version removed"))
        elif before is not None and after is not None:
            changes.extend(_service(before, after, set(new.common_errors)))
    return sorted(changes, key=lambda c: c.sort_key)


def _service_change(kind: str, service: ServiceSurface, message: str, old: str = "", new: str = "") -> Change:
    return Change(kind, service.service, service.version, "", f"{service.module}.{service.client}", message, old, new)


def _common(old: dict[str, str], new: dict[str, str]) -> Iterator[Change]:
    for code in sorted(set(old) | set(new)):
        if code not in new:
            yield Change(
                "common_error_removed",
                "",
                "",
                "",
                f"common.CommonErrorCode.{old[code]}",
                f"common error code {code} removed",
                code,
            )
        elif code not in old:
            yield Change(
                "common_error_added",
                "",
                "",
                "",
                f"common.CommonErrorCode.{new[code]}",
                f"common error code {code} added",
                "",
                code,
            )
        elif old[code] != new[code]:
            yield Change(
                "common_error_member_renamed",
                "",
                "",
                "",
                f"common.CommonErrorCode.{new[code]}",
                f"common error code {code}: member {old[code]} renamed to {new[code]}",
                old[code],
                new[code],
            )


def _service(old: ServiceSurface, new: ServiceSurface, new_common: set[str]) -> Iterator[Change]:
    if old.endpoint != new.endpoint:
        yield _service_change(
            "endpoint_changed", new, f"endpoint {old.endpoint} -> {new.endpoint}", old.endpoint, new.endpoint
        )
    if old.doc != new.doc:
        yield _service_change("documentation_changed", new, "service documentation changed")
    for name in sorted(set(old.actions) | set(new.actions)):
        before, after = old.actions.get(name), new.actions.get(name)
        if after is None and before is not None:
            yield _at(
                old,
                name,
                "action_removed",
                f"{old.client}.{before.method}",
                f"action removed ({old.client}.{before.method})",
            )
        elif before is None and after is not None:
            yield _at(
                new, name, "action_added", f"{new.client}.{after.method}", f"action added ({new.client}.{after.method})"
            )
        elif before is not None and after is not None:
            yield from _action(new, name, before, after, new_common)
    for name in sorted(set(old.types) | set(new.types)):
        was, now = old.types.get(name), new.types.get(name)
        if now is None and was is not None:
            yield _at(old, name, "type_removed", name, f"type {name} removed")
        elif was is None and now is not None:
            yield _at(new, name, "type_added", name, f"type {name} added")
        elif was is not None and now is not None:
            sides = _sides(now.usage)
            yield from _fields(new, name, "field", was, now, sides)
            if _field_docs_differ(was, now):
                yield _at(new, name, "documentation_changed", name, "documentation changed")


def _at(
    service: ServiceSurface, subject: str, kind: str, python: str, message: str, old: str = "", new: str = ""
) -> Change:
    return Change(kind, service.service, service.version, subject, f"{service.module}.{python}", message, old, new)


def _sides(usage: str) -> frozenset[str]:
    # A type no action reaches can still be imported; judge it by both rules.
    return frozenset({"in"}) if usage == "in" else frozenset({"out"}) if usage == "out" else frozenset({"in", "out"})


def _waiter(service: ServiceSurface, name: str, old: ActionSurface, new: ActionSurface) -> Iterator[Change]:
    where = f"{service.client}.wait_for_{(new.method or old.method).rstrip('_')}"
    if old.waiter and not new.waiter:
        yield _at(service, name, "waiter_removed", where, "waiter removed", old.waiter)
    elif new.waiter and not old.waiter:
        yield _at(service, name, "waiter_added", where, f"waiter added: {new.waiter}", "", new.waiter)
    elif old.waiter != new.waiter:
        yield _at(
            service,
            name,
            "waiter_changed",
            where,
            f"waiter changed: {old.waiter} -> {new.waiter}",
            old.waiter,
            new.waiter,
        )
    elif old.waiter_defaults != new.waiter_defaults:
        yield _at(
            service,
            name,
            "waiter_defaults_changed",
            where,
            f"waiter defaults changed: {old.waiter_defaults} -> {new.waiter_defaults}",
            old.waiter_defaults,
            new.waiter_defaults,
        )


def _action(
    service: ServiceSurface, name: str, old: ActionSurface, new: ActionSurface, new_common: set[str]
) -> Iterator[Change]:
    method = f"{service.client}.{new.method}"
    if new.deprecated and not old.deprecated:
        yield _at(service, name, "action_deprecated", method, "action deprecated")
    elif old.deprecated and not new.deprecated:
        yield _at(service, name, "action_undeprecated", method, "action no longer deprecated")
    if old.streaming != new.streaming:
        what = "now answers with a stream of events" if new.streaming else "no longer answers with a stream"
        yield _at(service, name, "streaming_changed", method, f"{what} (the method's return type changes)")
    if old.request_format != new.request_format:
        yield _at(
            service,
            name,
            "request_format_changed",
            method,
            f"request sent as {new.request_format} (was {old.request_format})",
            old.request_format,
            new.request_format,
        )
    if old.retry_safe and not new.retry_safe:
        yield _at(
            service,
            name,
            "retry_safety_lost",
            method,
            "no longer safe to retry: the client stops retrying it after transient failures",
        )
    elif new.retry_safe and not old.retry_safe:
        yield _at(service, name, "retry_safety_gained", method, "now safe to retry (idempotency token added)")
    if old.paging != new.paging:
        pages = f"{service.client}.iter_{new.method}"
        if not new.paging:
            yield _at(
                service,
                name,
                "paginator_removed",
                pages,
                f"iter_{old.method} and pages_{old.method} removed",
                old.paging,
            )
        elif not old.paging:
            yield _at(
                service,
                name,
                "paginator_added",
                pages,
                f"iter_{new.method} and pages_{new.method} added",
                "",
                new.paging,
            )
        else:
            yield _at(
                service,
                name,
                "paginator_changed",
                pages,
                f"paging changed: {old.paging} -> {new.paging}",
                old.paging,
                new.paging,
            )
    yield from _waiter(service, name, old, new)
    yield from _fields(service, name, "request field", old.request, new.request, frozenset({"in"}))
    yield from _fields(service, name, "response field", old.response, new.response, frozenset({"out"}))
    enum = new.error_enum
    for code in sorted(set(old.errors) - set(new.errors) - new_common):
        yield _at(
            service,
            name,
            "error_code_removed",
            f"{old.error_enum}.{old.errors[code]}",
            f"error code {code} removed ({old.error_enum}.{old.errors[code]})",
            code,
        )
    for code in sorted(set(new.errors) - set(old.errors)):
        yield _at(
            service,
            name,
            "error_code_added",
            f"{enum}.{new.errors[code]}",
            f"error code {code} added ({enum}.{new.errors[code]})",
            "",
            code,
        )
    for code in sorted(set(old.errors) & set(new.errors)):
        if old.errors[code] != new.errors[code]:
            yield _at(
                service,
                name,
                "error_member_renamed",
                f"{enum}.{new.errors[code]}",
                f"error code {code}: member {old.errors[code]} renamed to {new.errors[code]}",
                old.errors[code],
                new.errors[code],
            )
    if (
        old.doc != new.doc
        or _field_docs_differ(old.request, new.request)
        or _field_docs_differ(old.response, new.response)
    ):
        yield _at(service, name, "documentation_changed", method, "documentation changed")


def _field_docs_differ(old: TypeSurface, new: TypeSurface) -> bool:
    return old.doc != new.doc or any(f.doc != new.fields[w].doc for w, f in old.fields.items() if w in new.fields)


def _renames(old: TypeSurface, new: TypeSurface) -> dict[str, str]:
    """Removed wire names whose field lives on under another wire name with the same Python name."""
    removed = {old.fields[w].python: w for w in old.fields if w not in new.fields}
    added = {new.fields[w].python: w for w in new.fields if w not in old.fields}
    return {removed[python]: added[python] for python in removed.keys() & added.keys()}


def _fields(
    service: ServiceSurface, subject: str, what: str, old: TypeSurface, new: TypeSurface, sides: frozenset[str]
) -> Iterator[Change]:
    renamed = _renames(old, new)
    for wire in sorted(set(old.fields) | set(new.fields)):
        before, after = old.fields.get(wire), new.fields.get(wire)
        if before is not None and after is None:
            attribute = f"{old.python}.{before.python}"
            if wire in renamed:
                yield _at(
                    service,
                    subject,
                    "field_renamed",
                    attribute,
                    f"{what} {before.python}: wire name {wire} changed to {renamed[wire]}",
                    wire,
                    renamed[wire],
                )
            else:
                yield _at(
                    service, subject, "field_removed", attribute, f"{what} {before.python} ({wire}) removed", wire
                )
        elif before is None and after is not None:
            if wire in renamed.values():
                continue
            attribute = f"{new.python}.{after.python}"
            label = f"{what} {after.python} ({wire})"
            if "in" in sides and not _optional(after):
                yield _at(
                    service, subject, "request_field_added_required", attribute, f"{label} added as required", "", wire
                )
            elif "in" in sides:
                yield _at(service, subject, "request_field_added", attribute, f"{label} added (optional)", "", wire)
            else:
                yield _at(service, subject, "response_field_added", attribute, f"{label} added", "", wire)
        elif before is not None and after is not None:
            yield from _field(
                service,
                subject,
                f"{what} {after.python} ({wire})",
                f"{new.python}.{after.python}",
                before,
                after,
                sides,
            )


def _optional(item: FieldSurface) -> bool:
    """Whether a request may leave the field out (or send None)."""
    return not item.required or item.nullable


def _field(
    service: ServiceSurface,
    subject: str,
    label: str,
    attribute: str,
    old: FieldSurface,
    new: FieldSurface,
    sides: frozenset[str],
) -> Iterator[Change]:
    def change(kind: str, message: str, before: str = "", after: str = "") -> Change:
        return _at(service, subject, kind, attribute, f"{label} {message}", before, after)

    if old.python != new.python:
        yield change("field_renamed", f"renamed from {old.python} (Python name)", old.python, new.python)
    if "in" in sides and _optional(old) and not _optional(new):
        yield change("request_field_made_required", "made required")
    elif "in" in sides and not _optional(old) and _optional(new):
        yield change("request_field_made_optional", "made optional")
    if "out" in sides and new.nullable and not old.nullable:
        yield change("response_field_made_nullable", "may now be null (None)")
    elif "out" in sides and old.nullable and not new.nullable:
        yield change("response_field_made_not_nullable", "is no longer null")
    if old.annotation != new.annotation:
        kind = _type_change(old.annotation, new.annotation, sides)
        what = "widened" if kind == "field_type_widened" else "type changed"
        yield change(kind, f"{what}: {old.annotation} -> {new.annotation}", old.annotation, new.annotation)
    elif old.format != new.format:
        yield change(
            "field_format_changed", f"format {old.format or 'none'} -> {new.format or 'none'}", old.format, new.format
        )
    if new.deprecated and not old.deprecated:
        yield change("field_deprecated", "deprecated")
    elif old.deprecated and not new.deprecated:
        yield change("field_undeprecated", "no longer deprecated")


def _type_change(old: str, new: str, sides: frozenset[str]) -> str:
    """field_type_widened when every side still accepts old code, else field_type_changed."""
    while old.startswith("list[") and new.startswith("list["):
        old, new = old[5:-1], new[5:-1]
    if old in _SCALARS and new in _SCALARS:
        safe_in = (old, new) in _WIDER_IN_REQUESTS or "in" not in sides
        safe_out = (old, new) in _WIDER_IN_RESPONSES or "out" not in sides
        if safe_in and safe_out:
            return "field_type_widened"
    return "field_type_changed"


def counts(changes: list[Change]) -> dict[str, int]:
    return {severity: sum(1 for c in changes if c.severity == severity) for severity in SEVERITIES}
