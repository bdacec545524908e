"""Build stage, waiters: turn each action's ``waiter`` block into an :class:`ir.Waiter`.

A block names the action to poll (of the same service version), how the
started action's answer fills the polled request (``input``), where the
state is in the polled answer (``status``) and which states end the wait.
Each part is checked here against the built actions, with the place of the
block in messages. Delays and timeout come from the block, else from the
service's ``waiters`` defaults, else from :mod:`codegen.waiters`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from . import naming
from .diagnostics import Diagnostic, closest, quoted
from .ir import Action, Field, ObjectType, TypeRef, Waiter
from .spec_model import ActionSpec, ServiceSpec, WaiterSpec
from .waiters import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMEOUT

# Keyword arguments of every waiter method; no polled request field may take one.
WAITER_ARGUMENTS = ("started", "min_delay", "max_delay", "timeout", "extra_params", "request")


def attach(
    service: ServiceSpec,
    specs: Sequence[ActionSpec],
    actions: tuple[Action, ...],
    types: tuple[ObjectType, ...],
    problems: list[Diagnostic],
) -> tuple[Action, ...]:
    """``actions`` with their waiters; problems with a block are added to ``problems``."""
    by_name = {a.name: a for a in actions}
    classes = {t.name: t for t in types}
    result = []
    for spec, action in zip(specs, actions, strict=True):
        block = spec.waiter
        waiter = None if block is None else _waiter(service, block, action, by_name, classes, problems)
        result.append(replace(action, waiter=waiter) if waiter is not None else action)
    return tuple(result)


def _waiter(
    service: ServiceSpec,
    block: WaiterSpec,
    action: Action,
    actions: Mapping[str, Action],
    classes: Mapping[str, ObjectType],
    problems: list[Diagnostic],
) -> Waiter | None:
    start = len(problems)
    place = block.place
    poller = actions.get(block.action)
    if poller is None:
        near = closest(block.action, actions)
        hint = f"; did you mean {quoted(near)}?" if near else ""
        problems.append(place.problem(f"waiter: {block.action!r} is no action of this service version{hint}", "action"))
        return None
    if poller.streaming:
        problems.append(place.problem(f"waiter: {block.action!r} answers with a stream; it cannot be polled", "action"))
    requested = {f.wire_name: f for f in poller.request.fields}
    answered = {f.wire_name: f for f in action.response.fields}
    inputs = []
    for target, source in block.input.items():
        into, out = requested.get(target), answered.get(source)
        if into is None:
            problems.append(place.problem(f"waiter: input {target!r} is not a request field of {poller.name}", "input"))
        if out is None:
            problems.append(
                place.problem(f"waiter: input {target!r} <- {source!r}: not a response field of {action.name}", "input")
            )
        if into is None or out is None:
            continue
        # Formats (int64, uint64) do not change the Python type: compare the annotations.
        wrap = out.type.kind != "list" and into.type.annotation == f"list[{out.type.annotation}]"
        if into.type.annotation != out.type.annotation and not wrap:
            problems.append(
                place.problem(
                    f"waiter: input {target!r} is {into.type.annotation} but {source!r} is {out.type.annotation}",
                    "input",
                )
            )
            continue
        inputs.append((into.py_name, out.py_name, wrap))
    for item in poller.request.fields:
        if item.py_name in WAITER_ARGUMENTS:
            problems.append(
                place.problem(
                    f"waiter: {poller.name}'s field {item.wire_name!r} would be the argument {item.py_name!r},"
                    " which every waiter method has",
                    "action",
                )
            )
    status = _path(block.status, poller.response, classes)
    if isinstance(status, str):
        problems.append(place.problem(f"waiter: status {block.status!r}: {status}", "status"))
    both = set(block.success) & set(block.failure)
    if both:
        clash = f"waiter: {', '.join(sorted(both))} cannot be both success and failure"
        problems.append(place.problem(clash, "failure"))
    defaults = service.waiters
    min_delay = _first(block.min_delay, defaults.min_delay, DEFAULT_MIN_DELAY)
    max_delay = _first(block.max_delay, defaults.max_delay, DEFAULT_MAX_DELAY)
    timeout = _first(block.timeout, defaults.timeout, DEFAULT_TIMEOUT)
    if min_delay > max_delay:
        problems.append(place.problem(f"waiter: min_delay {min_delay:g} is more than max_delay {max_delay:g}"))
    if len(problems) > start or isinstance(status, str):
        return None
    return Waiter(
        method=naming.waiter_method(action.method),
        constant=naming.waiter_constant(action.method),
        poller=poller.name,
        poller_method=poller.method,
        poller_request=poller.request,
        poller_response=poller.response,
        kind=block.kind or ("resource" if "[]" in block.status else "task"),
        status=status,
        status_wire=block.status,
        success=block.success,
        failure=block.failure,
        pending=block.pending,
        retry_errors=block.retry_errors,
        inputs=tuple(inputs),
        min_delay=min_delay,
        max_delay=max_delay,
        timeout=timeout,
    )


def _first(*values: float | None) -> float:
    return next(v for v in values if v is not None)


def _path(path: str, response: ObjectType, classes: Mapping[str, ObjectType]) -> tuple[str, ...] | str:
    """The Python attribute path of a wire path, or what is wrong with it."""
    steps: list[str] = []
    fields: Sequence[Field] = response.fields
    current: TypeRef | None = None
    for part in path.split("."):
        name, listed = (part[:-2], True) if part.endswith("[]") else (part, False)
        found = next((f for f in fields if f.wire_name == name), None)
        if found is None:
            near = closest(name, [f.wire_name for f in fields])
            hint = f"; did you mean {quoted(near)}?" if near else ""
            return f"{name!r} is not a field there{hint}"
        steps.append(found.py_name)
        current = found.type
        if listed:
            if current.kind != "list" or current.item is None:
                return f"{name!r} is not a list"
            steps.append("[]")
            current = current.item
        elif current.kind == "list":
            return f"{name!r} is a list: write {name}[] to look at each item"
        fields = classes[current.name].fields if current.kind == "object" and current.name in classes else ()
    if current is None or current.kind != "scalar" or current.name not in ("str", "int", "bool"):
        return "it must end at a string or integer field"
    return tuple(steps)
