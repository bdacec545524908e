"""A local Tencent Cloud endpoint for trying and testing clients: a real HTTP server.

::

    python -m tcsdk.common.fake_server --port 8080   # prints its URL; Ctrl-C stops it

    with fake_tencent_cloud() as server:
        with TrtcClient(server.credentials, endpoint=server.url) as trtc:
            trtc.dismiss_room(sdk_app_id=1400000001, room_id=1234)
        server.add_throttling("DismissRoom")
        server.add_error("DismissRoom", "FailedOperation.RoomNotExist")

It listens on 127.0.0.1 only and serves every service version of this
package. Each request is checked as Tencent Cloud checks it: the
TC3-HMAC-SHA256 signature (over JSON and multipart bodies alike, with this
package's own signing code), the secret id, the session token and the age of
the timestamp; then the action's parameters against its request model. The
signature's credential scope names the service, ``X-TC-Version`` and
``X-TC-Action`` the version and action. The answer is the next one queued
for the action (a response, an error, an example, a stream of events, or a
fault: throttling, an HTTP status, a dropped connection, a cut body, a delay),
else the spec's example for the action (the one whose request matches the
call, else the first that is not an error; event-stream examples are sent as
``text/event-stream``, event by event), else an empty success. Mistakes get
the error Tencent Cloud would send (``AuthFailure.SignatureFailure``,
``InvalidAction``, ``MissingParameter``, ...).

Neither the clients nor the models import this module.
"""

from __future__ import annotations

import argparse
import difflib
import hmac
import importlib
import ipaddress
import itertools
import json
import logging
import math
import os
import re
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import msgspec

from .credentials import ENV_SECRET_ID, ENV_SECRET_KEY, Credentials
from .signing import ALGORITHM, TERMINATOR, sign, utc_date

if TYPE_CHECKING:
    from .client import Action

__all__ = [
    "DEFAULT_CREDENTIALS",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_CLOCK_SKEW",
    "FakeTencentCloud",
    "ReceivedCall",
    "fake_tencent_cloud",
    "main",
]

DEFAULT_CREDENTIALS = Credentials("AKIDLOCALTESTKEY0000", "local-test-secret-key")
"""The key pair the endpoint accepts unless it is given others."""
# Tencent Cloud refuses a request whose X-TC-Timestamp is more than five
# minutes away from its own clock (AuthFailure.SignatureExpire).
DEFAULT_MAX_CLOCK_SKEW = 300.0
DEFAULT_MAX_BODY = 10 * 1024 * 1024
ENV_SESSION_TOKEN = "TENCENTCLOUD_SESSION_TOKEN"

# This module's package (``<package>.common``), also when run with ``python -m``.
_COMMON = __package__ or __name__.rpartition(".")[0]
_logger = logging.getLogger(f"{_COMMON}.fake_server")
_SERVICE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_VERSION = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ACTION = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_BOUNDARY = re.compile(r'boundary="?([^";]{1,70})"?', re.IGNORECASE)
_PART_PARAMETER = re.compile(r'\b(name|filename)="([^"]*)"')
# Headers a recorded call shows without their value.
_HIDDEN = frozenset({"x-tc-token"})
_CHUNK = 64 * 1024
# How long a connection may stay idle (or a client may take to send a request).
_IDLE_SECONDS = 60.0


class _Refused(Exception):
    """A request the endpoint answers with an error envelope."""

    def __init__(self, code: str, message: str, status: int = 200) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ReceivedCall:
    """One request as the endpoint received it, and how it answered.

    ``headers`` have lower-case names; a session token is shown as
    ``<hidden>``. ``params`` are the decoded parameters (a file part of a
    multipart body as bytes), empty when the body could not be read.
    ``status`` is 0 and ``error`` empty when the connection was dropped.
    """

    service: str
    version: str
    action: str
    region: str
    params: dict[str, Any]
    headers: dict[str, str]
    body: bytes
    request_id: str
    status: int
    error: str  # the error code answered, "" for a success or a fault without one

    def __repr__(self) -> str:
        return (
            f"ReceivedCall({self.service}/{self.version} {self.action}, "
            f"status={self.status}, error={self.error!r}, request_id={self.request_id!r})"
        )


