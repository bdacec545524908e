"""Where the generator's own files are, installed or in a source checkout,
how a user's folder of templates is layered over them (and which of its
files are used), and the name of the one file the generator adds to a
package beside what it renders."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from .diagnostics import Diagnostic, closest, quoted
from .reading import read_text_bounded

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


def template_files(folder: Path) -> list[tuple[str, Path]]:
    """Every file below ``folder`` a template run can read, by the name Jinja reads it
    under (a POSIX path below ``folder``), in name order.

    Symlinks are followed, files and folders alike, because Jinja's loader
    follows them: a linked folder's files are read under the link's name. A
    folder reached twice (two links to it, or a link back up) is listed
    once, so a loop ends. Anything else that is there (a FIFO, a device) is
    listed too, and refused when read; a dangling link (an editor's lock)
    is not there.
    """
    found: list[tuple[str, Path]] = []
    seen: set[tuple[int, int]] = set()
    for top, folders, names in os.walk(folder, followlinks=True):
        status = os.stat(top)
        if (status.st_dev, status.st_ino) in seen:
            folders.clear()
            continue
        seen.add((status.st_dev, status.st_ino))
        base = Path(top)
        for name in names:
            path = base / name
            if path.exists():
                found.append((path.relative_to(folder).as_posix(), path))
    return sorted(found)


def override_files(folder: Path) -> list[str]:
    """The names (POSIX paths below ``folder``) of the files of an override folder;
    hidden files and folders (an editor's, a version control system's) are not templates."""
    return [name for name, _ in template_files(folder) if not any(part.startswith(".") for part in name.split("/"))]


def effective_template(folders: tuple[Path, ...], name: str) -> Path | None:
    """The file the template ``name`` is read from: the first folder holding it."""
    return next((folder / name for folder in folders if (folder / name).is_file()), None)


def used_templates(folders: tuple[Path, ...], roots: Iterable[str]) -> tuple[dict[str, Path], list[Diagnostic]]:
    """Every template the ``roots`` use, by name, with its file: the roots and
    whatever they include or import, followed through the files that would be read.

    A syntax error in a user's template is a problem of theirs (``path:line:
    ...``); one in a built-in template raises. A reference that is not a
    constant name (``{% include some_variable %}``) is recorded as the name ""
    (anything may be used). The class template's references are looked up
    beside it (``models/``), as datamodel-code-generator does.
    """
    import jinja2
    from jinja2 import meta

    parser = jinja2.Environment()  # references and syntax only; no loader, nothing rendered
    used: dict[str, Path] = {}
    problems: list[Diagnostic] = []
    pending = list(roots)
    while pending:
        name = pending.pop()
        path = effective_template(folders, name) if name else None
        if name in used or path is None:
            if name == "":
                used[""] = Path()
            continue
        used[name] = path
        try:
            tree = parser.parse(read_text_bounded(path), name, path.as_posix())
        except jinja2.TemplateSyntaxError as exc:
            if template_dir() in path.parents:
                raise
            problems.append(Diagnostic(path.as_posix(), exc.lineno, message=f"template syntax error: {exc.message}"))
            continue
        folder = PurePosixPath(name).parent
        for reference in meta.find_referenced_templates(tree):
            pending.append(
                "" if reference is None else (folder / reference).as_posix() if name == MODEL_TEMPLATE else reference
            )
    return used, problems


def unused_overrides(folder: Path, used: Iterable[str]) -> list[Diagnostic]:
    """One problem per file of the override folder that no template of a run
    reads under that name (a misspelt ``clinet.py.jinja`` would otherwise be ignored)."""
    names = set(used)
    if "" in names:
        return []  # a template includes a name made at render time: any file may be used
    problems = []
    for name in override_files(folder):
        if name not in names:
            expected = quoted(closest(name, names, limit=None))
            message = (
                f"templates: no template is read under this name, so it would be ignored; the names are {expected}"
            )
            problems.append(Diagnostic((folder / name).as_posix(), message=message))
    return problems
