"""Find waiters: which action to poll, after an action that starts work, until the work is done.

Works on one service version in our spec format (plain data: the service
document's ``types`` and the action documents), so the Tencent importer
writes what it finds into the spec files (a ``waiter`` block) and
``generate --from tencentcloud`` uses the same answer. Hand-written specs
state the block themselves. The rules, documented in docs/waiters.md:

- **Task waiters.** An action that changes state (its name has no read-only
  prefix) and answers with a task identifier (a top-level scalar named
  ``TaskId``, ``FlowId``, ``JobId`` or ``AsyncRequestId``) is paired with
  a read-only action of the same service version that takes that
  identifier (same name, same type) and is named for the work (its name
  holds Task, Status, Result, Flow, Job, Async, Progress or State, or the
  started action's subject, ``CreateCloudRecording`` -> ``CloudRecording``).
  The poller's other required fields must be ones the started action takes
  or returns. Its answer must have a status field (at the top, or one level
  down in an object or a list of objects) whose description lists the
  values, at least one meaning success and one meaning failure.
- **Resource waiters.** A ``Create*``/``Run*``/``Allocate*``/``Purchase*``
  action answering with ids (``<Thing>IdSet``, ``<Thing>Ids`` or
  ``<Thing>Id``) is paired with the read-only ``Describe*`` action that
  filters on ``<Thing>Ids`` (or ``<Thing>IdSet``/``<Thing>Id``) and answers
  with a list of objects whose state field (``<Thing>State``,
  ``<Thing>Status``, ``State`` or ``Status``) documents a state meaning
  ready (``RUNNING``, ``NORMAL``, ``AVAILABLE``, ...).

Every candidate that is left out gets a reason (:func:`detect` returns them),
listed by ``benchmarks/waiters.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Words of a poller's name that say it reports on work, not what the work is.
_WORK_WORDS = frozenset(
    "Task Tasks Status Result Results Flow Flows Job Jobs Async Request Requests Info Infos Detail Details"
    " Progress State List".split()
)
READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Query", "Inquiry", "Inquire")
TASK_IDS = ("TaskId", "FlowId", "JobId", "AsyncRequestId")
RESOURCE_VERBS = ("Create", "Run", "Allocate", "Purchase")
STATUS_NAMES = ("Status", "State", "TaskStatus", "TaskState", "FlowStatus", "JobStatus", "JobState")
# The default delays and timeout (seconds) when neither the block nor the service says.
DEFAULT_MIN_DELAY = 2.0
DEFAULT_MAX_DELAY = 30.0
DEFAULT_TIMEOUT = 600.0

# What a documented value means, from its own word or the words beside it.
# Checked in this order: "not finished" is pending before "finished" is success.
_PENDING = re.compile(
    r"\b(?:not\s+(?:yet\s+)?(?:start|finish|complet|succe|done|end)\w*|un(?:finished|completed|started)|in[\s_-]*progress"
    r"|to\s+be\s+\w+|running|processing|pending|waiting|wait|queu\w*|init\w*|creating|executing|doing|starting"
    r"|prepar\w*|ongoing|submitted|scheduling|handling|deploying|progressing)\b",
    re.IGNORECASE,
)
_FAILURE = re.compile(
    r"\b(?:fail\w*|errors?|abnormal\w*|exceptions?|timed?\s*out|timeout|cancel+ed|aborted|rejected)\b",
    re.IGNORECASE,
)
_SUCCESS = re.compile(
    r"\b(?:success\w*|succe(?:ed|eded|eds)|completed?|complete|done|finish(?:ed)?|ok)\b",
    re.IGNORECASE,
)
_READY = re.compile(r"\b(?:running|normal|available|active|ready|online)\b", re.IGNORECASE)
# "not ready", "not running yet": a negated ready word is not a ready state.
_NOT_READY = re.compile(
    r"\b(?:not\s+(?:yet\s+)?\w+|pending|creating|starting|initiali[sz]\w*|launching|deploying|provisioning)\b", re.I
)
# A value and what it means: ``0: running``, ``SUCCESS - done``, ``Idle: the task is idle``.
_PAIR = re.compile(
    r"(?<![\w.-])`?(?P<value>-?\d{1,3}|[A-Za-z][A-Za-z_]{1,40})`?"
    r"[ \t]*(?:[:：=]|\s-\s|\s–\s)[ \t]*(?P<meaning>[^;；,，.。\n]{1,80})"
)
# A value named alone, in capitals or in backquotes: ``SUCCESS``, `Done`.
_NAMED = re.compile(
    r"`(?P<tick>[A-Za-z][\w-]{0,40})`|(?<![\w`])(?P<caps>[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,})(?![\w`])"
)
# Capitals that are words of the prose, not values.
_NOT_VALUES = frozenset(
    "API ID IDS URL COS CVM VPC CLB SDK UTC JSON HTTP IP NULL NOTE VALUES VALUE VALID STATUS STATE DEFAULT"
    " EXAMPLE EXAMPLES DESCRIPTION ENUMERATION ENUMERATIONS INCLUDING RANGE TYPE OPTIONS".split()
)


@dataclass(frozen=True)
class Found:
    """A waiter for the spec: ``block`` goes under the started action's ``waiter`` key."""

    action: str  # the action that starts the work
    kind: str  # "task" or "resource"
    block: Mapping[str, Any]


