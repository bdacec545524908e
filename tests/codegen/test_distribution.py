"""``codegen generate --distribution``: the pyproject.toml beside the package, and a wheel built from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen.cli import main
from codegen.distribution import (
    RUNTIME_REQUIREMENTS,
    TESTED_RUNTIME,
    _string,
    content_version,
    pyproject_text,
    version_problem,
)
from codegen.writer import replace_file

from ..conftest import ROOT, SPECS
from ..fake_tencent import FakeTencentCloud
from ..spec_helpers import write_specs

packaging_requirements = pytest.importorskip("packaging.requirements")
packaging_version = pytest.importorskip("packaging.version")

FILES = {
    "tcsdk/__init__.py": "SERVICES = ()\n",
    "tcsdk/py.typed": "",
    "tcsdk/common/__init__.py": "",
    "tcsdk/common/data.json": "{}\n",
}


@pytest.fixture(autouse=True)
def _no_project_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the command line from an empty folder, away from this repository's [tool.codegen]."""
    home = tmp_path / "cwd"
    home.mkdir()
    monkeypatch.chdir(home)


def generate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["generate", "-q", "-j", "1", *args])
    return code, capsys.readouterr().err.splitlines()


# --- the text ---------------------------------------------------------------


def test_text_is_valid_toml_describing_only_the_package() -> None:
    data = tomllib.loads(pyproject_text("acme-tencent", "tcsdk", FILES))
    assert data["build-system"] == {"requires": ["setuptools>=61"], "build-backend": "setuptools.build_meta"}
    project = data["project"]
    assert project["name"] == "acme-tencent"
    assert project["version"] == content_version(FILES)
    assert project["requires-python"] == ">=3.11"
    assert project["dependencies"] == list(RUNTIME_REQUIREMENTS)
    assert project["description"]
    setuptools = data["tool"]["setuptools"]
    assert setuptools["packages"]["find"]["include"] == ["tcsdk", "tcsdk.*"]
    assert setuptools["package-data"] == {"tcsdk": ["py.typed"], "tcsdk.common": ["data.json"]}


def test_text_is_byte_identical_and_the_version_follows_the_output() -> None:
    first = pyproject_text("acme", "tcsdk", FILES)
    assert pyproject_text("acme", "tcsdk", dict(reversed(list(FILES.items())))) == first
    version = content_version(FILES)
    assert version.startswith("0.0.0+g") and len(version) == len("0.0.0+g") + 12
    assert version_problem(version) is None
    changed = {**FILES, "tcsdk/__init__.py": "SERVICES = ('x',)\n"}
    renamed = {name.replace("data.json", "data2.json"): text for name, text in FILES.items()}
    # The same bytes split differently between path and text are different output.
    split_one, split_two = {"tcsdk/a": "bc"}, {"tcsdk/ab": "c"}
    versions = {version, *(content_version(f) for f in (changed, renamed, split_one, split_two))}
    assert len(versions) == 5
    assert tomllib.loads(pyproject_text("acme", "tcsdk", FILES, "2.1rc1"))["project"]["version"] == "2.1rc1"


@given(st.text(st.characters(exclude_categories=["Cs"])))
def test_strings_are_escaped_for_toml(value: str) -> None:
    assert tomllib.loads(f"key = {_string(value)}\n")["key"] == value


@given(st.text("0123456789vV.!+-_abcdeilnoprstvwxRC", max_size=14))
def test_version_check_agrees_with_pep_440(version: str) -> None:
    try:
        packaging_version.Version(version)
        valid = True
    except packaging_version.InvalidVersion:
        valid = False
    assert (version_problem(version) is None) == valid


def test_runtime_ranges_match_the_pins_we_test_with() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["optional-dependencies"]
    for extra in ("runtime", "test"):
        pins = {}
        for line in extras[extra]:
            requirement = packaging_requirements.Requirement(line)
            if requirement.name in dict(TESTED_RUNTIME):
                (specifier,) = requirement.specifier
                assert specifier.operator == "=="
                pins[requirement.name] = specifier.version
        assert pins == dict(TESTED_RUNTIME), extra
    assert [packaging_requirements.Requirement(r).name for r in RUNTIME_REQUIREMENTS] == [n for n, _ in TESTED_RUNTIME]
    for requirement, (_, tested) in zip(RUNTIME_REQUIREMENTS, TESTED_RUNTIME, strict=True):
        specifier = packaging_requirements.Requirement(requirement).specifier
        major, minor, patch = (int(part) for part in tested.split("."))
        assert tested in specifier
        assert f"{major}.{minor}.{patch + 7}" in specifier
        assert f"{major}.{minor + 1}.0" not in specifier
        assert not patch or f"{major}.{minor}.{patch - 1}" not in specifier


def test_single_file_replace_keeps_permissions_and_cleans_up(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    path = folder / "pyproject.toml"
    folder.mkdir()
    (folder / ".pyproject.toml.codegen-killed.tmp").write_text("half of it")
    mask = os.umask(0o022)
    try:
        assert replace_file(path, "one\n") is True
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644
    path.chmod(0o640)
    assert replace_file(path, "one\n") is False
    assert replace_file(path, "two\n") is True
    assert path.read_text() == "two\n" and path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in folder.iterdir()] == ["pyproject.toml"]


