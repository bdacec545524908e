"""Reads with bounds (issue 22, item 6): the generator reads only regular files,
never more than its limit, and never blocks on a FIFO.

A regression here could exhaust the machine's memory (``/dev/zero`` read to
its end) or hang, so the cases that read ``/dev/zero`` run in a child process
with its address space limited, and the FIFO cases under an alarm: either
way a regression fails the test instead of taking the machine down.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from codegen import cli
from codegen.reading import MAX_FILE_BYTES, RefusedFile, read_bounded

from ..conftest import ROOT
from ..spec_helpers import write_specs

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX only")


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging for ever) when the body blocks longer than ``seconds``."""

    def expire(*_: object) -> None:
        raise TimeoutError(f"blocked for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- the reader itself


def test_a_regular_file_is_read_up_to_the_limit_and_refused_past_it(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_bounded(path, 10) == b"x" * 10
    with pytest.raises(RefusedFile, match="larger than 9 bytes"):
        read_bounded(path, 9)


def test_a_file_that_grows_past_its_reported_size_is_still_bounded(tmp_path: Path) -> None:
    # /proc files report st_size 0 whatever they hold: the limit is on the bytes read.
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("no /proc")
    assert status.stat().st_size == 0
    with pytest.raises(RefusedFile, match="larger than"):
        read_bounded(status, 16)


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_anything_but_a_regular_file_is_refused_without_blocking(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "input"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    with deadline(5), pytest.raises(RefusedFile) as raised:
        read_bounded(path)
    assert raised.value.strerror == "not a regular file" and raised.value.filename == str(path)


def test_a_symlink_is_refused_where_links_are_not_followed(tmp_path: Path) -> None:
    (tmp_path / "real").write_bytes(b"data")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert read_bounded(tmp_path / "link") == b"data"
    with pytest.raises(RefusedFile, match="symlink"):
        read_bounded(tmp_path / "link", follow_symlinks=False)


# --- every input of the generator


def _fifo_or_device(path: Path, kind: str) -> None:
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/null")  # a device that ends at once: the refusal, not the memory, is tested here


def _api(path: Path) -> None:
    member = {"name": "Id", "type": "string", "member": "string", "required": True, "document": "Its id."}
    api = {
        "metadata": {"serviceShortName": "demo", "apiVersion": "2020-01-01", "serviceNameCN": "Demo"},
        "actions": {"Ping": {"name": "Ping", "document": "Ping it.", "input": "PingRequest", "output": "PingResponse"}},
        "objects": {
            "PingRequest": {"type": "object", "document": "", "members": [member]},
            "PingResponse": {"type": "object", "document": "", "members": []},
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(api), "utf-8")


@pytest.mark.parametrize("kind", ["fifo", "device"])
@pytest.mark.parametrize("which", ["spec", "common errors", "api.json", "errors.json", "template", "pyproject"])
def test_every_input_that_is_not_a_regular_file_is_one_line_and_exit_2(
    tmp_path: Path, kind: str, which: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = write_specs(tmp_path / "specs")
    out = tmp_path / "out"
    args = ["generate", "--specs", str(specs), "--out", str(out), "--no-cache", "-q", "-j", "1"]
    if which == "spec":
        target = specs / "demo" / "2020-01-01" / "Ping.yaml"
    elif which == "common errors":
        target = specs / "common" / "errors.yaml"
    elif which in ("api.json", "errors.json"):
        api = tmp_path / "in" / "api.json"
        _api(api)
        target = api.parent / which
        args = ["import", "tencentcloud", "--api", str(api), "--out", str(out)]
        if which == "errors.json":
            args += ["--errors", str(target)]
    elif which == "template":
        target = tmp_path / "templates" / "header.jinja"
        target.parent.mkdir()
        args += ["--templates", str(target.parent)]
    else:
        target = tmp_path / "pyproject.toml"
        monkeypatch.chdir(tmp_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _fifo_or_device(target, kind)
    with deadline(20):
        code = cli.main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{target.as_posix()}" in err and "not a regular file" in err, err
    assert not out.exists()


def test_an_input_file_past_the_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api = tmp_path / "api.json"
    _api(api)
    with open(api, "r+b") as handle:  # sparse: costs no disk
        handle.truncate(MAX_FILE_BYTES + 1)
    code = cli.main(["import", "tencentcloud", "--api", str(api), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "larger than 16 MiB" in err, err


# /dev/zero never ends: read whole, it is a MemoryError (or the OOM killer). Each
# case runs in a child limited to 1 GiB of address space, printing its exit code.
_ZERO_CASES = {
    "spec": (
        "specs/demo/2020-01-01/Ping.yaml",
        ["generate", "--specs", "{w}/specs", "--out", "{w}/out", "--no-cache", "-q", "-j", "1"],
    ),
    "api.json": ("in/api.json", ["import", "tencentcloud", "--api", "{w}/in/api.json", "--out", "{w}/out"]),
    "template": (
        "templates/header.jinja",
        [
            "generate",
            "--specs",
            "{w}/specs",
            "--out",
            "{w}/out",
            "--no-cache",
            "-q",
            "-j",
            "1",
            "--templates",
            "{w}/templates",
        ],
    ),
}


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize("which", sorted(_ZERO_CASES))
def test_an_input_linked_to_dev_zero_is_refused_not_read(tmp_path: Path, which: str) -> None:
    write_specs(tmp_path / "specs")
    _api(tmp_path / "in" / "api.json")
    relative, args = _ZERO_CASES[which]
    target = tmp_path / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    target.symlink_to("/dev/zero")
    argv = [arg.format(w=tmp_path) for arg in args]
    done = subprocess.run(
        [sys.executable, "-m", "codegen", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limited,
    )
    assert done.returncode == 2, done.stderr
    assert "not a regular file" in done.stderr and done.stderr.count("\n") <= 2, done.stderr
