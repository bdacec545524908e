"""Hostile credential services and files (issue 22, items 2, 9 and 10).

Metadata services and STS that trickle, hang, answer garbage, huge or
deeply nested bodies or keys already expired; many threads, tasks and event
loops asking at once, with fetches that succeed or fail; FIFOs and devices
as token or profile files; secrets quoted back in STS errors and in the
renewal warning; hostile STS and metadata addresses. Every server is on
127.0.0.1 (tests/fake_sts.py). The last tests feed answers into the
providers' sans-IO flows without any socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..fake_sts import FakeMetadata, FakeSTS, HostileServer, SilentServer, http_answer, refused_address

BASE_ID = "AKIDhostilebase"
BASE_SECRET = "hostile-base-SECRET-key"
BASE_TOKEN = "hostile-base-session-TOKEN"
ROLE_ARN = "qcs::cam::uin/100000000001:roleName/hostile"
DEADLINE = 0.5  # the tests' total deadline per fetch


@pytest.fixture()
def creds(generated_on_path: Path) -> Any:
    from tcsdk.common import credentials

    return credentials


@pytest.fixture(autouse=True)
def isolated(creds: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TKE_REGION", "TKE_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    with refused_address() as dead:
        monkeypatch.setenv("TENCENTCLOUD_METADATA_ENDPOINT", dead)
        monkeypatch.setenv("TENCENTCLOUD_STS_ENDPOINT", dead)
        creds.cvm._metadata_misses.clear()
        yield
        creds.cvm._metadata_misses.clear()


@pytest.fixture()
def metadata() -> Iterator[FakeMetadata]:
    fake = FakeMetadata()
    yield fake
    fake.stop()


@pytest.fixture()
def sts() -> Iterator[FakeSTS]:
    fake = FakeSTS({BASE_ID: BASE_SECRET})
    yield fake
    fake.stop()


def finishes_within(seconds: float, call: Callable[[], Any]) -> tuple[bool, Any]:
    """Run ``call`` in a daemon thread: (finished in time, its result or exception)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), outcome[0] if outcome else None


# Item 9: a total deadline per fetch, sync and async.

KEYS = json.dumps(
    {
        "TmpSecretId": "AKIDslow",
        "TmpSecretKey": "slow-secret",
        "Token": "slow-token",
        "Code": "Success",
        "ExpiredTime": 4_000_000_000,
    }
).encode()


@pytest.mark.parametrize("trickled", ["body", "headers"])
def test_a_trickling_metadata_service_cannot_outlast_the_deadline(creds: Any, trickled: str) -> None:
    answer = http_answer(KEYS)
    if trickled == "body":  # the head at once, then a byte every 0.1 s
        head, _, body = answer.partition(b"\r\n\r\n")
        server = HostileServer(head + b"\r\n\r\n", interval=0.0)
        server.answer = answer
        server.interval, server.step = 0.1, 1
    else:
        server = HostileServer(answer, interval=0.1, step=1)
    try:
        provider = creds.CVMRoleCredentials("role", endpoint=server.url, deadline=DEADLINE)
        started = time.monotonic()
        with pytest.raises(creds.CredentialsError, match="0.5 s deadline"):
            provider.get_credentials()
        assert time.monotonic() - started < DEADLINE + 0.5

        async def from_a_loop() -> Any:
            other = creds.CVMRoleCredentials("role", endpoint=server.url, deadline=DEADLINE)
            return await other.get_credentials_async()

        started = time.monotonic()
        with pytest.raises(creds.CredentialsError, match="0.5 s deadline"):
            asyncio.run(from_a_loop())
        assert time.monotonic() - started < DEADLINE + 0.5
    finally:
        server.stop()


def test_a_trickling_sts_cannot_outlast_the_deadline(creds: Any) -> None:
    server = HostileServer(http_answer(b'{"Response": {}}' + b" " * 200), interval=0.05, step=1)
    try:
        provider = creds.AssumeRoleCredentials(
            ROLE_ARN, base=creds.Credentials(BASE_ID, BASE_SECRET), endpoint=server.url, deadline=DEADLINE
        )
        started = time.monotonic()
        with pytest.raises(creds.CredentialsError, match="deadline"):
            provider.get_credentials()
        assert time.monotonic() - started < DEADLINE + 0.5
        assert server.count() == 1  # the deadline covers the retries too
    finally:
        server.stop()


