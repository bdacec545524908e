"""The generator's stages wired together: load, build, render, format, write."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .build import build_project
from .formatting import format_python
from .ir import Project
from .loader import load_specs
from .render import render_project
from .writer import Changes, compare, write_tree


@dataclass(frozen=True)
class Options:
    specs: Path
    out: Path
    package: str
    check: bool = False
    quiet: bool = False


def load_project(specs: Path) -> Project:
    """Stages 1 and 2: spec files to IR (raises SpecError on bad input)."""
    return build_project(load_specs(specs))


def generate_files(project: Project, package: str, progress: Callable[[str], None] | None = None) -> dict[str, str]:
    """Stages 3 and 4: the formatted package as ``{relative path: text}``."""
    rendered = render_project(project, package)
    files = {}
    for name, text in sorted(rendered.items()):
        if progress is not None and name.endswith("/models.py"):
            progress(f"formatting {name}")
        files[name] = format_python(text) if name.endswith(".py") else text
    return files


def run(options: Options) -> tuple[Changes, str]:
    """Run the whole pipeline; return the changes and a one-line summary."""
    started = time.perf_counter()

    def progress(message: str) -> None:
        if not options.quiet:
            print(f"codegen: {message}", file=sys.stderr)

    progress(f"loading specs from {options.specs.as_posix()}")
    project = load_project(options.specs)
    files = generate_files(project, options.package, progress)
    if options.check:
        changes = compare(files, options.out, options.package)
    else:
        changes = write_tree(files, options.out, options.package)
    elapsed = time.perf_counter() - started
    actions = sum(len(s.actions) for s in project.services)
    verb = "would change" if options.check else "written"
    summary = (
        f"codegen: {len(project.services)} service versions, {actions} actions: "
        f"{len(changes.written)} files {verb}, {len(changes.unchanged)} unchanged, "
        f"{len(changes.removed)} {'would be ' if options.check else ''}removed in {elapsed:.2f}s"
    )
    return changes, summary
