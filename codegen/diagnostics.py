"""Problems found in the input, as data: where they are and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one spec file; ``line`` and ``column`` count from 1."""

    path: str
    line: int = 0
    column: int = 0
    message: str = ""

    def __str__(self) -> str:
        place = self.path
        if self.line:
            place += f":{self.line}:{self.column}"
        # One line per problem, whatever the spec text carried.
        message = " ".join(self.message.split())
        return f"{place}: {message}"


class SpecError(Exception):
    """Raised with every problem of a run, so all of them are reported at once."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))
