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
TC3-HMAC-SHA256 signature (over JSON, multipart and raw bodies alike, with
this package's own signing code), the secret id, the session token and the age of
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

This module holds the endpoint and its command; its parts are ``fake_checks``
(signature, headers, parameters), ``fake_catalog`` (service versions, actions,
examples), ``fake_answers`` (replies, queued answers), ``fake_http`` (the
server) and ``fake_command`` (arguments). Clients and models import none.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

from .credentials import ENV_SECRET_ID, ENV_SECRET_KEY, Credentials
from .fake_answers import (
    _AnswerQueue,
    _checked_seconds,
    _error_reply,
    _Reply,
    _spec_reply,
)
from .fake_catalog import _Catalog
from .fake_checks import (
    _ACTION,
    _VERSION,
    _check_action_and_version,
    _check_params,
    _decode_params,
    _Refused,
    _verify,
)
from .fake_command import arguments
from .fake_http import _HTTPServer, _loopback, _port

if TYPE_CHECKING:
    from .plan import Action

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
# The received calls the command keeps: it serves until stopped, and nobody reads them.
COMMAND_CALLS = 1000
ENV_SESSION_TOKEN = "TENCENTCLOUD_SESSION_TOKEN"

# This module's package (``<package>.common``), also when run with ``python -m``.
_COMMON = __package__ or __name__.rpartition(".")[0]
_logger = logging.getLogger(f"{_COMMON}.fake_server")
# Headers a recorded call shows without their value.
_HIDDEN = frozenset({"x-tc-token"})


@dataclass(frozen=True)
class ReceivedCall:
    """One request as the endpoint received it, and how it answered.

    ``headers`` have lower-case names; a session token is shown as
    ``<hidden>``. ``params`` are the decoded parameters (a file part of a
    multipart body as bytes; for a raw body, its header parameters as sent
    and the body as bytes), empty when the body could not be read.
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


class FakeTencentCloud(_AnswerQueue):
    """A local Tencent Cloud endpoint on 127.0.0.1; see the module docstring.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`).
    ``credentials`` are the key pairs it accepts (default
    :data:`DEFAULT_CREDENTIALS`); a pair with a ``token`` must send that
    session token. ``max_clock_skew`` is how far (seconds) X-TC-Timestamp may
    be from this machine's clock, None to accept any time. ``max_body`` limits
    request bodies (bytes). ``check_params=False`` answers without checking
    parameters against the request models. ``max_calls`` keeps only the last
    so many received calls in :attr:`calls` (None: all, for a test; the
    command keeps 1,000, so a long run does not grow). Safe to use from any thread and
    from async tests; every queueing method (``add_*``, from
    :class:`~.fake_answers._AnswerQueue`) may be called while it serves.
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
        max_calls: int | None = None,
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
        self._lock = threading.Lock()
        super().__init__(_Catalog(_COMMON.rpartition(".")[0]), self._lock)
        if max_calls is not None and (not isinstance(max_calls, int) or max_calls < 0):
            raise ValueError("max_calls must be a number of calls, 0 or more, or None")
        self._calls: deque[ReceivedCall] = deque(maxlen=max_calls)
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
        server = _HTTPServer(self._address, self)
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

    def reset(self) -> None:
        """Forget every queued answer and every received call."""
        with self._lock:
            self._queues.clear()
            self._calls.clear()

    # Answering.

    def _answer(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[_Reply, str]:
        """The reply to one request (headers with lower-case names), and its request id.

        The call is recorded (:attr:`calls`) and logged.
        """
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
            described = self._described(service, version, action)
            content_type = headers.get("content-type", "")
            params = _decode_params(content_type, body, headers, described)
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
        _logger.info(
            "%s/%s %s %s -> %s",
            call.service or "-",
            _shown(call.version),
            _shown(call.action),
            call.request_id,
            "dropped" if reply.drop else reply.error or reply.status,
        )
        return reply, request_id

    def _described(
        self, service: str, version: str, action: str
    ) -> Action[Any, Any] | None:
        """The package's description of the action called, if it has one."""
        module = self._catalog.versions.get((service, version))
        return self._catalog.actions(module).get(action) if module else None

    def _reply(
        self,
        service: str,
        version: str,
        action: str,
        params: dict[str, Any],
        request_id: str,
    ) -> _Reply:
        _check_action_and_version(action, version)
        module = self._catalog.versions.get((service, version))
        described = self._described(service, version, action)
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
        examples = self._catalog.examples(module, action)
        return _spec_reply(examples, params, request_id)


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
    """SIGINT or SIGTERM (both set: a background job inherits SIGINT ignored)."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def main(argv: Sequence[str] | None = None) -> int:
    package = _COMMON.rpartition(".")[0]
    parser = arguments(
        f"python -m {_COMMON}.fake_server",
        package,
        max_clock_skew=DEFAULT_MAX_CLOCK_SKEW,
        max_body=DEFAULT_MAX_BODY,
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
            max_calls=COMMAND_CALLS,
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
    previous = {
        n: signal.signal(n, _terminate) for n in (signal.SIGINT, signal.SIGTERM)
    }
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
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
