"""multipart/form-data request bodies, for actions that upload files.

An action with a binary parameter (a file field in the models) is not sent
as JSON: like Tencent's official SDKs, the client sends every parameter of
the request as one part of a multipart/form-data body, in the order of the
request's fields, and signs those exact bytes. A part holds:

- a file field: its raw bytes, with ``filename="<wire name>"``;
- a string: its UTF-8 text (an empty string is sent as an empty part);
- an array or object: its JSON text, with ``Content-Type: application/json``
  (written as the official Python SDK writes it);
- a number or boolean: its JSON text (``5``, ``1.5``, ``true``).

Unset optional fields are left out; a call's ``extra_params`` follow the
declared fields, by the same rules (never as files). The boundary is a fresh
random hex string per call (:func:`new_boundary`; tests replace it to fix one).

A file field takes ``bytes``, ``bytearray``, ``memoryview`` or a binary
file object (anything whose ``read(size)`` returns bytes). The body is never
built whole: TC3 signs the SHA-256 of the exact body, so a :class:`Body` is
read twice, in chunks of :data:`CHUNK_SIZE` bytes, once by
:meth:`Body.measure` before the first attempt (boundary, length, hash) and
once per attempt while it is sent (iterating a ``Body``, sync or async,
gives its chunks). A file is read from where it stood when the call began
and sought back there for each attempt; a stream that cannot seek is read
once, by the measuring pass, and kept in memory for the call's retries (a
file changed since measured, or unreadable, raises :class:`UploadError`
before the closing boundary, so no complete body goes out with a wrong hash).

Layer 3 (bodies): imports ``exceptions`` and msgspec only.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import uuid
from collections.abc import AsyncIterator, Collection, Iterator
from typing import Any, Protocol

import msgspec

from .exceptions import SDKError

__all__ = [
    "CHUNK_SIZE",
    "MEDIA_TYPE",
    "BinaryReader",
    "Body",
    "UploadError",
    "encode",
    "new_boundary",
    "wire_fields",
]

MEDIA_TYPE = "multipart/form-data"
CHUNK_SIZE = 64 * 1024
"""Bytes read from a file at a time; the body is sent in pieces of about this size."""
_BINARY = (bytes, bytearray, memoryview)
# RFC 2046 boundary characters, without the space (it may not end a boundary
# and needs quoting in the header); 1 to 70 of them.
_BOUNDARY = re.compile(r"^[0-9A-Za-z'()+_,./:=?-]{1,70}$")
# Part names are wire names; anything that could end the quoted name or the
# header line is refused rather than escaped.
_UNSAFE_NAME = re.compile(r'["\\\r\n\0]')
_TRIES = 8
_BATCH = 4  # chunks read in one worker thread's turn, for the async client


class BinaryReader(Protocol):
    """What a file field takes besides bytes: an object whose ``read(size)`` returns bytes.

    Open files (``open(path, "rb")``), ``io.BytesIO`` and the like; see the
    module docstring for how seekable and other streams are read.
    """

    def read(self, size: int, /) -> bytes: ...


class UploadError(SDKError):
    """A file of an upload could not be read, or changed while the call used it.

    Raised before the body was complete on the wire: the service did not act
    on it. ``field`` is the file field's wire name; the reading error, if
    one, is the ``__cause__``.
    """

    def __init__(self, message: str, *, field: str) -> None:
        self.field = field
        super().__init__(message)


def new_boundary() -> str:
    """A random boundary: 32 lower-case hex digits (what the official SDK uses)."""
    return uuid.uuid4().hex


def wire_fields(
    request: msgspec.Struct, binary_fields: Collection[str]
) -> dict[str, Any]:
    """The request's set fields by wire name, as JSON data; file fields' values as given.

    A file object cannot go through msgspec, so each set file field is
    replaced by a stand-in for the conversion and put back afterwards.
    """
    files: dict[str, tuple[str, Any]] = {}
    for info in msgspec.structs.fields(request):
        value = getattr(request, info.name)
        if info.encode_name in binary_fields:
            if value is not None:
                files[info.name] = (info.encode_name, value)
        elif _is_file(value):
            raise TypeError(
                f"{info.encode_name} is not a file field; files can only be sent in file fields"
            )
    stand_ins = {name: b"" for name in files}
    fields = msgspec.to_builtins(
        msgspec.structs.replace(request, **stand_ins) if stand_ins else request,
        builtin_types=_BINARY,
    )
    if not isinstance(fields, dict):
        raise TypeError(f"expected a request struct, got {type(request).__name__}")
    for wire, value in files.values():
        fields[wire] = value
    return fields


def encode(
    request: msgspec.Struct, binary_fields: Collection[str], extra: Any = None
) -> Body:
    """The multipart body of ``request`` and its checked ``extra`` parameters
    (plain values by wire name, never files), to be measured and then sent.

    ``binary_fields`` are the wire names of the fields sent as files. Values
    of the wrong kind raise ``TypeError`` here; files are first read by
    :meth:`Body.measure`.
    """
    fields = wire_fields(request, binary_fields)
    fields.update(extra or {})  # no declared name: validation refused those
    return Body(
        [_part(name, value, name in binary_fields) for name, value in fields.items()]
    )


def _is_file(value: Any) -> bool:
    return not isinstance(value, (str, *_BINARY)) and callable(
        getattr(value, "read", None)
    )


def _part(name: str, value: Any, binary: bool) -> tuple[bytes, memoryview | _File]:
    """The header lines (each ending in CRLF) and the content of one part."""
    if _UNSAFE_NAME.search(name):
        raise ValueError(f"not a usable multipart field name: {name!r}")
    disposition = f'Content-Disposition: form-data; name="{name}"'.encode()
    if binary:
        headers = disposition + f'; filename="{name}"\r\n'.encode()
        if isinstance(value, _BINARY):
            return headers, _bytes_view(value)
        if isinstance(value, io.TextIOBase):
            raise TypeError(
                f"{name} is sent as a file: open the file in binary mode ('rb'), not text mode"
            )
        if _is_file(value):
            return headers, _File(name, value)
        raise TypeError(
            f"{name} is sent as a file and must be bytes or a binary file object,"
            f" not {type(value).__name__}"
        )
    if isinstance(value, str):
        return disposition + b"\r\n", memoryview(value.encode("utf-8"))
    if isinstance(value, _BINARY):
        raise TypeError(
            f"{name} is not a file field; bytes can only be sent in file fields"
        )
    if isinstance(value, (list, dict)):
        text = json.dumps(value).encode("ascii")
        return disposition + b"\r\nContent-Type: application/json\r\n", memoryview(text)
    return disposition + b"\r\n", memoryview(json.dumps(value).encode("ascii"))


def _bytes_view(value: bytes | bytearray | memoryview) -> memoryview:
    """The raw bytes of ``value`` as a flat byte view, copied only when not contiguous."""
    view = memoryview(value)
    if not view.c_contiguous:
        return memoryview(view.tobytes())
    return view if view.format == "B" and view.ndim == 1 else view.cast("B")


class _File:
    """The content of a file field: read from a file object, checked when read again."""

    __slots__ = ("field", "source", "start", "size", "sha256", "spool")

    def __init__(self, field: str, source: Any) -> None:
        self.field = field
        self.source = source
        self.start: int | None = None  # where the content begins, once measured
        self.size = -1  # its length in bytes, once measured
        self.sha256 = ""  # the content's own hash, once measured
        self.spool: list[bytes] | None = None  # a stream that cannot seek: its copy

    def measure(self) -> Iterator[bytes]:
        """The content from where the file stands to its end, recording its size and hash.

        Measured again (another boundary was drawn), it starts where it did
        the first time.
        """
        if self.spool is not None:
            yield from self.spool
            return
        if self.start is None:
            if self._can_seek():
                self.start = self._call("tell")
            else:
                self.spool = []
        else:
            self._call("seek", self.start)
        hasher = hashlib.sha256()
        size = 0
        pending = bytearray()  # small reads of a stream, spooled in CHUNK_SIZE pieces
        while True:
            piece = self._read(CHUNK_SIZE)
            if not piece:
                break
            hasher.update(piece)
            size += len(piece)
            if self.spool is not None:
                pending += piece
                if len(pending) >= CHUNK_SIZE:
                    self.spool.append(bytes(pending))
                    pending.clear()
            yield piece
        if self.spool is not None and pending:
            self.spool.append(bytes(pending))
        self.size, self.sha256 = size, hasher.hexdigest()

    def resend(self) -> Iterator[bytes]:
        """The measured content again: its length read from the file, checked against its hash."""
        if self.spool is not None:
            yield from self.spool
            return
        assert self.start is not None, "measure the body first"
        self._call("seek", self.start)
        hasher = hashlib.sha256()
        left = self.size
        while left > 0:
            piece = self._read(min(CHUNK_SIZE, left))
            if not piece:
                raise UploadError(
                    f"{self.field}: the file ended after {self.size - left} of the"
                    f" {self.size} bytes measured when the call began; it changed"
                    " during the upload, which was stopped before its body was complete",
                    field=self.field,
                )
            if len(piece) > left:
                raise UploadError(
                    f"{self.field}: read({min(CHUNK_SIZE, left)}) returned"
                    f" {len(piece)} bytes; the upload was stopped before its body"
                    " was complete",
                    field=self.field,
                )
            hasher.update(piece)
            left -= len(piece)
            yield piece
        if hasher.hexdigest() != self.sha256:
            raise UploadError(
                f"{self.field}: the file's content changed after it was measured for"
                " the signature; the upload was stopped before its body was complete",
                field=self.field,
            )

    def _can_seek(self) -> bool:
        seekable = getattr(self.source, "seekable", None)
        if seekable is not None:
            return bool(self._call("seekable"))
        return callable(getattr(self.source, "seek", None)) and callable(
            getattr(self.source, "tell", None)
        )

    def _read(self, size: int) -> bytes:
        piece = self._call("read", size)
        if isinstance(piece, bytes):
            return piece
        if isinstance(piece, (bytearray, memoryview)):
            return bytes(piece)
        if isinstance(piece, str):
            raise TypeError(
                f"{self.field}: read() returned str: open the file in binary mode ('rb')"
            )
        raise TypeError(
            f"{self.field}: read() must return bytes, not {type(piece).__name__}"
        )

    def _call(self, method: str, *arguments: int) -> Any:
        try:
            return getattr(self.source, method)(*arguments)
        except Exception as exc:
            raise UploadError(
                f"{self.field}: {method}() of the file failed: {type(exc).__name__}: {exc}",
                field=self.field,
            ) from exc


class Body:
    """The multipart body of one upload call; :meth:`measure` it, then send it.

    ``content_type``, ``length`` (the Content-Length) and ``sha256`` (hex,
    for the signature) are set by :meth:`measure`. Iterating it, sync or
    async, gives the body's bytes: for each attempt the same ones.
    """

    def __init__(self, parts: list[tuple[bytes, memoryview | _File]]) -> None:
        self._parts = parts
        self._delimiter = b""
        self.content_type = ""
        self.length = -1
        self.sha256 = ""
        # Files read again at each attempt (those that can seek), off the event
        # loop in the async client.
        self._rereads = False

    def measure(self) -> None:
        """Read the body once: draw its boundary, take its length and SHA-256.

        Files are read here for the first time; a file that fails to read
        raises :class:`UploadError`, one that gives text ``TypeError``, and
        a boundary that cannot be made ``ValueError``, all before anything
        is sent. Measuring again does nothing.
        """
        if self.sha256:
            return
        for _ in range(_TRIES):
            boundary = new_boundary()
            if not isinstance(boundary, str) or not _BOUNDARY.match(boundary):
                raise ValueError(f"not a usable multipart boundary: {boundary!r}")
            delimiter = b"--" + boundary.encode("ascii")
            # The boundary must not occur in the content; for a random one
            # this practically never happens, and another one is drawn if it does.
            clash = _Clash(delimiter)
            hasher = hashlib.sha256()
            length = 0
            for piece in self._pieces(delimiter, clash):
                hasher.update(piece)
                length += len(piece)
            if not clash.found:
                break
        else:
            raise ValueError(
                "could not find a multipart boundary that does not occur in the request's data"
            )
        self._delimiter = delimiter
        self.content_type = f"{MEDIA_TYPE}; boundary={boundary}"
        self.length = length
        self.sha256 = hasher.hexdigest()
        self._rereads = any(
            isinstance(content, _File) and content.spool is None
            for _, content in self._parts
        )

    def _pieces(self, delimiter: bytes, clash: _Clash | None) -> Iterator[Any]:
        """The body's bytes in order, in pieces of any size; measuring when ``clash`` is given."""
        for headers, content in self._parts:
            yield delimiter + b"\r\n" + headers + b"\r\n"
            if clash is not None:
                clash.restart()
            if isinstance(content, memoryview):
                if clash is not None:
                    clash.search(content)
                yield content
            elif clash is not None:
                for piece in content.measure():
                    clash.search(piece)
                    yield piece
            else:
                yield from content.resend()  # checked before the next piece
            yield b"\r\n"
        if self._parts:
            yield delimiter + b"--\r\n"

    def _chunks(self) -> Iterator[bytes]:
        """The measured body in chunks of about CHUNK_SIZE bytes (small pieces joined).

        Its last chunk holds the closing boundary, made after every file was checked.
        """
        if not self.sha256:
            raise RuntimeError("measure() the body before sending it")
        pending: list[Any] = []
        size = 0
        for piece in self._pieces(self._delimiter, None):
            view = memoryview(piece)
            for start in range(0, len(view), CHUNK_SIZE):
                pending.append(view[start : start + CHUNK_SIZE])
                size += len(pending[-1])
                if size >= CHUNK_SIZE:
                    yield b"".join(pending)
                    pending.clear()
                    size = 0
        if pending:
            yield b"".join(pending)

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._chunks()
        if not self._rereads:
            for chunk in chunks:
                yield chunk
            return
        import asyncio  # only the async client sends this way

        # Reading (and hashing) a file would block the event loop: a worker
        # thread takes a few chunks at a time (a thread hop per chunk costs
        # more than the chunk's sending).
        while True:
            batch = await asyncio.to_thread(list, itertools.islice(chunks, _BATCH))
            done = len(batch) < _BATCH
            batch.reverse()
            while batch:
                yield batch.pop()  # not kept once sent
            if done:
                return


class _Clash:
    """Looks for the boundary's delimiter in the content, also across a file's pieces."""

    def __init__(self, delimiter: bytes) -> None:
        self._pattern = re.compile(re.escape(delimiter))
        self._keep = len(delimiter) - 1
        self._tail = b""
        self.found = False

    def restart(self) -> None:
        """The next piece begins a part's content."""
        self._tail = b""

    def search(self, piece: Any) -> None:
        if self.found:
            return
        head = bytes(piece[: self._keep])
        if self._pattern.search(piece) or self._pattern.search(self._tail + head):
            self.found = True
        self._tail = (self._tail + bytes(piece[-self._keep :]))[-self._keep :]
