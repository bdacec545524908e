"""The generator as users install it: the sdist, the wheel built from it, and the installed command.

The rest of the suite runs from the editable checkout, which finds every
module whether or not the wheel ships it; these tests look at what
``pip install .`` really installs. ``.ci/run`` goes further: it installs the
wheel into a fresh venv and runs the installed ``codegen`` there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from ..conftest import GENERATED, ROOT, SPECS

pytestmark = pytest.mark.slow  # builds an sdist and a wheel (about ten seconds)

# Tracked files of the source tree that are tools for working on it, not part of the generator.
NOT_SHIPPED = {"templates/runtime/ruff.toml"}


def tracked(*folders: str) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", *folders], cwd=ROOT, capture_output=True, text=True, check=True)
    return [name for name in listed.stdout.split("\0") if name and name not in NOT_SHIPPED]


def installed_name(path: str) -> str:
    """Where a file of the source tree lands in the wheel (templates/ ships as codegen.templates)."""
    return "codegen/" + path if path.startswith("templates/") else path


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An sdist, and the wheel built from that sdist (as ``python -m build`` does), without network.

    Built from a copy of the tracked files, as in a fresh clone: setuptools
    reuses a checkout's ``build/`` and ``*.egg-info/`` from earlier builds,
    which would hide a package missing from pyproject.toml.
    """
    source = tmp_path_factory.mktemp("clone")
    for path in tracked():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, source / path)
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    return out


def wheel_of(dist: Path) -> Path:
    (wheel,) = dist.glob("*.whl")
    return wheel


def test_the_wheel_holds_every_tracked_file_of_the_generator(dist: Path) -> None:
    names = set(zipfile.ZipFile(wheel_of(dist)).namelist())
    expected = [installed_name(path) for path in tracked("codegen", "templates")]
    assert "codegen/importers/tencentcloud.py" in expected
    missing = [name for name in expected if name not in names]
    assert not missing, f"the wheel lacks {missing}: add their package to [tool.setuptools] in pyproject.toml"


def test_the_sdist_holds_what_the_wheel_is_built_from(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    missing = [path for path in tracked("codegen", "templates") if path not in names]
    assert not missing, missing
    assert {"pyproject.toml", "README.md"} <= names


def test_the_wheel_declares_the_codegen_command(dist: Path) -> None:
    with zipfile.ZipFile(wheel_of(dist)) as wheel:
        (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = wheel.read(entry_points).decode()
    assert "codegen = codegen.cli:main" in text


# Runs the command line with only the installed files: the editable install of
# this checkout adds a finder that would supply any module the wheel lacks.
WITHOUT_CHECKOUT = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
from codegen.cli import main
import codegen.importers.tencentcloud
assert codegen.__file__.startswith(sys.argv[1]), codegen.__file__
sys.exit(main(sys.argv[2:]))
"""


def test_the_installed_generator_reproduces_generated_from_outside_the_checkout(dist: Path, tmp_path: Path) -> None:
    """The wheel's files alone (no checkout on the path) generate exactly the committed output."""
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel_of(dist))],
        check=True,
        timeout=300,
    )
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "CODEGEN_CACHE_DIR": str(tmp_path / "cache")}
    args = ["generate", "--specs", str(SPECS), "--out", str(GENERATED), "--package", "tcsdk", "--check", "-j", "1"]
    checked = subprocess.run(
        [sys.executable, "-c", WITHOUT_CHECKOUT, str(target), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stderr
