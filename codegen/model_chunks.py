"""The formatted models file in chunks, one per class, reused by content.

Black lays out each top-level class on its own, so the formatted models file
is its header and its classes formatted one by one, joined by two blank
lines (``layout.class_pieces`` rests on the same rule). A service entry
records, for its models file, where each class's formatted text sits in it,
under a digest of the class's text before formatting (:func:`record`). The
next run on the same service version (at any path), if anything changed, finds that entry
through a "latest" pointer, and formats only the chunks whose unformatted
text it has not seen (:func:`assemble`); an edited docstring then costs
black on one class, not on the whole file.

Nothing here trusts the pointer: it only says where to look. A chunk is
reused when its unformatted text has the digest a past run formatted, and
that run was made by the same generator, tools and options (the pointer's
key holds them), so black would give the same bytes again. The pointed-to
entry is read through :class:`cache.Cache`, with its own key and digest checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .cache import Cache, digest
from .model_classes import ClassOrder

# What precedes every class statement of a formatted models file but the
# first: the end of the line before it and two blank lines.
_BEFORE_CLASS = "\n\n\nclass "


@dataclass(frozen=True)
class Previous:
    """What the last run on a folder left for this one to reuse."""

    order: ClassOrder
    formatted: dict[str, str]  # digest of a chunk's unformatted text -> its formatted text


def chunks(rendered: str, classes: list[str]) -> list[str] | None:
    """The models file as rendered cut into its header and its classes (the
    texts ``render_models`` made), or None when the file is not laid out as
    the header followed by the classes (a user's ``models.py.jinja``)."""
    joined = "\n\n\n".join(classes)
    at = rendered.rfind(joined) if classes else -1
    header, tail = rendered[: max(at, 0)], rendered[at + len(joined) :]
    # A cut only after a blank line, so no comment is parted from its class.
    if at < 0 or tail.strip("\n") or not header.endswith("\n\n"):
        return None
    return [header, *classes[:-1], classes[-1] + tail]


def record(path: str, parts: list[str], text: str, order: ClassOrder) -> dict[str, Any] | None:
    """The entry's record of the formatted models file ``path``, ``text``, made of ``parts``
    (from :func:`chunks`): each part's digest and the span of its formatted
    text; None when the classes are not where black puts them."""
    starts, position = [], text.find(_BEFORE_CLASS)
    while position >= 0:
        starts.append(position)
        position = text.find(_BEFORE_CLASS, position + 1)
    # A class docstring's lines are indented, so each match is a class
    # statement; the module docstring (in the header) could hold one, which
    # the count and the names would show.
    if len(starts) != len(order.names) or len(parts) != len(starts) + 1:
        return None
    if any(not text.startswith(f"class {name}(", start + 3) for start, name in zip(starts, order.names, strict=True)):
        return None
    ends = [start + 1 for start in starts] + [len(text)]
    begins = [0] + [start + 3 for start in starts]
    spans = [[digest(part), begin, end] for part, begin, end in zip(parts, begins, ends, strict=True)]
    return {
        "path": path,
        "key": order.key,
        "names": list(order.names),
        "direct": order.direct,
        "foreseen": order.foreseen,
        "spans": spans,
    }


def assemble(parts: list[str], known: dict[str, str], format_python: Callable[[str], str]) -> str:
    """The formatted models file: each part's known formatted text, else ``format_python`` of it."""
    return "\n\n".join(known.get(digest(part)) or format_python(part) for part in parts)


def pointer_key(base: str, name: str) -> str:
    """The key of the "latest" entry of a service version (``Unit.name``, its
    folder below the root) under the run's ``base`` key."""
    return digest(base, "latest", name)


def previous(cache: Cache, pointer: str | None) -> Previous | None:
    """The reusable chunks of the entry the "latest" ``pointer`` names, or None."""
    if pointer is None:
        return None
    entry = cache.get("latest", pointer)
    key = entry.get("service") if isinstance(entry, dict) else None
    stored = cache.get("service", key) if isinstance(key, str) else None
    models = stored.get("models") if isinstance(stored, dict) else None
    files = stored.get("files") if isinstance(stored, dict) else None
    if not isinstance(models, dict) or not isinstance(files, dict):
        return None
    return _read(models, files)


def _read(models: dict[str, Any], files: dict[str, Any]) -> Previous | None:
    """The record of :func:`record` with the texts it points at, or None when it is not of that shape."""
    text, key, names, direct, foreseen, spans = (
        models.get(k) for k in ("path", "key", "names", "direct", "foreseen", "spans")
    )
    text = files.get(text) if isinstance(text, str) else None
    if not (isinstance(text, str) and isinstance(key, str) and isinstance(direct, bool) and isinstance(foreseen, bool)):
        return None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names) or not isinstance(spans, list):
        return None
    formatted: dict[str, str] = {}
    for span in spans:
        if not (isinstance(span, list) and len(span) == 3 and isinstance(span[0], str)):
            return None
        part, begin, end = span
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= len(text)):
            return None
        formatted[part] = text[begin:end]
    return Previous(ClassOrder(key, tuple(names), direct, foreseen), formatted)
