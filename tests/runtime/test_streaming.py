"""Streamed answers (server-sent events): the event parser, and generated
sync and async clients against a fake event-stream endpoint on 127.0.0.1,
including the event-stream examples of the shared corpus.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import msgspec
import pytest

from codegen.importers.tencent_api import request_body

from ..conftest import FIXTURES, SHARED, importable_package, run_codegen
from ..fake_tencent import verify

# The sync clients on each transport (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_transports")

SECRET_ID = "AKIDstreamtest"
SECRET_KEY = "stream-secret-key"
MODES = ["sync", "async"]
CORPUS = SHARED / "tencentcloud-api"


@dataclass
class Answer:
    """One scripted answer: an event stream sent in ``chunks``, or plain ``body``."""

    chunks: list[bytes] = field(default_factory=list)
    body: bytes = b""
    status: int = 200
    pause: float = 0.0  # between chunks
    endless: bool = False  # repeat the last chunk until the client goes away


class FakeStreams:
    """Answers each request with the next scripted answer; verifies signatures."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.script: deque[Answer] = deque()
        self.requests: list[dict[str, str]] = []
        self.bodies: list[bytes] = []
        self.disconnected = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the body ends when the connection closes

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.requests.append(headers)
                fake.bodies.append(body)
                problem = verify(headers, body, {SECRET_ID: SECRET_KEY}, fake.service)
                answer = fake.script.popleft() if fake.script and problem is None else Answer(body=b"{}")
                if problem is not None:
                    answer = Answer(
                        body=json.dumps(
                            {
                                "Response": {
                                    "Error": {"Code": "AuthFailure.SignatureFailure", "Message": problem},
                                    "RequestId": "r",
                                }
                            }
                        ).encode()
                    )
                self.send_response(answer.status)
                self.send_header("X-TC-RequestId", "stream-req")
                if answer.chunks:
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    try:
                        for chunk in answer.chunks:
                            self.wfile.write(chunk)
                            self.wfile.flush()
                            time.sleep(answer.pause)
                        while answer.endless:
                            self.wfile.write(answer.chunks[-1])
                            self.wfile.flush()
                            time.sleep(0.01)
                    except OSError:
                        fake.disconnected.set()
                else:
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def event(data: dict[str, Any], *, sep: bytes = b"\n") -> bytes:
    return b"data: " + json.dumps(data).encode() + sep + sep


@pytest.fixture(scope="module")
def stream_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with importable_package(
        tmp_path_factory.mktemp("streaming"), "streampkg", "--specs", str(FIXTURES / "streaming")
    ) as out:
        yield out


@pytest.fixture()
def fake() -> Iterator[FakeStreams]:
    server = FakeStreams("chat")
    yield server
    server.stop()


def collect(mode: str, server: FakeStreams, limit: int | None = None, **call: Any) -> tuple[list[Any], Any]:
    """Call TalkSSE and read its events (at most ``limit``); (events, stream)."""
    from streampkg.chat.v20240101.client import AsyncChatClient, ChatClient
    from streampkg.common.credentials import Credentials

    options: dict[str, Any] = {"endpoint": server.url, "timeout": 5.0}
    call = {"prompt": "hi", **call}
    if mode == "sync":
        with ChatClient(Credentials(SECRET_ID, SECRET_KEY), sleep=lambda s: None, **options) as client:
            items: list[Any] = []
            with client.talk_sse(**call) as stream:
                for item in stream:
                    items.append(item)
                    if limit is not None and len(items) >= limit:
                        break
            return items, stream

    async def nothing(seconds: float) -> None:
        pass

    async def main() -> tuple[list[Any], Any]:
        async with AsyncChatClient(Credentials(SECRET_ID, SECRET_KEY), sleep=nothing, **options) as client:
            items: list[Any] = []
            async with client.talk_sse(**call) as stream:
                async for item in stream:
                    items.append(item)
                    if limit is not None and len(items) >= limit:
                        break
            return items, stream

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
def test_events_arrive_typed(mode: str, fake: FakeStreams, stream_package: Path) -> None:
    from streampkg.chat.v20240101 import models

    fake.script.append(
        Answer(
            chunks=[
                b": keep-alive comment\n\n",
                event({"Delta": {"Content": "Hel", "Seq": 0}, "IsEnd": False, "RequestId": "own-id"}),
                b'id: 7\nevent: piece\ndata: {"Delta": {"Content": "lo",\ndata:  "Seq": 1},\r\n',
                b'data: "IsEnd": true}\r\n\r\n',
            ]
        )
    )
    items, stream = collect(mode, fake)
    assert [type(i) for i in items] == [models.TalkSSEResponse] * 2
    assert [(i.delta.content, i.delta.seq, i.is_end) for i in items] == [("Hel", 0, False), ("lo", 1, True)]
    assert items[0].request_id == "own-id" and items[1].request_id == "stream-req"
    assert stream.meta.status == 200 and stream.meta.attempts == 1
    assert fake.requests[0]["x-tc-action"] == "TalkSSE"


