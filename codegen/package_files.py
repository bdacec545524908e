"""Where the generator's own files are, installed or in a source checkout,
how a user's folder of templates is layered over them, and the name of the
one file the generator adds to a package beside what it renders."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .diagnostics import Diagnostic

# datamodel-code-generator's name for the class template of its msgspec output.
MODEL_TEMPLATE = "models/msgspec.jinja2"
# Copied into every package as they are, not rendered: see docs/templates.md.
RUNTIME_FOLDER = "runtime"
# Where a package made with a changelog records its API surface (see ``surface``).
SURFACE_FILE = "codegen-surface.json"


def template_dir() -> Path:
    """The built-in templates: ``codegen.templates`` when installed, else the
    checkout's top-level ``templates/`` (``python -m codegen`` from the source)."""
    # find_spec, not importlib.resources: that imports zipfile, a good part of
    # a run served by the cache, for a package that is always a folder.
    spec = importlib.util.find_spec("codegen.templates")
    if spec is None or not spec.submodule_search_locations:
        return Path(__file__).resolve().parent.parent / "templates"
    return Path(spec.submodule_search_locations[0])


def template_folders(override: Path | None) -> tuple[Path, ...]:
    """Where templates are looked up, the first folder holding a name winning:
    the user's folder (``--templates``), then the built-in templates."""
    builtin = template_dir()
    return (override, builtin) if override is not None else (builtin,)


def model_template_dir(folders: tuple[Path, ...]) -> Path:
    """The folder datamodel-code-generator takes its class template from.

    It looks up only its own template names there and falls back to its own
    templates, not ours, so it is given the one folder that holds ours.
    """
    for folder in folders:
        if (folder / MODEL_TEMPLATE).is_file():
            return (folder / MODEL_TEMPLATE).parent
    raise FileNotFoundError(MODEL_TEMPLATE)


def override_problems(folder: Path) -> list[Diagnostic]:
    """What makes ``folder`` unusable as a template override folder."""
    if not folder.is_dir():
        return [Diagnostic(str(folder), message="templates: not a folder")]
    runtime = folder / RUNTIME_FOLDER
    if runtime.exists():
        return [
            Diagnostic(
                str(runtime),
                message="templates: the runtime modules are copied as they are and cannot be overridden; "
                "remove this folder",
            )
        ]
    return []
