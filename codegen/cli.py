"""Command line: ``codegen generate`` (also ``python -m codegen``).

Exit codes: 0 done (or up to date with --check), 1 --check found stale files,
2 bad input or usage. Errors are one line each on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import load_defaults
from .diagnostics import SpecError
from .naming import safe_identifier
from .pipeline import Options, run
from .writer import LockedError

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
    generate.add_argument("-q", "--quiet", action="store_true", help="print only the summary and errors")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        defaults = load_defaults(Path.cwd())
        package = args.package or defaults.package
        if safe_identifier(package, "") != package or not package.isidentifier():
            print(f"codegen: --package {package!r} is not a usable package name", file=sys.stderr)
            return EXIT_BAD_INPUT
        options = Options(
            specs=args.specs or defaults.specs,
            out=args.out or defaults.out,
            package=package,
            check=args.check,
            quiet=args.quiet,
        )
        changes, summary = run(options)
    except SpecError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        print(f"codegen: {len(exc.diagnostics)} problem(s); nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    except LockedError as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(summary, file=sys.stderr)
    if options.check and changes.stale:
        for name in changes.stale:
            print(f"stale: {(options.out / name).as_posix()}", file=sys.stderr)
        return EXIT_STALE
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
