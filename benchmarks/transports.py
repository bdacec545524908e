"""CPU per call of the sync transports, against the official SDK and bare
HTTP libraries: this process's CPU (``time.process_time``) per call, with
keep-alive on every side and the server in another process, so that only
the client's own work is counted (medians of ``--runs`` fresh processes).

    python benchmarks/transports.py --python /tmp/rtvenv/bin/python [--corpus ../shared/tencentcloud-api]
        [--runs 5] [--calls 2000]

``--python`` is an interpreter with the runtime's dependencies, the official
SDK (requests-based) and urllib3 installed (see ``benchmarks/runtime.py``
for how to make one). The script generates cvm 2017-03-12 from the corpus
(``--sdk DIR`` takes a package generated before: ``DIR/cvm`` holding
``benchsdk``), starts a server answering every cvm action with its first
success example (HTTP/1.1, keep-alive), and measures one
``DescribeInstances`` per call:

- ours on each sync transport (the default, the standard library's, and
  ``transport="httpx"``): build, sign, send, read and parse; with ``--sdk``
  naming a package made by an earlier generator (before the transport
  seam), its default (then httpx) alone;
- the official SDK's ``CvmClient.DescribeInstances`` (target: ours on the
  default transport at most 0.3x);
- the floors: a bare POST of the same size with ``json.loads`` of the
  answer, through ``httpx.Client``, urllib3 (when installed) and
  ``http.client``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runtime import PACKAGE, ROOT, SECRET_ID, SECRET_KEY, answering_handler  # noqa: E402

SETUP = {
    "ours default": """
from {package}.cvm.v20170312.client import CvmClient
from {package}.common.credentials import Credentials
client = CvmClient(Credentials({id!r}, {key!r}), region="ap-guangzhou", endpoint={url!r})
def call():
    assert client.describe_instances().request_id
""",
    "ours httpx": """
from {package}.cvm.v20170312.client import CvmClient
from {package}.common.credentials import Credentials
client = CvmClient(Credentials({id!r}, {key!r}), region="ap-guangzhou", endpoint={url!r}, transport="httpx")
def call():
    assert client.describe_instances().request_id
""",
    "official": """
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client, models
profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint={hostport!r}))
client = cvm_client.CvmClient(credential.Credential({id!r}, {key!r}), "ap-guangzhou", profile)
def call():
    assert client.DescribeInstances(models.DescribeInstancesRequest()).RequestId
""",
    "bare httpx": """
import json, httpx
http = httpx.Client()
def call():
    answer = http.post({url!r}, content=b"{{}}", headers=HEADERS)
    assert json.loads(answer.content)["Response"]["RequestId"]
""",
    "bare urllib3": """
import json, urllib3
http = urllib3.PoolManager()
def call():
    answer = http.request("POST", {url!r}, body=b"{{}}", headers=HEADERS)
    assert json.loads(answer.data)["Response"]["RequestId"]
""",
    "bare http.client": """
import json, http.client
http = http.client.HTTPConnection("127.0.0.1", {port})
def call():
    http.request("POST", "/", body=b"{{}}", headers=HEADERS)
    assert json.loads(http.getresponse().read())["Response"]["RequestId"]
""",
}

MEASURE = """
import time
HEADERS = {{"Content-Type": "application/json", "X-TC-Action": "DescribeInstances"}}
{setup}
for _ in range(200):
    call()
started = time.process_time()
for _ in range({calls}):
    call()
print((time.process_time() - started) / {calls})
"""


def serve(corpus: Path) -> None:
    """Answer every cvm action with its first success example, keep-alive; print the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), answering_handler(corpus, keep_alive=True))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


def measure(args: argparse.Namespace, sdk: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--corpus", str(args.corpus)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        fields = {
            "package": PACKAGE,
            "id": SECRET_ID,
            "key": SECRET_KEY,
            "url": f"http://127.0.0.1:{port}/",
            "hostport": f"127.0.0.1:{port}",
            "port": port,
        }
        environ = {k: v for k, v in __import__("os").environ.items() if "proxy" not in k.lower()}
        results: dict[str, list[float]] = {name: [] for name in SETUP}
        for _ in range(args.runs):  # the cases alternate, so that a noisy moment hits them all
            for name, setup in SETUP.items():
                code = MEASURE.format(setup=setup.format(**fields), calls=args.calls)
                done = subprocess.run(
                    [args.python, "-c", code], cwd=sdk / "cvm", env=environ, capture_output=True, text=True
                )
                if done.returncode != 0:
                    if "No module named 'urllib3'" in done.stderr or "argument 'transport'" in done.stderr:
                        results.pop(name, None)
                        continue
                    raise SystemExit(f"{name} failed:\n{done.stderr}")
                results[name].append(float(done.stdout))
    finally:
        server.terminate()
        server.wait()
    medians = {name: statistics.median(values) for name, values in results.items() if values}
    official = medians["official"]
    print(f"CPU of this process per DescribeInstances call, medians of {args.runs} runs of {args.calls} calls")
    for name, value in medians.items():
        print(f"   {name:18} {value * 1e6:8.0f} us   {value / official:5.2f}x the official SDK")
    print(f"   target: ours by default <= 0.30x the official SDK: {medians['ours default'] / official:.2f}x")
    print(json.dumps({name: round(value * 1e6, 1) for name, value in medians.items()}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "tencentcloud-api")
    parser.add_argument("--python", default=sys.executable, help="interpreter with the runtime, the official SDK")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--sdk", type=Path, help="use the package generated in DIR/cvm")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.corpus)
        return 0
    if args.sdk:
        measure(args, args.sdk.resolve())
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "codegen",
                "generate",
                "--from",
                "tencentcloud",
                str(args.corpus / "cvm/v20170312"),
                "--out",
                str(out / "cvm"),
                "--package",
                PACKAGE,
                "-q",
            ],
            cwd=ROOT,
            check=True,
        )
        subprocess.run([args.python, "-m", "compileall", "-q", str(out)], check=True, stdout=subprocess.DEVNULL)
        measure(args, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
