"""The one line for input that holds nothing to read: where the input was
expected and, when the files are there but a level or two off or in the
other built-in format, what to give instead.

Used wherever a folder is read (``generate``, ``diff`` on disk or at a git
revision); nothing here reads a file's content, only names and depths.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from .inputs import COMMON_ERRORS, SERVICE_FILE, TENCENT_FILES

# Per built-in format: the file that marks a service version, the depths (in
# path parts below the root) where it belongs, and how that is said.
LAYOUTS: dict[str, tuple[str, tuple[int, ...], str]] = {
    "specs": (SERVICE_FILE, (3,), "<service>/<version>/service.yaml with the actions' .yaml files"),
    "tencentcloud": (TENCENT_FILES[0], (1, 3), "api.json or <service>/<version>/api.json"),
}
_WHAT = {"specs": "spec files", "tencentcloud": "Tencent's API descriptions (api.json)"}
# Deep enough to find input given one or two levels too high, and no further:
# a mistaken root (a home folder) must not be walked whole.
_DEPTH = 5
_LIMIT = 20000


def files_below(root: Path) -> list[str]:
    """The POSIX paths of the files below ``root``, at most a few levels down
    (and at most a few thousand), for :func:`nothing_found`."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        relative = Path(folder).relative_to(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if len(relative.parts) < _DEPTH - 1 else []
        found += [(relative / name).as_posix() for name in sorted(files)]
        if len(found) > _LIMIT:
            break
    return found


def runtime_only(paths: Iterable[str]) -> bool:
    """Whether a spec folder holding ``paths`` and no service version asks for a
    package of the runtime alone (``CommonClient`` calls any action): it holds its
    own common error table and no other spec file (none a level off, say)."""
    names = set(paths)
    common = COMMON_ERRORS.as_posix()
    return common in names and not any(name.endswith(".yaml") and name != common for name in names)


def nothing_found(root: str, paths: Iterable[str], source_format: str) -> str:
    """The message for a folder ``root`` (a POSIX path, as the user gave it)
    holding ``paths`` and no service version of ``source_format``."""
    if source_format not in LAYOUTS:
        return f"nothing to read as {source_format} input; give the folder that holds it"
    marker, depths, expected = LAYOUTS[source_format]
    head = f"no service versions in this folder (expected {expected})"
    parts = [PurePosixPath(p).parts for p in paths]
    own = _shallowest(parts, marker)
    if own is not None and len(own) not in depths:
        return f"{head}; {_elsewhere(root, own, source_format)}"
    for other, (other_marker, _, _) in LAYOUTS.items():
        if other != source_format and _shallowest(parts, other_marker) is not None:
            return f"{head}; it holds {_WHAT[other]}: use --from {other}"
    return f"{head}; give the folder that holds them"


def file_given(path: Path, source_format: str) -> str:
    """The message for a file given where a folder of ``source_format`` input belongs."""
    name = path.name
    if source_format == "tencentcloud" and name == TENCENT_FILES[0]:
        return f"a file, not a folder; give the folder that holds it: {path.parent.as_posix()}"
    if source_format == "specs" and name.endswith(".yaml"):
        # <specs>/common/errors.yaml, or <specs>/<service>/<version>/<file>.yaml
        folder = path.parent.parent if path.parent.name == "common" else path.parent.parent.parent
        return f"a spec file, not a spec folder; give the spec folder: {folder.as_posix()}"
    if source_format == "specs" and name == TENCENT_FILES[0]:
        return f"one of Tencent's API descriptions: use --from tencentcloud {path.parent.as_posix()}"
    return "a file, not a folder; give the folder that holds the input"


def _shallowest(parts: list[tuple[str, ...]], marker: str) -> tuple[str, ...] | None:
    found = sorted((len(p), p) for p in parts if p and p[-1] == marker)
    return found[0][1] if found else None


def _elsewhere(root: str, marker_path: tuple[str, ...], source_format: str) -> str:
    """Where the service versions are, for a marker file found at the wrong depth."""
    depth, deepest = len(marker_path), LAYOUTS[source_format][1][-1]
    if depth > deepest:
        below = posixpath.normpath(posixpath.join(root, *marker_path[: depth - deepest]))
        return f"they are further down: give {below}"
    up = posixpath.normpath(posixpath.join(root, *[".."] * (deepest - depth)))
    if source_format == "tencentcloud":
        # A service's folder, its versions below it: one of them, or every service.
        one = posixpath.normpath(posixpath.join(root, marker_path[0]))
        return f"this is one service's folder: give one version's, {one}, or the folder above, {up}"
    kind = "one service version's folder" if depth == 1 else "one service's folder"
    return f"this is {kind}: give the spec folder {up}"
