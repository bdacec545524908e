"""``codegen overlay suggest``: a draft overlay from the deviations tolerant decoding recorded.

A generated package decodes an answer that does not fit its model field by
field and records each place (``response.meta.deviations``), logging it once
as a WARNING (``common/tolerant_report.py`` writes the line). This module reads those
records, from log lines or from a JSON dump of the deviations, finds the spec
node each path names (a field of a type or of an action's response, or the
items of a list), and proposes for each node a type that fits every value
observed there: the kind that came (string, integer, number, boolean), a
list of the declared type where a list came, the item type where a single
value came for a list, ``nullable`` where null came. The result is an overlay
(docs/overlays.md) with a ``reason`` per patch saying what was observed; it is
a draft for review, since it only knows the values that did not fit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

import yaml

from .diagnostics import Diagnostic, SpecError, closest, json_pointer, quoted
from .loader import SpecDocument

# The line tolerant.warn writes: "<Action> answer does not match its model at <path>: expected
# <type>, got <kind> [<JSON>][, kept <kind> [<JSON>]]; decoded tolerantly (see response.meta.deviations)".
_LINE = re.compile(r"(?P<action>[A-Za-z][A-Za-z0-9_]*) answer does not match its model at (?P<path>\S+): expected ")
_END = "; decoded tolerantly (see response.meta.deviations)"
_GOT = re.compile(r"(?P<kind>nothing|null|boolean|number|string|array|object)(?: (?P<text>.*))?")
_NUMBER = re.compile(r"-?[0-9]+(?P<fraction>\.[0-9]+)?(?P<exponent>[eE][+-]?[0-9]+)?")
_STEP = re.compile(r"\.?(?P<name>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>[0-9]+)\]")
# Paths with one of these words hold secrets: their values are not shown (the same words as
# the runtime's tolerant module, which leaves them out of its log lines).
SECRET_WORDS = re.compile(r"secret|passw|token|credential|private|signature|sig\b|accesskey|apikey", re.IGNORECASE)
DUMP_KEYS = ("service", "version", "action", "path", "expected", "value", "kept", "coerced")
# JSON kinds -> the spec type that holds them.
_SCALAR_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


@dataclass(frozen=True)
class Observation:
    """One recorded deviation: where it was read, which answer, and what came."""

    where: Diagnostic  # its place in the input (message empty)
    action: str
    path: str
    expected: str
    kind: str  # absent, null, boolean, integer, number, string, array or object
    shown: str  # the value as the input showed it (a log line cuts and hides values)
    service: str = ""
    version: str = ""


# --- reading the input ------------------------------------------------------------------


def read_observations(name: str, raw: bytes) -> list[Observation]:
    """The deviations in one input: a JSON dump (a list of objects) or text with WARNING lines."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError([Diagnostic(name, message=f"not UTF-8 text (byte {exc.start})")]) from None
    found = _from_dump(name, text) if text.lstrip().startswith(("[", "{")) else _from_log(name, text)
    if not found:
        message = "no deviations found: give the WARNING lines of the generated package's tolerant decoding"
        raise SpecError([Diagnostic(name, message=f"{message} or a JSON list of meta.deviations (docs/overlays.md)")])
    return found


def _from_log(name: str, text: str) -> list[Observation]:
    found: list[Observation] = []
    problems: list[Diagnostic] = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _LINE.search(line)
        if match is None:
            continue  # another log line
        where = Diagnostic(name, number, match.start() + 1)
        rest = line[match.end() :]
        end = rest.rfind(_END)
        expected, separator, got = rest[: max(end, 0)].partition(", got ")
        kind = _GOT.fullmatch(got.split(", kept ", 1)[0]) if separator else None
        if end < 0 or kind is None or not _path_steps(match["path"]):
            problems.append(replace_message(where, "cannot read this deviation line (is it cut or changed?)"))
            continue
        value_text = kind["text"] or ""
        found.append(
            Observation(where, match["action"], match["path"], expected, _kind_of_text(kind["kind"], value_text), got)
        )
    if problems:
        raise SpecError(problems)
    return found


