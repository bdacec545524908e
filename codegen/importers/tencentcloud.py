"""Tencent Cloud's own API descriptions: ``<service>/<version>/api.json`` with
``errors.json`` and ``examples.json`` beside it.

The mapping to our spec format is ``codegen.importers.tencent_api``; this module reads
the files, reports JSON syntax errors by line and column, a file given in
place of another (an examples.json as the error table) and one whose shape
the mapping cannot read (``tencent_schema.json``, with the JSON pointer of
the place), and hands the mapped documents to the normal checks. Those
documents carry the JSON pointer of every place, so a later problem names
``api.json#/objects/...``. The common error table is the one shipped with
the generator.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic, SpecError, json_pointer, unknown_actions
from ..inputs import TENCENT_FILES, Unit, shipped_common_unit, tencent_service_folders
from ..reading import read_bounded

if TYPE_CHECKING:
    # The mapping and the checks are imported where they run: a run served
    # by the cache only reads its input.
    import jsonschema

    from ..cache import Cache
    from ..loader import ImportedService, SpecDocument

# Files that shape the generated API; examples.json does not.
_API_FILES = frozenset(TENCENT_FILES[:2])


def parse_json(raw: bytes, shown: str) -> tuple[Any, Diagnostic | None]:
    """The value of a JSON file, or the problem with its place (``path:line:col: invalid JSON: ...``)."""
    try:
        return json.loads(raw), None
    except json.JSONDecodeError as exc:
        return None, Diagnostic(shown, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")
    except UnicodeDecodeError as exc:
        return None, Diagnostic(shown, message=f"invalid JSON: not UTF-8 text (byte {exc.start})")
    except RecursionError:
        return None, Diagnostic(shown, message="invalid JSON: nested too deeply")


def _parse_all(files: Sequence[tuple[str, bytes | None]]) -> tuple[list[Any], list[Diagnostic]]:
    """Each file's JSON value (None for a file not given); every file must hold an object."""
    values: list[Any] = []
    problems: list[Diagnostic] = []
    for shown, raw in files:
        value, problem = parse_json(raw, shown) if raw is not None else (None, None)
        if problem is not None:
            problems.append(problem)
        elif value is not None and not isinstance(value, dict):
            problems.append(Diagnostic(shown, message="cannot import: not a JSON object"))
            value = None
        values.append(value)
    return values, problems


def _kind(value: dict[str, Any]) -> str | None:
    """Which of Tencent's three files ``value`` looks like by its top-level keys; None if it is unclear."""
    if "metadata" in value or "objects" in value:
        return TENCENT_FILES[0]
    if "codes" in value:
        return TENCENT_FILES[1]
    actions = value.get("actions")
    first = next(iter(actions.values()), None) if isinstance(actions, dict) else None
    if isinstance(first, dict):
        return TENCENT_FILES[0]
    if isinstance(first, list) and first:
        return TENCENT_FILES[1] if isinstance(first[0], str) else TENCENT_FILES[2]
    return None


def _wrong_files(values: list[Any], paths: list[str]) -> list[Diagnostic]:
    """A file given in place of another (an examples.json as the error table, ...)."""
    problems = []
    for value, path, expected in zip(values, paths, TENCENT_FILES, strict=True):
        kind = _kind(value) if value is not None else None
        if kind is not None and kind != expected:
            message = f"cannot import: this is not an {expected} but looks like an {kind}; give the right file"
            problems.append(Diagnostic(path, message=message))
    return problems


# Which files are checked against tencent_schema.json before they are mapped:
# the error table and the examples, whose values go straight into the specs
# (a misshapen one would map to nonsense without a word). api.json, a
# hundred times their size, is checked when its mapping fails.
_CHECKED_FIRST = frozenset({"errors", "examples"})


@cache
def _schema_text() -> str:
    return resources.files("codegen").joinpath("tencent_schema.json").read_text("utf-8")


@cache
def _validator(kind: str) -> jsonschema.Draft202012Validator:
    import jsonschema  # slow to import; a run served by the cache never needs it

    schema = json.loads(_schema_text())
    return jsonschema.Draft202012Validator({**schema["$defs"][kind], "$defs": schema["$defs"]})


def _shape_problems(
    values: list[Any],
    paths: list[str],
    kinds: frozenset[str],
    raws: Sequence[bytes | None] = (),
    cache: Cache | None = None,
) -> list[Diagnostic]:
    """Where each file of ``kinds`` departs from the shapes the mapping reads (tencent_schema.json).

    With a cache and the files' bytes (``raws``), a file that passed before is not checked again."""
    problems = []
    given = [*raws, *[None] * (len(values) - len(raws))]
    for value, path, kind, raw in zip(values, paths, ("api", "errors", "examples"), given, strict=True):
        if value is None or kind not in kinds:
            continue
        key = _passed_key(kind, raw) if cache is not None and raw is not None else None
        if key is not None and cache is not None and cache.get("valid", key) is True:
            continue
        import jsonschema

        error = jsonschema.exceptions.best_match(_validator(kind).iter_errors(value))
        if error is not None:
            message = error.message if len(error.message) <= 200 else error.message[:200] + "..."
            pointer = json_pointer(*error.absolute_path)
            problems.append(Diagnostic(path, message=f"cannot import: {message}", pointer=pointer))
        elif key is not None and cache is not None:
            cache.put("valid", key, True)
    return problems


def _passed_key(kind: str, raw: bytes) -> str:
    """The "valid" entry of a file of ``kind`` holding ``raw`` that matched its shape."""
    from ..cache import digest, installed_version

    return digest("tencent shape", _schema_text(), installed_version("jsonschema"), kind, raw)


