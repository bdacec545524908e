"""Credentials found without the network: given in code
(:class:`StaticCredentials`), in the environment (:class:`EnvironmentCredentials`)
or in a profile file (:class:`ProfileCredentials`).

Imports the standard library and ``..exceptions``, ``.types``; ``.flow``
(bounded reads of regular files), configparser, pathlib and asyncio only
where used.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from ..exceptions import CredentialsError
from .types import (
    ENV_CREDENTIALS_FILE,
    ENV_PROFILE,
    ENV_SECRET_ID,
    ENV_SECRET_KEY,
    ENV_SESSION_TOKEN,
    Credentials,
)

__all__ = ["StaticCredentials", "EnvironmentCredentials", "ProfileCredentials"]

# PROFILE_FILES: looked at in this order when neither a path nor
# TENCENTCLOUD_CREDENTIALS_FILE is given; DEFAULT_PROFILE_FILE is the first.
# Both are Paths made on first access (see __getattr__), so that importing
# this module does not import pathlib.
_PROFILE_FILES = ("~/.tencentcloud/credentials", "/etc/tencentcloud/credentials")


def __getattr__(name: str) -> Any:
    if name in ("PROFILE_FILES", "DEFAULT_PROFILE_FILE"):
        from pathlib import Path

        files = tuple(Path(p) for p in _PROFILE_FILES)
        return files if name == "PROFILE_FILES" else files[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    unless given or set in TENCENTCLOUD_PROFILE. Only a regular file of at
    most 64 KiB is read (a FIFO or a device is refused, never waited on).

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
        from .flow import read_small_file

        try:
            text = read_small_file(path, "the file", where)
        except CredentialsError as exc:
            return str(exc)
        import configparser  # only a profile file needs it

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text, str(path))
        except configparser.Error as exc:
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
        paths = [str(p) for p in self.paths]
        return f"ProfileCredentials(profile={self.profile!r}, paths={paths!r})"


def _unquoted(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return value
