"""Write spec files: the output side of ``codegen import``.

Documents are dumped as YAML in a fixed key order, checked exactly like
hand-written specs (so an import never writes a file ``generate`` would
reject), then written into place, reporting what was added, changed and
removed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .build import build_project
from .diagnostics import Diagnostic, SpecError
from .diff import Change, diff_surfaces
from .inputs import SERVICE_FILE, Unit, shipped_common_unit
from .loader import ImportedService, load_specs, load_unit, path_name_problem
from .reading import read_bounded
from .surface import Surface, from_project
from .writer import WORKSPACE, folder_lock, inside, recover_workspace, replace_folder

if TYPE_CHECKING:
    from .importers import SpecWriter
    from .overlay import Overlay


@dataclass
class ImportChanges:
    folder: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    api: list[Change] = field(default_factory=list)  # what the import changed for user code
    first_import: bool = False


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text, so documentation stays readable."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump(data: Any) -> str:
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return text


def spec_texts(imported: ImportedService) -> dict[str, str]:
    """The files of one imported service version, by path below the spec folder."""
    files = {f"{imported.folder}/{SERVICE_FILE}": dump(imported.service)}
    for name, data in imported.actions.items():
        files[f"{imported.folder}/{name}.yaml"] = dump(data)
    return files


def import_specs(
    importer: SpecWriter,
    api: Path,
    errors: Path | None,
    examples: Path | None,
    out: Path,
    actions: Sequence[str] | None,
    overlays: Sequence[Overlay] = (),
) -> ImportChanges:
    """Write (or update) the spec files of one service version described in another format,
    patched by ``overlays`` (so the files hold the patched result, and importing again with
    the same overlays changes nothing).

    A spec folder without ``common/errors.yaml`` uses the table shipped with
    the generator, so none is written.
    """
    imported = importer.import_service(api, errors, examples, actions)
    if problems := _name_problems(imported):
        raise SpecError(problems)
    if overlays:
        imported = patched(importer, imported, api, actions, overlays)
    files = spec_texts(imported)
    out.mkdir(parents=True, exist_ok=True)
    with folder_lock(out, shared=False):
        return _write_import(imported, files, out, actions)


def patched(
    importer: SpecWriter,
    imported: ImportedService,
    api: Path,
    actions: Sequence[str] | None,
    overlays: Sequence[Overlay],
) -> ImportedService:
    """``imported`` patched by ``overlays``, checked as ``generate`` checks it: SpecError naming
    the place in the overlay of whatever a patch broke, or of a patch whose target is not there."""
    from .importers import ActionSelector
    from .overlay import apply

    described = None
    if actions is not None and isinstance(importer, ActionSelector):
        # Which actions the description holds, so that a patch of one left out is skipped, not stale.
        described = importer.action_names(Unit(api.parent.as_posix(), ((api.as_posix(), read_bounded(api)),)))
    applied = apply(imported.documents(api.as_posix()), overlays, actions=actions, described=described)
    problems = applied.problems
    if not problems and applied.patches:
        common, _ = load_unit(shipped_common_unit())
        try:
            build_project([*common, *applied.documents])
        except SpecError as exc:
            problems = exc.diagnostics
    if problems:
        raise SpecError(problems)
    if not applied.patches:
        return imported
    service = next(d.data for d in applied.documents if d.kind == "service_file")
    kept = {d.name: d.data for d in applied.documents if d.kind == "action_file"}
    count = f"{applied.patches} overlay patch{'es' if applied.patches != 1 else ''}"
    notes = [*imported.notes, f"{imported.folder}: {count} applied ({', '.join(applied.overlays)})"]
    return replace(imported, service=service, actions=kept, notes=notes)


def _name_problems(imported: ImportedService) -> list[Diagnostic]:
    """What keeps the names of ``imported`` from being paths below the spec folder.

    Checked here for every importer, whatever it checked itself (the
    tencentcloud one reports these with their place in api.json first).
    """
    service, version = imported.service.get("service"), imported.service.get("version")
    names = [("service", service), ("version", version), *(("action", name) for name in imported.actions)]
    problems = [problem for kind, value in names if (problem := path_name_problem(kind, value))]
    if not problems and imported.folder != f"{service}/{version}":
        problems.append(f"the folder {imported.folder!r} is not <service>/<version> ({service}/{version})")
    return [Diagnostic(imported.source, message=f"cannot import: {problem}") for problem in problems]


def _write_import(
    imported: ImportedService, files: dict[str, str], out: Path, actions: Sequence[str] | None
) -> ImportChanges:
    """Check the spec folder as it will be, then replace the service version folder at once."""
    # Every path is proven to stay inside --out before anything is written,
    # so a symlink in there that leads out is refused, not followed.
    folder = inside(out, imported.folder)
    workspace = inside(out, WORKSPACE)
    for name in files:
        inside(out, name)
    recover_workspace(workspace)
    current = {p.relative_to(out).as_posix(): read_bounded(p).decode("utf-8") for p in sorted(folder.glob("*.yaml"))}
    # Actions that are no longer described go, unless only some were asked for.
    stale = [] if actions else sorted(name for name in current if name not in files)
    _check(out, files, stale)
    changes = ImportChanges(imported.folder, notes=imported.notes)
    for name, text in sorted(files.items()):
        old = current.get(name)
        if old == text:
            changes.unchanged.append(name)
        else:
            (changes.added if old is None else changes.changed).append(name)
    changes.removed = stale
    if not changes.added and not changes.changed and not changes.removed:
        return changes
    before = _surface(out, imported.folder) if current else None
    prefix = f"{imported.folder}/"
    kept = {name: text for name, text in current.items() if name not in stale}
    final = {**kept, **{name: text for name, text in files.items() if name.startswith(prefix)}}
    replace_folder(folder, {name[len(prefix) :]: text for name, text in sorted(final.items())}, workspace)
    after = _surface(out, imported.folder)
    changes.api = diff_surfaces(before, after) if before is not None and after is not None else []
    changes.first_import = not current
    return changes


def _surface(out: Path, folder: str) -> Surface | None:
    """The surface of one service version of a spec folder; None if it does not load."""
    try:
        project = build_project(load_specs(out, [folder]))
    except SpecError:
        return None
    return Surface({}, from_project(project).services)


def _check(out: Path, files: dict[str, str], stale: list[str]) -> None:
    """Load the spec folder as it will be after the import; raise on any problem."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        if out.is_dir():
            for path in out.rglob("*.yaml"):
                relative = path.relative_to(out).as_posix()
                if relative not in stale:
                    target = inside(root, relative)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(read_bounded(path))
        for name, text in files.items():
            target = inside(root, name)  # never outside the scratch folder
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        try:
            build_project(load_specs(root))
        except SpecError as exc:
            raise SpecError(
                [
                    Diagnostic((out / Path(d.path).relative_to(root)).as_posix(), d.line, d.column, d.message)
                    for d in exc.diagnostics
                ]
            ) from None
