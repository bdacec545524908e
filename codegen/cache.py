"""A content-keyed cache of generation results, kept outside the output folder.

An entry is stored under a key that is a digest of everything that shapes
it: the input bytes, the generator's own files (code and templates), the
versions of black, datamodel-code-generator and Jinja2, the options and the
contents of a template override folder (``folder_fingerprint``). So
an entry is never stale: a changed input gives another key. Entries are
written to a temporary file and renamed into place, so concurrent runs never
see half an entry, and each carries its own key and a digest of its body: a
truncated, corrupted or foreign entry is ignored (and replaced), never
trusted. The folder can be deleted at any time.

What it cannot tell is an entry someone else wrote with a right key and
digest: an entry is code the next run writes into the package. So an entry
is read only as a regular file (a symlink or a device is a miss, then
replaced, never followed), folders are made writable by their owner alone,
and a cache folder that another user owns or may write is not used at all
(:func:`untrusted`).

Importing this module imports nothing heavy; a run whose entries all hit
never loads black, datamodel-code-generator or Jinja2.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from .package_files import template_dir, template_files
from .reading import MIB, read_bounded

# Bumped when the entry layout changes; older entries are then foreign.
MAGIC = b"tencentcloud-codegen-cache/1\n"
ENV_DIR = "CODEGEN_CACHE_DIR"
# Far beyond the entry of the largest service version (a few MiB of code).
MAX_ENTRY_BYTES = 256 * MIB
# Folders of the cache: no one but their owner may add entries.
_FOLDER_MODE = 0o755
# The distributions whose versions change the bytes we write.
_TOOLS = ("black", "datamodel-code-generator", "jinja2")


def default_dir() -> Path:
    """``$CODEGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/tencentcloud-codegen``, else ``~/.cache/...``."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tencentcloud-codegen"


def digest(*parts: bytes | str) -> str:
    """sha256 of the parts, each length-prefixed so no two lists of parts collide."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def installed_version(distribution: str) -> str:
    """The version of an installed distribution, read from its ``dist-info`` folder name.

    The same answer as importlib.metadata, found the same way (first on
    sys.path), without importing and searching through it: that costs tens
    of milliseconds, a good part of a run served by the cache.
    """
    wanted = _normalized(distribution)
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                project, _, version = name[: -len(".dist-info")].partition("-")
                if version and _normalized(project) == wanted:
                    return version
    from importlib import metadata  # an egg or another layout: let the library search

    return metadata.version(distribution)


def _normalized(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


@lru_cache(maxsize=1)
def generator_fingerprint() -> str:
    """A digest of the generator's code, templates and the tools whose output it keeps."""
    package = Path(__file__).resolve().parent
    templates = template_dir()
    parts: list[bytes | str] = [f"python {sys.version_info[0]}.{sys.version_info[1]}"]
    for tool in _TOOLS:
        parts.append(f"{tool} {installed_version(tool)}")
    for folder in (package, templates):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".json", ".yaml", ".jinja", ".jinja2"):
                parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return digest(*parts)


def folder_fingerprint(folder: Path) -> str:
    """A digest of every file a template run can read below ``folder`` (names and
    bytes): the user's template overrides, which shape the output as much as the
    built-in ones. Symlinks are followed as Jinja follows them, so a changed file
    in a linked folder changes the key (``package_files.template_files``)."""
    parts: list[bytes | str] = []
    for name, path in template_files(folder):
        parts += [name, read_bounded(path)]
    return digest(*parts)


def untrusted(root: Path) -> str | None:
    """Why the entries of the cache folder ``root`` could be someone else's code, or None.

    Another user owning the folder, or anyone but its owner allowed to
    write in it, could put an entry there that the next run writes into the
    package. A folder that is not there yet is made by the run, for its user.
    """
    try:
        status = root.stat()
    except OSError:
        return None  # missing (made later, ours) or unreadable (every entry a miss)
    if hasattr(os, "getuid") and status.st_uid != os.getuid():
        return "owned by another user"
    if status.st_mode & 0o022:
        return f"writable by other users (chmod go-w {root.as_posix()} makes it usable)"
    return None


class Cache:
    """Entries in ``root``; a cache made with ``root=None`` stores nothing."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def _path(self, kind: str, key: str) -> Path:
        assert self.root is not None
        return self.root / kind / key[:2] / key

    def get(self, kind: str, key: str) -> Any | None:
        """The value stored under ``key``, or None when absent or not trustworthy."""
        if self.root is None:
            return None
        try:
            # Never through a symlink, never a device or a FIFO, never unbounded.
            raw = read_bounded(self._path(kind, key), MAX_ENTRY_BYTES, follow_symlinks=False)
        except OSError:
            return None
        head, _, rest = raw.partition(b"\n")
        stored_key, _, rest = rest.partition(b"\n")
        body_digest, _, body = rest.partition(b"\n")
        if (
            head + b"\n" != MAGIC
            or stored_key != key.encode()
            or body_digest != hashlib.sha256(body).hexdigest().encode()
        ):
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store ``value`` (JSON data); a cache that cannot be written is skipped, never an error."""
        if self.root is None:
            return
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        data = MAGIC + key.encode() + b"\n" + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        path = self._path(kind, key)
        try:
            for folder in (self.root, path.parent.parent, path.parent):
                folder.mkdir(mode=_FOLDER_MODE, parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return
