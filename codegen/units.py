"""Stages 1 to 4 for one service version: what a worker process does.

A unit's input bytes arrive with the job (the caller hashed those same
bytes for the cache key); the result is the formatted files, the service's
index for the package-level files and, with a changelog, its API surface,
or the problems that stopped it. Rendering and formatting modules are
imported here, on first use, so that a run served by the cache skips them.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Container, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .build import build_project
from .cache import Cache
from .diagnostics import Diagnostic, SpecError
from .inputs import Unit
from .ir import ServiceIndex, ServiceVersion
from .layout import class_pieces, join_pieces, may_need_black
from .loader import load_unit
from .model_chunks import Previous, assemble, chunks
from .model_chunks import previous as chunks_of
from .model_chunks import record as record_chunks
from .model_classes import ModelsRun

if TYPE_CHECKING:
    from .importers import Importer
    from .overlay import Overlay


def _format(text: str) -> str:
    from .formatting import format_python

    return format_python(text)


def formatted(files: dict[str, str], ready: Iterable[str] = (), laid_out: Iterable[str] = ()) -> dict[str, str]:
    """The files with their Python formatted, but for those in ``ready``
    (black-clean as they are: the copied runtime modules) and, unless they
    may need it, those in ``laid_out`` (templates that lay out as black would)."""
    skip, laid = set(ready), set(laid_out)
    return {name: _format(text) if _needs_black(name, text, skip, laid) else text for name, text in files.items()}


def _needs_black(path: str, text: str, ready: Container[str], laid_out: Container[str]) -> bool:
    if not path.endswith(".py") or path in ready:
        return False
    # A file a template laid out still goes through black if it has a line
    # past the limit that no layout rule left long on purpose.
    return path not in laid_out or may_need_black(text)


def service_files(
    service: ServiceVersion,
    package: str,
    pool: Executor | None = None,
    templates: Path | None = None,
    pieces: int = 1,
) -> dict[str, str]:
    """Rendered and formatted; with a pool, each file is formatted there as soon as it is rendered,
    the models in up to ``pieces`` parts at once.

    ``templates``: a folder of templates replacing built-in ones of the same name."""
    return service_output(service, package, pool, templates, pieces)[0]


def service_output(
    service: ServiceVersion,
    package: str,
    pool: Executor | None = None,
    templates: Path | None = None,
    pieces: int = 1,
    previous: Previous | None = None,
    record: bool = False,
) -> tuple[dict[str, str], dict[str, Any] | None]:
    """:func:`service_files`, reusing what ``previous`` holds (then in this process,
    whatever the pool), and with ``record`` (a cache keeps the result) the record
    of the models file's chunks for a later run (``model_chunks.record``)."""
    from .render import black_clean_files, iter_service, models_path

    clean = black_clean_files(service, package, templates)
    run = ModelsRun(previous.order if previous else None) if record or previous else None
    path = models_path(service, package)
    if pool is None or previous is not None:
        rendered = dict(iter_service(service, package, templates, models_run=run))
        parts = chunks(rendered[path], run.classes) if run else None
        if previous is None or parts is None:
            files = formatted(rendered, laid_out=clean)
        else:
            others = formatted({name: text for name, text in rendered.items() if name != path}, laid_out=clean)
            models = assemble(parts, previous.formatted, _format)
            files = {name: models if name == path else others[name] for name in rendered}
    else:
        # The models (datamodel-code-generator, then black on the biggest file)
        # take longest: a worker renders them while this process renders the
        # other files and hands them out for formatting; then every worker
        # formats a part of the models.
        models_job = pool.submit(_models_file, service, package, templates, run)
        pending = {
            name: pool.submit(_format, text) if _needs_black(name, text, (), clean) else text
            for name, text in iter_service(service, package, templates, kinds=("template", "examples"))
        }
        rendered_models, run = models_job.result()
        parts = chunks(rendered_models[path], run.classes) if run else None
        formatting = [pool.submit(_format, part) for part in class_pieces(rendered_models[path], pieces)]
        files = {name: value if isinstance(value, str) else value.result() for name, value in pending.items()}
        files[path] = join_pieces([part.result() for part in formatting])
    kept = record_chunks(path, parts, files[path], run.order) if record and parts and run and run.order else None
    return files, kept


def _models_file(
    service: ServiceVersion, package: str, templates: Path | None, run: ModelsRun | None
) -> tuple[dict[str, str], ModelsRun | None]:
    """The service version's models module, rendered, not formatted (in a worker process), and its run."""
    from .render import iter_service

    return dict(iter_service(service, package, templates, kinds=("models",), models_run=run)), run


