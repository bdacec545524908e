"""The async transport's sans-IO HTTP/1.1 codec (``common.http11``).

A differential property against h11 (what httpx reads answers with): on
generated answers, hostile ones included, whatever http11 accepts h11 accepts
too, with the same status, fields, body and bytes after the end; http11 may
refuse more, never less. The answers come in arbitrary pieces, as a socket
gives them, and the pieces never change the outcome. Unit tests give an
example of each refusal the module's docstring lists, and of the request head.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import h11
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

OK = b"HTTP/1.1 200 OK\r\n"


@pytest.fixture(scope="module")
def codec(generated_on_path: Path) -> ModuleType:
    from tcsdk.common import http11

    return http11


class Outcome(NamedTuple):
    status: int
    fields: list[tuple[str, str]]
    body: bytes
    rest: bytes  # what came after the answer's end
    close: bool


def _read(codec: Any, pieces: Iterable[bytes]) -> Outcome:
    """The final answer, read as aio_link and aio_http do: 1xx heads skipped,
    the body fed what arrives, ``eof()`` once nothing more comes."""
    feed = iter(pieces)
    buffer = bytearray()
    while True:
        end = codec.head_end(buffer)
        if end < 0:
            piece = next(feed, None)
            if piece is None:
                raise codec.Refused("the connection closed in the head")
            buffer += piece
            continue
        head = codec.parse_head(bytes(buffer[:end]))
        del buffer[:end]
        if head.status >= 200:
            break
    body = codec.Body(head)
    out = body.feed(bytes(buffer)) if buffer else []
    while not body.done:
        piece = next(feed, None)
        if piece is None:
            body.eof()
        else:
            out += body.feed(piece)
    return Outcome(head.status, head.fields, b"".join(out), body.rest + b"".join(feed), head.close)


def _ours(codec: Any, pieces: Iterable[bytes]) -> Outcome | None:
    try:
        return _read(codec, pieces)
    except codec.Refused:
        return None


def _h11(pieces: Iterable[bytes]) -> Outcome | None:
    """The same answer read by an h11 client connection that sent a POST."""
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="POST", target="/", headers=[("Host", "example.com"), ("Content-Length", "0")]))
    conn.send(h11.EndOfMessage())
    feed = iter(pieces)
    closed = False
    head: h11.Response | None = None
    out: list[bytes] = []
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                if closed:
                    return None
                piece = next(feed, b"")  # b"": the connection closed
                closed = not piece
                conn.receive_data(piece)
            elif isinstance(event, h11.Response):
                head = event
            elif isinstance(event, h11.Data):
                out.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                return None
    except h11.ProtocolError:
        return None
    assert head is not None
    fields = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in head.headers.raw_items()]
    rest = conn.trailing_data[0] + b"".join(feed)
    return Outcome(head.status_code, fields, b"".join(out), rest, conn.their_state is h11.MUST_CLOSE)


def _as_h11_keeps(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Our fields as h11 reports them: names lowered, a repeated (equal)
    Content-Length kept once, Transfer-Encoding's value lowered. These are
    h11's normalisations, not differences in what is accepted."""
    seen_length = False
    kept = []
    for name, value in fields:
        key = name.lower()
        if key == "content-length":
            if seen_length:
                continue
            seen_length = True
        elif key == "transfer-encoding":
            value = value.lower()
        kept.append((key, value))
    return kept


# Generated answers. Each part is drawn from well-formed choices, or, one
# time in ``odds`` (0: never), from ill-formed or borderline ones; each
# hostile answer draws its odds, so that some hold one flaw and some many.


class Answer(NamedTuple):
    whole: bytes
    pieces: list[bytes]
    body: bytes  # the body a well-formed answer carries
    rest: bytes  # and what follows it


def _bad(draw: Any, odds: int) -> bool:
    return odds > 0 and draw(st.integers(1, odds)) == odds


def _pick(draw: Any, good: list[bytes], bad: list[bytes], odds: int) -> bytes:
    if _bad(draw, odds):
        return bytes(draw(st.sampled_from(bad)))
    return bytes(draw(st.sampled_from(good)))


