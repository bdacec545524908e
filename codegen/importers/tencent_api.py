"""Import Tencent Cloud's own API descriptions into our spec format.

Tencent publishes, per service version, ``api.json`` (actions and objects),
``examples.json`` and an error table. This module maps them to the same
plain data our YAML spec files hold, so they go through the same checks and
the same pipeline. Decisions, documented in docs/spec-format.md:

- ``required`` marks required request fields; ``output_required`` is not
  trusted (real responses omit such fields), so every response field is
  optional; ``value_allowed_null`` becomes ``nullable``.
- ``disabled`` members are kept (old clients may still send or receive
  them) and marked deprecated in their docstring.
- Only the structures an imported action reaches are written; ``usage`` in
  the data is not trusted, reachability is computed.
- Examples are kept when their JSON parses; GET examples with flattened
  parameters (``Filters.0.Name=x``) are turned back into a JSON body.
- ``RequestId`` is left out of responses: it is implicit.
- A streaming action whose response declares nothing beyond ``RequestId``
  gets its event model from the data of its example events, marked
  ``inferred_from: examples`` (``event_models``).
- List actions get a ``pagination`` block when ``pagination.detect`` finds
  how they page (offset and limit, page number and size, or a token).
- Actions that start work get a ``waiter`` block when ``waiters.detect``
  pairs them with the action that reports on the work (docs/waiters.md);
  only the actions imported together are paired.
- ``binary`` members (file content) become ``bytes``; the build stage allows
  them only as top-level request fields. A member type this module does not
  know is a problem reported against api.json, naming object and member.

Every place of the result records where it came from (a JSON pointer into
api.json, errors.json or examples.json), so later checks point there.
Reading the files and loading them into the pipeline is
``codegen.importers.tencentcloud``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from ..diagnostics import closest, json_pointer, quoted
from ..inputs import TENCENT_FILES
from ..loader import ImportedService, path_name_problem
from ..pagination import detect as detect_pagination
from ..reading import read_bounded
from ..waiters import detect as detect_waiters
from .event_models import infer_events, taken_names

_SCALARS: dict[str, dict[str, str]] = {
    "string": {"type": "string"},
    "datetime": {"type": "string", "format": "datetime"},
    "datetime_iso": {"type": "string", "format": "datetime_iso"},
    "date": {"type": "string", "format": "date"},
    "int64": {"type": "integer", "format": "int64"},
    "uint64": {"type": "integer", "format": "uint64"},
    "float": {"type": "number", "format": "float"},
    "bool": {"type": "boolean"},
    "binary": {"type": "bytes"},
}
# Member ``type`` values whose ``member`` names one of the scalars above.
_SCALAR_KINDS = frozenset({"string", "int", "float", "bool", "binary"})
_KINDS = ("string", "int", "float", "bool", "binary", "object", "list")
_VERSION = re.compile(r"^v?(\d{4})-?(\d{2})-?(\d{2})$")


# A place in a spec document -> (file, JSON pointer) of where it came from.
Places = dict[tuple[Any, ...], tuple[str, str]]


def read_json(path: Path | None) -> Any:
    if path is None or not path.is_file():
        return None
    return json.loads(read_bounded(path))


def load_folder(folder: Path, actions: Iterable[str] | None = None) -> ImportedService:
    """Import ``<folder>/api.json`` with the errors and examples beside it."""
    return convert(
        read_json(folder / "api.json"),
        read_json(folder / "errors.json"),
        read_json(folder / "examples.json"),
        source=folder.as_posix(),
        only=actions,
    )


def convert(
    api: Mapping[str, Any],
    errors: Mapping[str, Any] | None,
    examples: Mapping[str, Any] | None,
    *,
    source: str,
    only: Iterable[str] | None = None,
    paths: tuple[str, str, str] | None = None,
) -> ImportedService:
    """Map one service version; ``only`` limits it to some actions.

    ``source`` is the folder of the three files and ``paths`` their paths,
    by default ``<source>/api.json`` and so on; the result's origins point
    into them (``<source>/api.json#/objects/Widget/members/2``).
    """
    api_file, errors_file, examples_file = paths or tuple(f"{source}/{name}" for name in TENCENT_FILES)
    metadata = api.get("metadata", {})
    service = str(metadata.get("serviceShortName", ""))
    version = _version(str(metadata.get("apiVersion", "")))
    all_actions: Mapping[str, Any] = api.get("actions", {})
    objects: Mapping[str, Any] = api.get("objects", {})
    notes: list[str] = []
    problems: list[tuple[str, str, str]] = []
    # A name ``only`` gives that is not here: another service version's (the caller checks).
    wanted = [name for name in (all_actions if only is None else only) if name in all_actions]
    # The names that become folders and files (<service>/<version>/<action>.yaml)
    # are checked first: nothing is written while there are problems.
    for kind, value, pointer in (
        ("service", service, "/metadata/serviceShortName"),
        ("version", version, "/metadata/apiVersion"),
    ):
        if problem := path_name_problem(kind, value):
            problems.append((api_file, pointer, problem))
    for name in wanted:
        if problem := path_name_problem("action", name):
            problems.append((api_file, json_pointer("actions", name), problem))
    reached = _reachable([all_actions[a].get(key, "") for a in wanted for key in ("input", "output")], objects)
    roots = {all_actions[a].get(key, "") for a in wanted for key in ("input", "output")}
    service_places: Places = {
        (): (api_file, "/metadata"),
        ("service",): (api_file, "/metadata/serviceShortName"),
        ("endpoint",): (api_file, "/metadata/serviceShortName"),
        ("version",): (api_file, "/metadata/apiVersion"),
        ("title",): (api_file, "/metadata/serviceNameCN"),
        ("types",): (api_file, "/objects"),
    }
    converter = _Objects(objects, api_file, problems)
    types = {
        name: converter.convert(name, "", response=False, places=service_places, place=("types", name))
        for name in sorted(reached - roots)
    }
    code_table: Mapping[str, str] = (errors or {}).get("codes", {})
    action_codes: Mapping[str, list[str]] = (errors or {}).get("actions", {})
    example_table: Mapping[str, list[Any]] = (examples or {}).get("actions", {})
    converted = {}
    origins: dict[str, Places] = {"": service_places}
    # Class names an event model inferred from examples must not take.
    taken = taken_names(objects, all_actions)
    for name in sorted(wanted):
        places: Places = {}
        codes = action_codes.get(name, [])
        for index, code in enumerate(codes):
            places.setdefault(("errors", code), (errors_file, json_pointer("actions", name, index)))
        if codes:
            places[("errors",)] = (errors_file, json_pointer("actions", name))
        converted[name], kept = _action(
            name,
            all_actions[name],
            converter,
            {c: code_table.get(c, "") for c in codes},
            example_table.get(name, []),
            notes,
            source,
            places,
        )
        for index, original in enumerate(kept):
            places[("examples", index)] = (examples_file, json_pointer("actions", name, original))
        places[("examples",)] = (examples_file, json_pointer("actions", name))
        for note in infer_events(name, converted[name], types, taken, places, service_places, examples_file):
            notes.append(f"{source}: {note}")
        origins[name] = places
    # Waiters pair an action with another: found once every action is converted.
    for found in detect_waiters(types, converted).found:
        converted[found.action]["waiter"] = {"action": found.block["action"], "kind": found.kind, **found.block}
        origins[found.action][("waiter",)] = (api_file, json_pointer("actions", found.block["action"]))
    service_doc: dict[str, Any] = {
        "service": service,
        "version": version,
        "title": str(metadata.get("serviceNameCN") or service),
        "endpoint": f"{service}.tencentcloudapi.com",
    }
    if types:
        service_doc["types"] = dict(sorted(types.items()))
    return ImportedService(f"{service}/{version}", service_doc, converted, source, notes, problems, origins)


def _version(text: str) -> str:
    match = _VERSION.fullmatch(text)
    return f"{match[1]}-{match[2]}-{match[3]}" if match else text


def _reachable(roots: Iterable[str], objects: Mapping[str, Any]) -> set[str]:
    seen: set[str] = set()
    stack = [r for r in roots if r in objects]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for member in objects[name].get("members", []):
            if member.get("member") in objects and member["member"] not in seen:
                stack.append(member["member"])
    return seen


def _target(kind: Any, item: Any, objects: Mapping[str, Any]) -> dict[str, Any] | None:
    """The spec schema of a member's ``type``/``member`` pair, or None when unknown."""
    if not isinstance(kind, str) or not isinstance(item, str):
        return None
    if kind == "binary":
        return dict(_SCALARS["binary"])
    if kind in _SCALAR_KINDS and item in _SCALARS:
        return dict(_SCALARS[item])
    if kind in ("object", "list") and item in objects:
        ref: dict[str, Any] = {"$ref": f"#/types/{item}"}
        return ref if kind == "object" else {"type": "array", "items": ref}
    if kind == "list" and item in _SCALARS:
        return {"type": "array", "items": dict(_SCALARS[item])}
    return None


@dataclass
class _Objects:
    """Converts api.json objects, recording where each place of the result came from."""

    objects: Mapping[str, Any]
    api_file: str
    problems: list[tuple[str, str, str]]

    def convert(
        self,
        name: str,
        context: str,
        *,
        response: bool,
        places: Places,
        place: tuple[str, ...],
        skip: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Object ``name`` in our format at ``place``; ``context`` ("request of X") goes into problem messages."""
        raw = self.objects.get(name, {"members": []})
        at = ("objects", name)
        if name in self.objects:
            places[place] = (self.api_file, json_pointer(*at))
        result: dict[str, Any] = {"type": "object"}
        if raw.get("document"):
            result["description"] = str(raw["document"]).strip()
            places[(*place, "description")] = (self.api_file, json_pointer(*at, "document"))
        members = [(index, m) for index, m in enumerate(raw.get("members", [])) if m.get("name") not in skip]
        required = [m["name"] for _, m in members if m.get("required") and not response]
        if required:
            result["required"] = required
        places[(*place, "required")] = places[(*place, "properties")] = (self.api_file, json_pointer(*at, "members"))
        suffix = f" ({context})" if context else ""
        properties = {}
        for index, member in members:
            member_at = (*at, "members", index)
            properties[member["name"]] = self._property(member, member_at, suffix)
            inside = (*place, "properties", member["name"])
            places[inside] = (self.api_file, json_pointer(*member_at))
            for key, source in (("description", "document"), ("nullable", "value_allowed_null")):
                places[(*inside, key)] = (self.api_file, json_pointer(*member_at, source))
        result["properties"] = properties
        return result

    def _property(self, member: Mapping[str, Any], at: tuple[Any, ...], suffix: str) -> dict[str, Any]:
        kind, item = member.get("type"), member.get("member", "")
        found = _target(kind, item, self.objects)
        if found is None:
            key, problem = self._unknown_type(kind, item)
            self.problems.append(
                (self.api_file, json_pointer(*at, key), f"member {member['name']!r}{suffix}: {problem}")
            )
            found = {"type": "string"}  # a placeholder; nothing is written while problems remain
        prop: dict[str, Any] = found
        doc = str(member.get("document", "")).strip()
        if member.get("disabled"):
            prop["deprecated"] = True
            doc = (doc + "\n\nDisabled by the service.").strip()
        if doc:
            prop["description"] = doc
        if member.get("value_allowed_null"):
            prop["nullable"] = True
        return prop

    def _unknown_type(self, kind: Any, item: Any) -> tuple[str, str]:
        """Of a member whose ``type``/``member`` pair names no type: the key at fault and what is wrong."""
        if kind not in _KINDS:
            near = closest(str(kind), _KINDS)
            hint = f"did you mean {quoted(near)}? " if near else ""
            return "type", f"unknown type {kind!r}; {hint}a type is one of {', '.join(_KINDS)}"
        scalars = [name for name in _SCALARS if name != "binary"]
        names = (
            scalars if kind in _SCALAR_KINDS else list(self.objects) if kind == "object" else [*scalars, *self.objects]
        )
        near = closest(str(item), names)
        if near:
            hint = f"did you mean {quoted(near)}?"
        elif names:
            hint = f"with this type it is one of {', '.join(names[:12])}{', ...' if len(names) > 12 else ''}"
        else:
            hint = "there are no objects to name"
        return "member", f"type {kind!r} with unknown member {item!r}; {hint}"


def _action(
    name: str,
    raw: Mapping[str, Any],
    objects: _Objects,
    errors: dict[str, str],
    examples: list[Mapping[str, Any]],
    notes: list[str],
    source: str,
    places: Places,
) -> tuple[dict[str, Any], list[int]]:
    """One action in our format and the indices of the examples kept; ``places`` gets where its parts came from."""
    at = ("actions", name)
    api_file = objects.api_file
    for place, key in (((), ""), (("action",), ""), (("summary",), "name"), (("description",), "document")):
        places[place] = (api_file, json_pointer(*at, key) if key else json_pointer(*at))
    places[("deprecated",)] = (api_file, json_pointer(*at, "status"))
    request_name, response_name = str(raw.get("input", "")), str(raw.get("output", ""))
    places[("request",)] = (api_file, json_pointer(*at, "input"))
    places[("response",)] = (api_file, json_pointer(*at, "output"))
    streaming = name.endswith("SSE") or any(_event_stream(str(e.get("output", ""))) for e in examples)
    doc: dict[str, Any] = {"action": name, "summary": str(raw.get("name", "")).strip()}
    if raw.get("document"):
        doc["description"] = str(raw["document"]).strip()
    if raw.get("status") == "deprecated":
        doc["deprecated"] = True
    if streaming:
        doc["streaming"] = True
    doc["request"] = objects.convert(
        request_name, f"request of {name}", response=False, places=places, place=("request",)
    )
    doc["response"] = objects.convert(
        response_name,
        f"response of {name}",
        response=True,
        places=places,
        place=("response",),
        skip=frozenset({"RequestId"}),
    )
    paging = detect_pagination(doc)
    if paging.block is not None and not streaming:
        doc["pagination"] = dict(paging.block)
    if errors:
        doc["errors"] = errors
    kept = []
    indices: list[int] = []
    for index, example in enumerate(examples):
        converted = convert_example(example)
        if converted is None:
            notes.append(f"{source}: {name} example {index + 1} dropped: its output or input is not JSON")
            continue
        kept.append(converted)
        indices.append(index)
        if "events" in converted:
            _, broken = stream_events(str(example.get("output", "")))
            if broken:
                notes.append(f"{source}: {name} example {index + 1}: {broken} event(s) left out: not JSON")
    if kept:
        doc["examples"] = kept
    return doc, indices


def _event_stream(output: str) -> bool:
    """Whether an example answer is a server-sent event stream, not JSON."""
    return output.lstrip().startswith(("data:", "id:", "event:"))


def convert_example(example: Mapping[str, Any]) -> dict[str, Any] | None:
    """One example in our format, or None when its texts do not parse.

    An output that is an event stream becomes ``events``, the data of each
    event whose data parses (see :func:`stream_events`).
    """
    output = str(example.get("output", ""))
    answer: dict[str, Any]
    if _event_stream(output):
        events, _ = stream_events(output)
        if not events:
            return None
        answer = {"events": events}
    else:
        try:
            response = json.loads(output)
        except ValueError:
            return None
        if not isinstance(response, dict) or "Response" not in response:
            return None
        answer = {"response": response}
    request = request_body(str(example.get("input", "")))
    if request is None:
        return None
    result: dict[str, Any] = {}
    if example.get("title"):
        result["title"] = str(example["title"])
    result["request"] = request
    result.update(answer)
    return result


def stream_events(text: str) -> tuple[list[Any], int]:
    """The data of each event of an example event stream, and how many events were left out.

    Events end at a blank line (the last one may lack it: examples are written
    by hand); ``data`` lines are joined, other fields and comments ignored.
    Data that is a JSON object is kept as that object, ``[DONE]`` as text;
    an event whose data is neither (broken JSON in a hand-written example) is
    left out and counted.
    """
    events: list[Any] = []
    broken = 0
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")):
        lines = [line for line in block.split("\n") if line.strip() and not line.startswith(":")]
        data = [line[5:].removeprefix(" ") for line in lines if line.startswith("data:")]
        if not data:
            broken += any(not line.startswith(("id:", "event:", "retry:")) for line in lines)
            continue
        joined = "\n".join(data)
        if joined == "[DONE]":
            events.append(joined)
            continue
        try:
            value = json.loads(joined)
        except ValueError:
            value = None
        if isinstance(value, dict):
            events.append(value)
        else:
            broken += 1
    return events, broken


def request_body(text: str) -> dict[str, Any] | None:
    """The JSON body of an example's input: a POST request, a GET URL or bare JSON."""
    stripped = text.strip()
    if stripped.startswith(("https://", "http://")):
        return _unflatten(stripped)
    if stripped.startswith("{"):
        body = stripped
    else:
        _, _, body = stripped.replace("\r\n", "\n").partition("\n\n")
    try:
        value = json.loads(body) if body.strip() else {}
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _unflatten(url: str) -> dict[str, Any]:
    """``?A.0.B=x&C=y`` as ``{"A": [{"B": "x"}], "C": "y"}`` (values stay strings)."""
    query = url.split("?", 1)[1] if "?" in url else ""
    result: dict[str, Any] = {}
    for pair in re.split(r"\s*&", query):
        pair = pair.strip()
        if not pair or "<" in pair or "=" not in pair:
            continue
        key, value = pair.split("=", 1)
        if key == "Action":
            continue
        _assign(result, key.split("."), unquote_plus(value))
    unflattened: dict[str, Any] = _lists(result)
    return unflattened


def _assign(node: dict[str, Any], path: list[str], value: str) -> None:
    for part in path[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            return
    node[path[-1]] = value


def _lists(node: Any) -> Any:
    """Turn dicts keyed 0, 1, 2... (from flattened indices) into lists."""
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted
