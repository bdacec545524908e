"""Overlays: reviewed patches to the spec documents an importer produces.

An overlay file (YAML, docs/overlays.md) lists patches. Each names a service
version, a node in one of its spec documents (the service document, a type,
an action, a field, and any path below them) and one operation on it:
``set`` (a JSON merge patch: mappings merge, ``null`` removes a key),
``replace``, ``add`` (the node must be new) or ``remove`` (it must exist).
The node is addressed by spec keys, so any key of the spec language is
patchable, including ones added after this module was written; what a patch
yields is checked by the same schema and build stage as hand-written specs.

Patches apply after the importer's conversion and before the checks, on
``codegen import`` (which writes the patched result), ``generate --from``
and ``diff --from``. Every problem is reported at its place in the overlay:
a file that is not YAML, an unknown key, a target that does not exist (a
stale patch is an error, never skipped quietly) and a patched document the
checks refuse (:attr:`SpecDocument.patched` sends those problems to the
patch).
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as _field
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, SpecError, closest, quoted
from .inputs import OverlayInput
from .loader import SpecDocument, read_yaml, spec_schema, validate

if TYPE_CHECKING:
    import yaml

    from .cache import Cache

FORMAT_VERSION = 1
OPERATIONS = ("set", "replace", "add", "remove")
TARGETS = ("service", "version", "action", "type", "field", "request", "response", "at")
PATCH_KEYS = (*TARGETS, *OPERATIONS, "reason", "source")
TOP_KEYS = ("overlay", "patches")
_SERVICE = re.compile(r"[a-z][a-z0-9_]*")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_VERSION = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
Step = str | int


@dataclass(frozen=True)
class Patch:
    """One patch of an overlay file, checked for shape (not yet against any spec)."""

    shown: str  # the overlay file, as messages name it
    service: str
    version: str
    action: str = ""
    type: str = ""
    field: str = ""
    side: str = ""  # "request" or "response": the object of ``action`` that ``field`` is in
    at: tuple[Step, ...] = ()
    op: str = "set"
    value: Any = None
    reason: str = ""
    source: str = ""
    builtin: bool = False
    # Where each key's value is ("" is the patch itself, an operation's name its key).
    marks: Mapping[str, tuple[int, int]] = _field(default_factory=dict)
    # Where each place inside the operation's value is, relative to the node patched.
    value_marks: tuple[tuple[tuple[Step, ...], int, int], ...] = ()

    @property
    def folder(self) -> str:
        return f"{self.service}/{self.version}"

    def segments(self) -> list[tuple[str, tuple[Step, ...]]]:
        """The path from the document's top to the node, in pieces, each with the key that named it."""
        parts: list[tuple[str, tuple[Step, ...]]] = []
        if self.type:
            parts.append(("type", ("types", self.type)))
            if self.field:
                parts.append(("field", ("properties", self.field)))
        elif self.action and self.field:
            parts.append((self.side, (self.side, "properties", self.field)))
        parts += [("at", (step,)) for step in self.at]
        return parts

    def steps(self) -> tuple[Step, ...]:
        return tuple(step for _, piece in self.segments() for step in piece)

    def problem(self, key: str, message: str) -> Diagnostic:
        line, column = self.marks.get(key) or self.marks.get("", (0, 0))
        return Diagnostic(self.shown, line, column, message)

    def describe(self) -> str:
        """The node, in words: ``type 'Widget' field 'Name' in demo/2020-01-01``."""
        words = [f"action {self.action!r}" if self.action else f"type {self.type!r}" if self.type else "service"]
        if self.field:
            words.append(f"{self.side or 'field'} field {self.field!r}" if self.action else f"field {self.field!r}")
        if self.at:
            words.append("at " + "/".join(str(step) for step in self.at))
        return " ".join(words) + f" in {self.folder}"


@dataclass(frozen=True)
class Overlay:
    shown: str
    patches: tuple[Patch, ...]
    builtin: bool = False


# --- reading ---------------------------------------------------------------------------


def parse(inputs: Sequence[OverlayInput]) -> tuple[Overlay, ...]:
    """The overlays read by ``inputs.read_overlays``, checked; SpecError with every problem."""
    overlays: list[Overlay] = []
    problems: list[Diagnostic] = []
    for item in inputs:
        overlay, found = parse_one(item)
        problems += found
        if overlay is not None:
            overlays.append(overlay)
    if problems:
        raise SpecError(problems)
    return tuple(overlays)


