"""The arguments of the local endpoint's command (``python -m <package>.common.fake_server``).

A tool of the runtime's top layer, beside ``fake_server`` which runs the
command: it imports only the standard library.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

__all__: list[str] = []


class _Arguments(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def arguments(
    prog: str, package: str, *, max_clock_skew: float, max_body: int
) -> argparse.ArgumentParser:
    """The command's parser; a mistake exits with status 2 and one line."""
    parser = _Arguments(
        prog=prog,
        description=f"A local Tencent Cloud endpoint for the service versions of {package}.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="a loopback address (127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="0 picks a free port (default)"
    )
    parser.add_argument("--secret-id", help="accept this secret id (with --secret-key)")
    parser.add_argument("--secret-key", help="the secret key of --secret-id")
    parser.add_argument(
        "--max-clock-skew",
        type=float,
        default=max_clock_skew,
        help=f"seconds X-TC-Timestamp may be off (default {max_clock_skew:g})",
    )
    parser.add_argument(
        "--any-time", action="store_true", help="do not check X-TC-Timestamp's age"
    )
    parser.add_argument(
        "--no-param-check",
        action="store_true",
        help="do not check parameters against the models",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=max_body,
        help="largest request body in bytes",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no line per request on stderr"
    )
    return parser
