"""Docs are tests: every Python and shell block of README.md, CONTRIBUTING.md and docs/*.md runs as written.

Each document runs in a child process (tests/docs_runner.py) from a sandbox
that looks like a user's checkout of this project: a copy of specs/ and
pyproject.toml under git (with an ``origin/main``), the shared corpus at
``../shared`` as in CI, and a sample file to upload. The Python blocks import
``tcsdk`` generated from specs/ plus the few Tencent actions the guides call
(cvm's, trtc's TextToSpeechSSE, and the upload fixture's cii; cls's UploadLog
from tests/fixtures/octet), and call a local Tencent endpoint
that the runner starts (``TENCENTCLOUD_ENDPOINT``, with test keys in the
environment). A block that cannot run here is marked
``<!-- illustration: why -->`` in the document.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import FIXTURES, ROOT, SHARED, SPECS, run_codegen

# Those two generate the whole shared corpus once (the other documents take a second or two).
WHOLE_CORPUS = {"README.md", "docs/usage.md"}
DOCUMENTS = [
    pytest.param(name, marks=[pytest.mark.slow] if name in WHOLE_CORPUS else [])
    for name in [
        "README.md",
        "CONTRIBUTING.md",
        *(p.relative_to(ROOT).as_posix() for p in sorted(ROOT.glob("docs/*.md"))),
    ]
]
RUNNER = Path(__file__).with_name("docs_runner.py")
CORPUS = SHARED / "tencentcloud-api"

# The Tencent actions the guides call beyond specs/: (service folder, actions).
IMPORTED = {
    CORPUS / "cvm" / "v20170312": "DescribeInstances,DescribeInstancesStatus,DescribeZones,StartInstances",
    CORPUS / "lkeap" / "v20240522": "ChatCompletions",
    FIXTURES / "tencent-upload" / "cii" / "v20210408": None,
}


# Actions of a service version specs/ holds too: imported on their own and
# merged into the copy of specs/ (their files added, their types added to its service.yaml).
MERGED = {CORPUS / "trtc" / "v20190722": "TextToSpeechSSE"}


def _merge(folder: Path, actions: str, specs: Path) -> None:
    scratch = specs.parent / "merge"
    _import(folder, actions, scratch)
    (version,) = [p.parent for p in scratch.glob("*/*/service.yaml")]
    target = specs / version.relative_to(scratch)
    service = yaml.safe_load((target / "service.yaml").read_text())
    for name, schema in (yaml.safe_load((version / "service.yaml").read_text()).get("types") or {}).items():
        assert service.setdefault("types", {}).setdefault(name, schema) == schema, name
    (target / "service.yaml").write_text(yaml.safe_dump(service, sort_keys=False, allow_unicode=True))
    for action in actions.split(","):
        shutil.copy2(version / f"{action}.yaml", target / f"{action}.yaml")
    shutil.rmtree(scratch)


def _import(folder: Path, actions: str | None, out: Path) -> None:
    args = ["import", "tencentcloud", "--api", str(folder / "api.json"), "--out", str(out)]
    for option in ("errors", "examples"):
        if (folder / f"{option}.json").is_file():
            args += [f"--{option}", str(folder / f"{option}.json")]
    done = run_codegen(*args, *(["--actions", actions] if actions else []))
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def docs_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``tcsdk`` as the guides use it: specs/'s trtc, and cvm and cii from Tencent's descriptions."""
    base = tmp_path_factory.mktemp("docs-package")
    specs = base / "specs"
    shutil.copytree(SPECS / "trtc", specs / "trtc")
    for folder, actions in IMPORTED.items():
        _import(folder, actions, specs)
    for folder, actions in MERGED.items():
        _merge(folder, actions, specs)
    # An octet-stream action (cls UploadLog), written by hand: Tencent's description does not say it is one.
    shutil.copytree(FIXTURES / "octet" / "cls", specs / "cls")
    done = run_codegen("generate", "--specs", str(specs), "--out", str(base / "out"), "--package", "tcsdk", "-q")
    assert done.returncode == 0, done.stderr
    return base / "out"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture()
def sandbox(tmp_path: Path) -> Path:
    """A user's checkout of this project: specs/ and pyproject.toml committed, ``../shared`` beside it."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(SPECS, project / "specs")
    shutil.copy2(ROOT / "pyproject.toml", project / "pyproject.toml")
    (project / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (tmp_path / "shared").symlink_to(SHARED)
    _git(project, "init", "-q")
    _git(
        project,
        "-c",
        "user.name=docs",
        "-c",
        "user.email=docs@example.invalid",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "0",
    )
    _git(project, "add", "-A")
    _git(project, "-c", "user.name=docs", "-c", "user.email=docs@example.invalid", "commit", "-q", "-m", "specs")
    _git(project, "update-ref", "refs/remotes/origin/main", "HEAD")
    return project


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_block_runs_or_is_marked(document: str, docs_package: Path, sandbox: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(docs_package), str(ROOT)]),
        "EDITOR": "true",  # docs/templates.md opens a template in $EDITOR
        # Offline: `pip wheel` of a generated package builds with the setuptools of this venv
        # ("0" turns build isolation off: pip reads the variable as the option's negation).
        "PIP_NO_BUILD_ISOLATION": "0",
        "PIP_NO_INDEX": "1",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(ROOT / document)],
        cwd=sandbox,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-6000:]


def test_the_streaming_example_runs_against_trtc_generated_from_tencents_descriptions(tmp_path: Path) -> None:
    """docs/usage.md 4c's trtc example, as written, against ``generate --from tencentcloud`` output of
    trtc 2019-07-22 (whose description declares no event fields) served by the package's local endpoint."""
    text = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    blocks = [b for b in text.split("```python\n")[1:] if "text_to_speech_sse" in b.split("```")[0]]
    assert len(blocks) == 1
    block = blocks[0].split("```")[0]
    assert "chunk.audio" in block and "chunk.is_end" in block
    out = tmp_path / "out"
    done = run_codegen(
        "generate",
        "--from",
        "tencentcloud",
        str(CORPUS / "trtc" / "v20190722"),
        "--out",
        str(out),
        "--package",
        "tcsdk",
        "-q",
    )
    assert done.returncode == 0, done.stderr
    (tmp_path / "example.md").write_text(f"```python\n{block}```\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(out), str(ROOT)])}
    ran = subprocess.run(
        [sys.executable, str(RUNNER), str(tmp_path / "example.md")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stderr[-6000:]
    # The example answer's events (one of its three is broken JSON, left out by the importer).
    assert ran.stdout.startswith("0 False\n2 True\n2 pieces\n"), ran.stdout
    assert ran.stdout.endswith("example.md: 1 blocks run, 0 illustrations\n"), ran.stdout
