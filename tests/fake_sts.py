"""Fakes for the credential providers, all real servers on 127.0.0.1.

- FakeMetadata: the CVM instance metadata service (role listing and keys).
- FakeSTS: the STS endpoint for AssumeRole (TC3 signature checked with the
  verifier of fake_tencent) and AssumeRoleWithWebIdentity (must be unsigned).
- SilentServer: accepts connections and never answers.
- refused_address: an address whose port is held but refuses connections.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .fake_tencent import verify

METADATA_PREFIX = "/latest/meta-data/cam/security-credentials/"


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Server:
    """A threaded HTTP server on 127.0.0.1 running a handler class."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 256})
        self._server = server_class(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = "application/json") -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except OSError:
        pass


class FakeMetadata:
    """The instance metadata service of a CVM with ``role`` bound (None: no role).

    Keys number n are ``AKIDcvm<n>`` / ``cvm-secret-<n>`` / ``cvm-token-<n>``,
    expiring at ``expired_time`` (a Unix time; now + 2 h when None).
    ``fail_next(k, status)`` makes the next k key reads answer ``status``;
    ``delay`` slows every answer down.
    """

    def __init__(self, role: str | None = "tcsdk-test-role") -> None:
        self.role = role
        self.expired_time: float | None = None
        self.with_expired_time = True
        self.delay = 0.0
        self.code = "Success"
        self.paths: list[str] = []
        self.issued = 0
        self._failures: deque[int] = deque()
        self.lock = threading.Lock()
        self._server = _Server(self._handler())

    @property
    def url(self) -> str:
        return self._server.url

    def stop(self) -> None:
        self._server.stop()

    def fail_next(self, count: int, status: int = 500) -> None:
        with self.lock:
            self._failures.extend([status] * count)

    def reads(self) -> list[str]:
        with self.lock:
            return [p for p in self.paths if p != METADATA_PREFIX]

    def listings(self) -> list[str]:
        with self.lock:
            return [p for p in self.paths if p == METADATA_PREFIX]

    def _keys(self) -> tuple[int, bytes]:
        with self.lock:
            if self._failures:
                return self._failures.popleft(), b"<html>busy</html>"
            self.issued += 1
            number = self.issued
        expires = self.expired_time if self.expired_time is not None else time.time() + 7200
        answer: dict[str, Any] = {
            "TmpSecretId": f"AKIDcvm{number}",
            "TmpSecretKey": f"cvm-secret-{number}",
            "Token": f"cvm-token-{number}",
            "Expiration": _iso(expires),
            "Code": self.code,
        }
        if self.with_expired_time:
            answer["ExpiredTime"] = int(expires)
        return 200, json.dumps(answer).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with fake.lock:
                    fake.paths.append(self.path)
                if fake.delay:
                    time.sleep(fake.delay)
                if self.path == METADATA_PREFIX:
                    if fake.role is None:
                        _send(self, 404, b"not found", "text/plain")
                    else:
                        _send(self, 200, fake.role.encode(), "text/plain")
                elif fake.role is not None and self.path == METADATA_PREFIX + fake.role:
                    status, body = fake._keys()
                    _send(self, status, body)
                else:
                    _send(self, 404, b"not found", "text/plain")

        return Handler


@dataclass
class StsCall:
    action: str
    headers: dict[str, str]
    params: dict[str, Any]
    problem: str | None  # what was wrong with the signature, None when right


