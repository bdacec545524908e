"""Region failover in the generated clients, sync and async, against a primary
fake that fails on command and a backup fake (tests/failover_fakes.py), both
on 127.0.0.1 and both checking every request's signature."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..client_harness import MODES, SECRET_ID, SECRET_KEY, spec_examples
from ..failover_fakes import BAD_GATEWAY, DROP, FakeClock, Pair, start_pair
from ..fake_tencent import Behaviour, verify

READ = {"sdk_app_id": 1, "task_id": "t"}  # DescribeCloudRecording: read-only
WRITE = {"sdk_app_id": 1, "task_id": "t"}  # DeleteCloudRecording: not safe to repeat


class Rig:
    """Runs one test body with the sync or the async TRTC client pointed at the pair's primary."""

    def __init__(self, mode: str, pair: Pair) -> None:
        self.mode = mode
        self.pair = pair
        self.clock = FakeClock()

    def failover(self, **options: Any) -> Any:
        from tcsdk.common.failover import Failover

        options.setdefault("failures", 3)
        return Failover(self.pair.backup.url, clock=self.clock, **options)

    def run(self, body: Callable[[Any], Any], **options: Any) -> Any:
        """``body(client)``; for the async client a coroutine function's result is awaited."""
        from tcsdk.common.credentials import Credentials
        from tcsdk.trtc.v20190722.client import AsyncTrtcClient, TrtcClient

        kwargs: dict[str, Any] = {"endpoint": self.pair.primary.url, "region": "ap-beijing", "timeout": 5.0}
        kwargs.update(options)
        credentials = Credentials(SECRET_ID, SECRET_KEY)
        if self.mode == "sync":
            with TrtcClient(credentials, sleep=lambda seconds: None, **kwargs) as client:
                return body(client)

        async def no_sleep(seconds: float) -> None:
            pass

        async def main() -> Any:
            async with AsyncTrtcClient(credentials, sleep=no_sleep, **kwargs) as client:
                return await body(client)

        return asyncio.run(main())


