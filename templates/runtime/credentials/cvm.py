"""The CAM role of a CVM instance: :class:`CVMRoleCredentials`, whose keys
come from the instance metadata service, fetched by one sans-IO flow that
the sync and async drivers both run.

Imports the standard library and ``..exceptions``, ``.types``, ``.flow``,
``.refreshing``, ``.answers``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping

from ..exceptions import CredentialsError
from ..redaction import scrubbed_excerpt
from .answers import expiry, json_object, temporary_keys
from .flow import Flow, HTTPSettings, Reply, Send, checked_url, run_sync
from .refreshing import RefreshingCredentials
from .types import ENV_METADATA_ENDPOINT, Credentials

__all__ = ["CVMRoleCredentials"]

METADATA_ENDPOINT = "http://metadata.tencentyun.com/latest/meta-data/"
METADATA_TIMEOUT = 1.0
# The whole fetch (listing the role and reading its keys) ends within this.
METADATA_DEADLINE = 2.0
# How long "no metadata service here" (or "no role bound") is believed.
METADATA_MISS_TTL = 300.0

# Metadata base URL -> (monotonic time, reason) of its last negative answer.
_metadata_misses: dict[str, tuple[float, str]] = {}
_metadata_lock = threading.Lock()


def _metadata_base(url: str) -> str:
    """``http://host[:port]/latest/meta-data/`` from a full base URL or a bare address."""
    scheme, netloc, path = checked_url(url, "metadata endpoint", path=True)
    if path in ("", "/"):
        path = "/latest/meta-data/"
    if not path.endswith("/"):
        path += "/"
    return f"{scheme}://{netloc}{path}"


class CVMRoleCredentials(RefreshingCredentials):
    """Temporary keys of the CAM role bound to this CVM instance.

    They come from the instance metadata service: the role name is listed at
    ``<endpoint>cam/security-credentials/`` (unless ``role_name`` is given)
    and its keys are read at ``<endpoint>cam/security-credentials/<role>``.
    ``endpoint`` defaults to TENCENTCLOUD_METADATA_ENDPOINT, else
    ``http://metadata.tencentyun.com/latest/meta-data/``; a bare address
    such as ``http://127.0.0.1:8080`` gets the ``/latest/meta-data/`` path.

    Every read has a short ``timeout``, and a whole fetch ends within
    ``deadline`` seconds, however slowly the service answers. When the
    service cannot be reached or lists no role, that answer is remembered
    for METADATA_MISS_TTL seconds (for every provider using the same
    endpoint) and later calls fail at once, so a chain passes over this link
    quickly off CVM.
    """

    def __init__(
        self,
        role_name: str | None = None,
        *,
        endpoint: str | None = None,
        timeout: float = METADATA_TIMEOUT,
        deadline: float = METADATA_DEADLINE,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
        backoff: float = 1.0,
    ) -> None:
        env = os.environ if environ is None else environ
        self.endpoint = _metadata_base(
            endpoint or env.get(ENV_METADATA_ENDPOINT) or METADATA_ENDPOINT
        )
        self.role_name = role_name or None
        self._role_given = bool(role_name)
        self._http = HTTPSettings(timeout, deadline, {"trust_env": False})
        self.description = (
            f"CVM role from the instance metadata service at {self.endpoint}"
        )
        super().__init__(self._blocking, margin=margin, clock=clock, backoff=backoff)

    def _blocking(self) -> Credentials:
        return run_sync(self._flow(), self._http, self.description)

    @property
    def _list_url(self) -> str:
        return self.endpoint + "cam/security-credentials/"

    def _role_url(self, role: str) -> str:
        import urllib.parse

        return self._list_url + urllib.parse.quote(role, safe="")

    def _flow(self) -> Flow[Credentials]:
        role = self.role_name
        if role is None:
            self._remembered_miss()
            role = self._after_listing((yield Send("GET", self._list_url)))
        reply: Reply = yield Send("GET", self._role_url(role))
        return self._after_reading(role, reply)

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

    def _after_listing(self, answer: Reply) -> str:
        """The role name from the listing, or the error (remembered when negative)."""
        if answer.failure:
            raise self._miss(answer.failure)
        if answer.status == 404:
            raise self._miss("no CAM role is bound to this instance (HTTP 404)")
        if answer.status != 200:
            raise CredentialsError(
                f"{self.description}: listing the role answered HTTP {answer.status}"
            )
        text = answer.body.decode("utf-8", "replace")
        names = [line.strip() for line in text.splitlines() if line.strip()]
        if not names:
            raise self._miss("no CAM role is bound to this instance")
        self.role_name = names[0]
        return names[0]

    def _after_reading(self, role: str, answer: Reply) -> Credentials:
        where = f"{self.description}, role {role!r}"
        if answer.failure:
            raise CredentialsError(f"{where}: {answer.failure}")
        if answer.status != 200:
            if answer.status == 404 and not self._role_given:
                # The role was unbound or replaced: list again next time.
                self.role_name = None
            raise CredentialsError(
                f"{where}: reading the keys answered HTTP {answer.status}"
            )
        data = json_object(answer.body, where)
        code = data.get("Code")
        if code != "Success":
            raise CredentialsError(
                f"{where}: the answer has Code {scrubbed_excerpt(str(code), 40)!r}, not 'Success'"
            )
        return temporary_keys(data, expiry(data, where), where)

    def __repr__(self) -> str:
        return (
            f"CVMRoleCredentials(role_name={self.role_name!r}, "
            f"endpoint={self.endpoint!r})"
        )
