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
- List actions get a ``pagination`` block when ``pagination.detect`` finds
  how they page (offset and limit, page number and size, or a token).
- ``binary`` members (file content) become ``bytes``; the build stage allows
  them only as top-level request fields. A member type this module does not
  know is a problem reported against api.json, naming object and member.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from .cache import Cache
from .diagnostics import Diagnostic, SpecError
from .loader import SpecDocument, Unit, validate
from .loader import load_unit as load_spec_unit
from .pagination import detect as detect_pagination

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
_KNOWN_KINDS = "string, int, float, bool, binary, object or list"
_VERSION = re.compile(r"^v?(\d{4})-?(\d{2})-?(\d{2})$")


@dataclass
class ImportedService:
    """One service version in our spec format (plain data, ready to dump or check)."""

    folder: str  # "<service>/<version>", e.g. "trtc/2019-07-22"
    service: dict[str, Any]
    actions: dict[str, dict[str, Any]]
    source: str
    notes: list[str] = field(default_factory=list)
    # Problems that make the description unusable ("place: message"); the
    # caller reports them against its api.json and writes nothing.
    problems: list[str] = field(default_factory=list)


def read_json(path: Path | None) -> Any:
    if path is None or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


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
) -> ImportedService:
    """Map one service version; ``only`` limits it to some actions."""
    metadata = api.get("metadata", {})
    service = str(metadata.get("serviceShortName", ""))
    version = _version(str(metadata.get("apiVersion", "")))
    all_actions: Mapping[str, Any] = api.get("actions", {})
    objects: Mapping[str, Any] = api.get("objects", {})
    notes: list[str] = []
    problems: list[str] = []
    wanted = list(all_actions) if only is None else list(only)
    for name in wanted:
        if name not in all_actions:
            notes.append(f"{source}: no action {name!r}")
    wanted = [name for name in wanted if name in all_actions]
    reached = _reachable([all_actions[a].get(key, "") for a in wanted for key in ("input", "output")], objects)
    roots = {all_actions[a].get(key, "") for a in wanted for key in ("input", "output")}
    types = {
        name: _object(objects[name], objects, name, "", problems, response=False) for name in sorted(reached - roots)
    }
    code_table: Mapping[str, str] = (errors or {}).get("codes", {})
    action_codes: Mapping[str, list[str]] = (errors or {}).get("actions", {})
    example_table: Mapping[str, list[Any]] = (examples or {}).get("actions", {})
    converted = {}
    for name in sorted(wanted):
        raw = all_actions[name]
        converted[name] = _action(
            name,
            raw,
            objects,
            {c: code_table.get(c, "") for c in action_codes.get(name, [])},
            example_table.get(name, []),
            notes,
            source,
            problems,
        )
    service_doc: dict[str, Any] = {
        "service": service,
        "version": version,
        "title": str(metadata.get("serviceNameCN") or service),
        "endpoint": f"{service}.tencentcloudapi.com",
    }
    if types:
        service_doc["types"] = types
    return ImportedService(f"{service}/{version}", service_doc, converted, source, notes, problems)


def _version(text: str) -> str:
    match = _VERSION.match(text)
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


def _property(member: Mapping[str, Any], objects: Mapping[str, Any], where: str, problems: list[str]) -> dict[str, Any]:
    kind, item = member.get("type"), member.get("member", "")
    found = _target(kind, item, objects)
    if found is None:
        problems.append(f"{where}: unknown member type {kind!r} (member {item!r}); expected {_KNOWN_KINDS}")
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