@dataclass(frozen=True)
class LeftOut:
    action: str
    kind: str
    reason: str


@dataclass(frozen=True)
class Detection:
    found: tuple[Found, ...] = ()
    left_out: tuple[LeftOut, ...] = field(default=())

    def blocks(self) -> dict[str, Mapping[str, Any]]:
        return {f.action: f.block for f in self.found}


def detect(types: Mapping[str, Any], actions: Mapping[str, Mapping[str, Any]]) -> Detection:
    """The waiters of one service version: ``types`` of its service document, ``actions`` by name."""
    found: list[Found] = []
    left: list[LeftOut] = []
    # The actions a waiter may poll, sorted once: each candidate looks through them.
    readers = {
        name: actions[name]
        for name in sorted(actions)
        if name.startswith(READ_ONLY_PREFIXES) and not actions[name].get("streaming")
    }
    for name in sorted(actions):
        doc = actions[name]
        if name.startswith(READ_ONLY_PREFIXES) or doc.get("streaming"):
            continue
        response = _props(doc.get("response"))
        task_id = next((n for n in TASK_IDS if _scalar(response.get(n))), "")
        if task_id:
            result = _task(name, doc, task_id, types, readers)
            kind = "task"
        else:
            ids = _resource_ids(name, response)
            if not ids:
                continue
            result = _resource(name, doc, ids, types, readers)
            kind = "resource"
        if isinstance(result, str):
            left.append(LeftOut(name, kind, result))
        else:
            found.append(Found(name, kind, result))
    return Detection(tuple(found), tuple(left))


def _props(obj: Any) -> Mapping[str, Any]:
    if isinstance(obj, Mapping) and isinstance(obj.get("properties"), Mapping):
        props: Mapping[str, Any] = obj["properties"]
        return props
    return {}


def _scalar(prop: Any) -> str:
    """The scalar type of a property, or ""."""
    if isinstance(prop, Mapping) and prop.get("type") in ("string", "integer"):
        return str(prop["type"])
    return ""


def _ref(prop: Any, types: Mapping[str, Any]) -> Mapping[str, Any]:
    """The properties of the type a property (or an array's items) refers to."""
    if not isinstance(prop, Mapping):
        return {}
    if prop.get("type") == "array":
        prop = prop.get("items")
        if not isinstance(prop, Mapping):
            return {}
    ref = str(prop.get("$ref", ""))
    return _props(types.get(ref.rsplit("/", 1)[-1])) if ref else {}


def _subject(action: str) -> str:
    """``CreateCloudRecording`` -> ``CloudRecording``: the action's name after its verb."""
    match = re.match(r"[A-Z][a-z]+", action)
    return action[match.end() :] if match else action