@dataclass(frozen=True)
class UnitResult:
    """One service version's share of the output, as the cache stores it."""

    files: dict[str, str] = field(default_factory=dict)  # relative to the output folder
    index: ServiceIndex | None = None  # None: the unit holds none of the chosen actions
    surface: dict[str, Any] | None = None  # its ServiceSurface as JSON data, with a changelog
    problems: tuple[Diagnostic, ...] = ()
    models: dict[str, Any] | None = None  # where its models file's chunks are (model_chunks.record)

    def to_json(self) -> dict[str, Any]:
        index = asdict(self.index) if self.index else None
        return {"files": self.files, "index": index, "surface": self.surface, "models": self.models}

    @classmethod
    def from_json(cls, data: Any) -> UnitResult | None:
        """The stored result, or None when ``data`` does not have the expected shape."""
        try:
            files, index, surface = data["files"], data["index"], data["surface"]
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
                return None
            models = data.get("models")
            if models is not None and not isinstance(models, dict):
                return None
            return cls(files, ServiceIndex(**index) if index is not None else None, surface, models=models)
        except (TypeError, KeyError, AttributeError):
            return None


@dataclass(frozen=True)
class Job:
    unit: Unit
    common: Unit
    importer: Importer  # pickled by reference: its class is found by module and name in the worker
    package: str
    actions: tuple[str, ...] | None
    with_surface: bool
    cache_dir: Path | None
    templates: Path | None = None  # the --templates folder, read by the worker that renders
    overlays: tuple[Overlay, ...] = ()  # applied to what the importer gives, in order
    pointer: str | None = None  # the key of the service version's "latest" entry (model_chunks)


def _run_job(job: Job, pool: Executor | None = None, pieces: int = 1) -> UnitResult:
    """Load, build, render and format one service version (in a worker process or in this one)."""
    cache = Cache(job.cache_dir)
    common, problems = load_unit(job.common, cache)  # checked by the caller; cached, so cheap
    from .importers import load_patched

    documents, found = load_patched(job.importer, job.unit, job.actions, cache, job.overlays)
    problems += found
    if problems:
        return UnitResult(problems=tuple(problems))
    if not documents:
        return UnitResult()
    try:
        project = build_project([*common, *documents])
    except SpecError as exc:
        return UnitResult(problems=tuple(exc.diagnostics))
    (service,) = project.services
    surface = None
    if job.with_surface:
        from .surface import service_surface

        surface = asdict(service_surface(service))
    previous = chunks_of(cache, job.pointer)
    try:
        files, models = service_output(
            service, job.package, pool, job.templates, pieces, previous, record=cache.root is not None
        )
    except SpecError as exc:  # the user's templates failed (see template_errors)
        return UnitResult(problems=tuple(exc.diagnostics))
    return UnitResult(files, service.index, surface, models=models)


# Black's time varies along a models file (two halves of cvm's took 0.36 s
# and 0.89 s): smaller parts, taken by whichever worker is free, even it out.
_MODEL_PARTS_PER_WORKER = 3


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


def run_jobs(jobs: list[Job], workers: int) -> Iterator[UnitResult]:
    """Results in the order of ``jobs``, using up to ``workers`` processes.

    With at least as many jobs as workers, each worker takes whole jobs.
    With fewer (one service regenerated), the jobs run here: a job with the
    chunks of a past run on its folder to reuse alone (little is left to
    format), any other with worker processes, started for it, rendering the
    models and formatting every file, which is most of the time.
    """
    if workers < 2 or not jobs:
        yield from map(_run_job, jobs)
        return
    # Spawned, not forked: a forked worker would inherit the output lock and
    # keep it after a killed run, blocking the next one.
    context = multiprocessing.get_context("spawn")
    if len(jobs) >= workers:
        with ProcessPoolExecutor(workers, context, initializer=_watch_parent, initargs=(os.getpid(),)) as pool:
            yield from pool.map(_run_job, jobs, chunksize=1)
        return
    with ExitStack() as stack:
        started: ProcessPoolExecutor | None = None
        for job in jobs:
            if _has_previous(job):
                yield _run_job(job)
                continue
            if started is None:
                started = stack.enter_context(
                    ProcessPoolExecutor(workers, context, initializer=_watch_parent, initargs=(os.getpid(),))
                )
                for _ in range(workers):
                    started.submit(_format, "")  # the workers import black while this process renders
            yield _run_job(job, started, _MODEL_PARTS_PER_WORKER * workers)


def _has_previous(job: Job) -> bool:
    """Whether a past run on the job's folder left an entry to reuse (checked in full by the job)."""
    return job.pointer is not None and Cache(job.cache_dir).get("latest", job.pointer) is not None
