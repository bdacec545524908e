"""Temporary keys of a CAM role: :class:`AssumeRoleCredentials`, the STS
``AssumeRole`` call signed with the keys of another provider (the default
chain when none is given).

Imports the standard library and ``..redaction``, ``.types``, ``.flow``,
``.sts``, ``.chain`` (the default base); json and urllib only when used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping
from typing import Any

from .. import redaction
from .chain import default_credentials
from .flow import Resolve
from .sts import STS_DEADLINE, STS_REGION, STS_TIMEOUT, STSCredentials
from .types import Credentials, CredentialsProvider

__all__ = ["AssumeRoleCredentials"]


class AssumeRoleCredentials(STSCredentials):
    """Temporary keys of a CAM role, from STS ``AssumeRole``.

    The STS call is signed with ``base``: any provider or Credentials (the
    default chain when omitted), so roles can be assumed on top of a
    profile, a CVM role or another assumed role. ``duration`` is the
    lifetime asked for (1 to 43200 s), ``policy`` an optional policy (JSON
    text or a dict) that narrows the role's permissions, sent URL-encoded as
    the API requires, and ``external_id`` the role's external ID when its
    trust policy asks for one. ``endpoint`` defaults to
    TENCENTCLOUD_STS_ENDPOINT, else ``sts.tencentcloudapi.com``.
    ``client_options`` may hold ``retry`` (a RetryPolicy for the call; by
    default 3 attempts), ``proxy`` and ``verify`` (as for the clients).
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
        deadline: float = STS_DEADLINE,
        client_options: Mapping[str, Any] | None = None,
        margin: float = 300.0,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
        backoff: float = 1.0,
    ) -> None:
        if not role_arn:
            raise ValueError("AssumeRole needs a role ARN")
        self.role_arn = role_arn
        if isinstance(policy, Mapping):
            import json

            policy = json.dumps(policy, separators=(",", ":"))
        self.policy = policy or None
        redaction.register(external_id, lasting=True)
        self._external_id = external_id or None
        self._base = default_credentials() if base is None else base
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
            client_options=client_options,
            backoff=backoff,
        )
        self.description = f"STS AssumeRole of {role_arn} at {self.endpoint}"

    def _call(
        self,
    ) -> Generator[Any, Any, tuple[dict[str, Any], Credentials | None]]:
        base = self._base
        keys: Credentials = (
            base if isinstance(base, Credentials) else (yield Resolve(base))
        )
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
        return params, keys

    def __repr__(self) -> str:
        return (
            f"AssumeRoleCredentials(role_arn={self.role_arn!r}, "
            f"session_name={self.session_name!r})"
        )
