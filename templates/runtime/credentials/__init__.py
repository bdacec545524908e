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

- ``types``: Credentials, CredentialsProvider, resolve, resolve_async, ENV_* names;
- ``flow``: a fetch as sans-IO steps, the sync and async drivers (deadline,
  bounded answers), bounded reads of regular files, address checks;
- ``answers``: reading the keys out of an answer;
- ``refreshing``: RefreshingCredentials, one shared fetch per expiry;
- ``local``: StaticCredentials, EnvironmentCredentials, ProfileCredentials;
- ``cvm``: CVMRoleCredentials; ``sts``: the STS call, web identity, TKE;
- ``chain``: ChainCredentials, default_credentials;
- ``assume_role``: AssumeRoleCredentials (its default base is the chain).

Importing this package loads ``types``, ``local`` and ``chain`` only, and
neither asyncio nor httpx: the other modules load when one of their names
is first used (a client given its keys never loads them), and the async
methods and the providers that make HTTP requests import asyncio and httpx
when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import CredentialsError, SDKError
from .chain import ChainCredentials, default_credentials
from .local import EnvironmentCredentials, ProfileCredentials, StaticCredentials
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
    resolve,
    resolve_async,
)

if TYPE_CHECKING:  # loaded on first use, see __getattr__
    from .assume_role import AssumeRoleCredentials
    from .cvm import (
        METADATA_DEADLINE,
        METADATA_ENDPOINT,
        METADATA_MISS_TTL,
        METADATA_TIMEOUT,
        CVMRoleCredentials,
    )
    from .flow import MAX_ANSWER, MAX_FILE
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
    "resolve",
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


# Name -> the module of this package that holds it, imported on first use.
_LAZY = {
    "AssumeRoleCredentials": "assume_role",
    "RefreshingCredentials": "refreshing",
    "MAX_ANSWER": "flow",
    "MAX_FILE": "flow",
    "PROFILE_FILES": "local",
    "DEFAULT_PROFILE_FILE": "local",
    **dict.fromkeys(
        (
            "CVMRoleCredentials",
            "METADATA_DEADLINE",
            "METADATA_ENDPOINT",
            "METADATA_MISS_TTL",
            "METADATA_TIMEOUT",
        ),
        "cvm",
    ),
    **dict.fromkeys(
        (
            "WebIdentityCredentials",
            "TKEOIDCCredentials",
            "MAX_DURATION",
            "STS_DEADLINE",
            "STS_ENDPOINT",
            "STS_REGION",
            "STS_SERVICE",
            "STS_TIMEOUT",
            "STS_VERSION",
        ),
        "sts",
    ),
}
_MODULES = (
    "answers",
    "assume_role",
    "chain",
    "cvm",
    "flow",
    "local",
    "refreshing",
    "sts",
    "types",
)


def __getattr__(name: str) -> Any:
    import importlib

    if name in _MODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
