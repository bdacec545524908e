"""Golden records: generated text compared with files committed under ``tests/golden/<name>/``.

A test collects what it produced as ``{relative path: text}`` and calls
``check_golden(name, files)``. Every file is compared with its committed
copy; files the record has but the run did not produce, files the run
produced but the record lacks, and files whose text differs are all
reported in one assertion, with a unified diff (cut after a few hundred
lines) for the differing ones.

When a change to the output is intended, rewrite the records with one
command and review them with ``git diff tests/golden``:

    CODEGEN_REFRESH_GOLDEN=1 python -m pytest -q -m golden

(``make golden`` runs the same; ``-m "golden and not slow"`` leaves out the
records of the whole corpus, whose conformance report takes about 15
minutes; naming test files works too). With the variable set to ``1``, ``check_golden`` writes ``files`` into
the folder, removes the files of the folder that ``files`` no longer holds,
and passes. A test that calls ``check_golden`` is marked
``@pytest.mark.golden`` so that the command above selects it.

Text is compared and written as UTF-8 bytes without newline translation, so
a carriage return or a missing final newline in the output shows up as a
difference too.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path, PurePosixPath

GOLDEN = Path(__file__).resolve().parent / "golden"
REFRESH = "CODEGEN_REFRESH_GOLDEN"
# The assertion message keeps at most this many diff lines in all.
MAX_DIFF_LINES = 300


def refreshing() -> bool:
    """True when this run rewrites the golden records instead of checking them."""
    return os.environ.get(REFRESH) == "1"


def check_golden(name: str, files: dict[str, str]) -> None:
    """Compare ``files`` ({relative POSIX path: text}) with ``tests/golden/<name>/``.

    Raises AssertionError listing every missing, extra and differing file,
    with a unified diff of the differences. With ``CODEGEN_REFRESH_GOLDEN=1``
    in the environment the folder is rewritten to hold exactly ``files``.
    """
    folder = GOLDEN / _checked(name)
    for path in files:
        _checked(path)
    if refreshing():
        _rewrite(folder, files)
        return
    refresh = f"{REFRESH}=1 python -m pytest -q -m golden` (or just this test), then review `git diff tests/golden"
    if not folder.is_dir():
        raise AssertionError(f"no golden record tests/golden/{name}/ yet; write it with `{refresh}`")
    recorded = _read(folder)
    missing = sorted(recorded.keys() - files.keys())
    extra = sorted(files.keys() - recorded.keys())
    differing = sorted(path for path in recorded.keys() & files.keys() if recorded[path] != files[path])
    if not (missing or extra or differing):
        return
    lines = [f"output differs from the golden record tests/golden/{name}/ (rewrite it with `{refresh}`):"]
    lines += [f"  missing (recorded, not produced): {path}" for path in missing]
    lines += [f"  extra (produced, not recorded):   {path}" for path in extra]
    lines += [f"  differs:                          {path}" for path in differing]
    diff: list[str] = []
    for path in differing:
        diff += difflib.unified_diff(
            _lines(recorded[path]),
            _lines(files[path]),
            fromfile=f"tests/golden/{name}/{path}",
            tofile=f"produced {path}",
            n=2,
        )
    shown = [_visible(line) for line in diff[:MAX_DIFF_LINES]]
    if len(diff) > MAX_DIFF_LINES:
        shown.append(f"... {len(diff) - MAX_DIFF_LINES} more diff lines not shown")
    raise AssertionError("\n".join(lines + shown))


def _checked(path: str) -> str:
    """``path`` itself, once it is known to be a plain relative POSIX path inside the record."""
    parts = PurePosixPath(path).parts
    if not path or "\\" in path or PurePosixPath(path).is_absolute() or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"golden paths are relative POSIX paths without '.' or '..': {path!r}")
    if PurePosixPath(path).as_posix() != path:
        raise ValueError(f"golden path is not in its plain form: {path!r}")
    return path


def _lines(text: str) -> list[str]:
    """``text`` cut after each LF only (not at CR or Unicode line separators), endings kept."""
    pieces = text.split("\n")
    return [piece + "\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])


def _visible(line: str) -> str:
    """One diff line without its LF; a CR shows as ``\\r``, a missing final LF is said."""
    if line.endswith("\n"):
        return line[:-1].replace("\r", "\\r")
    return line.replace("\r", "\\r") + "  [no newline at end of file]"


def _read(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_bytes().decode("utf-8") for p in folder.rglob("*") if p.is_file()}


def _rewrite(folder: Path, files: dict[str, str]) -> None:
    for path in folder.rglob("*") if folder.is_dir() else ():
        if path.is_file() and path.relative_to(folder).as_posix() not in files:
            path.unlink()
    for path, text in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
    for directory in sorted((d for d in folder.rglob("*") if d.is_dir()), key=lambda d: len(d.parts), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
