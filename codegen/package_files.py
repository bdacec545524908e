"""Where the generator's own files are, installed or in a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def template_dir() -> Path:
    """The built-in templates: ``codegen.templates`` when installed, else the
    checkout's top-level ``templates/`` (``python -m codegen`` from the source)."""
    try:
        return Path(str(resources.files("codegen.templates")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "templates"
