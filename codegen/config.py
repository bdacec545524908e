"""Defaults for the command line, from ``[tool.codegen]`` in pyproject.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, SpecError
from .reading import read_text_bounded

# distribution and distribution_version: empty means no pyproject.toml is written.
KEYS = {
    "specs": "specs",
    "out": "generated",
    "package": "tcsdk",
    "distribution": "",
    "distribution_version": "",
    "changelog": "",  # a path; empty means no changelog
    "cache_dir": "",  # a path; empty means the default (see cache.default_dir)
    "templates": "",  # a folder of template overrides; empty means the built-in templates only
}
# Keys whose value is a list of paths.
LIST_KEYS = {
    "overlays": (),  # overlay files applied to imported descriptions, in order (docs/overlays.md)
}


@dataclass(frozen=True)
class Defaults:
    specs: Path
    out: Path
    package: str
    distribution: str = ""
    distribution_version: str = ""
    changelog: Path | None = None
    cache_dir: Path | None = None
    templates: Path | None = None
    overlays: tuple[Path, ...] = ()


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        # exists, not is_file: a FIFO or a device here is refused when read, not passed over.
        if candidate.exists():
            return candidate
    return None


def load_defaults(start: Path) -> Defaults:
    """Built-in defaults overridden by ``[tool.codegen]``; paths relative to its file."""
    pyproject = find_pyproject(start)
    table: dict[str, Any] = {}
    base = start
    if pyproject is not None:
        try:
            data = tomllib.loads(read_text_bounded(pyproject))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SpecError([Diagnostic(str(pyproject), message=f"invalid TOML: {exc}")]) from None
        table = data.get("tool", {}).get("codegen", {})
        if table:
            base = pyproject.parent
    unknown = sorted(set(table) - set(KEYS) - set(LIST_KEYS))
    if unknown:
        raise SpecError([Diagnostic(str(pyproject), message=f"[tool.codegen]: unknown keys {', '.join(unknown)}")])
    values = {key: table.get(key, default) for key, default in KEYS.items()}
    for key, value in values.items():
        if not isinstance(value, str):
            raise SpecError([Diagnostic(str(pyproject), message=f"[tool.codegen] {key} must be a string")])
    lists = {key: table.get(key, default) for key, default in LIST_KEYS.items()}
    for key, value in lists.items():
        if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) and item for item in value):
            message = f"[tool.codegen] {key} must be a list of paths (strings)"
            raise SpecError([Diagnostic(str(pyproject), message=message)])
    return Defaults(
        specs=_relative(base, values["specs"]),
        out=_relative(base, values["out"]),
        package=values["package"],
        distribution=values["distribution"],
        distribution_version=values["distribution_version"],
        changelog=_relative(base, values["changelog"]) if values["changelog"] else None,
        cache_dir=_relative(base, values["cache_dir"]) if values["cache_dir"] else None,
        templates=_relative(base, values["templates"]) if values["templates"] else None,
        overlays=tuple(_relative(base, item) for item in lists["overlays"]),
    )


def _relative(base: Path, value: str) -> Path:
    path = Path(value)
    if path.is_absolute():
        return path
    try:
        return (base / path).relative_to(Path.cwd())
    except ValueError:
        return base / path