@pytest.mark.parametrize("mode", MODES)
def test_an_error_event_raises_the_typed_error(mode: str, fake: FakeStreams, stream_package: Path) -> None:
    from streampkg.chat.v20240101.errors import TalkSSEErrorCode
    from streampkg.common.errors import TencentCloudError

    fake.script.append(
        Answer(
            chunks=[
                event({"Delta": {"Content": "a"}}),
                event({"Error": {"Code": "FailedOperation.TalkFailed", "Message": "no"}, "RequestId": "r-9"}),
            ]
        )
    )
    seen: list[Any] = []

    with pytest.raises(TencentCloudError) as caught:
        if mode == "sync":
            from streampkg.chat.v20240101.client import ChatClient
            from streampkg.common.credentials import Credentials

            with ChatClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=fake.url) as client:
                for item in client.talk_sse(prompt="x"):
                    seen.append(item)
        else:

            async def main() -> None:
                from streampkg.chat.v20240101.client import AsyncChatClient
                from streampkg.common.credentials import Credentials

                async with AsyncChatClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=fake.url) as client:
                    async for item in client.talk_sse(prompt="x"):
                        seen.append(item)

            asyncio.run(main())
    assert len(seen) == 1
    assert caught.value.code is TalkSSEErrorCode.FAILED_OPERATION_TALK_FAILED
    assert caught.value.request_id == "r-9"
    assert len(fake.requests) == 1  # nothing repeated once events came


@pytest.mark.parametrize("mode", MODES)
def test_errors_before_the_stream(mode: str, fake: FakeStreams, stream_package: Path) -> None:
    from streampkg.common.errors import HTTPStatusError, InternalError

    envelope = {"Response": {"Error": {"Code": "InternalError", "Message": "boom"}, "RequestId": "r-1"}}
    fake.script.append(Answer(body=json.dumps(envelope).encode()))
    with pytest.raises(InternalError):
        collect(mode, fake)
    # Not read-only: a 5xx before the stream is not repeated ...
    fake.script.append(Answer(status=503, body=b"busy"))
    with pytest.raises(HTTPStatusError):
        collect(mode, fake)
    assert len(fake.requests) == 2
    # ... but throttling is, and the stream then starts normally.
    throttled = {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "slow"}, "RequestId": "r-2"}}
    fake.script.append(Answer(body=json.dumps(throttled).encode()))
    fake.script.append(Answer(chunks=[event({"IsEnd": True})]))
    items, stream = collect(mode, fake)
    assert [i.is_end for i in items] == [True] and stream.meta.attempts == 2
    assert len(fake.requests) == 4


