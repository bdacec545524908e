"""How the local endpoint (``common.fake_server``) checks a request.

Each check raises :class:`_Refused` with the error code Tencent Cloud would
answer: the TC3-HMAC-SHA256 signature (verified with this package's own
signing code), the action and version headers, the body's parameters
(JSON or multipart/form-data) and those parameters against the action's
request model. An ``application/octet-stream`` call's parameters are its
headers, named by the action (``octet``), and its body. Nothing here is
public: the endpoint is used through ``common.fake_server``.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from .signing import ALGORITHM, TERMINATOR, sign, utc_date
from .wire import ACTION_NAME, SERVICE_NAME, VERSION_NAME

if TYPE_CHECKING:
    from .credentials import Credentials
    from .plan import Action

__all__: list[str] = []

# The names the clients accept (CommonClient checks the same), and Unix seconds
# in ASCII digits (str.isdigit also takes "²", which int() refuses).
_SERVICE, _VERSION, _ACTION = SERVICE_NAME, VERSION_NAME, ACTION_NAME
_DIGITS = re.compile(r"[0-9]{1,12}")
_BOUNDARY = re.compile(r'boundary="?([^";]{1,70})"?', re.IGNORECASE)
_PART_PARAMETER = re.compile(r'\b(name|filename)="([^"]*)"')


class _Refused(Exception):
    """A request the endpoint answers with an error envelope."""

    def __init__(self, code: str, message: str, status: int = 200) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.status = status


def _verify(
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    accepted: Mapping[str, Credentials],
    now: float,
    max_clock_skew: float | None,
) -> str:
    """The service a correctly signed request is for; raises _Refused otherwise.

    ``headers`` have lower-case names. The expected signature is computed
    with this package's own :func:`~.signing.sign`, over the headers the
    request says it signed.
    """
    authorization = headers.get("authorization", "")
    if not authorization:
        raise _Refused("AuthFailure.InvalidAuthorization", "no Authorization header")
    algorithm, _, rest = authorization.partition(" ")
    if algorithm != ALGORITHM:
        raise _Refused(
            "AuthFailure.InvalidAuthorization",
            f"the Authorization header must use {ALGORITHM}",
        )
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, equals, value = item.strip().partition("=")
        if equals:
            parts[name] = value.strip()
    scope = parts.get("Credential", "").split("/")
    signed = parts.get("SignedHeaders", "")
    signature = parts.get("Signature", "")
    if len(scope) != 4 or scope[3] != TERMINATOR or not signed or not signature:
        raise _Refused(
            "AuthFailure.InvalidAuthorization",
            "the Authorization header needs Credential=<secret id>/<date>/<service>"
            f"/{TERMINATOR}, SignedHeaders and Signature",
        )
    secret_id, date, service = scope[:3]
    if not _SERVICE.match(service):
        raise _Refused(
            "AuthFailure.InvalidAuthorization",
            "the credential scope names no service",
        )
    credentials = accepted.get(secret_id)
    if credentials is None:
        raise _Refused(
            "AuthFailure.SecretIdNotFound",
            "the secret id is not one this endpoint accepts",
        )
    stamp = headers.get("x-tc-timestamp", "").strip()
    if not stamp:
        raise _Refused("MissingParameter", "the X-TC-Timestamp header is missing")
    if not _DIGITS.fullmatch(stamp):
        raise _Refused("InvalidParameter", "X-TC-Timestamp must be Unix seconds")
    timestamp = int(stamp)
    if max_clock_skew is not None and abs(now - timestamp) > max_clock_skew:
        raise _Refused(
            "AuthFailure.SignatureExpire",
            f"X-TC-Timestamp is {abs(now - timestamp):.0f} s away from this endpoint's"
            f" clock; at most {max_clock_skew:g} s are accepted",
        )
    if date != utc_date(timestamp):
        raise _Refused(
            "AuthFailure.SignatureFailure",
            "the credential scope's date is not the UTC date of X-TC-Timestamp",
        )
    names = signed.split(";")
    missing = sorted({"content-type", "host"}.difference(names))
    if missing:
        raise _Refused(
            "AuthFailure.SignatureFailure",
            f"SignedHeaders must include {' and '.join(missing)}",
        )
    absent = [name for name in names if name not in headers]
    if absent or names != sorted(name.lower() for name in names):
        what = absent[0] if absent else "names not in lower case and sorted"
        what = f"{what} is signed but not sent" if absent else what
        raise _Refused(
            "AuthFailure.SignatureFailure", f"SignedHeaders is wrong: {what}"
        )
    path, _, query = target.partition("?")
    expected = sign(
        secret_id=secret_id,
        secret_key=credentials.secret_key,
        service=service,
        timestamp=timestamp,
        body=body,
        headers=headers,
        signed_headers=names,
        method=method,
        path=path,
        query=query,
    )
    # As bytes: compare_digest refuses str with characters beyond ASCII.
    if not hmac.compare_digest(expected.signature.encode(), signature.encode()):
        raise _Refused(
            "AuthFailure.SignatureFailure",
            "the signature does not match the request",
        )
    if credentials.token != (headers.get("x-tc-token") or None):
        raise _Refused(
            "AuthFailure.TokenFailure",
            "the session token does not belong to the secret id",
        )
    return service


def _check_action_and_version(action: str, version: str) -> None:
    """Refuse a missing or malformed X-TC-Action or X-TC-Version header."""
    if not action:
        raise _Refused("MissingParameter", "the X-TC-Action header is missing")
    if not _ACTION.match(action):
        raise _Refused("InvalidAction", "X-TC-Action is not an action name")
    if not version:
        raise _Refused("MissingParameter", "the X-TC-Version header is missing")
    if not _VERSION.match(version):
        raise _Refused("NoSuchVersion", "X-TC-Version is not a YYYY-MM-DD version")


def _decode_params(
    content_type: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    described: Action[Any, Any] | None = None,
) -> dict[str, Any]:
    """The parameters of a JSON or multipart/form-data body, or of a raw body's
    headers (``described``: the action called, which names them)."""
    media = content_type.partition(";")[0].strip().lower()
    if media == "application/octet-stream":
        return _octet_params(body, headers or {}, described)
    if media == "application/json":
        try:
            params = json.loads(body) if body.strip() else {}
        except (ValueError, RecursionError):
            raise _Refused(
                "InvalidParameter", "the request body is not valid JSON"
            ) from None
        if not isinstance(params, dict):
            raise _Refused("InvalidParameter", "the request body is not a JSON object")
        return params
    if media == "multipart/form-data":
        return _multipart_params(content_type, body)
    raise _Refused(
        "InvalidParameter",
        "the Content-Type must be application/json or multipart/form-data",
    )


def _octet_params(
    body: bytes, headers: Mapping[str, str], described: Action[Any, Any] | None
) -> dict[str, Any]:
    """An octet-stream call's parameters: its headers' texts and the body, as bytes.

    The header names come from the action's description (``headers`` with
    lower-case names); an action that takes no raw body is refused.
    """
    if described is None:
        # No such action here: the call is answered by what is queued, or refused.
        return {}
    if not described.octet_stream:
        raise _Refused(
            "InvalidParameter",
            f"{described.name} takes a JSON body, not application/octet-stream",
        )
    params: dict[str, Any] = {
        wire: headers[header.lower()]
        for wire, header in described.headers
        if header.lower() in headers
    }
    params[described.binary_fields[0]] = body
    return params


def _multipart_params(content_type: str, body: bytes) -> dict[str, Any]:
    """The fields of a multipart/form-data body: files as bytes, JSON parts decoded."""
    found = _BOUNDARY.search(content_type)
    if found is None:
        raise _Refused("InvalidParameter", "the multipart Content-Type has no boundary")
    if not body:
        return {}
    segments = body.split(b"--" + found.group(1).encode("latin-1"))
    if segments[0] or len(segments) < 2 or not segments[-1].startswith(b"--"):
        raise _Refused("InvalidParameter", "the multipart body is not well framed")
    params: dict[str, Any] = {}
    for segment in segments[1:-1]:
        if not segment.startswith(b"\r\n") or not segment.endswith(b"\r\n"):
            raise _Refused("InvalidParameter", "the multipart body is not well framed")
        head, separator, content = segment[2:-2].partition(b"\r\n\r\n")
        if not separator:
            raise _Refused("InvalidParameter", "a multipart part has no header block")
        lines = head.decode("latin-1").split("\r\n")
        part = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines)
        }
        names = dict(_PART_PARAMETER.findall(part.get("content-disposition", "")))
        name = names.get("name")
        if not name or name in params:
            raise _Refused(
                "InvalidParameter", "a multipart part has no name, or a repeated one"
            )
        try:
            if "filename" in names:
                params[name] = content
            elif part.get("content-type", "").startswith("application/json"):
                params[name] = json.loads(content)
            else:
                params[name] = content.decode("utf-8")
        except (ValueError, RecursionError):
            raise _Refused(
                "InvalidParameter", f"the multipart part {name} cannot be read"
            ) from None
    return params


def _check_params(action: Action[Any, Any], params: Mapping[str, Any]) -> None:
    """Refuse what the service would: missing, mistyped and unknown parameters."""
    from .testing import StubError, _check_fields

    try:
        msgspec.convert(params, action.request, strict=False)
    except msgspec.ValidationError as exc:
        text = str(exc)
        code = (
            "MissingParameter"
            if "missing required field" in text
            else "InvalidParameter"
        )
        raise _Refused(code, f"{action.name}: {text}") from None
    try:
        _check_fields(action.request, params, action.name)
    except StubError as exc:
        raise _Refused("UnknownParameter", str(exc)) from None
