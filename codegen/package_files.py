"""Where the generator's own files are, installed or in a source checkout,
and how a user's folder of templates is layered over them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .diagnostics import Diagnostic

# datamodel-code-generator's name for the class template of its msgspec output.
MODEL_TEMPLATE = "models/msgspec.jinja2"
# Copied into every package as they are, not rendered: see docs/templates.md.
RUNTIME_FOLDER = "runtime"


def template_dir() -> Path:
    """The built-in templates: ``codegen.templates`` when installed, else the
    checkout's top-level ``templates/`` (``python -m codegen`` from the source)."""
    try:
        return Path(str(resources.files("codegen.templates")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "templates"


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