@dataclass(frozen=True)
class _Reply:
    """What to send back for one request."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    events: tuple[bytes, ...] | None = None  # an event stream, one item per event
    interval: float = 0.0  # between events
    delay: float = 0.0  # before anything is sent
    cut: bool = False  # send half of the body, then hang up
    drop: bool = False  # hang up without answering
    close: bool = False  # close the connection after the answer
    error: str = ""


@dataclass
class _Queued:
    service: str | None
    version: str | None
    what: str
    reply: Callable[[str], _Reply]  # request id -> reply


# Reading and checking requests.


def _verify(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    accepted: Mapping[str, Credentials],
    now: float,
    max_clock_skew: float | None,
) -> str:
    """The service a correctly signed request is for; raises _Refused otherwise.

    ``headers`` have lower-case names. The expected signature is computed
    with this package's own :func:`~.signing.sign`, over the headers the
    request says it signed.
    """
    authorization = headers.get("authorization", "")
    if not authorization:
        raise _Refused("AuthFailure.InvalidAuthorization", "no Authorization header")
    algorithm, _, rest = authorization.partition(" ")
    if algorithm != ALGORITHM:
        raise _Refused(
            "AuthFailure.InvalidAuthorization",
            f"the Authorization header must use {ALGORITHM}",
        )
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, equals, value = item.strip().partition("=")
        if equals:
            parts[name] = value.strip()
    scope = parts.get("Credential", "").split("/")
    signed = parts.get("SignedHeaders", "")
    signature = parts.get("Signature", "")
    if len(scope) != 4 or scope[3] != TERMINATOR or not signed or not signature:
        raise _Refused(
            "AuthFailure.InvalidAuthorization",
            "the Authorization header needs Credential=<secret id>/<date>/<service>"
            f"/{TERMINATOR}, SignedHeaders and Signature",
        )
    secret_id, date, service = scope[:3]
    if not _SERVICE.match(service):
        raise _Refused(
            "AuthFailure.InvalidAuthorization",
            "the credential scope names no service",
        )
    credentials = accepted.get(secret_id)
    if credentials is None:
        raise _Refused(
            "AuthFailure.SecretIdNotFound",
            "the secret id is not one this endpoint accepts",
        )
    stamp = headers.get("x-tc-timestamp", "").strip()
    if not stamp:
        raise _Refused("MissingParameter", "the X-TC-Timestamp header is missing")
    if not stamp.isdigit() or len(stamp) > 12:
        raise _Refused("InvalidParameter", "X-TC-Timestamp must be Unix seconds")
    timestamp = int(stamp)
    if max_clock_skew is not None and abs(now - timestamp) > max_clock_skew:
        raise _Refused(
            "AuthFailure.SignatureExpire",
            f"X-TC-Timestamp is {abs(now - timestamp):.0f} s away from this endpoint's"
            f" clock; at most {max_clock_skew:g} s are accepted",
        )
    if date != utc_date(timestamp):
        raise _Refused(
            "AuthFailure.SignatureFailure",
            "the credential scope's date is not the UTC date of X-TC-Timestamp",
        )
    names = signed.split(";")
    missing = sorted({"content-type", "host"}.difference(names))
    if missing:
        raise _Refused(
            "AuthFailure.SignatureFailure",
            f"SignedHeaders must include {' and '.join(missing)}",
        )
    absent = [name for name in names if name not in headers]
    if absent or names != sorted(name.lower() for name in names):
        what = absent[0] if absent else "names not in lower case and sorted"
        what = f"{what} is signed but not sent" if absent else what
        raise _Refused(
            "AuthFailure.SignatureFailure", f"SignedHeaders is wrong: {what}"
        )
    path, _, query = target.partition("?")
    expected = sign(
        secret_id=secret_id,
        secret_key=credentials.secret_key,
        service=service,
        timestamp=timestamp,
        body=body,
        headers=headers,
        signed_headers=names,
        method=method,
        path=path,
        query=query,
    )
    if not hmac.compare_digest(expected.signature, signature):
        raise _Refused(
            "AuthFailure.SignatureFailure",
            "the signature does not match the request",
        )
    if credentials.token != (headers.get("x-tc-token") or None):
        raise _Refused(
            "AuthFailure.TokenFailure",
            "the session token does not belong to the secret id",
        )
    return service


def _decode_params(content_type: str, body: bytes) -> dict[str, Any]:
    """The parameters of a JSON or multipart/form-data body."""
    media = content_type.partition(";")[0].strip().lower()
    if media == "application/json":
        try:
            params = json.loads(body) if body.strip() else {}
        except (ValueError, RecursionError):
            raise _Refused(
                "InvalidParameter", "the request body is not valid JSON"
            ) from None
        if not isinstance(params, dict):
            raise _Refused("InvalidParameter", "the request body is not a JSON object")
        return params
    if media == "multipart/form-data":
        return _multipart_params(content_type, body)
    raise _Refused(
        "InvalidParameter",
        "the Content-Type must be application/json or multipart/form-data",
    )


def _multipart_params(content_type: str, body: bytes) -> dict[str, Any]:
    """The fields of a multipart/form-data body: files as bytes, JSON parts decoded."""
    found = _BOUNDARY.search(content_type)
    if found is None:
        raise _Refused("InvalidParameter", "the multipart Content-Type has no boundary")
    if not body:
        return {}
    segments = body.split(b"--" + found.group(1).encode("latin-1"))
    if segments[0] or len(segments) < 2 or not segments[-1].startswith(b"--"):
        raise _Refused("InvalidParameter", "the multipart body is not well framed")
    params: dict[str, Any] = {}
    for segment in segments[1:-1]:
        if not segment.startswith(b"\r\n") or not segment.endswith(b"\r\n"):
            raise _Refused("InvalidParameter", "the multipart body is not well framed")
        head, separator, content = segment[2:-2].partition(b"\r\n\r\n")
        if not separator:
            raise _Refused("InvalidParameter", "a multipart part has no header block")
        lines = head.decode("latin-1").split("\r\n")
        part = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines)
        }
        names = dict(_PART_PARAMETER.findall(part.get("content-disposition", "")))
        name = names.get("name")
        if not name or name in params:
            raise _Refused(
                "InvalidParameter", "a multipart part has no name, or a repeated one"
            )
        try:
            if "filename" in names:
                params[name] = content
            elif part.get("content-type", "").startswith("application/json"):
                params[name] = json.loads(content)
            else:
                params[name] = content.decode("utf-8")
        except (ValueError, RecursionError):
            raise _Refused(
                "InvalidParameter", f"the multipart part {name} cannot be read"
            ) from None
    return params


def _check_params(action: Action[Any, Any], params: Mapping[str, Any]) -> None:
    """Refuse what the service would: missing, mistyped and unknown parameters."""
    from .testing import StubError, _check_fields

    try:
        msgspec.convert(params, action.request, strict=False)
    except msgspec.ValidationError as exc:
        text = str(exc)
        code = (
            "MissingParameter"
            if "missing required field" in text
            else "InvalidParameter"
        )
        raise _Refused(code, f"{action.name}: {text}") from None
    try:
        _check_fields(action.request, params, action.name)
    except StubError as exc:
        raise _Refused("UnknownParameter", str(exc)) from None


# Making answers.


def _check_answer(action: Action[Any, Any], fields: Mapping[str, Any]) -> None:
    """Wire fields queued for ``action``: unknown ones and wrong types fail now, as in the Stubber."""
    from .model import parse_envelope
    from .testing import _check_fields

    _check_fields(action.response, fields, action.response.__name__)
    answer = {**fields, "RequestId": fields.get("RequestId", "")}
    parse_envelope(action.response, {"Response": answer}, strict=True)


def _json_body(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _envelope(inner: Mapping[str, Any], request_id: str) -> tuple[bytes, str]:
    """An answer's body with this request's id, and the error code it holds."""
    answer = {**inner, "RequestId": request_id}
    error = answer.get("Error")
    code = error.get("Code") if isinstance(error, dict) else None
    return _json_body({"Response": answer}), code if isinstance(code, str) else ""


def _event(data: Any) -> bytes:
    """One event of a stream: its data lines and the blank line that ends it."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "".join(f"data: {line}\n" for line in lines).encode() + b"\n"