class FakeSTS:
    """STS: AssumeRole checks the TC3 signature against ``keys``;
    AssumeRoleWithWebIdentity requires ``Authorization: SKIP``.

    Answer n carries ``AKIDsts<n>`` / ``sts-secret-<n>`` / ``sts-token-<n>``,
    expiring at ``expired_time`` (now + DurationSeconds when None).
    ``then(...)`` scripts the next answers: ("error", code, message),
    ("status", 502) or ("delay", seconds).
    """

    def __init__(self, keys: dict[str, str] | None = None) -> None:
        self.keys = dict(keys or {})
        self.expired_time: float | None = None
        self.calls: list[StsCall] = []
        self.issued = 0
        self._script: deque[tuple[Any, ...]] = deque()
        self.lock = threading.Lock()
        self._server = _Server(self._handler())

    @property
    def url(self) -> str:
        return self._server.url

    def stop(self) -> None:
        self._server.stop()

    def then(self, *behaviours: tuple[Any, ...]) -> None:
        with self.lock:
            self._script.extend(behaviours)

    def received(self, action: str | None = None) -> list[StsCall]:
        with self.lock:
            return [c for c in self.calls if action is None or c.action == action]

    def _answer(self, call: StsCall) -> tuple[int, bytes]:
        request_id = f"sts-req-{len(self.calls)}"
        if call.problem is not None:
            error = {"Code": "AuthFailure.SignatureFailure", "Message": call.problem}
            return 401, json.dumps({"Response": {"Error": error, "RequestId": request_id}}).encode()
        with self.lock:
            behaviour = self._script.popleft() if self._script else ("success",)
        if behaviour[0] == "delay":
            time.sleep(behaviour[1])
        elif behaviour[0] == "error":
            error = {"Code": behaviour[1], "Message": behaviour[2] if len(behaviour) > 2 else "scripted"}
            return 200, json.dumps({"Response": {"Error": error, "RequestId": request_id}}).encode()
        elif behaviour[0] == "status":
            return behaviour[1], b"<html>Bad Gateway</html>"
        with self.lock:
            self.issued += 1
            number = self.issued
        duration = int(call.params.get("DurationSeconds", 7200))
        expires = self.expired_time if self.expired_time is not None else time.time() + duration
        response = {
            "Credentials": {
                "Token": f"sts-token-{number}",
                "TmpSecretId": f"AKIDsts{number}",
                "TmpSecretKey": f"sts-secret-{number}",
            },
            "ExpiredTime": int(expires),
            "Expiration": _iso(expires),
            "RequestId": request_id,
        }
        return 200, json.dumps({"Response": response}).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                action = headers.get("x-tc-action", "")
                if action == "AssumeRoleWithWebIdentity":
                    problem = None if headers.get("authorization") == "SKIP" else "this call must not be signed"
                else:
                    problem = verify(headers, body, fake.keys, "sts")
                call = StsCall(action, headers, json.loads(body or b"{}"), problem)
                with fake.lock:
                    fake.calls.append(call)
                status, payload = fake._answer(call)
                _send(self, status, payload)

        return Handler


class SilentServer:
    """Accepts TCP connections, counts them, and never answers."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self._socket.settimeout(0.1)
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._socket.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            self._held.append(connection)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        for connection in self._held:
            connection.close()
        self._socket.close()


@contextmanager
def refused_address() -> Iterator[str]:
    """``http://127.0.0.1:<port>`` where the port is taken but nothing listens."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    host, port = holder.getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        holder.close()


class HostileServer:
    """A raw HTTP server on 127.0.0.1 that answers every request with the
    bytes ``answer()`` gives, writing them ``step`` bytes at a time with
    ``interval`` seconds between writes (0: all at once). Counts requests."""

    def __init__(self, answer: bytes, *, interval: float = 0.0, step: int = 1) -> None:
        self.answer = answer
        self.interval = interval
        self.step = step
        self.requests = 0
        self._lock = threading.Lock()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(256)
        self._socket.settimeout(0.05)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def count(self) -> int:
        with self._lock:
            return self.requests

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._socket.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                while True:
                    request = b""
                    while b"\r\n\r\n" not in request:
                        chunk = connection.recv(65536)
                        if not chunk:
                            return
                        request += chunk
                    with self._lock:
                        self.requests += 1
                    data = self.answer
                    if not self.interval:
                        connection.sendall(data)
                        continue
                    for start in range(0, len(data), self.step):
                        if self._stopping.is_set():
                            return
                        connection.sendall(data[start : start + self.step])
                        time.sleep(self.interval)
            except OSError:
                return

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._socket.close()


def http_answer(body: bytes, status: str = "200 OK", length: int | None = None) -> bytes:
    """An HTTP/1.1 answer with ``body`` (and a Content-Length, ``length`` if given)."""
    size = len(body) if length is None else length
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    return head.encode() + body
