"""Command line: ``codegen generate`` (also ``python -m codegen``).

Exit codes: 0 done (or up to date with --check), 1 --check found stale files,
2 bad input or usage, 3 a bug in the generator. Errors are one line each on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import importers
from .cache import default_dir as default_cache_dir
from .config import Defaults, load_defaults
from .diagnostics import SpecError
from .distribution import name_problem, version_problem
from .inputs import NO_OVERLAYS, read_overlays
from .naming import safe_identifier
from .package_files import SURFACE_FILE
from .pipeline import Options, run
from .writer import LockedError

if TYPE_CHECKING:
    from .diff_sources import Side
    from .overlay import Overlay

EXIT_STALE = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codegen", description="Typed Python bindings for Tencent Cloud API 3.0.")
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="generate the package from spec files")
    generate.add_argument("--specs", type=Path, help="spec folder (default: [tool.codegen] specs, else specs)")
    generate.add_argument("--out", type=Path, help="output folder (default: [tool.codegen] out, else generated)")
    generate.add_argument("--package", help="name of the generated package (default: tcsdk)")
    generate.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 and list the files that would change"
    )
    generate.add_argument(
        "--from",
        dest="source",
        nargs=2,
        metavar=("FORMAT", "DIR"),
        help="read DIR in another format instead of --specs, converted on the fly. FORMAT is one of: "
        + "; ".join(f"{i.name} ({i.description})" for i in importers.IMPORTERS.values())
        + "; or one an installed package offers under the codegen.importers entry point group",
    )
    generate.add_argument("--actions", help="with --from: only these actions (comma-separated)")
    generate.add_argument("-j", "--jobs", type=int, help="worker processes (default: one per CPU)")
    generate.add_argument(
        "--changelog",
        type=Path,
        metavar="FILE",
        help="when the output changes, prepend a dated entry saying what changed for user code "
        "(default: [tool.codegen] changelog; the package then records its API surface in " + SURFACE_FILE + ")",
    )
    generate.add_argument(
        "--distribution",
        metavar="NAME",
        help="also write OUT/pyproject.toml so the package builds as a wheel named NAME "
        "(default: [tool.codegen] distribution; empty: none)",
    )
    generate.add_argument(
        "--distribution-version",
        metavar="V",
        help="with --distribution: the version (default: 0.0.0+g and a hash of the generated files)",
    )
    cache = generate.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="where to keep results for the next run (default: [tool.codegen] cache_dir, else $CODEGEN_CACHE_DIR, "
        "else $XDG_CACHE_HOME/tencentcloud-codegen, else ~/.cache/tencentcloud-codegen)",
    )
    cache.add_argument("--no-cache", action="store_true", help="generate everything; read and write no cache")
    generate.add_argument(
        "--templates",
        type=Path,
        metavar="DIR",
        help="a folder of templates replacing the built-in ones of the same name; see docs/templates.md "
        "(default: [tool.codegen] templates)",
    )
    _overlay_options(generate, "with --from: ")
    generate.add_argument("-q", "--quiet", action="store_true", help="print only the summary and errors")
    _diff_parser(commands)
    imports = commands.add_parser("import", help="write spec files from another format")
    writers = [name for name, i in importers.IMPORTERS.items() if isinstance(i, importers.SpecWriter)]
    imports.add_argument("format", help=f"the input format ({', '.join(writers)})")
    imports.add_argument(
        "--api", type=Path, required=True, help="the description of one service version (tencentcloud: its api.json)"
    )
    imports.add_argument("--errors", type=Path, help="its error table (tencentcloud: errors.json)")
    imports.add_argument("--examples", type=Path, help="its examples (tencentcloud: examples.json)")
    imports.add_argument("--out", type=Path, required=True, help="spec folder to write into")
    imports.add_argument("--actions", help="only these actions (comma-separated) and the types they reach")
    _overlay_options(imports, "")
    _overlay_parser(commands)
    return parser


def _overlay_options(parser: argparse.ArgumentParser, condition: str) -> None:
    parser.add_argument(
        "--overlay",
        dest="overlays",
        action="append",
        type=Path,
        metavar="FILE",
        help=f"{condition}patch the imported descriptions with this overlay (docs/overlays.md); repeatable, "
        "applied in order after the overlays shipped with the generator (default: [tool.codegen] overlays)",
    )
    parser.add_argument(
        "--no-builtin-overlays",
        action="store_true",
        help="do not apply the overlays shipped with the generator (codegen/overlays/FORMAT/)",
    )


def _overlay_parser(commands: Any) -> None:
    overlay = commands.add_parser("overlay", help="work with overlays (docs/overlays.md)")
    actions = overlay.add_subparsers(dest="overlay_command", required=True)
    suggest = actions.add_parser(
        "suggest",
        help="a draft overlay from the deviations tolerant decoding recorded (WARNING log lines or a JSON dump)",
    )
    suggest.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        metavar="INPUT",
        help="files of log lines or JSON dumps of meta.deviations (docs/overlays.md); - reads standard input",
    )
    suggest.add_argument(
        "--from",
        dest="source",
        nargs=2,
        metavar=("FORMAT", "DIR"),
        help="the descriptions the package was generated from (default: the spec folder, [tool.codegen] specs)",
    )
    suggest.add_argument("--specs", type=Path, help="the spec folder the package was generated from")
    suggest.add_argument(
        "--service",
        metavar="SERVICE[/VERSION]",
        help="the service version of deviations that do not name one, when their action is in several",
    )
    suggest.add_argument("--out", type=Path, metavar="FILE", help="write the overlay there instead of to stdout")
    _overlay_options(suggest, "with --from: the overlays the package was generated with; ")


def _diff_parser(commands: Any) -> None:
    diff = commands.add_parser(
        "diff", help="what changed between two sets of specs, classified for the code that uses the package"
    )
    diff.add_argument(
        "folders",
        nargs="*",
        type=Path,
        metavar="OLD NEW",
        help="two spec folders; with --git, at most one folder (default: [tool.codegen] specs, else specs)",
    )
    diff.add_argument(
        "--from",
        dest="source_format",
        default="specs",
        metavar="FORMAT",
        help=f"the folders' format ({', '.join(importers.IMPORTERS)}; default: specs)",
    )
    diff.add_argument(
        "--git",
        metavar="REV[..REV]",
        help="compare the folder at REV with the working tree, or at REV with the folder at the second REV",
    )
    diff.add_argument("--format", choices=("text", "json", "markdown"), default="text", help="output format")
    diff.add_argument(
        "--fail-on", choices=("breaking", "any"), help="exit 1 when a breaking change (or any change) is found"
    )
    diff.add_argument("--package", help="package name used in Python names (default: [tool.codegen] package)")
    _overlay_options(diff, "with --from: on both sides, ")


def _actions(text: str | None) -> tuple[str, ...] | None:
    # Given but empty ("" or ","): an empty selection, an error, never "all of them".
    return tuple(a.strip() for a in text.split(",") if a.strip()) if text is not None else None


EXIT_INTERNAL = 3


def environment_problem(exc: OSError) -> str:
    """One line naming the path the machine refused (missing, read-only, full), not a bug report."""
    where = exc.filename if exc.filename is not None else "output"
    reason = exc.strerror or type(exc).__name__
    return f"{os.fsdecode(where)}: {reason}"


# The generator's own dependencies, by the name they are imported under (a
# PackageNotFoundError names the distribution, which is the same here but for
# datamodel-code-generator).
_DEPENDENCIES = {
    "jinja2": "jinja2",
    "datamodel_code_generator": "datamodel-code-generator",
    "datamodel-code-generator": "datamodel-code-generator",
    "black": "black",
    "yaml": "pyyaml",
    "pyyaml": "pyyaml",
    "jsonschema": "jsonschema",
}


def missing_dependency(exc: BaseException) -> str | None:
    """The line for a run whose Python lacks one of the generator's dependencies.

    Installing the generator installs them; running it from a checkout
    without installing does not, and that is no bug to report.
    """
    if not isinstance(exc, ModuleNotFoundError) or exc.name is None:
        return None
    top = exc.name.split(".")[0].lower()
    if top not in _DEPENDENCIES:
        return None
    return (
        f"codegen: {_DEPENDENCIES[top]} is not installed for {sys.executable}; "
        "install the generator with its dependencies (python -m pip install . in its checkout)"
    )


def spec_problems(exc: SpecError, prog: str, outcome: str) -> int:
    """Print every problem of ``exc`` (one line each), then the count and ``outcome``; exit 2."""
    for diagnostic in exc.diagnostics:
        print(diagnostic, file=sys.stderr)
    print(f"{prog}: {len(exc.diagnostics)} problem(s){outcome}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    """Run the command line; an unexpected exception is one line and exit code 3.

    Set CODEGEN_DEBUG=1 to get the traceback instead.
    """
    try:
        return _main(argv)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if os.environ.get("CODEGEN_DEBUG"):
            raise
        missing = missing_dependency(exc)
        if missing is not None:
            print(missing, file=sys.stderr)
            return EXIT_INTERNAL
        text = " ".join(str(exc).split())[:500]
        print(f"codegen: internal error, please report it: {type(exc).__name__}: {text}", file=sys.stderr)
        return EXIT_INTERNAL


def _main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "import":
        return run_import(args)
    if args.command == "diff":
        return run_diff(args)
    if args.command == "overlay":
        return run_suggest(args)
    source_format, source_dir = args.source if args.source else ("specs", None)
    if importers.find(source_format) is None:
        print(f"codegen: --from: {importers.UnknownFormat(source_format)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.actions is not None and not args.source:
        print("codegen: --actions goes with --from", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        defaults = load_defaults(Path.cwd())
        package = args.package or defaults.package
        if safe_identifier(package, "") != package or not package.isidentifier():
            print(f"codegen: --package {package!r} is not a usable package name", file=sys.stderr)
            return EXIT_BAD_INPUT
        distribution = _distribution_settings(args, defaults)
        if isinstance(distribution, str):
            print(f"codegen: {distribution}", file=sys.stderr)
            return EXIT_BAD_INPUT
        overlays = _overlay_paths(args, defaults, source_format)
        if isinstance(overlays, str):
            print(f"codegen: {overlays}", file=sys.stderr)
            return EXIT_BAD_INPUT
        options = Options(
            specs=Path(source_dir) if source_dir else args.specs or defaults.specs,
            out=args.out or defaults.out,
            package=package,
            check=args.check,
            quiet=args.quiet,
            source_format=source_format,
            actions=_actions(args.actions),
            jobs=args.jobs,
            changelog=args.changelog or defaults.changelog,
            distribution=distribution[0],
            distribution_version=distribution[1],
            cache_dir=None if args.no_cache else args.cache_dir or defaults.cache_dir or default_cache_dir(),
            templates=args.templates or defaults.templates,
            overlays=overlays,
            builtin_overlays=not args.no_builtin_overlays,
        )
        changes, summary = run(options)
    except SpecError as exc:
        return spec_problems(exc, "codegen", "; nothing was written")
    except LockedError as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        # The machine, not the generator: a target that is missing, read-only or full.
        print(f"codegen: {environment_problem(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(summary, file=sys.stderr)
    if options.check and changes.stale:
        for name in changes.stale:
            print(f"stale: {(options.out / name).as_posix()}", file=sys.stderr)
        return EXIT_STALE
    return 0


def _overlay_paths(args: argparse.Namespace, defaults: Defaults, source_format: str) -> tuple[Path, ...] | str:
    """The overlay files a command applies: --overlay (each time given), else [tool.codegen] overlays;
    a string says what is wrong."""
    if source_format in NO_OVERLAYS:
        if args.overlays:
            return (
                f"--overlay goes with --from FORMAT: overlays patch imported descriptions "
                f"({source_format} folders are edited directly)"
            )
        return ()
    return tuple(args.overlays) if args.overlays else defaults.overlays


def _distribution_settings(args: argparse.Namespace, defaults: Defaults) -> tuple[str, str] | str:
    """(name, version) for --distribution, from the options or [tool.codegen]; a string says what is wrong."""
    name, name_source = (
        (args.distribution, "--distribution")
        if args.distribution is not None
        else (defaults.distribution, "[tool.codegen] distribution")
    )
    version, version_source = (
        (args.distribution_version, "--distribution-version")
        if args.distribution_version is not None
        else (defaults.distribution_version, "[tool.codegen] distribution_version")
    )
    if name and (problem := name_problem(name)):
        return f"{name_source} {name!r} {problem}"
    if version and not name:
        if args.distribution == "" and args.distribution_version is None:
            return "", ""  # --distribution "" turns off what [tool.codegen] turned on
        return f"{version_source} goes with a distribution name (--distribution)"
    if version and (problem := version_problem(version)):
        return f"{version_source} {version!r} {problem}"
    return name, version


def _diff_sides(args: argparse.Namespace, specs: Path) -> tuple[Side, Side]:
    from .diff_sources import folder_side, git_side

    if args.git:
        if len(args.folders) > 1:
            raise _Usage("with --git, give at most one folder")
        folder = args.folders[0] if args.folders else specs
        first, _, second = args.git.partition("..")
        old = git_side(folder, first, args.source_format)
        new = git_side(folder, second, args.source_format) if second else folder_side(folder, args.source_format)
        return old, new
    if len(args.folders) != 2:
        raise _Usage("give two folders, OLD and NEW, or --git REV")
    return folder_side(args.folders[0], args.source_format), folder_side(args.folders[1], args.source_format)


class _Usage(Exception):
    """A command line that cannot be carried out."""


def run_diff(args: argparse.Namespace) -> int:
    """``codegen diff``: exit 0, 1 when --fail-on matched, 2 on bad input."""
    from .diff import diff_surfaces
    from .diff_report import as_json, as_markdown, as_text
    from .diff_sources import changed_surfaces

    if importers.find(args.source_format) is None:
        print(f"codegen diff: --from: {importers.UnknownFormat(args.source_format)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        defaults = load_defaults(Path.cwd())
        overlays = _overlay_paths(args, defaults, args.source_format)
        if isinstance(overlays, str):
            raise _Usage(overlays)
        patches = _parsed_overlays(args.source_format, overlays, not args.no_builtin_overlays)
        old, new = _diff_sides(args, defaults.specs)
        changes = diff_surfaces(*changed_surfaces(old, new, patches))
    except _Usage as exc:
        print(f"codegen diff: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SpecError as exc:
        return spec_problems(exc, "codegen diff", " in the input")
    package = args.package or defaults.package
    render = {"text": as_text, "json": as_json, "markdown": as_markdown}[args.format]
    sys.stdout.write(render(changes, package))
    failing = [c for c in changes if args.fail_on == "any" or c.severity == "breaking"] if args.fail_on else []
    return EXIT_STALE if failing else 0


def run_suggest(args: argparse.Namespace) -> int:
    """``codegen overlay suggest``: a draft overlay on stdout (or --out); exit 2 on unreadable input."""
    from .overlay_suggest import draft, read_observations, resolve

    try:
        defaults = load_defaults(Path.cwd())
        source_format, root = (args.source[0], Path(args.source[1])) if args.source else ("specs", None)
        if args.source and args.specs:
            raise _Usage("give --from or --specs, not both")
        root = root or args.specs or defaults.specs
        importer = importers.find(source_format)
        if importer is None:
            raise _Usage(f"--from: {importers.UnknownFormat(source_format)}")
        overlays = _overlay_paths(args, defaults, source_format)
        if isinstance(overlays, str):
            raise _Usage(overlays)
        patches = _parsed_overlays(source_format, overlays, not args.no_builtin_overlays)
        names = [str(path) if str(path) != "-" else "<stdin>" for path in args.inputs]
        observations = []
        for path, name in zip(args.inputs, names, strict=True):
            observations += read_observations(name, _read_input(path, name))
        documents = _documents_of(importer, root, {seen.action for seen in observations}, patches)
        targets, notes = resolve(observations, documents, root.as_posix(), args.service or "")
        text = draft(targets, names, notes)
        if args.out is not None:
            args.out.write_text(text, encoding="utf-8")
    except _Usage as exc:
        print(f"codegen overlay suggest: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SpecError as exc:
        return spec_problems(exc, "codegen overlay suggest", "; nothing was written")
    except OSError as exc:
        print(f"codegen overlay suggest: {environment_problem(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.out is None:
        sys.stdout.write(text)
    return 0


def _read_input(path: Path, name: str) -> bytes:
    from .diagnostics import Diagnostic
    from .reading import read_bounded

    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return read_bounded(path)
    except OSError as exc:
        raise SpecError([Diagnostic(name, message=f"cannot read file: {exc.strerror}")]) from None


def _documents_of(
    importer: importers.Importer, root: Path, actions: set[str], overlays: tuple[Overlay, ...]
) -> list[Any]:
    """The checked documents of the service versions below ``root`` that hold one of ``actions``
    (only those actions, where the format can choose: a corpus is large), patched by ``overlays``."""
    if not isinstance(importer, importers.ActionSelector):
        return importers.load_documents(importer, root, overlays=overlays)
    _, units = importer.read_units(root)
    folders = [
        Path(unit.folder).relative_to(root).as_posix()
        for unit in units
        if actions & set(importer.action_names(unit) or ())
    ]
    if not folders:
        return []
    return importers.load_documents(importer, root, folders, sorted(actions), overlays=overlays)


def _parsed_overlays(source_format: str, paths: tuple[Path, ...], builtin: bool) -> tuple[Overlay, ...]:
    """The overlays a command applies, read and checked; SpecError naming the place of each problem."""
    from .overlay import parse

    return parse(read_overlays(source_format, paths, builtin))


def run_import(args: argparse.Namespace) -> int:
    """``codegen import FORMAT``: write (or update) spec files for one service version."""
    from .diff_report import as_text
    from .specfiles import import_specs

    importer = importers.find(args.format)
    if not isinstance(importer, importers.SpecWriter):
        writers = [name for name, i in sorted(importers.IMPORTERS.items()) if isinstance(i, importers.SpecWriter)]
        problem = "cannot write spec files" if importer is not None else "is not a known format"
        print(f"codegen import: {args.format!r} {problem}; the formats that can: {', '.join(writers)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        defaults = load_defaults(Path.cwd())
        package = defaults.package
        overlays = _overlay_paths(args, defaults, args.format)
        if isinstance(overlays, str):
            print(f"codegen import: {overlays}", file=sys.stderr)
            return EXIT_BAD_INPUT
        patches = _parsed_overlays(args.format, overlays, not args.no_builtin_overlays)
        changes = import_specs(
            importer, args.api, args.errors, args.examples, args.out, _actions(args.actions), patches
        )
    except SpecError as exc:
        return spec_problems(exc, "codegen", "; nothing was written")
    except LockedError as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"codegen: {environment_problem(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for note in changes.notes:
        print(f"note: {note}", file=sys.stderr)
    for label, names in (("added", changes.added), ("changed", changes.changed), ("removed", changes.removed)):
        for name in names:
            print(f"{label}: {name}", file=sys.stderr)
    if changes.api:
        sys.stderr.write(as_text(changes.api, package))
    elif not changes.first_import and (changes.added or changes.changed or changes.removed):
        print("codegen diff: no API changes", file=sys.stderr)
    print(
        f"codegen: imported {changes.folder}: {len(changes.added)} added, {len(changes.changed)} changed, "
        f"{len(changes.unchanged)} unchanged, {len(changes.removed)} removed",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