def _events_error(events: Sequence[Any]) -> str:
    for data in events:
        if isinstance(data, Mapping) and isinstance(data.get("Error"), Mapping):
            code = data["Error"].get("Code")
            return code if isinstance(code, str) else ""
    return ""


def _example_reply(
    example: Mapping[str, Any],
    request_id: str,
    delay: float = 0.0,
    cut: bool = False,
    interval: float = 0.0,
) -> _Reply:
    """An answer from a spec example: its envelope, or its event stream."""
    events = example.get("events")
    if isinstance(events, list):
        return _Reply(
            events=tuple(_event(data) for data in events),
            interval=interval,
            delay=delay,
            cut=cut,
            error=_events_error(events),
        )
    inner = example.get("response", {}).get("Response")
    body, code = _envelope(inner if isinstance(inner, dict) else {}, request_id)
    return _Reply(body=body, delay=delay, cut=cut, error=code)


def _is_error_example(example: Mapping[str, Any]) -> bool:
    events = example.get("events")
    if isinstance(events, list):
        return bool(_events_error(events))
    inner = example.get("response", {}).get("Response")
    return isinstance(inner, dict) and "Error" in inner


def _error_reply(
    code: str, message: str, request_id: str, status: int = 200, **options: Any
) -> _Reply:
    inner = {"Error": {"Code": code, "Message": message}}
    body, _ = _envelope(inner, request_id)
    return _Reply(status=status, body=body, error=code, **options)


