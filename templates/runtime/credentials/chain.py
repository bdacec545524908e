"""The first provider of several that has credentials: :class:`ChainCredentials`,
and :func:`default_credentials`, the chain in the order of Tencent's SDKs.

Imports the standard library and ``..exceptions``, ``.types``, ``.local``;
``.cvm`` and ``.sts`` only when the default chain is built, asyncio only on
the async path.
"""

from __future__ import annotations

import threading
from collections.abc import MutableMapping, Sequence
from typing import TYPE_CHECKING

from ..exceptions import CredentialsError
from .local import EnvironmentCredentials, ProfileCredentials, StaticCredentials
from .types import Credentials, CredentialsProvider, resolve, resolve_async

if TYPE_CHECKING:
    import asyncio

__all__ = ["ChainCredentials", "default_credentials"]


class _LoopLocks:
    """One asyncio.Lock per event loop (a lock belongs to one loop), made on first async use."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: MutableMapping[asyncio.AbstractEventLoop, asyncio.Lock] | None = (
            None
        )

    def get(self) -> asyncio.Lock:
        import asyncio
        import weakref

        loop = asyncio.get_running_loop()
        with self._guard:
            if self._locks is None:
                self._locks = weakref.WeakKeyDictionary()
            lock = self._locks.get(loop)
            if lock is None:
                lock = self._locks[loop] = asyncio.Lock()
            return lock


class ChainCredentials:
    """The first of several providers that has credentials.

    The chosen provider is remembered and asked directly from then on. While
    no provider has been chosen, one caller at a time walks the chain. When
    none has credentials, the error names every place that was looked at.
    """

    def __init__(self, providers: Sequence[CredentialsProvider]) -> None:
        self.providers = list(providers)
        self._chosen: CredentialsProvider | None = None
        self._lock = threading.Lock()
        self._loop_locks = _LoopLocks()

    def _none_found(self, reasons: list[str]) -> CredentialsError:
        return CredentialsError(
            "no credentials found; looked at: " + "; ".join(reasons)
        )

    def get_credentials(self) -> Credentials:
        chosen = self._chosen
        if chosen is not None:
            return resolve(chosen)
        with self._lock:
            if self._chosen is not None:
                return resolve(self._chosen)
            reasons = []
            for provider in self.providers:
                try:
                    credentials = resolve(provider)
                except CredentialsError as exc:
                    reasons.append(str(exc))
                    continue
                self._chosen = provider
                return credentials
            raise self._none_found(reasons)

    async def get_credentials_async(self) -> Credentials:
        chosen = self._chosen
        if chosen is not None:
            return await resolve_async(chosen)
        async with self._loop_locks.get():
            if self._chosen is not None:
                return await resolve_async(self._chosen)
            reasons = []
            for provider in self.providers:
                try:
                    credentials = await resolve_async(provider)
                except CredentialsError as exc:
                    reasons.append(str(exc))
                    continue
                self._chosen = provider
                return credentials
            raise self._none_found(reasons)

    def __repr__(self) -> str:
        return f"ChainCredentials({self.providers!r})"


def default_credentials(
    secret_id: str | None = None,
    secret_key: str | None = None,
    token: str | None = None,
) -> CredentialsProvider:
    """Explicit values when given, else the default chain.

    The chain follows the order of Tencent's SDKs: the environment, the
    profile file, the CVM instance role, then a TKE pod's OIDC identity.
    Building it does no I/O; each link looks when first asked.
    """
    if secret_id or secret_key:
        return StaticCredentials(secret_id or "", secret_key or "", token)
    # Imported here: a client given its keys never loads the network providers.
    from .cvm import CVMRoleCredentials
    from .sts import TKEOIDCCredentials

    environment, profile = EnvironmentCredentials(), ProfileCredentials()
    return ChainCredentials(
        [environment, profile, CVMRoleCredentials(), TKEOIDCCredentials()]
    )
