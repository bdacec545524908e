"""multipart/form-data request bodies, for actions that upload files.

An action with a binary parameter (``bytes`` in the models) is not sent as
JSON: like Tencent's official SDKs, the client sends every parameter of the
request as one part of a multipart/form-data body, in the order of the
request's fields, and signs those exact bytes. A part holds:

- a binary field: its raw bytes, with ``filename="<wire name>"``;
- a string: its UTF-8 text (an empty string is sent as an empty part);
- an array or object: its JSON text, with ``Content-Type: application/json``
  (written as the official Python SDK writes it);
- a number or boolean: its JSON text (``5``, ``1.5``, ``true``).

Unset optional fields are left out, as in JSON bodies. The boundary is a
fresh random hex string per call, drawn by :func:`new_boundary`; tests
replace that function to get a fixed one.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection
from typing import Any

import msgspec

__all__ = ["MEDIA_TYPE", "encode", "new_boundary"]

MEDIA_TYPE = "multipart/form-data"
_BINARY = (bytes, bytearray, memoryview)
# RFC 2046 boundary characters, without the space (it may not end a boundary
# and needs quoting in the header); 1 to 70 of them.
_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,./:=?-]{1,70}$")
# Part names are wire names; anything that could end the quoted name or the
# header line is refused rather than escaped.
_UNSAFE_NAME = re.compile(r'["\\\r\n\0]')
_TRIES = 8


def new_boundary() -> str:
    """A random boundary: 32 lower-case hex digits (what the official SDK uses)."""
    return uuid.uuid4().hex


def encode(
    request: msgspec.Struct, binary_fields: Collection[str]
) -> tuple[bytes, str]:
    """The multipart body of ``request`` and its Content-Type header value.

    ``binary_fields`` are the wire names of the fields sent as files.
    """
    fields = msgspec.to_builtins(request, builtin_types=_BINARY)
    if not isinstance(fields, dict):
        raise TypeError(f"expected a request struct, got {type(request).__name__}")
    parts = [
        _part(name, value, name in binary_fields) for name, value in fields.items()
    ]
    for _ in range(_TRIES):
        boundary = new_boundary()
        if not isinstance(boundary, str) or not _BOUNDARY.match(boundary):
            raise ValueError(f"not a usable multipart boundary: {boundary!r}")
        delimiter = b"--" + boundary.encode("ascii")
        # The boundary must not occur in the content; for a random one this
        # practically never happens, and another one is drawn if it does.
        if not any(delimiter in content for _, content in parts):
            break
    else:
        raise ValueError(
            "could not find a multipart boundary that does not occur in the request's data"
        )
    body = bytearray()
    for headers, content in parts:
        body += delimiter + b"\r\n" + headers + b"\r\n" + content + b"\r\n"
    if parts:
        body += delimiter + b"--\r\n"
    return bytes(body), f"{MEDIA_TYPE}; boundary={boundary}"


def _part(name: str, value: Any, binary: bool) -> tuple[bytes, bytes]:
    """The header lines (each ending in CRLF) and the content of one part."""
    if _UNSAFE_NAME.search(name):
        raise ValueError(f"not a usable multipart field name: {name!r}")
    disposition = f'Content-Disposition: form-data; name="{name}"'.encode()
    if binary:
        if not isinstance(value, _BINARY):
            raise TypeError(
                f"{name} is sent as a file and must be bytes, not {type(value).__name__}"
            )
        return disposition + f'; filename="{name}"\r\n'.encode(), bytes(value)
    if isinstance(value, str):
        return disposition + b"\r\n", value.encode("utf-8")
    if isinstance(value, _BINARY):
        raise TypeError(
            f"{name} is not a file field; bytes can only be sent in file fields"
        )
    if isinstance(value, (list, dict)):
        return disposition + b"\r\nContent-Type: application/json\r\n", json.dumps(
            value
        ).encode("ascii")
    return disposition + b"\r\n", json.dumps(value).encode("ascii")