def _checked_headers(headers: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    for name, value in (headers or {}).items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("headers must map str to str")
        if not _HEADER_NAME.match(name) or any(c in value for c in "\r\n\0"):
            raise ValueError(f"not a valid HTTP header: {name!r}")
    return tuple((headers or {}).items())


def _checked_seconds(seconds: float, what: str) -> float:
    if not isinstance(seconds, (int, float)) or not 0 <= seconds < math.inf:
        raise ValueError(f"{what} must be a number of seconds, 0 or more")
    return float(seconds)


# The package's service versions, their actions and examples.


class _Catalog:
    """The service versions of this package; their actions and examples are read on first use."""

    def __init__(self, package: str) -> None:
        self.package = package
        root = importlib.import_module(package)
        # (service, version) -> module of the service version
        self.versions: dict[tuple[str, str], str] = {}
        for dotted in getattr(root, "SERVICES", ()):
            module = importlib.import_module(f"{package}.{dotted}")
            self.versions[(module.SERVICE, module.VERSION)] = module.__name__
        self._lock = threading.Lock()
        self._actions: dict[str, dict[str, Action[Any, Any]]] = {}
        self._examples: dict[str, dict[str, list[dict[str, Any]]]] = {}

    @property
    def services(self) -> set[str]:
        return {service for service, _ in self.versions}

    def actions(self, module: str) -> dict[str, Action[Any, Any]]:
        with self._lock:
            found = self._actions.get(module)
        if found is None:
            from .client import Action

            client = importlib.import_module(f"{module}.client")
            found = {
                value.name: value
                for value in vars(client).values()
                if isinstance(value, Action)
            }
            with self._lock:
                self._actions[module] = found
        return found

    def examples(self, module: str, action: str) -> list[dict[str, Any]]:
        with self._lock:
            found = self._examples.get(module)
        if found is None:
            text = resources.files(module).joinpath("examples.json").read_text("utf-8")
            found = json.loads(text)
            with self._lock:
                self._examples[module] = found
        return found.get(action, [])

    def locate(
        self, action: str, service: str | None, version: str | None
    ) -> tuple[str, str, str] | None:
        """The one service version (service, version, module) with ``action``, if known.

        None when no service version of the package has it; ValueError when
        several do and ``service`` and ``version`` do not tell which.
        """
        found = [
            (s, v, module)
            for (s, v), module in sorted(self.versions.items())
            if service in (None, s)
            and version in (None, v)
            and action in self.actions(module)
        ]
        if len(found) > 1:
            listed = ", ".join(f"{s} {v}" for s, v, _ in found)
            raise ValueError(
                f"{action} is an action of {listed}: pass service= and version="
            )
        return found[0] if found else None


# The server.


class FakeTencentCloud:
    """A local Tencent Cloud endpoint on 127.0.0.1; see the module docstring.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`).
    ``credentials`` are the key pairs it accepts (default
    :data:`DEFAULT_CREDENTIALS`); a pair with a ``token`` must send that
    session token. ``max_clock_skew`` is how far (seconds) X-TC-Timestamp may
    be from this machine's clock, None to accept any time. ``max_body`` limits
    request bodies (bytes). ``check_params=False`` answers without checking
    parameters against the request models. Safe to use from any thread and
    from async tests; every queueing method may be called while it serves.
    """

    def __init__(
        self,
        credentials: Credentials | Sequence[Credentials] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_clock_skew: float | None = DEFAULT_MAX_CLOCK_SKEW,
        max_body: int = DEFAULT_MAX_BODY,
        check_params: bool = True,
    ) -> None:
        if credentials is None:
            credentials = DEFAULT_CREDENTIALS
        pairs = [credentials] if isinstance(credentials, Credentials) else credentials
        accepted: dict[str, Credentials] = {}
        for pair in pairs:
            if not isinstance(pair, Credentials):
                raise TypeError(f"expected Credentials, got {type(pair).__name__}")
            if accepted.setdefault(pair.secret_id, pair) != pair:
                raise ValueError(f"two key pairs have the secret id {pair.secret_id!r}")
        if not accepted:
            raise ValueError("the endpoint needs at least one key pair to accept")
        self.credentials: Credentials = next(iter(accepted.values()))
        self._accepted = accepted
        self._address = (_loopback(host), _port(port))
        self.max_clock_skew = (
            None
            if max_clock_skew is None
            else _checked_seconds(max_clock_skew, "max_clock_skew")
        )
        if not isinstance(max_body, int) or max_body < 0:
            raise ValueError("max_body must be a number of bytes, 0 or more")
        self.max_body = max_body
        self.check_params = check_params
        self._catalog = _Catalog(_COMMON.rpartition(".")[0])
        self._lock = threading.Lock()
        self._queues: dict[str, deque[_Queued]] = {}
        self._calls: list[ReceivedCall] = []
        self._count = 0
        self._stopping = threading.Event()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Running.

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: the ``endpoint`` to give a client."""
        if self._server is None:
            raise RuntimeError("the endpoint is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeTencentCloud:
        if self._server is not None:
            raise RuntimeError("the endpoint is already started")
        self._stopping.clear()
        server = _HTTPServer(self._address, _Handler, self)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            args=(0.05,),
            name="fake-tencent-cloud",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wait for every thread it started; open connections are closed."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        thread.join()
        server.close_all()
        server.server_close()
        self._server = self._thread = None

    def __enter__(self) -> FakeTencentCloud:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not started"
        return f"FakeTencentCloud({where}, secret_id={self.credentials.secret_id!r})"

    # What was received.

    @property
    def calls(self) -> list[ReceivedCall]:
        """Every request received so far, in order (a copy)."""
        with self._lock:
            return list(self._calls)

    def assert_no_pending_responses(self) -> None:
        """Fail when queued answers were never asked for."""
        with self._lock:
            pending = [
                f"{action}: {queued.what}"
                for action, queue in sorted(self._queues.items())
                for queued in queue
            ]
        if pending:
            raise AssertionError(
                "answers were queued but never asked for: " + "; ".join(pending)
            )

    def reset(self) -> None:
        """Forget every queued answer and every received call."""
        with self._lock:
            self._queues.clear()
            self._calls.clear()

    # Queueing answers. Each one answers the next matching call of ``action``
    # (of any service version, or of the one ``service`` and ``version`` name).

    def add_response(
        self,
        action: str,
        fields: Mapping[str, Any] | None = None,
        *,
        service: str | None = None,
        version: str | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        cut: bool = False,
    ) -> None:
        """A success with these wire fields (checked now against the response model).

        ``cut=True`` sends half of the body and hangs up.
        """
        body = dict(fields or {})
        found = self._catalog.locate(action, service, version)
        if found is not None:
            _check_answer(self._catalog.actions(found[2])[action], body)
        extra = _checked_headers(headers)
        wait = _checked_seconds(delay, "delay")

        def reply(request_id: str) -> _Reply:
            content, _ = _envelope(body, request_id)
            return _Reply(body=content, headers=extra, delay=wait, cut=cut)

        self._queue(action, service, version, "a response", reply)

    def add_error(
        self,
        action: str,
        code: str,
        message: str = "",
        *,
        status: int = 200,
        service: str | None = None,
        version: str | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """An error envelope with ``code`` (sent with HTTP 200, as Tencent Cloud does)."""
        if not isinstance(code, str) or not code:
            raise ValueError("an error needs a code")
        status = _status(status)
        text = message or "an error queued on the local endpoint"
        extra = _checked_headers(headers)
        wait = _checked_seconds(delay, "delay")

        def reply(request_id: str) -> _Reply:
            return _error_reply(
                code, text, request_id, status, headers=extra, delay=wait
            )

        self._queue(action, service, version, f"error {code}", reply)

    def add_example(
        self,
        action: str,
        index: int = 0,
        *,
        service: str | None = None,
        version: str | None = None,
        delay: float = 0.0,
        cut: bool = False,
        interval: float = 0.0,
    ) -> None:
        """The spec's example number ``index`` (success, error or event stream).

        ``interval`` is the pause between the events of a stream.
        """
        found = self._catalog.locate(action, service, version)
        if found is None:
            raise ValueError(self._unknown(action))
        examples = self._catalog.examples(found[2], action)
        if not 0 <= index < len(examples):
            raise IndexError(
                f"{action} has {len(examples)} example(s) in the spec; there is no example {index}"
            )
        example = examples[index]
        wait = _checked_seconds(delay, "delay")
        pause = _checked_seconds(interval, "interval")

        def reply(request_id: str) -> _Reply:
            return _example_reply(example, request_id, wait, cut, pause)

        self._queue(action, found[0], found[1], f"example {index}", reply)

    def add_events(
        self,
        action: str,
        events: Sequence[Mapping[str, Any] | str],
        *,
        service: str | None = None,
        version: str | None = None,
        interval: float = 0.0,
        delay: float = 0.0,
        cut: bool = False,
    ) -> None:
        """A ``text/event-stream`` answer: each item is one event's data.

        A mapping is sent as JSON (its wire fields are checked against the
        response model, unless it holds ``Error``: an error event); a string
        is sent as it is (``"[DONE]"``). ``cut=True`` hangs up in the middle.
        """
        data = list(events)
        found = self._catalog.locate(action, service, version)
        for item in data:
            if not isinstance(item, (Mapping, str)):
                raise TypeError(
                    f"an event is a mapping or a str, not {type(item).__name__}"
                )
            if found is not None and isinstance(item, Mapping) and "Error" not in item:
                _check_answer(self._catalog.actions(found[2])[action], item)
        stream = {"events": [dict(i) if isinstance(i, Mapping) else i for i in data]}
        wait = _checked_seconds(delay, "delay")
        pause = _checked_seconds(interval, "interval")

        def reply(request_id: str) -> _Reply:
            return _example_reply(stream, request_id, wait, cut, pause)

        self._queue(action, service, version, f"{len(data)} event(s)", reply)

    def add_throttling(
        self,
        action: str,
        *,
        retry_after: float | None = None,
        service: str | None = None,
        version: str | None = None,
    ) -> None:
        """``RequestLimitExceeded``, with a Retry-After header when ``retry_after`` is given."""
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = f"{_checked_seconds(retry_after, 'retry_after'):g}"
        self.add_error(
            action,
            "RequestLimitExceeded",
            "Too many requests in a short time; try again later.",
            service=service,
            version=version,
            headers=headers,
        )

    def add_status(
        self,
        action: str,
        status: int = 503,
        body: bytes = b"Service Unavailable",
        *,
        service: str | None = None,
        version: str | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """An HTTP error with a body that is not an envelope (a gateway's 502, ...)."""
        status = _status(status)
        if not isinstance(body, bytes):
            raise TypeError("body must be bytes")
        extra = _checked_headers(headers)
        wait = _checked_seconds(delay, "delay")

        def reply(request_id: str) -> _Reply:
            return _Reply(
                status=status,
                body=body,
                content_type="text/plain; charset=utf-8",
                headers=extra,
                delay=wait,
            )

        self._queue(action, service, version, f"HTTP {status}", reply)

    def add_drop(
        self,
        action: str,
        *,
        service: str | None = None,
        version: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """Close the connection without answering (after ``delay`` seconds)."""
        wait = _checked_seconds(delay, "delay")

        def reply(request_id: str) -> _Reply:
            return _Reply(drop=True, delay=wait)

        self._queue(action, service, version, "a dropped connection", reply)

    def _queue(
        self,
        action: str,
        service: str | None,
        version: str | None,
        what: str,
        reply: Callable[[str], _Reply],
    ) -> None:
        if not isinstance(action, str) or not _ACTION.match(action):
            raise ValueError(f"not an action name: {action!r}")
        with self._lock:
            self._queues.setdefault(action, deque()).append(
                _Queued(service, version, what, reply)
            )

    def _unknown(self, action: str) -> str:
        known = {
            name
            for module in self._catalog.versions.values()
            for name in self._catalog.actions(module)
        }
        close = difflib.get_close_matches(action, sorted(known), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"no service version of {self._catalog.package} has the action {action!r}{hint}"

    # Answering.

    def _answer(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[_Reply, ReceivedCall]:
        """The reply to one request (headers with lower-case names), and the call as recorded."""
        with self._lock:
            self._count += 1
            request_id = f"00000000-0000-4000-8000-{self._count:012d}"
        service = ""
        action = headers.get("x-tc-action", "")
        version = headers.get("x-tc-version", "")
        params: dict[str, Any] = {}
        try:
            if method != "POST":
                raise _Refused(
                    "UnsupportedProtocol", "this endpoint answers POST requests only"
                )
            service = _verify(
                method,
                target,
                headers,
                body,
                self._accepted,
                time.time(),
                self.max_clock_skew,
            )
            params = _decode_params(headers.get("content-type", ""), body)
            reply = self._reply(service, version, action, params, request_id)
        except _Refused as refused:
            reply = _error_reply(
                refused.code, refused.message, request_id, refused.status
            )
        shown = {
            name: "<hidden>" if name in _HIDDEN else value
            for name, value in headers.items()
        }
        call = ReceivedCall(
            service,
            version,
            action,
            headers.get("x-tc-region", ""),
            params,
            shown,
            body,
            request_id,
            0 if reply.drop else reply.status,
            reply.error,
        )
        with self._lock:
            self._calls.append(call)
        return reply, call

    def _reply(
        self,
        service: str,
        version: str,
        action: str,
        params: dict[str, Any],
        request_id: str,
    ) -> _Reply:
        if not action:
            raise _Refused("MissingParameter", "the X-TC-Action header is missing")
        if not _ACTION.match(action):
            raise _Refused("InvalidAction", "X-TC-Action is not an action name")
        if not version:
            raise _Refused("MissingParameter", "the X-TC-Version header is missing")
        if not _VERSION.match(version):
            raise _Refused("NoSuchVersion", "X-TC-Version is not a YYYY-MM-DD version")
        module = self._catalog.versions.get((service, version))
        described = self._catalog.actions(module).get(action) if module else None
        if described is not None and self.check_params:
            _check_params(described, params)
        queued = self._take(service, version, action)
        if queued is not None:
            return queued.reply(request_id)
        if module is None:
            if service in self._catalog.services:
                raise _Refused(
                    "NoSuchVersion", f"{service} has no API version {version} here"
                )
            raise _Refused("InvalidAction", f"this endpoint has no service {service}")
        if described is None:
            raise _Refused(
                "InvalidAction", f"{service} {version} has no action {action}"
            )
        # The examples whose request is the call's come first, successes first.
        examples = self._catalog.examples(module, action)
        ranked = sorted(
            examples,
            key=lambda e: (e.get("request") != params, _is_error_example(e)),
        )
        if ranked and (
            ranked[0].get("request") == params or not _is_error_example(ranked[0])
        ):
            return _example_reply(ranked[0], request_id)
        return _Reply(body=_envelope({}, request_id)[0])

    def _take(self, service: str, version: str, action: str) -> _Queued | None:
        with self._lock:
            queue = self._queues.get(action)
            for queued in queue or ():
                if queued.service in (None, service) and queued.version in (
                    None,
                    version,
                ):
                    assert queue is not None
                    queue.remove(queued)
                    return queued
        return None


def _loopback(host: str) -> str:
    """``host`` when it is an IPv4 loopback address ("localhost" is 127.0.0.1)."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or address.version != 4 or not address.is_loopback:
        raise ValueError(
            f"the local endpoint listens on the loopback interface only (127.0.0.1),"
            f" not {host!r}"
        )
    return host


def _port(port: int) -> int:
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"not a port number: {port!r}")
    return port


def _status(status: int) -> int:
    if not isinstance(status, int) or not 200 <= status <= 599:
        raise ValueError(f"not an HTTP status for an answer: {status!r}")
    return status


class _HTTPServer(ThreadingHTTPServer):
    """One thread per connection, each kept track of, so that stopping can end them all.

    The threads are daemons, so that an endpoint left running never keeps the
    interpreter from exiting; socketserver does not join daemon threads, so
    :meth:`close_all` does.
    """

    request_queue_size = 64

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        fake: FakeTencentCloud,
    ) -> None:
        self.fake = fake
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="fake-tencent-cloud connection",
            daemon=True,
        )
        with self._lock:
            if self.fake._stopping.is_set():
                request.close()
                return
            # Forget the connections whose thread has ended (their socket is closed).
            for ended in [s for s, t in self._connections.items() if not t.is_alive()]:
                del self._connections[ended]
            self._connections[request] = thread
            thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that resets its connection is no error of the endpoint's;
        # the default would print a traceback on stderr.
        _logger.debug("connection from %s failed", client_address, exc_info=True)

    def close_all(self) -> None:
        """Hang up every open connection and wait for its thread to end."""
        with self._lock:
            connections = list(self._connections.items())
            self._connections.clear()
        for connection, _ in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for _, thread in connections:
            thread.join()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeTencentCloud"
    timeout = _IDLE_SECONDS
    server: _HTTPServer

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        # http.server's own lines (malformed requests) only at DEBUG; they
        # hold the request line, never headers or bodies.
        _logger.debug("%s", format % args)

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _serve(self) -> None:
        fake = self.server.fake
        lengths = self.headers.get_all("Content-Length") or []
        if self.headers.get("Transfer-Encoding") or len(lengths) > 1:
            return self._refuse(411, "a request needs exactly one Content-Length")
        length_text = lengths[0].strip() if lengths else "0"
        if not length_text.isdigit():
            return self._refuse(400, "Content-Length is not a number")
        length = int(length_text)
        if length > fake.max_body:
            if not self._discard(length):
                return self._hang_up()
            return self._refuse(
                200,
                f"the request body is larger than {fake.max_body} bytes",
                code="RequestSizeLimitExceeded",
            )
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client went away
            return self._hang_up()
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            reply, call = fake._answer(self.command, self.path, headers, body)
        except Exception as exc:  # a bug, not the request's fault: say so, keep serving
            _logger.exception("the local endpoint failed to answer")
            failed = _error_reply(
                "InternalError", type(exc).__name__, "", 500, close=True
            )
            return self._send(failed, "")
        _logger.info(
            "%s/%s %s %s -> %s",
            call.service or "-",
            _shown(call.version),
            _shown(call.action),
            call.request_id,
            "dropped" if reply.drop else reply.error or reply.status,
        )
        self._send(reply, call.request_id)

    def _send(self, reply: _Reply, request_id: str) -> None:
        stopping = self.server.fake._stopping
        if reply.delay and stopping.wait(reply.delay):
            return self._hang_up()
        if reply.drop:
            return self._hang_up()
        try:
            self.send_response(reply.status)
            if reply.events is not None:
                return self._send_events(reply, request_id)
            self.send_header("Content-Type", reply.content_type)
            if request_id:
                self.send_header("X-TC-RequestId", request_id)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            if reply.close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if reply.cut:
                self.wfile.write(reply.body[: len(reply.body) // 2])
                self.wfile.flush()
                return self._hang_up()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True

    def _send_events(self, reply: _Reply, request_id: str) -> None:
        assert reply.events is not None
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-TC-RequestId", request_id)
        for name, value in reply.headers:
            self.send_header(name, value)
        # HTTP/1.0 has no chunks: there the stream ends when the connection does.
        chunked = self.request_version == "HTTP/1.1"
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        events = list(reply.events)
        if reply.cut:
            # Keep the first half of the bytes, ending inside an event.
            whole = b"".join(events)
            end = max(1, len(whole) // 2)
            ends = set(itertools.accumulate(len(event) for event in events))
            while end in ends and end > 1:
                end -= 1
            events = [whole[:end]]
        stopping = self.server.fake._stopping
        for number, event in enumerate(events):
            if number and reply.interval and stopping.wait(reply.interval):
                return self._hang_up()
            self.wfile.write(
                b"%x\r\n%s\r\n" % (len(event), event) if chunked else event
            )
            self.wfile.flush()
        if reply.cut:
            return self._hang_up()
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _refuse(
        self, status: int, message: str, code: str = "InvalidParameter"
    ) -> None:
        """An error envelope, then the connection is closed (its framing is not trusted)."""
        self._send(_error_reply(code, message, "", status, close=True), "")

    def _discard(self, length: int) -> bool:
        """Read and drop a body too large to keep; False when the client went away."""
        left = length
        while left and not self.server.fake._stopping.is_set():
            chunk = self.rfile.read(min(left, _CHUNK))
            if not chunk:
                return False
            left -= len(chunk)
        return not left

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _shown(value: str) -> str:
    """A header value as it may appear in a log line: a name, or its repr cut short."""
    return value if _ACTION.match(value) or _VERSION.match(value) else repr(value[:40])


@contextmanager
def fake_tencent_cloud(
    credentials: Credentials | Sequence[Credentials] | None = None, **options: Any
) -> Iterator[FakeTencentCloud]:
    """A started :class:`FakeTencentCloud`, stopped when the block ends.

    ::

        with fake_tencent_cloud() as server:
            client = CvmClient(server.credentials, endpoint=server.url)
    """
    server = FakeTencentCloud(credentials, **options).start()
    try:
        yield server
    finally:
        server.stop()


# The command line: python -m <package>.common.fake_server


class _Stop(Exception):
    """SIGTERM: stop serving."""


class _Arguments(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def main(argv: Sequence[str] | None = None) -> int:
    package = _COMMON.rpartition(".")[0]
    parser = _Arguments(
        prog=f"python -m {_COMMON}.fake_server",
        description=f"A local Tencent Cloud endpoint for the service versions of {package}.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="a loopback address (127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="0 picks a free port (default)"
    )
    parser.add_argument("--secret-id", help="accept this secret id (with --secret-key)")
    parser.add_argument("--secret-key", help="the secret key of --secret-id")
    parser.add_argument(
        "--max-clock-skew",
        type=float,
        default=DEFAULT_MAX_CLOCK_SKEW,
        help="seconds X-TC-Timestamp may be off (default 300)",
    )
    parser.add_argument(
        "--any-time", action="store_true", help="do not check X-TC-Timestamp's age"
    )
    parser.add_argument(
        "--no-param-check",
        action="store_true",
        help="do not check parameters against the models",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=DEFAULT_MAX_BODY,
        help="largest request body in bytes",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no line per request on stderr"
    )
    args = parser.parse_args(argv)
    if (args.secret_id is None) != (args.secret_key is None):
        parser.error("--secret-id and --secret-key go together")
    pairs = [DEFAULT_CREDENTIALS]
    if args.secret_id is not None:
        pairs.append(Credentials(args.secret_id, args.secret_key))
    secret_id = os.environ.get(ENV_SECRET_ID, "").strip()
    secret_key = os.environ.get(ENV_SECRET_KEY, "").strip()
    if secret_id and secret_key and secret_id not in {p.secret_id for p in pairs}:
        token = os.environ.get(ENV_SESSION_TOKEN, "").strip() or None
        pairs.append(Credentials(secret_id, secret_key, token))
    try:
        server = FakeTencentCloud(
            pairs,
            host=args.host,
            port=args.port,
            max_clock_skew=None if args.any_time else args.max_clock_skew,
            max_body=args.max_body,
            check_params=not args.no_param_check,
        )
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    if not args.quiet:
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        server.start()
    except OSError as exc:
        sys.stderr.write(
            f"{parser.prog}: cannot listen on {args.host}:{args.port}: {exc}\n"
        )
        return 1
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        print(server.url, flush=True)
        accepted = ", ".join(sorted(p.secret_id for p in pairs))
        sys.stderr.write(
            f"serving {len(server._catalog.versions)} service version(s) of {package}"
            f" for secret ids {accepted}; Ctrl-C or SIGTERM stops it\n"
        )
        sys.stderr.flush()
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
