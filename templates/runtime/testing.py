"""Test code that calls Tencent Cloud without calling it: :class:`Stubber`.

::

    client = TrtcClient(Credentials("id", "key"), region="ap-guangzhou")
    with Stubber(client) as stubber:
        stubber.add_response("DescribeRoomInfo", {"Total": 1, "RoomList": [{"RoomId": "1"}]},
                             expected_params={"SdkAppId": 1400000001, "StartTime": 1, "EndTime": 2})
        stubber.add_error("DismissRoom", "FailedOperation.RoomNotExist")
        code_under_test(client)
        stubber.assert_no_pending_responses()

While active, the client's calls take their answers from per-action queues,
in call order: nothing is signed, nothing is sent, nothing is retried or
waited for. Answers go through the same parsing as real ones, so a queued
error raises the same typed exception (with its enum code) that the service's
answer would. ``add_example`` replays the spec's own examples, kept in the
package's ``examples.json`` files that only this module reads; an example
that is an event stream is replayed as one, event by event, to a streaming
action's method. The clients never import this module.

The seam: a Stubber is a ``plan.Responder``. Activating it calls the
client's ``set_responder`` (it also answers the client's ``with_options``
copies); each call's plan then asks :meth:`Stubber.respond` for the answer,
with the call as built (the action, the request model and whether the
client made up its idempotency token), and decodes it as the client decodes
real answers (strict or tolerant, as its settings say). This module uses no
private attribute of the clients. It imports the tools' layers below it:
``wiring``, ``plan``, ``model`` (``multipart`` lazily).
"""

from __future__ import annotations

import difflib
import importlib
import json
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import msgspec

from .calls import Action, Call
from .model import Response, parse_envelope
from .wiring import ClientBase

if TYPE_CHECKING:
    from .transport import Received

__all__ = ["Stubber", "StubError"]

STUB_REQUEST_ID = "00000000-0000-0000-0000-000000000000"


class StubError(AssertionError):
    """The code under test called the client in a way the test did not queue."""


@dataclass(frozen=True)
class _Answer:
    response: Response | None  # a ready model, or
    # an envelope parsed at call time (errors, examples)
    envelope: Mapping[str, Any] | None
    expected_params: Mapping[str, Any] | None
    events: list[Any] | None = None  # or an event stream: each event's data


class Stubber:
    """Queue answers for a sync or async generated client; use as a (async) context manager."""

    def __init__(self, client: ClientBase) -> None:
        if not isinstance(client, ClientBase):
            raise TypeError(f"expected a generated client, got {type(client).__name__}")
        self.client = client
        # The actions are described in the sync client's module (client.py),
        # which the async one (aio.py, beside it) reads them from.
        self._actions = _actions_of(type(client).__module__.rpartition(".")[0])
        self._queues: dict[str, deque[_Answer]] = {}
        self._active = False
        # (action, wire params), in call order
        self.calls: list[tuple[str, dict[str, Any]]] = []

    # Queueing answers.

    def add_response(
        self,
        action: str,
        response: Response | Mapping[str, Any],
        expected_params: Mapping[str, Any] | None = None,
    ) -> None:
        """Answer the next call of ``action`` with a response model or a dict of its wire fields.

        A dict is checked against the response model now: an unknown field or
        a value of the wrong type fails here, not in the code under test.
        """
        described = self._action(action)
        if isinstance(response, Response):
            if not isinstance(response, described.response):
                raise TypeError(
                    f"{action} answers with {described.response.__name__}, not {type(response).__name__}"
                )
            self._queue(action, _Answer(response, None, expected_params))
            return
        parsed = _checked_response(described.response, response, STUB_REQUEST_ID)
        self._queue(action, _Answer(parsed, None, expected_params))

    def add_error(
        self,
        action: str,
        code: str,
        message: str = "",
        expected_params: Mapping[str, Any] | None = None,
        request_id: str = STUB_REQUEST_ID,
    ) -> None:
        """Make the next call of ``action`` raise the typed error of ``code``."""
        self._action(action)
        error = {"Error": {"Code": code, "Message": message}, "RequestId": request_id}
        self._queue(action, _Answer(None, {"Response": error}, expected_params))

    def add_example(
        self,
        action: str,
        index: int = 0,
        expected_params: Mapping[str, Any] | None = None,
    ) -> None:
        """Answer the next call of ``action`` with the spec's example number ``index``."""
        self._action(action)
        package = type(self.client).__module__.rpartition(".")[0]
        examples = _examples_of(package).get(action, [])
        if not 0 <= index < len(examples):
            raise IndexError(
                f"{action} has {len(examples)} example(s) in the spec; there is no example {index}"
            )
        example = examples[index]
        if "events" in example:
            # Sent as the service sends it: one text/event-stream answer.
            self._queue(action, _Answer(None, None, expected_params, example["events"]))
            return
        self._queue(action, _Answer(None, example["response"], expected_params))

    def assert_no_pending_responses(self) -> None:
        pending = {name: len(queue) for name, queue in self._queues.items() if queue}
        if pending:
            listed = ", ".join(
                f"{name} ({count})" for name, count in sorted(pending.items())
            )
            raise StubError(f"answers were queued but never asked for: {listed}")

    # Switching the client over.

    def activate(self) -> None:
        self.client.set_responder(self)
        self._active = True

    def deactivate(self) -> None:
        self.client.set_responder(None)
        self._active = False

    def __enter__(self) -> Stubber:
        self.activate()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.deactivate()

    async def __aenter__(self) -> Stubber:
        self.activate()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.deactivate()

    # What the client's call plan asks while stubbed.

    def respond(self, call: Call, stream: bool) -> bytes | Response | Received:
        """The queued answer for ``call`` (``plan.Responder``), after checking its parameters."""
        action = call.action
        if action is None:
            raise StubError(f"{call.name}: the Stubber answers generated clients only")
        # The wire parameters as sent: the request's, then its extra_params.
        params = {
            **_params(action, call.request, call.made_token),
            **(call.extra or {}),
        }
        self.calls.append((action.name, params))
        queue = self._queues.get(action.name)
        if not queue:
            raise StubError(
                f"{action.name} was called with {_show(params)} but no answer is queued for it"
            )
        answer = queue.popleft()
        if (
            answer.expected_params is not None
            and dict(answer.expected_params) != params
        ):
            difference = _difference(answer.expected_params, params)
            raise StubError(
                f"{action.name} was called with other parameters than expected:\n{difference}"
            )
        if answer.response is not None:
            return answer.response
        if answer.events is not None:
            if not stream:
                raise StubError(
                    f"{action.name} does not answer with a stream of events"
                )
            return _event_stream(answer.events)
        assert answer.envelope is not None
        # Decoded by the plan as the client decodes a 200 answer.
        return msgspec.json.encode(answer.envelope)

    # Helpers.

    def _action(self, name: str) -> Action[Any, Any]:
        found = self._actions.get(name)
        if found is None:
            close = difflib.get_close_matches(name, list(self._actions), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(
                f"{type(self.client).__name__} has no action {name!r}{hint}"
            )
        return found

    def _queue(self, action: str, answer: _Answer) -> None:
        self._queues.setdefault(action, deque()).append(answer)


def _actions_of(package: str) -> dict[str, Action[Any, Any]]:
    """The actions of a service version (``<package>.client`` describes them), by wire name.

    The async client (``aio``, beside it) reads them from there too.
    """
    module = importlib.import_module(f"{package}.client")
    return {
        value.name: value
        for value in vars(module).values()
        if isinstance(value, Action)
    }


def _examples_of(package: str) -> dict[str, list[dict[str, Any]]]:
    """A service version's ``examples.json``: each action's spec examples."""
    importlib.import_module(package)
    text = resources.files(package).joinpath("examples.json").read_text("utf-8")
    data: dict[str, list[dict[str, Any]]] = json.loads(text)
    return data


def _event_stream(events: list[Any]) -> Received:
    """An example's events as the response of a ``text/event-stream`` answer."""
    from .transport import Headers, Received  # read as a real one is

    body = b"".join(
        b"".join(b"data: " + line.encode() + b"\n" for line in _text(data).split("\n"))
        + b"\n"
        for data in events
    )
    headers = [
        ("content-type", "text/event-stream"),
        ("x-tc-requestid", STUB_REQUEST_ID),
    ]
    return Received(200, Headers(headers), body)


def _text(data: Any) -> str:
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)


