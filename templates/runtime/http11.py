"""HTTP/1.1 for both built-in transports, without any I/O: a request's
head written, an answer's head read, and its body followed through its
framing (Content-Length, chunked, or until the connection closes).

Refused (:class:`Refused`, a ``RemoteProtocolError`` for the transport, its
connection closed), at least everything h11 refuses (a differential test
compares the two on generated answers):

- a status line that is not ``HTTP/1.x NNN`` (NNN from 100); a head longer than
  :data:`MAX_HEAD`, a line longer than :data:`MAX_LINE`, more than
  :data:`MAX_FIELDS` fields; a field without a name, with a blank before
  its colon, or folded onto the next line; bytes that are control
  characters in a field (or a trailer field);
- two different Content-Lengths, one that is not ASCII digits, one beside
  Transfer-Encoding, a Transfer-Encoding other than ``chunked`` (in 1xx
  heads too); a chunk size that is not hexadecimal, a chunk's line that
  does not end with CRLF, or a chunk without its line end; Content-Length
  or Transfer-Encoding among the trailer fields;
- a protocol switch (101) that nothing asked for.

Layer 0: the standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "MAX_LINE",
    "MAX_FIELDS",
    "MAX_HEAD",
    "Body",
    "Head",
    "Refused",
    "final_head",
    "head_end",
    "parse_head",
    "request_head",
]

MAX_LINE = 65536
MAX_FIELDS = 100
MAX_HEAD = 256 * 1024
_BREAK = re.compile("[\r\n\0]")
# h11 has no status below 100: its informational answers are 100 to 199.
_STATUS = re.compile(
    rb"HTTP/1\.([01]) ([1-9][0-9]{2})(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?"
)
_NAME = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(rb"[^\x00-\x08\x0a-\x1f\x7f]*")
_END = re.compile(rb"\n\r?\n")
# A chunk's size, its extension (discarded), blanks after them: none before
# the size or the extension's ";" (h11 refuses those).
_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})(?:;[^\r]*)?[ \t]*")


class Refused(Exception):
    """An answer that cannot be trusted: its connection is closed."""


def request_head(
    method: str,
    target: str,
    headers: Mapping[str, str],
    extra: Mapping[str, str],
    length: int | None,
) -> bytes:
    """A request's head; ``length`` adds Content-Length unless ``headers`` has one.

    A line break or NUL in any part raises ValueError: ``wire`` checks the
    headers already, so such a head is never sent.
    """
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in extra.items()]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if length is not None and "Content-Length" not in headers:
        lines.append(f"Content-Length: {length}")
    if _BREAK.search("".join(lines)):
        raise ValueError("a request header holds a line break or NUL")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def head_end(buffer: bytes | bytearray) -> int:
    """Where the head at the start of ``buffer`` ends (-1: not yet received)."""
    found = _END.search(buffer)
    if found is None:
        if len(buffer) > MAX_HEAD:
            raise Refused("the answer's head is longer than 256 KiB")
        return -1
    if found.end() > MAX_HEAD:
        raise Refused("the answer's head is longer than 256 KiB")
    return found.end()


def final_head(
    buffer: bytearray, method: str = "POST", ended: bool = False
) -> Head | None:
    """The final answer's head at the start of ``buffer``, taken out of it
    with the 1xx heads before it (None: not all of it has arrived yet).
    ``ended``: the connection has closed, so what is missing never comes."""
    while True:
        end = head_end(buffer)
        if end < 0:
            if ended:
                raise Refused(
                    "Server disconnected without sending a response."
                    if not buffer
                    else "the connection closed in the answer's head"
                )
            return None
        head = parse_head(bytes(buffer[:end]), method)
        del buffer[:end]
        if head.status >= 200:
            return head


class Head:
    """One answer's head: status, fields as received, and its body's framing.

    ``length`` is the body's size (None: chunked, or until the connection
    closes); ``close`` says the connection ends with this answer.
    """

    __slots__ = ("version", "status", "reason", "fields", "chunked", "length", "close")

    def __init__(self, version: int, status: int, reason: str) -> None:
        self.version = version
        self.status = status
        self.reason = reason
        self.fields: list[tuple[str, str]] = []
        self.chunked = False
        self.length: int | None = None
        self.close = False


def parse_head(data: bytes, method: str = "POST") -> Head:
    """The head ``data`` holds (up to its blank line, as :func:`head_end` found)."""
    lines = data.split(b"\n")
    del lines[-2:]  # the blank line and what follows it
    status = _STATUS.fullmatch(lines[0].removesuffix(b"\r"))
    if status is None:
        raise Refused(f"not an HTTP/1.x status line: {lines[0][:40]!r}")
    minor, code, reason = status.groups()
    head = Head(10 + int(minor), int(code), (reason or b"").decode("latin-1"))
    if len(lines) - 1 > MAX_FIELDS:
        raise Refused(f"more than {MAX_FIELDS} header fields")
    lengths: set[bytes] = set()
    codings: list[bytes] = []
    tokens: set[bytes] = set()
    fields = head.fields
    for line in lines[1:]:
        line = line.removesuffix(b"\r")
        if len(line) > MAX_LINE:
            raise Refused("a line of the answer's head is longer than 64 KiB")
        name, colon, value = line.partition(b":")
        value = value.strip(b" \t")
        if not colon or not _NAME.fullmatch(name) or not _VALUE.fullmatch(value):
            raise Refused(f"not a header field: {line[:40]!r}")
        key = name.lower()
        if key == b"content-length":
            lengths.add(value)
        elif key == b"transfer-encoding":
            codings.append(value)
        elif key == b"connection":
            tokens.update(token.strip().lower() for token in value.split(b","))
        fields.append((name.decode("latin-1"), value.decode("latin-1")))
    _frame(head, lengths, codings, method)
    head.close = (
        head.close
        or b"close" in tokens
        or (head.version == 10 and b"keep-alive" not in tokens)
    )
    return head


def _frame(head: Head, lengths: set[bytes], codings: list[bytes], method: str) -> None:
    if head.status == 101:
        raise Refused("a protocol switch (101) that nothing asked for")
    if codings:  # checked on 1xx heads too, as h11 does
        if lengths:
            raise Refused("Content-Length beside Transfer-Encoding")
        if len(codings) > 1 or codings[0].lower() != b"chunked":
            raise Refused(f"a Transfer-Encoding other than chunked: {codings!r}")
        head.chunked = True
    elif lengths:
        if len(lengths) > 1:
            raise Refused("Content-Length given twice with different values")
        given = lengths.pop()
        if not (given.isdigit() and len(given) <= 18):
            raise Refused("Content-Length is not a number")
        head.length = int(given)
    if head.status < 200:  # informational: no body, the final answer follows
        head.chunked, head.length = False, 0
    elif head.status in (204, 304) or method == "HEAD":
        head.chunked, head.length = False, 0
    elif method == "CONNECT" and head.status < 300:
        head.chunked, head.length = False, 0  # the tunnel starts after the head
    elif not head.chunked and head.length is None:
        head.close = True  # the body ends when the connection does


class Body:
    """Follows one answer's body: :meth:`feed` takes what arrived and gives
    back the body's bytes in it; ``done`` says the body has ended, ``rest``
    holds what came after its end (an answer nobody asked for)."""

    __slots__ = ("done", "rest", "_left", "_chunked", "_state", "_pending")

    def __init__(self, head: Head) -> None:
        self._chunked = head.chunked
        self._left = head.length  # None: until the connection closes
        self._state = "size"  # chunked: size, data, data-end, trailer
        self._pending = b""
        self.rest = b""
        self.done = not self._chunked and self._left == 0

    def feed(self, data: bytes) -> list[bytes]:
        if self.done:
            self.rest += data
            return []
        if not self._chunked:
            left = self._left
            if left is None:
                return [data] if data else []
            if len(data) < left:
                self._left = left - len(data)
                return [data]
            self._left, self.done, self.rest = 0, True, data[left:]
            return [data[:left]] if left else []
        return self._chunks(self._pending + data)

    def _chunks(self, data: bytes) -> list[bytes]:
        out: list[bytes] = []
        at = 0
        while at < len(data) and not self.done:
            if self._state == "data":
                left = self._left or 0
                piece = data[at : at + left]
                out.append(piece)
                at += len(piece)
                self._left = left - len(piece)
                if self._left == 0:
                    self._state = "data-end"
                continue
            end = data.find(b"\n", at)
            if end < 0:
                if len(data) - at > MAX_LINE:
                    raise Refused("a chunk's line is longer than 64 KiB")
                break
            line = data[at:end]
            at = end + 1
            self._line(line)
        self._pending = data[at:] if not self.done else b""
        if self.done:
            self.rest = data[at:]
        return out

    def _line(self, line: bytes) -> None:
        if self._state != "trailer" and not line.endswith(b"\r"):
            # a chunk's size line and its data end with CRLF (h11 refuses a bare LF)
            raise Refused(f"a chunk's line without its CR: {line[:40]!r}")
        line = line[:-1] if line.endswith(b"\r") else line
        if self._state == "data-end":
            if line:
                raise Refused("a chunk does not end where its size says")
            self._state = "size"
        elif self._state == "size":
            size = _SIZE.fullmatch(line)
            if size is None:
                raise Refused(f"not a chunk size: {line[:40]!r}")
            self._left = int(size[1], 16)
            self._state = "data" if self._left else "trailer"
        elif not line:  # the blank line after the trailer fields
            self.done = True
        else:  # a field as in the head; framing fields have no place here
            name, colon, value = line.partition(b":")
            if (
                not colon
                or not _NAME.fullmatch(name)
                or not _VALUE.fullmatch(value.strip(b" \t"))
                or name.lower() in (b"content-length", b"transfer-encoding")
            ):
                raise Refused(f"not a trailer field: {line[:40]!r}")

    def eof(self) -> list[bytes]:
        """The connection closed: the end of a body framed by it, else refused."""
        if not self.done:
            if self._chunked or self._left is not None:
                raise Refused(
                    "peer closed connection without sending complete message body"
                )
            self.done = True
        return []
