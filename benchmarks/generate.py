"""Generation time, cold and with the cache, against black alone on the same output.

    python benchmarks/generate.py [--corpus ../shared/tencentcloud-api] [--jobs N] [--runs 3] [--corpus-runs 2]
    python benchmarks/generate.py --small-only     # only the one-service numbers (a few minutes)

Measures, in one run and with the same number of worker processes:
1. black alone formatting the final output of the whole corpus (``black
   --workers N``, empty black cache, on a copy): the baseline;
2. a cold generation of the whole corpus (empty generation cache, fresh
   output folder), with the peak memory of the generator and its workers;
   1 and 2 take turns ``--corpus-runs`` times, and their medians are compared;
3. the same command again, nothing changed (every service from the cache);
4. one action's documentation changed in one service (cvm) of a copy of the
   corpus, regenerated with the warm cache; its output is checked against a
   cold generation of the changed input;
5. cvm 2017-03-12 alone, and the service version with the most actions
   (``--large``, cwp 2018-02-28: 486 actions), each cold and warm, and
   regenerated with the warm cache after one action's documentation
   changed, one field's documentation changed, one string field added and
   one field of one of its structure types added, against its own cold
   time (medians of ``--runs``); the output of each change is checked
   against a cold generation of the changed input.
Prints seconds and the ratios to the baseline, next to the targets.

The generator's own modules are byte-compiled first, as pip does when it
installs a package: in a checkout run with PYTHONDONTWRITEBYTECODE set (our
CI machines set it) every process would otherwise compile them again, which
an installed generator never does.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE = "cvm/v20170312"
LARGE = "cwp/v20180228"


def timed(command: list[str], **kwargs: object) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stderr=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - started


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def timed_with_peak(command: list[str]) -> tuple[float, int]:
    """Seconds and the peak resident memory of the whole process tree, sampled every 50 ms."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    if code:
        raise subprocess.CalledProcessError(code, command)
    return time.perf_counter() - started, peak


def generate_command(corpus: Path, out: Path, cache: Path | None, jobs: int) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "codegen",
        "generate",
        "--from",
        "tencentcloud",
        str(corpus),
        "--out",
        str(out),
        "-j",
        str(jobs),
        "-q",
    ]
    return command + (["--cache-dir", str(cache)] if cache else ["--no-cache"])


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def changed_copy(corpus: Path, into: Path) -> Path:
    """The corpus with one action's documentation changed in cvm (other services linked, not copied)."""
    into.mkdir()
    for service in corpus.iterdir():
        if service.is_dir() and service.name != SERVICE.split("/")[0]:
            (into / service.name).symlink_to(service)
    shutil.copytree(corpus / SERVICE, into / SERVICE)
    api = into / SERVICE / "api.json"
    data = json.loads(api.read_text("utf-8"))
    data["actions"]["DescribeInstances"]["document"] += " (changed)"
    api.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return into


def edited_copy(corpus: Path, service: str, into: Path, edit: str, tag: str) -> Path:
    """``service`` alone, copied, with one edit of its api.json (``tag`` makes each run's edit new)."""
    shutil.copytree(corpus / service, into / service)
    api = into / service / "api.json"
    data = json.loads(api.read_text("utf-8"))
    action = data["actions"][sorted(data["actions"])[0]]
    members = data["objects"][action["input"]]["members"]
    if edit == "doc":
        action["document"] += f" ({tag})"
    elif edit == "field doc":
        members[0]["document"] = members[0].get("document", "") + f" ({tag})"
    else:  # a string field, or a field of a structure type the service has (--large may have none)
        shared = [name for name in sorted(data["objects"]) if not name.endswith(("Request", "Response"))]
        typed = {"type": "object", "member": shared[0]} if edit == "reference added" and shared else {}
        members.append({"name": f"Added{tag}", "type": "string", "member": "string", "required": False} | typed)
    api.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return into


EDITS = {
    "doc": "one action's doc changed",
    "field doc": "one field's doc changed",
    "field added": "one string field added",
    "reference added": "one structure field added",
}


