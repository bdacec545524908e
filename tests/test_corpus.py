"""Conformance on the whole shared corpus: 156 service versions, 8,584 actions.

Needs ../shared/tencentcloud-api (CI has it; .ci/run fails without it). The
same checks, with timings and every failure listed, are printed by
``python benchmarks/conformance.py``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT, SHARED

CORPUS = SHARED / "tencentcloud-api"
pytestmark = pytest.mark.skipif(not (CORPUS / "index.json").is_file(), reason="../shared corpus is not present")


def conformance_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("conformance", ROOT / "benchmarks" / "conformance.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["conformance"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path, ModuleType]:
    conformance = conformance_module()
    out = tmp_path_factory.mktemp("corpus")
    report = conformance.run(CORPUS, out, list(conformance.MYPY_SAMPLE), with_black=False)
    conformance.print_report(report)
    return report, out, conformance


def test_every_service_version_generates_compiles_and_imports(corpus_run: tuple[Any, Path, ModuleType]) -> None:
    report, _, _ = corpus_run
    assert report.service_versions == 156
    assert report.actions == 8584
    assert report.modules == report.compiled == report.imported
    assert not [f for f in report.failures if f.startswith(("compile", "import"))]


def test_every_error_enum_holds_its_codes_and_the_common_ones(corpus_run: tuple[Any, Path, ModuleType]) -> None:
    report, _, _ = corpus_run
    assert report.counts["error enums complete"] == 8584
    assert not [f for f in report.failures if f.startswith("error enum")]


def test_examples_parse(corpus_run: tuple[Any, Path, ModuleType]) -> None:
    report, _, conformance = corpus_run
    # Every JSON answer with a Response object decodes (tolerantly if need
    # be, with no data lost), and error examples raise their typed error.
    assert report.counts["responses parsed"] == report.counts["responses"]
    assert report.counts["error responses raised their typed error"] == 38
    strictly = report.counts["responses matched strictly"]
    tolerantly = report.counts["responses decoded tolerantly"]
    assert strictly + tolerantly + 38 == report.counts["responses"]
    assert conformance.percent(report, "responses matched strictly", "responses") >= 98.5
    assert tolerantly > 0 and len(report.deviations) == report.counts["deviations"] >= tolerantly
    assert not [f for f in report.failures if f.startswith("response")]
    json_ok = (
        report.counts["JSON requests round-tripped exactly"]
        + report.counts["JSON requests round-tripped under the lax policy"]
    )
    assert json_ok >= 0.98 * report.counts["JSON requests"]
    assert report.counts["GET requests decoded"] >= 0.98 * report.counts["GET requests"]
    # What fails is the example's own fault: a required field left out, or a
    # value of another type than the spec says.
    assert report.unexplained == []
    # Damaged examples are reported apart, as errors in the data.
    assert report.counts["response not JSON (data error)"] == 495


def test_mypy_strict_on_a_sample_of_large_services(corpus_run: tuple[Any, Path, ModuleType]) -> None:
    report, _, _ = corpus_run
    assert report.counts["mypy --strict service versions"] >= 10
    assert report.counts["mypy --strict passed"] == report.counts["mypy --strict service versions"]


def test_generated_corpus_is_black_clean(corpus_run: tuple[Any, Path, ModuleType]) -> None:
    _, out, conformance = corpus_run
    targets = [
        p.relative_to(out).as_posix()
        for name in conformance.MYPY_SAMPLE
        for p in (out / conformance.PACKAGE).glob(f"{name}/v*")
    ]
    result = subprocess.run(
        [sys.executable, "-m", "black", "--check", "-q", *targets], cwd=out, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_streaming_actions_return_streams(corpus_run: tuple[Any, Path, ModuleType]) -> None:
    _, out, conformance = corpus_run
    source = (out / conformance.PACKAGE / "trtc/v20190722/client.py").read_text()
    start = source.index("def text_to_speech_sse(\n        self, request")
    assert "_client.Stream[_models.TextToSpeechSSEResponse]" in source[start : start + 3000]
    assert "not supported" not in source
