"""Regeneration in a build step: the changelog, and ``codegen import`` writing all or nothing under a lock."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from codegen import writer
from codegen.changelog import SURFACE_FILE, prepend
from codegen.writer import folder_lock, replace_folder

from ..conftest import FIXTURES, SPECS, run_codegen
from ..spec_helpers import write_specs

TENCENT = FIXTURES / "tencent" / "demo" / "v20200101"


def _generate(specs: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> str:
    result = run_codegen("generate", "--specs", str(specs), "--out", str(out), "-q", *extra, env=env)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_changelog_entries_only_when_the_output_changes(tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", actions=("Ping", "Pong"))
    out, changelog = tmp_path / "out", tmp_path / "CHANGELOG.md"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764374400"}  # 2025-11-29
    _generate(specs, out, "--changelog", str(changelog), env=env)
    assert (out / "tcsdk" / SURFACE_FILE).is_file()
    assert changelog.read_text("utf-8") == (
        "# Changelog\n\n## 2025-11-29: tcsdk regenerated\n\nFirst recorded generation: 1 service versions, 2 actions.\n"
    )
    first = changelog.read_text("utf-8")
    _generate(specs, out, "--changelog", str(changelog), env=env)
    assert changelog.read_text("utf-8") == first  # nothing changed, nothing added

    (specs / "demo" / "2020-01-01" / "Pong.yaml").unlink()
    ping = specs / "demo" / "2020-01-01" / "Ping.yaml"
    ping.write_text(
        ping.read_text("utf-8").replace(
            "    Id: {type: string}\n", "    Id: {type: string}\n    Note: {type: string}\n"
        )
    )
    env["SOURCE_DATE_EPOCH"] = "1764460800"  # 2025-11-30
    _generate(specs, out, "--changelog", str(changelog), env=env)
    text = changelog.read_text("utf-8")
    assert text.startswith("# Changelog\n\n## 2025-11-30: tcsdk regenerated\n\n1 breaking, 1 compatible.\n")
    assert "- **BREAKING** Pong: action removed (DemoClient.pong) (`tcsdk.demo.v20200101.DemoClient.pong`)" in text
    assert "- **compatible** Ping: request field note (Note) added (optional)" in text
    assert text.endswith("First recorded generation: 1 service versions, 2 actions.\n")
    # The record is part of the output: --check knows it.
    check = run_codegen(
        "generate", "--specs", str(specs), "--out", str(out), "--check", "-q", "--changelog", str(changelog)
    )
    assert check.returncode == 0, check.stderr


@pytest.mark.slow
def test_changelog_after_a_generator_change_and_with_a_damaged_record(tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs")
    out, changelog = tmp_path / "out", tmp_path / "CHANGELOG.md"
    _generate(specs, out, "--changelog", str(changelog))
    client = next((out / "tcsdk").rglob("client.py"))
    client.write_text(client.read_text("utf-8") + "# edited\n", encoding="utf-8")
    _generate(specs, out, "--changelog", str(changelog))
    assert "No API changes; 1 generated files changed (generator or templates)." in changelog.read_text("utf-8")
    # A record that is not ours is never trusted: the entry starts afresh.
    (out / "tcsdk" / SURFACE_FILE).write_text('{"schema": "codegen-surface/1", "services": 3}', encoding="utf-8")
    _generate(specs, out, "--changelog", str(changelog))
    assert changelog.read_text("utf-8").count("First recorded generation") == 2


def test_prepend_keeps_the_heading_and_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "CHANGES.md"
    path.write_text("# Our changes\n\nOlder text.\n", encoding="utf-8")
    path.chmod(0o640)
    prepend(path, "## New\n\nNewer text.\n")
    assert path.read_text("utf-8") == "# Our changes\n\n## New\n\nNewer text.\n\nOlder text.\n"
    assert path.stat().st_mode & 0o777 == 0o640


def _import(out: Path, *extra: str) -> tuple[int, str]:
    result = run_codegen(
        "import",
        "tencentcloud",
        "--api",
        str(TENCENT / "api.json"),
        "--errors",
        str(TENCENT / "errors.json"),
        "--out",
        str(out),
        *extra,
    )
    return result.returncode, result.stderr


def test_import_prints_what_changed_for_user_code(tmp_path: Path) -> None:
    out = tmp_path / "specs"
    code, first = _import(out)
    assert code == 0, first
    assert "codegen diff" not in first  # a first import has nothing to compare with
    folder = out / "demo" / "2020-01-01"
    extra = folder / "Extra.yaml"
    extra.write_text((folder / "CreateWidget.yaml").read_text("utf-8").replace("action: CreateWidget", "action: Extra"))
    code, second = _import(out)
    assert code == 0, second
    assert "removed: demo/2020-01-01/Extra.yaml" in second
    assert "BREAKING    Extra: action removed (DemoClient.extra)" in second
    code, third = _import(out)
    assert "codegen diff" not in third and "0 added, 0 changed" in third


def test_import_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "specs"
    assert _import(out)[0] == 0
    folder = out / "demo" / "2020-01-01"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    (folder / "Extra.yaml").write_text(
        (folder / "CreateWidget.yaml").read_text("utf-8").replace("CreateWidget", "Extra")
    )
    before["Extra.yaml"] = (folder / "Extra.yaml").read_bytes()

    # Fail after the old folder has been moved aside: it comes back whole.
    real_rename = Path.rename

    def failing_rename(self: Path, target: Path) -> Path:  # type: ignore[override]
        if self.name == "new":
            raise OSError("disk full")
        return real_rename(self, target)

    from codegen.importers.tencentcloud import TencentCloudImporter
    from codegen.specfiles import import_specs

    monkeypatch.setattr(Path, "rename", failing_rename)
    with pytest.raises(OSError):
        import_specs(TencentCloudImporter(), TENCENT / "api.json", TENCENT / "errors.json", None, out, None)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not (out / writer.WORKSPACE).exists()


def test_a_killed_swap_is_repaired_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "specs" / "demo" / "2020-01-01"
    workspace = tmp_path / "specs" / writer.WORKSPACE
    # What a kill between the two renames leaves: the old folder aside, no target.
    job = workspace / "job1"
    (job / "old").mkdir(parents=True)
    (job / "old" / "service.yaml").write_text("old", encoding="utf-8")
    (job / "target").write_text(str(target.resolve()), encoding="utf-8")
    writer.recover_workspace(workspace)
    assert (target / "service.yaml").read_text("utf-8") == "old"
    replace_folder(target, {"service.yaml": "new", "A.yaml": "a"}, workspace)
    assert sorted(p.name for p in target.iterdir()) == ["A.yaml", "service.yaml"]
    assert not workspace.exists()


@pytest.mark.slow
def test_import_and_generate_exclude_each_other(tmp_path: Path) -> None:
    out = tmp_path / "specs"
    assert _import(out)[0] == 0
    with folder_lock(out, shared=False):
        code, stderr = _import(out)
        assert code == 2 and "another codegen run is using this spec folder" in stderr
        generated = run_codegen("generate", "--specs", str(out), "--out", str(tmp_path / "gen"), "-q")
        assert generated.returncode == 2 and "a codegen import is writing this spec folder" in generated.stderr
    with folder_lock(out, shared=True):
        code, stderr = _import(out)
        assert code == 2
    assert _import(out)[0] == 0
    assert not list(out.glob(".*"))  # the lock leaves no file behind


def test_import_of_a_missing_file_says_not_found(tmp_path: Path) -> None:
    result = run_codegen("import", "tencentcloud", "--api", str(tmp_path / "nope.json"), "--out", str(tmp_path / "s"))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"{(tmp_path / 'nope.json').as_posix()}: cannot import: file not found"


def test_pre_commit_hooks_name_real_commands() -> None:
    import yaml

    hooks = yaml.safe_load((SPECS.parent / ".pre-commit-hooks.yaml").read_text("utf-8"))
    by_id = {hook["id"]: hook for hook in hooks}
    assert by_id["codegen-check"]["entry"] == "codegen generate --check"
    assert by_id["codegen-diff"]["entry"].startswith("codegen diff --git HEAD --fail-on breaking")
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert json.dumps(hooks)  # plain data
    assert shutil.which("codegen") is not None


@pytest.mark.slow
def test_vendoring_recipe_generates_into_a_source_tree(tmp_path: Path) -> None:
    vendor = tmp_path / "src" / "myapp" / "_vendor"
    vendor.mkdir(parents=True)
    (vendor.parent / "__init__.py").write_text("", encoding="utf-8")
    (vendor / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.codegen]\nspecs = "{SPECS.as_posix()}"\nout = "src/myapp/_vendor"\npackage = "tencentcloud"\n',
        encoding="utf-8",
    )
    result = run_codegen("generate", "-q", "--changelog", "src/myapp/_vendor/CHANGELOG.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (vendor / "CHANGELOG.md").is_file()
    code = (
        "from myapp._vendor.tencentcloud.trtc.v20190722.client import TrtcClient\n"
        "from myapp._vendor.tencentcloud.trtc.v20190722 import models\n"
        "print(TrtcClient.__module__, models.DismissRoomRequest(sdk_app_id=1, room_id=2).room_id)\n"
    )
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path / "src", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "myapp._vendor.tencentcloud.trtc.v20190722.client 2\n"


@pytest.mark.slow
def test_changelog_from_tool_codegen(tmp_path: Path) -> None:
    write_specs(tmp_path / "specs")
    (tmp_path / "pyproject.toml").write_text('[tool.codegen]\nchangelog = "docs/CHANGES.md"\n', encoding="utf-8")
    result = run_codegen("generate", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "docs" / "CHANGES.md").read_text("utf-8").startswith("# Changelog\n\n## ")
    assert (tmp_path / "generated" / "tcsdk" / SURFACE_FILE).is_file()