def test_a_silent_service_fails_within_the_read_timeout(creds: Any) -> None:
    silent = SilentServer()
    try:
        provider = creds.CVMRoleCredentials(endpoint=silent.url, timeout=0.2, deadline=5)
        started = time.monotonic()
        with pytest.raises(creds.CredentialsError, match="not reachable"):
            provider.get_credentials()
        assert time.monotonic() - started < 1
    finally:
        silent.stop()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (http_answer(b"x" * 200_000), "larger than 65536 bytes"),
        (http_answer(b"", length=10**12), "larger than 65536 bytes"),
        (http_answer(b"[" * 60_000), "not JSON"),
        (http_answer(b"\xff\xfe garbage"), "not JSON"),
        (http_answer(b'["a list"]'), "not a JSON object"),
        (b"SSH-2.0-OpenSSH_9.6\r\n" * 10, "not reachable|deadline"),
        (http_answer(b'{"Code": "Success", "TmpSecretId": 1, "ExpiredTime": 5000000000}'), "lacks"),
    ],
    ids=["huge", "huge-announced", "deep", "not-utf8", "list", "not-http", "wrong-types"],
)
def test_garbage_from_the_metadata_service_is_a_credentials_error(creds: Any, answer: bytes, message: str) -> None:
    server = HostileServer(answer)
    try:
        for run in (
            lambda p: p.get_credentials(),
            lambda p: asyncio.run(p.get_credentials_async()),
        ):
            provider = creds.CVMRoleCredentials("role", endpoint=server.url, deadline=DEADLINE)
            with pytest.raises(creds.CredentialsError, match=message):
                run(provider)
    finally:
        server.stop()


# Item 10: keys already expired are refused.


def test_keys_expired_when_handed_out_are_refused_and_not_refetched_at_once(creds: Any, metadata: FakeMetadata) -> None:
    metadata.expired_time = time.time() - 3600
    provider = creds.CVMRoleCredentials(endpoint=metadata.url)
    with pytest.raises(creds.CredentialsError, match="had expired 36[0-9][0-9] s before"):
        provider.get_credentials()
    with pytest.raises(creds.CredentialsError, match="had expired"):
        provider.get_credentials()  # within the back-off: the same error, no new fetch
    assert len(metadata.reads()) == 1

    user = creds.RefreshingCredentials(lambda: creds.Credentials("AKIDold", BASE_SECRET, expires_at=time.time() - 1))
    with pytest.raises(creds.CredentialsError, match="had expired"):
        user.get_credentials()


# Item 9: one failing fetch is shared by its waiters, then backed off.


def test_many_threads_share_one_failing_fetch(creds: Any, metadata: FakeMetadata) -> None:
    metadata.fail_next(1000, 500)
    metadata.delay = 0.3
    provider = creds.CVMRoleCredentials("tcsdk-test-role", endpoint=metadata.url, backoff=30)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            provider.get_credentials()
        except creds.CredentialsError as exc:
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 50 and all("HTTP 500" in str(e) for e in errors)
    assert len(metadata.reads()) == 1
    assert time.monotonic() - started < 2
    assert len({id(e) for e in errors}) == 50  # each caller its own exception


def test_many_tasks_share_one_failing_fetch(creds: Any, metadata: FakeMetadata) -> None:
    metadata.fail_next(1000, 503)
    metadata.delay = 0.3
    provider = creds.CVMRoleCredentials("tcsdk-test-role", endpoint=metadata.url, backoff=30)

    async def main() -> list[Any]:
        return await asyncio.gather(*(provider.get_credentials_async() for _ in range(200)), return_exceptions=True)

    started = time.monotonic()
    outcomes = asyncio.run(main())
    assert all(isinstance(o, creds.CredentialsError) and "HTTP 503" in str(o) for o in outcomes)
    assert len(metadata.reads()) == 1 and time.monotonic() - started < 2


