"""Where API keys come from: explicit values, the environment, a profile file,
the CAM role of a CVM instance, STS (AssumeRole, or a TKE pod's OIDC token),
or any provider that refreshes temporary keys before they expire.

Every provider works for sync and async clients: ``get_credentials`` may block
on I/O, ``get_credentials_async`` never blocks the event loop. A secret key, a
session token or a web identity token is kept out of every repr, log line and
exception message.

Importing this module imports neither asyncio nor httpx: the async methods
and the providers that make HTTP requests import them when first used.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from .exceptions import CredentialsError, SDKError

if TYPE_CHECKING:
    import asyncio
    from pathlib import Path

    import httpx

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
]

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

# PROFILE_FILES: looked at in this order when neither a path nor
# TENCENTCLOUD_CREDENTIALS_FILE is given; DEFAULT_PROFILE_FILE is the first.
# Both are Paths made on first access (see __getattr__), so that importing
# this module does not import pathlib.
_PROFILE_FILES = ("~/.tencentcloud/credentials", "/etc/tencentcloud/credentials")
METADATA_ENDPOINT = "http://metadata.tencentyun.com/latest/meta-data/"
METADATA_TIMEOUT = 1.0
# How long "no metadata service here" (or "no role bound") is believed.
METADATA_MISS_TTL = 300.0
STS_ENDPOINT = "sts.tencentcloudapi.com"
STS_SERVICE = "sts"
STS_VERSION = "2018-08-13"
STS_REGION = "ap-guangzhou"
STS_TIMEOUT = 10.0
MAX_DURATION = 43200


def __getattr__(name: str) -> Any:
    if name in ("PROFILE_FILES", "DEFAULT_PROFILE_FILE"):
        from pathlib import Path

        files = tuple(Path(p) for p in _PROFILE_FILES)
        return files if name == "PROFILE_FILES" else files[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    client calls ``get_credentials_async`` instead when a provider has one,
    and otherwise runs ``get_credentials`` in a worker thread.
    """

    def get_credentials(self) -> Credentials: ...


async def resolve_async(provider: CredentialsProvider) -> Credentials:
    """A provider's credentials without blocking the event loop."""
    getter = getattr(provider, "get_credentials_async", None)
    if getter is not None:
        found = await getter()
        if not isinstance(found, Credentials):
            raise CredentialsError(
                f"{type(provider).__name__}.get_credentials_async did not return Credentials"
            )
        return found
    import asyncio

    return await asyncio.to_thread(provider.get_credentials)


