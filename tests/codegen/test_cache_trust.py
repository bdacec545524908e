"""What the cache trusts (issue 22, item 7): its key covers every template file
a run can read, symlinked folders included; an entry is read only as a regular
file, never through a symlink; a cache folder another user may write is not used."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from codegen import cache as cache_module
from codegen import cli
from codegen.cache import Cache, folder_fingerprint
from codegen.package_files import override_files

from ..conftest import ROOT
from ..spec_helpers import write_specs

HEADER_WITH_PART = '{% include "shared/part.jinja" %}\n'


def _overrides_with_linked_folder(tmp_path: Path) -> tuple[Path, Path]:
    """A templates folder whose ``shared/`` is a symlink to a folder elsewhere."""
    templates, shared = tmp_path / "templates", tmp_path / "elsewhere"
    templates.mkdir()
    shared.mkdir()
    (shared / "part.jinja").write_text("# part: one\n", "utf-8")
    (templates / "shared").symlink_to(shared)
    return templates, shared / "part.jinja"


def test_the_key_covers_files_in_a_symlinked_folder(tmp_path: Path) -> None:
    templates, part = _overrides_with_linked_folder(tmp_path)
    before = folder_fingerprint(templates)
    part.write_text("# part: two\n", "utf-8")
    assert folder_fingerprint(templates) != before
    assert "shared/part.jinja" in override_files(templates)


def test_a_symlink_loop_in_the_templates_folder_ends(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "a").mkdir(parents=True)
    (templates / "a" / "x.jinja").write_text("x", "utf-8")
    (templates / "a" / "up").symlink_to(templates)
    (templates / "dangling").symlink_to(tmp_path / "missing")  # an editor's lock: not a file
    assert override_files(templates) == ["a/x.jinja"]
    folder_fingerprint(templates)


def test_changing_a_template_in_a_symlinked_folder_regenerates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from codegen.package_files import template_dir

    templates, part = _overrides_with_linked_folder(tmp_path)
    header = (template_dir() / "header.jinja").read_text("utf-8")
    (templates / "header.jinja").write_text(header + HEADER_WITH_PART, "utf-8")
    specs, out = write_specs(tmp_path / "specs"), tmp_path / "out"
    args = ["generate", "--specs", str(specs), "--out", str(out), "-q", "-j", "1"]
    args += ["--cache-dir", str(tmp_path / "cache"), "--templates", str(templates)]
    client = out / "tcsdk" / "demo" / "v20200101" / "client.py"
    assert cli.main(args) == 0, capsys.readouterr().err
    assert "# part: one" in client.read_text("utf-8")
    part.write_text("# part: two\n", "utf-8")
    assert cli.main(args) == 0, capsys.readouterr().err
    assert "# part: two" in client.read_text("utf-8")


def test_an_entry_that_is_a_symlink_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    cache.put("service", "k" * 64, {"files": {"a.py": "genuine"}})
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    Cache(foreign).put("service", "k" * 64, {"files": {"a.py": "planted"}})
    entry = cache._path("service", "k" * 64)
    planted = foreign / entry.relative_to(tmp_path / "cache")
    entry.unlink()
    entry.symlink_to(planted)  # a valid entry, with the right key and digest, elsewhere
    assert cache.get("service", "k" * 64) is None
    cache.put("service", "k" * 64, {"files": {"a.py": "genuine"}})
    assert not entry.is_symlink() and cache.get("service", "k" * 64) == {"files": {"a.py": "genuine"}}
    assert Cache(foreign).get("service", "k" * 64) == {"files": {"a.py": "planted"}}  # not written through


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_an_entry_linked_to_dev_zero_is_a_miss(tmp_path: Path) -> None:
    # In a child with a bounded address space: read whole, /dev/zero exhausts memory.
    probe = (
        "from pathlib import Path\nfrom codegen.cache import Cache\n"
        f"cache = Cache(Path({str(tmp_path / 'cache')!r}))\n"
        "entry = cache._path('run', 'k' * 64)\nentry.parent.mkdir(parents=True)\nentry.symlink_to('/dev/zero')\n"
        "print(cache.get('run', 'k' * 64))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, preexec_fn=_limited
    )
    assert done.returncode == 0 and done.stdout == "None\n", done.stderr


def test_cache_folders_are_made_for_their_owner_alone(tmp_path: Path) -> None:
    old = os.umask(0o002)  # a common default: group-writable folders
    try:
        Cache(tmp_path / "cache").put("run", "k" * 64, {})
    finally:
        os.umask(old)
    for folder in (tmp_path / "cache", tmp_path / "cache" / "run", tmp_path / "cache" / "run" / "kk"):
        assert folder.stat().st_mode & 0o022 == 0, folder
    assert cache_module.untrusted(tmp_path / "cache") is None


def test_a_cache_folder_others_may_write_is_not_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    cache_dir.chmod(0o777)
    specs, out = write_specs(tmp_path / "specs"), tmp_path / "out"
    args = ["generate", "--specs", str(specs), "--out", str(out), "-j", "1", "-q", "--cache-dir", str(cache_dir)]
    assert cli.main(args) == 0
    err = capsys.readouterr().err
    assert f"warning: cache folder {cache_dir.as_posix()} is writable by other users" in err, err
    assert list(cache_dir.iterdir()) == []  # nothing read, nothing written
    assert (out / "tcsdk" / "demo" / "v20200101" / "client.py").is_file()  # the run did its work