def _task(
    name: str,
    doc: Mapping[str, Any],
    task_id: str,
    types: Mapping[str, Any],
    actions: Mapping[str, Mapping[str, Any]],
) -> Mapping[str, Any] | str:
    """``actions``: the read-only actions that do not stream, in name order."""
    kind = _scalar(_props(doc.get("response"))[task_id])
    takers = [other for other, read in actions.items() if _scalar(_props(read.get("request")).get(task_id)) == kind]
    if not takers:
        return f"no read-only action takes {task_id}"
    subject = _topic(_subject(name))
    # 0: named after the started work; 1: named after work in general (DescribeTaskInfo).
    ranked = {t: 0 for t in takers if subject and _topic(_subject(t)) in (subject, subject + "s")}
    ranked.update({t: 1 for t in takers if not _topic(_subject(t))})
    named = [t for t in takers if t in ranked]
    if not named:
        return f"{task_id} is taken only by actions named after other work ({', '.join(takers[:3])})"
    have = {**_props(doc.get("request")), **_props(doc.get("response"))}
    reasons: list[str] = []
    choices: list[tuple[str, Mapping[str, Any]]] = []
    for poller in named:
        request = actions[poller].get("request") or {}
        missing = [
            f
            for f in request.get("required", [])
            if f != task_id and not (f in have and _same(have[f], _props(request).get(f)))
        ]
        if missing:
            reasons.append(f"{poller} needs {', '.join(missing)}, which {name} neither takes nor returns")
            continue
        status = _status(_props(actions[poller].get("response")), types, task=True)
        if isinstance(status, str):
            reasons.append(f"{poller}: {status}")
            continue
        choices.append((poller, {"action": poller, "input": {task_id: task_id}, **status}))
    if not choices:
        return "; ".join(reasons)
    best = min(ranked[c[0]] for c in choices)
    choices = [c for c in choices if ranked[c[0]] == best]
    if len(choices) > 1:
        return f"a tie: {', '.join(c[0] for c in choices)} all fit"
    return choices[0][1]


def _topic(subject: str) -> str:
    """A name's subject without the words that name work in general: ``AigcAudioTask`` -> ``AigcAudio``."""
    words = re.findall(r"[A-Z][a-z]*|[a-z]+|\d+", subject)
    return "".join(w for w in words if w not in _WORK_WORDS)


def _same(a: Any, b: Any) -> bool:
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return False
    return a.get("type") == b.get("type") and a.get("$ref") == b.get("$ref")


def _status(response: Mapping[str, Any], types: Mapping[str, Any], *, task: bool) -> dict[str, Any] | str:
    """The status path of an answer and its documented values, or why there is none."""
    places: list[tuple[str, str, Mapping[str, Any]]] = []
    for wire, prop in response.items():
        if _status_name(wire) and _scalar(prop):
            places.append((wire, wire, prop))
    for wire, prop in response.items():
        inner = _ref(prop, types)
        step = f"{wire}[]" if isinstance(prop, Mapping) and prop.get("type") == "array" else wire
        for sub, sub_prop in inner.items():
            if _status_name(sub) and _scalar(sub_prop):
                places.append((f"{step}.{sub}", sub, sub_prop))
    if not places:
        return "its answer has no status field"
    undocumented = []
    for path, _wire, prop in sorted(places, key=lambda p: (_status_rank(p[1]), p[0].count("."))):
        values = classify(str(prop.get("description", "")), task=task)
        if values["success"] and (values["failure"] or not task):
            return {"status": path, **{k: v for k, v in values.items() if v}}
        undocumented.append(path)
    return f"no success and failure values documented for {', '.join(undocumented)}"


def _status_name(wire: str) -> bool:
    return wire in STATUS_NAMES or wire.endswith(("Status", "State")) and not wire.endswith("Statuses")


def _status_rank(wire: str) -> int:
    return STATUS_NAMES.index(wire) if wire in STATUS_NAMES else len(STATUS_NAMES)


