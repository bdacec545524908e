"""Raw request bodies (``application/octet-stream``), for actions that send one.

A few actions (cls UploadLog) take no JSON: the body is raw bytes (a
protobuf, optionally compressed) and the parameters travel as HTTP headers,
each under the name its spec gives (``X-CLS-TopicId``). The official SDKs
send them with ``call_octet_stream``; this module does the same:

- the body is the request's one file field (``bytes``, ``bytearray``,
  ``memoryview`` or a binary file object), sent as it is, and signed by its
  SHA-256 (TC3 hashes the exact body); unset, it is an empty body;
- every other field that is set goes into its header: a string as it is, an
  integer or a float as its decimal text, a boolean as ``true`` or
  ``false``. A value that is no valid header value (a line break or other
  control character, a character beyond ASCII, a space at either end) is
  refused with ``RequestValidationError`` (a ``ValueError``) before anything
  is read or sent, and a list or an object with ``TypeError``. The headers are not signed (TC3 signs
  content-type and host), as with the official SDK.

The body is read like a file field of an upload (``multipart``): measured
once before the first attempt, sent again from where the file stood for each
attempt, a stream that cannot seek kept in memory, a file that changes in
between refused with ``UploadError``.

Layer 3 (bodies): imports ``multipart`` beside it, ``exceptions`` and
msgspec only.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from typing import Any

import msgspec

from . import exceptions, multipart
from .multipart import CHUNK_SIZE

__all__ = ["MEDIA_TYPE", "Body", "encode", "header_value"]

MEDIA_TYPE = "application/octet-stream"
# Visible ASCII, with spaces inside only: what arrives as it was sent.
_VALUE = re.compile(r"(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?")


def header_value(field: str, header: str, value: Any, action: str = "") -> str:
    """The text of ``value`` in the header ``header``; ``field`` (its wire name) names it in errors."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (str, int, float)):
        text = value if isinstance(value, str) else repr(value)
    else:
        raise TypeError(
            f"{field} is sent as the header {header}: it takes a string, a number or"
            f" a boolean, not {type(value).__name__}"
        )
    if not _VALUE.fullmatch(text):
        raise exceptions.RequestValidationError(
            f"sent as the header {header}, its value is not a valid header value: it"
            " holds a line break, a control character or a character beyond ASCII, or"
            " starts or ends with a space",
            path=field,
            expected="a header value",
            action=action,
        )
    return text


def encode(
    request: msgspec.Struct,
    body: str,
    headers: tuple[tuple[str, str], ...],
    action: str = "",
) -> Body:
    """The raw body of ``request`` (its field ``body``, by wire name) and its header parameters.

    ``headers`` pairs wire names with the header each travels as. Values are
    checked here; the body is first read by :meth:`Body.measure`.
    """
    values = {
        info.encode_name: getattr(request, info.name)
        for info in msgspec.structs.fields(request)
    }
    sent = tuple(
        (header, header_value(wire, header, values[wire], action))
        for wire, header in headers
        if values.get(wire) is not None
    )
    return Body(_content(body, values.get(body)), sent)


def _content(field: str, value: Any) -> memoryview | multipart._File:
    if value is None:
        return memoryview(b"")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return multipart._bytes_view(value)
    if isinstance(value, io.TextIOBase):
        raise TypeError(
            f"{field} is the request's body: open the file in binary mode ('rb'), not text mode"
        )
    if multipart._is_file(value):
        return multipart._File(field, value)
    raise TypeError(
        f"{field} is the request's body and must be bytes or a binary file object,"
        f" not {type(value).__name__}"
    )


class Body(multipart.Body):
    """The raw body of one call and the headers its parameters travel as.

    Like an upload's body (``multipart.Body``): :meth:`measure` it (its
    ``length`` and ``sha256``), then iterate it, sync or async, once per
    attempt. ``content_type`` is ``application/octet-stream`` once measured.
    """

    def __init__(
        self,
        content: memoryview | multipart._File,
        headers: tuple[tuple[str, str], ...],
    ) -> None:
        super().__init__([])
        self._content = content
        self.headers = headers

    def measure(self) -> None:
        """Read the body once: its length and SHA-256 (a file is read here first)."""
        if self.sha256:
            return
        content = self._content
        hasher = hashlib.sha256()
        length = 0
        pieces = (content,) if isinstance(content, memoryview) else content.measure()
        for piece in pieces:
            hasher.update(piece)
            length += len(piece)
        self.content_type = MEDIA_TYPE
        self.length = length
        self._rereads = not isinstance(content, memoryview) and content.spool is None
        self.sha256 = hasher.hexdigest()

    def _chunks(self) -> Iterator[bytes]:
        if not self.sha256:
            raise RuntimeError("measure() the body before sending it")
        content = self._content
        if isinstance(content, memoryview):
            for start in range(0, len(content), CHUNK_SIZE):
                yield bytes(content[start : start + CHUNK_SIZE])
        else:
            yield from content.resend()  # checked against the measured hash