def test_the_back_off_ends_and_the_next_caller_fetches_again(creds: Any, metadata: FakeMetadata) -> None:
    now = [1_700_000_000.0]
    metadata.expired_time = now[0] + 3600
    metadata.fail_next(1, 500)
    provider = creds.CVMRoleCredentials("tcsdk-test-role", endpoint=metadata.url, clock=lambda: now[0], backoff=1)
    for _ in range(3):
        with pytest.raises(creds.CredentialsError, match="HTTP 500"):
            provider.get_credentials()
    assert len(metadata.reads()) == 1
    now[0] += 1.5
    assert provider.get_credentials().secret_id == "AKIDcvm1"


# Item 10: one fetch per expiry whatever mix of threads and tasks asks.


def test_web_identity_from_fifty_threads_is_one_sts_call(creds: Any, sts: FakeSTS, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("hostile-web-identity-token")
    sts.then(("delay", 0.3))
    provider = creds.WebIdentityCredentials(ROLE_ARN, "idp", token_file=token, endpoint=sts.url)
    found: list[str] = []
    threads = [threading.Thread(target=lambda: found.append(provider.get_credentials().secret_id)) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == ["AKIDsts1"] * 50 and len(sts.received()) == 1


def test_threads_and_two_event_loops_share_one_fetch(creds: Any, sts: FakeSTS) -> None:
    sts.then(("delay", 0.4))
    provider = creds.AssumeRoleCredentials(ROLE_ARN, base=creds.Credentials(BASE_ID, BASE_SECRET), endpoint=sts.url)
    found: list[str] = []
    lock = threading.Lock()

    def sync_caller() -> None:
        secret_id = provider.get_credentials().secret_id
        with lock:
            found.append(secret_id)

    def loop_caller() -> None:
        async def main() -> list[Any]:
            return await asyncio.gather(*(provider.get_credentials_async() for _ in range(10)))

        ids = [c.secret_id for c in asyncio.run(main())]
        with lock:
            found.extend(ids)

    threads = [threading.Thread(target=loop_caller) for _ in range(2)]
    threads += [threading.Thread(target=sync_caller) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(found) == ["AKIDsts1"] * 30
    assert len(sts.received()) == 1


def test_one_sync_and_one_async_caller_fetch_once(creds: Any, metadata: FakeMetadata) -> None:
    metadata.delay = 0.3
    provider = creds.CVMRoleCredentials(endpoint=metadata.url)
    found: list[str] = []
    thread = threading.Thread(target=lambda: found.append(provider.get_credentials().secret_id))
    thread.start()

    async def main() -> str:
        await asyncio.sleep(0.05)
        return str((await provider.get_credentials_async()).secret_id)

    found.append(asyncio.run(main()))
    thread.join()
    assert found == ["AKIDcvm1", "AKIDcvm1"] and len(metadata.reads()) == 1


def test_a_cancelled_fetching_task_hands_over_to_a_waiter(creds: Any, metadata: FakeMetadata) -> None:
    metadata.delay = 0.3
    provider = creds.CVMRoleCredentials(endpoint=metadata.url)

    async def main() -> str:
        first = asyncio.create_task(provider.get_credentials_async())
        await asyncio.sleep(0.05)
        second = asyncio.create_task(provider.get_credentials_async())
        await asyncio.sleep(0.05)
        first.cancel()
        return str((await second).secret_id)

    assert asyncio.run(main()).startswith("AKIDcvm")


def test_a_sync_call_on_the_thread_of_a_fetching_loop_fails_instead_of_hanging(
    creds: Any, metadata: FakeMetadata
) -> None:
    metadata.delay = 0.3
    provider = creds.CVMRoleCredentials(endpoint=metadata.url)

    async def main() -> None:
        task = asyncio.create_task(provider.get_credentials_async())
        await asyncio.sleep(0.05)
        with pytest.raises(creds.CredentialsError, match="get_credentials_async"):
            provider.get_credentials()
        await task

    asyncio.run(main())


# Item 9: token and profile files are read only when regular files.


@pytest.mark.parametrize("kind", ["fifo", "device", "huge", "directory"])
def test_token_and_profile_files_that_are_not_small_regular_files_are_refused(
    creds: Any, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "hostile"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    elif kind == "huge":
        path.write_bytes(b"x" * (64 * 1024 + 1))
    else:
        path.mkdir()
    reason = "larger than" if kind == "huge" else "not a regular file|cannot read"
    web = creds.WebIdentityCredentials(ROLE_ARN, "idp", token_file=path)
    done, outcome = finishes_within(2, web.get_credentials)
    assert done, "reading the token file hangs"
    assert isinstance(outcome, creds.CredentialsError) and re.search(reason, str(outcome)), outcome
    done, outcome = finishes_within(2, lambda: asyncio.run(web.get_credentials_async()))
    assert done and isinstance(outcome, creds.CredentialsError)
    profile = creds.ProfileCredentials(path=path)
    done, outcome = finishes_within(2, profile.get_credentials)
    assert done, "reading the profile file hangs"
    assert isinstance(outcome, creds.CredentialsError) and re.search(reason, str(outcome))


# Item 2: no secret in any message or log line.


def test_sts_errors_quoting_the_base_keys_or_token_do_not_show_them(creds: Any, sts: FakeSTS) -> None:
    sts.keys[BASE_ID] = BASE_SECRET
    quoted = f"token {BASE_TOKEN} with key {BASE_SECRET} refused"
    for base in (
        creds.StaticCredentials(BASE_ID, BASE_SECRET, BASE_TOKEN),
        creds.Credentials(BASE_ID, BASE_SECRET, BASE_TOKEN),
    ):
        sts.then(("error", "AuthFailure.TokenFailure", quoted))
        provider = creds.AssumeRoleCredentials(ROLE_ARN, base=base, endpoint=sts.url)
        with pytest.raises(creds.CredentialsError) as caught:
            provider.get_credentials()
        text = str(caught.value) + repr(caught.value)
        assert "AuthFailure.TokenFailure" in text
        assert BASE_SECRET not in text and BASE_TOKEN not in text


def test_the_renewal_warning_does_not_show_a_quoted_secret(
    creds: Any, sts: FakeSTS, caplog: pytest.LogCaptureFixture
) -> None:
    now = [time.time()]
    sts.expired_time = now[0] + 600
    provider = creds.AssumeRoleCredentials(
        ROLE_ARN,
        base=creds.StaticCredentials(BASE_ID, BASE_SECRET, BASE_TOKEN),
        endpoint=sts.url,
        clock=lambda: now[0],
    )
    assert provider.get_credentials().token == "sts-token-1"
    now[0] += 400  # renewal due, keys valid 200 s more
    sts.then(("error", "InternalError", f"lost sts-token-1 and sts-secret-1, base {BASE_TOKEN} {BASE_SECRET}"))
    sts.then(*[("error", "InternalError", "again")] * 5)
    with caplog.at_level(logging.WARNING):
        assert provider.get_credentials().secret_id == "AKIDsts1"
    assert "renewing credentials failed" in caplog.text and "InternalError" in caplog.text
    for secret in ("sts-token-1", "sts-secret-1", BASE_TOKEN, BASE_SECRET):
        assert secret not in caplog.text


def test_a_permanent_key_stays_hidden_however_many_temporary_keys_follow(creds: Any) -> None:
    from tcsdk.common import redaction
    from tcsdk.common.errors import SDKError

    permanent = creds.Credentials("AKIDlasting", "lasting-permanent-SECRET")
    identity = "lasting-web-identity-TOKEN"
    creds.WebIdentityCredentials(ROLE_ARN, "provider", token=identity, region="ap-guangzhou")
    renewed = "renewed-temporary-TOKEN"
    for n in range(3 * 256):
        creds.Credentials("AKIDtmp", f"temporary-secret-{n:04d}", f"temporary-token-{n:04d}", time.time() + 600)
        if n % 100 == 0:
            redaction.register(renewed)  # seen again: stays among the recent ones
    text = str(SDKError(f"quoted {permanent.secret_key} {identity} {renewed} temporary-token-0000"))
    assert permanent.secret_key not in text and identity not in text and renewed not in text
    # The pool of temporary values is bounded: the oldest are forgotten.
    assert "temporary-token-0000" in text
    assert "temporary-token-0767" not in str(SDKError("temporary-token-0767"))


def test_a_provider_returning_something_else_is_a_credentials_error_sync_and_async(creds: Any) -> None:
    class Wrong:
        def get_credentials(self) -> Any:
            return ("AKID", "secret")

    with pytest.raises(creds.CredentialsError, match="Wrong did not return Credentials"):
        creds.resolve(Wrong())
    with pytest.raises(creds.CredentialsError, match="Wrong did not return Credentials"):
        asyncio.run(creds.resolve_async(Wrong()))
    chain = creds.ChainCredentials([Wrong()])
    with pytest.raises(creds.CredentialsError, match="did not return Credentials"):
        chain.get_credentials()
    # The AssumeRole flow resolves its base the same way in both drivers.
    role = creds.AssumeRoleCredentials(ROLE_ARN, base=Wrong(), endpoint="http://127.0.0.1:9")
    for fetch in (role.get_credentials, lambda: asyncio.run(role.get_credentials_async())):
        with pytest.raises(creds.CredentialsError, match="did not return Credentials"):
            fetch()


# STS and metadata addresses: refused when the provider is made.

HOSTILE_ADDRESSES = [
    "http://user:pass@127.0.0.1:9",
    "http://sts.tencentcloudapi.com@127.0.0.1",
    "http://127.0.0.1\\@sts.tencentcloudapi.com",
    "https://sts.tencentcloudapi.com/?x=1",
    "https://sts.tencentcloudapi.com/#frag",
    "https://sts.tencentcloudapi.com\n",
    "https://sts.tencentcloudapi.com\r\nX-Injected: 1",
    "ftp://sts.tencentcloudapi.com",
    "https://sts.tencentcloudapi.com:99999",
    "https://sts .tencentcloudapi.com",
    "https://[::1",
]


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_hostile_sts_and_metadata_addresses_are_refused(creds: Any, address: str) -> None:
    with pytest.raises(ValueError, match="STS endpoint"):
        creds.WebIdentityCredentials(ROLE_ARN, "idp", token="t" * 10, endpoint=address)
    with pytest.raises(ValueError, match="STS endpoint"):
        creds.AssumeRoleCredentials(ROLE_ARN, base=creds.Credentials(BASE_ID, BASE_SECRET), endpoint=address)
    with pytest.raises(ValueError, match="metadata endpoint"):
        creds.CVMRoleCredentials(endpoint=address)


def test_an_sts_address_with_a_path_is_refused_and_plain_ones_are_kept(creds: Any) -> None:
    with pytest.raises(ValueError, match="STS endpoint .* has a path"):
        creds.WebIdentityCredentials(ROLE_ARN, "idp", token="t" * 10, endpoint="https://sts.example/v1")
    for address in ("sts.tencentcloudapi.com", "http://127.0.0.1:8080", "https://[::1]:8443/", "sts.internal."):
        assert creds.WebIdentityCredentials(ROLE_ARN, "idp", token="t" * 10, endpoint=address).endpoint == address
    # The default port is dropped, as the clients (and httpx) drop it.
    assert creds.CVMRoleCredentials(endpoint="http://10.0.0.1:80/x/").endpoint == "http://10.0.0.1/x/"


# Socket-free: answers fed straight into the flows.


def drive(flow: Any, replies: list[Any]) -> Any:
    """Run a flow by hand, answering its steps with ``replies`` in order."""
    step = next(flow)
    try:
        for reply in replies:
            step = flow.send(reply)
    except StopIteration as stop:
        return stop.value
    raise AssertionError(f"the flow wants more: {step!r}")


def test_the_cvm_flow_lists_then_reads_without_any_socket(creds: Any) -> None:
    Reply = creds.flow.Reply
    provider = creds.CVMRoleCredentials(endpoint="http://169.254.0.23")
    flow = provider._flow()
    listing = next(flow)
    assert (listing.method, listing.url) == ("GET", "http://169.254.0.23/latest/meta-data/cam/security-credentials/")
    reading = flow.send(Reply(200, b"the-role\n"))
    assert reading.url.endswith("/cam/security-credentials/the-role")
    with pytest.raises(StopIteration) as done:
        flow.send(Reply(200, KEYS))
    assert done.value.value.secret_id == "AKIDslow"


def test_the_web_identity_flow_reads_the_token_then_calls_sts_unsigned(creds: Any) -> None:
    flow = creds.WebIdentityCredentials(ROLE_ARN, "idp", token_file="/token", endpoint="sts.example")._flow()
    read = next(flow)
    assert isinstance(read, creds.flow.ReadFile) and str(read.path) == "/token"
    call = flow.send("a-web-identity-token\n")
    assert call.url == "https://sts.example/" and call.headers["Authorization"] == "SKIP"
    assert json.loads(call.body)["WebIdentityToken"] == "a-web-identity-token"


def test_the_assume_role_flow_signs_with_the_resolved_base_and_retries_throttling(creds: Any) -> None:
    base = creds.StaticCredentials(BASE_ID, BASE_SECRET, BASE_TOKEN)
    provider = creds.AssumeRoleCredentials(ROLE_ARN, base=base, endpoint="sts.example")
    Reply = creds.flow.Reply
    flow = provider._flow()
    resolve = next(flow)
    assert resolve.provider is base
    call = flow.send(base.get_credentials())
    assert call.headers["Authorization"].startswith(f"TC3-HMAC-SHA256 Credential={BASE_ID}/")
    assert call.headers["X-TC-Token"] == BASE_TOKEN
    throttled = {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "slow down"}, "RequestId": "r"}}
    pause = flow.send(Reply(200, json.dumps(throttled).encode()))
    assert isinstance(pause, creds.flow.Sleep)
    assert isinstance(flow.send(None), creds.flow.Send)  # the second attempt
    keys = {"Credentials": {"TmpSecretId": "AKIDt", "TmpSecretKey": "k" * 10, "Token": "t" * 10}, "ExpiredTime": 5e9}
    with pytest.raises(StopIteration) as done:
        flow.send(Reply(200, json.dumps({"Response": keys}).encode()))
    assert done.value.value.secret_id == "AKIDt"


ANSWERS = st.one_of(
    st.binary(max_size=200),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
        max_leaves=20,
    ).map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {},
        optional={
            "Code": st.sampled_from(["Success", "Failed", 1]),
            "TmpSecretId": st.text(max_size=12) | st.integers(),
            "TmpSecretKey": st.text(max_size=12),
            "Token": st.text(max_size=12),
            "ExpiredTime": st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
            "Expiration": st.text(max_size=25),
        },
    ).map(lambda value: json.dumps(value).encode()),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.sampled_from([200, 404, 500, 0]), body=ANSWERS, failure=st.sampled_from(["", "ReadError"]))