class _LoopLocks:
    """One asyncio.Lock per event loop (a lock belongs to one loop), made on first async use."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: (
            weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] | None
        ) = None

    def get(self) -> asyncio.Lock:
        import asyncio

        loop = asyncio.get_running_loop()
        with self._guard:
            if self._locks is None:
                self._locks = weakref.WeakKeyDictionary()
            lock = self._locks.get(loop)
            if lock is None:
                lock = self._locks[loop] = asyncio.Lock()
            return lock


class StaticCredentials:
    """Fixed credentials given in code."""

    def __init__(
        self, secret_id: str, secret_key: str, token: str | None = None
    ) -> None:
        if not secret_id or not secret_key:
            raise CredentialsError(
                "explicit credentials need both a secret id and a secret key"
            )
        self._credentials = Credentials(secret_id, secret_key, token)

    def get_credentials(self) -> Credentials:
        return self._credentials

    async def get_credentials_async(self) -> Credentials:
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
        return Credentials(
            secret_id, secret_key, self._environ.get(ENV_SESSION_TOKEN) or None
        )

    async def get_credentials_async(self) -> Credentials:
        return self.get_credentials()

    def __repr__(self) -> str:
        return "EnvironmentCredentials()"


class ProfileCredentials:
    """A section of the credentials file Tencent Cloud's tools use.

    The file is ``path`` when given, else the one named by
    TENCENTCLOUD_CREDENTIALS_FILE, else the first that exists of
    ``~/.tencentcloud/credentials`` and ``/etc/tencentcloud/credentials``.
    It is an INI file with one section per profile holding ``secret_id``,
    ``secret_key`` and optionally ``token``. The profile is ``default``
    unless given or set in TENCENTCLOUD_PROFILE.

    The file is read once, at the first call; the answer (keys or the
    reason there are none) is kept. Make a new provider to read it again.
    """

    def __init__(
        self,
        profile: str | None = None,
        path: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.profile = profile or env.get(ENV_PROFILE) or "default"
        chosen = path or env.get(ENV_CREDENTIALS_FILE)
        from pathlib import Path

        # PROFILE_FILES as set on this module (tests do), else the defaults.
        listed = (chosen,) if chosen else globals().get("PROFILE_FILES", _PROFILE_FILES)
        self.paths = tuple(Path(p).expanduser() for p in listed)
        self.description = f"profile [{self.profile}] in " + " or ".join(
            str(p) for p in self.paths
        )
        self._answer: Credentials | str | None = None
        self._lock = threading.Lock()

    def get_credentials(self) -> Credentials:
        answer = self._answer
        if answer is None:
            with self._lock:
                if self._answer is None:
                    self._answer = self._read()
                answer = self._answer
        if isinstance(answer, str):
            raise CredentialsError(answer)
        return answer

    async def get_credentials_async(self) -> Credentials:
        if self._answer is None:
            import asyncio

            return await asyncio.to_thread(self.get_credentials)
        return self.get_credentials()

    def _read(self) -> Credentials | str:
        """The keys, or why there are none."""
        path = next((p for p in self.paths if p.exists()), None)
        if path is None:
            return f"{self.description}: file not found"
        where = f"profile [{self.profile}] in {path}"
        import configparser  # only a profile file needs it

        parser = configparser.ConfigParser(interpolation=None)
        try:
            with open(path, encoding="utf-8") as handle:
                parser.read_file(handle)
        except (OSError, configparser.Error, UnicodeDecodeError) as exc:
            # Not str(exc): a parse error quotes the offending line.
            return f"{where}: unreadable ({type(exc).__name__})"
        if not parser.has_section(self.profile):
            return f"{where}: no such profile"
        section = parser[self.profile]
        secret_id = _unquoted(section.get("secret_id", ""))
        secret_key = _unquoted(section.get("secret_key", ""))
        if not secret_id or not secret_key:
            return f"{where}: secret_id and secret_key are not both set"
        return Credentials(
            secret_id, secret_key, _unquoted(section.get("token", "")) or None
        )

    def __repr__(self) -> str:
        return f"ProfileCredentials(profile={self.profile!r}, paths={[str(p) for p in self.paths]!r})"


def _unquoted(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return value


class RefreshingCredentials:
    """Temporary credentials fetched by ``fetch`` and renewed before they expire.

    ``fetch`` returns :class:`Credentials` with ``expires_at`` set. They are
    renewed once fewer than ``margin`` seconds remain (or half their
    lifetime, when that is shorter). One caller renews while the others keep
    using the current credentials, or wait when there are none yet. When a
    renewal fails while the current credentials are still valid, they are
    kept and used, a warning is logged, and renewal is tried again after
    ``retry_interval`` seconds.

    ``fetch_async``, when given, is used by async clients so that renewing
    never blocks the loop; without it, async clients run ``fetch`` in a
    worker thread. ``clock`` gives the Unix time.
    """

    def __init__(
        self,
        fetch: Callable[[], Credentials],
        *,
        fetch_async: Callable[[], Awaitable[Credentials]] | None = None,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        retry_interval: float = 10.0,
    ) -> None:
        self._fetch = fetch
        self._fetch_async = fetch_async
        self._margin = margin
        self._clock = clock
        self._retry_interval = retry_interval
        self._current: Credentials | None = None
        self._fetched_at = 0.0
        self._retry_at = 0.0
        self._lock = threading.Lock()
        self._loop_locks = _LoopLocks()

    def _usable(self) -> Credentials | None:
        """The current credentials when no renewal is due."""
        current = self._current
        if current is None:
            return None
        expires = current.expires_at
        if expires is None:
            return current
        now = self._clock()
        margin = min(self._margin, max(0.0, (expires - self._fetched_at) / 2))
        if now < expires - margin:
            return current
        if now < self._retry_at and now < expires:
            return current  # a renewal failed moments ago
        return None

    def _valid(self) -> Credentials | None:
        """The current credentials while they have not expired."""
        current = self._current
        if current is None:
            return None
        if current.expires_at is not None and current.expires_at <= self._clock():
            return None
        return current

    def _store(self, fetched: object) -> Credentials:
        if not isinstance(fetched, Credentials):
            raise CredentialsError(
                f"{self!r}: the refresh function did not return Credentials"
            )
        self._current = fetched
        self._fetched_at = self._clock()
        self._retry_at = 0.0
        return fetched

    def _kept_after(self, error: Exception) -> Credentials | None:
        """After a failed renewal: the current credentials if still valid."""
        valid = self._valid()
        if valid is None:
            return None
        now = self._clock()
        self._retry_at = now + self._retry_interval
        # Only our own messages are logged; they carry no secret.
        reason = (
            f"{type(error).__name__}: {error}"
            if isinstance(error, SDKError)
            else type(error).__name__
        )
        remaining = (
            ""
            if valid.expires_at is None
            else f", valid {valid.expires_at - now:.0f} s more"
        )
        import logging  # only a failed renewal is logged

        logging.getLogger(__name__).warning(
            "%r: renewing credentials failed (%s); using the current ones%s",
            self,
            reason,
            remaining,
        )
        return valid

    def get_credentials(self) -> Credentials:
        usable = self._usable()
        if usable is not None:
            return usable
        if not self._lock.acquire(blocking=False):
            # Someone is renewing: keep using what is still valid meanwhile.
            valid = self._valid()
            if valid is not None:
                return valid
            self._lock.acquire()
        try:
            usable = self._usable()
            if usable is not None:
                return usable
            try:
                return self._store(self._fetch())
            except Exception as exc:
                kept = self._kept_after(exc)
                if kept is None:
                    raise
                return kept
        finally:
            self._lock.release()

    async def get_credentials_async(self) -> Credentials:
        usable = self._usable()
        if usable is not None:
            return usable
        lock = self._loop_locks.get()
        if lock.locked():
            valid = self._valid()
            if valid is not None:
                return valid
        async with lock:
            usable = self._usable()
            if usable is not None:
                return usable
            if self._fetch_async is None:
                import asyncio

                # The thread lock makes sync callers and this one take turns.
                return await asyncio.to_thread(self.get_credentials)
            try:
                return self._store(await self._fetch_async())
            except Exception as exc:
                kept = self._kept_after(exc)
                if kept is None:
                    raise
                return kept

    def __repr__(self) -> str:
        return "RefreshingCredentials()"


# The CAM role of a CVM instance.

# Metadata base URL -> (monotonic time, reason) of its last negative answer.
_metadata_misses: dict[str, tuple[float, str]] = {}
_metadata_lock = threading.Lock()


def _metadata_base(url: str) -> str:
    """``http://host[:port]/latest/meta-data/`` from a full base URL or a bare address."""
    import urllib.parse

    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    parts = urllib.parse.urlsplit(url)
    path = parts.path if parts.path not in ("", "/") else "/latest/meta-data/"
    if not path.endswith("/"):
        path += "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class CVMRoleCredentials(RefreshingCredentials):
    """Temporary keys of the CAM role bound to this CVM instance.

    They come from the instance metadata service: the role name is listed at
    ``<endpoint>cam/security-credentials/`` (unless ``role_name`` is given)
    and its keys are read at ``<endpoint>cam/security-credentials/<role>``.
    ``endpoint`` defaults to TENCENTCLOUD_METADATA_ENDPOINT, else
    ``http://metadata.tencentyun.com/latest/meta-data/``; a bare address
    such as ``http://127.0.0.1:8080`` gets the ``/latest/meta-data/`` path.

    Every request has a short ``timeout``. When the service cannot be reached
    or lists no role, that answer is remembered for METADATA_MISS_TTL
    seconds (for every provider using the same endpoint) and later calls
    fail at once, so a chain passes over this link quickly off CVM.
    """

    def __init__(
        self,
        role_name: str | None = None,
        *,
        endpoint: str | None = None,
        timeout: float = METADATA_TIMEOUT,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.endpoint = _metadata_base(
            endpoint or env.get(ENV_METADATA_ENDPOINT) or METADATA_ENDPOINT
        )
        self.role_name = role_name or None
        self._role_given = bool(role_name)
        self._timeout = timeout
        self.description = (
            f"CVM role from the instance metadata service at {self.endpoint}"
        )
        super().__init__(
            self._fetch_sync,
            fetch_async=self._fetch_from_loop,
            margin=margin,
            clock=clock,
        )

    @property
    def _list_url(self) -> str:
        return self.endpoint + "cam/security-credentials/"

    def _role_url(self, role: str) -> str:
        import urllib.parse

        return self._list_url + urllib.parse.quote(role, safe="")

    def _remembered_miss(self) -> None:
        with _metadata_lock:
            miss = _metadata_misses.get(self.endpoint)
        if miss is not None:
            seen, reason = miss
            ago = time.monotonic() - seen
            if ago < METADATA_MISS_TTL:
                raise CredentialsError(
                    f"{self.description}: {reason} (found {ago:.0f} s ago)"
                )

    def _miss(self, reason: str) -> CredentialsError:
        with _metadata_lock:
            _metadata_misses[self.endpoint] = (time.monotonic(), reason)
        return CredentialsError(f"{self.description}: {reason}")

    def _after_listing(self, answer: httpx.Response | Exception) -> str:
        """The role name from the listing, or the error (remembered when negative)."""
        if isinstance(answer, Exception):
            raise self._miss(f"not reachable ({type(answer).__name__})")
        if answer.status_code == 404:
            raise self._miss("no CAM role is bound to this instance (HTTP 404)")
        if answer.status_code != 200:
            raise CredentialsError(
                f"{self.description}: listing the role answered HTTP {answer.status_code}"
            )
        names = [line.strip() for line in answer.text.splitlines() if line.strip()]
        if not names:
            raise self._miss("no CAM role is bound to this instance")
        self.role_name = names[0]
        return names[0]

    def _after_reading(
        self, role: str, answer: httpx.Response | Exception
    ) -> Credentials:
        where = f"{self.description}, role {role!r}"
        if isinstance(answer, Exception):
            raise CredentialsError(f"{where}: not reachable ({type(answer).__name__})")
        if answer.status_code != 200:
            if answer.status_code == 404 and not self._role_given:
                self.role_name = (
                    None  # the role was unbound or replaced: list again next time
                )
            raise CredentialsError(
                f"{where}: reading the keys answered HTTP {answer.status_code}"
            )
        try:
            import json

            data = json.loads(answer.content)
        except ValueError:
            raise CredentialsError(f"{where}: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise CredentialsError(f"{where}: the answer is not a JSON object")
        code = data.get("Code")
        if code != "Success":
            raise CredentialsError(
                f"{where}: the answer has Code {str(code)[:40]!r}, not 'Success'"
            )
        return _temporary_keys(data, _expiry(data, where), where)

    def _fetch_sync(self) -> Credentials:
        import httpx

        role = self.role_name
        if role is None:
            self._remembered_miss()
        with httpx.Client(timeout=self._timeout, trust_env=False) as http:
            if role is None:
                role = self._after_listing(_get(http, self._list_url))
            return self._after_reading(role, _get(http, self._role_url(role)))

    async def _fetch_from_loop(self) -> Credentials:
        import httpx

        role = self.role_name
        if role is None:
            self._remembered_miss()
        async with httpx.AsyncClient(timeout=self._timeout, trust_env=False) as http:
            if role is None:
                role = self._after_listing(await _get_async(http, self._list_url))
            return self._after_reading(
                role, await _get_async(http, self._role_url(role))
            )

    def __repr__(self) -> str:
        return f"CVMRoleCredentials(role_name={self.role_name!r}, endpoint={self.endpoint!r})"


def _get(http: httpx.Client, url: str) -> httpx.Response | Exception:
    import httpx

    try:
        return http.get(url)
    except httpx.HTTPError as exc:
        return exc


async def _get_async(http: httpx.AsyncClient, url: str) -> httpx.Response | Exception:
    import httpx

    try:
        return await http.get(url)
    except httpx.HTTPError as exc:
        return exc


def _expiry(answer: Mapping[str, Any], where: str) -> float:
    """The Unix time in ExpiredTime, else in Expiration (ISO 8601)."""
    value = answer.get("ExpiredTime")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    text = answer.get("Expiration")
    if isinstance(text, str) and text:
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return when.timestamp()
    raise CredentialsError(
        f"{where}: the answer has no usable ExpiredTime or Expiration"
    )


def _temporary_keys(source: Any, expires_at: float, where: str) -> Credentials:
    """Credentials from an object with TmpSecretId, TmpSecretKey and Token."""
    names = ("TmpSecretId", "TmpSecretKey", "Token")
    found: dict[str, str] = {}
    for name in names:
        value = source.get(name) if isinstance(source, Mapping) else None
        if isinstance(value, str) and value:
            found[name] = value
    missing = [name for name in names if name not in found]
    if missing:
        raise CredentialsError(f"{where}: the answer lacks {', '.join(missing)}")
    return Credentials(
        found["TmpSecretId"],
        found["TmpSecretKey"],
        found["Token"],
        expires_at=expires_at,
    )


# STS: AssumeRole and AssumeRoleWithWebIdentity.


def _session_name() -> str:
    return f"tcsdk-{time.time_ns() // 1000}"


def _checked_duration(duration: int) -> int:
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int)
        or not 0 < duration <= MAX_DURATION
    ):
        raise ValueError(
            f"duration must be a number of seconds from 1 to {MAX_DURATION}, not {duration!r}"
        )
    return duration


