"""Stage 5: put the formatted files on disk, all or nothing.

The package folder is rebuilt beside the old one and swapped in with renames,
so a failure or a kill at any point leaves either the old tree or the new one,
never a mix. Unchanged files are hard-linked into the new tree, which keeps
their timestamps (build tools do not see a change that did not happen).
Two runs on one output folder are kept apart by a lock file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .reading import read_bounded

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


@dataclass
class Changes:
    """What a write did (or, for a check, would do), as paths relative to the output folder."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def stale(self) -> list[str]:
        return sorted(self.written + self.removed)


class LockedError(Exception):
    """Another run holds the lock on the output folder."""


class OutsideRoot(OSError):
    """A path that would be written (or removed) outside the folder it belongs in.

    An ``OSError`` naming the path, so the command line reports it as one line
    with exit code 2, like any other path the machine refuses.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(errno.EPERM, f"refused: {reason}", path)


def inside(root: Path, relative: str) -> Path:
    """``root / relative``, proven to stay inside ``root``; :class:`OutsideRoot` otherwise.

    ``relative`` must be a plain relative POSIX path: not absolute, no empty,
    ``.`` or ``..`` part, no backslash or NUL. And whatever exists of it on
    disk must not lead out through a symlink: the resolved target lies below
    the resolved root. Every folder and file the generator writes or removes
    is reached through here.
    """
    pure = PurePosixPath(relative)
    plain = (
        bool(pure.parts)
        and not pure.is_absolute()
        and pure.as_posix() == relative
        and not any(part in (".", "..") for part in pure.parts)
        and not any(char in relative for char in "\\\x00")
        and _encodable(relative)
    )
    shown = f"{root.as_posix()}/{relative if relative.isprintable() else repr(relative)}"
    if not plain:
        raise OutsideRoot(shown, f"not a plain path inside {root.as_posix()}")
    target = root / pure
    if not target.resolve().is_relative_to(root.resolve()):
        raise OutsideRoot(shown, f"a symlink leads it outside {root.as_posix()}")
    return target


def _encodable(name: str) -> bool:
    """Whether ``name`` is a path the file system can be given (a lone surrogate is not)."""
    try:
        os.fsencode(name)
    except UnicodeEncodeError:
        return False
    return True


def existing_files(package_dir: Path, out: Path) -> dict[str, Path]:
    """Files of the current package tree, keyed like the rendered files."""
    if not package_dir.is_dir():
        return {}
    found = {}
    for path in package_dir.rglob("*"):
        # A symlink is not one of our files: it is replaced, never read through or linked.
        if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
            found[path.relative_to(out).as_posix()] = path
    return found


def compare(files: Mapping[str, str], out: Path, package: str) -> Changes:
    """How the tree on disk differs from ``files`` (nothing is written)."""
    current = existing_files(out / package, out)
    changes = Changes()
    for name, text in sorted(files.items()):
        path = current.get(name)
        if path is not None and path.read_bytes() == text.encode("utf-8"):
            changes.unchanged.append(name)
        else:
            changes.written.append(name)
    changes.removed = sorted(set(current) - set(files))
    return changes


@contextlib.contextmanager
def locked(out: Path, package: str) -> Iterator[None]:
    """Hold the output folder's lock for ``package`` (fails at once if taken).

    The folder is made for the lock file if it is missing; a run that then
    fails leaves nothing behind: the folders it made are removed again.
    """
    made = [folder for folder in (out, *out.parents) if not folder.exists()]
    out.mkdir(parents=True, exist_ok=True)
    lock_path = out / f".{package}.codegen.lock"
    with open(lock_path, "a+b") as handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                # Another run holds it: its lock file and folders are not ours to remove.
                raise LockedError(f"{lock_path}: another codegen run is writing this folder") from None
        try:
            yield
        except BaseException:
            if made:  # still under the lock, so no other run has started in there
                lock_path.unlink(missing_ok=True)
                for folder in made:  # innermost first; one that is not empty stays
                    with contextlib.suppress(OSError):
                        folder.rmdir()
            raise


@contextlib.contextmanager
def folder_lock(folder: Path, *, shared: bool) -> Iterator[None]:
    """Lock ``folder`` itself, leaving no lock file in it.

    ``codegen import`` holds it exclusively while it writes spec files;
    ``codegen generate`` holds it shared while it reads them. Either fails at
    once when the other holds it. A folder that is missing, or cannot be
    opened (another platform), is not locked.
    """
    if fcntl is None or not folder.is_dir():
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            what = "a codegen import is writing" if shared else "another codegen run is using"
            raise LockedError(f"{folder}: {what} this spec folder") from None
        yield
    finally:
        os.close(handle)


# Scratch space of replace_folder, inside the folder it writes into so that
# renames stay on one file system; deep enough that no spec glob reaches it.
WORKSPACE = ".codegen-import"


def replace_folder(target: Path, files: Mapping[str, str], workspace: Path) -> None:
    """Make ``target`` hold exactly ``files`` (paths relative to it), all or nothing.

    The new folder is written in ``workspace`` and swapped in with two
    renames; a run killed between them is repaired by the next call.
    """
    recover_workspace(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    job = Path(tempfile.mkdtemp(dir=workspace))
    try:
        (job / "target").write_text(str(target.resolve()), encoding="utf-8")
        staging = job / "new"
        staging.mkdir(mode=_directory_mode())
        for name, text in files.items():
            destination = inside(staging, name)
            destination.parent.mkdir(parents=True, exist_ok=True)
            _write_durably(destination, text)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.rename(job / "old")
        staging.rename(target)
    finally:
        if (job / "old").is_dir() and not target.exists():
            (job / "old").rename(target)
        shutil.rmtree(job, ignore_errors=True)
        with contextlib.suppress(OSError):
            workspace.rmdir()


def recover_workspace(workspace: Path) -> None:
    """Put back a folder that a killed :func:`replace_folder` had moved aside; drop the rest."""
    if not workspace.is_dir():
        return
    for job in sorted(workspace.iterdir()):
        old = job / "old"
        try:
            target = Path(read_bounded(job / "target", 4096).decode("utf-8"))
        except (OSError, UnicodeDecodeError):
            target = None
        # Only a folder of the spec folder the workspace is in is put back.
        if target is not None and not target.resolve().is_relative_to(workspace.parent.resolve()):
            target = None
        if target is not None and old.is_dir() and not old.is_symlink() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            old.rename(target)
        shutil.rmtree(job, ignore_errors=True)


def _recover(out: Path, package: str) -> None:
    """Finish or undo a swap that a killed run left half done."""
    target = out / package
    for leftover in sorted(out.glob(f".{package}.old-*")):
        if not target.exists() and not leftover.is_symlink():
            leftover.rename(target)
        else:
            _remove(leftover)
    for leftover in out.glob(f".{package}.new-*"):
        _remove(leftover)


def _remove(path: Path) -> None:
    """Remove a folder of ours; a symlink is unlinked, never followed."""
    if path.is_symlink():
        path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def write_tree(files: Mapping[str, str], out: Path, package: str) -> Changes:
    """Replace ``out/package`` with ``files``; report what changed.

    The caller holds :func:`locked` for the whole run, so that a second run
    fails at its start instead of after all its work.
    """
    out.mkdir(parents=True, exist_ok=True)
    target = inside(out, package)  # a symlink there that leads out is refused, not followed
    _recover(out, package)
    changes = compare(files, out, package)
    if not changes.written and not changes.removed:
        return changes
    current = existing_files(out / package, out)
    staging = Path(tempfile.mkdtemp(prefix=f".{package}.new-", dir=out))
    try:
        staging.chmod(_directory_mode())
        for name, text in files.items():
            destination = inside(staging, PurePosixPath(name).relative_to(package).as_posix())
            destination.parent.mkdir(parents=True, exist_ok=True)
            if name in changes.unchanged:
                try:
                    os.link(current[name], destination)
                    continue
                except OSError:
                    pass
            _write_durably(destination, text)
        _swap(staging, target, out, package)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return changes


def replace_file(path: Path, text: str) -> bool:
    """Give the single file ``path`` the content ``text``; False when it already had it.

    The new content goes to a temporary file in the same folder that is then
    renamed over ``path``, so a reader (or a killed run) sees the old file or
    the new one, never a part of either. A file that already holds ``text``
    is not touched and keeps its timestamp. A replaced file keeps its
    permissions; a new one gets the usual ones.
    """
    data = text.encode("utf-8")
    try:
        old = path.read_bytes()
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        old, mode = None, 0o666 & ~_umask()
    if old == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.codegen-"
    for leftover in path.parent.iterdir():  # from a run killed before its rename
        if leftover.name.startswith(prefix) and leftover.name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()
    handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _directory_mode() -> int:
    # mkdtemp makes a private (0700) folder; the package should get the usual
    # permissions, as if made by mkdir.
    return 0o777 & ~_umask()


def _write_durably(path: Path, text: str) -> None:
    """Write a new file and flush it to disk before it is renamed into place."""
    with open(path, "wb") as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def _swap(staging: Path, target: Path, out: Path, package: str) -> None:
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{package}.old-", dir=out))
        old.rmdir()
        target.rename(old)
        staging.rename(target)
        _remove(old)
    else:
        staging.rename(target)
