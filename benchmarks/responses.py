"""Memory held by parsed responses, now that each keeps the body it was parsed
from (for ``meta.raw``), against the generator's code before (``--before-ref``,
main by default) in the same run.

    python benchmarks/responses.py --python /tmp/rtvenv/bin/python [--count 1000] [--runs 5]

Both sides are generated from the corpus (cvm 2017-03-12, the one action
measured) into a temporary folder: ours with this checkout, the baseline with
a ``git archive`` of ``--before-ref``, each as package ``benchsdk``
(``--sdk DIR`` and ``--before-sdk DIR`` take folders generated before, each
holding ``cvm/benchsdk``). Then, in a fresh ``--python`` interpreter per
measurement, ``--count`` answers of ``--action`` (its first corpus example
that fits its model, each copy with its own RequestId, so no two bodies are
one object) are parsed with ``from_envelope``, and tracemalloc tells what the
responses hold once the loop is done (medians of ``--runs``):

- client: each body is dropped once parsed, as the client drops its HTTP
  response; what the responses keep of it is theirs to pay;
- client, raw read: the same, and ``meta.raw`` read once per response (the
  dict is dropped: raw is decoded anew on each read, nothing is cached);
- client, keep_raw=False: the body is let go as a client made with
  ``keep_raw=False`` lets it go, so ``meta.raw`` is None;
- caller keeps bodies: the caller holds every body anyway (a list of bodies
  parsed in a batch); counted apart from what the responses hold.

For scale it also prints the size of the bodies alone and of the ``raw``
dicts were they all kept. The models' import memory is section e of
benchmarks/runtime.py.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE = "cvm/v20170312"
PACKAGE = "benchsdk"

CHILD = """
import gc, json, sys, tracemalloc
from {package}.cvm.v20170312 import models

mode, action, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
cls = getattr(models, action + "Response")
examples = json.loads(open(sys.argv[4]).read())["actions"][action]
template = None
for item in examples:
    try:
        body = json.loads(item["output"])
        cls.from_envelope(body, strict=True)
    except Exception:
        continue
    template = body
    break
assert template is not None, "no example of " + action + " fits its model"


def body(index):
    template["Response"]["RequestId"] = "req-%08d" % index
    return json.dumps(template).encode()


cls.from_envelope(body(0))  # the class's decoder is made before measuring
kept_bodies = [body(i) for i in range(count)] if mode == "caller" else None
gc.collect()
tracemalloc.start()
start = tracemalloc.get_traced_memory()[0]
if mode == "bodies":
    held = [body(i) for i in range(count)]
elif mode == "caller":
    held = [cls.from_envelope(b) for b in kept_bodies]
else:
    held = []
    for i in range(count):
        response = cls.from_envelope(body(i))
        if mode == "raw":
            response.meta.raw
        elif mode == "no-raw":
            response._kept = None  # what a client made with keep_raw=False does
        elif mode == "raw-kept":
            held.append(response.meta.raw)
        held.append(response)
gc.collect()
print(tracemalloc.get_traced_memory()[0] - start)
"""


def generate(codegen_root: Path, corpus: Path, out: Path, action: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "codegen",
            "generate",
            "--from",
            "tencentcloud",
            str(corpus / SERVICE),
            "--actions",
            action,
            "--out",
            str(out / "cvm"),
            "--package",
            PACKAGE,
            "-q",
        ],
        cwd=codegen_root,
        check=True,
    )


def measure(python: str, sdk: Path, mode: str, args: argparse.Namespace) -> float:
    values = []
    for _ in range(args.runs):
        result = subprocess.run(
            [
                python,
                "-c",
                CHILD.format(package=PACKAGE),
                mode,
                args.action,
                str(args.count),
                str(args.corpus / SERVICE / "examples.json"),
            ],
            cwd=sdk / "cvm",
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if result.returncode != 0:
            raise SystemExit(f"child failed ({mode}, {sdk}):\n{result.stderr}")
        values.append(float(result.stdout))
    return statistics.median(values)


def report(args: argparse.Namespace, ours: Path, before: Path) -> None:
    n = args.count
    kib = 1024
    print(f"{n} {args.action} answers parsed with from_envelope; medians of {args.runs} runs; {args.python}")
    bodies = measure(args.python, ours, "bodies", args)
    print(f"   the bodies alone:                         {bodies / kib:9.1f} KiB ({bodies / n:7.0f} B each)")
    for label, mode in (("client: bodies dropped once parsed", "client"), ("caller keeps the bodies", "caller")):
        then = measure(args.python, before, mode, args)
        now = measure(args.python, ours, mode, args)
        print(
            f"   {label:40} before {then / kib:9.1f} KiB   now {now / kib:9.1f} KiB"
            f"   {now / then:.3f}x before ({(now - then) / n:+.0f} B per response)"
        )
        if mode == "client":
            read = measure(args.python, ours, "raw", args)
            print(
                f"   {'  the same, meta.raw read once each':40} before {'-':>9}       now {read / kib:9.1f} KiB"
                f"   {read / then:.3f}x before ({(read - then) / n:+.0f} B per response)"
            )
            dropped = measure(args.python, ours, "no-raw", args)
            print(
                f"   {'  the same, client keep_raw=False':40} before {'-':>9}       now {dropped / kib:9.1f} KiB"
                f"   {dropped / then:.3f}x before ({(dropped - then) / n:+.0f} B per response)"
            )
    kept = measure(args.python, ours, "raw-kept", args)
    print(f"   (were every raw dict kept as well:        {kept / kib:9.1f} KiB, {kept / bodies:.1f}x the bodies)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "tencentcloud-api")
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter with msgspec (the runtime's dependencies)"
    )
    parser.add_argument("--action", default="DescribeInstances")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before-ref", default="main", help="git revision whose generator is the baseline")
    parser.add_argument("--sdk", type=Path, help="ours, generated before: DIR/cvm holds package benchsdk")
    parser.add_argument(
        "--before-sdk", type=Path, help="the baseline, generated before: DIR/cvm holds package benchsdk"
    )
    args = parser.parse_args()
    args.corpus = args.corpus.resolve()
    with tempfile.TemporaryDirectory() as scratch:
        temp = Path(scratch)
        ours = args.sdk.resolve() if args.sdk else temp / "ours"
        before = args.before_sdk.resolve() if args.before_sdk else temp / "before"
        if not args.sdk:
            generate(ROOT, args.corpus, ours, args.action)
        if not args.before_sdk:
            source = temp / "source"
            source.mkdir()
            archive = subprocess.run(["git", "archive", args.before_ref], cwd=ROOT, check=True, capture_output=True)
            subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
            # Laid out as installed (codegen.templates), so that the baseline's
            # generator finds its own templates, not those of an editable
            # install of this checkout.
            (source / "templates").rename(source / "codegen" / "templates")
            generate(source, args.corpus, before, args.action)
        runtime = Path(PACKAGE, "common", "model.py")
        if (ours / "cvm" / runtime).read_bytes() == (before / "cvm" / runtime).read_bytes():
            raise SystemExit("the baseline's runtime is the same as ours: nothing to compare")
        report(args, ours, before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