HEAD_EOL = ([b"\r\n", b"\r\n", b"\n"], [b"\r", b"\r\r\n", b"\n\r"])
VERSION = (
    [b"HTTP/1.1", b"HTTP/1.0"],
    [b"HTTP/2.0", b"HTTP/1.2", b"http/1.1", b"HTTP/1", b"HTTP/1.1 ", b" HTTP/1.1", b"ICY", b""],
)
FINAL = (
    [b"200", b"201", b"204", b"304", b"404", b"500", b"599"],
    [b"101", b"099", b"000", b"2OO", "٣00".encode(), b"20", b"2000", b"999", b"-20"],
)
INFORMATIONAL = ([b"100", b"102", b"103"], [b"101", b"099", b"150", b"199", b"10", b"1\xd9\xa3"])
REASON = (
    [b" OK", b"", b" ", b" Not Found", b" caf\xe9", b" a\tb", b" a: b"],
    [b" a\x01b", b" a\x7f", b" a\x0bb", b" a\x00b", b" a\rb", b"\tOK", b"OK", b"  OK"],
)
NAME = (
    [b"Content-Type", b"X-Request-Id", b"Server", b"Connection", b"x-a!#$%&'*+.^_`|~9"],
    [b"", b"X A", b"X-A ", b" X-A", b"\tX-A", b"Caf\xe9", b"X\x00", b"X\x7f", b"X\r", b"X\x01", b"X;a"],
)
SEPARATOR = ([b": ", b":", b":  ", b":\t", b": \t"], [b" : ", b"\t:", b"", b";", b"::"])
VALUE = (
    [b"application/json", b"", b"a b", b"close", b"keep-alive", b"Keep-Alive, close", b"\xe9\xff", b"x:y", b"a\tb"],
    [b"a\x00b", b"a\x01b", b"a\x7fb", b"a\x0bb", b"a\x0cb", b"a\rb", b"a\nb", b"a\n b", b"a\r\n\tb", b"\x80\x00"],
)
OWS = ([b"", b"", b" ", b"\t", b" \t"], [b"\x0b", b"\x0c", b"\r", b"\x00"])
LENGTH_NAME = [b"Content-Length", b"content-length", b"CONTENT-LENGTH"]
CODING_NAME = [b"Transfer-Encoding", b"transfer-encoding"]
CODING = (
    [b"chunked", b"Chunked", b"CHUNKED"],
    [b"gzip", b"gzip, chunked", b"chunked, chunked", b"identity", b"chunked;q=1", b"chunked\x01", b"", b"chunk"],
)
CHUNK_EXT = ([b"", b";name=value", b';a;b="c d"', b";x ", b"; a"], [b" ;x", b";\x01", b";a\rb", b";a\nb", b"\t"])
CHUNK_EOL = ([b"\r\n"], [b"\n", b"\r\r\n", b"\r", b" \r\n"])
CHUNK_END = ([b"\r\n"], [b"\n", b"", b"\r", b"x\r\n", b"\r\r\n", b" \r\n"])
# Trailer fields that h11 refuses beside its grammar: framing fields in a trailer.
FRAMING_TRAILERS = [
    b"Content-Length: x",
    b"Content-Length: 1",
    b"Transfer-Encoding: gzip",
    b"Transfer-Encoding: chunked",
]


@st.composite
def _field(draw: Any, odds: int) -> bytes:
    name = _pick(draw, *NAME, odds)
    value = _pick(draw, *VALUE, odds)
    return name + _pick(draw, *SEPARATOR, odds) + value + _pick(draw, *OWS, odds)


@st.composite
def _length_field(draw: Any, length: int, odds: int) -> bytes:
    good = [str(length).encode()]
    bad = [
        str(length + 1).encode(),
        str(max(length - 1, 0)).encode(),
        b"0" + good[0],
        good[0] + b", " + good[0],
        b"+" + good[0],
        b"-1",
        b"0x1",
        b"",
        "٣".encode(),
        b"9" * 19,
        b"1" * 21,
        b"1 2",
    ]
    value = _pick(draw, good, bad, odds)
    return bytes(draw(st.sampled_from(LENGTH_NAME))) + b": " + value + _pick(draw, *OWS, odds)


