"""Reading the answers of the metadata service and of STS: the JSON object,
the expiry time, and the temporary keys in it.

Imports the standard library and ``..exceptions``, ``.types``; json and
datetime only when an answer is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..exceptions import CredentialsError
from .types import Credentials

__all__ = ["json_object", "expiry", "temporary_keys"]


def json_object(body: bytes, where: str) -> dict[str, Any]:
    """The answer's JSON object; any other body is a CredentialsError."""
    import json

    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
        raise CredentialsError(f"{where}: the answer is not JSON") from None
    if not isinstance(data, dict):
        raise CredentialsError(f"{where}: the answer is not a JSON object")
    return data


def expiry(answer: Mapping[str, Any], where: str) -> float:
    """The Unix time in ExpiredTime, else in Expiration (ISO 8601)."""
    value = answer.get("ExpiredTime")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    text = answer.get("Expiration")
    if isinstance(text, str) and text:
        from datetime import UTC, datetime

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


def temporary_keys(source: Any, expires_at: float, where: str) -> Credentials:
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
