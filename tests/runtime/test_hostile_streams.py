"""Hostile event streams (issue 22, items 5 and 8): events past the size
limit, data lines that never end an event, bytes that are not UTF-8, data
nested too deeply, and any split of the bytes into chunks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_streaming import MODES, SECRET_ID, SECRET_KEY, Answer, FakeStreams, event, fake, stream_package

# The sync clients on each transport (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_transports")

__all__ = ["fake", "stream_package"]  # fixtures used here


def decoder(max_event_size: int | None = None) -> Any:
    from tcsdk.common.streaming import EventDecoder

    return EventDecoder() if max_event_size is None else EventDecoder(max_event_size)


def decode(chunks: list[bytes], max_event_size: int | None = None) -> list[Any]:
    parser = decoder(max_event_size)
    return [e for chunk in chunks for e in parser.feed(chunk)] + parser.end()


# --- the decoder ---------------------------------------------------------------------

lines = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=12).map(
        lambda text: f"data: {text}"
    ),
    st.sampled_from(["", ": comment", "event: tick", "id: 7", "retry: 50", "data", "data:x"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.lists(st.tuples(lines, st.sampled_from(["\n", "\r", "\r\n"])), max_size=12),
    bom=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
)
def test_any_split_into_chunks_gives_the_same_events(
    body: list[tuple[str, str]], bom: bool, cuts: list[int], generated_on_path: Path
) -> None:
    from tcsdk.common.errors import TransportError

    raw = (("\ufeff" if bom else "") + "".join(line + end for line, end in body) + "\n\n").encode()
    whole = decode([raw])
    points = sorted({min(c, len(raw)) for c in cuts})
    chunks = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    assert decode(chunks) == whole
    assert decode([raw[i : i + 1] for i in range(len(raw))]) == whole
    try:  # cut short anywhere: the same events up to there, or a TransportError
        decode([raw[: len(raw) // 2]])
    except TransportError:
        pass


def test_an_event_larger_than_the_limit_is_refused(generated_on_path: Path) -> None:
    from tcsdk.common.errors import StreamError
    from tcsdk.common.streaming import MAX_EVENT_SIZE

    assert MAX_EVENT_SIZE == 16 * 1024 * 1024
    assert [e.data for e in decode([b"data: " + b"x" * 994 + b"\n\n"], 1000)] == ["x" * 994]
    for chunks in (
        [b"data: " + b"x" * 995 + b"\n\n"],  # one line over
        [b"data: " + b"x" * 600 + b"\ndata: " + b"y" * 600 + b"\n\n"],  # lines adding up
        [b"data: " + b"x" * 100] * 20,  # a line that never ends
    ):
        with pytest.raises(StreamError, match="1000 bytes"):
            decode(chunks, 1000)


def test_data_lines_without_a_blank_line_are_bounded(generated_on_path: Path) -> None:
    """Fed forever, the decoder refuses as soon as the event passes the limit."""
    from tcsdk.common.errors import StreamError

    parser = decoder(64 * 1024)
    chunk = b"data: " + b"z" * 1000 + b"\n"
    fed = 0
    with pytest.raises(StreamError):
        while fed < 10 * 1024 * 1024:
            parser.feed(chunk)
            fed += len(chunk)
    assert fed <= 64 * 1024  # refused at the limit, not after everything came
    # Comments keep a connection alive without growing anything.
    keep_alive = decoder(1024)
    for _ in range(5000):
        assert keep_alive.feed(b": ping\n") == []


@pytest.mark.parametrize("bad", [b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"])
def test_bytes_that_are_not_utf8_are_a_stream_error(bad: bytes, generated_on_path: Path) -> None:
    from tcsdk.common.errors import StreamError

    for field in (b"data: ", b"event: ", b"id: "):
        with pytest.raises(StreamError, match="not UTF-8"):
            decode([field + b"ok " + bad + b"\n\n"])
    # A character split across chunks is fine.
    text = "数据".encode()
    assert [e.data for e in decode([b"data: " + text[:1], text[1:4], text[4:] + b"\n\n"])] == ["数据"]


# --- through the clients -------------------------------------------------------------


def read(mode: str, server: FakeStreams, max_event_size: int | None = None) -> list[Any]:
    from streampkg.chat.v20240101.client import AsyncChatClient, ChatClient
    from streampkg.common.credentials import Credentials

    credentials = Credentials(SECRET_ID, SECRET_KEY)
    if mode == "sync":
        with ChatClient(credentials, endpoint=server.url, timeout=5.0) as client:
            with client.talk_sse(prompt="x") as stream:
                if max_event_size is not None:
                    stream.max_event_size = max_event_size
                return list(stream)

    async def main() -> list[Any]:
        async with AsyncChatClient(credentials, endpoint=server.url, timeout=5.0) as client:
            async with client.talk_sse(prompt="x") as stream:
                if max_event_size is not None:
                    stream.max_event_size = max_event_size
                return [item async for item in stream]

    return asyncio.run(main())


@pytest.mark.parametrize("depth", [1_000, 10_000, 100_000])
@pytest.mark.parametrize("mode", MODES)
def test_event_data_nested_too_deeply(mode: str, depth: int, fake: FakeStreams, stream_package: Path) -> None:
    from streampkg.common.errors import InvalidJSONError

    fake.script.append(
        Answer(chunks=[event({"IsEnd": False}), b'data: {"Delta": ' + b"[" * depth + b"]" * depth + b"}\n\n"])
    )
    with pytest.raises(InvalidJSONError, match="nested too deeply") as caught:
        read(mode, fake)
    assert caught.value.action == "TalkSSE" and "TalkSSE" in str(caught.value)


@pytest.mark.parametrize("mode", MODES)
def test_limits_and_encoding_through_the_clients(mode: str, fake: FakeStreams, stream_package: Path) -> None:
    from streampkg.common.errors import StreamError

    big = b"data: " + b"x" * 5000 + b"\n\n"
    fake.script.append(Answer(chunks=[event({"IsEnd": False}), big]))
    with pytest.raises(StreamError, match="4096 bytes") as caught:
        read(mode, fake, max_event_size=4096)
    assert caught.value.action == "TalkSSE"
    fake.script.append(Answer(chunks=[event({"IsEnd": False}), b'data: {"IsEnd": true, "X": "\xff"}\n\n']))
    with pytest.raises(StreamError, match="not UTF-8"):
        read(mode, fake)
    # The default limit lets an ordinary large event through.
    fake.script.append(Answer(chunks=[event({"IsEnd": True, "Pad": "p" * 200_000})]))
    assert [item.is_end for item in read(mode, fake)] == [True]
