"""A fake Tencent Cloud API 3.0 endpoint for tests: a real HTTP server on 127.0.0.1.

It checks the TC3-HMAC-SHA256 signature of every request with its own
verifier (written independently of the generated runtime and checked against
the shared signing vectors), routes on X-TC-Action, and answers from a script
of behaviours per action, falling back to the action's spec example.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def tc3_signature(secret_key: str, service: str, timestamp: int, canonical_request: str) -> str:
    """The TC3 signature of a canonical request (test-side implementation)."""
    date = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{digest}"
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def verify(headers: dict[str, str], body: bytes, keys: dict[str, str], service: str) -> str | None:
    """None when the Authorization header is right, else what is wrong."""
    auth = headers.get("authorization", "")
    try:
        algorithm, rest = auth.split(" ", 1)
        parts = dict(item.strip().split("=", 1) for item in rest.split(","))
        secret_id, date, scope_service, terminator = parts["Credential"].split("/")
    except ValueError:
        return "malformed Authorization header"
    if algorithm != "TC3-HMAC-SHA256" or terminator != "tc3_request" or scope_service != service:
        return "wrong algorithm or scope"
    if secret_id not in keys:
        return "unknown secret id"
    timestamp = int(headers.get("x-tc-timestamp", "0"))
    names = parts["SignedHeaders"].split(";")
    canonical_headers = "".join(f"{n}:{headers.get(n, '').strip().lower()}\n" for n in names)
    canonical = "\n".join(
        ["POST", "/", "", canonical_headers, parts["SignedHeaders"], hashlib.sha256(body).hexdigest()]
    )
    if date != time.strftime("%Y-%m-%d", time.gmtime(timestamp)):
        return "credential date does not match the timestamp"
    expected = tc3_signature(keys[secret_id], service, timestamp, canonical)
    if not hmac.compare_digest(expected, parts["Signature"]):
        return "signature mismatch"
    return None


@dataclass
class Received:
    action: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Behaviour:
    """One scripted answer. ``kind``: success, error, status, slow, raw, truncated, cut, close."""

    kind: str
    code: str = ""
    message: str = ""
    status: int = 200
    delay: float = 0.0
    body: bytes = b""
    fields: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class FakeTencentCloud:
    def __init__(self, service: str, keys: dict[str, str], examples: dict[str, dict[str, Any]]) -> None:
        self.service = service
        self.keys = keys
        self.examples = examples
        self.script: dict[str, deque[Behaviour]] = defaultdict(deque)
        self.received: list[Received] = []
        self.lock = threading.Lock()
        server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 256})
        self._server = server_class(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll: stop() waits for serve_forever to notice, once per test.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTencentCloud:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def then(self, action: str, *behaviours: Behaviour) -> None:
        with self.lock:
            self.script[action].extend(behaviours)

    def calls(self, action: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.received if action is None or r.action == action]

    def _next(self, action: str) -> Behaviour:
        with self.lock:
            queue = self.script.get(action)
            return queue.popleft() if queue else Behaviour("success")

    def _answer(self, action: str, behaviour: Behaviour, request_id: str) -> tuple[int, bytes, float]:
        if behaviour.kind == "success":
            example = self.examples.get(action, {"Response": {}})
            inner = {**example["Response"], **behaviour.fields, "RequestId": request_id}
            return 200, json.dumps({"Response": inner}).encode(), 0.0
        if behaviour.kind == "error":
            error = {
                "Error": {"Code": behaviour.code, "Message": behaviour.message or "scripted"},
                "RequestId": request_id,
            }
            return behaviour.status, json.dumps({"Response": error}).encode(), 0.0
        if behaviour.kind == "status":
            return behaviour.status, behaviour.body or b"<html>Bad Gateway</html>", 0.0
        if behaviour.kind == "slow":
            status, body, _ = self._answer(action, Behaviour("success"), request_id)
            return status, body, behaviour.delay
        if behaviour.kind == "raw":
            return 200, behaviour.body, 0.0
        if behaviour.kind == "truncated":
            status, body, _ = self._answer(action, Behaviour("success"), request_id)
            return status, body[: len(body) // 2], 0.0
        raise ValueError(behaviour.kind)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                action = headers.get("x-tc-action", "")
                with fake.lock:
                    number = len(fake.received) + 1
                    fake.received.append(Received(action, headers, body, time.monotonic()))
                request_id = f"req-{number}"
                problem = verify(headers, body, fake.keys, fake.service)
                if problem is not None:
                    status, payload, delay = fake._answer(
                        action, Behaviour("error", "AuthFailure.SignatureFailure", problem), request_id
                    )
                else:
                    behaviour = fake._next(action)
                    if behaviour.kind == "close":
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    if behaviour.kind == "cut":
                        # Promise a whole body, send half of it, hang up.
                        _, full, _ = fake._answer(action, Behaviour("success"), request_id)
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(full)))
                        self.end_headers()
                        self.wfile.write(full[: len(full) // 2])
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    status, payload, delay = fake._answer(action, behaviour, request_id)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for name, value in (behaviour.headers if problem is None else {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except OSError:
                    pass

        return Handler