# --- the command line ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--distribution", "acme tencent"], "--distribution 'acme tencent' is not a valid distribution name"),
        (["--distribution=-acme"], "is not a valid distribution name"),
        (["--distribution", "acme-"], "is not a valid distribution name"),
        (["--distribution", "acmé"], "is not a valid distribution name"),
        (["--distribution", 'a"b'], "is not a valid distribution name"),
        (["--distribution", "acme\n"], "is not a valid distribution name"),
        (["--distribution", "acme", "--distribution-version", "1.x"], "'1.x' is not a PEP 440 version"),
        (["--distribution", "acme", "--distribution-version", "1.0 "], "is not a PEP 440 version"),
        (["--distribution", "acme", "--distribution-version", '1"\n'], "is not a PEP 440 version"),
        (["--distribution-version", "1.0"], "--distribution-version goes with a distribution name"),
    ],
)
def test_bad_name_or_version_is_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, lines = generate(capsys, "--specs", str(write_specs(tmp_path / "specs")), "--out", str(out), *args)
    assert code == 2
    assert len(lines) == 1 and message in lines[0], lines
    assert not out.exists()


def test_written_after_the_package_reported_and_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = write_specs(tmp_path / "specs")
    out = tmp_path / "out"
    base = ["--specs", str(specs), "--out", str(out), "--distribution", "acme"]
    pyproject = out / "pyproject.toml"

    assert generate(capsys, *base)[0] == 0
    text = pyproject.read_text("utf-8")
    version = tomllib.loads(text)["project"]["version"]
    package = {p.relative_to(out).as_posix(): p.read_text("utf-8") for p in (out / "tcsdk").rglob("*") if p.is_file()}
    assert version == content_version(package)
    assert [p.name for p in out.iterdir() if p.name.startswith(".pyproject")] == []

    # Nothing changed: reported unchanged, not rewritten.
    os.utime(pyproject, (1_000_000_000, 1_000_000_000))
    code, lines = generate(capsys, *base)
    assert code == 0 and " 0 files written" in lines[-1]
    assert pyproject.stat().st_mtime == 1_000_000_000 and pyproject.read_text("utf-8") == text
    code, lines = generate(capsys, *base, "--check")
    assert code == 0 and " 0 files would change" in lines[-1]

    # Stale or missing: listed by --check like any other file; a run rewrites it.
    pyproject.write_text(text.replace("acme", "other"), "utf-8")
    code, lines = generate(capsys, *base, "--check")
    assert code == 1 and lines[-1] == f"stale: {pyproject.as_posix()}", lines
    pyproject.unlink()
    code, lines = generate(capsys, *base, "--check")
    assert code == 1 and lines[-1] == f"stale: {pyproject.as_posix()}", lines
    code, lines = generate(capsys, *base)
    assert code == 0 and " 1 files written" in lines[-1] and pyproject.read_text("utf-8") == text

    # An explicit version; then new output gives a new derived version.
    assert generate(capsys, *base, "--distribution-version", "3.1.4")[0] == 0
    assert tomllib.loads(pyproject.read_text("utf-8"))["project"]["version"] == "3.1.4"
    write_specs(specs, actions=("Ping", "Pong"))
    assert generate(capsys, *base)[0] == 0
    new_version = tomllib.loads(pyproject.read_text("utf-8"))["project"]["version"]
    assert new_version.startswith("0.0.0+g") and new_version != version

    # Off: the file is not counted, rewritten or deleted.
    pyproject.write_text("# the user's own\n", "utf-8")
    code, lines = generate(capsys, "--specs", str(specs), "--out", str(out))
    assert code == 0 and " 0 files written" in lines[-1], lines
    assert pyproject.read_text("utf-8") == "# the user's own\n"


def test_settings_from_tool_codegen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "cwd"
    write_specs(project / "specs")
    (project / "pyproject.toml").write_text(
        '[tool.codegen]\nspecs = "specs"\nout = "build"\ndistribution = "acme.sdk"\ndistribution_version = "1!2.0.post1"\n'
    )
    assert generate(capsys)[0] == 0
    data = tomllib.loads((project / "build/pyproject.toml").read_text("utf-8"))
    assert (data["project"]["name"], data["project"]["version"]) == ("acme.sdk", "1!2.0.post1")
    # The command line wins, and --distribution "" turns it off.
    (project / "build/pyproject.toml").unlink()
    assert generate(capsys, "--distribution", "")[0] == 0
    assert not (project / "build/pyproject.toml").exists()
    (project / "pyproject.toml").write_text("[tool.codegen]\ndistribution = 3\n")
    code, lines = generate(capsys)
    assert code == 2 and "[tool.codegen] distribution must be a string" in lines[-2]
    (project / "pyproject.toml").write_text('[tool.codegen]\ndistribution = "bad name"\n')
    code, lines = generate(capsys)
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith("codegen: [tool.codegen] distribution 'bad name' is not a valid distribution name")


