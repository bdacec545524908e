"""Stage 1, second half: parse the spec files ``inputs`` read and check them
against the spec format.

The result is a list of :class:`SpecDocument` (the parsed data plus a way to
find the line and column of any place in it). Every problem in every file is
collected before :class:`SpecError` is raised, so one run reports them all.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import Cache, digest, installed_version
from .diagnostics import Diagnostic, SpecError
from .inputs import SERVICE_FILE, Unit, gather

if TYPE_CHECKING:
    import jsonschema
    import yaml  # imported where YAML is read: a run served by the cache reads none

# Far beyond any real spec; keeps hostile input from exhausting the stack.
MAX_DEPTH = 64


@dataclass(frozen=True)
class Origins:
    """Where the values of a document made in memory came from.

    ``places`` maps a place in the document (keys and indices, as for
    :meth:`SpecDocument.locate`) to the file and JSON pointer of its source;
    a place not listed takes the source of its nearest listed parent, and
    ``()`` must be listed.
    """

    places: Mapping[tuple[Any, ...], tuple[str, str]]

    def find(self, place: tuple[Any, ...]) -> tuple[str, str]:
        for end in range(len(place), -1, -1):
            found = self.places.get(place[:end])
            if found is not None:
                return found
        raise KeyError(place)


@dataclass(frozen=True)
class SpecDocument:
    """One spec document. ``kind`` is errors_file, service_file or action_file.

    ``folder`` is the service version it belongs to (``trtc/2019-07-22``) and
    ``name`` the action it must describe (its file name). Documents made in
    memory (by an importer) have no YAML ``node``; their ``origins`` name the
    source of each place, so messages point into the importer's input.
    """

    path: str
    kind: str
    data: Any
    node: yaml.Node | None
    folder: str = ""
    name: str = ""
    origins: Origins | None = None
    # Places an overlay patch changed -> that patch's place in its overlay file
    # (see ``overlay``): a problem at or below such a place is the patch's.
    patched: Mapping[tuple[Any, ...], Diagnostic] | None = None

    def locate(self, place: tuple[Any, ...]) -> tuple[int, int]:
        """Line and column (from 1) of the value at ``place``, or its nearest parent."""
        node = self.node
        if node is None:
            return 0, 0
        for step in place:
            child = _child(node, step)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1, node.start_mark.column + 1

    def diagnostic(self, place: tuple[Any, ...], message: str) -> Diagnostic:
        if self.patched:
            for end in range(len(place), -1, -1):
                patch = self.patched.get(place[:end])
                if patch is not None:
                    what = f"{self.folder} {self.name or 'service document'}"
                    return replace(patch, message=f"the patched {what} is not valid: {message}")
        if self.origins is not None:
            path, pointer = self.origins.find(place)
            return Diagnostic(path, message=message, pointer=pointer)
        line, column = self.locate(place)
        return Diagnostic(self.path, line, column, message)


def _child(node: yaml.Node, step: Any) -> yaml.Node | None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == str(step):
                found: yaml.Node = value_node
                return found
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
        if 0 <= step < len(node.value):
            item: yaml.Node = node.value[step]
            return item
    return None


@cache
def spec_schema() -> dict[str, Any]:
    """The JSON Schema of the spec format, shipped inside the package."""
    text = resources.files("codegen").joinpath("spec_schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator(kind: str) -> jsonschema.Draft202012Validator:
    import jsonschema  # slow to import; a run served by the cache never needs it

    schema = spec_schema()
    # The same checks with each $ref replaced by what it names (but for the
    # recursive ones): resolving references is a third of jsonschema's time.
    inlined = dict(_inline_refs(schema["$defs"][kind], schema["$defs"], (kind,)))
    inlined["$defs"] = schema["$defs"]
    return jsonschema.Draft202012Validator(inlined)


# The keywords of our schema whose value is a subschema, and those whose value
# is a list or a name -> subschema mapping of subschemas.
_SUBSCHEMA = frozenset({"items", "additionalProperties", "propertyNames", "not", "if", "then", "else"})
_SUBSCHEMA_LIST = frozenset({"oneOf", "anyOf", "allOf"})
_SUBSCHEMA_MAP = frozenset({"properties", "patternProperties"})


def _inline_refs(node: Any, defs: Mapping[str, Any], chain: tuple[str, ...]) -> Any:
    """``node`` with every lone ``{"$ref": "#/$defs/<name>"}`` subschema replaced by
    that definition, except one already being inlined (a recursive reference)."""
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if len(node) == 1 and isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        return node if name in chain else _inline_refs(defs[name], defs, (*chain, name))
    inlined: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SUBSCHEMA:
            value = _inline_refs(value, defs, chain)
        elif key in _SUBSCHEMA_LIST:
            value = [_inline_refs(item, defs, chain) for item in value]
        elif key in _SUBSCHEMA_MAP:
            value = {name: _inline_refs(sub, defs, chain) for name, sub in value.items()}
        inlined[key] = value
    return inlined


def read_yaml(raw: bytes, shown: str) -> tuple[yaml.Node | None, Any, list[Diagnostic]]:
    """The node tree and the value of one YAML file, or the problems that keep it from being read
    (not UTF-8, not YAML, empty, duplicate keys, aliases, nested too deeply), each at its line and column."""
    import yaml

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, None, [Diagnostic(shown, message=f"not UTF-8 text (byte {exc.start})")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        return None, None, [Diagnostic(shown, line, column, f"invalid YAML: {exc.problem or exc.context}")]
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        message = f"invalid YAML: character #x{exc.character:04x} is not allowed"
        return None, None, [Diagnostic(shown, line, column, message)]
    except yaml.YAMLError as exc:
        return None, None, [Diagnostic(shown, message=f"invalid YAML: {exc}")]
    except RecursionError:
        return None, None, [Diagnostic(shown, message=f"nested more than {MAX_DEPTH} levels deep")]
    if node is None:
        return None, None, [Diagnostic(shown, 1, 1, "the file is empty")]
    problems = _structure_problems(node, shown)
    if problems:
        return None, None, problems
    try:
        data = yaml.SafeLoader(text).construct_document(node)
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        return None, None, [Diagnostic(shown, line, column, f"invalid YAML value: {exc}")]
    return node, data, []


def load_bytes(
    raw: bytes, kind: str, shown: str, folder: str, name: str, cache: Cache | None = None
) -> tuple[SpecDocument | None, list[Diagnostic]]:
    """Parse and check the bytes of one spec file (``folder``/``name`` as in :class:`SpecDocument`)."""
    node, data, problems = read_yaml(raw, shown)
    if node is None:
        return None, problems
    document = SpecDocument(shown, kind, data, node, folder=folder, name=name)
    problems = validate(document, cache)
    return (None if problems else document), problems


def validate(document: SpecDocument, cache: Cache | None = None) -> list[Diagnostic]:
    """Check a document against the spec format's JSON Schema.

    With a cache, data that passed before is not checked again. The key is
    the data's ``repr``: exact for what YAML and JSON produce (it tells 1
    from "1" and True, and a date from a string).
    """
    key = digest(_schema_digest(), document.kind, repr(document.data)) if cache is not None else ""
    if cache is not None and cache.get("valid", key) is True:
        return []
    problems = [
        document.diagnostic(_place(document, error), _describe(error))
        for error in _validator(document.kind).iter_errors(document.data)
    ]
    if cache is not None and not problems:
        cache.put("valid", key, True)
    return problems


def _place(document: SpecDocument, error: jsonschema.ValidationError) -> tuple[Any, ...]:
    place = tuple(error.absolute_path)
    # A bad key is reported on its mapping (the YAML position users know); a
    # document made in memory knows where each key came from, which is closer.
    if document.origins is not None and "propertyNames" in error.schema_path and isinstance(error.instance, str):
        place = (*place, error.instance)
    return place


@cache
def _schema_digest() -> str:
    return digest(json.dumps(spec_schema(), sort_keys=True), installed_version("jsonschema"))


# How every pattern of spec_schema.json ends, after its $: no trailing newline.
_NO_NEWLINE = "(?!\\n)"


def _describe(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "top level"
    if error.validator == "additionalProperties":
        return f"{where}: {error.message}"
    if error.validator == "oneOf" and error.validator_value and "$ref" in str(error.validator_value):
        return f"{where}: a property needs exactly one of 'type' or '$ref'"
    message = error.message
    if error.validator == "pattern" and isinstance(error.validator_value, str):
        # Shown as written for people: the guard against a trailing newline is ours ($comment).
        message = f"{error.instance!r} does not match {error.validator_value.removesuffix(_NO_NEWLINE)!r}"
    if error.validator == "type" and isinstance(error.instance, (datetime.date, datetime.datetime)):
        return f"{where}: YAML read {error.instance} as a date; quote it to keep it a string"
    if len(message) > 200:
        message = message[:200] + "..."
    return f"{where}: {message}"


def _structure_problems(node: yaml.Node, shown: str) -> list[Diagnostic]:
    import yaml

    """Duplicate keys (YAML would keep the last silently), aliases and excessive depth."""
    problems: list[Diagnostic] = []
    stack: list[tuple[yaml.Node, int]] = [(node, 1)]
    seen_nodes: set[int] = set()
    while stack:
        current, depth = stack.pop()
        if id(current) in seen_nodes:
            # An alias (*name) reuses a node; specs have no need for them and
            # nested aliases can expand exponentially ("billion laughs").
            mark = current.start_mark
            return [Diagnostic(shown, mark.line + 1, mark.column + 1, "YAML aliases are not allowed in specs")]
        seen_nodes.add(id(current))
        if depth > MAX_DEPTH:
            mark = current.start_mark
            return [Diagnostic(shown, mark.line + 1, mark.column + 1, f"nested more than {MAX_DEPTH} levels deep")]
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in current.value:
                key = getattr(key_node, "value", None)
                if isinstance(key, str):
                    if key in seen:
                        mark = key_node.start_mark
                        problems.append(Diagnostic(shown, mark.line + 1, mark.column + 1, f"duplicate key {key!r}"))
                    seen.add(key)
                stack.append((value_node, depth + 1))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
    return problems


# The names an import turns into folders and files (<service>/<version>/<action>.yaml),
# with the spec-format rule each meets (in spec_schema.json) and that rule in words.
_PATH_NAMES: dict[str, tuple[tuple[str, ...], str]] = {
    "service": (("service_file", "properties", "service"), "lower-case letters, digits and _, from a letter"),
    "version": (("service_file", "properties", "version"), "a date, YYYY-MM-DD"),
    "action": (("name",), "letters, digits and _, from a letter"),
}


def path_name_problem(kind: str, value: object) -> str | None:
    """Why ``value`` cannot be the ``kind`` name (service, version or action) of a
    spec folder's paths, or None when it can.

    The allow-list is the spec format's own rule, matched in full: a name
    with a separator, a dot, a control character or a trailing newline is
    never a path an import or a generation builds.
    """
    steps, words = _PATH_NAMES[kind]
    rule: dict[str, Any] = spec_schema()["$defs"]
    for step in steps:
        rule = rule[step]
    limit = int(rule.get("maxLength", 255))
    if isinstance(value, str) and len(value) <= limit and re.fullmatch(rule["pattern"], value):
        return None
    shown = repr(value) if not isinstance(value, str) or len(value) <= 60 else repr(value[:60]) + "..."
    what = "a file" if kind == "action" else "a folder"
    return f"{kind} name {shown} cannot name {what}: it must be {words}, at most {limit} characters"


@dataclass
class ImportedService:
    """One service version in our spec format, as plain data (ready to dump as YAML or to check).

    ``origins`` gives, per document ("" for the service document, else the
    action name), where each place came from in the input (see
    :class:`Origins`). ``problems`` are (file, JSON pointer, message) of
    what makes the input unusable; nothing is generated or written while
    there are any.
    """

    folder: str  # "<service>/<version>", e.g. "trtc/2019-07-22"
    service: dict[str, Any]
    actions: dict[str, dict[str, Any]]
    source: str
    notes: list[str] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    origins: dict[str, dict[tuple[Any, ...], tuple[str, str]]] = field(default_factory=dict)

    def documents(self, path: str) -> list[SpecDocument]:
        """The service as spec documents for the normal checks and pipeline.

        ``path`` is the input file the generated code names as its source;
        messages name the places given by ``origins``.
        """
        documents = [SpecDocument(path, "service_file", self.service, None, self.folder, "", self._origins("", path))]
        for name, data in self.actions.items():
            origins = self._origins(name, path)
            documents.append(SpecDocument(path, "action_file", data, None, self.folder, name, origins))
        return documents

    def diagnostics(self) -> list[Diagnostic]:
        return [Diagnostic(path, message=message, pointer=pointer) for path, pointer, message in self.problems]

    def _origins(self, document: str, path: str) -> Origins:
        return Origins({(): (path, ""), **self.origins.get(document, {})})


def load_unit(unit: Unit, cache: Cache | None = None) -> tuple[list[SpecDocument], list[Diagnostic]]:
    """The checked documents of a unit (see ``inputs``), and every problem found."""
    documents: list[SpecDocument] = []
    problems: list[Diagnostic] = []
    for shown, raw in unit.files:
        name = Path(shown).name
        kind = "errors_file" if unit.folder == "common" else "service_file" if name == SERVICE_FILE else "action_file"
        document, found = load_bytes(raw, kind, shown, unit.folder, Path(shown).stem, cache)
        problems.extend(found)
        if document is not None:
            documents.append(document)
    return documents, problems


def load_specs(root: Path, folders: list[str] | None = None) -> list[SpecDocument]:
    """Load every spec file below ``root``; raise :class:`SpecError` on any problem.

    ``folders`` (``trtc/2019-07-22``, ...) limits it to those service versions
    and the common error table (``common/errors.yaml``, else the shipped one).
    """
    common, units, problems = gather(root, folders)
    documents: list[SpecDocument] = []
    for unit in [common, *units]:
        found, unit_problems = load_unit(unit)
        documents += found
        problems += unit_problems
    if problems:
        raise SpecError(problems)
    return documents
