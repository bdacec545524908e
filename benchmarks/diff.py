"""How long ``codegen diff`` takes on the whole shared corpus.

    python benchmarks/diff.py [--corpus ../shared/tencentcloud-api] [--runs 5] [--full]

Prints medians of three cases, each as a ratio against the baseline measured
in the same run: reading every api.json and errors.json of the corpus once.

- the corpus against itself (every service version is recognised as
  identical from its file hashes);
- the corpus against a copy in which one service version (trtc) changed;
- with --full, also loading and building every service version on both sides
  (what the diff would cost without recognising identical folders; slow).

Each diff runs in this process through the same functions as the command
line, without starting an interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen.diff import diff_surfaces  # noqa: E402
from codegen.diff_sources import changed_surfaces, folder_side, surface_of  # noqa: E402


def median_seconds(function: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def read_all(corpus: Path) -> None:
    for path in sorted(corpus.glob("*/*/*.json")):
        if path.name != "examples.json":
            path.read_bytes()


def diff(old: Path, new: Path) -> int:
    changes = diff_surfaces(*changed_surfaces(folder_side(old, "tencentcloud"), folder_side(new, "tencentcloud")))
    return len(changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "tencentcloud-api")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full", action="store_true", help="also time loading every service version (minutes)")
    args = parser.parse_args()
    corpus: Path = args.corpus
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "corpus"
        shutil.copytree(corpus, copy, copy_function=shutil.copyfile)
        for folder, _, _ in os.walk(copy):
            os.chmod(folder, 0o755)
        api_path = copy / "trtc" / "v20190722" / "api.json"
        api = json.loads(api_path.read_text("utf-8"))
        del api["actions"][sorted(api["actions"])[0]]
        api_path.write_text(json.dumps(api), encoding="utf-8")

        baseline = median_seconds(lambda: read_all(corpus), args.runs)
        same = median_seconds(lambda: diff(corpus, corpus), args.runs)
        one = median_seconds(lambda: diff(corpus, copy), args.runs)
        print(f"baseline: reading the corpus's api.json and errors.json: {baseline:.3f} s (median of {args.runs})")
        print(f"corpus against itself:              {same:.3f} s  ({same / baseline:.1f}x the baseline)")
        print(f"corpus against a copy, trtc changed: {one:.3f} s  ({one / baseline:.1f}x the baseline)")
        if args.full:
            side = folder_side(corpus, "tencentcloud")
            units = sorted(side.units())
            started = time.perf_counter()
            surface_of(side, units)
            full = 2 * (time.perf_counter() - started)
            print(
                f"without recognising identical folders (both sides, once): {full:.1f} s "
                f"({full / baseline:.0f}x the baseline)"
            )


if __name__ == "__main__":
    main()
