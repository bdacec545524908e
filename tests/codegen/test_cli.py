import os
import shutil
from pathlib import Path

import pytest

from ..conftest import FIXTURES, GENERATED, ROOT, SPECS, run_codegen
from ..spec_helpers import write_specs


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_committed_output_is_up_to_date() -> None:
    """The golden check: generated/ is exactly what specs/ generates."""
    result = run_codegen("generate", "--check")
    assert result.returncode == 0, result.stderr
    assert "0 files would change" in result.stderr


def test_check_lists_stale_files_and_exits_1(tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(GENERATED, out)
    (out / "tcsdk/trtc/v20190722/models.py").write_text("# edited\n")
    (out / "tcsdk/trtc/v20190722/extra.py").write_text("")
    before = snapshot(out)
    result = run_codegen("generate", "--check", "--out", str(out))
    assert result.returncode == 1
    assert f"stale: {out.as_posix()}/tcsdk/trtc/v20190722/models.py" in result.stderr
    assert f"stale: {out.as_posix()}/tcsdk/trtc/v20190722/extra.py" in result.stderr
    assert snapshot(out) == before


def test_output_is_byte_identical_across_runs_and_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for seed in ("0", "12345"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = run_codegen("generate", "--out", str(out), "-q", env=env)
        assert result.returncode == 0, result.stderr
        outputs.append(snapshot(out / "tcsdk"))
    assert outputs[0] == outputs[1] == snapshot(GENERATED / "tcsdk")


def test_output_carries_no_absolute_path_or_timestamp(tmp_path: Path) -> None:
    result = run_codegen("generate", "--specs", str(SPECS), "--out", str(tmp_path), "-q")
    assert result.returncode == 0, result.stderr
    for name, data in snapshot(tmp_path).items():
        text = data.decode()
        assert str(ROOT) not in text and str(tmp_path) not in text, name
        assert "2026" not in text, name


@pytest.mark.slow
def test_bad_input_exits_2_with_one_line_per_problem_and_writes_nothing(tmp_path: Path) -> None:
    specs = write_specs(
        tmp_path / "specs",
        {"demo/2020-01-01/Ping.yaml": "action: [\n", "demo/2020-01-01/Pong.yaml": "action: Pong\n"},
    )
    out = tmp_path / "out"
    assert run_codegen("generate", "--specs", str(FIXTURES / "edge"), "--out", str(out), "-q").returncode == 0
    before = snapshot(out)
    result = run_codegen("generate", "--specs", str(specs), "--out", str(out))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith(f"{specs.as_posix()}/demo/2020-01-01/Ping.yaml:2:1: invalid YAML") for line in lines)
    assert any("Pong.yaml" in line and "'request' is a required property" in line for line in lines)
    assert lines[-1].endswith("nothing was written")
    assert snapshot(out) == before


@pytest.mark.slow
def test_progress_and_summary_go_to_stderr(tmp_path: Path) -> None:
    result = run_codegen("generate", "--out", str(tmp_path), "--no-cache")
    assert result.returncode == 0
    assert result.stdout == ""
    assert "codegen: loading specs from specs" in result.stderr
    summary = result.stderr.strip().splitlines()[-1]
    files = sum(1 for path in (tmp_path / "tcsdk").rglob("*") if path.is_file())
    assert summary.startswith(
        f"codegen: 2 service versions, 9 actions: {files} files written, 0 unchanged, 0 removed in "
    )
    again = run_codegen("generate", "--out", str(tmp_path), "-q")
    assert f"0 files written, {files} unchanged, 0 removed" in again.stderr


def test_stale_files_of_removed_actions_are_deleted(tmp_path: Path) -> None:
    specs = write_specs(tmp_path / "specs", actions=("Ping", "Pong"))
    out = tmp_path / "out"
    assert run_codegen("generate", "--specs", str(specs), "--out", str(out), "-q").returncode == 0
    shutil.rmtree(specs / "demo")
    result = run_codegen("generate", "--specs", str(specs), "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert not (out / "tcsdk/demo").exists()
    # __init__, models, errors, client, aio, examples.json and the service __init__
    assert "7 removed" in result.stderr


def test_defaults_come_from_tool_codegen(tmp_path: Path) -> None:
    write_specs(tmp_path / "api")
    (tmp_path / "pyproject.toml").write_text('[tool.codegen]\nspecs = "api"\nout = "build/gen"\npackage = "mysdk"\n')
    sub = tmp_path / "deeper"
    sub.mkdir()
    result = run_codegen("generate", "-q", cwd=sub, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "build/gen/mysdk/demo/v20200101/models.py").is_file()


def test_unknown_config_key_and_bad_package_name(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.codegen]\nspec = "api"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = run_codegen("generate", cwd=tmp_path, env=env)
    assert result.returncode == 2 and "unknown keys spec" in result.stderr
    result = run_codegen("generate", "--package", "not-a-name", "--specs", str(SPECS), cwd=ROOT)
    assert result.returncode == 2 and "not a usable package name" in result.stderr


def test_an_output_folder_that_cannot_be_made_is_one_line_naming_it(tmp_path: Path) -> None:
    # A regular file where a folder must go fails for every user, root included.
    blocker = tmp_path / "file"
    blocker.write_text("")
    for args in (
        ("generate", "--specs", str(SPECS), "--out", str(blocker / "out"), "-q", "--no-cache"),
        (
            "import",
            "tencentcloud",
            "--api",
            str(FIXTURES / "tencent/demo/v20200101/api.json"),
            "--out",
            str(blocker / "specs"),
        ),
    ):
        result = run_codegen(*args, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith(f"codegen: {blocker}"), result.stderr
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_a_missing_dependency_is_named_with_the_install_command(tmp_path: Path) -> None:
    # As when the checkout is run by a Python the generator was not installed
    # into: black cannot be imported (in the workers too) when files are formatted.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "black.py").write_text("raise ModuleNotFoundError(\"No module named 'black'\", name='black')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shadow), str(ROOT)])}
    out = tmp_path / "out"
    result = run_codegen(
        "generate", "--specs", str(SPECS), "--out", str(out), "--no-cache", "-q", cwd=tmp_path, env=env
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("codegen: black is not installed for "), result.stderr
    assert "pip install" in result.stderr and "internal error" not in result.stderr
    assert not out.exists()


def test_a_module_missing_from_the_generator_itself_is_still_a_bug_to_report() -> None:
    from codegen import cli

    assert cli.missing_dependency(ModuleNotFoundError("no codegen.gone", name="codegen.gone")) is None
    assert cli.missing_dependency(ValueError("x")) is None
    assert "jsonschema is not installed" in (
        cli.missing_dependency(ModuleNotFoundError(name="jsonschema.validators")) or ""
    )