@pytest.mark.parametrize("mode", MODES)
def test_a_stream_cut_mid_event_is_a_transport_error(mode: str, fake: FakeStreams, stream_package: Path) -> None:
    from streampkg.common.errors import TransportError

    fake.script.append(Answer(chunks=[event({"IsEnd": False}), b'data: {"IsEnd": tr']))
    with pytest.raises(TransportError) as caught:
        collect(mode, fake)
    assert caught.value.sent
    assert len(fake.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_plain_json_answer_is_the_only_item(mode: str, fake: FakeStreams, stream_package: Path) -> None:
    fake.script.append(Answer(body=json.dumps({"Response": {"IsEnd": True, "RequestId": "one"}}).encode()))
    items, stream = collect(mode, fake, stream=False)
    assert [(i.is_end, i.request_id) for i in items] == [(True, "one")]
    assert stream.meta.status == 200


@pytest.mark.parametrize("mode", MODES)
def test_leaving_early_closes_the_connection(mode: str, fake: FakeStreams, stream_package: Path) -> None:
    fake.script.append(Answer(chunks=[event({"IsEnd": False})], endless=True))
    items, _ = collect(mode, fake, limit=2)
    assert len(items) == 2
    assert fake.disconnected.wait(10)


@pytest.mark.parametrize("mode", MODES)
def test_done_ends_quietly_and_broken_json_is_an_error(mode: str, fake: FakeStreams, stream_package: Path) -> None:
    from streampkg.common.errors import InvalidJSONError

    fake.script.append(Answer(chunks=[event({"IsEnd": True}), b"data: [DONE]\n\n"]))
    items, _ = collect(mode, fake)
    assert [i.is_end for i in items] == [True]
    fake.script.append(Answer(chunks=[b'data: {"IsEnd": true,, }\n\n']))
    with pytest.raises(InvalidJSONError):
        collect(mode, fake)


def test_bad_arguments_fail_at_the_call_for_async_too(stream_package: Path) -> None:
    from streampkg.chat.v20240101.client import AsyncChatClient
    from streampkg.common.credentials import Credentials

    async def main() -> None:
        async with AsyncChatClient(Credentials(SECRET_ID, SECRET_KEY), endpoint="http://127.0.0.1:9") as client:
            with pytest.raises(TypeError):
                client.talk_sse(nonsense=1)  # type: ignore[call-overload]

    asyncio.run(main())


def decode_all(chunks: list[bytes], decoder_cls: Any) -> list[Any]:
    decoder = decoder_cls()
    events = [e for chunk in chunks for e in decoder.feed(chunk)]
    return events + decoder.end()


def test_event_parser_follows_the_event_stream_rules(stream_package: Path) -> None:
    from streampkg.common.errors import TransportError
    from streampkg.common.streaming import EventDecoder, ServerSentEvent

    text = "\ufeffdata: a\r\ndata:b\r\n\r\n: comment\nevent: tick\nid: 3\nretry: 100\ndata: c\n\nretry: x\ndata\rdata: d\r\r"
    expected = [
        ServerSentEvent("a\nb"),
        ServerSentEvent("c", event="tick", id="3", retry=100),
        ServerSentEvent("\nd", id="3"),
    ]
    raw = text.encode()
    assert decode_all([raw], EventDecoder) == expected
    # Byte by byte (a CRLF, the BOM and UTF-8 split across chunks) gives the same.
    assert decode_all([raw[i : i + 1] for i in range(len(raw))], EventDecoder) == expected
    assert decode_all([b"event: only\n\n", b"\n\n"], EventDecoder) == []
    with pytest.raises(TransportError):
        decode_all([b"data: half"], EventDecoder)
    with pytest.raises(TransportError):
        decode_all([b"data: whole line\n"], EventDecoder)


def event_json_ok(block: str) -> bool:
    lines = [line.split(":", 1)[1].removeprefix(" ") for line in block.split("\n") if line.startswith("data:")]
    data = "\n".join(lines)
    if not lines or data == "[DONE]":
        return bool(lines)
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def filled(info: Any) -> Any:
    """A JSON value of the inspected type, with every required field set."""
    import msgspec.inspect as mi

    if isinstance(info, mi.UnionType):
        return filled(next(t for t in info.types if not isinstance(t, mi.NoneType)))
    if isinstance(info, mi.StructType):
        return {f.encode_name: filled(f.type) for f in info.fields if f.required}
    if isinstance(info, mi.ListType):
        return []
    return {mi.StrType: "x", mi.IntType: 1, mi.FloatType: 1.0, mi.BoolType: True}.get(type(info), None)


CORPUS_STREAMS = [
    ("trtc/v20190722", "TextToSpeechSSE"),
    ("lkeap/v20240522", "ChatCompletions"),
    ("cls/v20201016", "ChatCompletions"),
]


@pytest.mark.slow
@pytest.mark.skipif(not (CORPUS / "index.json").is_file(), reason="../shared corpus is not present")
@pytest.mark.parametrize(("folder", "action"), CORPUS_STREAMS)
@pytest.mark.parametrize("mode", MODES)
def test_corpus_event_stream_examples(mode: str, folder: str, action: str, tmp_path: Path) -> None:
    service = folder.split("/")[0]
    package = f"corpus_{service}_{mode}"
    result = run_codegen(
        "generate",
        "--from",
        "tencentcloud",
        str(CORPUS / folder),
        "--actions",
        action,
        "--out",
        str(tmp_path),
        "--package",
        package,
        "-q",
    )
    assert result.returncode == 0, result.stderr
    examples = json.loads((CORPUS / folder / "examples.json").read_text())["actions"][action]
    example = next(e for e in examples if str(e["output"]).lstrip().startswith(("data:", "id:")))
    # Examples are written by hand: some stop without the blank line that
    # ends an event, and a few events hold broken JSON (a doubled quote, an
    # invalid escape). Those are left out of what the fake sends; a broken
    # one is an InvalidJSONError, tested with the fixture service.
    blocks = [b for b in str(example["output"]).strip("\n").split("\n\n") if b.strip()]
    output = "".join(b + "\n\n" for b in blocks if event_json_ok(b))
    assert len(blocks) - output.count("\n\n") <= 3
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    server = FakeStreams(service)
    try:
        version = importlib.import_module(f"{package}.{service}.v{folder.split('/v')[1]}.client")
        errors = importlib.import_module(f"{package}.common.errors")
        credentials = importlib.import_module(f"{package}.common.credentials").Credentials(SECRET_ID, SECRET_KEY)
        names = [n for n in vars(version) if n.endswith("Client") and not n.startswith("Async")]
        sync_cls = getattr(version, names[0])
        async_cls = getattr(version, "Async" + names[0])
        method = next(n for n in vars(sync_cls) if n.replace("_", "") == action.lower())
        models = importlib.import_module(f"{package}.{service}.v{folder.split('/v')[1]}.models")
        # The example's own request, as the request model.
        body = request_body(str(example["input"])) or {}
        request_cls = getattr(models, f"{action}Request")
        request = msgspec.convert({**filled(msgspec.inspect.type_info(request_cls)), **body}, request_cls, strict=False)
        server.script.append(Answer(chunks=[output.encode()]))
        items: list[Any] = []
        expected_events = [b for b in output.split("\n\n") if "data:" in b and "[DONE]" not in b]
        error: BaseException | None = None
        try:
            if mode == "sync":
                with sync_cls(credentials, endpoint=server.url) as client:
                    with getattr(client, method)(request) as stream:
                        items.extend(stream)
            else:

                async def main() -> None:
                    async with async_cls(credentials, endpoint=server.url) as client:
                        async with getattr(client, method)(request) as stream:
                            async for item in stream:
                                items.append(item)

                asyncio.run(main())
        except errors.TencentCloudError as exc:
            error = exc
        assert all(type(i) is getattr(models, f"{action}Response") for i in items)
        if '"Error"' in output:
            assert error is not None and error.code == "InternalError"
            assert len(items) == len(expected_events) - 1
        else:
            assert error is None and len(items) == len(expected_events) > 1
    finally:
        server.stop()
        sys.path.remove(str(tmp_path))


@pytest.mark.slow
def test_streaming_package_passes_mypy_strict_and_black(stream_package: Path) -> None:
    import subprocess

    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "streampkg"],
        cwd=stream_package,
        capture_output=True,
        text=True,
    )
    assert mypy.returncode == 0, mypy.stdout
    black = subprocess.run(
        [sys.executable, "-m", "black", "--check", "-q", "streampkg"],
        cwd=stream_package,
        capture_output=True,
        text=True,
    )
    assert black.returncode == 0, black.stderr


