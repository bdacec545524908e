"""Stage 1, first half: find the input files and read them, grouped by service version.

A :class:`Unit` holds the bytes of one service version's files (or of the
common error table). They are read once: the cache key and, on a miss, the
parsing and checks in ``loader`` see the same bytes. Nothing here parses,
so a run that the cache serves reads and hashes its input and stops there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic, SpecError
from .reading import read_bounded

COMMON_ERRORS = Path("common") / "errors.yaml"
# The common error table shipped with the generator: used by input without
# one of its own (every spec folder without common/errors.yaml, and every
# importer that does not make its own).
SHIPPED_COMMON_ERRORS = "common_errors.yaml"
SERVICE_FILE = "service.yaml"
# Tencent's API descriptions: a folder per service version holding these
# (the first one required).
TENCENT_FILES = ("api.json", "errors.json", "examples.json")


@dataclass(frozen=True)
class Unit:
    """The input files of one service version (or of the common error table).

    Read once, so that a cache key and the build that follows see the same
    bytes even if a file changes in between.
    """

    folder: str  # "trtc/2019-07-22" for spec files; the api.json folder for Tencent input
    files: tuple[tuple[str, bytes], ...]  # (path shown in messages, content), in a fixed order

    def key_parts(self) -> list[bytes | str]:
        """What identifies the unit's content: its folder below the root, file names and bytes.

        Not the root itself, so the same specs reached by another path hit the cache.
        """
        return [self.name, *(part for shown, raw in self.files for part in (Path(shown).name, raw))]

    @property
    def name(self) -> str:
        return "/".join(Path(self.folder).parts[-2:])

    def shown(self, file_name: str) -> str:
        """The path shown in messages for one of the unit's files."""
        return next((shown for shown, _ in self.files if Path(shown).name == file_name), file_name)


def read_units(root: Path, folders: list[str] | None = None) -> tuple[Unit, list[Unit]]:
    """The common error table and each service version's files below ``root``; SpecError if unreadable.

    The common table is ``root/common/errors.yaml`` when there is one, else the shipped table.
    ``folders`` limits it to those service versions.
    """
    common, units, problems = gather(root, folders)
    if problems:
        raise SpecError(problems)
    return common, units


def gather(root: Path, folders: list[str] | None) -> tuple[Unit, list[Unit], list[Diagnostic]]:
    """Like :func:`read_units`, returning the problems; ``folders`` limits it to some service versions."""
    if not root.is_dir():
        from .no_input import file_given

        message = file_given(root, "specs") if root.is_file() else "spec folder not found"
        return Unit("common", ()), [], [Diagnostic(str(root), message=message)]
    problems: list[Diagnostic] = []
    common: list[tuple[str, bytes]] = []
    grouped: dict[str, list[tuple[str, bytes]]] = {}
    files = discover(root)
    if folders is not None:
        wanted = set(folders)
        files = [(path, kind) for path, kind in files if kind == "errors_file" or _folder_of(path) in wanted]
    for path, kind in files:
        raw, found = read_file(path, path.as_posix())
        problems.extend(found)
        if raw is not None:
            group = common if kind == "errors_file" else grouped.setdefault(_folder_of(path), [])
            group.append((path.as_posix(), raw))
    if folders is None and not grouped and not problems:
        problems += _nothing_found(root)
    common_unit = Unit("common", tuple(common)) if common or problems else shipped_common_unit()
    return common_unit, [Unit(folder, tuple(items)) for folder, items in grouped.items()], problems


def _nothing_found(root: Path) -> list[Diagnostic]:
    """The problem of a spec folder without service versions, unless it asks for the runtime alone."""
    from .no_input import files_below, nothing_found, runtime_only

    listing = files_below(root)
    if runtime_only(listing):
        return []
    return [Diagnostic(root.as_posix(), message=nothing_found(root.as_posix(), listing, "specs"))]


def shipped_common_unit() -> Unit:
    """The common error table shipped with the generator, as a unit for ``loader.load_unit``."""
    raw = Path(__file__).with_name(SHIPPED_COMMON_ERRORS).read_bytes()
    return Unit("common", ((f"codegen/{SHIPPED_COMMON_ERRORS}", raw),))


def discover(root: Path) -> list[tuple[Path, str]]:
    """Every spec file below ``root`` with its kind, in a stable order."""
    found: list[tuple[Path, str]] = []
    # exists, not is_file: a FIFO or a device there is refused when read, not skipped.
    if (root / COMMON_ERRORS).exists():
        found.append((root / COMMON_ERRORS, "errors_file"))
    for path in sorted(root.glob("*/*/*.yaml")):
        kind = "service_file" if path.name == SERVICE_FILE else "action_file"
        found.append((path, kind))
    return found


def read_file(path: Path, shown: str) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of one spec file, or the problem that keeps them from being read
    (a FIFO, a device or a file beyond ``reading.MAX_FILE_BYTES`` among them)."""
    try:
        return read_bounded(path), []
    except OSError as exc:
        return None, [Diagnostic(shown, message=f"cannot read file: {exc.strerror}")]


def _folder_of(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.parent.name}"


def tencent_service_folders(root: Path) -> list[Path]:
    """Folders holding an api.json: ``root`` itself or ``root/<service>/<version>``."""
    if (root / TENCENT_FILES[0]).exists():
        return [root]
    return [path.parent for path in sorted(root.glob(f"*/*/{TENCENT_FILES[0]}"))]


# Overlays shipped with the generator: codegen/overlays/<format>/*.yaml, applied
# (in name order, before the user's) to what that format's importer produces.
SHIPPED_OVERLAYS = Path(__file__).with_name("overlays")
# The formats overlays do not apply to: spec folders are edited directly.
NO_OVERLAYS = frozenset({"specs"})


@dataclass(frozen=True)
class OverlayInput:
    """The bytes of one overlay file, read once (for the cache key and for parsing)."""

    shown: str  # the path shown in messages
    raw: bytes
    builtin: bool = False  # shipped with the generator


def shipped_overlays(source_format: str) -> list[Path]:
    """The overlay files shipped for ``source_format``, in the order they apply."""
    folder = SHIPPED_OVERLAYS / source_format
    return sorted(folder.glob("*.yaml")) if source_format not in NO_OVERLAYS else []


def read_overlays(source_format: str, paths: tuple[Path, ...], builtin: bool = True) -> tuple[OverlayInput, ...]:
    """The overlays a run applies, in order: the shipped ones for ``source_format`` (unless
    ``builtin`` is false), then ``paths``; SpecError naming each file that cannot be read."""
    if source_format in NO_OVERLAYS:
        return ()
    read: list[OverlayInput] = []
    problems: list[Diagnostic] = []
    shipped = shipped_overlays(source_format) if builtin else []
    for path, is_builtin in [*((p, True) for p in shipped), *((p, False) for p in paths)]:
        shown = f"codegen/overlays/{source_format}/{path.name}" if is_builtin else path.as_posix()
        raw, found = read_file(path, shown)
        problems += found
        if raw is not None:
            read.append(OverlayInput(shown, raw, is_builtin))
    if problems:
        raise SpecError(problems)
    return tuple(read)
