"""Where API keys come from: explicit values, the environment, a profile file,
or a provider that refreshes temporary keys before they expire.

A secret key is kept out of every repr, log line and exception message.
"""

from __future__ import annotations

import asyncio
import configparser
import os
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from .errors import CredentialsError

__all__ = [
    "Credentials",
    "CredentialsProvider",
    "StaticCredentials",
    "EnvironmentCredentials",
    "ProfileCredentials",
    "RefreshingCredentials",
    "ChainCredentials",
    "default_credentials",
]

ENV_SECRET_ID = "TENCENTCLOUD_SECRET_ID"
ENV_SECRET_KEY = "TENCENTCLOUD_SECRET_KEY"
ENV_SESSION_TOKEN = "TENCENTCLOUD_SESSION_TOKEN"
ENV_PROFILE = "TENCENTCLOUD_PROFILE"
ENV_CREDENTIALS_FILE = "TENCENTCLOUD_CREDENTIALS_FILE"
DEFAULT_PROFILE_FILE = Path("~") / ".tencentcloud" / "credentials"


@dataclass(frozen=True)
class Credentials:
    """An API key pair, with a session token for temporary keys.

    ``expires_at`` is a Unix time for temporary keys, ``None`` for permanent ones.
    """

    secret_id: str
    secret_key: str = field(repr=False)
    token: str | None = None
    expires_at: float | None = None

    def __repr__(self) -> str:
        token = ", token=<hidden>" if self.token else ""
        return f"Credentials(secret_id={self.secret_id!r}, secret_key=<hidden>{token})"


@runtime_checkable
class CredentialsProvider(Protocol):
    """Anything that can hand out current credentials.

    ``get_credentials`` is called before every attempt, so it must be cheap
    when nothing changed (cache, and refresh only when needed). An async
    client calls ``get_credentials_async`` instead when a provider has one.
    """

    def get_credentials(self) -> Credentials: ...


class StaticCredentials:
    """Fixed credentials given in code."""

    def __init__(self, secret_id: str, secret_key: str, token: str | None = None) -> None:
        if not secret_id or not secret_key:
            raise CredentialsError("explicit credentials need both a secret id and a secret key")
        self._credentials = Credentials(secret_id, secret_key, token)

    def get_credentials(self) -> Credentials:
        return self._credentials

    def __repr__(self) -> str:
        return f"StaticCredentials(secret_id={self._credentials.secret_id!r})"


class EnvironmentCredentials:
    """TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY and TENCENTCLOUD_SESSION_TOKEN."""

    description = f"environment variables {ENV_SECRET_ID} and {ENV_SECRET_KEY}"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def get_credentials(self) -> Credentials:
        secret_id = self._environ.get(ENV_SECRET_ID, "").strip()
        secret_key = self._environ.get(ENV_SECRET_KEY, "").strip()
        if not secret_id or not secret_key:
            raise CredentialsError(f"{self.description} are not both set")
        return Credentials(secret_id, secret_key, self._environ.get(ENV_SESSION_TOKEN) or None)

    def __repr__(self) -> str:
        return "EnvironmentCredentials()"


