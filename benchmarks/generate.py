"""Generation time on the whole shared corpus against black alone.

    python benchmarks/generate.py [--corpus ../shared/tencentcloud-api] [--jobs N]

Measures, in one run and with the same number of worker processes:
1. a cold generation of every service version (fresh output folder);
2. black alone formatting that output (``black --workers N`` with an empty
   cache, on a copy), the baseline;
3. a second generation with nothing changed.
Prints seconds and the ratios to the baseline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], **kwargs: object) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "tencentcloud-api")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        generate = [sys.executable, "-m", "codegen", "generate", "--from", "tencentcloud", str(args.corpus),
                    "--out", str(out), "-j", str(args.jobs), "-q"]
        cold = timed(generate, cwd=ROOT)
        copy = Path(scratch) / "copy"
        shutil.copytree(out / "tcsdk", copy)
        files = sum(1 for _ in copy.rglob("*.py"))
        size = sum(p.stat().st_size for p in copy.rglob("*.py"))
        env = {**os.environ, "BLACK_CACHE_DIR": str(Path(scratch) / "black-cache")}
        black_alone = timed([sys.executable, "-m", "black", "-q", "--workers", str(args.jobs), str(copy)], env=env)
        again = timed(generate, cwd=ROOT)
    print(f"output: {files} files, {size / 1e6:.1f} MB; {args.jobs} worker processes")
    print(f"black alone:           {black_alone:8.1f} s (baseline)")
    print(f"cold generation:       {cold:8.1f} s ({cold / black_alone:.2f}x black; target <= 1.3x)")
    print(f"regenerate, no change: {again:8.1f} s ({again / black_alone:.2%} of black; target <= 2%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
