"""Real processes: a run killed at any moment leaves a whole tree, and two
runs on one output folder never interleave."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import ROOT
from ..spec_helpers import write_large_specs


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (Linux /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start(specs: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "codegen", "generate", "--specs", str(specs), "--out", str(out), "-q"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_killed_runs_leave_the_old_or_the_new_tree(tmp_path: Path) -> None:
    old_specs = write_large_specs(tmp_path / "old", actions=25, fields=15, summary="Old text.")
    new_specs = write_large_specs(tmp_path / "new", actions=25, fields=15, summary="New text.")
    reference = tmp_path / "reference"
    for specs, name in ((old_specs, "old"), (new_specs, "new")):
        assert (
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "codegen",
                    "generate",
                    "--specs",
                    str(specs),
                    "--out",
                    str(reference / name),
                    "-q",
                ],
                cwd=ROOT,
                capture_output=True,
            ).returncode
            == 0
        )
    old = snapshot(reference / "old" / "tcsdk")
    new = snapshot(reference / "new" / "tcsdk")
    assert old != new

    out = tmp_path / "out"
    started = time.monotonic()
    full = subprocess.run(
        [sys.executable, "-m", "codegen", "generate", "--specs", str(new_specs), "--out", str(out), "-q"],
        cwd=ROOT,
        capture_output=True,
    )
    duration = time.monotonic() - started
    assert full.returncode == 0
    rng = random.Random(1234)
    seen_states = set()
    for attempt in range(4):
        # Start from the old tree, then kill a run that rewrites it to the new one.
        assert (
            subprocess.run(
                [sys.executable, "-m", "codegen", "generate", "--specs", str(old_specs), "--out", str(out), "-q"],
                cwd=ROOT,
                capture_output=True,
            ).returncode
            == 0
        )
        process = start(new_specs, out)
        time.sleep(rng.uniform(0.3, duration * 1.1))
        workers = descendants(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        # Its worker processes notice and exit too.
        deadline = time.monotonic() + 10
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if alive(w)], "worker processes outlived the killed run"
        package = out / "tcsdk"
        if package.exists():
            state = snapshot(package)
            assert state in (old, new), f"mixed tree after a kill (attempt {attempt})"
            seen_states.add("new" if state == new else "old")
        else:
            # Killed between the two renames: the old tree waits beside it.
            assert list(out.glob(".tcsdk.old-*")), "package folder gone with nothing to restore"
            seen_states.add("between")
        # The next run always recovers and completes.
        again = subprocess.run(
            [sys.executable, "-m", "codegen", "generate", "--specs", str(new_specs), "--out", str(out), "-q"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert again.returncode == 0, again.stderr
        assert snapshot(package) == new
        assert not list(out.glob(".tcsdk.new-*")) and not list(out.glob(".tcsdk.old-*"))
    assert seen_states  # at least one kill landed


@pytest.mark.slow
def test_second_concurrent_run_stops_with_a_clear_message(tmp_path: Path) -> None:
    specs = write_large_specs(tmp_path / "specs", actions=25, fields=15)
    out = tmp_path / "out"
    first = start(specs, out)
    deadline = time.monotonic() + 30
    while not (out / ".tcsdk.codegen.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    second = subprocess.run(
        [sys.executable, "-m", "codegen", "generate", "--specs", str(specs), "--out", str(out), "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    first_err = first.communicate()[1]
    assert first.returncode == 0, first_err
    assert second.returncode == 2
    assert "another codegen run is writing this folder" in second.stderr
    assert "Traceback" not in second.stderr
    # The first run's output is complete and correct.
    check = subprocess.run(
        [sys.executable, "-m", "codegen", "generate", "--specs", str(specs), "--out", str(out), "--check", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
