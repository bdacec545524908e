"""Cost of decoding one large server-sent event with the runtime's
``streaming.EventDecoder``: seconds and peak traced memory for events of
8, 16 and 32 MiB fed in 64 KiB chunks (as httpx hands them over), and what
a 100 MiB event costs, which the default ``max_event_size`` refuses.

    python benchmarks/streams.py [--package-dir generated] [--runs 3]

``--package-dir`` is a folder holding a generated package ``tcsdk`` (this
repository's ``generated/`` by default): point it at an older checkout's
``generated/`` to compare before and after in the same run.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 64 * 1024
MIB = 1024 * 1024


def make_decoder(streaming: Any, limit: int | None) -> Any:
    if limit is None:
        return streaming.EventDecoder()
    try:
        return streaming.EventDecoder(limit)
    except TypeError:  # a decoder from before the limit existed
        return streaming.EventDecoder()


def one_event(streaming: Any, size: int, limit: int | None) -> tuple[float, int, str]:
    """(seconds, peak traced bytes, outcome) for one event of ``size`` data bytes."""
    chunk = b"x" * CHUNK
    decoder = make_decoder(streaming, limit)
    tracemalloc.start()
    started = time.perf_counter()
    outcome = "decoded"
    try:
        decoder.feed(b"data: ")
        for _ in range(size // CHUNK):
            decoder.feed(chunk)
        events = decoder.feed(b"\n\n")
        assert len(events) == 1 and len(events[0].data) == size
    except Exception as exc:  # noqa: BLE001 - the refusal is what is measured
        outcome = f"refused ({type(exc).__name__})"
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package-dir", type=Path, default=ROOT / "generated")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(args.package_dir.resolve()))
    streaming = importlib.import_module("tcsdk.common.streaming")
    print(f"EventDecoder of {args.package_dir}; medians of {args.runs} runs, 64 KiB chunks")
    for size_mib, limit in ((8, 64 * MIB), (16, 64 * MIB), (32, 64 * MIB), (100, None)):
        runs = [one_event(streaming, size_mib * MIB, limit) for _ in range(args.runs if size_mib < 100 else 1)]
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        print(
            f"   {size_mib:4} MiB event ({'limit 64 MiB' if limit else 'default limit'}):"
            f" {seconds:7.3f} s, peak {peak / MIB:7.1f} MiB traced, {runs[0][2]}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