def _checked_response(
    response: type[Response], fields: Mapping[str, Any], request_id: str
) -> Response:
    """Wire fields of an answer as the model they make: an unknown field or a
    wrong type fails now, naming the place, not in the code under test."""
    _check_fields(response, fields, response.__name__)
    body = {**fields, "RequestId": fields.get("RequestId", request_id)}
    return parse_envelope(response, {"Response": body}, strict=True)


def _params(action: Action[Any, Any], built: Any, made_token: str) -> dict[str, Any]:
    """The call's parameters as wire data, without a token the client made up itself.

    A file field's value is kept as given: bytes, or the file object (unread).
    """
    params: dict[str, Any]
    if action.binary_fields:
        from .multipart import wire_fields

        params = wire_fields(built, action.binary_fields)
    else:
        params = msgspec.to_builtins(built, builtin_types=(bytes,))
    if made_token:
        wire = next(
            f.encode_name
            for f in msgspec.structs.fields(action.request)
            if f.name == made_token
        )
        params.pop(wire, None)
    return params


def _show(params: Mapping[str, Any]) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True, default=repr)


def _difference(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> str:
    def lines(value: Mapping[str, Any]) -> list[str]:
        return json.dumps(
            value, ensure_ascii=False, sort_keys=True, indent=2, default=repr
        ).splitlines()

    return "\n".join(
        difflib.unified_diff(
            lines(expected), lines(actual), "expected", "called with", lineterm=""
        )
    )


def _check_fields(cls: Any, body: Mapping[str, Any], where: str) -> None:
    """Unknown wire fields in a dict answer, anywhere in it, are a test mistake."""
    _check(msgspec.inspect.type_info(cls), body, where)


def _check(info: Any, value: Any, where: str) -> None:
    inspect = msgspec.inspect
    if isinstance(info, inspect.UnionType):
        for option in info.types:
            if not isinstance(option, inspect.NoneType):
                _check(option, value, where)
    elif isinstance(info, (inspect.ListType, inspect.VarTupleType)) and isinstance(
        value, list
    ):
        for index, item in enumerate(value):
            _check(info.item_type, item, f"{where}[{index}]")
    elif isinstance(info, inspect.StructType) and isinstance(value, Mapping):
        # Not the responses' hidden "Error" field: an error is queued with add_error.
        known = {f.encode_name: f for f in info.fields if f.name != "_error"}
        for key, item in value.items():
            if key == "RequestId" and "RequestId" not in known:
                continue
            if key not in known:
                close = [
                    k for k in known if k.lower() == key.lower()
                ] or difflib.get_close_matches(key, list(known), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise StubError(f"{where} has no field {key!r}{hint}")
            _check(known[key].type, item, f"{where}.{key}")