def small(corpus: Path, scratch: Path, jobs: int, runs: int, service: str) -> bool:
    """One service version alone: cold, warm and each edit of ``EDITS``; whether every output was a cold run's."""
    name = service.replace("/", "-")
    only = scratch / f"only-{name}"
    (only / service).parent.mkdir(parents=True)
    (only / service).symlink_to(corpus / service)
    colds, warms = [], []
    edits: dict[str, list[float]] = {edit: [] for edit in EDITS}
    same = True
    for run in range(runs):
        cache = scratch / f"{name}-cache-{run}"
        out = scratch / f"{name}-{run}"
        colds.append(timed(generate_command(only, out, cache, jobs)))
        warms.append(timed(generate_command(only, out, cache, jobs)))
        for edit in EDITS:
            changed = edited_copy(corpus, service, scratch / f"{name}-{edit}-{run}", edit, f"run{run}")
            edits[edit].append(timed(generate_command(changed, out, cache, jobs)))
            if run == runs - 1:
                reference = scratch / f"{name}-{edit}-reference"
                timed(generate_command(changed, reference, None, jobs))
                same = same and tree(out) == tree(reference)
    cold, warm = statistics.median(colds), statistics.median(warms)
    print(f"{service} alone, cold:      {cold:8.2f} s")
    print(f"{service} alone, warm:      {warm:8.2f} s ({warm / cold:.1%} of cold; nothing heavy imported)")
    for edit, label in EDITS.items():
        took = statistics.median(edits[edit])
        print(f"  {label + ':':27}{took:8.2f} s ({took / cold:.1%} of cold; target <= 15%)")
    print(f"  each output identical to a cold run of the changed input: {same}", flush=True)
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "tencentcloud-api")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=int, default=3, help="runs of the one-service measurements (median)")
    parser.add_argument("--corpus-runs", type=int, default=2, help="cold corpus runs and black runs (median)")
    parser.add_argument("--small-only", action="store_true", help="only the one-service measurements")
    parser.add_argument("--large", default=LARGE, help="the second service version measured alone")
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    compileall.compile_dir(ROOT / "codegen", quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        print(f"{args.jobs} worker processes", flush=True)
        same = all([small(corpus, scratch, args.jobs, args.runs, service) for service in (SERVICE, args.large)])
        if args.small_only:
            return 0 if same else 1
        # Cold generation and black alone take turns, so that a machine that
        # speeds up or slows down during the run weighs on both alike.
        colds, blacks, peaks = [], [], []
        for run in range(args.corpus_runs):
            cache, out = scratch / f"cache-{run}", scratch / f"out-{run}"
            cold, peak = timed_with_peak(generate_command(corpus, out, cache, args.jobs))
            colds.append(cold)
            peaks.append(peak)
            copy = scratch / "copy"
            shutil.copytree(out / "tcsdk", copy)
            files = sum(1 for _ in copy.rglob("*.py"))
            size = sum(p.stat().st_size for p in copy.rglob("*.py"))
            env = {**os.environ, "BLACK_CACHE_DIR": str(scratch / f"black-cache-{run}")}
            blacks.append(timed([sys.executable, "-m", "black", "-q", "--workers", str(args.jobs), str(copy)], env=env))
            shutil.rmtree(copy)
            print(f"  run {run + 1}: cold {cold:.1f} s, black alone {blacks[-1]:.1f} s", flush=True)
        cold, black_alone, peak = statistics.median(colds), statistics.median(blacks), max(peaks)
        print(f"output: {files} Python files, {size / 1e6:.1f} MB (medians of {args.corpus_runs} runs below)")
        print(f"black alone:                {black_alone:8.1f} s (baseline)")
        print(f"cold generation:            {cold:8.1f} s ({cold / black_alone:.2f}x black; target <= 1.3x)")
        print(f"  peak memory:              {peak / 2**30:8.2f} GiB (generator and workers; target <= 1.5 GiB)")
        again = timed(generate_command(corpus, out, cache, args.jobs))
        print(f"regenerate, no change:      {again:8.2f} s ({again / cold:.2%} of cold; target <= 2%)")
        changed = changed_copy(corpus, scratch / "changed")
        one_action = timed(generate_command(changed, out, cache, args.jobs))
        print(f"one action changed (cvm):   {one_action:8.2f} s ({one_action / cold:.2%} of cold; target <= 5%)")
        reference = scratch / "reference"
        timed(generate_command(changed, reference, None, args.jobs))
        same = tree(out) == tree(reference) and same
    print(f"  output identical to a cold run of the changed input: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
