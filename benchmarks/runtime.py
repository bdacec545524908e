"""Run-time cost of the generated code against Tencent's official SDK and a
bare msgspec decode, every number a ratio to a baseline measured in the same
run (medians of ``--runs``).

    python -m venv /tmp/rtvenv
    /tmp/rtvenv/bin/pip install msgspec==0.22.0 httpx==0.28.1 tencentcloud-sdk-python-common \\
        tencentcloud-sdk-python-cvm tencentcloud-sdk-python-trtc
    python benchmarks/runtime.py --python /tmp/rtvenv/bin/python [--corpus ../shared/tencentcloud-api] [--runs 7]

The script runs in the generator's environment: it generates cvm 2017-03-12
and trtc 2019-07-22 from the corpus into a temporary folder (``--sdk DIR``
takes packages generated before instead: ``DIR/cvm`` and ``DIR/trtc``, each
holding package ``benchsdk``), then measures with ``--python``, an
interpreter that has only the runtime's dependencies and the official SDK,
so that neither side's imports are helped by a module the generator loaded:

a. import of the sync cvm client in a fresh interpreter, against the official
   ``tencentcloud.cvm.v20170312.cvm_client`` (and the models modules alone);
b. time to a first call in a fresh interpreter (import, build the client,
   sign, send DescribeZones to a server on 127.0.0.1 started here, parse),
   against the official SDK doing the same against the same server;
c. parsing every cvm and trtc success example that fits its model strictly:
   ``from_envelope`` against one msgspec decode of the same body into plain
   Structs with the same fields (target at most 1.25x) and against the
   official ``_deserialize`` (target at least 5x faster); then the tolerant
   path, on examples made to mismatch, against the typed decode;
d. a request built from a request model, encoded and signed (the client's
   ``plan.action_call`` and ``plan.Core.prepare``) for every example request, against
   the official ``_serialize`` and ``_build_req_inter`` (target at least 3x);
   on both sides up to the HTTP library's own request object (httpx's for
   us, made when sending; requests' for the official SDK), which neither
   includes;
e. memory (tracemalloc, and RSS) after importing the cvm models, against the
   official cvm models module;
f. size on disk of the generated cvm package (its folder: source, data and
   the bytecode ``--python`` compiles) against the official ``tencentcloud/cvm``
   folder as pip installed it (target at most 0.5x).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("cvm/v20170312", "trtc/v20190722")
PACKAGE = "benchsdk"
SECRET_ID, SECRET_KEY = "AKIDbenchmark", "benchmark-secret-key"


# Measurements made in the --python interpreter (``--worker``); each prints JSON.


def per_call(function: Callable[[], Any], seconds: float) -> float:
    """Median seconds per call over timed batches."""
    batch = 1
    while True:
        started = time.perf_counter()
        for _ in range(batch):
            function()
        if time.perf_counter() - started > 0.002:
            break
        batch *= 2
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 5:
        started = time.perf_counter()
        for _ in range(batch):
            function()
        samples.append((time.perf_counter() - started) / batch)
    return statistics.median(samples)


def _annotation(tp: Any) -> str:
    """A type as source text for the plain mirror module."""
    import types
    import typing

    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is type(None):
        return "None"
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_annotation(a) for a in args)
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(_annotation(a) for a in args)}]"
    if tp is typing.Any:
        return "typing.Any"
    return str(tp.__name__)


def plain_mirror(models: Any) -> Any:
    """Plain msgspec Structs with the fields (names, wire names, types, defaults) of every model."""
    import types

    import msgspec

    lines = ["from __future__ import annotations", "import typing", "import msgspec"]
    for name in models.__all__:
        cls = getattr(models, name)
        lines.append(f"class {name}(msgspec.Struct, kw_only=True):")
        fields = [f for f in msgspec.structs.fields(cls) if f.name != "_error"]  # the hidden error probe
        for f in fields:
            default = "" if f.required else f", default={f.default!r}"
            lines.append(f"    {f.name}: {_annotation(f.type)} = msgspec.field(name={f.encode_name!r}{default})")
        lines.append("    pass")
    module = types.ModuleType("plain_mirror")
    sys.modules[module.__name__] = module
    exec("\n".join(lines), module.__dict__)  # noqa: S102 - our own generated text
    return module


def success_examples(corpus: Path, service: str) -> list[tuple[str, bytes]]:
    found = []
    for action, items in json.loads((corpus / service / "examples.json").read_text())["actions"].items():
        for item in items:
            try:
                body = json.loads(item["output"])
            except ValueError:
                continue
            if isinstance(body, dict) and isinstance(body.get("Response"), dict) and "Error" not in body["Response"]:
                found.append((action, item["output"].encode()))
    return found


def request_examples(corpus: Path, service: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for action, items in json.loads((corpus / service / "examples.json").read_text())["actions"].items():
        for item in items:
            head, _, body = item["input"].partition("\n\n")
            if head.startswith("POST"):
                try:
                    params = json.loads(body)
                except ValueError:
                    continue
                if isinstance(params, dict):
                    found.append((action, params))
    return found


def worker_parse(module: str, corpus: Path, service: str, runs: int, budget: float) -> dict[str, Any]:
    import importlib
    import logging

    import msgspec

    models = importlib.import_module(f"{module}.models")
    official = importlib.import_module(f"tencentcloud.{service.replace('/', '.')}.models")
    plain = plain_mirror(models)
    cases, mismatching, unknown = [], [], 0
    for action, raw in success_examples(corpus, service):
        cls = getattr(models, f"{action}Response")
        try:
            cls.from_envelope(raw, strict=True)
        except Exception:  # noqa: BLE001 - an example that disagrees with its spec: the tolerant path
            mismatching.append(action)
            continue
        theirs = getattr(official, f"{action}Response", None)
        if theirs is None:
            unknown += 1  # an action newer than the installed official SDK
            continue
        bare = msgspec.json.Decoder(
            msgspec.defstruct("Envelope", [("Response", getattr(plain, cls.__name__))]), strict=False
        )
        bare.decode(raw)
        cases.append((cls, bare, theirs, raw))

    def official_parse(theirs: Any, raw: bytes) -> Callable[[], None]:
        def parse() -> None:
            theirs()._deserialize(json.loads(raw)["Response"])

        return parse

    totals: dict[str, list[float]] = {"ours": [], "bare": [], "official": []}
    ratios: list[float] = []
    for _ in range(runs):
        sums = dict.fromkeys(totals, 0.0)
        for cls, bare, theirs, raw in cases:
            # per_call runs each lambda at once, so late binding is harmless here.
            ours = per_call(lambda: cls.from_envelope(raw), budget)  # noqa: B023
            base = per_call(lambda: bare.decode(raw), budget)  # noqa: B023
            sums["ours"] += ours
            sums["bare"] += base
            sums["official"] += per_call(official_parse(theirs, raw), budget)
            ratios.append(ours / base)
        for key, value in sums.items():
            totals[key].append(value)
    logging.getLogger(f"{module.split('.')[0]}.common.tolerant").setLevel(logging.ERROR)  # warned once anyway
    return {
        "count": len(cases),
        "mismatching": len(mismatching),
        "unknown": unknown,
        **{key: statistics.median(values) for key, values in totals.items()},
        "median_ratio": statistics.median(ratios),
        "tolerant": tolerant_cost([(c[0], c[3]) for c in cases], budget),
    }


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


def tolerant_cost(matching: list[tuple[Any, bytes]], budget: float) -> dict[str, Any]:
    """The tolerant path on answers made to mismatch, against the typed decode of the originals."""
    found = {}
    for how in ("request id", "deep value"):
        typed = tolerant = 0.0
        count = 0
        for cls, raw in matching:
            changed = _replaced(raw, how)
            if changed is None or not cls.from_envelope(changed).meta.deviations:
                continue  # no place for it, or a field the model does not know
            typed += per_call(lambda: cls.from_envelope(raw), budget)  # noqa: B023 - run at once
            tolerant += per_call(lambda: cls.from_envelope(changed), budget)  # noqa: B023
            count += 1
        found[how] = {"count": count, "typed": typed, "tolerant": tolerant}
    return found


def worker_requests(module: str, corpus: Path, service: str, runs: int, budget: float) -> dict[str, Any]:
    import importlib
    import uuid
    import warnings

    import msgspec
    from tencentcloud.common import credential
    from tencentcloud.common.http.request import RequestInternal
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    name, version = service.split("/")
    ours_module = importlib.import_module(f"{module}.client")
    common = importlib.import_module(f"{module.split('.')[0]}.common.client")
    plan = importlib.import_module(f"{module.split('.')[0]}.common.plan")
    credentials = importlib.import_module(f"{module.split('.')[0]}.common.credentials").Credentials(
        SECRET_ID, SECRET_KEY
    )
    actions = {a.name: a for a in vars(ours_module).values() if isinstance(a, common.Action)}
    client_class = next(
        c
        for c in vars(ours_module).values()
        if isinstance(c, type) and issubclass(c, common.BaseClient) and c.__module__ == ours_module.__name__
    )
    ours_client = client_class(credentials, region="ap-guangzhou", endpoint="http://127.0.0.1:9")
    core = ours_client._core
    official_models = importlib.import_module(f"tencentcloud.{name}.{version}.models")
    official_client_module = importlib.import_module(f"tencentcloud.{name}.{version}.{name}_client")
    official_class = next(
        c for n, c in vars(official_client_module).items() if n.endswith("Client") and n != "AbstractClient"
    )
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint="127.0.0.1:9"))
    theirs_client = official_class(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou", profile)
    cases = []
    for action_name, params in request_examples(corpus, service):
        action = actions.get(action_name)
        theirs_cls = getattr(official_models, f"{action_name}Request", None)
        if action is None or theirs_cls is None:
            continue
        try:
            ours_request = msgspec.convert(params, action.request, strict=False)
        except msgspec.ValidationError:
            continue  # an example that does not fit the spec
        theirs_request = theirs_cls()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # it warns about fields it does not know
            theirs_request._deserialize(params)
        cases.append((action, ours_request, action_name, theirs_request))

    def ours(action: Any, request: Any) -> Callable[[], Any]:
        def build() -> Any:
            call = plan.action_call(core, action, request, {})
            return core.prepare(call.name, call.body, credentials)

        return build

    def theirs(action_name: str, request: Any) -> Callable[[], Any]:
        def build() -> Any:
            params = request._serialize()
            internal = RequestInternal(
                theirs_client._get_endpoint(),
                "POST",
                theirs_client._requestPath,
                header={"X-TC-TraceId": str(uuid.uuid4())},
            )
            theirs_client._build_req_inter(action_name, params, internal)
            return internal

        return build

    totals: dict[str, list[float]] = {"ours": [], "official": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated actions warn at every call
        for _ in range(runs):
            ours_sum = theirs_sum = 0.0
            for action, ours_request, action_name, theirs_request in cases:
                ours_sum += per_call(ours(action, ours_request), budget)
                theirs_sum += per_call(theirs(action_name, theirs_request), budget)
            totals["ours"].append(ours_sum)
            totals["official"].append(theirs_sum)
    return {"count": len(cases), **{key: statistics.median(values) for key, values in totals.items()}}


# Fresh interpreters.

IMPORT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"

FIRST_CALL_OURS = """
import time
t = time.perf_counter()
from {package}.cvm.v20170312.client import CvmClient
from {package}.common.credentials import Credentials
with CvmClient(Credentials({id!r}, {key!r}), region="ap-guangzhou", endpoint={url!r}) as cvm:
    zones = cvm.describe_zones()
    elapsed = time.perf_counter() - t