def test_streaming_actions_return_streams(stream_package: Path) -> None:
    source = (stream_package / "streampkg/chat/v20240101/client.py").read_text()
    assert "-> _client.Stream[_models.TalkSSEResponse]:" in source
    assert (
        "-> _client.AsyncStream[_models.TalkSSEResponse]:"
        in (stream_package / "streampkg/chat/v20240101/aio.py").read_text()
    )
    assert "not supported" not in source


@pytest.mark.parametrize("mode", MODES)
def test_an_abandoned_stream_closes_its_connection(mode: str, fake: FakeStreams, stream_package: Path) -> None:
    """No ``with`` block, no ``close()``: dropping the stream hangs up."""
    import gc

    from streampkg.chat.v20240101.client import AsyncChatClient, ChatClient
    from streampkg.common.credentials import Credentials

    fake.script.append(Answer(chunks=[event({"IsEnd": False})], endless=True))
    if mode == "sync":
        with ChatClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=fake.url) as client:
            stream = client.talk_sse(prompt="x")
            items = iter(stream)
            assert next(items).is_end is False
            del stream, items
            gc.collect()
            assert fake.disconnected.wait(10)
        return

    async def main() -> None:
        async with AsyncChatClient(Credentials(SECRET_ID, SECRET_KEY), endpoint=fake.url) as client:
            stream = client.talk_sse(prompt="x")
            async for item in stream:
                assert item.is_end is False
                break
            del stream
            gc.collect()
            for _ in range(200):  # the loop finalises the dropped generators
                if fake.disconnected.is_set():
                    break
                await asyncio.sleep(0.05)
            assert fake.disconnected.is_set()

    asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
