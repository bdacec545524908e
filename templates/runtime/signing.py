"""TC3-HMAC-SHA256 request signing (Tencent Cloud API 3.0).

The canonical request covers the method, path, query, the signed headers and
the SHA-256 of the body; the signing key is derived from the secret key, the
UTC date and the service, so a signature is valid for one service on one day.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["ALGORITHM", "Signature", "Signer", "sign", "signing_key"]

ALGORITHM = "TC3-HMAC-SHA256"
TERMINATOR = "tc3_request"
DEFAULT_SIGNED_HEADERS = ("content-type", "host")


@dataclass(frozen=True)
class Signature:
    """A computed signature and every intermediate value (none of them secret)."""

    canonical_request: str
    hashed_request_payload: str
    hashed_canonical_request: str
    credential_scope: str
    string_to_sign: str
    signed_headers: str
    signature: str
    authorization: str


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.digest(key, message.encode("utf-8"), "sha256")


def signing_key(secret_key: str, date: str, service: str) -> bytes:
    """The derived key: HMAC chain over the date, the service and "tc3_request"."""
    return _hmac(
        _hmac(_hmac(("TC3" + secret_key).encode("utf-8"), date), service), TERMINATOR
    )


def utc_date(timestamp: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def sign(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    timestamp: int,
    body: bytes,
    headers: Mapping[str, str],
    signed_headers: Sequence[str] = DEFAULT_SIGNED_HEADERS,
    method: str = "POST",
    path: str = "/",
    query: str = "",
) -> Signature:
    """Sign a request. ``headers`` must hold every name in ``signed_headers``.

    Header names are matched without regard to case; values are trimmed and
    lower-cased as the algorithm requires.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    names = sorted(name.lower() for name in signed_headers)
    canonical_headers = "".join(
        f"{name}:{lowered[name].strip().lower()}\n" for name in names
    )
    signed = ";".join(names)
    payload_hash = hashlib.sha256(body).hexdigest()
    canonical_request = "\n".join(
        [method, path, query, canonical_headers, signed, payload_hash]
    )
    hashed_canonical = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    date = utc_date(timestamp)
    scope = f"{date}/{service}/{TERMINATOR}"
    string_to_sign = "\n".join([ALGORITHM, str(timestamp), scope, hashed_canonical])
    signature = hmac.new(
        signing_key(secret_key, date, service),
        string_to_sign.encode("utf-8"),
        hashlib.sha256,
    ).hexdigest()
    authorization = f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed}, Signature={signature}"
    return Signature(
        canonical_request=canonical_request,
        hashed_request_payload=payload_hash,
        hashed_canonical_request=hashed_canonical,
        credential_scope=scope,
        string_to_sign=string_to_sign,
        signed_headers=signed,
        signature=signature,
        authorization=authorization,
    )


class Signer:
    """The Authorization header of the clients' requests to one service.

    Gives what :func:`sign` gives for a POST to ``/`` signing content-type
    and host, without the intermediate values. The derived key depends only
    on the secret key, the UTC date and the service, so it is kept for the
    day instead of being derived again (four HMACs) for every request.
    """

    __slots__ = ("service", "_day")

    def __init__(self, service: str) -> None:
        self.service = service
        # (secret key, days since the epoch, credential scope, derived key)
        self._day: tuple[str, int, str, bytes] | None = None

    def authorization(
        self,
        secret_id: str,
        secret_key: str,
        timestamp: int,
        body: bytes,
        content_type: str,
        host: str,
        *,
        payload_hash: str = "",
    ) -> str:
        """The header's value; ``payload_hash`` is the body's SHA-256 (hex) when
        already known (a streamed upload), and ``body`` is then not read."""
        day = self._day
        if day is None or day[1] != timestamp // 86400 or day[0] != secret_key:
            date = utc_date(timestamp)
            scope = f"{date}/{self.service}/{TERMINATOR}"
            day = self._day = (
                secret_key,
                timestamp // 86400,
                scope,
                signing_key(secret_key, date, self.service),
            )
        canonical = (
            f"POST\n/\n\ncontent-type:{content_type.strip().lower()}\nhost:{host.strip().lower()}\n\n"
            f"content-type;host\n{payload_hash or hashlib.sha256(body).hexdigest()}"
        )
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        string_to_sign = f"{ALGORITHM}\n{timestamp}\n{day[2]}\n{digest}"
        signature = hmac.digest(day[3], string_to_sign.encode("utf-8"), "sha256").hex()
        return f"{ALGORITHM} Credential={secret_id}/{day[2]}, SignedHeaders=content-type;host, Signature={signature}"