def _convert(
    values: list[Any],
    paths: list[str],
    actions: Sequence[str] | None,
    raws: Sequence[bytes | None] = (),
    cache: Cache | None = None,
) -> ImportedService:
    from .tencent_api import convert

    if wrong := _wrong_files(values, paths) or _shape_problems(values, paths, _CHECKED_FIRST, raws, cache):
        raise SpecError(wrong)
    api, errors, examples = values
    api_path, errors_path, examples_path = paths
    source = str(PurePosixPath(api_path).parent)
    try:
        return convert(api, errors, examples, source=source, only=actions, paths=(api_path, errors_path, examples_path))
    except (ValueError, AttributeError, TypeError, KeyError) as exc:
        # A shape the mapping does not expect (a list where an object belongs, ...): say where.
        problems = _shape_problems(values, paths, frozenset({"api"}))
        raise SpecError(
            problems or [Diagnostic(api_path, message=f"cannot import: {type(exc).__name__}: {exc}")]
        ) from None


class TencentCloudImporter:
    name = "tencentcloud"
    description = "Tencent's API descriptions: <service>/<version>/api.json with errors.json and examples.json"

    def read_units(self, root: Path, folders: Sequence[str] | None = None) -> tuple[Unit, list[Unit]]:
        found = tencent_service_folders(root) if folders is None else [root / folder for folder in folders]
        if folders is None and not found:
            from ..no_input import file_given, files_below, nothing_found

            if root.is_file():
                message = file_given(root, self.name)
            elif not root.is_dir():
                message = "folder not found"
            else:
                message = nothing_found(root.as_posix(), files_below(root), self.name)
            raise SpecError([Diagnostic(root.as_posix(), message=message)])
        units = []
        problems: list[Diagnostic] = []
        for folder in found:
            files = []
            for name in TENCENT_FILES:
                path = folder / name
                try:
                    files.append((path.as_posix(), read_bounded(path)))
                except FileNotFoundError:
                    continue  # errors.json and examples.json are optional
                except OSError as exc:
                    problems.append(Diagnostic(path.as_posix(), message=f"cannot read file: {exc.strerror}"))
            units.append(Unit(folder.as_posix(), tuple(files)))
        if problems:
            raise SpecError(problems)
        return shipped_common_unit(), units

    def load_unit(
        self, unit: Unit, actions: Sequence[str] | None = None, cache: Cache | None = None
    ) -> tuple[list[SpecDocument], list[Diagnostic]]:
        paths = [f"{unit.folder}/{name}" for name in TENCENT_FILES]
        data = {Path(shown).name: raw for shown, raw in unit.files}
        if TENCENT_FILES[0] not in data:
            return [], [Diagnostic(paths[0], message="file not found")]  # removed since the folder was listed
        raws = [data.get(name) for name in TENCENT_FILES]
        values, problems = _parse_all(list(zip(paths, raws, strict=True)))
        if problems:
            return [], problems
        try:
            imported = _convert(values, paths, actions, raws, cache)
        except SpecError as exc:
            return [], exc.diagnostics
        if actions is not None and not imported.actions:
            return [], []
        if imported.problems:
            return [], imported.diagnostics()
        from ..loader import validate

        documents, problems = [], []
        for document in imported.documents(paths[0]):
            found = validate(document, cache)
            problems.extend(found)
            if not found:
                documents.append(document)
        return documents, problems

    def action_names(self, unit: Unit) -> list[str] | None:
        raw = {Path(shown).name: raw for shown, raw in unit.files}.get(TENCENT_FILES[0])
        api = parse_json(raw, "")[0] if raw is not None else None
        actions = api.get("actions") if isinstance(api, dict) else None
        return list(actions) if isinstance(actions, dict) else None

    def unit_of(self, relative: str) -> str | None:
        parts = PurePosixPath(relative).parts
        if parts[-1] in _API_FILES and len(parts) in (1, 3):
            return "/".join(parts[:-1]) or "."
        return None

    def import_service(
        self, api: Path, errors: Path | None, examples: Path | None, actions: Sequence[str] | None
    ) -> ImportedService:
        if api.is_dir():
            message = f"cannot import: a folder, not a file; give its api.json, {(api / TENCENT_FILES[0]).as_posix()}"
            raise SpecError([Diagnostic(api.as_posix(), message=message)])
        if not api.exists():
            raise SpecError([Diagnostic(api.as_posix(), message="cannot import: file not found")])
        files: list[tuple[str, bytes | None]] = []
        for given, name in zip((api, errors, examples), TENCENT_FILES, strict=True):
            path = given or api.parent / name
            try:
                # Errors and examples are optional, but a file named must be there.
                raw = read_bounded(path) if given is not None else None
            except FileNotFoundError:
                raise SpecError([Diagnostic(path.as_posix(), message="cannot import: file not found")]) from None
            except OSError as exc:
                raise SpecError([Diagnostic(path.as_posix(), message=f"cannot import: {exc.strerror}")]) from None
            files.append((path.as_posix(), raw))
        values, problems = _parse_all(files)
        if problems:
            raise SpecError(problems)
        if actions is not None and (unknown := _unknown_actions(values[0], files[0][0], actions)):
            raise SpecError(unknown)
        imported = _convert(values, [shown for shown, _ in files], actions)
        if imported.problems:
            raise SpecError(imported.diagnostics())
        return imported


def _unknown_actions(api: Any, path: str, actions: Sequence[str]) -> list[Diagnostic]:
    """One problem per name of ``actions`` (``import --actions``) that ``api`` does not describe."""
    known = api.get("actions") if isinstance(api, dict) else None
    if not isinstance(known, dict):
        return []  # not a description: reported when it is mapped
    return unknown_actions(actions, known, path, pointer="/actions")
