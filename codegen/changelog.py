"""``codegen generate --changelog FILE``: a dated entry whenever the output changes.

The generated package records the surface it was made from
(``SURFACE_FILE``); the next run compares that record with the new surface,
so the entry says what changed for user code even though the old specs are
gone. The date comes from ``SOURCE_DATE_EPOCH`` when set (reproducible
builds), else today's date in UTC.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from .diff import diff_surfaces
from .diff_report import as_markdown
from .package_files import SURFACE_FILE
from .reading import read_text_bounded
from .surface import Surface, SurfaceFormatError, from_json
from .writer import replace_file

HEADING = "# Changelog"


def previous_surface(package_dir: Path) -> Surface | None:
    """The surface the current output was generated from; None if absent or unreadable."""
    try:
        return from_json(read_text_bounded(package_dir / SURFACE_FILE))
    except (OSError, UnicodeDecodeError, SurfaceFormatError):
        return None


def today() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        if epoch.isdigit()
        else datetime.datetime.now(datetime.UTC)
    )
    return moment.date().isoformat()


def entry(old: Surface | None, new: Surface, package: str, files_changed: int) -> str:
    """The Markdown entry for one regeneration that changed ``files_changed`` files."""
    title = f"{today()}: {package} regenerated"
    if old is None:
        services = len(new.services)
        actions = sum(len(s.actions) for s in new.services.values())
        return f"## {title}\n\nFirst recorded generation: {services} service versions, {actions} actions.\n"
    changes = diff_surfaces(old, new)
    if not changes:
        return f"## {title}\n\nNo API changes; {files_changed} generated files changed (generator or templates).\n"
    return as_markdown(changes, package, title)


def prepend(path: Path, text: str) -> None:
    """Put ``text`` first under the file's top heading, replacing the file atomically."""
    try:
        current = read_text_bounded(path)
    except FileNotFoundError:
        current = f"{HEADING}\n"
    head, rest = "", current
    if current.startswith("# "):
        head, _, rest = current.partition("\n")
        head += "\n\n"
    body = f"{head}{text}\n{rest.lstrip(chr(10))}".rstrip("\n") + "\n"
    replace_file(path, body)