def parse_one(item: OverlayInput) -> tuple[Overlay | None, list[Diagnostic]]:
    """One overlay file, or every problem with it (each at its line and column)."""
    import yaml

    node, data, problems = read_yaml(item.raw, item.shown)
    if node is None:
        return None, problems

    def at(mark_node: yaml.Node, message: str) -> Diagnostic:
        return Diagnostic(item.shown, mark_node.start_mark.line + 1, mark_node.start_mark.column + 1, message)

    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        return None, [at(node, "an overlay is a mapping with 'overlay: 1' and 'patches'")]
    keys = _keys(node)
    problems += [
        at(k, _unknown("key", name, TOP_KEYS, "an overlay")) for name, (k, _) in keys.items() if name not in TOP_KEYS
    ]
    if "overlay" not in keys:
        problems.append(at(node, "missing 'overlay: 1' (the version of the overlay format)"))
    elif data.get("overlay") != FORMAT_VERSION or isinstance(data.get("overlay"), bool):
        problems.append(at(keys["overlay"][1], f"overlay: the format version is {FORMAT_VERSION}"))
    if "patches" not in keys:
        problems.append(at(node, "missing 'patches' (a list of patches)"))
        return None, problems
    listed = keys["patches"][1]
    if not isinstance(listed, yaml.SequenceNode) or not isinstance(data.get("patches"), list):
        problems.append(at(listed, "patches: a list of patches"))
        return None, problems
    patches = []
    for child, value in zip(listed.value, data["patches"], strict=True):
        patch, found = _patch(child, value, item, at)
        problems += found
        if patch is not None:
            patches.append(patch)
    return (None if problems else Overlay(item.shown, tuple(patches), item.builtin)), problems


