"""Problems found in the input, as data: where they are and what is wrong."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one input file.

    The place is ``line`` and ``column`` (from 1) in a text file, ``line``
    alone where no column is known (a template), or ``pointer``, a JSON
    pointer (``/actions/DismissRoom``) into a JSON file that was read as
    data, without positions.
    """

    path: str
    line: int = 0
    column: int = 0
    message: str = ""
    pointer: str = ""

    def __str__(self) -> str:
        place = self.path
        if self.pointer:
            place += f"#{self.pointer}"
        elif self.line:
            place += f":{self.line}:{self.column}" if self.column else f":{self.line}"
        # One line per problem, whatever the spec text carried (or a hostile name
        # in a path or a pointer: a newline, a NUL, a lone surrogate is shown escaped).
        message = " ".join(self.message.split())
        return _printable(f"{place}: {message}")


def _printable(text: str) -> str:
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def json_pointer(*steps: object) -> str:
    """The JSON pointer (RFC 6901) of a place given as keys and list indices."""
    text = "/".join(map(str, steps))
    # Escaping is needed only where a step holds "~" or "/" (rare; a loader
    # makes thousands of pointers per service version).
    if "~" in text or text.count("/") >= len(steps):
        return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in steps)
    return "/" + text if steps else ""


def closest(word: str, candidates: Iterable[str], limit: int | None = 3) -> list[str]:
    """The ``candidates`` most like ``word``, most alike first (case is ignored in the
    comparison, as difflib measures it); with a ``limit``, only likely misspellings:
    alike enough, and about as alike as the best of them."""
    folded = word.casefold()
    scored = sorted((-difflib.SequenceMatcher(None, folded, c.casefold()).ratio(), c) for c in set(candidates))
    if limit is None:
        return [candidate for _, candidate in scored]
    best = -scored[0][0] if scored else 0.0
    return [candidate for score, candidate in scored if -score >= max(0.6, best - 0.1)][:limit]


def quoted(names: Iterable[str]) -> str:
    """``'A', 'B' or 'C'``: names in a message."""
    items = [repr(name) for name in names]
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)


def suggest(name: str, known: Iterable[str]) -> str:
    """What to do about an action ``name`` that is not among the ``known`` ones."""
    names = set(known)
    near = closest(name, names)
    if near:
        return f"did you mean {quoted(near)}?"
    return f"none of its {len(names)} actions is close; check the name"


def unknown_actions(
    actions: Sequence[str], known: Collection[str], path: str, *, where: str = "here", pointer: str = ""
) -> list[Diagnostic]:
    """For ``--actions``: one problem per name not among the ``known`` ones
    (at ``path``, held ``where``), each naming the closest; one when no name is given."""
    if not actions:
        return [Diagnostic("--actions", message="no action names given; give them comma-separated")]
    return [
        Diagnostic(path, message=f"--actions: no action {name!r} {where}; {suggest(name, known)}", pointer=pointer)
        for name in sorted(set(actions) - set(known))
    ]


class SpecError(Exception):
    """Raised with every problem of a run, so all of them are reported at once."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in worker processes too: pickled with its diagnostics, not its text.
        return type(self), (self.diagnostics,)