@st.composite
def _coding_field(draw: Any, odds: int) -> bytes:
    return (
        bytes(draw(st.sampled_from(CODING_NAME)))
        + b":"
        + _pick(draw, [b" ", b""], [b"  ", b"\t"], odds)
        + (_pick(draw, *CODING, odds))
    )


@st.composite
def _head(draw: Any, code: bytes, framing: list[bytes], odds: int) -> bytes:
    eol = _pick(draw, *HEAD_EOL, odds)
    line = _pick(draw, *VERSION, odds) + b" " + code + _pick(draw, *REASON, odds)
    fields = draw(st.lists(_field(odds), max_size=3)) + framing
    fields = draw(st.permutations(fields))
    return line + b"".join(eol + field for field in fields) + eol + _pick(draw, *HEAD_EOL, odds)


@st.composite
def _chunked(draw: Any, content: bytes, odds: int) -> bytes:
    cuts = sorted(set(draw(st.lists(st.integers(1, max(len(content) - 1, 1)), max_size=4))))
    bounds = [0, *(cut for cut in cuts if cut < len(content)), len(content)]
    out = b""
    for start, end in zip(bounds, bounds[1:], strict=False):
        if start == end:
            continue
        size = format(end - start, draw(st.sampled_from(["x", "X", "04x"]))).encode()
        size = _pick(draw, [size], [b" " + size, b"0x" + size, b"+" + size, size + b"g", b"", b"1" * 17], odds)
        out += size + _pick(draw, *CHUNK_EXT, odds) + _pick(draw, *CHUNK_EOL, odds)
        out += content[start:end] + _pick(draw, *CHUNK_END, odds)
    out += _pick(draw, [b"0", b"000"], [b"", b" 0", b"0x0"], odds) + _pick(draw, *CHUNK_EXT, odds)
    out += _pick(draw, *CHUNK_EOL, odds)
    for _ in range(draw(st.integers(0, 2))):
        field = draw(st.sampled_from(FRAMING_TRAILERS)) if _bad(draw, odds) else draw(_field(odds))
        out += field + _pick(draw, *HEAD_EOL, odds)
    return out + _pick(draw, *HEAD_EOL, odds)


@st.composite
def answers(draw: Any, hostile: bool = True) -> Answer:
    """1xx heads, then a final head and its body (by Content-Length, chunked
    or the connection's close), maybe bytes after it, maybe cut short."""
    odds = draw(st.sampled_from([4, 15, 60])) if hostile else 0
    out = b""
    for _ in range(draw(st.integers(0, 2))):
        framing = [draw(st.sampled_from(FRAMING_TRAILERS))] if _bad(draw, odds) else []
        out += draw(_head(_pick(draw, *INFORMATIONAL, odds), framing, odds))
    code = _pick(draw, *FINAL, odds)
    content = draw(st.binary(max_size=48))
    mode = draw(st.sampled_from(["length", "chunked", "close"]))
    if _bad(draw, odds):  # a body framed otherwise than its head says
        encoded = draw(_chunked(content, odds)) if mode != "chunked" else content
    else:
        encoded = draw(_chunked(content, odds)) if mode == "chunked" else content
    framing = []
    if mode == "length":
        framing.append(draw(_length_field(len(content), odds)))
    elif mode == "chunked":
        framing.append(draw(_coding_field(odds)))
    if _bad(draw, odds):  # a second framing field
        framing.append(draw(st.one_of(_length_field(len(content), odds), _coding_field(odds))))
    out += draw(_head(code, framing, odds))
    after = b"" if mode == "close" else draw(st.sampled_from([b"", b"", OK + b"\r\n", b"junk"]))
    body, rest = content, after
    if code in (b"204", b"304"):
        body, rest = b"", encoded + after
    whole = out + encoded + after
    if _bad(draw, odds):  # the connection closed early
        whole = whole[: draw(st.integers(0, max(len(whole) - 1, 0)))]
    cuts = sorted(set(draw(st.lists(st.integers(1, max(len(whole) - 1, 1)), max_size=8))))
    bounds = [0, *(cut for cut in cuts if cut < len(whole)), len(whole)]
    pieces = [whole[start:end] for start, end in zip(bounds, bounds[1:], strict=False) if end > start]
    return Answer(whole, pieces, body, rest)