class ProfileCredentials:
    """A section of the credentials file Tencent Cloud's tools use.

    The file is ``~/.tencentcloud/credentials`` (or TENCENTCLOUD_CREDENTIALS_FILE),
    an INI file with one section per profile holding ``secret_id``,
    ``secret_key`` and optionally ``token``. The profile is ``default`` unless
    given or set in TENCENTCLOUD_PROFILE.
    """

    def __init__(
        self, profile: str | None = None, path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
    ) -> None:
        env = os.environ if environ is None else environ
        self.profile = profile or env.get(ENV_PROFILE) or "default"
        self.path = Path(path or env.get(ENV_CREDENTIALS_FILE) or DEFAULT_PROFILE_FILE).expanduser()
        self.description = f"profile [{self.profile}] in {self.path}"

    def get_credentials(self) -> Credentials:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            with open(self.path, encoding="utf-8") as handle:
                parser.read_file(handle)
        except FileNotFoundError:
            raise CredentialsError(f"{self.description}: file not found") from None
        except (OSError, configparser.Error, UnicodeDecodeError) as exc:
            raise CredentialsError(f"{self.description}: unreadable ({type(exc).__name__})") from None
        if not parser.has_section(self.profile):
            raise CredentialsError(f"{self.description}: no such profile")
        section = parser[self.profile]
        secret_id = section.get("secret_id", "").strip()
        secret_key = section.get("secret_key", "").strip()
        if not secret_id or not secret_key:
            raise CredentialsError(f"{self.description}: secret_id and secret_key are not both set")
        return Credentials(secret_id, secret_key, section.get("token", "").strip() or None)

    def __repr__(self) -> str:
        return f"ProfileCredentials(profile={self.profile!r}, path={str(self.path)!r})"


class RefreshingCredentials:
    """Temporary credentials fetched by ``fetch`` and renewed before they expire.

    ``fetch`` returns :class:`Credentials` with ``expires_at`` set. They are
    renewed once fewer than ``margin`` seconds remain; concurrent callers wait
    for one renewal instead of each starting their own. ``fetch_async``, when
    given, is used by async clients so that renewing never blocks the loop;
    without it, async clients run ``fetch`` in a worker thread.
    """

    def __init__(
        self,
        fetch: Callable[[], Credentials],
        *,
        fetch_async: Callable[[], Awaitable[Credentials]] | None = None,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._fetch_async = fetch_async
        self._margin = margin
        self._clock = clock
        self._current: Credentials | None = None
        self._lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None

    def _fresh(self) -> Credentials | None:
        current = self._current
        if current is None:
            return None
        if current.expires_at is not None and current.expires_at - self._margin <= self._clock():
            return None
        return current

    def get_credentials(self) -> Credentials:
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        with self._lock:
            fresh = self._fresh()
            if fresh is None:
                fresh = self._current = self._checked(self._fetch())
            return fresh

    async def get_credentials_async(self) -> Credentials:
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        if self._async_lock is None:
            self._async_lock = asyncio.Lock()
        async with self._async_lock:
            fresh = self._fresh()
            if fresh is None:
                if self._fetch_async is not None:
                    fetched = await self._fetch_async()
                else:
                    fetched = await asyncio.to_thread(self.get_credentials)
                fresh = self._current = self._checked(fetched)
            return fresh

    @staticmethod
    def _checked(credentials: object) -> Credentials:
        if not isinstance(credentials, Credentials):
            raise CredentialsError("the credentials refresh function did not return Credentials")
        return credentials

    def __repr__(self) -> str:
        return "RefreshingCredentials()"


class ChainCredentials:
    """The first of several providers that has credentials.

    When none has, the error names every place that was looked at.
    """

    def __init__(self, providers: Sequence[CredentialsProvider]) -> None:
        self.providers = list(providers)
        self._chosen: CredentialsProvider | None = None

    def get_credentials(self) -> Credentials:
        if self._chosen is not None:
            return self._chosen.get_credentials()
        reasons = []
        for provider in self.providers:
            try:
                credentials = provider.get_credentials()
            except CredentialsError as exc:
                reasons.append(str(exc))
                continue
            self._chosen = provider
            return credentials
        raise CredentialsError("no credentials found; looked at: " + "; ".join(reasons))

    def __repr__(self) -> str:
        return f"ChainCredentials({self.providers!r})"


def default_credentials(
    secret_id: str | None = None, secret_key: str | None = None, token: str | None = None
) -> CredentialsProvider:
    """Explicit values when given, else the environment, else the profile file."""
    if secret_id or secret_key:
        return StaticCredentials(secret_id or "", secret_key or "", token)
    return ChainCredentials([EnvironmentCredentials(), ProfileCredentials()])