def _object(
    raw: Mapping[str, Any],
    objects: Mapping[str, Any],
    name: str,
    context: str,
    problems: list[str],
    response: bool,
    skip: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """One object in our format; ``context`` ("request of X") goes into problem messages."""
    members = [m for m in raw.get("members", []) if m.get("name") not in skip]
    result: dict[str, Any] = {"type": "object"}
    if raw.get("document"):
        result["description"] = str(raw["document"]).strip()
    required = [m["name"] for m in members if m.get("required") and not response]
    if required:
        result["required"] = required
    suffix = f" ({context})" if context else ""
    result["properties"] = {
        m["name"]: _property(m, objects, f"objects/{name}/members/{m['name']}{suffix}", problems) for m in members
    }
    return result


def _action(
    name: str,
    raw: Mapping[str, Any],
    objects: Mapping[str, Any],
    errors: dict[str, str],
    examples: list[Mapping[str, Any]],
    notes: list[str],
    source: str,
    problems: list[str],
) -> dict[str, Any]:
    request_name, response_name = str(raw.get("input", "")), str(raw.get("output", ""))
    request = objects.get(request_name, {"members": []})
    response = objects.get(response_name, {"members": []})
    streaming = name.endswith("SSE") or any(_event_stream(str(e.get("output", ""))) for e in examples)
    doc: dict[str, Any] = {"action": name, "summary": str(raw.get("name", "")).strip()}
    if raw.get("document"):
        doc["description"] = str(raw["document"]).strip()
    if raw.get("status") == "deprecated":
        doc["deprecated"] = True
    if streaming:
        doc["streaming"] = True
    doc["request"] = _object(request, objects, request_name, f"request of {name}", problems, response=False)
    doc["response"] = _object(
        response, objects, response_name, f"response of {name}", problems, response=True, skip=frozenset({"RequestId"})
    )
    paging = detect_pagination(doc)
    if paging.block is not None and not streaming:
        doc["pagination"] = dict(paging.block)
    if errors:
        doc["errors"] = errors
    kept = []
    for index, example in enumerate(examples):
        converted = convert_example(example)
        if converted is None:
            notes.append(f"{source}: {name} example {index + 1} dropped: its output or input is not JSON")
        else:
            kept.append(converted)
    if kept:
        doc["examples"] = kept
    return doc


def _event_stream(output: str) -> bool:
    """Whether an example answer is a server-sent event stream, not JSON."""
    return output.lstrip().startswith(("data:", "id:", "event:"))


def convert_example(example: Mapping[str, Any]) -> dict[str, Any] | None:
    """One example in our format, or None when its texts do not parse."""
    try:
        response = json.loads(str(example.get("output", "")))
    except ValueError:
        return None
    request = request_body(str(example.get("input", "")))
    if request is None or not isinstance(response, dict) or "Response" not in response:
        return None
    result: dict[str, Any] = {}
    if example.get("title"):
        result["title"] = str(example["title"])
    result["request"] = request
    result["response"] = response
    return result


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


def service_folders(root: Path) -> list[Path]:
    """Folders holding an api.json: ``root`` itself or ``root/<service>/<version>``."""
    if (root / "api.json").is_file():
        return [root]
    return [path.parent for path in sorted(root.glob("*/*/api.json"))]


def to_documents(imported: ImportedService) -> list[SpecDocument]:
    """The imported service as spec documents, for the normal checks and pipeline."""
    path = f"{imported.source}/api.json"
    documents = [SpecDocument(path, "service_file", imported.service, None, imported.folder, "", "metadata")]
    for name, data in imported.actions.items():
        documents.append(SpecDocument(path, "action_file", data, None, imported.folder, name, f"actions/{name}"))
    return documents


def shipped_common_errors() -> tuple[list[SpecDocument], list[Diagnostic]]:
    """The common error table shipped with the generator, which Tencent input uses."""
    return load_spec_unit(_shipped_common_unit())


def _shipped_common_unit() -> Unit:
    raw = resources.files("codegen").joinpath("common_errors.yaml").read_bytes()
    return Unit("common", (("codegen/common_errors.yaml", raw),))


_FILES = ("api.json", "errors.json", "examples.json")


def read_units(root: Path, folders: list[Path] | None = None) -> tuple[Unit, list[Unit]]:
    """The shipped common error table and each service version's files below ``root`` (or in ``folders``)."""
    folders = service_folders(root) if folders is None else folders
    if not folders:
        raise SpecError(
            [Diagnostic(root.as_posix(), message="no api.json found (expected <service>/<version>/api.json)")]
        )
    units = []
    problems: list[Diagnostic] = []
    for folder in folders:
        files = []
        for name in _FILES:
            path = folder / name
            try:
                files.append((path.as_posix(), path.read_bytes()))
            except FileNotFoundError:
                continue  # errors.json and examples.json are optional
            except OSError as exc:
                problems.append(Diagnostic(path.as_posix(), message=f"cannot read file: {exc.strerror}"))
        units.append(Unit(folder.as_posix(), tuple(files)))
    if problems:
        raise SpecError(problems)
    return _shipped_common_unit(), units


def load_unit(
    unit: Unit, actions: Iterable[str] | None = None, cache: Cache | None = None
) -> tuple[list[SpecDocument], list[Diagnostic]]:
    """The spec documents of a unit read by :func:`read_units` (none when ``actions`` are all elsewhere)."""
    source = f"{unit.folder}/api.json"
    data = {Path(shown).name: raw for shown, raw in unit.files}
    if "api.json" not in data:
        return [], [Diagnostic(source, message="file not found")]  # removed since the folder was listed
    try:
        errors, examples = (json.loads(data[name]) if name in data else None for name in _FILES[1:])
        imported = convert(json.loads(data["api.json"]), errors, examples, source=unit.folder, only=actions)
    except (ValueError, AttributeError, TypeError) as exc:
        return [], [Diagnostic(source, message=f"cannot import: {exc}")]
    if actions is not None and not imported.actions:
        return [], []
    if imported.problems:
        return [], [Diagnostic(source, message=m) for m in imported.problems]
    documents, problems = [], []
    for document in to_documents(imported):
        found = validate(document, cache)
        problems.extend(found)
        if not found:
            documents.append(document)
    return documents, problems


def load_tencentcloud(
    root: Path, actions: Iterable[str] | None = None, folders: list[Path] | None = None
) -> list[SpecDocument]:
    """Stage 1 for Tencent-format input: import every service version below ``root``.

    ``folders`` limits it to some service version folders (``codegen diff``
    loads only those that changed). The common error table is the one
    shipped with the generator. Raises :class:`SpecError` with every problem
    found.
    """
    common, units = read_units(root, folders)
    documents, problems = load_spec_unit(common)
    wanted = list(actions) if actions is not None else None
    for unit in units:
        found, unit_problems = load_unit(unit, wanted)
        documents += found
        problems += unit_problems
    if problems:
        raise SpecError(problems)
    return documents
