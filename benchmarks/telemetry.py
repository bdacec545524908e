"""What OpenTelemetry costs a call: microseconds per stubbed call (a sync
TRTC client answered by the Stubber, so no network) in a fresh interpreter
for each case, as ratios to the first:

- ``not imported``: the program never imports OpenTelemetry (the default case);
- ``imported, no provider``: ``opentelemetry.trace`` imported, no provider set
  (the client looks for one at each call and finds none);
- ``SDK provider``: the SDK's tracer provider (a simple processor into an
  in-memory exporter, emptied between runs) and meter provider set: every
  call makes a span and records both metrics;
- ``SDK provider, tracing=False``: the same set-up, the client's tracing off.

    python benchmarks/telemetry.py [--package-dir generated] [--calls 2000] [--runs 5]

``--package-dir`` is a folder holding a generated package ``tcsdk``
(``generated/`` by default). Needs opentelemetry-sdk (a test dependency).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = {
    "not imported": "",
    "imported, no provider": "import opentelemetry.trace",
    "SDK provider": "sdk",
    "SDK provider, tracing=False": "sdk off",
}

CHILD = """
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
case, calls, runs = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
clear = lambda: None
options = {}
if case == "import opentelemetry.trace":
    import opentelemetry.trace
elif case.startswith("sdk"):
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
    clear = exporter.clear
    if case == "sdk off":
        options["tracing"] = False
from tcsdk.common.credentials import Credentials
from tcsdk.common.testing import Stubber
from tcsdk.trtc.v20190722.client import TrtcClient

client = TrtcClient(Credentials("AKIDbench", "bench-secret"), region="ap-beijing", **options)
stubber = Stubber(client).__enter__()
timings = []
for run in range(runs + 1):  # the first run warms up
    for _ in range(calls):
        stubber.add_response("DismissRoom", {})
    clear()
    started = time.perf_counter()
    for _ in range(calls):
        client.dismiss_room(sdk_app_id=1400000001, room_id=1234)
    elapsed = time.perf_counter() - started
    if run:
        timings.append(elapsed / calls * 1e6)
print(json.dumps(statistics.median(timings)))
"""


def measure(package_dir: Path, case: str, calls: int, runs: int) -> float:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(package_dir), case, str(calls), str(runs)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    value: float = json.loads(result.stdout)
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package-dir", type=Path, default=ROOT / "generated")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    baseline = 0.0
    print(f"{'case':32} {'us/call':>9} {'ratio':>7}")
    for name, case in CASES.items():
        micros = measure(args.package_dir.resolve(), case, args.calls, args.runs)
        baseline = baseline or micros
        print(f"{name:32} {micros:9.1f} {micros / baseline:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
