"""Memory and time of a large file upload, against the size of the file.

    python benchmarks/uploads.py [--size-mib 94] [--sdk DIR]

Generates tests/fixtures/tencent-upload (cii 2021-04-08, UploadMedicalFile
with a binary ``File``) as package ``uppkg`` into a temporary folder
(``--sdk DIR`` takes a package generated before instead, e.g. by an older
generator, to compare), writes a file of ``--size-mib`` MiB and uploads it
to a server on 127.0.0.1 started here, which reads each body in 1 MiB
pieces, checks its TC3 signature over the streamed SHA-256, and keeps none
of it. Each case runs in a fresh interpreter, so that the server and the
other cases do not count:

- ``bytes``: the file read into bytes (``Path.read_bytes()``) and passed;
  the bytes are counted, as the caller holds them for the call;
- ``file``: the open file (``open(path, "rb")``) passed;
- ``stream``: a wrapper with only ``read`` (a stream that cannot seek).

Each with the sync and the async client. After a small upload that pays for
the imports and the connection, one upload is timed, with the growth of the
process's peak RSS from before the file is read or opened to the answer (the
caller's bytes count; Linux only, through /proc/self), and one more is
traced with tracemalloc from the call to its answer (the caller's bytes,
read before, do not count): the memory the upload itself took. Both are
printed as ratios to the file's size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "tencent-upload"
PACKAGE = "uppkg"
SECRET_ID, SECRET_KEY = "AKIDbenchmark", "benchmark-secret-key"
CASES = [f"{kind}-{mode}" for kind in ("bytes", "file", "stream") for mode in ("sync", "async")]
ANSWER = b'{"Response": {"FileId": "f-1", "RequestId": "r-1"}}'


def serve() -> ThreadingHTTPServer:
    """A server on 127.0.0.1 that checks each upload's signature without keeping its body."""
    sys.path.insert(0, str(ROOT))
    from tests.fake_tencent import tc3_signature

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            left = int(self.headers["Content-Length"])
            hasher = hashlib.sha256()
            while left:
                piece = self.rfile.read(min(left, 1 << 20))
                if not piece:
                    return
                hasher.update(piece)
                left -= len(piece)
            headers = {k.lower(): v for k, v in self.headers.items()}
            canonical = (
                f"POST\n/\n\ncontent-type:{headers['content-type'].strip().lower()}\n"
                f"host:{headers['host'].strip().lower()}\n\ncontent-type;host\n{hasher.hexdigest()}"
            )
            expected = tc3_signature(SECRET_KEY, "cii", int(headers["x-tc-timestamp"]), canonical)
            signed = headers["authorization"].endswith(f"Signature={expected}")
            answer = ANSWER if signed else b'{"Response": {"Error": {"Code": "AuthFailure"}, "RequestId": "r"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# In the worker interpreter (``--worker CASE``): one case, printed as JSON.


class OneWay:
    """A binary stream with nothing but ``read``."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "rb")  # noqa: SIM115  # closed with the stream

    def read(self, size: int = -1, /) -> bytes:
        return self._file.read(size)

    def close(self) -> None:
        self._file.close()


def peak_rss(reset: bool = False) -> int:
    """This process's peak RSS in bytes (0 where /proc/self does not tell); ``reset``: now, from here on."""
    try:
        if reset:  # 5: reset the peak RSS to the current RSS (Linux 4.0 and later)
            Path("/proc/self/clear_refs").write_text("5")
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), "")
    return int(line.split()[1]) * 1024 if line else 0


def worker(case: str, url: str, path: str) -> dict[str, Any]:
    import asyncio
    import time
    import tracemalloc

    from uppkg.cii.v20210408.client import AsyncCiiClient, CiiClient
    from uppkg.common.credentials import Credentials

    kind, mode = case.split("-")
    size = os.path.getsize(path)
    credentials = Credentials(SECRET_ID, SECRET_KEY)
    options = {"endpoint": url, "region": "ap-guangzhou", "timeout": 120.0}

    def one(call: Any, traced: bool) -> None:
        """One upload of the file; traced from the call on, when asked."""
        if kind == "bytes":
            given: Any = Path(path).read_bytes()
        elif kind == "file":
            given = open(path, "rb")  # noqa: SIM115  # closed below
        else:
            given = OneWay(path)
        if traced:
            tracemalloc.start()
        try:
            assert call(given).file_id == "f-1"
        finally:
            if kind != "bytes":
                given.close()

    def measure(call: Any) -> dict[str, Any]:
        assert call(b"warm-up").file_id == "f-1"
        rss = peak_rss(reset=True)
        started = time.perf_counter()
        one(call, traced=False)
        seconds = time.perf_counter() - started
        grown = peak_rss() - rss if rss else 0
        try:
            one(call, traced=True)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return {"peak": peak / size, "peak_bytes": peak, "rss": grown / size if rss else None, "seconds": seconds}

    if mode == "sync":
        with CiiClient(credentials, **options) as cii:
            return measure(lambda file: cii.upload_medical_file(file=file, comment="benchmark"))

    async def main() -> dict[str, Any]:
        async with AsyncCiiClient(credentials, **options) as cii:
            loop = asyncio.get_running_loop()

            def call(file: Any) -> Any:
                upload = cii.upload_medical_file(file=file, comment="benchmark")
                return asyncio.run_coroutine_threadsafe(upload, loop).result()

            # Measured from a thread beside the event loop, which does the upload.
            return await asyncio.to_thread(measure, call)

    return asyncio.run(main())


def run_case(case: str, url: str, path: Path, sdk: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(sdk)}
    command = [sys.executable, __file__, "--worker", case, "--url", url, "--file", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": last}
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def generate(out: Path) -> Path:
    command = [sys.executable, "-m", "codegen", "generate", "--from", "tencentcloud", str(FIXTURE)]
    command += ["--out", str(out), "--package", PACKAGE, "--no-cache", "-q", "--jobs", "1"]
    subprocess.run(command, check=True, cwd=ROOT)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=float, default=94.0)
    parser.add_argument("--sdk", type=Path, help=f"a folder holding package {PACKAGE}, generated before")
    parser.add_argument("--worker", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.url, args.file)))
        return
    with tempfile.TemporaryDirectory() as folder:
        sdk = args.sdk.resolve() if args.sdk else generate(Path(folder) / "sdk")
        path = Path(folder) / "scan.bin"
        size = int(args.size_mib * (1 << 20))
        draw = random.Random(21)
        with path.open("wb") as file:  # in pieces: the children's peak RSS starts from this process's
            for start in range(0, size, 1 << 20):
                file.write(draw.randbytes(min(1 << 20, size - start)))
        server = serve()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        print(f"upload of a {size / (1 << 20):.1f} MiB file to 127.0.0.1; memory as a ratio to the file's size")
        print(f"{'case':<14} {'traced peak of the call':>24} {'peak RSS growth':>16} {'seconds':>8}")
        try:
            for case in CASES:
                found = run_case(case, url, path, sdk)
                if "error" in found:
                    print(f"{case:<14} fails: {found['error']}")
                    continue
                peak = f"{found['peak']:.3f}x ({found['peak_bytes'] / 1024:.0f} KiB)"
                rss = "n/a" if found["rss"] is None else f"{found['rss']:.2f}x"
                print(f"{case:<14} {peak:>24} {rss:>16} {found['seconds']:>8.2f}")
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
