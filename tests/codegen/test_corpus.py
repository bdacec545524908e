"""Conformance on the whole shared corpus (tests/conformance.py).

Needs ../shared/tencentcloud-api (CI has it; .ci/run fails without it). What
one snapshot of the corpus yields (service versions, actions, every example's
outcome, every failure, data error and deviation) is the committed record
tests/golden/corpus/report.json; the tests here compare the fresh report with
it and check the rules that hold for any corpus. After a change of the corpus
or of the generator, rewrite the record with
``CODEGEN_REFRESH_GOLDEN=1 python -m pytest -q tests/codegen/test_corpus.py`` and
review ``git diff tests/golden/corpus``. ``python benchmarks/conformance.py``
prints the same report with timings.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .. import conformance
from ..conftest import SHARED
from ..golden import check_golden

CORPUS = SHARED / "tencentcloud-api"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CORPUS / "index.json").is_file(), reason="../shared corpus is not present"),
]


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[conformance.Report, Path]:
    out = tmp_path_factory.mktemp("corpus")
    report = conformance.run(CORPUS, out, list(conformance.MYPY_SAMPLE), with_black=False)
    conformance.print_report(report)
    return report, out


@pytest.mark.golden
def test_the_report_matches_the_committed_record(corpus_run: tuple[conformance.Report, Path]) -> None:
    report, out = corpus_run
    check_golden("corpus", {"report.json": conformance.record(report, out)})


def test_every_service_version_generates_compiles_and_imports(corpus_run: tuple[conformance.Report, Path]) -> None:
    report, _ = corpus_run
    assert report.service_versions > 0 and report.actions >= report.service_versions
    assert report.modules == report.compiled == report.imported
    assert not [f for f in report.failures if f.startswith(("compile", "import"))]


def test_every_error_enum_holds_its_codes_and_the_common_ones(corpus_run: tuple[conformance.Report, Path]) -> None:
    report, _ = corpus_run
    assert report.counts["error enums complete"] == report.actions
    assert not [f for f in report.failures if f.startswith("error enum")]


def test_examples_parse(corpus_run: tuple[conformance.Report, Path]) -> None:
    report, _ = corpus_run
    counts = report.counts
    # Every JSON answer with a Response object decodes (tolerantly if need
    # be, with no data lost), and error examples raise their typed error.
    assert counts["responses parsed"] == counts["responses"]
    strictly = counts["responses matched strictly"]
    tolerantly = counts["responses decoded tolerantly"]
    assert strictly + tolerantly + counts["error responses raised their typed error"] == counts["responses"]
    assert conformance.percent(report, "responses matched strictly", "responses") >= 98.5
    assert len(report.deviations) == counts["deviations"] >= tolerantly
    assert not [f for f in report.failures if f.startswith("response")]
    json_ok = counts["JSON requests round-tripped exactly"] + counts["JSON requests round-tripped under the lax policy"]
    assert json_ok >= 0.98 * counts["JSON requests"]
    assert counts["GET requests decoded"] >= 0.98 * counts["GET requests"]
    # What fails is the example's own fault: a required field left out, or a
    # value of another type than the spec says.
    assert report.unexplained == []
    # Damaged examples are reported apart, as errors in the data.
    data_errors = sum(n for key, n in counts.items() if key.endswith("(data error)"))
    assert len(report.data_errors) == data_errors


def test_mypy_strict_on_a_sample_of_large_services(corpus_run: tuple[conformance.Report, Path]) -> None:
    report, _ = corpus_run
    assert report.counts["mypy --strict service versions"] >= 10
    assert report.counts["mypy --strict passed"] == report.counts["mypy --strict service versions"]


def test_generated_corpus_is_black_clean(corpus_run: tuple[conformance.Report, Path]) -> None:
    _, out = corpus_run
    targets = [
        p.relative_to(out).as_posix()
        for name in conformance.MYPY_SAMPLE
        for p in (out / conformance.PACKAGE).glob(f"{name}/v*")
    ]
    # Every other file a template makes is written without a black pass
    # (the template lays it out as black would): every one of them.
    package = out / conformance.PACKAGE
    targets += [
        p.relative_to(out).as_posix()
        for p in sorted([*package.glob("*/v*/*.py"), *package.glob("*/__init__.py"), *package.glob("*.py")])
        if p.name != "models.py" and p.parent.parent.name not in conformance.MYPY_SAMPLE
    ]
    targets.append(f"{conformance.PACKAGE}/common/errors.py")
    result = subprocess.run(
        [sys.executable, "-m", "black", "--check", "-q", *targets], cwd=out, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_streaming_actions_return_streams(corpus_run: tuple[conformance.Report, Path]) -> None:
    _, out = corpus_run
    source = (out / conformance.PACKAGE / "trtc/v20190722/client.py").read_text()
    start = source.index("def text_to_speech_sse(")  # the first overload: a request object
    assert "_client.Stream[_models.TextToSpeechSSEResponse]" in source[start : start + 3000]
    assert "not supported" not in source
