import contextlib
import os
from pathlib import Path

import pytest

from codegen import writer
from codegen.writer import LockedError, compare, locked, write_tree

FILES = {"pkg/__init__.py": "", "pkg/a.py": "A = 1\n", "pkg/sub/b.py": "B = 2\n"}


def test_first_write_then_nothing_to_do(tmp_path: Path) -> None:
    changes = write_tree(FILES, tmp_path, "pkg")
    assert changes.written == sorted(FILES) and not changes.removed
    assert (tmp_path / "pkg/sub/b.py").read_text() == "B = 2\n"
    again = write_tree(FILES, tmp_path, "pkg")
    assert again.unchanged == sorted(FILES) and not again.written


def test_unchanged_files_keep_their_inode_and_stale_files_go(tmp_path: Path) -> None:
    write_tree(FILES, tmp_path, "pkg")
    before = (tmp_path / "pkg/a.py").stat()
    changed = {"pkg/__init__.py": "", "pkg/a.py": "A = 1\n", "pkg/c.py": "C = 3\n"}
    changes = write_tree(changed, tmp_path, "pkg")
    assert changes.removed == ["pkg/sub/b.py"]
    assert changes.written == ["pkg/c.py"]
    assert not (tmp_path / "pkg/sub").exists()
    after = (tmp_path / "pkg/a.py").stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_files_outside_the_package_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("mine")
    write_tree(FILES, tmp_path, "pkg")
    assert (tmp_path / "README").read_text() == "mine"


def test_a_failure_mid_write_leaves_the_old_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(FILES, tmp_path, "pkg")
    calls = 0

    def failing_fsync(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        write_tree({name: text + "# changed\n" for name, text in FILES.items()}, tmp_path, "pkg")
    assert (tmp_path / "pkg/a.py").read_text() == "A = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".pkg.new")) == []


def test_leftovers_of_a_killed_swap_are_recovered(tmp_path: Path) -> None:
    write_tree(FILES, tmp_path, "pkg")
    # A run killed between its two renames leaves only the old tree, renamed.
    (tmp_path / "pkg").rename(tmp_path / ".pkg.old-x")
    (tmp_path / ".pkg.new-y").mkdir()
    changes = write_tree(FILES, tmp_path, "pkg")
    assert changes.unchanged == sorted(FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]


def test_a_second_run_cannot_take_the_lock(tmp_path: Path) -> None:
    with locked(tmp_path, "pkg"):
        with pytest.raises(LockedError, match="another codegen run"):
            with locked(tmp_path, "pkg"):
                pass
    with locked(tmp_path, "pkg"):
        write_tree(FILES, tmp_path, "pkg")


def test_a_failed_run_leaves_no_folder_it_made(tmp_path: Path) -> None:
    """Bad input stops a run after it took the lock: the output folders it made for it go again."""
    out = tmp_path / "new" / "out"
    with pytest.raises(ValueError), locked(out, "pkg"):
        raise ValueError("bad specs")
    assert not (tmp_path / "new").exists()
    # A folder that was there keeps what it holds; a successful run keeps its lock file.
    (tmp_path / "kept").mkdir()
    with pytest.raises(ValueError), locked(tmp_path / "kept" / "out", "pkg"):
        (tmp_path / "kept" / "other").write_text("")
        raise ValueError("bad specs")
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["other"]
    with locked(out, "pkg"):
        pass
    assert (out / ".pkg.codegen.lock").is_file()


def test_a_run_that_loses_the_lock_leaves_the_winners_lock_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs start on a folder that does not exist yet; the one that loses removes nothing."""
    out = tmp_path / "new"
    real_mkdir = Path.mkdir
    winner = contextlib.ExitStack()
    raced: list[bool] = []

    def mkdir_then_race(self: Path, *args: object, **kwargs: object) -> None:
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]
        if self == out and not raced:
            raced.append(True)
            winner.enter_context(locked(out, "pkg"))  # the other run takes the lock right now

    monkeypatch.setattr(Path, "mkdir", mkdir_then_race)
    with winner:
        with pytest.raises(LockedError), locked(out, "pkg"):
            pass
        assert (out / ".pkg.codegen.lock").is_file()
        with pytest.raises(LockedError):  # the winner still holds it
            with locked(out, "pkg"):
                pass


def test_compare_writes_nothing(tmp_path: Path) -> None:
    changes = compare(FILES, tmp_path, "pkg")
    assert changes.stale == sorted(FILES)
    assert not (tmp_path / "pkg").exists()


def test_new_folders_get_ordinary_permissions(tmp_path: Path) -> None:
    write_tree(FILES, tmp_path, "pkg")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "pkg").stat().st_mode & 0o777 == 0o777 & ~mask
    assert writer._directory_mode() == 0o777 & ~mask
