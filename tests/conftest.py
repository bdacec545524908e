"""Shared fixtures: paths, a generator runner and generated packages on sys.path."""

from __future__ import annotations

import atexit
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .client_harness import MODES, SECRET_ID, SECRET_KEY, Harness, spec_examples
from .fake_tencent import FakeTencentCloud

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
GENERATED = ROOT / "generated"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"

# One generation cache for the whole test run (children inherit it), never
# the user's own; tests about the cache pass --cache-dir or --no-cache.
os.environ["CODEGEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="codegen-test-cache-")
atexit.register(shutil.rmtree, os.environ["CODEGEN_CACHE_DIR"], True)


def run_codegen(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600
    )


@pytest.fixture(scope="session")
def generated_on_path() -> Iterator[Path]:
    """The committed generated/ folder, importable as ``tcsdk``."""
    sys.path.insert(0, str(GENERATED))
    importlib.invalidate_caches()
    yield GENERATED
    sys.path.remove(str(GENERATED))


@contextmanager
def importable_package(out: Path, package: str, *source: str) -> Iterator[Path]:
    """Generate ``package`` into ``out`` from ``source`` (generate's arguments) and put it on sys.path.

    With ``--jobs 1``: these are small fixtures, formatted faster in the one
    process than by workers that each start and import black first (the
    output is the same bytes; test_cli.py and test_cache.py run the workers).
    """
    result = run_codegen("generate", *source, "--out", str(out), "--package", package, "-q", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    sys.path.insert(0, str(out))
    importlib.invalidate_caches()
    yield out
    sys.path.remove(str(out))


@pytest.fixture(scope="session")
def pager_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """tests/fixtures/paging (one list action per paging style) as package ``pagerpkg``, importable."""
    with importable_package(tmp_path_factory.mktemp("pager"), "pagerpkg", "--specs", str(FIXTURES / "paging")) as out:
        yield out


@pytest.fixture(scope="session")
def edge_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """tests/fixtures/edge generated as package ``edgepkg``, importable."""
    with importable_package(tmp_path_factory.mktemp("edge"), "edgepkg", "--specs", str(FIXTURES / "edge")) as out:
        yield out


@pytest.fixture(params=["stdlib", "httpx"])
def both_transports(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The clients' transport for this test (``TENCENTCLOUD_SDK_TRANSPORT``):
    the fake-server suites run on each, sync and async clients alike."""
    monkeypatch.setenv("TENCENTCLOUD_SDK_TRANSPORT", request.param)
    return str(request.param)


@pytest.fixture()
def fake() -> Iterator[FakeTencentCloud]:
    server = FakeTencentCloud("trtc", {SECRET_ID: SECRET_KEY}, spec_examples("trtc")).start()
    yield server
    server.stop()


@pytest.fixture(params=MODES)
def harness(request: pytest.FixtureRequest, fake: FakeTencentCloud, generated_on_path: Path) -> Harness:
    return Harness(request.param, fake, generated_on_path)
