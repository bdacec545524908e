"""The async clients: :class:`AsyncBaseClient` (base of the generated
``Async<Service>Client`` classes) and :class:`AsyncCommonClient`.

They carry out the same call plans (``plan``) as the sync clients of the
``client`` module, with ``httpx.AsyncClient`` (through ``httpx_http``) and
without blocking the event loop: credentials come from ``credentials.resolve_async``, files are read
and hashed in a worker thread. This module is imported only when an async
client is used, so the sync clients never pay for asyncio. It imports
layers 0-4 and ``wiring``/``generic`` (layer 5); nothing from ``client``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from . import exceptions
from .credentials import Credentials, CredentialsProvider, resolve_async
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
from .wiring import ClientBase, Connections, failed, timeouts

if TYPE_CHECKING:
    import httpx

    from .httpx_http import AsyncHttpxTransport
    from .streaming import AsyncStream

__all__ = ["AsyncBaseClient", "AsyncCommonClient"]

Req = TypeVar("Req", bound=Request)
Resp = TypeVar("Resp", bound=Response)


def _async_http(
    url: str, proxy: str | None, verify: Any, given: httpx.AsyncClient | None = None
) -> AsyncHttpxTransport:
    from .httpx_http import AsyncHttpxTransport, async_client

    if given is not None:
        return AsyncHttpxTransport(given, owned=False)
    return AsyncHttpxTransport(async_client(url, proxy, verify))


class AsyncBaseClient(ClientBase):
    """Base of the generated async clients. Safe to share between tasks.

    The connections (an ``httpx.AsyncClient``, or the user's own given as
    ``http_client``) are opened at the first call. ``transport`` is "httpx"
    or None: the async clients send through httpx.
    """

    def __init__(
        self,
        credentials: CredentialsProvider | Credentials | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        transport: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **settings: Any,
    ) -> None:
        if transport not in (None, "httpx"):
            raise ValueError("the async clients' transport is 'httpx' (or None)")
        super().__init__(credentials, **settings)
        self._sleep = sleep
        url, proxy, verify = self.endpoint, self._proxy, self._verify
        supplied = (
            None if http_client is None else _async_http("", None, True, http_client)
        )
        self._connections: Connections[AsyncHttpxTransport] = Connections(
            lambda: _async_http(url, proxy, verify), supplied
        )

    async def aclose(self) -> None:
        """Close the connections (not those of a user-supplied ``http_client``)."""
        if not self._copy:
            http = self._connections.close()
            if http is not None:
                await http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _invoke(
        self,
        action: Action[Req, Resp],
        request: Req | None,
        fields: Mapping[str, Any],
        extra_params: Mapping[str, Any] | None = None,
    ) -> Resp:
        call = action_call(self._core, action, request, fields, extra_params)
        plan = call_plan(self._core, call, responder=self._connections.responder)
        result: Resp = await self._run(plan, action.name)
        return result

    async def _run(self, plan: Generator[Step, Any, Any], action: str) -> Any:
        """Carry out a call plan's steps without blocking the event loop."""
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
                    value = await resolve_async(self._credentials)
                elif isinstance(step, Sleep):
                    await self._sleep(step.seconds)
                elif isinstance(step, Measure):
                    # It reads files and hashes the whole body: not on the event loop.
                    await asyncio.to_thread(step.body.measure)
                elif isinstance(step, Hooks):
                    try:
                        await step.run_async()
                    except Exception as exc:  # the plan ends the call, raises it
                        error = HookFailed(step.point, exc)
                else:
                    value, error = await self._send(step.prepared, step.stream, action)
            except BaseException as exc:  # after_call runs, then it is raised
                value, error = None, Interrupted(exc)

    async def _send(self, prepared: Any, stream: bool, action: str) -> tuple[Any, Any]:
        """One exchange: the response, or the SDK error that sending raised."""
        from .transport import Failure

        url, limits = timeouts(self._core, prepared)
        try:
            response = await self._connections.get().send(
                url, prepared.headers, prepared.content, limits, stream
            )
        except Failure as exc:
            return None, failed(exc, action)
        except exceptions.SDKError as exc:  # an upload's file failed while sent
            return None, exc
        return response, None

    def _open_stream(
        self,
        action: Action[Req, Resp],
        request: Req | None,
        fields: Mapping[str, Any],
        extra_params: Mapping[str, Any] | None = None,
    ) -> AsyncStream[Resp]:
        from .streaming import AsyncStream

        # Built now (so bad arguments fail at the call), sent on entering the stream.
        call = action_call(self._core, action, request, fields, extra_params)
        core, connections = self._core, self._connections

        async def open() -> Any:
            plan = call_plan(core, call, stream=True, responder=connections.responder)
            return await self._run(plan, action.name)

        return AsyncStream(
            action.response,
            action.name,
            open,
            core.settings.strict,
            keep_raw=core.settings.keep_raw,
        )


class AsyncCommonClient(GenericClient, AsyncBaseClient):
    """The asynchronous :class:`~.client.CommonClient`: ``await client.call(action, params)``."""

    async def call(
        self,
        action: str,
        params: Mapping[str, Any] | Model | None = None,
        *,
        read_only: bool | None = None,
    ) -> CommonResponse:
        """Call ``action`` with ``params``; see :meth:`CommonClient.call`."""
        call = common_call(action, params, read_only)
        plan = call_plan(self._core, call, responder=self._connections.responder)
        result: CommonResponse = await self._run(plan, action)
        return result