@settings(max_examples=300, deadline=None)
@given(answers())
def test_what_http11_accepts_h11_accepts_alike(codec: Any, answer: Answer) -> None:
    ours = _ours(codec, answer.pieces)
    assert ours == _ours(codec, [answer.whole]), "the pieces changed the outcome"
    if ours is None:
        return  # refusing more than h11 is allowed
    theirs = _h11(answer.pieces)
    assert theirs is not None, f"h11 refuses what http11 accepts: {answer.whole!r}"
    assert ours.status == theirs.status
    assert _as_h11_keeps(ours.fields) == [(name.lower(), value) for name, value in theirs.fields]
    assert ours.body == theirs.body
    assert ours.rest == theirs.rest


@settings(max_examples=200, deadline=None)
@given(answers(hostile=False))
def test_a_valid_answer_reads_alike_in_any_pieces(codec: Any, answer: Answer) -> None:
    whole = _read(codec, [answer.whole])
    assert _read(codec, answer.pieces) == whole
    assert _read(codec, [answer.whole[i : i + 1] for i in range(len(answer.whole))]) == whole
    assert (whole.body, whole.rest) == (answer.body, answer.rest)
    assert _h11(answer.pieces) is not None


# Refusals, one example each (the module docstring's list), and h11 refuses each too.

FIELDS = OK + b"Content-Length: 0\r\n"
REFUSED = {
    "HTTP/2 status line": b"HTTP/2 200 OK\r\n\r\n",
    "two-digit status": b"HTTP/1.1 20 OK\r\n\r\n",
    "not HTTP": b"ICY 200 OK\r\n\r\n",
    "status below 100": b"HTTP/1.1 099 Odd\r\n\r\n" + FIELDS + b"\r\n",
    "field without a name": FIELDS + b": v\r\n\r\n",
    "field without a colon": FIELDS + b"X-A v\r\n\r\n",
    "blank before the colon": FIELDS + b"X-A : v\r\n\r\n",
    "folded first field": OK + b" X-A: v\r\nContent-Length: 0\r\n\r\n",
    "NUL in a value": FIELDS + b"X-A: a\x00b\r\n\r\n",
    "CR in a value": FIELDS + b"X-A: a\rb\r\n\r\n",
    "two different Content-Lengths": OK + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "non-ASCII digit Content-Length": OK + "Content-Length: ٣\r\n\r\nabc".encode(),
    "signed Content-Length": OK + b"Content-Length: +3\r\n\r\nabc",
    "gzip Transfer-Encoding": OK + b"Transfer-Encoding: gzip\r\n\r\nabc",
    "gzip, chunked": OK + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "two Transfer-Encodings": OK + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "bad Content-Length in a 1xx": b"HTTP/1.1 103 Early\r\nContent-Length: x\r\n\r\n" + FIELDS + b"\r\n",
    "gzip in a 1xx": b"HTTP/1.1 100 Continue\r\nTransfer-Encoding: gzip\r\n\r\n" + FIELDS + b"\r\n",
    "chunk size not hexadecimal": OK + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n0\r\n\r\n",
    "blank before the chunk size": OK + b"Transfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n0\r\n\r\n",
    "blank before the chunk extension": OK + b"Transfer-Encoding: chunked\r\n\r\n3 ;x\r\nabc\r\n0\r\n\r\n",
    "chunk without its line end": OK + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
    "chunk ended by a bare LF": OK + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n",
    "chunk size ended by a bare LF": OK + b"Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
    "last chunk ended by a bare LF": OK + b"Transfer-Encoding: chunked\r\n\r\n0\n\r\n",
    "control character in a trailer": OK + b"Transfer-Encoding: chunked\r\n\r\n0\r\nX-A: a\x0bb\r\n\r\n",
    "trailer without a colon": OK + b"Transfer-Encoding: chunked\r\n\r\n0\r\nX-A\r\n\r\n",
    "framing field in a trailer": OK + b"Transfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: x\r\n\r\n",
    "body cut short": OK + b"Content-Length: 5\r\n\r\nabc",
    "chunked body cut short": OK + b"Transfer-Encoding: chunked\r\n\r\n5\r\nabc",
    "head cut short": OK + b"Content-Length: 5\r\n",
    "protocol switch": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
}


