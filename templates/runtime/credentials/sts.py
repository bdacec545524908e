"""Temporary keys from STS: the call written once (:class:`STSCredentials`:
its request, signed with ``..signing`` or sent unsigned, its attempts and
its answer), and the web identity providers built on it
(:class:`WebIdentityCredentials`, :class:`TKEOIDCCredentials`).
``AssumeRole`` is in ``.assume_role``.

Imports the standard library and ``..exceptions``, ``..redaction``,
``..retry``, ``..signing``, ``.types``, ``.flow``, ``.answers``,
``.refreshing``; json only when a request is made.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator, Mapping
from typing import Any

from .. import redaction
from ..exceptions import CredentialsError
from ..retry import RetryPolicy, is_throttling
from .answers import expiry, json_object, temporary_keys
from .flow import (
    Flow,
    HTTPSettings,
    ReadFile,
    Reply,
    Send,
    Sleep,
    checked_url,
    run_sync,
)
from .refreshing import RefreshingCredentials
from .types import (
    ENV_STS_ENDPOINT,
    ENV_TKE_PROVIDER_ID,
    ENV_TKE_REGION,
    ENV_TKE_ROLE_ARN,
    ENV_TKE_TOKEN_FILE,
    Credentials,
)

__all__ = ["STSCredentials", "WebIdentityCredentials", "TKEOIDCCredentials"]

STS_ENDPOINT = "sts.tencentcloudapi.com"
STS_SERVICE = "sts"
STS_VERSION = "2018-08-13"
STS_REGION = "ap-guangzhou"
STS_TIMEOUT = 10.0
# The whole fetch, every attempt and wait included, ends within this.
STS_DEADLINE = 30.0
MAX_DURATION = 43200
# The longest service message quoted in an error.
_MESSAGE = 500
_CONTENT_TYPE = "application/json"


def _session_name() -> str:
    return f"tcsdk-{time.time_ns() // 1000}"


def _checked_duration(duration: int) -> int:
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int)
        or not 0 < duration <= MAX_DURATION
    ):
        raise ValueError(
            "duration must be a number of seconds from 1 to "
            f"{MAX_DURATION}, not {duration!r}"
        )
    return duration


def sts_request(
    endpoint: tuple[str, str],
    action: str,
    params: Mapping[str, Any],
    region: str,
    keys: Credentials | None,
) -> Send:
    """One STS call: signed with ``keys`` (TC3), or ``Authorization: SKIP``
    when there are none (a web identity token is its own proof)."""
    import json

    scheme, host = endpoint
    body = json.dumps(params).encode("utf-8")
    timestamp = int(time.time())
    headers = {
        "Content-Type": _CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": STS_VERSION,
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Region": region,
    }
    if keys is None:
        headers["Authorization"] = "SKIP"
    else:
        from ..signing import Signer  # hashlib: only when a call is signed

        headers["Authorization"] = Signer(STS_SERVICE).authorization(
            keys.secret_id, keys.secret_key, timestamp, body, _CONTENT_TYPE, host
        )
        if keys.token:
            headers["X-TC-Token"] = keys.token
    return Send("POST", f"{scheme}://{host}/", headers, body)


_OPTIONS = ("retry", "proxy", "verify")


class STSCredentials(RefreshingCredentials):
    """What every STS provider shares: the endpoint, the session, the
    attempts of the call and the reading of its answer. A subclass says
    which ``action`` it calls and yields its parameters and signing keys
    from ``_call``."""

    action = ""

    def __init__(
        self,
        *,
        region: str,
        session_name: str | None,
        duration: int,
        endpoint: str | None,
        timeout: float,
        deadline: float,
        margin: float,
        clock: Callable[[], float],
        environ: Mapping[str, str] | None,
        client_options: Mapping[str, Any] | None = None,
        backoff: float = 1.0,
    ) -> None:
        env = os.environ if environ is None else environ
        self.region = region
        self.session_name = session_name or _session_name()
        self.duration = _checked_duration(duration)
        self.endpoint = endpoint or env.get(ENV_STS_ENDPOINT) or STS_ENDPOINT
        scheme, host, _ = checked_url(self.endpoint, "STS endpoint", path=False)
        self._target = (scheme, host)
        options = dict(client_options or {})
        unknown = sorted(set(options) - set(_OPTIONS))
        if unknown:
            raise ValueError(
                f"client_options: {', '.join(unknown)} not known; "
                f"the STS call takes {', '.join(_OPTIONS)}"
            )
        self._retry: RetryPolicy = options.pop("retry", None) or RetryPolicy()
        if options.get("verify") is False:
            import logging

            logging.getLogger(__package__ or __name__).warning(
                "TLS certificate verification is off for %s: answers can be forged",
                type(self).__name__,
            )
        self._http = HTTPSettings(timeout, deadline, options)
        super().__init__(self._blocking, margin=margin, clock=clock, backoff=backoff)

    def _blocking(self) -> Credentials:
        return run_sync(self._flow(), self._http, self.description)

    def _call(
        self,
    ) -> Generator[Any, Any, tuple[dict[str, Any], Credentials | None]]:
        """The call's parameters and signing keys (None: unsigned)."""
        raise NotImplementedError  # every subclass gives its own

    def _flow(self) -> Flow[Credentials]:
        params, keys = yield from self._call()
        attempt = 1
        while True:
            reply: Reply = yield sts_request(
                self._target, self.action, params, self.region, keys
            )
            if attempt < self._retry.max_attempts and _worth_repeating(reply):
                yield Sleep(self._retry.delay(attempt))
                attempt += 1
                continue
            return self._keys(reply)

    def _keys(self, reply: Reply) -> Credentials:
        where = self.description
        if reply.failure:
            raise CredentialsError(f"{where}: {reply.failure}")
        try:
            inner = json_object(reply.body, where).get("Response")
        except CredentialsError:
            inner = None
        if not isinstance(inner, dict):
            raise CredentialsError(
                f"{where}: HTTP {reply.status} without a Response object"
            )
        error = inner.get("Error")
        if isinstance(error, dict):
            code = redaction.scrubbed_excerpt(str(error.get("Code")), _MESSAGE)
            message = redaction.scrubbed_excerpt(
                str(error.get("Message", "")), _MESSAGE
            )
            request_id = redaction.scrubbed_excerpt(
                str(inner.get("RequestId")), _MESSAGE
            )
            raise CredentialsError(
                f"{where}: [{code}] {message} (request id {request_id})"
            )
        if reply.status != 200:
            raise CredentialsError(f"{where}: HTTP {reply.status}")
        return temporary_keys(inner.get("Credentials"), expiry(inner, where), where)


