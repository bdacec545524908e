"""Import time and response parsing speed of generated code, against the
official SDK (tencentcloud-sdk-python from PyPI) and a bare msgspec decode,
all measured in the same run.

    pip install tencentcloud-sdk-python-common tencentcloud-sdk-python-cvm
    python benchmarks/runtime.py [--corpus ../shared/tencentcloud-api] [--service cvm/v20170312]

Generates the service from the shared corpus into a temporary folder, then
prints medians and ratios (higher "x" is better for us).

Answers that match their model strictly are timed on the normal (typed) path.
The tolerant path is timed on mismatching answers made from the same
examples (a number for ``RequestId``; a value deep in the answer replaced by
an object), against the typed decode of the unchanged example in the same run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codegen.naming import service_module  # noqa: E402


def import_time(module: str, path: Path | None, runs: int = 7) -> float:
    """Median seconds to import ``module`` in a fresh interpreter."""
    code = f"import time, sys; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env_path = [str(path)] if path else []
    samples = []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-c", f"import sys; sys.path[:0] = {env_path!r}; " + code],
            capture_output=True, text=True, check=True,
        )
        samples.append(float(result.stdout))
    return statistics.median(samples)


def per_call(function: Callable[[], Any], seconds: float = 0.5) -> float:
    """Median seconds per call over several timed batches."""
    batch = 1
    while True:
        started = time.perf_counter()
        for _ in range(batch):
            function()
        if time.perf_counter() - started > 0.05:
            break
        batch *= 2
    samples = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 5:
        started = time.perf_counter()
        for _ in range(batch):
            function()
        samples.append((time.perf_counter() - started) / batch)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "tencentcloud-api")
    parser.add_argument("--service", default="cvm/v20170312")
    args = parser.parse_args()
    service, version = args.service.split("/")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        subprocess.run(
            [sys.executable, "-m", "codegen", "generate", "--from", "tencentcloud", str(args.corpus / service / version),
             "--out", str(out), "--package", "benchsdk", "-q"],
            cwd=ROOT, check=True,
        )
        # pip compiles an installed SDK to .pyc; do the same for ours, even when
        # PYTHONDONTWRITEBYTECODE is set, so both imports read bytecode.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(out)], check=True)
        sys.path.insert(0, str(out))
        api = json.loads((args.corpus / service / version / "api.json").read_text())
        module = f"benchsdk.{service_module(api['metadata']['serviceShortName'])}.{version}"
        package = importlib.import_module(module)
        ours = import_time(f"{module}.models", out)
        print(f"import generated models:     {ours * 1000:7.1f} ms")
        official_module = f"tencentcloud.{service}.{version}.models"
        try:
            importlib.import_module(official_module)
            theirs: float | None = import_time(official_module, None)
            print(f"import official SDK models:  {theirs * 1000:7.1f} ms  (ours takes {ours / theirs:.2f}x its time)")
            ours_client = import_time(f"{module}.client", out)
            theirs_client = import_time(f"tencentcloud.{service}.{version}.{service}_client", None)
            print(f"import generated client:     {ours_client * 1000:7.1f} ms")
            print(f"import official SDK client:  {theirs_client * 1000:7.1f} ms  (ours takes {ours_client / theirs_client:.2f}x its time)")
        except ImportError:
            theirs = None
            print("official SDK not installed: pip install tencentcloud-sdk-python-common tencentcloud-sdk-python-" + service)

        import msgspec

        models = importlib.import_module(f"{package.__name__}.models")
        examples = json.loads((args.corpus / service / version / "examples.json").read_text())["actions"]
        bodies = []
        for action, items in examples.items():
            for item in items:
                try:
                    body = json.loads(item["output"])
                except ValueError:
                    continue
                if "Error" not in body.get("Response", {}):
                    bodies.append((action, item["output"].encode()))
        total_ours = total_bare = total_official = 0.0
        official = importlib.import_module(official_module) if theirs is not None else None
        timed = 0
        matching: list[tuple[Any, bytes, float]] = []
        mismatching = 0
        for action, raw in bodies:
            cls = getattr(models, f"{action}Response")
            try:
                cls.from_envelope(raw, strict=True)
            except Exception:  # noqa: BLE001 - examples that disagree with their spec are timed apart
                mismatching += 1
                continue
            ours_time = per_call(lambda: cls.from_envelope(raw), 0.05)
            matching.append((cls, raw, ours_time))
            official_cls = getattr(official, f"{action}Response", None) if official is not None else None
            if official is not None and official_cls is None:
                continue  # an action newer than the installed official SDK
            # Bare: one typed msgspec decode of the same body, no envelope handling.
            decoder = msgspec.json.Decoder(dict[str, cls], strict=False)
            total_ours += ours_time
            total_bare += per_call(lambda: decoder.decode(raw), 0.05)
            timed += 1
            if official_cls is not None:

                def parse_official() -> None:
                    instance = official_cls()
                    instance._deserialize(json.loads(raw)["Response"])

                total_official += per_call(parse_official, 0.05)
        print(f"parse {timed} example responses (success examples the installed official SDK also knows):")
        print(f"  generated from_envelope:   {total_ours * 1e6:9.1f} us")
        print(f"  bare msgspec decode:       {total_bare * 1e6:9.1f} us  (ours is {total_ours / total_bare:.2f}x of bare)")
        if official is not None:
            print(f"  official SDK _deserialize: {total_official * 1e6:9.1f} us  ({total_official / total_ours:.1f}x slower than ours)")
        tolerant_cost(package.__name__.split(".")[0], matching, mismatching)
    return 0


def _deep_string(value: Any, path: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The path of the most deeply nested string value of ``value``, if any."""
    found: tuple[Any, ...] | None = path if isinstance(value, str) and path else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        deeper = _deep_string(item, (*path, key))
        if deeper is not None and (found is None or len(deeper) > len(found)):
            found = deeper
    return found


def _replaced(raw: bytes, how: str) -> bytes | None:
    """The example with one value of the wrong shape, or None if it has no place for it."""
    body = json.loads(raw)
    inner = body["Response"]
    if how == "request id":
        inner["RequestId"] = 1234567890
    else:
        path = _deep_string({k: v for k, v in inner.items() if k != "RequestId"})
        if path is None:
            return None
        holder = inner
        for key in path[:-1]:
            holder = holder[key]
        holder[path[-1]] = {"unexpected": holder[path[-1]]}
    return json.dumps(body).encode()


def tolerant_cost(package: str, matching: list[tuple[Any, bytes, float]], mismatching: int) -> None:
    """Time the tolerant path on answers made to mismatch, against the typed path."""
    logging.getLogger(f"{package}.common.tolerant").setLevel(logging.ERROR)  # warned once anyway
    print(f"tolerant decoding ({mismatching} examples of this service do not match their model strictly):")
    for how in ("request id", "deep value"):
        typed = tolerant = 0.0
        ratios = []
        count = 0
        for cls, raw, typed_time in matching:
            changed = _replaced(raw, how)
            if changed is None:
                continue
            response = cls.from_envelope(changed)
            if not response.meta.deviations:
                continue  # the value replaced was of a field the model does not know
            spent = per_call(lambda: cls.from_envelope(changed), 0.05)
            typed += typed_time
            tolerant += spent
            ratios.append(spent / typed_time)
            count += 1
        if count:
            print(f"  {how + ' mismatching:':22} {count} answers, typed {typed * 1e6:9.1f} us, tolerant {tolerant * 1e6:9.1f} us "
                  f"({tolerant / typed:.1f}x the typed decode; median per answer {statistics.median(ratios):.1f}x)")


if __name__ == "__main__":
    sys.exit(main())