# Refused here though h11 takes them: a control character h11 lets through,
# a folded field it unfolds, the smuggling pair it resolves for chunked.
STRICTER = {
    "control character in the reason": b"HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n",
    "folded field": FIELDS + b"X-A: v\r\n w\r\n\r\n",
    "control character in a value": FIELDS + b"X-A: a\x01b\r\n\r\n",
    "DEL in a value": FIELDS + b"X-A: a\x7fb\r\n\r\n",
    "Content-Length beside Transfer-Encoding": OK + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("answer", REFUSED.values(), ids=REFUSED.keys())
def test_refused(codec: Any, answer: bytes) -> None:
    with pytest.raises(codec.Refused):
        _read(codec, [answer])
    assert _h11([answer]) is None  # h11 refuses it too


@pytest.mark.parametrize("answer", STRICTER.values(), ids=STRICTER.keys())
def test_refused_beyond_h11(codec: Any, answer: bytes) -> None:
    with pytest.raises(codec.Refused):
        _read(codec, [answer])
    assert _h11([answer]) is not None


def test_limits(codec: Any) -> None:
    long_line = FIELDS + b"X-A: " + b"a" * codec.MAX_LINE + b"\r\n\r\n"
    many = FIELDS + b"".join(b"X-%d: v\r\n" % i for i in range(codec.MAX_FIELDS)) + b"\r\n"
    for answer in long_line, many:
        with pytest.raises(codec.Refused):
            _read(codec, [answer])
    fine = FIELDS + b"".join(b"X-%d: v\r\n" % i for i in range(codec.MAX_FIELDS - 1)) + b"\r\n"
    assert len(_read(codec, [fine]).fields) == codec.MAX_FIELDS
    long_chunk_line = OK + b"Transfer-Encoding: chunked\r\n\r\n1;" + b"x" * codec.MAX_LINE
    with pytest.raises(codec.Refused):
        _read(codec, [long_chunk_line])


def test_head_end(codec: Any) -> None:
    assert codec.head_end(b"") == -1
    assert codec.head_end(OK + b"X-A: v\r\n") == -1
    assert codec.head_end(OK + b"\r\nbody") == len(OK) + 2
    assert codec.head_end(b"HTTP/1.1 200 OK\n\nbody") == 17
    with pytest.raises(codec.Refused):  # no end within MAX_HEAD: nothing more is read
        codec.head_end(OK + b"X-A: " + b"a" * codec.MAX_HEAD)
    with pytest.raises(codec.Refused):  # an end, but past MAX_HEAD
        codec.head_end(OK + b"X-A: " + b"a" * codec.MAX_HEAD + b"\r\n\r\n")


def test_informational_heads_are_returned_and_skipped(codec: Any) -> None:
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
    head = codec.parse_head(early)
    assert (head.status, head.fields) == (103, [("Link", "</a.css>; rel=preload")])
    answer = b"HTTP/1.1 100 Continue\r\n\r\n" + early + OK + b"Content-Length: 2\r\n\r\nhi"
    assert _read(codec, [answer]) == Outcome(200, [("Content-Length", "2")], b"hi", b"", False)


def test_framing(codec: Any) -> None:
    head = codec.parse_head(b"HTTP/1.0 200 OK\r\n\r\n")
    assert (head.version, head.chunked, head.length, head.close) == (10, False, None, True)
    head = codec.parse_head(b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
    assert (head.length, head.close) == (0, False)
    head = codec.parse_head(OK + b"Connection: x, Close\r\nContent-Length: 01\r\nContent-Length: 01\r\n\r\n")
    assert (head.length, head.close) == (1, True)
    head = codec.parse_head(OK + b"Transfer-Encoding: Chunked\r\n\r\n")
    assert (head.chunked, head.length, head.close) == (True, None, False)
    for status in b"204", b"304":
        head = codec.parse_head(b"HTTP/1.1 " + status + b" X\r\nTransfer-Encoding: chunked\r\n\r\n")
        assert (head.chunked, head.length) == (False, 0)
    head = codec.parse_head(OK + b"Content-Length: 5\r\n\r\n", "HEAD")
    assert head.length == 0
    assert codec.parse_head(OK + b"\r\n", "CONNECT").length == 0
    assert _read(codec, [OK + b"\r\nuntil", b" the end"]) == Outcome(200, [], b"until the end", b"", True)


def test_chunked_body_keeps_what_follows(codec: Any) -> None:
    head = codec.parse_head(OK + b"Transfer-Encoding: chunked\r\n\r\n")
    body = codec.Body(head)
    data = b'3;name="v"\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\nHTTP/1.1 200 OK\r\n'
    pieces = [piece for i in range(len(data)) for piece in body.feed(data[i : i + 1])]
    assert b"".join(pieces) == b"abc0123456789abcdef" and body.done
    assert body.rest == b"HTTP/1.1 200 OK\r\n"
    assert body.feed(b"more") == [] and body.rest == b"HTTP/1.1 200 OK\r\nmore"
    body.eof()  # ended already: nothing owed
    whole = codec.Body(head)
    assert whole.feed(data) == [b"abc", b"0123456789abcdef"] and whole.rest == b"HTTP/1.1 200 OK\r\n"


def test_length_body(codec: Any) -> None:
    body = codec.Body(codec.parse_head(OK + b"Content-Length: 4\r\n\r\n"))
    assert body.feed(b"ab") == [b"ab"] and not body.done
    assert body.feed(b"cdEF") == [b"cd"] and body.done and body.rest == b"EF"
    empty = codec.Body(codec.parse_head(OK + b"Content-Length: 0\r\n\r\n"))
    assert empty.done and empty.feed(b"x") == [] and empty.rest == b"x"
    cut = codec.Body(codec.parse_head(OK + b"Content-Length: 4\r\n\r\n"))
    cut.feed(b"ab")
    with pytest.raises(codec.Refused):
        cut.eof()


def _lines(head: bytes) -> Iterator[str]:
    assert head.endswith(b"\r\n\r\n")
    yield from head[:-4].decode("latin-1").split("\r\n")


def test_request_head(codec: Any) -> None:
    head = codec.request_head(
        "POST", "/", {"Host": "cvm.example", "X-TC-Action": "Run"}, {"Proxy-Authorization": "B"}, 7
    )
    assert list(_lines(head)) == [
        "POST / HTTP/1.1",
        "Proxy-Authorization: B",
        "Host: cvm.example",
        "X-TC-Action: Run",
        "Content-Length: 7",
    ]
    given = codec.request_head("POST", "/", {"Content-Length": "7"}, {}, 7)
    assert list(_lines(given)) == ["POST / HTTP/1.1", "Content-Length: 7"]
    streamed = codec.request_head("POST", "/", {"Transfer-Encoding": "chunked"}, {}, None)
    assert list(_lines(streamed)) == ["POST / HTTP/1.1", "Transfer-Encoding: chunked"]
    assert codec.request_head("POST", "/", {"X": "caf\xe9"}, {}, None).endswith(b"X: caf\xe9\r\n\r\n")


@pytest.mark.parametrize("bad", ["\r", "\n", "\0", "\r\n"], ids=["CR", "LF", "NUL", "CRLF"])
@pytest.mark.parametrize("where", ["name", "value", "extra name", "extra value", "method", "target"])
def test_request_head_refuses_line_breaks(codec: Any, bad: str, where: str) -> None:
    parts: dict[str, Any] = {"method": "POST", "target": "/", "headers": {"X-A": "v"}, "extra": {"X-B": "w"}}
    if where == "name":
        parts["headers"] = {f"X{bad}A": "v"}
    elif where == "value":
        parts["headers"] = {"X-A": f"v{bad}Injected: 1"}
    elif where == "extra name":
        parts["extra"] = {f"X{bad}B": "w"}
    elif where == "extra value":
        parts["extra"] = {"X-B": f"w{bad}"}
    else:
        parts[where] = f"{parts[where]}{bad}x"
    with pytest.raises(ValueError):
        codec.request_head(parts["method"], parts["target"], parts["headers"], parts["extra"], 0)
