"""The two sides of ``codegen diff``: spec folders on disk or in git.

A side lists its files per service version folder with the git blob hash of
each (computed for files on disk, read from ``git ls-tree`` for revisions),
so service versions whose files are identical on both sides are recognised
without reading or checking them: identical input builds an identical
surface. Only the service versions that differ are loaded, checked and built,
which keeps a diff of the whole Tencent corpus to the time of the few that
changed.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from . import importers
from .build import build_project
from .diagnostics import Diagnostic, SpecError
from .no_input import file_given, nothing_found, runtime_only
from .reading import read_bounded
from .surface import Surface, from_project

if TYPE_CHECKING:
    from .overlay import Overlay


@dataclass(frozen=True)
class Side:
    """One side of a diff: ``files`` maps paths below the root to blob hashes."""

    label: str  # how messages name the root: a folder, or REV:folder
    source_format: str  # the name of an importer in codegen.importers
    files: dict[str, str]
    read: Callable[[str], bytes]
    root: Path | None = None  # a folder on disk, loaded in place; None for a revision

    def units(self) -> dict[str, str]:
        """Service version folders with a fingerprint of their files."""
        importer = importers.get(self.source_format)
        grouped: dict[str, list[str]] = {}
        for path, blob in sorted(self.files.items()):
            unit = importer.unit_of(path)
            if unit:  # not the common table, which every surface includes
                grouped.setdefault(unit, []).append(f"{PurePosixPath(path).name}\x00{blob}")
        return {unit: hashlib.sha256("\x01".join(items).encode()).hexdigest() for unit, items in grouped.items()}


def _wanted(path: str, source_format: str) -> bool:
    return importers.get(source_format).unit_of(path) is not None


def blob_hash(data: bytes) -> str:
    """The hash git gives the same content, so disk and revisions compare directly."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def folder_side(root: Path, source_format: str) -> Side:
    if not root.is_dir():
        message = file_given(root, source_format) if root.is_file() else "folder not found"
        raise SpecError([Diagnostic(root.as_posix(), message=message)])
    files = {}
    listing = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file():
            listing.append(relative)
            if _wanted(relative, source_format):
                files[relative] = blob_hash(read_bounded(path))
    _something_to_compare(root.as_posix(), root.as_posix(), files, listing, source_format)
    return Side(root.as_posix(), source_format, files, lambda relative: read_bounded(root / relative), root)


def _something_to_compare(label: str, root: str, files: dict[str, str], listing: list[str], source_format: str) -> None:
    """Raise when a side holds no service version (and does not ask for the runtime
    alone, as ``generate`` would take it): comparing it would show every difference
    as an addition or a removal, or a wrong folder as "no API changes"."""
    importer = importers.get(source_format)
    if any(importer.unit_of(path) for path in files):
        return
    if source_format == "specs" and runtime_only(listing):
        return
    raise SpecError([Diagnostic(label, message=nothing_found(root, listing, source_format))])


def git_side(folder: Path, revision: str, source_format: str) -> Side:
    """``folder`` as it was at ``revision``, read with git itself (no checkout)."""
    top = Path(_git(folder, "rev-parse", "--show-toplevel").decode().strip())
    prefix = folder.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix
    _git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", revision, "--", prefix or ".")
    files = {}
    paths = []
    for entry in listing.decode("utf-8", "surrogateescape").split("\x00"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        _, kind, blob = meta.split()
        relative = path[len(prefix) + 1 :] if prefix else path
        if kind == "blob":
            paths.append(relative)
            if _wanted(relative, source_format):
                files[relative] = blob
    label = f"{revision}:{prefix or '.'}"
    if not paths:
        raise SpecError(
            [Diagnostic(label, message="no such folder at this revision; check the revision and the folder")]
        )
    _something_to_compare(label, prefix or ".", files, paths, source_format)

    def read(relative: str) -> bytes:
        return _git(top, "cat-file", "blob", files[relative])

    return Side(f"{revision}:{prefix or '.'}", source_format, files, read)


def _git(cwd: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise SpecError([Diagnostic(cwd.as_posix(), message="git is not installed")]) from None
    if done.returncode != 0:
        reason = " ".join(done.stderr.decode("utf-8", "replace").split()) or f"git {args[0]} failed"
        if args[:2] == ("rev-parse", "--verify"):
            reason = f"unknown revision {args[-1].removesuffix('^{commit}')!r}"
        raise SpecError([Diagnostic(cwd.as_posix(), message=reason)])
    return done.stdout


def changed_surfaces(old: Side, new: Side, overlays: Sequence[Overlay] = ()) -> tuple[Surface, Surface]:
    """Surfaces of the service versions that differ between the sides (and the common errors),
    each side patched by ``overlays`` (as ``generate`` would: the same on both sides, so a
    service version whose files are the same on both sides is still left out)."""
    old_units, new_units = old.units(), new.units()
    differ = sorted(u for u in set(old_units) | set(new_units) if old_units.get(u) != new_units.get(u))
    return (
        surface_of(old, [u for u in differ if u in old_units], overlays),
        surface_of(new, [u for u in differ if u in new_units], overlays),
    )


def surface_of(side: Side, units: list[str], overlays: Sequence[Overlay] = ()) -> Surface:
    """Load, check and build only ``units`` of a side; errors name the side's own paths."""
    importer = importers.get(side.source_format)
    with _materialised(side, units) if side.root is None else nullcontext(side.root) as root:
        try:
            project = build_project(importers.load_documents(importer, root, units, overlays=overlays))
        except SpecError as exc:
            raise SpecError([_shown(d, root, side.label) for d in exc.diagnostics]) from None
    return from_project(project)


@contextmanager
def _materialised(side: Side, units: list[str]) -> Iterator[Path]:
    """A revision's files of ``units`` (and the common table) in a scratch folder."""
    scratch = Path(tempfile.mkdtemp(prefix="codegen-diff-"))
    importer = importers.get(side.source_format)
    try:
        wanted = {"", *units}
        for relative in side.files:
            if importer.unit_of(relative) in wanted:
                target = scratch / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(side.read(relative))
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _shown(diagnostic: Diagnostic, root: Path, label: str) -> Diagnostic:
    try:
        relative = Path(diagnostic.path).relative_to(root).as_posix()
    except ValueError:
        return diagnostic
    joiner = "" if label.endswith((":", "/")) else "/"
    return replace(diagnostic, path=f"{label}{joiner}{relative}")