assert zones.zone_set, zones
print(elapsed)
"""

FIRST_CALL_OFFICIAL = """
import time
t = time.perf_counter()
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client, models
profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint={hostport!r}))
cvm = cvm_client.CvmClient(credential.Credential({id!r}, {key!r}), "ap-guangzhou", profile)
zones = cvm.DescribeZones(models.DescribeZonesRequest())
elapsed = time.perf_counter() - t
assert zones.ZoneSet, zones
print(elapsed)
"""

MEMORY = """
import json, os, sys, tracemalloc
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
if sys.argv[1] == "traced":
    tracemalloc.start()
before = rss()
import {module}
print(tracemalloc.get_traced_memory()[0] if sys.argv[1] == "traced" else rss() - before)
"""


class Runner:
    def __init__(self, python: str, out: Path) -> None:
        self.python = python
        self.out = out
        # No proxy for 127.0.0.1, and the same environment for both sides.
        self.env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}

    def run(self, code: str, service: str = "cvm", *args: str) -> str:
        result = subprocess.run(
            [self.python, "-c", code, *args],
            cwd=self.out / service,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if result.returncode != 0:
            raise SystemExit(f"child failed:\n{code}\n{result.stderr}")
        return result.stdout

    def median(self, runs: int, code: str, *args: str) -> float:
        return statistics.median(float(self.run(code, "cvm", *args)) for _ in range(runs))

    def medians(self, runs: int, ours: str, theirs: str, *args: str) -> tuple[float, float]:
        """Alternating fresh interpreters, so that a noisy moment hits both sides."""
        a, b = [], []
        for _ in range(runs):
            a.append(float(self.run(ours, "cvm", *args)))
            b.append(float(self.run(theirs, "cvm", *args)))
        return statistics.median(a), statistics.median(b)

    def worker(self, what: str, module: str, service: str, corpus: Path, runs: int, budget: float) -> dict[str, Any]:
        result = subprocess.run(
            [
                self.python,
                __file__,
                "--worker",
                what,
                "--module",
                module,
                "--service",
                service,
                "--corpus",
                str(corpus),
                "--runs",
                str(runs),
                "--budget",
                str(budget),
            ],
            cwd=self.out / service.split("/")[0],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
        )
        if result.returncode != 0:
            raise SystemExit(f"worker {what} {service} failed:\n{result.stderr}")
        data: dict[str, Any] = json.loads(result.stdout)
        return data


def answering_server(corpus: Path) -> ThreadingHTTPServer:
    """A local endpoint answering every action of cvm with its first success example."""
    answers = {action: raw for action, raw in reversed(success_examples(corpus, "cvm/v20170312"))}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = answers[self.headers["X-TC-Action"]]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def generate(corpus: Path, out: Path) -> None:
    for service in SERVICES:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "codegen",
                "generate",
                "--from",
                "tencentcloud",
                str(corpus / service),
                "--out",
                str(out / service.split("/")[0]),
                "--package",
                PACKAGE,
                "-q",
            ],
            cwd=ROOT,
            check=True,
        )


def report(args: argparse.Namespace, out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from codegen.naming import service_module

    # pip compiles an installed SDK to .pyc; do the same for ours, even when
    # PYTHONDONTWRITEBYTECODE is set, so that both imports read bytecode.
    subprocess.run([args.python, "-m", "compileall", "-q", str(out)], check=True, stdout=subprocess.DEVNULL)
    runner = Runner(args.python, out)
    modules = {}
    for service in SERVICES:
        name, version = service.split("/")
        api = json.loads((args.corpus / service / "api.json").read_text())
        modules[service] = f"{PACKAGE}.{service_module(api['metadata']['serviceShortName'])}.{version}"
    cvm = modules["cvm/v20170312"]
    print(f"medians of {args.runs} runs; interpreter {args.python}")

    print("a. import in a fresh interpreter:")
    for ours_name, theirs_name in [
        (f"{cvm}.client", "tencentcloud.cvm.v20170312.cvm_client"),
        (f"{cvm}.models", "tencentcloud.cvm.v20170312.models"),
    ]:
        ours, theirs = runner.medians(args.runs, IMPORT.format(module=ours_name), IMPORT.format(module=theirs_name))
        print(
            f"   {ours_name:32} {ours * 1e3:7.1f} ms   official {theirs_name:40} {theirs * 1e3:7.1f} ms"
            f"   ours {theirs / ours:.2f}x faster"
        )
    msgspec_alone = runner.median(args.runs, IMPORT.format(module="msgspec"))
    print(f"   (of ours, msgspec's own import: {msgspec_alone * 1e3:.1f} ms)")

    server = answering_server(args.corpus)
    try:
        host, port = "127.0.0.1", server.server_address[1]
        fields = {
            "package": PACKAGE,
            "id": SECRET_ID,
            "key": SECRET_KEY,
            "url": f"http://{host}:{port}",
            "hostport": f"{host}:{port}",
        }
        ours, theirs = runner.medians(args.runs, FIRST_CALL_OURS.format(**fields), FIRST_CALL_OFFICIAL.format(**fields))
    finally:
        server.shutdown()
    print("b. first call in a fresh interpreter (import, client, sign, send DescribeZones to 127.0.0.1, parse):")
    print(f"   ours {ours * 1e3:7.1f} ms   official {theirs * 1e3:7.1f} ms   ours {theirs / ours:.2f}x faster")

    print("c. parse every success example that fits its model strictly (sums of per-answer medians):")
    sums = {"ours": 0.0, "bare": 0.0, "official": 0.0}
    for service in SERVICES:
        data = runner.worker("parse", modules[service], service, args.corpus, args.runs, args.budget)
        for key in sums:
            sums[key] += data[key]
        print(
            f"   {service}: {data['count']} answers ({data['mismatching']} do not fit strictly,"
            f" {data['unknown']} unknown to the official SDK):"
            f" ours {data['ours'] * 1e6:8.1f} us, bare {data['bare'] * 1e6:8.1f} us"
            f" ({data['ours'] / data['bare']:.2f}x bare; median per answer {data['median_ratio']:.2f}x),"
            f" official {data['official'] * 1e6:8.1f} us ({data['official'] / data['ours']:.1f}x slower)"
        )
        for how, t in data["tolerant"].items():
            if t["count"]:
                ratio = t["tolerant"] / t["typed"]
                print(f"      tolerant, {how} mismatching: {t['count']} answers, {ratio:.1f}x the typed decode")
    print(
        f"   both: ours {sums['ours'] / sums['bare']:.2f}x bare msgspec (target <= 1.25x), "
        f"official {sums['official'] / sums['ours']:.1f}x slower than ours (target >= 5x)"
    )

    print("d. build, encode and sign every example request (sums of per-request medians):")
    ours_total = theirs_total = 0.0
    for service in SERVICES:
        data = runner.worker("requests", modules[service], service, args.corpus, args.runs, args.budget)
        ours_total += data["ours"]
        theirs_total += data["official"]
        print(
            f"   {service}: {data['count']} requests: ours {data['ours'] * 1e6:8.1f} us, "
            f"official {data['official'] * 1e6:8.1f} us ({data['official'] / data['ours']:.1f}x slower)"
        )
    print(f"   both: official {theirs_total / ours_total:.1f}x slower than ours (target >= 3x)")

    print("e. memory after importing the cvm models (fresh interpreter):")
    for mode, unit in (("traced", "tracemalloc"), ("rss", "RSS delta")):
        ours_mem, theirs_mem = runner.medians(
            args.runs,
            MEMORY.format(module=f"{cvm}.models"),
            MEMORY.format(module="tencentcloud.cvm.v20170312.models"),
            mode,
        )
        msgspec_alone = runner.median(args.runs, MEMORY.format(module="msgspec"), mode)
        print(
            f"   {unit:12} ours {ours_mem / 2**20:6.1f} MiB   official {theirs_mem / 2**20:6.1f} MiB"
            f"   ours {ours_mem / theirs_mem:.3f}x of official"
            f" (of ours, msgspec itself {msgspec_alone / 2**20:.1f} MiB)"
        )

    print("f. size of the cvm package, source and bytecode:")
    official = Path(subprocess.run([args.python, "-c", OFFICIAL_FOLDER], capture_output=True, text=True).stdout.strip())
    ours_bytes = folder_bytes(out / "cvm" / PACKAGE / cvm.split(".")[1])
    theirs_bytes = folder_bytes(official)
    print(
        f"   ours {ours_bytes / 1e6:.2f} MB   official {theirs_bytes / 1e6:.2f} MB"
        f"   ours {ours_bytes / theirs_bytes:.2f}x of official (target <= 0.5x)"
    )


OFFICIAL_FOLDER = "import pathlib, tencentcloud.cvm as m; print(pathlib.Path(m.__file__).parent)"


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "tencentcloud-api")
    parser.add_argument("--python", default=sys.executable, help="interpreter with msgspec, httpx and the official SDK")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--budget", type=float, default=0.01, help="seconds spent timing each case, per run")
    parser.add_argument("--sdk", type=Path, help="use the packages generated in DIR/cvm and DIR/trtc")
    parser.add_argument("--worker", choices=["parse", "requests"], help=argparse.SUPPRESS)
    parser.add_argument("--module", help=argparse.SUPPRESS)
    parser.add_argument("--service", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, os.getcwd())
        work = worker_parse if args.worker == "parse" else worker_requests
        print(json.dumps(work(args.module, args.corpus, args.service, args.runs, args.budget)))
        return 0
    if args.sdk:
        report(args, args.sdk.resolve())
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        generate(args.corpus, Path(scratch))
        report(args, Path(scratch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
