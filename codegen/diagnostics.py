"""Problems found in the input, as data: where they are and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one input file.

    The place is ``line`` and ``column`` (from 1) in a text file, or
    ``pointer``, a JSON pointer (``/actions/DismissRoom``) into a JSON file
    that was read as data, without positions.
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
            place += f":{self.line}:{self.column}"
        # One line per problem, whatever the spec text carried.
        message = " ".join(self.message.split())
        return f"{place}: {message}"


def json_pointer(*steps: object) -> str:
    """The JSON pointer (RFC 6901) of a place given as keys and list indices."""
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in steps)


class SpecError(Exception):
    """Raised with every problem of a run, so all of them are reported at once."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))
