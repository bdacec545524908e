"""Reading a file the generator does not control: regular files only, and
never more bytes than a limit.

``Path.read_bytes`` trusts the file: a spec that is a symlink to
``/dev/zero`` reads until memory runs out (its ``st_size`` is 0, so a size
check before reading does not stop it), and a FIFO blocks the open for
ever. Here the file is opened without blocking, checked to be a regular file
on the descriptor that is then read (so it cannot be swapped in between),
and read to at most ``limit + 1`` bytes, which tells a file at the limit
from one beyond it whatever its reported size.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MIB = 1024 * 1024
# Far beyond any real spec, template or configuration file.
MAX_FILE_BYTES = 16 * MIB

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
# Not on every platform; where missing, symlinks are refused after the open (see read_bounded).
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class RefusedFile(OSError):
    """A file that is not read: not a regular file, or larger than the limit.

    An ``OSError``, so that code reporting "cannot read file: <reason>" reports
    these too, with the reason as ``strerror``.
    """

    def __init__(self, path: str | Path, reason: str, code: int = errno.EINVAL) -> None:
        super().__init__(code, reason, os.fspath(path))


def too_large(limit: int) -> str:
    """The reason given for a file beyond ``limit`` bytes."""
    return f"file is larger than {limit // MIB} MiB" if limit >= MIB else f"file is larger than {limit} bytes"


def read_bounded(path: str | Path, limit: int = MAX_FILE_BYTES, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file ``path``; :class:`RefusedFile` (an ``OSError``) when it is
    something else (a device, a FIFO, a socket, a folder) or holds more than ``limit`` bytes.

    A symlink is followed to the file it names unless ``follow_symlinks`` is
    false; then a symlink is refused (cache entries, which nobody links on purpose).
    """
    flags = _FLAGS | (0 if follow_symlinks else _NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_symlinks and exc.errno == errno.ELOOP:
            raise RefusedFile(path, "a symlink, not a regular file") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode) or (not follow_symlinks and not _NOFOLLOW and os.path.islink(path)):
            raise RefusedFile(path, "not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, MIB))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise RefusedFile(path, too_large(limit), errno.EFBIG)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_bounded(path: str | Path, limit: int = MAX_FILE_BYTES) -> str:
    """:func:`read_bounded` decoded as UTF-8 (``UnicodeDecodeError`` when it is not)."""
    return read_bounded(path, limit).decode("utf-8")