def _worth_repeating(reply: Reply) -> bool:
    """A failed connection, a 5xx answer or throttling: STS did nothing."""
    if reply.failure:
        return True
    if reply.status >= 500:
        return True
    return b"RequestLimitExceeded" in reply.body and _throttled(reply.body)


def _throttled(body: bytes) -> bool:
    import json

    try:
        error = json.loads(body)["Response"]["Error"]
        return is_throttling(str(error["Code"]))
    except (ValueError, RecursionError, KeyError, TypeError):
        return False


class WebIdentityCredentials(STSCredentials):
    """Temporary keys for an OIDC identity: STS ``AssumeRoleWithWebIdentity``.

    The identity provider ``provider_id`` (as registered in CAM) issued a
    token, given as ``token`` or, better, as ``token_file``: the file is
    read again at every renewal, so a rotated token is picked up (a regular
    file of at most 64 KiB). The call is not signed with keys (the token is
    the proof): like Tencent's SDKs it is sent with ``Authorization: SKIP``.
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
        deadline: float = STS_DEADLINE,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
        backoff: float = 1.0,
    ) -> None:
        if (token_file is None) == (token is None):
            raise ValueError("give exactly one of token_file and token")
        self.role_arn = role_arn
        self.provider_id = provider_id
        from pathlib import Path

        self.token_file = Path(token_file) if token_file is not None else None
        redaction.register(token, lasting=True)
        self._token = token
        super().__init__(
            region=region,
            session_name=session_name,
            duration=duration,
            endpoint=endpoint,
            timeout=timeout,
            deadline=deadline,
            margin=margin,
            clock=clock,
            environ=environ,
            backoff=backoff,
        )
        self.description = (
            f"STS AssumeRoleWithWebIdentity of {role_arn} at {self.endpoint}"
        )

    def _identity(self) -> Generator[Any, Any, tuple[str, str, str, str]]:
        """Region, provider id, role and token of this call."""
        token = self._token
        if self.token_file is not None:
            token = yield ReadFile(self.token_file, "the token file")
        return self.region, self.provider_id, self.role_arn, token or ""

    def _call(
        self,
    ) -> Generator[Any, Any, tuple[dict[str, Any], Credentials | None]]:
        region, provider_id, role_arn, token = yield from self._identity()
        token = token.strip()
        if not token:
            raise CredentialsError(f"{self.description}: the token is empty")
        redaction.register(token)
        self.region = region
        params = {
            "ProviderId": provider_id,
            "WebIdentityToken": token,
            "RoleArn": role_arn,
            "RoleSessionName": self.session_name,
            "DurationSeconds": self.duration,
        }
        return params, None

    def __repr__(self) -> str:
        token_file = None if self.token_file is None else str(self.token_file)
        return (
            f"{type(self).__name__}(role_arn={self.role_arn!r}, "
            f"provider_id={self.provider_id!r}, token_file={token_file!r})"
        )


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
        deadline: float = STS_DEADLINE,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
        backoff: float = 1.0,
    ) -> None:
        self._environ = os.environ if environ is None else environ
        env = self._environ
        super().__init__(
            env.get(ENV_TKE_ROLE_ARN, ""),
            env.get(ENV_TKE_PROVIDER_ID, ""),
            token="",  # read from the file the environment names, at each renewal
            region=env.get(ENV_TKE_REGION, ""),
            session_name=session_name,
            duration=duration,
            endpoint=endpoint,
            timeout=timeout,
            deadline=deadline,
            margin=margin,
            clock=clock,
            environ=env,
            backoff=backoff,
        )
        self.description = (
            "TKE OIDC (environment variables " + ", ".join(self.variables) + ")"
        )

    def _identity(self) -> Generator[Any, Any, tuple[str, str, str, str]]:
        values = {name: self._environ.get(name, "").strip() for name in self.variables}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise CredentialsError(f"{self.description}: {', '.join(missing)} not set")
        self.role_arn = values[ENV_TKE_ROLE_ARN]
        self.provider_id = values[ENV_TKE_PROVIDER_ID]
        from pathlib import Path

        self.token_file = Path(values[ENV_TKE_TOKEN_FILE])
        token = yield ReadFile(self.token_file, "the token file")
        return values[ENV_TKE_REGION], self.provider_id, self.role_arn, token
