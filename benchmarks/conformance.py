"""Full-corpus conformance: generate every service version of the shared
Tencent Cloud descriptions, compile and import every module, and run every
example through the generated models.

    python benchmarks/conformance.py [--corpus ../shared/tencentcloud-api] [--out DIR] [--mypy sample|all|none]

Prints the counts, the time of each stage, every deviation and every failure
with its reason. The checks and the policy for examples live in
tests/conformance.py, which tests/codegen/test_corpus.py runs too (and compares with
the committed tests/golden/corpus/report.json).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conformance import MYPY_SAMPLE, PACKAGE, print_report, run, run_mypy  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "tencentcloud-api")
    parser.add_argument("--out", type=Path, help="output folder (default: a temporary one)")
    parser.add_argument("--mypy", choices=["sample", "all", "none"], default="sample")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch)
        report = run(args.corpus, out, list(MYPY_SAMPLE) if args.mypy == "sample" else [])
        if args.mypy == "all":  # the nightly run: every service version
            run_mypy(out, sorted({p.parent.name for p in (out / PACKAGE).glob("*/v*")}), report)
        print_report(report)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
