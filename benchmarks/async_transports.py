"""CPU per call and throughput of the async clients at a given number of
calls in flight, against the official SDK's async client and bare HTTP
libraries: this process's CPU (``time.process_time``) and wall time per
call, keep-alive on every side, the server in another process (an asyncio
server answering from memory, so that it is not the bottleneck); medians of
``--runs`` fresh processes, the cases alternating.

    python benchmarks/async_transports.py --python /tmp/rtvenv/bin/python [--corpus ../shared/tencentcloud-api]
        [--runs 5] [--calls 3000] [--in-flight 100]

``--python`` is an interpreter with the runtime's dependencies and the
official SDK (see ``benchmarks/runtime.py``); aiohttp is measured as a floor
when it is installed there. The script generates cvm 2017-03-12 from the
corpus (``--sdk DIR`` takes a package generated before: ``DIR/cvm`` holding
``benchsdk``) and measures one ``DescribeInstances`` per call:

- ours on each async transport (the default, and ``transport="httpx"``):
  build, sign, send, read and parse;
- the official SDK's ``cvm_client_async.CvmClient.DescribeInstances``
  (targets: ours by default at most 0.15x its CPU, at least 5x its
  throughput);
- the floors: a bare POST of the same size with ``json.loads`` of the
  answer through ``httpx.AsyncClient`` and, when installed, aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runtime import PACKAGE, ROOT, SECRET_ID, SECRET_KEY, success_examples  # noqa: E402

SETUP = {
    "ours default": """
from {package}.cvm.v20170312.aio import AsyncCvmClient
from {package}.common.credentials import Credentials
client = AsyncCvmClient(Credentials({id!r}, {key!r}), region="ap-guangzhou", endpoint={url!r})
async def call():
    assert (await client.describe_instances()).request_id
""",
    "ours httpx": """
from {package}.cvm.v20170312.aio import AsyncCvmClient
from {package}.common.credentials import Credentials
client = AsyncCvmClient(Credentials({id!r}, {key!r}), region="ap-guangzhou", endpoint={url!r}, transport="httpx")
async def call():
    assert (await client.describe_instances()).request_id
""",
    "official": """
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client_async, models
profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint={hostport!r}))
client = cvm_client_async.CvmClient(credential.Credential({id!r}, {key!r}), "ap-guangzhou", profile)
async def call():
    assert (await client.DescribeInstances(models.DescribeInstancesRequest())).RequestId
""",
    "bare httpx": """
import json, httpx
http = httpx.AsyncClient()
async def call():
    answer = await http.post({url!r}, content=b"{{}}", headers=HEADERS)
    assert json.loads(answer.content)["Response"]["RequestId"]
""",
    "bare aiohttp": """
import json, aiohttp
http = None
async def call():
    global http
    if http is None:
        http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    async with http.post({url!r}, data=b"{{}}", headers=HEADERS) as answer:
        assert json.loads(await answer.read())["Response"]["RequestId"]
""",
}

MEASURE = """
import asyncio, time
HEADERS = {{"Content-Type": "application/json", "X-TC-Action": "DescribeInstances"}}
{setup}
async def worker(count):
    for _ in range(count):
        await call()
async def batch(calls, flight):
    await asyncio.gather(*(worker(calls // flight) for _ in range(flight)))
async def main():
    await batch({warm}, {flight})
    cpu, wall = time.process_time(), time.perf_counter()
    await batch({calls}, {flight})
    done = {calls} // {flight} * {flight}
    print((time.process_time() - cpu) / done, (time.perf_counter() - wall) / done)
asyncio.run(main())
"""


async def _serve(answers: dict[bytes, bytes]) -> None:
    """HTTP/1.1 keep-alive, the answer chosen by X-TC-Action; bodies read by Content-Length."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                fields = {}
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    fields[name.strip().lower()] = value.strip()
                await reader.readexactly(int(fields.get(b"content-length", b"0")))
                writer.write(answers[fields.get(b"x-tc-action", b"DescribeInstances")])
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


def serve(corpus: Path) -> None:
    """Answer every cvm action with its first success example; print the port."""
    answers = {}
    for action, body in reversed(success_examples(corpus, "cvm/v20170312")):
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        answers[action.encode()] = head.encode() + body
    asyncio.run(_serve(answers))


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
        }
        environ = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in SETUP}
        for _ in range(args.runs):  # the cases alternate, so that a noisy moment hits them all
            for name, setup in SETUP.items():
                if name not in results:
                    continue
                code = MEASURE.format(
                    setup=setup.format(**fields), calls=args.calls, warm=args.in_flight * 3, flight=args.in_flight
                )
                done = subprocess.run(
                    [args.python, "-c", code], cwd=sdk / "cvm", env=environ, capture_output=True, text=True
                )
                if done.returncode != 0:
                    if "No module named 'aiohttp'" in done.stderr or "argument 'transport'" in done.stderr:
                        results.pop(name)
                        continue
                    raise SystemExit(f"{name} failed:\n{done.stderr}")
                cpu, wall = map(float, done.stdout.split())
                results[name].append((cpu, wall))
    finally:
        server.terminate()
        server.wait()
    cpu = {name: statistics.median(c for c, _ in values) for name, values in results.items() if values}
    wall = {name: statistics.median(w for _, w in values) for name, values in results.items() if values}
    print(
        f"Per DescribeInstances call at {args.in_flight} in flight, medians of {args.runs} runs of {args.calls} calls"
    )
    print(f"   {'':18} {'CPU':>9} {'vs official':>12} {'calls/s':>9} {'vs official':>12}")
    for name in cpu:
        print(
            f"   {name:18} {cpu[name] * 1e6:6.0f} us {cpu[name] / cpu['official']:11.2f}x"
            f" {1 / wall[name]:9.0f} {wall['official'] / wall[name]:11.2f}x"
        )
    print(
        f"   targets: ours by default <= 0.15x the official CPU: {cpu['ours default'] / cpu['official']:.2f}x;"
        f" >= 5x its throughput: {wall['official'] / wall['ours default']:.1f}x"
    )
    print(json.dumps({name: [round(cpu[name] * 1e6, 1), round(1 / wall[name])] for name in cpu}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "tencentcloud-api")
    parser.add_argument("--python", default=sys.executable, help="interpreter with the runtime, the official SDK")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--in-flight", type=int, default=100)
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