def _keys(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    return {str(getattr(k, "value", "")): (k, v) for k, v in node.value}


def _unknown(what: str, name: str, known: Sequence[str], where: str) -> str:
    near = closest(name, known)
    hint = f"did you mean {quoted(near)}? " if near else ""
    return f"unknown {what} {name!r} in {where}; {hint}the keys are {', '.join(known)}"


def _patch(node: yaml.Node, data: Any, item: OverlayInput, at: Any) -> tuple[Patch | None, list[Diagnostic]]:
    import yaml

    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        return None, [at(node, "a patch is a mapping (service, version, the node, one operation and a reason)")]
    keys = _keys(node)
    problems = [
        at(k, _unknown("key", name, PATCH_KEYS, "a patch")) for name, (k, _) in keys.items() if name not in PATCH_KEYS
    ]
    marks = {"": (node.start_mark.line + 1, node.start_mark.column + 1)}
    for name, (key_node, value_node) in keys.items():
        mark = key_node if name in OPERATIONS else value_node
        marks[name] = (mark.start_mark.line + 1, mark.start_mark.column + 1)

    def wrong(key: str, message: str) -> None:
        problems.append(at(keys[key][1] if key in keys else node, message))

    values: dict[str, Any] = {}
    for key in ("service", "action", "type", "field", "request", "response"):
        if key in keys:
            value = data.get(key)
            pattern = _SERVICE if key == "service" else _NAME
            if not isinstance(value, str) or not pattern.fullmatch(value):
                rule = "lower-case letters, digits and _" if key == "service" else "letters, digits and _"
                wrong(key, f"{key}: a name ({rule}, from a letter)")
            values[key] = value
    version = data.get("version")
    if isinstance(version, datetime.date) and not isinstance(version, datetime.datetime):
        version = version.isoformat()  # YAML reads 2017-03-12 as a date; the version is its text
    if "version" in keys and not (isinstance(version, str) and _VERSION.fullmatch(version)):
        wrong("version", "version: the API version, YYYY-MM-DD")
    for key in ("service", "version"):
        if key not in keys:
            problems.append(at(node, f"missing {key!r}: the service version the patch applies to"))
    if "action" in keys and "type" in keys:
        wrong("type", "give action or type, not both")
    if "field" in keys and "type" not in keys:
        hint = "; in an action, name it with request: or response:" if "action" in keys else ""
        wrong("field", f"field goes with type{hint}")
    for side in ("request", "response"):
        if side in keys and "action" not in keys:
            wrong(side, f"{side} (a field of the action's {side}) goes with action")
    if "request" in keys and "response" in keys:
        wrong("response", "give request or response, not both")
    steps = _steps(data.get("at")) if "at" in keys else ()
    if steps is None:
        wrong("at", "at: a path of keys below the node, separated by / (list positions as numbers)")
    operations = [key for key in OPERATIONS if key in keys]
    if len(operations) != 1:
        given = f" ({', '.join(operations)})" if operations else ""
        where = keys[operations[1]][0] if len(operations) > 1 else node
        problems.append(at(where, f"a patch has exactly one operation of {', '.join(OPERATIONS)}{given}"))
    op = operations[0] if operations else "set"
    value = data.get(op)
    if op == "set" and not isinstance(value, dict):
        wrong(op, "set: a mapping of keys to set (null removes a key); to change a whole value use replace")
    elif op == "remove" and value is not True:
        wrong(op, "remove: true (the node must exist)")
    elif op in ("add", "replace") and value is None:
        wrong(op, f"{op}: the value to put there")
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        wrong("reason", "reason: why the description is patched, with what shows it (required)")
    source = data.get("source", "")
    if not isinstance(source, str) or ("source" in keys and not source.strip()):
        wrong("source", "source: where the fact comes from (a link, an issue, a log)")
    elif item.builtin and not source:
        problems.append(at(node, "a patch shipped with the generator cites its source (source:)"))
    if problems:
        return None, problems
    side = "request" if "request" in keys else "response" if "response" in keys else ""
    value_marks = tuple(_marks(keys[op][1], ())) if op != "remove" else ()
    return (
        Patch(
            shown=item.shown,
            service=values["service"],
            version=str(version),
            action=values.get("action", ""),
            type=values.get("type", ""),
            field=values.get("field") or values.get(side, ""),
            side=side,
            at=steps or (),
            op=op,
            value=value,
            reason=str(reason).strip(),
            source=str(source),
            builtin=item.builtin,
            marks=marks,
            value_marks=value_marks,
        ),
        [],
    )


def _steps(value: Any) -> tuple[Step, ...] | None:
    """``at`` as steps: ``items``, ``examples/0`` or a list; None when it is not a path."""
    parts: list[Any] = value.split("/") if isinstance(value, str) else value if isinstance(value, list) else []
    steps: list[Step] = []
    for part in parts:
        if isinstance(part, str) and part.isdigit():
            steps.append(int(part))
        elif isinstance(part, str) and part:
            steps.append(part)
        elif isinstance(part, int) and not isinstance(part, bool) and part >= 0:
            steps.append(part)
        else:
            return None
    return tuple(steps) or None


def _marks(node: yaml.Node, place: tuple[Step, ...]) -> Iterator[tuple[tuple[Step, ...], int, int]]:
    """The line and column of each place inside an operation's value (its YAML node)."""
    import yaml

    stack = [(node, place)]
    while stack:
        current, where = stack.pop()
        yield where, current.start_mark.line + 1, current.start_mark.column + 1
        if isinstance(current, yaml.MappingNode):
            stack += [(v, (*where, str(getattr(k, "value", "")))) for k, v in current.value]
        elif isinstance(current, yaml.SequenceNode):
            stack += [(v, (*where, index)) for index, v in enumerate(current.value)]


# --- applying --------------------------------------------------------------------------

_MISSING: Any = object()


@dataclass
class _Document:
    original: SpecDocument
    data: Any = _MISSING  # the patched copy, once a patch touched it
    removed: bool = False
    patched: dict[tuple[Any, ...], Diagnostic] = _field(default_factory=dict)


@dataclass
class Applied:
    """What applying overlays to one set of documents gave."""

    documents: list[SpecDocument]
    problems: list[Diagnostic]
    patches: int = 0  # how many patches were applied
    overlays: list[str] = _field(default_factory=list)  # the overlays that applied any


def apply(
    documents: Sequence[SpecDocument],
    overlays: Sequence[Overlay],
    *,
    actions: Collection[str] | None = None,
    described: Collection[str] | None = None,
    cache: Cache | None = None,
) -> Applied:
    """``documents`` (one or more service versions, as an importer gave them) patched by
    ``overlays`` in order, the patched ones checked again against the spec format.

    A patch for a service version not among the documents does not apply. With
    ``actions`` (the run imported only these), a patch of an action left out is
    skipped, and so is one of a type the chosen actions do not reach; an action
    that ``described`` (every action of the input) does not hold is a stale patch.
    """
    by_folder: dict[tuple[str, str], tuple[_Document, dict[str, _Document]]] = {}
    states = [_Document(document) for document in documents]
    services = {s.original.folder: s for s in states if s.original.kind == "service_file"}
    for folder, service in services.items():
        data = service.original.data
        names = {s.original.name: s for s in states if s.original.kind == "action_file" and s.original.folder == folder}
        by_folder[(str(data.get("service")), str(data.get("version")))] = (service, names)
    problems: list[Diagnostic] = []
    applied = Applied([], problems)
    for overlay in overlays:
        count = 0
        for patch in overlay.patches:
            found = by_folder.get((patch.service, patch.version))
            if found is None:
                continue
            done = _apply_patch(patch, *found, actions=actions, described=described)
            if isinstance(done, Diagnostic):
                problems.append(done)
            count += done is True
        applied.patches += count
        if count:
            applied.overlays.append(overlay.shown)
    for state in states:
        if state.removed:
            continue
        if state.data is _MISSING:
            applied.documents.append(state.original)
            continue
        document = replace(state.original, data=state.data, patched=dict(state.patched))
        problems += validate(document, cache)
        applied.documents.append(document)
    return applied


def _apply_patch(
    patch: Patch,
    service: _Document,
    actions_of: dict[str, _Document],
    *,
    actions: Collection[str] | None,
    described: Collection[str] | None,
) -> Diagnostic | bool:
    """Apply one patch: True when applied, False when it does not apply to this run, or its problem."""
    target = service
    if patch.action:
        found = actions_of.get(patch.action)
        if found is None or found.removed:
            if actions is not None and patch.action not in actions and (described is None or patch.action in described):
                return False  # an action the run did not import
            known = set(described or ()) | set(actions_of)
            return patch.problem(
                "action", f"no action {patch.action!r} in {patch.folder}; {_hint(patch.action, known)}"
            )
        target = found
    if target.data is _MISSING:
        target.data = copy.deepcopy(target.original.data)
    steps = patch.steps()
    if not steps:
        return _whole_document(patch, target)
    node: Any = target.data
    walked: list[Step] = []
    segments = [(key, step) for key, piece in patch.segments() for step in piece]
    for index, (key, step) in enumerate(segments[:-1]):
        child = _get(node, step)
        if child is _MISSING and patch.op == "add" and index == 0 and isinstance(node, dict) and isinstance(step, str):
            child = node[step] = {}  # a key of the document's top (types) is made for the first addition
        if child is _MISSING:
            if key == "type" and actions is not None:
                return False  # a type the chosen actions do not reach
            return patch.problem(key, _missing(patch, key, node, walked, step))
        walked.append(step)
        node = child
    key, last = segments[-1]
    exists = _get(node, last) is not _MISSING
    place = tuple(steps)
    if patch.op == "add":
        if exists:
            return patch.problem(patch.op, f"add: {patch.describe()} exists already; set or replace changes it")
        if not isinstance(node, dict) or not isinstance(last, str):
            return patch.problem(patch.op, "add puts a new key into a mapping; to change a list, replace it whole")
    elif not exists:
        if key == "type" and actions is not None:
            return False
        return patch.problem(key, _missing(patch, key, node, walked, last))
    if patch.op == "set" and not isinstance(node[last], dict):
        kind = type(node[last]).__name__
        return patch.problem(patch.op, f"set merges into a mapping, but {patch.describe()} is a {kind}; use replace")
    _forget_below(target, place, keep=patch.op == "set")
    if patch.op == "remove":
        del node[last]
        _drop_required(target.data, place)
        target.patched[place[:-1]] = patch.problem(patch.op, "")
        return True
    before = list(node) if len(place) == 1 else []
    node[last] = merge(node[last], patch.value) if patch.op == "set" else copy.deepcopy(patch.value)
    if len(place) == 1:
        target.data = _in_order(target.original.kind, before, node)
    for inside, line, column in patch.value_marks:
        target.patched[(*place, *inside)] = Diagnostic(patch.shown, line, column)
    target.patched[place] = patch.problem(patch.op, "")
    return True


def _whole_document(patch: Patch, target: _Document) -> Diagnostic | bool:
    """A patch of a whole document (no field, no ``at``)."""
    if patch.op == "add":
        return patch.problem(patch.op, f"add: {patch.describe()} exists already; set or replace changes it")
    _forget_below(target, (), keep=patch.op == "set")
    if patch.op == "remove":
        if target.original.kind == "service_file":
            return patch.problem(patch.op, "remove: a service version is left out by not importing it, not by a patch")
        target.removed = True
        return True
    if patch.op == "set" and isinstance(target.data, dict):
        target.data = _in_order(target.original.kind, list(target.data), merge(target.data, patch.value))
    else:
        target.data = copy.deepcopy(patch.value)
    for inside, line, column in patch.value_marks:
        target.patched[inside] = Diagnostic(patch.shown, line, column)
    target.patched[()] = patch.problem(patch.op, "")
    return True


def _get(node: Any, step: Step) -> Any:
    if isinstance(node, dict) and isinstance(step, str):
        return node.get(step, _MISSING)
    if isinstance(node, list) and isinstance(step, int) and step < len(node):
        return node[step]
    return _MISSING


def _missing(patch: Patch, key: str, node: Any, walked: list[Step], step: Step) -> str:
    """Why a patch's node is not there, naming the closest names that are."""
    names = [str(k) for k in node] if isinstance(node, dict) else []
    if key == "type":
        types = names if walked else list(node.get("types") or {}) if isinstance(node, dict) else []
        return f"no type {patch.type!r} in {patch.folder}; {_hint(patch.type, types)}"
    if key == "field" or key in ("request", "response"):
        owner = f"type {patch.type!r}" if patch.type else f"the {patch.side} of {patch.action!r}"
        fields = names if walked and walked[-1] == "properties" else []
        return f"{owner} in {patch.folder} has no field {patch.field!r}; {_hint(patch.field, fields)}"
    where = "/".join(str(s) for s in walked) or "the top of the document"
    if isinstance(node, list):
        return f"at: no position {step} in {where} (it has {len(node)})"
    if not isinstance(node, dict):
        return f"at: {where} is a {type(node).__name__}, it has no {step!r}"
    near = closest(str(step), names)
    hint = f"did you mean {quoted(near)}?" if near else f"it has {', '.join(names[:12]) or 'no keys'}"
    return f"at: no {step!r} in {where}; {hint}"


def _hint(name: str, known: Collection[str]) -> str:
    near = closest(name, known)
    if near:
        return f"did you mean {quoted(near)}?"
    return "is the patch stale (the description changed)?" if known else "there are none"


def _forget_below(target: _Document, place: tuple[Any, ...], keep: bool) -> None:
    """Drop the places earlier patches recorded under a node that a later patch replaces."""
    if keep:
        return
    for recorded in [p for p in target.patched if p[: len(place)] == place]:
        del target.patched[recorded]


def _drop_required(data: Any, place: tuple[Any, ...]) -> None:
    """A removed property leaves its object's ``required`` list too."""
    if len(place) < 2 or place[-2] != "properties":
        return
    owner = data
    for step in place[:-2]:
        owner = _get(owner, step)
    required = owner.get("required") if isinstance(owner, dict) else None
    if isinstance(required, list) and place[-1] in required:
        required.remove(place[-1])
        if not required:
            del owner["required"]


def merge(target: Any, patch: Any) -> Any:
    """``target`` with the JSON merge patch (RFC 7396) ``patch`` applied; neither is changed."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value)
    return result


def _in_order(kind: str, before: list[str], data: dict[str, Any]) -> dict[str, Any]:
    """A document's top-level keys: those it had in their order, each new one placed
    where the spec format lists it (after the keys it lists earlier)."""
    order = list(spec_schema()["$defs"].get(kind, {}).get("properties", {}))
    rank = {key: index for index, key in enumerate(order)}
    keys = [key for key in before if key in data]
    for key in data:
        if key not in keys:
            mine = rank.get(key, len(order))
            later = (i for i, other in enumerate(keys) if rank.get(other, len(order)) > mine)
            keys.insert(next(later, len(keys)), key)
    return {key: data[key] for key in keys}


def unknown_service_versions(
    overlays: Sequence[Overlay], present: Collection[tuple[str, str]], where: str
) -> list[Diagnostic]:
    """A problem for each patch of the user's overlays whose service version the input
    (``where``) does not hold; shipped overlays cover services an input may leave out."""
    known = sorted({f"{service}/{version}" for service, version in present})
    problems = []
    for overlay in overlays:
        for patch in overlay.patches:
            if patch.builtin or (patch.service, patch.version) in present:
                continue
            near = closest(patch.folder, known)
            hint = f"did you mean {quoted(near)}?" if near else "is the patch stale?"
            problems.append(patch.problem("service", f"no service version {patch.folder} in {where}; {hint}"))
    return problems
