"""The async clients: :class:`AsyncBaseClient` (base of the generated
``Async<Service>Client`` classes) and :class:`AsyncCommonClient`.

They run the same call plans as the sync clients of the ``client`` module,
with ``httpx.AsyncClient`` and without blocking the event loop. This module
is imported only when an async client is used, so the sync clients never pay
for asyncio.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any

from . import errors
from .client import (
    _CREDENTIALS,
    Action,
    CommonResponse,
    Req,
    Resp,
    Self,
    _action_call,
    _advance,
    _call_plan,
    _ClientBase,
    _common_call,
    _common_target,
    _Connections,
    _Done,
    _Measure,
    _opened_stream,
    _Sleep,
    _Step,
    _tls,
    _transport_error,
)
from .credentials import Credentials, CredentialsProvider
from .model import Model

if TYPE_CHECKING:
    import ssl

    import httpx

    from .streaming import AsyncStream

__all__ = ["AsyncBaseClient", "AsyncCommonClient"]


def _async_http(
    url: str, proxy: str | None, verify: bool | ssl.SSLContext
) -> httpx.AsyncClient:
    import httpx

    return httpx.AsyncClient(proxy=proxy, verify=_tls(url, proxy, verify))


class AsyncBaseClient(_ClientBase):
    """Base of the generated async clients. Safe to share between tasks.

    The connections (an ``httpx.AsyncClient``) are opened at the first call.
    """

    def __init__(
        self,
        credentials: CredentialsProvider | Credentials | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **settings: Any,
    ) -> None:
        super().__init__(credentials, **settings)
        self._sleep = sleep
        url, proxy, verify = self.endpoint, self._proxy, self._verify
        self._connections: _Connections[httpx.AsyncClient] = _Connections(
            lambda: _async_http(url, proxy, verify), http_client
        )

    async def aclose(self) -> None:
        """Close the connections (not those of a user-supplied ``http_client``)."""
        if not self._copy:
            http = self._connections.close()
            if http is not None:
                await http.aclose()

    async def __aenter__(self: Self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _credentials_now(self) -> Credentials:
        # A provider that may do I/O must not block the event loop: use its
        # async form when it has one, else run it in a worker thread.
        provider: Any = self._credentials
        getter = getattr(provider, "get_credentials_async", None)
        if getter is not None:
            result: Credentials = await getter()
            return result
        return await asyncio.to_thread(self._credentials.get_credentials)

    async def _invoke(
        self, action: Action[Req, Resp], request: Req | None, fields: Mapping[str, Any]
    ) -> Resp:
        plan = _call_plan(self._core, _action_call(self._core, action, request, fields))
        result: Resp = await self._run(plan, action.name)
        return result

    async def _run(self, plan: Generator[_Step, Any, Any], action: str) -> Any:
        """Carry out a call plan's steps without blocking the event loop."""
        import httpx

        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = _advance(plan, value, error)
            except _Done as done:
                return done.result
            value, error = None, None
            if step is _CREDENTIALS:
                value = await self._credentials_now()
            elif isinstance(step, _Sleep):
                await self._sleep(step.seconds)
            elif isinstance(step, _Measure):
                # It reads files and hashes the whole body: not on the event loop.
                await asyncio.to_thread(step.body.measure)
            else:
                try:
                    value = await self._connections.get().send(
                        step.request, stream=step.stream
                    )
                    if step.stream and not _opened_stream(value):
                        await value.aread()  # an ordinary answer: judged like any other
                        await value.aclose()
                except httpx.TransportError as exc:
                    error = _transport_error(exc, action)
                except errors.SDKError as exc:  # an upload's file failed while sent
                    error = exc

    def _open_stream(
        self, action: Action[Req, Resp], request: Req | None, fields: Mapping[str, Any]
    ) -> AsyncStream[Resp]:
        from .streaming import AsyncStream

        # Built now (so bad arguments fail at the call), sent on entering the stream.
        call = _action_call(self._core, action, request, fields)
        core = self._core

        async def open() -> Any:
            return await self._run(_call_plan(core, call, stream=True), action.name)

        return AsyncStream(action.response, action.name, open, core.settings.strict)


class AsyncCommonClient(AsyncBaseClient):
    """The asynchronous :class:`~.client.CommonClient`: ``await client.call(action, params)``."""

    def __init__(
        self,
        service: str,
        version: str,
        credentials: CredentialsProvider | Credentials | None = None,
        **options: Any,
    ) -> None:
        self._names = _common_target(service, version)
        super().__init__(credentials, **options)

    def _target(self) -> tuple[str, str, str]:
        return self._names

    async def call(
        self,
        action: str,
        params: Mapping[str, Any] | Model | None = None,
        *,
        read_only: bool | None = None,
    ) -> CommonResponse:
        """Call ``action`` with ``params``; see :meth:`CommonClient.call`."""
        plan = _call_plan(self._core, _common_call(action, params, read_only))
        result: CommonResponse = await self._run(plan, action)
        return result

    def __repr__(self) -> str:
        service, version, _ = self._names
        return f"AsyncCommonClient({service!r}, {version!r}, endpoint={self.endpoint!r}, region={self.region!r})"
