"""The generator's stages wired together: load, build, render, format, write."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .build import build_project
from .changelog import SURFACE_FILE, entry, prepend, previous_surface
from .distribution import PYPROJECT, pyproject_text, update_pyproject
from .formatting import format_python
from .ir import Project, ServiceVersion
from .loader import load_specs
from .render import render_common, render_service
from .surface import Surface, from_project, to_json
from .tencentcloud import load_tencentcloud
from .writer import Changes, compare, folder_lock, locked, write_tree


@dataclass(frozen=True)
class Options:
    specs: Path
    out: Path
    package: str
    check: bool = False
    quiet: bool = False
    source_format: str = "specs"  # or "tencentcloud": Tencent's api.json folders
    actions: tuple[str, ...] | None = None
    jobs: int | None = None
    # With a changelog, the package records its API surface and each run that
    # changes the output adds a dated entry saying what changed for user code.
    changelog: Path | None = None
    # A distribution name writes out/pyproject.toml so the package builds as a
    # wheel; the version defaults to one derived from the generated files.
    distribution: str = ""
    distribution_version: str = ""


def load_project(specs: Path, source_format: str = "specs", actions: tuple[str, ...] | None = None) -> Project:
    """Stages 1 and 2: spec files (or Tencent descriptions) to IR; SpecError on bad input.

    Spec files are read under a shared lock, so an import never changes them mid-read.
    """
    if source_format == "tencentcloud":
        return build_project(load_tencentcloud(specs, actions))
    with folder_lock(specs, shared=True):
        documents = load_specs(specs)
    return build_project(documents)


def _formatted(files: dict[str, str]) -> dict[str, str]:
    return {name: format_python(text) if name.endswith(".py") else text for name, text in files.items()}


def _watch_parent(parent: int) -> None:
    """Worker initializer: exit when the generator process is gone.

    A killed run cannot shut its pool down, and a worker blocked on the task
    queue would otherwise live on forever.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _service_files(job: tuple[ServiceVersion, str]) -> dict[str, str]:
    """Render and format one service version (runs in a worker process)."""
    service, package = job
    return _formatted(render_service(service, package))


def generate_files(
    project: Project, package: str, progress: Callable[[str], None] | None = None, jobs: int | None = None
) -> dict[str, str]:
    """Stages 3 and 4: the formatted package as ``{relative path: text}``.

    Service versions are independent, so they are rendered and formatted in
    parallel (black dominates the time); results are merged in a fixed order.
    """
    files = _formatted(render_common(project, package))
    jobs = min(jobs or os.cpu_count() or 1, len(project.services))
    work = [(service, package) for service in project.services]
    if jobs > 1 and len(work) > 2:
        # Spawned, not forked: a forked worker would inherit the output lock
        # and keep it after a killed run, blocking the next one.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(jobs, context, initializer=_watch_parent, initargs=(os.getpid(),)) as pool:
            results = pool.map(_service_files, work, chunksize=1)
            for (service, _), result in zip(work, results):
                if progress is not None:
                    progress(f"generated {service.service} {service.version}")
                files.update(result)
    else:
        for job in work:
            if progress is not None:
                progress(f"generating {job[0].service} {job[0].version}")
            files.update(_service_files(job))
    return dict(sorted(files.items()))


def _with_surface(files: dict[str, str], surface: Surface | None, options: Options) -> dict[str, str]:
    if surface is None:
        return files
    return {**files, f"{options.package}/{SURFACE_FILE}": to_json(surface)}


def _distribution(files: dict[str, str], options: Options, changes: Changes) -> None:
    """Check or write out/pyproject.toml (after the package tree) and record it in ``changes``."""
    if not options.distribution:
        return
    text = pyproject_text(options.distribution, options.package, files, options.distribution_version)
    changed = update_pyproject(options.out, text, check=options.check)
    (changes.written if changed else changes.unchanged).append(PYPROJECT)


def run(options: Options) -> tuple[Changes, str]:
    """Run the whole pipeline; return the changes and a one-line summary."""
    started = time.perf_counter()

    def progress(message: str) -> None:
        if not options.quiet:
            print(f"codegen: {message}", file=sys.stderr)

    progress(f"loading {options.source_format} from {options.specs.as_posix()}")
    if options.check:
        project = load_project(options.specs, options.source_format, options.actions)
        surface = from_project(project) if options.changelog is not None else None
        files = _with_surface(generate_files(project, options.package, progress, options.jobs), surface, options)
        changes = compare(files, options.out, options.package)
        _distribution(files, options, changes)
    else:
        # Held from the start: a second run on the same folder stops at once
        # with a clear message instead of racing this one.
        with locked(options.out, options.package):
            project = load_project(options.specs, options.source_format, options.actions)
            surface = from_project(project) if options.changelog is not None else None
            files = _with_surface(generate_files(project, options.package, progress, options.jobs), surface, options)
            previous = previous_surface(options.out / options.package)
            changes = write_tree(files, options.out, options.package)
            if options.changelog is not None and surface is not None and (changes.written or changes.removed):
                count = len(changes.written) + len(changes.removed)
                prepend(options.changelog, entry(previous, surface, options.package, count))
            _distribution(files, options, changes)
    elapsed = time.perf_counter() - started
    actions = sum(len(s.actions) for s in project.services)
    verb = "would change" if options.check else "written"
    summary = (
        f"codegen: {len(project.services)} service versions, {actions} actions: "
        f"{len(changes.written)} files {verb}, {len(changes.unchanged)} unchanged, "
        f"{len(changes.removed)} {'would be ' if options.check else ''}removed in {elapsed:.2f}s"
    )
    return changes, summary