def _scrubbed(text: str, secrets: Sequence[str | None]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<hidden>")
    return text


def _sts_failure(
    where: str, error: Exception, secrets: Sequence[str | None] = ()
) -> CredentialsError:
    """A CredentialsError for a failed STS call, without any secret in it."""
    return CredentialsError(
        _scrubbed(f"{where}: {type(error).__name__}: {error}", secrets)
    )


def _sts_credentials(answer: Mapping[str, Any], where: str) -> Credentials:
    return _temporary_keys(answer.get("Credentials"), _expiry(answer, where), where)


class AssumeRoleCredentials(RefreshingCredentials):
    """Temporary keys of a CAM role, from STS ``AssumeRole``.

    The STS call is signed with ``base``: any provider or Credentials (the
    default chain when omitted), so roles can be assumed on top of a
    profile, a CVM role or another assumed role. ``duration`` is the
    lifetime asked for (1 to 43200 s), ``policy`` an optional policy (JSON
    text or a dict) that narrows the role's permissions, sent URL-encoded as
    the API requires, and ``external_id`` the role's external ID when its
    trust policy asks for one. ``endpoint`` defaults to
    TENCENTCLOUD_STS_ENDPOINT, else ``sts.tencentcloudapi.com``.
    ``client_options`` go to the :class:`CommonClient` that makes the call
    (``retry``, ``proxy``, ``verify``, ...).
    """

    action = "AssumeRole"

    def __init__(
        self,
        role_arn: str,
        session_name: str | None = None,
        *,
        base: CredentialsProvider | Credentials | None = None,
        duration: int = 7200,
        policy: str | Mapping[str, Any] | None = None,
        external_id: str | None = None,
        region: str = STS_REGION,
        endpoint: str | None = None,
        timeout: float = STS_TIMEOUT,
        client_options: Mapping[str, Any] | None = None,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if not role_arn:
            raise ValueError("AssumeRole needs a role ARN")
        env = os.environ if environ is None else environ
        self.role_arn = role_arn
        self.session_name = session_name or _session_name()
        self.duration = _checked_duration(duration)
        if isinstance(policy, Mapping):
            import json

            policy = json.dumps(policy, separators=(",", ":"))
        self.policy = policy or None
        self._external_id = external_id or None
        self.region = region
        self.endpoint = endpoint or env.get(ENV_STS_ENDPOINT) or STS_ENDPOINT
        self._base = default_credentials() if base is None else base
        self._options: dict[str, Any] = {
            "region": region,
            "endpoint": self.endpoint,
            "timeout": timeout,
        }
        self._options.update(client_options or {})
        self.description = f"STS AssumeRole of {role_arn} at {self.endpoint}"
        super().__init__(
            self._fetch_sync,
            fetch_async=self._fetch_from_loop,
            margin=margin,
            clock=clock,
        )

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "RoleArn": self.role_arn,
            "RoleSessionName": self.session_name,
            "DurationSeconds": self.duration,
        }
        if self.policy:
            import urllib.parse

            params["Policy"] = urllib.parse.quote(self.policy, safe="")
        if self._external_id:
            params["ExternalId"] = self._external_id
        return params

    def _secrets(self) -> list[str | None]:
        base = self._base
        key = base.secret_key if isinstance(base, Credentials) else None
        return [key, self._external_id]

    def _fetch_sync(self) -> Credentials:
        from .client import CommonClient

        try:
            with CommonClient(
                STS_SERVICE, STS_VERSION, self._base, **self._options
            ) as sts:
                answer = sts.call(self.action, self._params(), read_only=True)
        except SDKError as exc:
            raise _sts_failure(self.description, exc, self._secrets()) from None
        return _sts_credentials(answer, self.description)

    async def _fetch_from_loop(self) -> Credentials:
        from .aio import AsyncCommonClient

        try:
            async with AsyncCommonClient(
                STS_SERVICE, STS_VERSION, self._base, **self._options
            ) as sts:
                answer = await sts.call(self.action, self._params(), read_only=True)
        except SDKError as exc:
            raise _sts_failure(self.description, exc, self._secrets()) from None
        return _sts_credentials(answer, self.description)

    def __repr__(self) -> str:
        return f"AssumeRoleCredentials(role_arn={self.role_arn!r}, session_name={self.session_name!r})"


class _WebIdentity:
    """What one AssumeRoleWithWebIdentity call needs (the token stays out of the repr)."""

    __slots__ = ("region", "provider_id", "role_arn", "token")

    def __init__(
        self, region: str, provider_id: str, role_arn: str, token: str
    ) -> None:
        self.region = region
        self.provider_id = provider_id
        self.role_arn = role_arn
        self.token = token


class WebIdentityCredentials(RefreshingCredentials):
    """Temporary keys for an OIDC identity: STS ``AssumeRoleWithWebIdentity``.

    The identity provider ``provider_id`` (as registered in CAM) issued a
    token, given as ``token`` or, better, as ``token_file``: the file is
    read again at every renewal, so a rotated token is picked up. The call
    is not signed with keys (the token is the proof): like Tencent's SDKs it
    is sent with ``Authorization: SKIP``.
    """

    action = "AssumeRoleWithWebIdentity"

    def __init__(
        self,
        role_arn: str,
        provider_id: str,
        *,
        token_file: str | os.PathLike[str] | None = None,
        token: str | None = None,
        region: str = STS_REGION,
        session_name: str | None = None,
        duration: int = 7200,
        endpoint: str | None = None,
        timeout: float = STS_TIMEOUT,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if (token_file is None) == (token is None):
            raise ValueError("give exactly one of token_file and token")
        env = os.environ if environ is None else environ
        self.role_arn = role_arn
        self.provider_id = provider_id
        from pathlib import Path

        self.token_file = Path(token_file) if token_file is not None else None
        self._token = token
        self.region = region
        self._setup(env, session_name, duration, endpoint, timeout, margin, clock)
        self.description = (
            f"STS AssumeRoleWithWebIdentity of {role_arn} at {self.endpoint}"
        )

    def _setup(
        self,
        env: Mapping[str, str],
        session_name: str | None,
        duration: int,
        endpoint: str | None,
        timeout: float,
        margin: float,
        clock: Callable[[], float],
    ) -> None:
        self.session_name = session_name or _session_name()
        self.duration = _checked_duration(duration)
        self.endpoint = endpoint or env.get(ENV_STS_ENDPOINT) or STS_ENDPOINT
        self._timeout = timeout
        RefreshingCredentials.__init__(
            self,
            self._fetch_sync,
            fetch_async=self._fetch_from_loop,
            margin=margin,
            clock=clock,
        )

    def _check(self) -> None:
        """Fail at once, without I/O, when the provider cannot apply."""

    def _identity(self) -> _WebIdentity:
        """The call's settings; reads the token file (blocking I/O)."""
        if self.token_file is not None:
            token = _read_token(self.token_file, self.description)
        else:
            token = self._token or ""
        return _WebIdentity(self.region, self.provider_id, self.role_arn, token)

    def _request(self, identity: _WebIdentity) -> httpx.Request:
        import json

        import httpx

        url = httpx.URL(
            self.endpoint if "://" in self.endpoint else f"https://{self.endpoint}"
        )
        params = {
            "ProviderId": identity.provider_id,
            "WebIdentityToken": identity.token,
            "RoleArn": identity.role_arn,
            "RoleSessionName": self.session_name,
            "DurationSeconds": self.duration,
        }
        headers = {
            "Content-Type": "application/json",
            "Host": url.netloc.decode("ascii"),
            "X-TC-Action": self.action,
            "X-TC-Version": STS_VERSION,
            "X-TC-Timestamp": str(int(time.time())),
            "X-TC-Region": identity.region,
            "Authorization": "SKIP",
        }
        return httpx.Request(
            "POST",
            url.copy_with(path="/", query=None, fragment=None),
            headers=headers,
            content=json.dumps(params).encode("utf-8"),
        )

    def _read_answer(
        self, answer: httpx.Response | Exception, token: str
    ) -> Credentials:
        where = self.description
        if isinstance(answer, Exception):
            raise _sts_failure(where, answer, [token])
        try:
            import json

            body = json.loads(answer.content)
            inner = body["Response"]
            if not isinstance(inner, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise CredentialsError(
                f"{where}: HTTP {answer.status_code} without a Response object"
            ) from None
        error = inner.get("Error")
        if isinstance(error, dict):
            text = f"{where}: [{error.get('Code')}] {error.get('Message', '')} (request id {inner.get('RequestId')})"
            raise CredentialsError(_scrubbed(text, [token]))
        if answer.status_code != 200:
            raise CredentialsError(f"{where}: HTTP {answer.status_code}")
        return _sts_credentials(inner, where)

    def _fetch_sync(self) -> Credentials:
        import httpx

        self._check()
        identity = self._identity()
        with httpx.Client(timeout=self._timeout) as http:
            try:
                answer: httpx.Response | Exception = http.send(self._request(identity))
            except httpx.HTTPError as exc:
                answer = exc
        return self._read_answer(answer, identity.token)

    async def _fetch_from_loop(self) -> Credentials:
        import httpx

        self._check()
        import asyncio

        identity = await asyncio.to_thread(self._identity)
        async with httpx.AsyncClient(timeout=self._timeout) as http:
            try:
                answer: httpx.Response | Exception = await http.send(
                    self._request(identity)
                )
            except httpx.HTTPError as exc:
                answer = exc
        return self._read_answer(answer, identity.token)

    def __repr__(self) -> str:
        token_file = None if self.token_file is None else str(self.token_file)
        return (
            f"{type(self).__name__}(role_arn={self.role_arn!r}, provider_id={self.provider_id!r}, "
            f"token_file={token_file!r})"
        )


def _read_token(path: Path, where: str) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(
            f"{where}: cannot read the token file {path} ({type(exc).__name__})"
        ) from None
    if not token:
        raise CredentialsError(f"{where}: the token file {path} is empty")
    return token


class TKEOIDCCredentials(WebIdentityCredentials):
    """The web identity of a TKE pod, configured by TKE's environment variables.

    TKE_REGION, TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE and TKE_ROLE_ARN
    (the ones Tencent's SDKs read) are read at every renewal, and so is the
    token file. When they are not all set, the provider fails at once.
    """

    variables = (
        ENV_TKE_REGION,
        ENV_TKE_PROVIDER_ID,
        ENV_TKE_TOKEN_FILE,
        ENV_TKE_ROLE_ARN,
    )

    def __init__(
        self,
        *,
        session_name: str | None = None,
        duration: int = 7200,
        endpoint: str | None = None,
        timeout: float = STS_TIMEOUT,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self.role_arn = self._environ.get(ENV_TKE_ROLE_ARN, "")
        self.provider_id = self._environ.get(ENV_TKE_PROVIDER_ID, "")
        self.token_file = None
        self._token = None
        self.region = self._environ.get(ENV_TKE_REGION, "")
        self._setup(
            self._environ, session_name, duration, endpoint, timeout, margin, clock
        )
        self.description = (
            "TKE OIDC (environment variables " + ", ".join(self.variables) + ")"
        )

    def _values(self) -> dict[str, str]:
        values = {name: self._environ.get(name, "").strip() for name in self.variables}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise CredentialsError(f"{self.description}: {', '.join(missing)} not set")
        return values

    def _check(self) -> None:
        self._values()

    def _identity(self) -> _WebIdentity:
        values = self._values()
        self.role_arn = values[ENV_TKE_ROLE_ARN]
        self.provider_id = values[ENV_TKE_PROVIDER_ID]
        self.region = values[ENV_TKE_REGION]
        from pathlib import Path

        self.token_file = Path(values[ENV_TKE_TOKEN_FILE])
        token = _read_token(self.token_file, self.description)
        return _WebIdentity(self.region, self.provider_id, self.role_arn, token)


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
            return chosen.get_credentials()
        with self._lock:
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
    environment, profile = EnvironmentCredentials(), ProfileCredentials()
    return ChainCredentials(
        [environment, profile, CVMRoleCredentials(), TKEOIDCCredentials()]
    )
