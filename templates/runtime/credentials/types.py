"""What every provider hands out and what a provider is: :class:`Credentials`,
:class:`CredentialsProvider`, :func:`resolve_async`, and the names of the
environment variables the providers read.

Imports the standard library, msgspec, and the runtime's leaves
(``..exceptions``, ``..redaction``); asyncio only inside :func:`resolve_async`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import msgspec

from .. import redaction
from ..exceptions import CredentialsError

__all__ = ["Credentials", "CredentialsProvider", "resolve_async"]

ENV_SECRET_ID = "TENCENTCLOUD_SECRET_ID"
ENV_SECRET_KEY = "TENCENTCLOUD_SECRET_KEY"
ENV_SESSION_TOKEN = "TENCENTCLOUD_SESSION_TOKEN"
ENV_PROFILE = "TENCENTCLOUD_PROFILE"
ENV_CREDENTIALS_FILE = "TENCENTCLOUD_CREDENTIALS_FILE"
# Not read by Tencent's SDKs: ours, to point the providers at another address.
ENV_METADATA_ENDPOINT = "TENCENTCLOUD_METADATA_ENDPOINT"
ENV_STS_ENDPOINT = "TENCENTCLOUD_STS_ENDPOINT"
# Set by TKE in pods whose service account is bound to a CAM role.
ENV_TKE_REGION = "TKE_REGION"
ENV_TKE_PROVIDER_ID = "TKE_PROVIDER_ID"
ENV_TKE_TOKEN_FILE = "TKE_WEB_IDENTITY_TOKEN_FILE"
ENV_TKE_ROLE_ARN = "TKE_ROLE_ARN"


class Credentials(msgspec.Struct, frozen=True):
    """An API key pair, with a session token for temporary keys.

    ``expires_at`` is a Unix time for temporary keys, ``None`` for permanent
    ones. Making one registers its secret key and token with ``redaction``,
    so that no message or log line of the runtime shows them.
    """

    secret_id: str
    secret_key: str
    token: str | None = None
    expires_at: float | None = None

    def __post_init__(self) -> None:
        # Permanent keys are hidden for the life of the process; temporary
        # ones while they are among the most recent (they rotate).
        redaction.register(self.secret_key, self.token, lasting=self.expires_at is None)

    def __repr__(self) -> str:
        token = ", token=<hidden>" if self.token else ""
        return f"Credentials(secret_id={self.secret_id!r}, secret_key=<hidden>{token})"


@runtime_checkable
class CredentialsProvider(Protocol):
    """Anything that can hand out current credentials.

    ``get_credentials`` is called before every attempt, so it must be cheap
    when nothing changed (cache, and refresh only when needed). An async
    client calls ``get_credentials_async`` instead when a provider has one,
    and otherwise runs ``get_credentials`` in a worker thread.
    """

    def get_credentials(self) -> Credentials: ...


def resolve(provider: CredentialsProvider) -> Credentials:
    """A provider's credentials, checked to be ``Credentials``."""
    return _checked(provider, provider.get_credentials())


async def resolve_async(provider: CredentialsProvider) -> Credentials:
    """A provider's credentials without blocking the event loop."""
    getter = getattr(provider, "get_credentials_async", None)
    if getter is None:
        import asyncio

        found: object = await asyncio.to_thread(provider.get_credentials)
    else:
        found = await getter()
    return _checked(provider, found)


def _checked(provider: CredentialsProvider, found: object) -> Credentials:
    # A user's provider returning a tuple or a dict would otherwise fail
    # later, inside signing, with an AttributeError.
    if not isinstance(found, Credentials):
        raise CredentialsError(f"{type(provider).__name__} did not return Credentials")
    return found
