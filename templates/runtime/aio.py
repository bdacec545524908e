"""The async clients: :class:`AsyncBaseClient` (base of the generated
``Async<Service>Client`` classes) and :class:`AsyncCommonClient`.

They carry out the same call plans (``plan``) as the sync clients of the
``client`` module, through an async transport (``aio_http`` by default,
or ``httpx_http``) and without blocking the event loop: credentials are
resolved by ``credentials.resolve_async``, files are read and hashed in a
worker thread. This module is imported only when an async client is used, so the
sync clients never pay for asyncio. It imports layers 0-4 and
``wiring``/``generic`` (layer 5), and ``aio_http`` or ``httpx_http`` at the
first call; nothing from ``client``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeVar

from . import exceptions
from .attempt import log
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
from .wiring import (
    ClientBase,
    Connections,
    failed,
    timeouts,
    transport_choice,
    unreachable,
)

if TYPE_CHECKING:
    import httpx

    from .streaming import AsyncStream
    from .transport import AsyncTransport

__all__ = ["AsyncBaseClient", "AsyncCommonClient"]

Req = TypeVar("Req", bound=Request)
Resp = TypeVar("Resp", bound=Response)


def async_transport(
    choice: str, urls: Sequence[str], proxy: str | None, verify: Any
) -> AsyncTransport:
    """The async client's transport, made at its first request: as
    ``wiring.sync_transport`` chooses, with ``aio_http`` for the standard
    library's."""
    if choice == "stdlib":
        from .aio_http import AsyncStdlibTransport

        made = AsyncStdlibTransport(proxy, verify)
        odd = [url for url in urls if unreachable(made.proxy_for(url))]
        if not odd:
            return made
        log().debug(
            "%s: the proxy for %s is not an http:// proxy: httpx sends the requests",
            "transport",
            odd[0],
        )
    from .httpx_http import AsyncHttpxTransport, async_client

    return AsyncHttpxTransport(async_client(urls[0], proxy, verify))


class AsyncBaseClient(ClientBase):
    """Base of the generated async clients. Safe to share between tasks.

    The transport is made at the first call: the standard library's
    (``transport="stdlib"``, the default: asyncio, see ``aio_http``) or
    httpx's (``transport="httpx"``, or the user's own
    ``http_client=httpx.AsyncClient(...)``).
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
        choice = transport_choice(transport, http_client)
        super().__init__(credentials, **settings)
        self._sleep = sleep
        failover = self._core.settings.failover
        urls = (self.endpoint,) if failover is None else (self.endpoint, failover[1])
        proxy, verify = self._proxy, self._verify
        supplied: AsyncTransport | None = None
        if http_client is not None:
            from .httpx_http import AsyncHttpxTransport

            supplied = AsyncHttpxTransport(http_client, owned=False)
        self._connections: Connections[AsyncTransport] = Connections(
            lambda: async_transport(choice, urls, proxy, verify), supplied
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
