"""The sync clients: :class:`BaseClient` (base of the generated clients) and
:class:`CommonClient` (any action, plain dicts), and the public names of the
client machinery.

The work of a call is elsewhere: ``plan`` makes and judges each attempt
without I/O, ``wiring`` reads the options, ``retry`` decides on another
attempt, ``wire`` checks endpoints and headers. :class:`BaseClient` only
carries a call plan's steps out with blocking I/O; the async driver
(``aio``) carries out the same plans, so the two cannot behave differently.

Importing this module stays cheap: the transport (``sync_http``, the
standard library's sockets; httpx only when asked for) is made at
the first request, streams and uploads live in modules of their own
imported only when used, and the error modules at the first error. It imports layers 0-4 and
``wiring``/``generic`` (layer 5), never ``aio``: the async clients are in
``common.aio``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from . import exceptions
from .credentials import Credentials, CredentialsProvider, resolve
from .generic import CommonResponse, GenericClient, common_call
from .model import Model, Request, Response
from .plan import (
    Action,
    Done,
    HookFailed,
    Hooks,
    Interrupted,
    Measure,
    NeedCredentials,
    Sleep,
    Step,
    action_call,
    advance,
    call_plan,
)
from .wiring import (
    DEFAULT_TIMEOUT_TUPLE,
    ENV_ENDPOINT,
    ENV_REGION,
    ClientBase,
    Connections,
    failed,
    sync_transport,
    timeouts,
    transport_choice,
)

if TYPE_CHECKING:
    import httpx

    from .streaming import Opened, Stream
    from .transport import Answer, SyncTransport

    # 30 s, 5 s to connect; made on first access (see __getattr__)
    DEFAULT_TIMEOUT: httpx.Timeout

__all__ = [
    "Action",
    "BaseClient",
    "CommonClient",
    "CommonResponse",
    "Stream",
    "DEFAULT_TIMEOUT",
    "ENV_ENDPOINT",
    "ENV_REGION",
]

Req = TypeVar("Req", bound=Request)
Resp = TypeVar("Resp", bound=Response)
_DEFAULT_TIMEOUT = DEFAULT_TIMEOUT_TUPLE


def __getattr__(name: str) -> Any:
    # Made on first access, so that importing a client needs neither.
    if name == "Stream":
        from .streaming import Stream

        return Stream
    if name == "DEFAULT_TIMEOUT":
        import httpx

        return httpx.Timeout(30.0, connect=5.0)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class BaseClient(ClientBase):
    """Base of the generated sync clients. Safe to share between threads.

    The transport is made at the first call: the standard library's
    (``transport="stdlib"``, the default) or httpx's (``transport="httpx"``,
    or the user's own ``http_client=httpx.Client(...)``).
    """

    def __init__(
        self,
        credentials: CredentialsProvider | Credentials | None = None,
        *,
        http_client: httpx.Client | None = None,
        transport: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **settings: Any,
    ) -> None:
        choice = transport_choice(transport, http_client)
        super().__init__(credentials, **settings)
        self._sleep = sleep
        failover = self._core.settings.failover
        urls = (self.endpoint,) if failover is None else (self.endpoint, failover[1])
        proxy, verify = self._proxy, self._verify
        supplied: SyncTransport | None = None
        if http_client is not None:
            from .httpx_http import HttpxTransport

            supplied = HttpxTransport(http_client, owned=False)
        self._connections: Connections[SyncTransport] = Connections(
            lambda: sync_transport(choice, urls, proxy, verify), supplied
        )

    def close(self) -> None:
        """Close the connections (not those of a user-supplied ``http_client``)."""
        if not self._copy:
            http = self._connections.close()
            if http is not None:
                http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _invoke(
        self,
        action: Action[Req, Resp],
        request: Req | None,
        fields: Mapping[str, Any],
        extra_params: Mapping[str, Any] | None = None,
    ) -> Resp:
        call = action_call(self._core, action, request, fields, extra_params)
        result: Resp = self._run(
            call_plan(self._core, call, responder=self._connections.responder),
            action.name,
        )
        return result

    def _run(self, plan: Generator[Step, Any, Any], action: str) -> Any:
        """Carry out a call plan's steps with blocking I/O."""
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = advance(plan, value, error)
            except Done as done:
                return done.result
            value, error = None, None
            try:
                if isinstance(step, NeedCredentials):
                    value = resolve(self._credentials)
                elif isinstance(step, Sleep):
                    self._sleep(step.seconds)
                elif isinstance(step, Measure):
                    step.body.measure()
                elif isinstance(step, Hooks):
                    try:
                        step.run()
                    except Exception as exc:  # the plan ends the call, raises it
                        error = HookFailed(step.point, exc)
                else:
                    value, error = self._send(step.prepared, step.stream, action)
            except BaseException as exc:  # after_call runs, then it is raised
                value, error = None, Interrupted(exc)

    def _send(
        self, prepared: Any, stream: bool, action: str
    ) -> tuple[Answer | None, Any]:
        """One exchange: the response, or the SDK error that sending raised.

        With ``stream``, an event stream comes back unread; any other answer
        is read whole, and judged like any other.
        """
        from .transport import Failure  # loaded with the first client

        url, limits = timeouts(self._core, prepared)
        try:
            response = self._connections.get().send(
                url, prepared.headers, prepared.content, limits, stream
            )
        except Failure as exc:
            return None, failed(exc, action)
        except exceptions.SDKError as exc:  # an upload's file failed while sent
            return None, exc
        return response, None

    def _invoke_stream(
        self,
        action: Action[Req, Resp],
        request: Req | None,
        fields: Mapping[str, Any],
        extra_params: Mapping[str, Any] | None = None,
    ) -> Stream[Resp]:
        from .streaming import Stream

        call = action_call(self._core, action, request, fields, extra_params)
        plan = call_plan(
            self._core, call, stream=True, responder=self._connections.responder
        )
        answer: Opened | Resp = self._run(plan, action.name)
        settings = self._core.settings
        return Stream(
            action.response,
            action.name,
            answer,
            settings.strict,
            keep_raw=settings.keep_raw,
        )


class CommonClient(GenericClient, BaseClient):
    """Calls any action of any service version, with plain dicts.

    ``CommonClient("cvm", "2017-03-12", region="ap-guangzhou").call("DescribeZones")``
    signs, retries and raises typed errors like a generated client; the
    answer's ``Response`` object comes back as a :class:`CommonResponse`
    dict. Takes the same keyword options as the generated clients.
    """

    def call(
        self,
        action: str,
        params: Mapping[str, Any] | Model | None = None,
        *,
        read_only: bool | None = None,
    ) -> CommonResponse:
        """Call ``action`` with ``params`` (wire names, e.g. ``{"Limit": 10}``, or a request model).

        ``read_only`` overrides the action-name rule (``Describe*``, ``Get*``,
        ``List*``, ...) that decides whether a failed call may be repeated.
        """
        call = common_call(action, params, read_only)
        plan = call_plan(self._core, call, responder=self._connections.responder)
        result: CommonResponse = self._run(plan, action)
        return result