def calls(mode: str, *steps: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """One body making these calls in turn; a call that raises gives its exception."""

    def sync(client: Any) -> list[Any]:
        results = []
        for step in steps:
            try:
                results.append(step(client))
            except Exception as error:
                results.append(error)
        return results

    async def asynchronous(client: Any) -> list[Any]:
        results = []
        for step in steps:
            try:
                results.append(await step(client))
            except Exception as error:
                results.append(error)
        return results

    return sync if mode == "sync" else asynchronous


def read(client: Any) -> Any:
    return client.describe_cloud_recording(**READ)


def write(client: Any) -> Any:
    return client.delete_cloud_recording(**WRITE)


@pytest.fixture()
def pair() -> Iterator[Pair]:
    both = start_pair()
    yield both
    both.stop()


@pytest.fixture(params=MODES)
def rig(request: pytest.FixtureRequest, pair: Pair, generated_on_path: Path) -> Rig:
    return Rig(request.param, pair)


def test_after_repeated_5xx_safe_calls_go_to_the_backup_signed_for_its_host(rig: Rig) -> None:
    from tcsdk.common.errors import HTTPStatusError
    from tcsdk.common.retry import NO_RETRY

    rig.pair.primary.fail(BAD_GATEWAY)
    failover = rig.failover()
    results = rig.run(calls(rig.mode, read, read, read, read, read), failover=failover, retry=NO_RETRY)
    assert [type(r).__name__ for r in results[:3]] == ["HTTPStatusError"] * 3
    assert all(isinstance(r, HTTPStatusError) for r in results[:3])
    for answered in results[3:]:
        assert answered.task_id == "xx"
        assert answered.meta.failover == "backup"
        assert answered.meta.endpoint == rig.pair.backup.url + "/"
    assert rig.pair.hits() == [("primary", "DescribeCloudRecording")] * 3 + [("backup", "DescribeCloudRecording")] * 2
    # The backup checked each signature against the Host it received (its own).
    host = rig.pair.backup.url.removeprefix("http://")
    for received in rig.pair.backup.calls():
        assert received.headers["host"] == host
        assert verify(received.headers, received.body, {SECRET_ID: SECRET_KEY}, "trtc") is None


def test_a_retried_safe_call_moves_to_the_backup_when_the_breaker_opens(rig: Rig) -> None:
    rig.pair.primary.fail(BAD_GATEWAY)
    answered = rig.run(read, failover=rig.failover(failures=2))
    assert answered.meta.attempts == 3 and answered.meta.failover == "backup"
    assert [where for where, _ in rig.pair.hits()] == ["primary", "primary", "backup"]


def test_dropped_connections_count_as_failures(rig: Rig) -> None:
    rig.pair.primary.fail(DROP)
    answered = rig.run(read, failover=rig.failover(failures=2))
    assert answered.meta.failover == "backup"
    assert [where for where, _ in rig.pair.hits()] == ["primary", "primary", "backup"]


def test_calls_not_safe_to_repeat_are_never_sent_to_the_backup(rig: Rig) -> None:
    from tcsdk.common.errors import HTTPStatusError

    rig.pair.primary.fail(BAD_GATEWAY)
    seen: list[tuple[str, str, str]] = []

    class Where:
        def before_attempt(self, context: Any) -> None:
            seen.append((context.action, context.failover, context.endpoint))

    results = rig.run(
        calls(rig.mode, write, write, write, read, write),
        failover=rig.failover(),
        interceptors=[Where()],
    )
    assert [type(r).__name__ for r in results] == ["HTTPStatusError"] * 3 + ["DescribeCloudRecordingResponse"] + [
        "HTTPStatusError"
    ]
    assert isinstance(results[-1], HTTPStatusError)
    primary, backup = rig.pair.primary.url + "/", rig.pair.backup.url + "/"
    assert seen == [
        ("DeleteCloudRecording", "primary", primary),
        ("DeleteCloudRecording", "primary", primary),
        ("DeleteCloudRecording", "primary", primary),
        ("DescribeCloudRecording", "backup", backup),
        ("DeleteCloudRecording", "pinned", primary),  # open, but it stays
    ]
    assert [r.action for r in rig.pair.backup.calls()] == ["DescribeCloudRecording"]


def test_it_returns_to_the_primary_after_a_probe_succeeds(rig: Rig) -> None:
    from tcsdk.common.retry import NO_RETRY

    rig.pair.primary.fail(BAD_GATEWAY, times=3)  # the primary is down for 3 requests
    states: list[str | None] = []

    def state(client: Any) -> Any:
        states.append(client.failover_state)
        if rig.mode == "sync":
            return None

        async def nothing() -> None:
            return None

        return nothing()

    def later(client: Any) -> Any:
        rig.clock.advance(60)
        return state(client)

    results = rig.run(
        calls(rig.mode, read, read, read, state, read, later, read, state, read),
        failover=rig.failover(),
        retry=NO_RETRY,
    )
    routes = [r.meta.failover for r in results if hasattr(r, "meta")]
    assert routes == ["backup", "probe", "primary"]
    assert states == ["open", "half-open", "closed"]
    assert [where for where, _ in rig.pair.hits()] == ["primary"] * 3 + ["backup", "primary", "primary"]


def test_a_failed_probe_sends_the_call_on_to_the_backup(rig: Rig) -> None:
    rig.pair.primary.fail(BAD_GATEWAY)

    def later(client: Any) -> Any:
        rig.clock.advance(60)
        return read(client)

    results = rig.run(calls(rig.mode, read, later), failover=rig.failover(failures=2))
    assert results[0].meta.failover == "backup"
    # After the cool-down the probe fails, the breaker opens again, and the
    # retry of that read-only call goes to the backup.
    assert results[1].meta.failover == "backup" and results[1].meta.attempts == 2
    assert [where for where, _ in rig.pair.hits()] == ["primary", "primary", "backup", "primary", "backup"]


def test_api_errors_prove_the_endpoint_works(rig: Rig) -> None:
    from tcsdk.common.retry import NO_RETRY

    rig.pair.primary.fail(Behaviour("error", code="InvalidParameter"), times=5)
    results = rig.run(calls(rig.mode, *[read] * 6), failover=rig.failover(failures=1), retry=NO_RETRY)
    assert [type(r).__name__ for r in results[:5]] == ["InvalidParameterError"] * 5
    assert results[5].meta.failover == "primary"
    assert rig.pair.backup.calls() == []


def test_meta_and_interceptors_see_each_attempt_route(rig: Rig) -> None:
    rig.pair.primary.fail(BAD_GATEWAY)
    log: list[tuple[Any, ...]] = []

    class Recorder:
        def before_attempt(self, context: Any) -> None:
            log.append(("before", context.attempt, context.failover, context.endpoint))

        def after_attempt(self, context: Any) -> None:
            log.append(("after", context.attempt, context.failover, type(context.error).__name__))

        def after_call(self, context: Any) -> None:
            log.append(("call", context.meta.failover, context.meta.endpoint))

    rig.run(read, failover=rig.failover(failures=2), interceptors=[Recorder()])
    primary, backup = rig.pair.primary.url + "/", rig.pair.backup.url + "/"
    assert log == [
        ("before", 1, "primary", primary),
        ("after", 1, "primary", "HTTPStatusError"),
        ("before", 2, "primary", primary),
        ("after", 2, "primary", "HTTPStatusError"),
        ("before", 3, "backup", backup),
        ("after", 3, "backup", "NoneType"),
        ("call", "backup", backup),
    ]


def test_with_options_copies_share_the_breaker(rig: Rig) -> None:
    from tcsdk.common.retry import NO_RETRY

    rig.pair.primary.fail(BAD_GATEWAY)
    failover = rig.failover()

    def body(client: Any) -> Any:
        copy = client.with_options(timeout=3.0)
        off = client.with_options(failover=None)
        own = client.with_options(failover=rig.failover())
        run = calls(
            rig.mode,
            lambda c: read(copy),
            lambda c: read(client),
            lambda c: read(copy),  # the third failure, counted by the breaker both share
            lambda c: read(client),
            lambda c: read(copy),
            lambda c: read(off),  # failover off: the primary, as without it
            lambda c: read(own),  # its own breaker, still closed
        )

        def states() -> tuple[Any, ...]:
            return (client.failover_state, copy.failover_state, off.failover_state, own.failover_state)

        if rig.mode == "sync":
            return run(client), states()

        async def both() -> Any:
            return await run(client), states()

        return both()

    results, states = rig.run(body, failover=failover, retry=NO_RETRY)
    assert [r.meta.failover for r in results[3:5]] == ["backup", "backup"]
    assert [type(r).__name__ for r in results[5:]] == ["HTTPStatusError"] * 2
    assert [where for where, _ in rig.pair.hits()] == ["primary"] * 3 + ["backup"] * 2 + ["primary"] * 2
    assert states == ("open", "open", None, "closed")


def test_off_by_default_nothing_goes_elsewhere(rig: Rig) -> None:
    from tcsdk.common.retry import RetryPolicy

    rig.pair.primary.fail(BAD_GATEWAY, times=9)

    def body(client: Any) -> Any:
        assert client.failover_state is None
        return calls(rig.mode, *[read] * 4)(client)

    results = rig.run(body, retry=RetryPolicy(max_attempts=2))
    assert [type(r).__name__ for r in results] == ["HTTPStatusError"] * 4
    assert rig.pair.backup.calls() == [] and len(rig.pair.primary.calls()) == 8
    healed = rig.run(read)
    assert (healed.meta.failover, healed.meta.endpoint) == ("", rig.pair.primary.url + "/")


def test_a_client_token_makes_a_write_safe_to_send_to_the_backup(rig: Rig) -> None:
    """CommonClient: the same rule as retries (read-only, or an idempotency token)."""
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.retry import NO_RETRY

    rig.pair.primary.fail(BAD_GATEWAY)
    options: dict[str, Any] = {
        "endpoint": rig.pair.primary.url,
        "failover": rig.failover(failures=1),
        "retry": NO_RETRY,
    }
    steps: list[tuple[str, dict[str, Any], bool | None]] = [
        ("CreateThing", {}, None),  # opens the breaker
        ("CreateThing", {"ClientToken": "once"}, None),
        ("CreateThing", {}, None),
        ("DescribeThing", {}, False),  # read_only=False: not safe
        ("DescribeThing", {}, None),
    ]
    if rig.mode == "sync":
        from tcsdk.common.client import CommonClient

        results = []
        with CommonClient("trtc", "2019-07-22", Credentials(SECRET_ID, SECRET_KEY), **options) as common:
            for action, params, read_only in steps:
                try:
                    results.append(common.call(action, params, read_only=read_only))
                except Exception as error:
                    results.append(error)
    else:
        from tcsdk.common.aio import AsyncCommonClient

        async def main() -> list[Any]:
            found = []
            async with AsyncCommonClient("trtc", "2019-07-22", Credentials(SECRET_ID, SECRET_KEY), **options) as common:
                for action, params, read_only in steps:
                    try:
                        found.append(await common.call(action, params, read_only=read_only))
                    except Exception as error:
                        found.append(error)
            return found

        results = asyncio.run(main())
    assert [getattr(getattr(r, "meta", None), "failover", type(r).__name__) for r in results] == [
        "HTTPStatusError",
        "backup",
        "HTTPStatusError",
        "HTTPStatusError",
        "backup",
    ]
    assert [r.action for r in rig.pair.backup.calls()] == ["CreateThing", "DescribeThing"]


# The official default: a domain, reached as <service>.<domain>. Nothing
# leaves the process: an httpx MockTransport answers for both hosts.


def _mock(seen: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    import json

    example = spec_examples("trtc")["DescribeCloudRecording"]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.scheme}://{request.headers['host']}")
        if request.url.host == "trtc.tencentcloudapi.com":
            return httpx.Response(502, content=b"Bad Gateway")
        assert request.headers["host"] == request.url.host
        return httpx.Response(200, content=json.dumps(example).encode())

    return handler


@pytest.mark.parametrize("mode", MODES)
def test_the_default_backup_is_the_service_in_ap_guangzhou(mode: str, generated_on_path: Path) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.failover import Failover
    from tcsdk.trtc.v20190722.client import AsyncTrtcClient, TrtcClient

    seen: list[str] = []
    transport = httpx.MockTransport(_mock(seen))
    options: dict[str, Any] = {"failover": Failover(failures=2, clock=FakeClock()), "region": "ap-beijing"}
    credentials = Credentials(SECRET_ID, SECRET_KEY)
    if mode == "sync":
        with TrtcClient(
            credentials, http_client=httpx.Client(transport=transport), sleep=lambda s: None, **options
        ) as c:
            answered = c.describe_cloud_recording(**READ)
    else:

        async def main() -> Any:
            async def no_sleep(seconds: float) -> None:
                pass

            http = httpx.AsyncClient(transport=transport)
            async with AsyncTrtcClient(credentials, http_client=http, sleep=no_sleep, **options) as c:
                return await c.describe_cloud_recording(**READ)

        answered = asyncio.run(main())
    assert seen == ["https://trtc.tencentcloudapi.com"] * 2 + ["https://trtc.ap-guangzhou.tencentcloudapi.com"]
    assert answered.meta.endpoint == "https://trtc.ap-guangzhou.tencentcloudapi.com/"


def test_a_client_with_its_own_endpoint_needs_the_backup_as_a_url(generated_on_path: Path, monkeypatch: Any) -> None:
    from tcsdk.common.credentials import Credentials
    from tcsdk.common.failover import Failover
    from tcsdk.trtc.v20190722.client import TrtcClient

    credentials = Credentials(SECRET_ID, SECRET_KEY)
    for options in (
        {"endpoint": "https://gateway.internal"},
        {"domain_suffix": "intl.tencentcloudapi.com"},
    ):
        with pytest.raises(ValueError, match="needs the backup as a URL"):
            TrtcClient(credentials, failover=Failover(), **options)
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT", "http://127.0.0.1:9")
    with pytest.raises(ValueError, match="needs the backup as a URL"):
        TrtcClient(credentials, failover=Failover("ap-shanghai.tencentcloudapi.com"))
    with pytest.raises(ValueError, match="the client's own endpoint"):
        TrtcClient(credentials, failover=Failover("http://127.0.0.1:9"))
    client = TrtcClient(credentials, failover=Failover("https://backup.internal:8443"))
    with pytest.raises(TypeError, match="Failover or None"):
        client.with_options(failover="ap-guangzhou")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Failover or None"):
        TrtcClient(credentials, failover=True)  # type: ignore[arg-type]
    assert client.with_options(failover=None).failover_state is None
    monkeypatch.delenv("TENCENTCLOUD_ENDPOINT")
    with pytest.raises(ValueError, match="the client's own endpoint"):
        TrtcClient(credentials, failover=Failover("tencentcloudapi.com"))  # trtc.tencentcloudapi.com itself


def test_calls_at_the_same_time_share_one_breaker_and_writes_never_move(rig: Rig) -> None:
    """Threads (sync) or tasks (async) calling one client while its primary fails."""
    from tcsdk.common.retry import NO_RETRY

    rig.pair.primary.fail(BAD_GATEWAY)
    steps = [read, write] * 12

    def threaded(client: Any) -> Any:
        from concurrent.futures import ThreadPoolExecutor

        def attempt(step: Callable[[Any], Any]) -> Any:
            try:
                return step(client)
            except Exception as error:
                return error

        with ThreadPoolExecutor(6) as pool:
            return list(pool.map(attempt, steps)), client.failover_state

    async def gathered(client: Any) -> Any:
        results = await asyncio.gather(*(step(client) for step in steps), return_exceptions=True)
        return results, client.failover_state

    results, state = rig.run(threaded if rig.mode == "sync" else gathered, failover=rig.failover(), retry=NO_RETRY)
    assert state == "open"
    assert all(type(r).__name__ == "HTTPStatusError" for r in results[1::2])  # every write failed on the primary
    assert {r.action for r in rig.pair.backup.calls()} <= {"DescribeCloudRecording"}
    assert len(rig.pair.primary.calls("DeleteCloudRecording")) == 12


def test_the_failing_fake_fails_for_a_count_a_period_or_until_healed(pair: Pair, generated_on_path: Path) -> None:
    import json
    import time
    import urllib.error
    import urllib.request

    from tcsdk.common.credentials import Credentials
    from tcsdk.common.signing import Signer

    def status() -> int:
        body = json.dumps(READ).encode()
        now = int(time.time())
        host = pair.primary.url.removeprefix("http://")
        headers = {
            "Content-Type": "application/json",
            "Host": host,
            "X-TC-Action": "DescribeCloudRecording",
            "X-TC-Version": "2019-07-22",
            "X-TC-Timestamp": str(now),
        }
        keys = Credentials(SECRET_ID, SECRET_KEY)
        headers["Authorization"] = Signer("trtc").authorization(
            keys.secret_id, keys.secret_key, now, body, "application/json", host
        )
        request = urllib.request.Request(pair.primary.url, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    pair.primary.fail(BAD_GATEWAY, times=2)
    assert [status(), status(), status()] == [502, 502, 200]
    pair.primary.fail(BAD_GATEWAY, seconds=3600)
    assert [status(), status()] == [502, 502]
    pair.primary.fail(BAD_GATEWAY, seconds=0)  # a period already over
    assert status() == 200
    pair.primary.fail(BAD_GATEWAY)
    assert status() == 502
    pair.primary.heal()
    assert status() == 200