def test_any_metadata_answer_gives_keys_or_a_credentials_error(
    creds: Any, status: int, body: bytes, failure: str
) -> None:
    provider = creds.CVMRoleCredentials("role", endpoint="http://169.254.0.23")
    try:
        found = drive(provider._flow(), [creds.flow.Reply(status, body, failure)])
    except creds.CredentialsError:
        return
    assert isinstance(found, creds.Credentials) and found.expires_at is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.sampled_from([200, 400, 502]), inner=ANSWERS)
def test_any_sts_answer_gives_keys_or_a_credentials_error(creds: Any, status: int, inner: bytes) -> None:
    provider = creds.WebIdentityCredentials(ROLE_ARN, "idp", token="t" * 10, endpoint="sts.example")
    try:
        body = json.dumps({"Response": json.loads(inner)}).encode()
    except ValueError:
        body = inner
    try:
        found = provider._keys(creds.flow.Reply(status, body))
    except creds.CredentialsError:
        return
    assert isinstance(found, creds.Credentials)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40) | st.sampled_from(HOSTILE_ADDRESSES))
def test_an_accepted_address_has_no_user_info_query_or_control_character(creds: Any, address: str) -> None:
    try:
        scheme, netloc, path = creds.flow.checked_url(address, "STS endpoint", path=True)
    except ValueError:
        return
    text = f"{scheme}://{netloc}{path}"
    assert scheme in ("http", "https")
    assert not any(c in text for c in "@\\?#") and text.isprintable() and " " not in text
