"""Where API keys come from: explicit values, the environment, a profile file,
the CAM role of a CVM instance, STS (AssumeRole, or a TKE pod's OIDC token),
or any provider that refreshes temporary keys before they expire.

Every provider works for sync and async clients: ``get_credentials`` may block
on I/O, ``get_credentials_async`` never blocks the event loop. A secret key, a
session token or a web identity token is kept out of every repr, log line and
exception message (each is registered with ``..redaction`` as it is read).

The package's modules, lowest first (each imports only those before it, and
the runtime's leaves ``..exceptions``, ``..redaction``, ``..retry``,
``..signing``; never a client):

- ``types``: Credentials, CredentialsProvider, resolve_async, ENV_* names;
- ``flow``: a fetch as sans-IO steps, the sync and async drivers (deadline,
  bounded answers), bounded reads of regular files, address checks;
- ``answers``: reading the keys out of an answer;
- ``refreshing``: RefreshingCredentials, one shared fetch per expiry;
- ``local``: StaticCredentials, EnvironmentCredentials, ProfileCredentials;
- ``cvm``: CVMRoleCredentials; ``sts``: the STS call, web identity, TKE;
- ``chain``: ChainCredentials, default_credentials;
- ``assume_role``: AssumeRoleCredentials (its default base is the chain).

Importing this package imports neither asyncio nor httpx: the async methods
and the providers that make HTTP requests import them when first used.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import CredentialsError, SDKError
from .assume_role import AssumeRoleCredentials
from .chain import ChainCredentials, default_credentials
from .cvm import (
    METADATA_DEADLINE,
    METADATA_ENDPOINT,
    METADATA_MISS_TTL,
    METADATA_TIMEOUT,
    CVMRoleCredentials,
)
from .flow import MAX_ANSWER, MAX_FILE
from .local import EnvironmentCredentials, ProfileCredentials, StaticCredentials
from .refreshing import RefreshingCredentials
from .sts import (
    MAX_DURATION,
    STS_DEADLINE,
    STS_ENDPOINT,
    STS_REGION,
    STS_SERVICE,
    STS_TIMEOUT,
    STS_VERSION,
    TKEOIDCCredentials,
    WebIdentityCredentials,
)
from .types import (
    ENV_CREDENTIALS_FILE,
    ENV_METADATA_ENDPOINT,
    ENV_PROFILE,
    ENV_SECRET_ID,
    ENV_SECRET_KEY,
    ENV_SESSION_TOKEN,
    ENV_STS_ENDPOINT,
    ENV_TKE_PROVIDER_ID,
    ENV_TKE_REGION,
    ENV_TKE_ROLE_ARN,
    ENV_TKE_TOKEN_FILE,
    Credentials,
    CredentialsProvider,
    resolve_async,
)

__all__ = [
    "Credentials",
    "CredentialsProvider",
    "StaticCredentials",
    "EnvironmentCredentials",
    "ProfileCredentials",
    "RefreshingCredentials",
    "CVMRoleCredentials",
    "AssumeRoleCredentials",
    "WebIdentityCredentials",
    "TKEOIDCCredentials",
    "ChainCredentials",
    "default_credentials",
    "resolve_async",
    # Also here, as before the package split: the error classes and the
    # names and limits the providers use.
    "CredentialsError",
    "SDKError",
    "ENV_CREDENTIALS_FILE",
    "ENV_METADATA_ENDPOINT",
    "ENV_PROFILE",
    "ENV_SECRET_ID",
    "ENV_SECRET_KEY",
    "ENV_SESSION_TOKEN",
    "ENV_STS_ENDPOINT",
    "ENV_TKE_PROVIDER_ID",
    "ENV_TKE_REGION",
    "ENV_TKE_ROLE_ARN",
    "ENV_TKE_TOKEN_FILE",
    "MAX_ANSWER",
    "MAX_DURATION",
    "MAX_FILE",
    "METADATA_DEADLINE",
    "METADATA_ENDPOINT",
    "METADATA_MISS_TTL",
    "METADATA_TIMEOUT",
    "STS_DEADLINE",
    "STS_ENDPOINT",
    "STS_REGION",
    "STS_SERVICE",
    "STS_TIMEOUT",
    "STS_VERSION",
]


def __getattr__(name: str) -> Any:
    # PROFILE_FILES and DEFAULT_PROFILE_FILE are Paths made on first access.
    if name in ("PROFILE_FILES", "DEFAULT_PROFILE_FILE"):
        from . import local

        return getattr(local, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
