"""The generation cache: hits give the same bytes as a cold run, and a bad entry is never trusted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen import cache as cache_module
from codegen.cache import Cache

from ..conftest import ROOT, SPECS, run_codegen


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _entries(cache_dir: Path, kind: str) -> list[Path]:
    return sorted(p for p in (cache_dir / kind).rglob("*") if p.is_file() and not p.name.startswith("."))


@pytest.fixture(scope="module")
def cold(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The output of specs/ generated without a cache."""
    out = tmp_path_factory.mktemp("cold")
    assert run_codegen("generate", "--out", str(out), "--no-cache", "-q").returncode == 0
    return _tree(out)


def _generate(out: Path, cache_dir: Path, specs: Path = SPECS, *extra: str) -> subprocess.CompletedProcess[str]:
    result = run_codegen(
        "generate", "--specs", str(specs), "--out", str(out), "--cache-dir", str(cache_dir), "-q", *extra
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.slow
def test_a_warm_run_takes_everything_from_the_cache_and_loads_no_renderer(
    tmp_path: Path, cold: dict[str, bytes]
) -> None:
    cache_dir = tmp_path / "cache"
    _generate(tmp_path / "first", cache_dir)
    assert _tree(tmp_path / "first") == cold
    assert len(_entries(cache_dir, "service")) == 2 and len(_entries(cache_dir, "package")) == 1
    assert len(_entries(cache_dir, "run")) == 1
    # A second output folder: every file comes from the cache, no renderer is imported.
    probe = (
        "import sys\nfrom codegen.cli import main\n"
        f"code = main(['generate', '--out', {str(tmp_path / 'second')!r}, '--cache-dir', {str(cache_dir)!r}, '-q'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'black', 'jinja2', 'datamodel_code_generator', "
        "'jsonschema', 'yaml', 'multiprocessing'})\n"
        # Nor the stages that load, build, render or format: the input is read and hashed, that is all.
        "stages = sorted(set(sys.modules) & {'codegen.loader', 'codegen.ir', 'codegen.build', 'codegen.units', "
        "'codegen.render', 'codegen.surface', 'codegen.importers.tencent_api'})\n"
        "print(code, heavy, stages)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0 [] []"
    assert "2 service versions (2 from the cache)" in result.stderr
    assert _tree(tmp_path / "second") == cold


@pytest.mark.slow
def test_one_changed_action_regenerates_only_its_service(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    cache_dir = tmp_path / "cache"
    _generate(tmp_path / "warm", cache_dir, specs)
    action = sorted(p for p in (specs / "trtc").rglob("*.yaml") if p.name != "service.yaml")[0]
    text = action.read_text("utf-8")
    assert "description:" in text
    action.write_text(text.replace("description:", "description: Changed.", 1), "utf-8")
    result = _generate(tmp_path / "warm", cache_dir, specs, "--jobs", "1")
    assert "(1 from the cache)" in result.stderr
    assert (
        run_codegen("generate", "--specs", str(specs), "--out", str(tmp_path / "cold"), "--no-cache", "-q").returncode
        == 0
    )
    assert _tree(tmp_path / "warm") == _tree(tmp_path / "cold")


@pytest.mark.slow
def test_options_are_part_of_the_key(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    _generate(tmp_path / "a", cache_dir)
    result = _generate(tmp_path / "b", cache_dir, SPECS, "--package", "othersdk")
    assert "from the cache" not in result.stderr
    assert (tmp_path / "b" / "othersdk" / "__init__.py").is_file()
    assert not (tmp_path / "b" / "tcsdk").exists()


def test_the_generator_fingerprint_covers_tool_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    cache_module.generator_fingerprint.cache_clear()
    before = cache_module.generator_fingerprint()
    real = cache_module.installed_version
    monkeypatch.setattr(cache_module, "installed_version", lambda name: "99.0" if name == "black" else real(name))
    cache_module.generator_fingerprint.cache_clear()
    try:
        assert cache_module.generator_fingerprint() != before
    finally:
        monkeypatch.undo()
        cache_module.generator_fingerprint.cache_clear()
    assert cache_module.generator_fingerprint() == before


def test_installed_versions_are_the_ones_importlib_metadata_finds() -> None:
    from importlib import metadata

    for name in ("black", "datamodel-code-generator", "Jinja2", "jsonschema", "pyyaml"):
        assert cache_module.installed_version(name) == metadata.version(name)


def _damage(path: Path, how: str, other: bytes) -> None:
    raw = path.read_bytes()
    if how == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "corrupted":
        index = len(raw) - 10
        path.write_bytes(raw[:index] + bytes([raw[index] ^ 0x01]) + raw[index + 1 :])
    elif how == "foreign":
        path.write_bytes(other)  # a whole, valid entry of another key
    elif how == "garbage":
        path.write_bytes(os.urandom(200))
    else:
        path.write_bytes(b"")


@pytest.mark.slow
@pytest.mark.parametrize("how", ["truncated", "corrupted", "foreign", "garbage", "empty"])
def test_a_damaged_entry_is_ignored_and_replaced(tmp_path: Path, cold: dict[str, bytes], how: str) -> None:
    cache_dir = tmp_path / "cache"
    _generate(tmp_path / "first", cache_dir)
    services = _entries(cache_dir, "service")
    originals = [entry.read_bytes() for entry in services]
    for index, entry in enumerate(services):
        _damage(entry, how, originals[index - 1])
    _damage(_entries(cache_dir, "package")[0], how, originals[0])
    _damage(_entries(cache_dir, "run")[0], how, originals[0])
    result = _generate(tmp_path / "second", cache_dir)
    assert "from the cache" not in result.stderr
    assert _tree(tmp_path / "second") == cold
    # The entries were written again and are trusted now.
    assert "(2 from the cache)" in _generate(tmp_path / "third", cache_dir).stderr


@pytest.mark.slow
def test_a_run_entry_whose_parts_are_gone_falls_back_to_the_units(tmp_path: Path, cold: dict[str, bytes]) -> None:
    """The "run" entry only points at the service and package entries: with one of them
    gone, the others still serve and the missing one is generated again."""
    cache_dir = tmp_path / "cache"
    _generate(tmp_path / "first", cache_dir)
    _entries(cache_dir, "service")[0].unlink()
    result = _generate(tmp_path / "second", cache_dir)
    assert "(1 from the cache)" in result.stderr
    assert _tree(tmp_path / "second") == cold
    _entries(cache_dir, "package")[0].unlink()
    assert "(2 from the cache)" in _generate(tmp_path / "third", cache_dir).stderr
    assert _tree(tmp_path / "third") == cold


def test_an_entry_is_read_back_only_under_its_own_key(tmp_path: Path) -> None:
    store = Cache(tmp_path)
    store.put("service", "a" * 64, {"files": {}})
    assert store.get("service", "a" * 64) == {"files": {}}
    (tmp_path / "service" / "bb").mkdir()
    shutil.copy(tmp_path / "service" / "aa" / ("a" * 64), tmp_path / "service" / "bb" / ("b" * 64))
    assert store.get("service", "b" * 64) is None
    assert Cache(None).get("service", "a" * 64) is None


@pytest.mark.slow
def test_no_cache_and_an_unwritable_cache_still_generate(tmp_path: Path, cold: dict[str, bytes]) -> None:
    env = {**os.environ, "CODEGEN_CACHE_DIR": str(tmp_path / "default")}
    result = run_codegen("generate", "--out", str(tmp_path / "a"), "--no-cache", "-q", env=env)
    assert result.returncode == 0 and not (tmp_path / "default").exists()
    assert _tree(tmp_path / "a") == cold
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", "utf-8")
    _generate(tmp_path / "b", blocked / "cache")
    assert _tree(tmp_path / "b") == cold


@pytest.mark.slow
def test_the_cache_folder_comes_from_the_environment_or_pyproject(tmp_path: Path, cold: dict[str, bytes]) -> None:
    env = {**os.environ, "CODEGEN_CACHE_DIR": str(tmp_path / "from-env")}
    assert run_codegen("generate", "--out", str(tmp_path / "a"), "-q", env=env).returncode == 0
    assert _entries(tmp_path / "from-env", "service")
    project = tmp_path / "project"
    shutil.copytree(SPECS, project / "specs")
    (project / "pyproject.toml").write_text('[tool.codegen]\ncache_dir = ".codegen-cache"\n', "utf-8")
    assert run_codegen("generate", "-q", cwd=project, env=env).returncode == 0
    assert _entries(project / ".codegen-cache", "service")
    assert _tree(project / "generated") == cold


@pytest.mark.slow
def test_concurrent_runs_share_one_cache(tmp_path: Path, cold: dict[str, bytes]) -> None:
    cache_dir = tmp_path / "cache"
    command = [sys.executable, "-m", "codegen", "generate", "--cache-dir", str(cache_dir), "-q", "--jobs", "1"]
    runs = [
        subprocess.Popen([*command, "--out", str(tmp_path / f"out{n}")], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for n in range(3)
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr
    for n in range(3):
        assert _tree(tmp_path / f"out{n}") == cold
    assert not [p for p in cache_dir.rglob(".tmp-*")]
    assert "(2 from the cache)" in _generate(tmp_path / "after", cache_dir).stderr


def test_unchanged_spec_files_are_not_validated_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from codegen import loader

    path = next(SPECS.rglob("service.yaml"))
    store = Cache(tmp_path)
    document, problems = loader.load_bytes(path.read_bytes(), "service_file", "s.yaml", "x/y", "service", store)
    assert document is not None and not problems

    def refuse(kind: str) -> None:
        raise AssertionError("validated again")

    monkeypatch.setattr(loader, "_validator", refuse)
    again, problems = loader.load_bytes(path.read_bytes(), "service_file", "s.yaml", "x/y", "service", store)
    assert again is not None and again.data == document.data and not problems
    # The key is the data, not the layout: a comment changes nothing, a value does.
    assert loader.load_bytes(path.read_bytes() + b"# note\n", "service_file", "s.yaml", "x/y", "service", store)[0]
    with pytest.raises(AssertionError, match="validated again"):
        changed = path.read_bytes().replace(b"description: ", b"description: Changed. ", 1)
        loader.load_bytes(changed, "service_file", "s.yaml", "x/y", "service", store)
    # Failures are never stored: a bad file is checked (and reported) on every run.
    monkeypatch.undo()
    bad = b"service: 3\n"
    assert loader.load_bytes(bad, "service_file", "s.yaml", "x/y", "service", store)[1]
    assert loader.load_bytes(bad, "service_file", "s.yaml", "x/y", "service", store)[1]


@pytest.mark.slow
def test_the_cache_never_holds_a_failed_generation(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    service = next(specs.rglob("service.yaml"))
    service.write_text(service.read_text("utf-8") + "\nunknown_key: 1\n", "utf-8")
    cache_dir = tmp_path / "cache"
    for _ in range(2):
        result = run_codegen(
            "generate", "--specs", str(specs), "--out", str(tmp_path / "out"), "--cache-dir", str(cache_dir)
        )
        assert result.returncode == 2 and "unknown_key" in result.stderr
    assert not (tmp_path / "out" / "tcsdk").exists()
    broken = service.parent.parent.name
    stored = [json.loads(p.read_bytes().split(b"\n", 3)[3]) for p in _entries(cache_dir, "service")]
    assert [entry["index"]["service"] != broken for entry in stored] == [True]
