"""Every hostile or broken spec case gives exactly its expected outcome."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import black
import pytest

from codegen import cli
from codegen.formatting import MODE

from ..hostile_cases import BASE, CASES, OK, Case


def write_tree(root: Path, case: Case) -> None:
    files: dict[str, str | bytes | None] = {**BASE, **case.files}
    for relative, content in files.items():
        if content is None:
            continue
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("base")
    write_tree(root / "specs", Case("base", {}))
    assert cli.main(["generate", "--specs", str(root / "specs"), "--out", str(root / "out"), "-q"]) == 0
    return root / "out"


# Output texts already found compiling, black-clean and printable: most files
# (the runtime, package inits) come out the same for every case.
CHECKED: set[bytes] = set()


def matches(expected: str, actual: str) -> bool:
    return actual.startswith(expected[:-3]) if expected.endswith("...") else actual == expected


def test_there_are_at_least_40_cases() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case, tmp_path: Path, baseline: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = tmp_path / "specs"
    write_tree(specs, case)
    out = tmp_path / "out"
    shutil.copytree(baseline, out)
    before = snapshot(out)
    capsys.readouterr()
    # One service version: formatting here rather than in worker processes
    # saves their start-up on every case and changes no byte of the output.
    code = cli.main(["generate", "--specs", str(specs), "--out", str(out), "-q", "--jobs", "1"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if case.expect is OK:
        assert code == 0, err
        for name, data in snapshot(out).items():
            if name.endswith(".py") and data not in CHECKED:
                text = data.decode("utf-8")
                compile(text, name, "exec")
                assert black.format_str(text, mode=MODE) == text, name
                assert all(ch.isprintable() or ch in "\n" for ch in text), name
                CHECKED.add(data)
        return
    assert code == 2, err
    lines = err.splitlines()
    assert lines[-1].endswith("nothing was written")
    problems = lines[:-1]
    expected = [line.replace("{root}", specs.as_posix()) for line in case.expect]
    assert len(problems) == len(expected), "\n".join(problems)
    for want, got in zip(expected, problems, strict=True):
        assert matches(want, got), f"\nwant: {want}\ngot:  {got}"
    assert snapshot(out) == before


@pytest.mark.slow
def test_valid_cases_import_and_pass_mypy(tmp_path: Path) -> None:
    """The legitimately valid cases, generated side by side, pass mypy --strict and import."""
    out = tmp_path / "out"
    packages = []
    for index, case in enumerate(c for c in CASES if c.expect is OK):
        specs = tmp_path / f"specs{index}"
        write_tree(specs, case)
        package = f"hostile{index}"
        assert cli.main(["generate", "--specs", str(specs), "--out", str(out), "--package", package, "-q"]) == 0
        packages.append(package)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", *packages], cwd=out, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:]
    code = "import importlib\n" + "".join(f"importlib.import_module('{p}.demo.v20200101.client')\n" for p in packages)
    imported = subprocess.run([sys.executable, "-c", code], cwd=out, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
