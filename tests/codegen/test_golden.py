"""tests/golden.py itself: what a mismatch reports, and the rewrite under CODEGEN_REFRESH_GOLDEN=1."""

from __future__ import annotations

from pathlib import Path

import pytest

from .. import golden
from ..golden import check_golden


@pytest.fixture()
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(golden, "GOLDEN", tmp_path)
    monkeypatch.delenv(golden.REFRESH, raising=False)
    return tmp_path


def _refresh(monkeypatch: pytest.MonkeyPatch, name: str, files: dict[str, str]) -> None:
    monkeypatch.setenv(golden.REFRESH, "1")
    check_golden(name, files)
    monkeypatch.delenv(golden.REFRESH)


def test_refresh_writes_the_record_and_then_it_matches(records: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"a.py": "x = 1\n", "pkg/b.txt": "two\nlines"}
    _refresh(monkeypatch, "demo", files)
    assert (records / "demo/a.py").read_bytes() == b"x = 1\n"
    assert (records / "demo/pkg/b.txt").read_bytes() == b"two\nlines"
    check_golden("demo", files)


def test_missing_extra_and_differing_files_are_all_reported(records: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _refresh(monkeypatch, "demo", {"gone.py": "old\n", "same.py": "same\n", "changed.py": "a\nb\nc\n"})
    with pytest.raises(AssertionError) as error:
        check_golden("demo", {"same.py": "same\n", "changed.py": "a\nB\nc\n", "new.py": "new\n"})
    message = str(error.value)
    assert "missing (recorded, not produced): gone.py" in message
    assert "extra (produced, not recorded):   new.py" in message
    assert "differs:                          changed.py" in message
    assert "same.py" not in message
    assert "--- tests/golden/demo/changed.py\n+++ produced changed.py\n" in message
    assert "\n-b\n+B\n" in message
    assert "CODEGEN_REFRESH_GOLDEN=1" in message


def test_line_endings_count_and_show_in_the_diff(records: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _refresh(monkeypatch, "demo", {"a.txt": "one\ntwo\n"})
    with pytest.raises(AssertionError) as error:
        check_golden("demo", {"a.txt": "one\r\ntwo"})
    message = str(error.value)
    assert "+one\\r" in message and "+two  [no newline at end of file]" in message


def test_a_long_diff_is_cut(records: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _refresh(monkeypatch, "demo", {"big.txt": "".join(f"line {i}\n" for i in range(1000))})
    with pytest.raises(AssertionError) as error:
        check_golden("demo", {"big.txt": "".join(f"LINE {i}\n" for i in range(1000))})
    message = str(error.value)
    assert "more diff lines not shown" in message
    assert len(message.splitlines()) <= golden.MAX_DIFF_LINES + 5


def test_refresh_removes_stale_files_and_empty_folders(records: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _refresh(monkeypatch, "demo", {"keep.py": "k\n", "old/deep/stale.py": "s\n"})
    _refresh(monkeypatch, "demo", {"keep.py": "k\n"})
    assert sorted(p.relative_to(records).as_posix() for p in records.rglob("*")) == ["demo", "demo/keep.py"]


def test_a_record_not_written_yet_says_how_to_write_it(records: Path) -> None:
    with pytest.raises(AssertionError, match=r"no golden record tests/golden/nothing/ yet.*CODEGEN_REFRESH_GOLDEN=1"):
        check_golden("nothing", {"a.py": ""})


@pytest.mark.parametrize("path", ["", "/abs.py", "../up.py", "a/./b.py", "a//b.py", "a\\b.py", "a/"])
def test_paths_must_stay_inside_the_record(records: Path, path: str) -> None:
    with pytest.raises(ValueError, match="golden path"):
        check_golden("demo", {path: "x"})