def classify(text: str, *, task: bool = True) -> dict[str, list[str]]:
    """The values a description lists, sorted into success, failure and pending.

    ``task``: a task's states (RUNNING is pending); else a resource's
    (RUNNING is ready, LAUNCH_FAILED a failure).
    """
    result: dict[str, list[str]] = {"success": [], "failure": [], "pending": []}
    seen: set[str] = set()

    def put(value: str, meaning: str) -> None:
        if value in seen or value.upper() in _NOT_VALUES:
            return
        where = _meaning(value if not value.lstrip("-").isdigit() else "", task) or _meaning(meaning, task)
        if where:
            seen.add(value)
            result[where].append(value)

    for match in _PAIR.finditer(text):
        put(match["value"], match["meaning"])
    for match in _NAMED.finditer(text):
        value = match["tick"] or match["caps"]
        put(value, "")
    return result


def _meaning(text: str, task: bool) -> str:
    if not text:
        return ""
    text = text.replace("_", " ")  # LAUNCH_FAILED: the words of a value
    if not task:
        if _FAILURE.search(text):
            return "failure"
        if _NOT_READY.search(text):
            return "pending"
        if _READY.search(text):
            return "success"
        return ""
    if _PENDING.search(text):
        return "pending"
    if _FAILURE.search(text):
        return "failure"
    if _SUCCESS.search(text):
        return "success"
    return ""


def _resource_ids(name: str, response: Mapping[str, Any]) -> tuple[str, str] | None:
    """The response's id field and the thing it names (``InstanceIdSet``, ``Instance``)."""
    if not name.startswith(RESOURCE_VERBS):
        return None
    for wire, prop in response.items():
        for suffix in ("IdSet", "Ids", "Id"):
            if wire.endswith(suffix) and len(wire) > len(suffix):
                item = prop.get("items") if isinstance(prop, Mapping) and prop.get("type") == "array" else prop
                if isinstance(item, Mapping) and item.get("type") == "string":
                    return wire, wire[: -len(suffix)]
    return None


def _plurals(thing: str) -> tuple[str, ...]:
    """The names a describe action of ``thing`` may have after its verb."""
    names = (thing, f"{thing}s", f"{thing}es", f"{thing}List", f"{thing}Set")
    return (*names, f"{thing[:-1]}ies") if thing.endswith("y") else names


def _resource(
    name: str,
    doc: Mapping[str, Any],
    ids: tuple[str, str],
    types: Mapping[str, Any],
    actions: Mapping[str, Mapping[str, Any]],
) -> Mapping[str, Any] | str:
    """``actions``: the read-only actions that do not stream, in name order."""
    wire, thing = ids
    describers = []
    for other in actions:
        if not other.startswith("Describe"):
            continue
        request = _props(actions[other].get("request"))
        if _subject(other) not in _plurals(thing):
            continue
        target = next((f for f in (f"{thing}Ids", f"{thing}IdSet", f"{thing}Id") if f in request), "")
        required = set((actions[other].get("request") or {}).get("required", [])) - {target}
        if target and not required:
            describers.append((other, target))
    if not describers:
        return f"no Describe{thing}s action filters on {thing}Ids"
    reasons = []
    for describer, target in describers:
        response = _props(actions[describer].get("response"))
        for list_name, prop in response.items():
            if not (isinstance(prop, Mapping) and prop.get("type") == "array"):
                continue
            items = _ref(prop, types)
            state = next(
                (s for s in (f"{thing}State", f"{thing}Status", "State", "Status") if _scalar(items.get(s))), ""
            )
            if not state:
                continue
            values = classify(str(items[state].get("description", "")), task=False)
            if values["success"]:
                return {
                    "action": describer,
                    "input": {target: wire},
                    "status": f"{list_name}[].{state}",
                    **{k: v for k, v in values.items() if v},
                }
            reasons.append(f"{describer}: no ready state documented for {list_name}[].{state}")
    return "; ".join(reasons) or f"{', '.join(d for d, _ in describers)}: no list with a state field"
