"""What the local endpoint (``common.fake_server``) answers.

An answer is a :class:`_Reply`: an envelope (a success or an error), a
stream of events, or a fault (an HTTP status, a dropped connection, a cut
body, a delay). :class:`_AnswerQueue` holds the answers a test queues for
each action (the ``add_*`` methods of ``FakeTencentCloud``, which inherits
them); :func:`_spec_reply` picks the spec's example for a call nothing was
queued for. Nothing here is public: the endpoint is used through
``common.fake_server``.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .fake_catalog import _Catalog
from .fake_checks import _ACTION

if TYPE_CHECKING:
    from .plan import Action

__all__: list[str] = []

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


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


# Making answers.


def _check_answer(action: Action[Any, Any], fields: Mapping[str, Any]) -> None:
    """Wire fields queued for ``action``: unknown ones and wrong types fail now, as in the Stubber."""
    from .testing import _checked_response

    _checked_response(action.response, fields, "")


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


def _spec_reply(
    examples: Sequence[Mapping[str, Any]], params: Mapping[str, Any], request_id: str
) -> _Reply:
    """The answer to a call nothing was queued for, from the action's examples.

    The example whose request is the call's, else the first that is not an
    error, else an empty success.
    """
    # The examples whose request is the call's come first, successes first.
    ranked = sorted(
        examples,
        key=lambda e: (e.get("request") != params, _is_error_example(e)),
    )
    if ranked and (
        ranked[0].get("request") == params or not _is_error_example(ranked[0])
    ):
        return _example_reply(ranked[0], request_id)
    return _Reply(body=_envelope({}, request_id)[0])


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


def _status(status: int) -> int:
    if not isinstance(status, int) or not 200 <= status <= 599:
        raise ValueError(f"not an HTTP status for an answer: {status!r}")
    return status


# Queueing answers.


class _AnswerQueue:
    """The answers queued for each action, in order; the ``add_*`` methods.

    Each queued answer answers the next matching call of ``action`` (of any
    service version, or of the one ``service`` and ``version`` name).
    ``lock`` guards the queues; the endpoint shares it for its own state.
    """

    def __init__(self, catalog: _Catalog, lock: threading.Lock) -> None:
        self._catalog = catalog
        self._lock = lock
        self._queues: dict[str, deque[_Queued]] = {}

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
        check: bool = True,
    ) -> None:
        """A success with these wire fields (checked now against the response model).

        ``cut=True`` sends half of the body and hangs up. ``check=False``
        sends the fields unchecked, as a service that disagrees with its own
        description does (for tests of tolerant decoding).
        """
        body = dict(fields or {})
        found = self._catalog.locate(action, service, version)
        if found is not None and check:
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
        delay: float = 0.0,
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
            delay=delay,
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

    def _take(self, service: str, version: str, action: str) -> _Queued | None:
        """The first answer queued for this call, taken off its queue."""
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
