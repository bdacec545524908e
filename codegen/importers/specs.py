"""Our own format: folders of YAML spec files (docs/spec-format.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..inputs import COMMON_ERRORS, Unit, read_units
from ..writer import folder_lock

if TYPE_CHECKING:
    from ..cache import Cache
    from ..diagnostics import Diagnostic
    from ..loader import SpecDocument


class SpecsImporter:
    name = "specs"
    description = "spec folders: <service>/<version>/*.yaml and an optional common/errors.yaml"

    def read_units(self, root: Path, folders: Sequence[str] | None = None) -> tuple[Unit, list[Unit]]:
        # Under a shared lock, so a `codegen import` never changes the files mid-read.
        with folder_lock(root, shared=True):
            return read_units(root, None if folders is None else list(folders))

    def load_unit(
        self, unit: Unit, actions: Sequence[str] | None = None, cache: Cache | None = None
    ) -> tuple[list[SpecDocument], list[Diagnostic]]:
        from ..loader import load_unit

        # Spec folders hold what is wanted; there is no selecting of actions.
        return load_unit(unit, cache)

    def unit_of(self, relative: str) -> str | None:
        if relative == COMMON_ERRORS.as_posix():
            return ""
        parts = PurePosixPath(relative).parts
        return "/".join(parts[:2]) if len(parts) == 3 and parts[-1].endswith(".yaml") else None