def test_a_stream_takes_extra_params_and_is_checked_before_it_opens(
    mode: str, fake: FakeStreams, stream_package: Path
) -> None:
    from streampkg.common.errors import RequestValidationError

    with pytest.raises(RequestValidationError, match="TalkSSE: Prompt: Expected `str`, got `int`"):
        collect(mode, fake, prompt=5)
    with pytest.raises(RequestValidationError, match="Stream is a declared parameter"):
        collect(mode, fake, extra_params={"Stream": True})
    assert fake.requests == []  # nothing was sent
    fake.script.append(Answer(chunks=[event({"Delta": {"Content": "a"}, "IsEnd": True})]))
    items, _ = collect(mode, fake, extra_params={"Temperature": 0.5})
    assert [i.delta.content for i in items] == ["a"]  # the fake checked the signature over this body
    assert json.loads(fake.bodies[0]) == {"Prompt": "hi", "Temperature": 0.5}


@pytest.mark.parametrize("mode", MODES)
def test_a_deadline_lasts_until_the_first_event(mode: str, fake: FakeStreams, stream_package: Path) -> None:
    from streampkg.common.deadlines import deadline
    from streampkg.common.errors import DeadlineExceeded

    # The first event is late: the deadline ends the wait for it.
    fake.script.append(Answer(chunks=[b": waiting\n\n", event({"IsEnd": True})], pause=3.0))
    started = time.monotonic()
    with deadline(0.5), pytest.raises(DeadlineExceeded) as caught:
        collect(mode, fake)
    assert time.monotonic() - started < 2.5
    assert caught.value.attempts == 1 and caught.value.sent
    # Once the first event came, the stream is read past the deadline.
    chunks = [event({"IsEnd": False})] * 3 + [event({"IsEnd": True})]
    fake.script.append(Answer(chunks=chunks, pause=0.4))
    started = time.monotonic()
    with deadline(1.0):
        items, _ = collect(mode, fake)
    assert len(items) == 4 and time.monotonic() - started > 1.0