# --- a wheel, installed in a fresh venv ---------------------------------------


def offline_env() -> dict[str, str]:
    """The environment for pip and the fresh venv: no pip configuration (so no index or links), no proxies."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIP_", "PYTHON")) and key.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONNOUSERSITE="1")
    return env


def run(command: list[str | Path], cwd: Path, what: str) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=offline_env(), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{what} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def runtime_folders() -> set[Path]:
    """The site-packages folders holding msgspec, httpx and everything they need, in this interpreter."""
    folders: set[Path] = set()
    seen: set[str] = set()
    todo = [name for name, _ in TESTED_RUNTIME]
    while todo:
        name = packaging_requirements.Requirement(todo.pop()).name.lower()
        if name in seen:
            continue
        seen.add(name)
        distribution = metadata.distribution(name)
        folders.add(Path(str(distribution.locate_file(""))).resolve())
        for line in distribution.requires or []:
            requirement = packaging_requirements.Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return folders


SCRIPT = """\
import importlib.util, json, sys
import tcsdk
from tcsdk.common.credentials import Credentials
from tcsdk.trtc.v20190722.client import TrtcClient

url, secret_id, secret_key = sys.argv[1:]
with TrtcClient(Credentials(secret_id, secret_key), endpoint=url, region="ap-beijing", timeout=10.0) as client:
    response = client.dismiss_room(sdk_app_id=1400000001, room_id=1234)
codegen = importlib.util.find_spec("codegen")
print(json.dumps({
    "tcsdk": tcsdk.__file__,
    "codegen": codegen.origin if codegen else None,
    "request_id": response.request_id,
}))
"""


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv_and_calls_trtc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, dist, venv, work = (tmp_path / name for name in ("out", "dist", "venv", "work"))
    code, lines = generate(
        capsys, "--specs", str(SPECS), "--out", str(out), "--package", "tcsdk", "--distribution", "acme-tencent"
    )
    assert code == 0, lines
    version = tomllib.loads((out / "pyproject.toml").read_text("utf-8"))["project"]["version"]

    # Built with this interpreter's setuptools (the test extra pins one that
    # builds wheels by itself); --no-index and no pip configuration: offline.
    work.mkdir()
    hint = "building the wheel (needs setuptools>=70.1 or the `wheel` package; install the test extra)"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, out],
        work,
        hint,
    )
    (wheel,) = dist.glob("*.whl")
    assert wheel.name == f"acme_tencent-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        fields = [line.split(": ", 1) for line in archive.read(info).decode().splitlines() if ": " in line]
    assert {name.split("/")[0] for name in names} == {"tcsdk", f"acme_tencent-{version}.dist-info"}
    # Every file of the package, py.typed and other data included, and nothing else.
    package = {path.relative_to(out).as_posix() for path in (out / "tcsdk").rglob("*") if path.is_file()}
    assert {"tcsdk/py.typed", "tcsdk/trtc/v20190722/client.py"} <= package
    assert {name for name in names if name.startswith("tcsdk/")} == package
    assert ["Name", "acme-tencent"] in fields and ["Version", version] in fields
    requires = {
        (r.name, r.specifier)
        for r in (packaging_requirements.Requirement(value) for key, value in fields if key == "Requires-Dist")
    }
    expected = {(r.name, r.specifier) for r in map(packaging_requirements.Requirement, RUNTIME_REQUIREMENTS)}
    assert requires == expected

    # A fresh venv without system packages; msgspec, httpx and their
    # dependencies come from this interpreter's folders through a .pth file.
    run([sys.executable, "-m", "venv", venv], work, "creating the venv")
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--no-deps", "--no-index", wheel], work, "installing the wheel")
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work, "site").strip())
    folders = runtime_folders()
    (site / "runtime-from-the-test-interpreter.pth").write_text("".join(f"{folder}\n" for folder in sorted(folders)))

    fake = FakeTencentCloud("trtc", {"AKIDdistribution": "distribution-secret"}, {}).start()
    try:
        (work / "call.py").write_text(SCRIPT)
        # -I: neither the script's folder nor PYTHON* variables reach sys.path.
        output = run([python, "-I", "call.py", fake.url, "AKIDdistribution", "distribution-secret"], work, "the call")
    finally:
        fake.stop()
    result = json.loads(output)
    assert Path(result["tcsdk"]).resolve().is_relative_to(site.resolve())
    assert result["request_id"] == "req-1"
    assert [call.action for call in fake.calls()] == ["DismissRoom"]
    # Lines of a .pth file add folders to sys.path but do not run the .pth
    # files inside them, so an editable install of the generator (a finder
    # hook in this interpreter's site-packages) does not reach the fresh venv.
    # A regular install of the generator in one of those folders would; then
    # the check above (tcsdk comes from the venv) is the one that matters.
    if not any((folder / "codegen").is_dir() for folder in folders):
        assert result["codegen"] is None, result