def _kind_of_text(kind: str, text: str) -> str:
    """The kind of a value as a log line shows it (``number 12``, ``string "x"``, ``nothing``)."""
    if kind == "nothing":
        return "absent"
    if kind == "number":
        number = _NUMBER.match(text)
        # A number whose text is hidden (a secret) or cut may have a fraction: "number" holds both.
        if number is None or number["fraction"] or number["exponent"] or number.end() != len(text):
            return "number"
        return "integer"
    return kind


def _from_dump(name: str, text: str) -> list[Observation]:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError([Diagnostic(name, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise SpecError([Diagnostic(name, message="invalid JSON: nested too deeply")]) from None
    if not isinstance(records, list):
        raise SpecError([Diagnostic(name, message="a dump of deviations is a JSON list of objects")])
    found: list[Observation] = []
    problems: list[Diagnostic] = []
    for index, record in enumerate(records):
        where = Diagnostic(name, pointer=json_pointer(index))
        problem = _dump_problem(record)
        if problem:
            key, message = problem
            problems.append(Diagnostic(name, message=message, pointer=json_pointer(index, *key)))
            continue
        kind = _kind_of_value(record["value"]) if "value" in record else "absent"
        shown = "nothing" if kind == "absent" else _brief(record["value"], record["path"])
        service, version = str(record.get("service", "")), str(record.get("version", ""))
        found.append(
            Observation(where, record["action"], record["path"], record["expected"], kind, shown, service, version)
        )
    if problems:
        raise SpecError(problems)
    return found


def _dump_problem(record: Any) -> tuple[tuple[str, ...], str] | None:
    """What keeps one record of a dump from being a deviation: (the key at fault, why)."""
    if not isinstance(record, dict):
        return (), "a deviation is an object with action, path, expected and value (docs/overlays.md)"
    for key in record:
        if key not in DUMP_KEYS:
            near = closest(key, DUMP_KEYS)
            hint = f"did you mean {quoted(near)}? " if near else ""
            return (key,), f"unknown key {key!r}; {hint}the keys are {', '.join(DUMP_KEYS)}"
    for key in ("action", "path", "expected"):
        if not isinstance(record.get(key), str) or not record[key]:
            return (key,) if key in record else (), f"{key}: a string (required)"
    for key in ("service", "version"):
        if key in record and not isinstance(record[key], str):
            return (key,), f"{key}: a string"
    if not _path_steps(record["path"]):
        return ("path",), f"path {record['path']!r} is not a path of wire names and [indexes]"
    return None


def _kind_of_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _brief(value: Any, path: str) -> str:
    """A value as the runtime's log line shows it: its kind, and its JSON text cut short
    unless it may hold a secret (by its path or a key inside it)."""
    kind = _kind_of_value(value).replace("integer", "number")
    if value is None or SECRET_WORDS.search(path) or _holds_secret(value):
        return kind
    text = json.dumps(value, ensure_ascii=False)
    return f"{kind} {text if len(text) <= 60 else text[:57] + '...'}"


def _holds_secret(value: Any) -> bool:
    stack = [value]
    while stack:  # not recursive: a dump may nest deeply
        item = stack.pop()
        if isinstance(item, dict):
            if any(SECRET_WORDS.search(str(key)) for key in item):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _path_steps(path: str) -> list[str | int] | None:
    """``Items[0].Zone`` as ``["Items", 0, "Zone"]``; None when it is not such a path."""
    steps: list[str | int] = []
    position = 0
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None or (match[0].startswith(".") and not steps) or (not steps and match["index"]):
            return None
        steps.append(match["name"] if match["name"] else int(match["index"]))
        position = match.end()
    return steps or None


def replace_message(where: Diagnostic, message: str) -> Diagnostic:
    return Diagnostic(where.path, where.line, where.column, message, where.pointer)


# --- finding the spec nodes -------------------------------------------------------------


@dataclass
class Target:
    """A spec node deviations were seen at, and what was seen."""

    service: str
    version: str
    type: str  # the shared type holding the field, or "" for a field of the action's response
    action: str
    field: str
    at: tuple[str, ...]  # "items" steps below the field
    node: Mapping[str, Any]  # the node as the spec has it
    seen: list[Observation] = _field(default_factory=list)


def resolve(
    observations: Sequence[Observation], documents: Sequence[SpecDocument], source: str, service: str = ""
) -> tuple[list[Target], list[str]]:
    """The spec node of each observation (grouped), and notes on those no patch can fix;
    SpecError for one whose action or path the specs do not hold."""
    services: dict[str, SpecDocument] = {d.folder: d for d in documents if d.kind == "service_file"}
    actions: dict[str, list[SpecDocument]] = {}
    for document in documents:
        if document.kind == "action_file":
            actions.setdefault(document.name, []).append(document)
    wanted_service, _, wanted_version = service.partition("/")
    targets: dict[tuple[Any, ...], Target] = {}
    notes: list[str] = []
    problems: list[Diagnostic] = []
    for seen in observations:
        found = _action_document(seen, actions, services, wanted_service, wanted_version, source)
        if isinstance(found, Diagnostic):
            problems.append(found)
            continue
        service_doc = services[found.folder]
        if seen.kind == "absent":
            notes.append(f"{seen.action} {seen.path}: a required value was absent; no overlay patch fixes that")
            continue
        target = _walk(seen, service_doc, found)
        if isinstance(target, str):
            if seen.path == "RequestId":
                notes.append(f"{seen.action} RequestId: every response has it, as a string; no patch changes it")
            else:
                problems.append(replace_message(seen.where, target))
            continue
        key = (target.service, target.version, target.type, target.action, target.field, target.at)
        targets.setdefault(key, target).seen.append(seen)
    if problems:
        raise SpecError(problems)
    return _settle(list(targets.values())), notes


def _action_document(
    seen: Observation,
    actions: Mapping[str, list[SpecDocument]],
    services: Mapping[str, SpecDocument],
    wanted_service: str,
    wanted_version: str,
    source: str,
) -> SpecDocument | Diagnostic:
    service = seen.service or wanted_service
    version = seen.version or (wanted_version if not seen.service or seen.service == wanted_service else "")
    candidates = [
        d
        for d in actions.get(seen.action, [])
        if (not service or services[d.folder].data.get("service") == service)
        and (not version or services[d.folder].data.get("version") == version)
    ]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        folders = ", ".join(sorted(d.folder for d in candidates))
        return replace_message(seen.where, f"{seen.action} is in {folders}; give --service SERVICE/VERSION")
    near = closest(seen.action, actions)
    hint = f"did you mean {quoted(near)}?" if near else "give the descriptions the package was generated from"
    within = f" of {service}{'/' + version if version else ''}" if service else ""
    return replace_message(seen.where, f"no action {seen.action!r}{within} in {source}; {hint}")


def _walk(seen: Observation, service: SpecDocument, action: SpecDocument) -> Target | str:
    """The node the path of ``seen`` names, from the action's response."""
    types: Mapping[str, Any] = service.data.get("types") or {}
    steps = _path_steps(seen.path) or []
    owner: tuple[str, Mapping[str, Any]] = ("", action.data["response"])
    node: Mapping[str, Any] | None = None
    name = ""
    at: list[str] = []
    for step in steps:
        if isinstance(step, int):
            if node is None or node.get("type") != "array":
                return f"{seen.path}: the spec has no list at {step}; was the package generated from these specs?"
            node, at = node["items"], [*at, "items"]
            continue
        if node is not None:
            reference = str(node.get("$ref", ""))
            type_name = reference.rpartition("/")[2]
            if type_name not in types:
                return f"{seen.path}: the spec has no object with a field {step!r} there"
            owner = (type_name, types[type_name])
        properties = owner[1].get("properties") or {}
        if step not in properties:
            where = f"type {owner[0]!r}" if owner[0] else f"the response of {action.name}"
            return f"{seen.path}: {where} has no field {step!r}; was the package generated from these specs?"
        node, name, at = properties[step], step, []
    assert node is not None
    data = service.data
    return Target(str(data["service"]), str(data["version"]), owner[0], action.name, name, tuple(at), node)


def _settle(targets: list[Target]) -> list[Target]:
    """Leave out the items of a list whose values came single: the list's own patch covers them."""
    unlisted = {
        (t.service, t.version, t.type, t.action, t.field, t.at)
        for t in targets
        if t.node.get("type") == "array" and any(s.kind != "array" and s.kind != "null" for s in t.seen)
    }
    return [
        t for t in targets if (t.service, t.version, t.type, t.action, t.field, t.at[:-1]) not in unlisted or not t.at
    ]


# --- proposing --------------------------------------------------------------------------


def proposal(target: Target) -> tuple[dict[str, Any] | None, str]:
    """The ``set`` of a patch for ``target`` (None when no spec type holds what came) and why."""
    node = target.node
    kinds = {s.kind for s in target.seen} - {"null"}
    nullable = any(s.kind == "null" for s in target.seen)
    change: dict[str, Any] = {}
    why: str
    if not kinds:
        why = "null came; the field is made nullable"
    elif node.get("type") == "array" and "array" not in kinds:
        item = node["items"]
        scalar = _scalar(kinds)
        if "object" in kinds and "$ref" in item:
            change = {"$ref": item["$ref"], "type": None, "items": None, "format": None}
            why = "a single object came where a list is declared; the field is made one object"
        elif scalar:
            change = {"type": scalar, "items": None, "format": None}
            why = f"a single {scalar} came where a list is declared; the field is made one {scalar}"
        else:
            return None, "values came that no spec type holds (objects where the list holds text or numbers)"
    elif "array" in kinds:
        item = {key: node[key] for key in ("type", "$ref", "format", "items") if key in node}
        change = {"type": "array", "items": item, "$ref": None, "format": None}
        why = "a list came where one value is declared; the field is made a list of it"
    elif "object" in kinds:
        return None, "an object came where a value is declared: declare an object type (add one under types) for it"
    else:
        scalar = _scalar(kinds)
        assert scalar is not None
        change = {"type": scalar, "$ref": None, "items": None, "format": None}
        why = f"{_kinds(kinds)} came; the field is made {scalar}"
        if scalar == "string" and kinds != {"string"}:
            why += " (the values disagree; the runtime keeps numbers and booleans as their text)"
        elif node.get("type") == "string":
            why += "; if the service also sends text here, keep string: numbers are kept as their exact text"
    if nullable:
        change["nullable"] = True
        if kinds:
            why += "; null came too, so it is nullable"
    # Only keys that are there are removed, and only values that change are set.
    return {k: v for k, v in change.items() if (v is None and k in node) or (v is not None and node.get(k) != v)}, why


def _scalar(kinds: set[str]) -> str | None:
    if not kinds or not kinds <= set(_SCALAR_TYPES):
        return None
    if len(kinds) == 1:
        return _SCALAR_TYPES[next(iter(kinds))]
    return "number" if kinds <= {"integer", "number"} else "string"


def _kinds(kinds: set[str]) -> str:
    if kinds == {"integer", "number"}:
        return "numbers"
    words = {"integer": "integers", "number": "numbers", "string": "strings", "boolean": "booleans"}
    return " and ".join(words[k] for k in sorted(kinds))


def draft(targets: Sequence[Target], inputs: Sequence[str], notes: Sequence[str]) -> str:
    """The overlay text: a header saying what it is, then one commented patch per node."""
    lines = [
        f"# Draft overlay from the deviations in {', '.join(inputs)} (codegen overlay suggest).",
        "# Review each patch: it fits the values observed, which were only the ones that did not fit.",
        *(f"# note: {note}" for note in notes),
        "overlay: 1",
        "patches:",
    ]
    empty = True
    for target in targets:
        change, why = proposal(target)
        observed = sorted({f"{s.action} {s.path}: expected {s.expected}, got {s.shown}" for s in target.seen})
        lines += [f"  # seen: {_one_line(text)}" for text in observed[:5]]
        if len(observed) > 5:
            lines.append(f"  # ... and {len(observed) - 5} more")
        if not change:
            reason = why if change is None else "the spec already fits what came"
            lines.append(f"  # no patch: {reason}")
            continue
        patch: dict[str, Any] = {"service": target.service, "version": target.version}
        if target.type:
            patch.update({"type": target.type, "field": target.field})
        else:
            patch.update({"action": target.action, "response": target.field})
        if target.at:
            patch["at"] = "/".join(target.at)
        patch["set"] = change
        count = len(target.seen)
        patch["reason"] = f"Tolerant decoding recorded {count} deviation{'s' if count != 1 else ''} here: {why}."
        patch["source"] = ", ".join(inputs)
        dumped = yaml.safe_dump([patch], sort_keys=False, allow_unicode=True, width=100)
        lines += ["  " + line if line else line for line in dumped.splitlines()]
        empty = False
    if empty:
        lines[-1] = "patches: []"
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
