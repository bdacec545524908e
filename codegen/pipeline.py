"""The generator's stages wired together: load, build, render, format, write.

The unit of work is a service version. Its input files are read once and
hashed; with a cache (the default) a unit whose key was seen before takes its
files from the cache and is neither loaded, built, rendered nor formatted.
The package-level files are a unit of their own, keyed by the common error
table and the list of service versions. Units that miss run in worker
processes; results are merged in a fixed order, so the output is the same
bytes whatever came from the cache. A "run" entry, keyed by every unit's
key, names the entries a whole run is made of, so a run with nothing changed
reads its input, hashes it and copies its output from the cache, without
importing the stages that load, build or render.

Black, datamodel-code-generator and Jinja2 are imported only by code that
renders, so a run that finds everything in the cache never loads them.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import importers
from .cache import Cache, digest, folder_fingerprint, generator_fingerprint, untrusted
from .diagnostics import Diagnostic, SpecError
from .inputs import OverlayInput, Unit, read_overlays
from .package_files import override_problems
from .writer import Changes, compare, locked, write_tree

if TYPE_CHECKING:
    from .ir import Project, ServiceIndex
    from .units import UnitResult


@dataclass(frozen=True)
class Options:
    specs: Path
    out: Path
    package: str
    check: bool = False
    quiet: bool = False
    source_format: str = "specs"  # the name of an importer in codegen.importers
    actions: tuple[str, ...] | None = None
    jobs: int | None = None
    # With a changelog, the package records its API surface and each run that
    # changes the output adds a dated entry saying what changed for user code.
    changelog: Path | None = None
    # A distribution name writes out/pyproject.toml so the package builds as a
    # wheel; the version defaults to one derived from the generated files.
    distribution: str = ""
    distribution_version: str = ""
    # None: no cache (every unit is generated).
    cache_dir: Path | None = None
    # A folder of templates replacing the built-in ones of the same name
    # (docs/templates.md); its contents are part of every cache key.
    templates: Path | None = None
    # Overlay files (docs/overlays.md) applied in order to what the importer of
    # source_format gives, after the ones shipped for it unless builtin_overlays
    # is false; their contents are part of every cache key.
    overlays: tuple[Path, ...] = ()
    builtin_overlays: bool = True

    def __post_init__(self) -> None:
        # The package name is a folder below ``out``: one plain Python name, never a path.
        if not self.package.isidentifier():
            raise ValueError(f"package {self.package!r} is not a Python name")


def load_project(
    specs: Path,
    source_format: str = "specs",
    actions: tuple[str, ...] | None = None,
    overlays: tuple[Path, ...] = (),
    builtin_overlays: bool = True,
) -> Project:
    """Stages 1 and 2: the input in ``source_format`` (an importer's name) to IR, patched by the
    overlays shipped for that format (unless ``builtin_overlays`` is false) and ``overlays``;
    SpecError on bad input."""
    from .build import build_project
    from .overlay import parse

    patches = parse(read_overlays(source_format, overlays, builtin_overlays))
    importer = importers.get(source_format)
    return build_project(importers.load_documents(importer, specs, actions=actions, overlays=patches))


def generate_files(project: Project, package: str, templates: Path | None = None) -> dict[str, str]:
    """Stages 3 and 4 for a whole project, in this process, without a cache."""
    from .units import service_files

    indexes = [s.index for s in project.services]
    files = _common_files(project, indexes, package, templates)
    for service in project.services:
        files.update(service_files(service, package, templates=templates))
    return dict(sorted(files.items()))


@dataclass(frozen=True)
class Generation:
    files: dict[str, str]
    services: int  # service versions generated
    actions: int  # their actions
    common_errors: dict[str, str]  # code -> enum member, for the surface
    surfaces: dict[str, dict[str, Any]]  # "service/version" -> ServiceSurface data
    from_cache: int  # service versions taken from the cache


def generate(options: Options, progress: Callable[[str], None]) -> Generation:
    """Stages 1 to 4 with the cache: ``{relative path: text}`` of the whole package."""
    if options.templates is not None and (unusable := override_problems(options.templates)):
        raise SpecError(unusable)
    cache = Cache(_trusted_cache_dir(options.cache_dir))
    importer = importers.get(options.source_format)
    overlays = read_overlays(options.source_format, options.overlays, options.builtin_overlays)
    common, units = importer.read_units(options.specs)
    with_surface = options.changelog is not None
    base = digest(
        generator_fingerprint(),
        folder_fingerprint(options.templates) if options.templates is not None else "",
        options.package,
        importers.fingerprint(importer),
        json.dumps(options.actions),
        str(with_surface),
        *common.key_parts(),
        # The overlays' contents and order: each one changes what is generated.
        *(part for overlay in overlays for part in ("shipped" if overlay.builtin else "given", overlay.raw)),
    )
    keys = {unit.folder: digest(base, *unit.key_parts()) for unit in units}
    # The units' keys, not their folders: the same input at another path is the same run.
    run_key = digest(base, *sorted(keys.values()))
    whole = _cached_run(cache, run_key, [keys[folder] for folder in sorted(keys)], with_surface)
    if whole is not None:
        progress(f"{len(units)} of {len(units)} service versions from the cache")
        return whole
    # Checked only when something is generated: a run served by the cache had them right.
    if options.actions is not None and (
        wrong := importers.action_problems(importer, options.specs, units, options.actions)
    ):
        raise SpecError(wrong)
    if options.templates is not None and (wrong := _template_problems(options.templates)):
        raise SpecError(wrong)
    generation, entry = _generate_units(options, progress, cache, importer, common, units, keys, base, overlays)
    cache.put("run", run_key, entry)
    return generation


def _trusted_cache_dir(folder: Path | None) -> Path | None:
    """``folder``, or None (no cache) with a warning when its entries could be another
    user's code; the run still does all it was asked, only without the cache."""
    if folder is not None and (problem := untrusted(folder)):
        print(f"codegen: warning: cache folder {folder.as_posix()} is {problem}; not used", file=sys.stderr)
        return None
    return folder


def _template_problems(folder: Path) -> list[Diagnostic]:
    from .render import template_problems

    return template_problems(folder)


def _cached_run(cache: Cache, key: str, unit_keys: list[str], with_surface: bool) -> Generation | None:
    """The whole output from the entries a past run with the same input made, or None.

    The "run" entry names the package-level entry and holds the counts; the
    files are in the service entries (so they are stored once). Any entry
    missing or not of the expected shape gives None: the units are then
    looked up one by one and whatever is missing is generated.
    """
    entry = cache.get("run", key)
    if not isinstance(entry, dict) or not isinstance(package_key := entry.get("package"), str):
        return None
    package = cache.get("package", package_key)
    if not isinstance(package, dict) or not _texts(package.get("files")) or not _texts(package.get("errors")):
        return None
    files: dict[str, str] = dict(package["files"])
    surfaces: dict[str, dict[str, Any]] = {}
    for unit_key in unit_keys:
        stored = cache.get("service", unit_key)
        if not isinstance(stored, dict) or not _texts(stored.get("files")):
            return None
        files.update(stored["files"])
        index, surface = stored.get("index"), stored.get("surface")
        if with_surface and isinstance(index, dict):
            if not isinstance(surface, dict):
                return None
            surfaces[f"{index.get('service')}/{index.get('version')}"] = surface
    services, actions = entry.get("services"), entry.get("actions")
    if not isinstance(services, int) or not isinstance(actions, int):
        return None
    return Generation(dict(sorted(files.items())), services, actions, dict(package["errors"]), surfaces, len(unit_keys))


def _texts(value: Any) -> bool:
    """Whether ``value`` is a ``{str: str}`` dict."""
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _generate_units(
    options: Options,
    progress: Callable[[str], None],
    cache: Cache,
    importer: importers.Importer,
    common: Unit,
    units: list[Unit],
    keys: dict[str, str],
    base: str,
    overlay_inputs: tuple[OverlayInput, ...] = (),
) -> tuple[Generation, dict[str, Any]]:
    """Each unit from its cache entry or generated; the generation and its "run" entry."""
    from .build import check_packages
    from .loader import load_unit
    from .model_chunks import pointer_key
    from .overlay import parse, unknown_service_versions
    from .units import Job, UnitResult, run_jobs

    overlays = parse(overlay_inputs)  # before anything is generated: a bad overlay stops the run

    with_surface = options.changelog is not None
    results: dict[str, UnitResult] = {}
    for unit in units:
        stored = UnitResult.from_json(cache.get("service", keys[unit.folder]))
        if stored is not None and (stored.surface is not None or not with_surface or stored.index is None):
            # Messages name the files where they are now, not where a past run read them.
            index = stored.index and replace(stored.index, source=unit.shown(Path(stored.index.source).name))
            results[unit.folder] = replace(stored, index=index)
    from_cache = len(results)
    if from_cache:
        progress(f"{from_cache} of {len(units)} service versions from the cache")
    # Biggest first, so that no worker is left with a large service at the end.
    missing = sorted((u for u in units if u.folder not in results), key=lambda u: -sum(len(raw) for _, raw in u.files))
    jobs = [
        Job(
            unit,
            common,
            importer,
            options.package,
            options.actions,
            with_surface,
            cache.root,
            options.templates,
            overlays,
            pointer_key(base, unit.name),
        )
        for unit in missing
    ]
    problems: list[Diagnostic] = []
    if jobs:
        # The common table first, so a problem in it is reported once, not per service.
        problems += load_unit(common, cache)[1]
        if problems:
            raise SpecError(problems)
    failed: dict[str, tuple[Diagnostic, ...]] = {}
    for job, result in zip(jobs, run_jobs(jobs, options.jobs or os.cpu_count() or 1), strict=True):
        progress(f"generated {job.unit.folder}")
        if result.problems:
            failed[job.unit.folder] = result.problems
            continue
        results[job.unit.folder] = result
        cache.put("service", keys[job.unit.folder], result.to_json())
        # The next run on this folder, if its input changed, reuses what it can of this one.
        cache.put("latest", pointer_key(base, job.unit.name), {"service": keys[job.unit.folder]})
    if failed:
        raise SpecError([problem for folder in sorted(failed) for problem in failed[folder]])
    chosen = [results[unit.folder] for unit in sorted(units, key=lambda u: u.folder)]
    services = [r.index for r in chosen if r.index is not None]
    problems = check_packages(services)
    if options.actions is None:
        # A patch for a service version the input does not hold is stale (with --actions,
        # a service version without any of them is not known here).
        present = {(s.service, s.version) for s in services}
        problems += unknown_service_versions(overlays, present, options.specs.as_posix())
    if problems:
        raise SpecError(problems)
    package_key = digest(base, json.dumps([[s.service, s.version, s.title, s.package, s.module] for s in services]))
    files, common_errors = _package_files(options.package, common, services, package_key, cache, options.templates)
    surfaces = {}
    for result in chosen:
        files.update(result.files)
        if result.index is not None and result.surface is not None:
            surfaces[f"{result.index.service}/{result.index.version}"] = result.surface
    actions = sum(s.actions for s in services)
    generation = Generation(dict(sorted(files.items())), len(services), actions, common_errors, surfaces, from_cache)
    return generation, {"package": package_key, "services": len(services), "actions": actions}


def _package_files(
    package: str, common: Unit, services: list[ServiceIndex], key: str, cache: Cache, templates: Path | None
) -> tuple[dict[str, str], dict[str, str]]:
    """The files outside the service versions, and the common codes' enum members (cached under ``key``)."""
    from .build import build_project
    from .loader import load_unit

    stored = cache.get("package", key)
    if isinstance(stored, dict) and isinstance(stored.get("files"), dict) and isinstance(stored.get("errors"), dict):
        return dict(stored["files"]), dict(stored["errors"])
    documents, problems = load_unit(common, cache)
    if problems:
        raise SpecError(problems)
    project = build_project(documents)
    files = _common_files(project, services, package, templates)
    errors = {e.code: e.member for e in project.common_errors}
    cache.put("package", key, {"files": files, "errors": errors})
    return files, errors


def _common_files(
    project: Project, services: list[ServiceIndex], package: str, templates: Path | None
) -> dict[str, str]:
    """The formatted package-level files: runtime, common errors and package inits."""
    from .render import black_clean_common_files, render_common, runtime_files
    from .units import formatted

    common = render_common(project.common_errors, project.categories, services, package, templates)
    laid_out = black_clean_common_files(services, package, templates)
    return formatted(common, ready=runtime_files(package), laid_out=laid_out)


def _surface_of(generation: Generation) -> Any:
    from .surface import Surface, service_from_data

    services = {key: service_from_data(data) for key, data in sorted(generation.surfaces.items())}
    return Surface(generation.common_errors, services)


def _with_surface(files: dict[str, str], surface: Any, options: Options) -> dict[str, str]:
    if surface is None:
        return files
    from .package_files import SURFACE_FILE
    from .surface import to_json

    return {**files, f"{options.package}/{SURFACE_FILE}": to_json(surface)}


def _distribution(files: dict[str, str], options: Options, changes: Changes) -> None:
    """Check or write out/pyproject.toml (after the package tree) and record it in ``changes``."""
    if not options.distribution:
        return
    from .distribution import PYPROJECT, pyproject_text, update_pyproject

    text = pyproject_text(options.distribution, options.package, files, options.distribution_version)
    changed = update_pyproject(options.out, text, check=options.check)
    (changes.written if changed else changes.unchanged).append(PYPROJECT)


@contextmanager
def _output_lock(options: Options) -> Iterator[None]:
    # Held from the start: a second run on the same folder stops at once with
    # a clear message instead of racing this one. --check writes nothing.
    with nullcontext() if options.check else locked(options.out, options.package):
        yield


def run(options: Options) -> tuple[Changes, str]:
    """Run the whole pipeline; return the changes and a one-line summary."""
    started = time.perf_counter()

    def progress(message: str) -> None:
        if not options.quiet:
            print(f"codegen: {message}", file=sys.stderr)

    progress(f"loading {options.source_format} from {options.specs.as_posix()}")
    with _output_lock(options):
        generation = generate(options, progress)
        surface = _surface_of(generation) if options.changelog is not None else None
        files = _with_surface(generation.files, surface, options)
        if options.check:
            changes = compare(files, options.out, options.package)
        else:
            changes = _write(files, surface, options)
        _distribution(files, options, changes)
    elapsed = time.perf_counter() - started
    verb = "would change" if options.check else "written"
    cached = f" ({generation.from_cache} from the cache)" if generation.from_cache else ""
    summary = (
        f"codegen: {generation.services} service versions{cached}, {generation.actions} actions: "
        f"{len(changes.written)} files {verb}, {len(changes.unchanged)} unchanged, "
        f"{len(changes.removed)} {'would be ' if options.check else ''}removed in {elapsed:.2f}s"
    )
    return changes, summary


def _write(files: dict[str, str], surface: Any, options: Options) -> Changes:
    if options.changelog is None:
        return write_tree(files, options.out, options.package)
    from .changelog import entry, prepend, previous_surface

    previous = previous_surface(options.out / options.package)
    changes = write_tree(files, options.out, options.package)
    if changes.written or changes.removed:
        count = len(changes.written) + len(changes.removed)
        prepend(options.changelog, entry(previous, surface, options.package, count))
    return changes
