"""The production credential providers of the generated runtime: CVM role,
STS AssumeRole, TKE OIDC web identity, and the default chain, sync and async.

Every server is a fake on 127.0.0.1 (tests/fake_sts.py); the real metadata
service and STS are never contacted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..fake_sts import FakeMetadata, FakeSTS, SilentServer, refused_address
from ..fake_tencent import FakeTencentCloud

BASE_ID = "AKIDbase"
BASE_SECRET = "base-SECRET-never-shown"
ROLE_ARN = "qcs::cam::uin/100000000001:roleName/tcsdk-test"
TKE_VARIABLES = ("TKE_REGION", "TKE_PROVIDER_ID", "TKE_WEB_IDENTITY_TOKEN_FILE", "TKE_ROLE_ARN")


class Clock:
    """An injectable Unix clock."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def creds(generated_on_path: Path) -> Any:
    from tcsdk.common import credentials

    return credentials


@pytest.fixture()
def dead() -> Iterator[str]:
    with refused_address() as url:
        yield url


@pytest.fixture(autouse=True)
def isolated(creds: Any, dead: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No real keys, files, metadata service or STS; no remembered probe."""
    for name in (
        "TENCENTCLOUD_SECRET_ID",
        "TENCENTCLOUD_SECRET_KEY",
        "TENCENTCLOUD_SESSION_TOKEN",
        "TENCENTCLOUD_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    for name in TKE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TENCENTCLOUD_CREDENTIALS_FILE", str(tmp_path / "no-credentials-file"))
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


def set_tke_environment(monkeypatch: pytest.MonkeyPatch, token_file: Path) -> None:
    monkeypatch.setenv("TKE_REGION", "ap-shanghai")
    monkeypatch.setenv("TKE_PROVIDER_ID", "tke-oidc-provider")
    monkeypatch.setenv("TKE_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("TKE_ROLE_ARN", ROLE_ARN)


# CVM instance role


def test_cvm_role_lists_the_role_then_reads_its_keys(creds: Any, metadata: FakeMetadata) -> None:
    clock = Clock()
    metadata.expired_time = clock.now + 3600
    provider = creds.CVMRoleCredentials(endpoint=metadata.url, clock=clock)
    found = provider.get_credentials()
    assert (found.secret_id, found.secret_key, found.token) == ("AKIDcvm1", "cvm-secret-1", "cvm-token-1")
    assert found.expires_at == clock.now + 3600
    assert metadata.paths == [
        "/latest/meta-data/cam/security-credentials/",
        "/latest/meta-data/cam/security-credentials/tcsdk-test-role",
    ]
    assert provider.role_name == "tcsdk-test-role"
    assert provider.get_credentials() is found  # cached: no new request
    assert len(metadata.paths) == 2


def test_cvm_role_given_by_name_skips_the_listing(creds: Any, metadata: FakeMetadata) -> None:
    provider = creds.CVMRoleCredentials("tcsdk-test-role", endpoint=metadata.url + "/latest/meta-data")
    assert provider.get_credentials().secret_id == "AKIDcvm1"
    assert metadata.listings() == [] and len(metadata.reads()) == 1


def test_cvm_role_endpoint_from_the_environment_and_expiration_only(
    creds: Any, metadata: FakeMetadata, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENCENTCLOUD_METADATA_ENDPOINT", metadata.url)
    metadata.with_expired_time = False  # only the ISO 8601 Expiration
    metadata.expired_time = 1_800_000_000
    found = creds.CVMRoleCredentials().get_credentials()
    assert found.expires_at == 1_800_000_000


def test_cvm_role_refreshes_ahead_of_expiry(creds: Any, metadata: FakeMetadata) -> None:
    clock = Clock()
    metadata.expired_time = clock.now + 3600
    provider = creds.CVMRoleCredentials(endpoint=metadata.url, clock=clock, margin=300)
    assert provider.get_credentials().secret_id == "AKIDcvm1"
    clock.now += 3600 - 301  # 301 s left: kept
    assert provider.get_credentials().secret_id == "AKIDcvm1"
    metadata.expired_time = clock.now + 3600
    clock.now += 2  # 299 s left: renewed
    assert provider.get_credentials().secret_id == "AKIDcvm2"
    assert len(metadata.listings()) == 1 and len(metadata.reads()) == 2  # the role name is kept


def test_cvm_failed_refresh_keeps_valid_credentials(
    creds: Any, metadata: FakeMetadata, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    metadata.expired_time = clock.now + 3600
    provider = creds.CVMRoleCredentials(endpoint=metadata.url, clock=clock)
    assert provider.get_credentials().secret_id == "AKIDcvm1"
    clock.now += 3600 - 100  # renewal due, 100 s still valid
    metadata.fail_next(1, 500)
    with caplog.at_level(logging.WARNING):
        assert provider.get_credentials().secret_id == "AKIDcvm1"
    assert "renewing credentials failed" in caplog.text and "HTTP 500" in caplog.text
    assert "cvm-secret" not in caplog.text and "cvm-token" not in caplog.text
    reads = len(metadata.reads())
    clock.now += 5  # within the retry interval: not asked again
    assert provider.get_credentials().secret_id == "AKIDcvm1"
    assert len(metadata.reads()) == reads
    clock.now += 10  # retried, and this time it works
    metadata.expired_time = clock.now + 3600
    assert provider.get_credentials().secret_id == "AKIDcvm2"

    clock.now += 3600 + 1  # expired, and renewing fails: the error, not stale keys
    metadata.fail_next(1, 503)
    with pytest.raises(creds.CredentialsError, match="HTTP 503"):
        provider.get_credentials()


def test_cvm_bad_answers_are_credentials_errors_without_secrets(creds: Any, metadata: FakeMetadata) -> None:
    metadata.code = "Failed"
    with pytest.raises(creds.CredentialsError) as caught:
        creds.CVMRoleCredentials(endpoint=metadata.url).get_credentials()
    assert "'Failed'" in str(caught.value) and "cvm-secret" not in str(caught.value)


def test_cvm_many_threads_one_fetch(creds: Any, metadata: FakeMetadata) -> None:
    clock = Clock()
    metadata.expired_time = clock.now + 3600
    metadata.delay = 0.2
    provider = creds.CVMRoleCredentials(endpoint=metadata.url, clock=clock)
    results: list[str] = []

    def worker() -> None:
        results.append(provider.get_credentials().secret_id)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["AKIDcvm1"] * 20
    assert len(metadata.listings()) == 1 and len(metadata.reads()) == 1

    # A renewal ahead of expiry: one thread renews, the others go on with
    # the still-valid keys instead of waiting.
    clock.now += 3600 - 60
    metadata.expired_time = clock.now + 3600
    results.clear()
    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(metadata.reads()) == 2
    assert set(results) <= {"AKIDcvm1", "AKIDcvm2"} and len(results) == 20
    assert time.monotonic() - started < 2
    assert provider.get_credentials().secret_id == "AKIDcvm2"


def no_blocking_driver(*args: Any) -> Any:
    raise AssertionError("the blocking driver ran")


def test_cvm_many_tasks_one_fetch_without_the_sync_path(
    creds: Any, metadata: FakeMetadata, monkeypatch: pytest.MonkeyPatch
) -> None:
    metadata.delay = 0.1
    provider = creds.CVMRoleCredentials(endpoint=metadata.url)
    monkeypatch.setattr(creds.refreshing, "run_sync", no_blocking_driver)

    async def main() -> list[str]:
        found = await asyncio.gather(*(provider.get_credentials_async() for _ in range(30)))
        return [c.secret_id for c in found]

    assert asyncio.run(main()) == ["AKIDcvm1"] * 30
    assert len(metadata.listings()) == 1 and len(metadata.reads()) == 1
    # Another event loop later: still works (locks are per loop).
    assert asyncio.run(main()) == ["AKIDcvm1"] * 30


def test_metadata_not_answering_is_passed_over_fast_and_remembered(creds: Any) -> None:
    silent = SilentServer()
    try:
        provider = creds.CVMRoleCredentials(endpoint=silent.url)  # the default timeout
        started = time.monotonic()
        with pytest.raises(creds.CredentialsError, match="not reachable"):
            provider.get_credentials()
        assert time.monotonic() - started < 2.5
        accepted = silent.accepted
        # Remembered: a second provider for the same address does not ask again.
        started = time.monotonic()
        with pytest.raises(creds.CredentialsError, match="not reachable.*ago"):
            creds.CVMRoleCredentials(endpoint=silent.url).get_credentials()

        async def again() -> None:
            await creds.CVMRoleCredentials(endpoint=silent.url).get_credentials_async()

        with pytest.raises(creds.CredentialsError, match="not reachable"):
            asyncio.run(again())
        assert time.monotonic() - started < 0.2
        assert silent.accepted == accepted
    finally:
        silent.stop()


def test_no_role_bound_is_remembered(creds: Any) -> None:
    fake = FakeMetadata(role=None)
    try:
        for _ in range(3):
            with pytest.raises(creds.CredentialsError, match="no CAM role is bound"):
                creds.CVMRoleCredentials(endpoint=fake.url).get_credentials()
        assert len(fake.paths) == 1
    finally:
        fake.stop()


# STS AssumeRole


def test_assume_role_sends_every_parameter_signed_with_the_base_keys(creds: Any, sts: FakeSTS) -> None:
    clock = Clock()
    sts.expired_time = clock.now + 900
    policy = {"version": "2.0", "statement": [{"effect": "allow", "action": ["cos:GetObject"], "resource": ["*"]}]}
    provider = creds.AssumeRoleCredentials(
        ROLE_ARN,
        "nightly-job",
        base=creds.Credentials(BASE_ID, BASE_SECRET),
        duration=900,
        policy=policy,
        external_id="partner-42",
        endpoint=sts.url,
        clock=clock,
    )
    found = provider.get_credentials()
    assert (found.secret_id, found.secret_key, found.token) == ("AKIDsts1", "sts-secret-1", "sts-token-1")
    assert found.expires_at == clock.now + 900
    (call,) = sts.received()
    assert call.problem is None  # the TC3 signature checks out against the base keys
    assert call.action == "AssumeRole"
    assert call.headers["authorization"].startswith(f"TC3-HMAC-SHA256 Credential={BASE_ID}/")
    assert "/sts/tc3_request" in call.headers["authorization"]
    assert call.headers["x-tc-version"] == "2018-08-13"
    assert call.headers["x-tc-region"] == "ap-guangzhou"
    assert "x-tc-token" not in call.headers
    assert call.params == {
        "RoleArn": ROLE_ARN,
        "RoleSessionName": "nightly-job",
        "DurationSeconds": 900,
        "Policy": urllib.parse.quote(json.dumps(policy, separators=(",", ":")), safe=""),
        "ExternalId": "partner-42",
    }
    assert json.loads(urllib.parse.unquote(call.params["Policy"])) == policy


def test_assume_role_defaults_and_refresh(creds: Any, sts: FakeSTS, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_STS_ENDPOINT", sts.url)
    clock = Clock()
    sts.expired_time = clock.now + 7200
    provider = creds.AssumeRoleCredentials(ROLE_ARN, base=creds.StaticCredentials(BASE_ID, BASE_SECRET), clock=clock)
    assert provider.get_credentials().secret_id == "AKIDsts1"
    params = sts.received()[0].params
    assert params["DurationSeconds"] == 7200 and "Policy" not in params and "ExternalId" not in params
    assert params["RoleSessionName"].startswith("tcsdk-")
    clock.now += 7200 - 200
    assert provider.get_credentials().secret_id == "AKIDsts2"
    assert sts.received()[1].params["RoleSessionName"] == params["RoleSessionName"]
    with pytest.raises(ValueError):
        creds.AssumeRoleCredentials(ROLE_ARN, base=creds.Credentials(BASE_ID, BASE_SECRET), duration=50000)


def test_assume_role_on_top_of_the_cvm_role(creds: Any, metadata: FakeMetadata, sts: FakeSTS) -> None:
    sts.keys["AKIDcvm1"] = "cvm-secret-1"
    base = creds.CVMRoleCredentials(endpoint=metadata.url)
    provider = creds.AssumeRoleCredentials(ROLE_ARN, "chained", base=base, endpoint=sts.url)
    assert provider.get_credentials().secret_id == "AKIDsts1"
    (call,) = sts.received()
    assert call.problem is None
    assert call.headers["x-tc-token"] == "cvm-token-1"

    async def main() -> str:
        other = creds.AssumeRoleCredentials(ROLE_ARN, "chained-async", base=base, endpoint=sts.url)
        return str((await other.get_credentials_async()).secret_id)

    assert asyncio.run(main()) == "AKIDsts2"
    assert sts.received()[1].problem is None and sts.received()[1].params["RoleSessionName"] == "chained-async"


def test_assume_role_failure_is_a_credentials_error_without_secrets(creds: Any, sts: FakeSTS) -> None:
    sts.then(("error", "AuthFailure.SecretIdNotFound", "the SecretId is not found"))
    provider = creds.AssumeRoleCredentials(
        ROLE_ARN, base=creds.Credentials(BASE_ID, BASE_SECRET), external_id="partner-secret-id", endpoint=sts.url
    )
    with pytest.raises(creds.CredentialsError) as caught:
        provider.get_credentials()
    text = str(caught.value)
    assert "AssumeRole" in text and "AuthFailure.SecretIdNotFound" in text
    assert BASE_SECRET not in text and "partner-secret-id" not in text
    assert caught.value.__cause__ is None

    # Wrong base keys: the fake's signature check refuses them.
    wrong = creds.AssumeRoleCredentials(ROLE_ARN, base=creds.Credentials(BASE_ID, "wrong-key"), endpoint=sts.url)
    with pytest.raises(creds.CredentialsError, match="AuthFailure.SignatureFailure"):
        wrong.get_credentials()


def test_assume_role_many_tasks_one_call(creds: Any, sts: FakeSTS) -> None:
    sts.then(("delay", 0.2))
    provider = creds.AssumeRoleCredentials(ROLE_ARN, base=creds.Credentials(BASE_ID, BASE_SECRET), endpoint=sts.url)

    async def main() -> set[str]:
        found = await asyncio.gather(*(provider.get_credentials_async() for _ in range(25)))
        return {c.secret_id for c in found}

    assert asyncio.run(main()) == {"AKIDsts1"}
    assert len(sts.received()) == 1


# OIDC web identity (TKE)


def test_web_identity_is_unsigned_and_reads_the_token_file_at_each_refresh(
    creds: Any, sts: FakeSTS, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("web-identity-TOKEN-A\n")
    clock = Clock()
    sts.expired_time = clock.now + 3600
    provider = creds.WebIdentityCredentials(
        ROLE_ARN, "my-idp", token_file=token_file, region="ap-beijing", endpoint=sts.url, clock=clock
    )
    assert provider.get_credentials().secret_id == "AKIDsts1"
    (call,) = sts.received()
    assert call.problem is None and call.headers["authorization"] == "SKIP"
    assert call.action == "AssumeRoleWithWebIdentity"
    assert "x-tc-token" not in call.headers
    assert call.headers["x-tc-region"] == "ap-beijing" and call.headers["x-tc-version"] == "2018-08-13"
    assert call.params["WebIdentityToken"] == "web-identity-TOKEN-A"
    assert call.params["ProviderId"] == "my-idp" and call.params["RoleArn"] == ROLE_ARN
    assert call.params["DurationSeconds"] == 7200 and call.params["RoleSessionName"].startswith("tcsdk-")

    token_file.write_text("web-identity-TOKEN-B")  # rotated by the platform
    clock.now += 3600 - 100
    sts.expired_time = clock.now + 3600
    assert provider.get_credentials().secret_id == "AKIDsts2"
    assert sts.received()[1].params["WebIdentityToken"] == "web-identity-TOKEN-B"

    token_file.write_text("web-identity-TOKEN-C")
    clock.now += 3600 - 100
    sts.expired_time = clock.now + 3600

    async def renew() -> str:
        return str((await provider.get_credentials_async()).secret_id)

    assert asyncio.run(renew()) == "AKIDsts3"
    assert sts.received()[2].params["WebIdentityToken"] == "web-identity-TOKEN-C"
    assert sts.received()[2].headers["authorization"] == "SKIP"


def test_tke_oidc_from_the_environment(
    creds: Any, sts: FakeSTS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = creds.TKEOIDCCredentials(endpoint=sts.url)
    with pytest.raises(creds.CredentialsError) as caught:
        provider.get_credentials()
    assert all(name in str(caught.value) for name in TKE_VARIABLES)
    assert sts.received() == []

    token_file = tmp_path / "tke-token"
    token_file.write_text("tke-web-identity-TOKEN")
    set_tke_environment(monkeypatch, token_file)
    monkeypatch.setenv("TENCENTCLOUD_STS_ENDPOINT", sts.url)
    found = creds.TKEOIDCCredentials().get_credentials()
    assert found.secret_id == "AKIDsts1"
    (call,) = sts.received()
    assert call.headers["authorization"] == "SKIP" and call.headers["x-tc-region"] == "ap-shanghai"
    assert call.params["ProviderId"] == "tke-oidc-provider" and call.params["RoleArn"] == ROLE_ARN
    assert call.params["WebIdentityToken"] == "tke-web-identity-TOKEN"


def test_web_identity_errors_hide_the_token(creds: Any, sts: FakeSTS, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("web-identity-SECRET-token")
    # A service that quotes the token back in its message.
    sts.then(("error", "InvalidParameter.WebIdentityTokenError", "bad token web-identity-SECRET-token"))
    provider = creds.WebIdentityCredentials(ROLE_ARN, "my-idp", token_file=token_file, endpoint=sts.url, backoff=0)
    with pytest.raises(creds.CredentialsError) as caught:
        provider.get_credentials()
    assert "InvalidParameter.WebIdentityTokenError" in str(caught.value)
    assert "web-identity-SECRET-token" not in str(caught.value)
    inline = creds.WebIdentityCredentials(ROLE_ARN, "my-idp", token="inline-SECRET-token", endpoint=sts.url)
    assert "SECRET" not in repr(inline) and "SECRET" not in repr(provider)
    token_file.write_text("")
    with pytest.raises(creds.CredentialsError, match="empty"):
        provider.get_credentials()


# The default chain


def test_default_chain_order(
    creds: Any, metadata: FakeMetadata, sts: FakeSTS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "tke-token"
    token_file.write_text("tke-token")
    set_tke_environment(monkeypatch, token_file)
    monkeypatch.setenv("TENCENTCLOUD_STS_ENDPOINT", sts.url)
    monkeypatch.setenv("TENCENTCLOUD_METADATA_ENDPOINT", metadata.url)
    profile = tmp_path / "credentials"
    profile.write_text("[default]\nsecret_id = AKIDprofile\nsecret_key = profile-key\n")
    monkeypatch.setenv("TENCENTCLOUD_CREDENTIALS_FILE", str(profile))
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDenv")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "env-key")

    assert creds.default_credentials().get_credentials().secret_id == "AKIDenv"
    monkeypatch.delenv("TENCENTCLOUD_SECRET_ID")
    assert creds.default_credentials().get_credentials().secret_id == "AKIDprofile"
    profile.unlink()
    assert creds.default_credentials().get_credentials().secret_id == "AKIDcvm1"  # before TKE
    assert sts.received() == []
    metadata.role = None  # a CVM without a role: on to TKE
    assert creds.default_credentials().get_credentials().secret_id == "AKIDsts1"


def test_default_chain_error_lists_every_place(creds: Any, dead: str, tmp_path: Path) -> None:
    chain = creds.default_credentials()
    for _attempt in range(2):
        started = time.monotonic()
        with pytest.raises(creds.CredentialsError) as caught:
            chain.get_credentials()
        assert time.monotonic() - started < 2
    message = str(caught.value)
    assert message.startswith("no credentials found; looked at: ")
    assert "TENCENTCLOUD_SECRET_ID" in message and "TENCENTCLOUD_SECRET_KEY" in message
    assert str(tmp_path / "no-credentials-file") in message and "[default]" in message
    assert "CVM role" in message and dead in message and "not reachable" in message
    assert all(name in message for name in TKE_VARIABLES)

    async def main() -> str:
        with pytest.raises(creds.CredentialsError) as caught:
            await creds.default_credentials().get_credentials_async()
        return str(caught.value)

    assert "CVM role" in asyncio.run(main())


def test_chain_remembers_the_chosen_link(creds: Any) -> None:
    asked: list[str] = []

    class Counting:
        def __init__(self, name: str, works: bool) -> None:
            self.name, self.works = name, works

        def get_credentials(self) -> Any:
            asked.append(self.name)
            if not self.works:
                raise creds.CredentialsError(f"{self.name}: nothing here")
            return creds.Credentials(f"AKID{self.name}", BASE_SECRET)

    chain = creds.ChainCredentials([Counting("a", False), Counting("b", True), Counting("c", True)])
    for _ in range(3):
        assert chain.get_credentials().secret_id == "AKIDb"
    assert asked == ["a", "b", "b", "b"]

    async def main() -> str:
        return str((await chain.get_credentials_async()).secret_id)

    assert asyncio.run(main()) == "AKIDb" and asked[-1] == "b"


def test_profile_file_is_read_once_and_falls_back_to_etc(
    creds: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "credentials"
    path.write_text('[default]\nsecret_id = "AKIDquoted"\nsecret_key = k\n')
    provider = creds.ProfileCredentials(path=path)
    assert provider.get_credentials().secret_id == "AKIDquoted"
    path.unlink()
    assert provider.get_credentials().secret_id == "AKIDquoted"  # not read again

    monkeypatch.delenv("TENCENTCLOUD_CREDENTIALS_FILE")
    home, etc = tmp_path / "home" / "credentials", tmp_path / "etc" / "credentials"
    etc.parent.mkdir()
    etc.write_text("[default]\nsecret_id = AKIDetc\nsecret_key = k\n")
    monkeypatch.setattr(creds.local, "PROFILE_FILES", (home, etc), raising=False)
    fallback = creds.ProfileCredentials()
    assert fallback.get_credentials().secret_id == "AKIDetc"
    home.parent.mkdir()
    home.write_text("[default]\nsecret_id = AKIDhome\nsecret_key = k\n")
    assert creds.ProfileCredentials().get_credentials().secret_id == "AKIDhome"

    missing = creds.ProfileCredentials(path=tmp_path / "nothing")
    for _ in range(2):
        with pytest.raises(creds.CredentialsError, match="file not found"):
            missing.get_credentials()


# The async path never blocks the event loop


def _loop_lag(body: Any) -> tuple[Any, float, set[int]]:
    """Run ``body()`` (a coroutine function) beside a ticker; the longest tick gap."""

    async def main() -> tuple[Any, float, set[int]]:
        gaps: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            last = time.monotonic()
            while not stop.is_set():
                await asyncio.sleep(0.01)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0.02)
        try:
            result = await body()
        finally:
            stop.set()
            await task
        return result, max(gaps), {threading.get_ident()}

    return asyncio.run(main())


def test_async_providers_do_not_block_the_loop(
    creds: Any, metadata: FakeMetadata, sts: FakeSTS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(creds.refreshing, "run_sync", no_blocking_driver)
    metadata.delay = 0.6  # a blocked loop would show a gap this long
    cvm = creds.CVMRoleCredentials(endpoint=metadata.url)
    found, lag, _ = _loop_lag(cvm.get_credentials_async)
    assert found.secret_id == "AKIDcvm1" and lag < 0.4

    sts.then(("delay", 0.6))
    token_file = tmp_path / "token"
    token_file.write_text("tok")
    oidc = creds.WebIdentityCredentials(ROLE_ARN, "idp", token_file=token_file, endpoint=sts.url)
    found, lag, _ = _loop_lag(oidc.get_credentials_async)
    assert found.secret_id == "AKIDsts1" and lag < 0.4


def test_blocking_work_runs_off_the_loop_thread(creds: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []

    class SlowSyncOnly:
        """A provider with only a blocking method."""

        def get_credentials(self) -> Any:
            threads.append(threading.get_ident())
            time.sleep(0.6)
            return creds.Credentials("AKIDslow", BASE_SECRET)

    chain = creds.ChainCredentials([SlowSyncOnly()])
    found, lag, loop_threads = _loop_lag(chain.get_credentials_async)
    assert found.secret_id == "AKIDslow" and lag < 0.4
    assert threads and not set(threads) & loop_threads

    path = tmp_path / "credentials"
    path.write_text("[default]\nsecret_id = AKIDfile\nsecret_key = k\n")
    profile = creds.ProfileCredentials(path=path)
    original = creds.ProfileCredentials._read

    def recording_read(self: Any) -> Any:
        threads.append(threading.get_ident())
        return original(self)

    monkeypatch.setattr(creds.ProfileCredentials, "_read", recording_read)
    threads.clear()
    found, _, loop_threads = _loop_lag(profile.get_credentials_async)
    assert found.secret_id == "AKIDfile" and len(threads) == 1 and threads[0] not in loop_threads


def test_clients_sign_with_cvm_role_keys(creds: Any, metadata: FakeMetadata) -> None:
    from tcsdk.common.aio import AsyncCommonClient
    from tcsdk.common.client import CommonClient

    cloud = FakeTencentCloud("cvm", {"AKIDcvm1": "cvm-secret-1"}, {}).start()
    try:
        provider = creds.CVMRoleCredentials(endpoint=metadata.url)
        with CommonClient("cvm", "2017-03-12", provider, endpoint=cloud.url, region="ap-guangzhou") as client:
            assert client.call("DescribeZones").request_id

        async def main() -> str:
            async with AsyncCommonClient("cvm", "2017-03-12", provider, endpoint=cloud.url) as client:
                return str((await client.call("DescribeZones")).request_id)

        assert asyncio.run(main())
        calls = cloud.calls("DescribeZones")
        assert len(calls) == 2 and all(c.headers["x-tc-token"] == "cvm-token-1" for c in calls)
        assert len(metadata.reads()) == 1
    finally:
        cloud.stop()


# No secret anywhere


def test_reprs_hide_every_secret(creds: Any, metadata: FakeMetadata, sts: FakeSTS, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("web-identity-SECRET")
    cvm = creds.CVMRoleCredentials(endpoint=metadata.url)
    cvm.get_credentials()
    assume = creds.AssumeRoleCredentials(
        ROLE_ARN, base=creds.StaticCredentials(BASE_ID, BASE_SECRET), external_id="ext-SECRET", endpoint=sts.url
    )
    assume.get_credentials()
    oidc = creds.WebIdentityCredentials(ROLE_ARN, "idp", token_file=token_file, endpoint=sts.url)
    oidc.get_credentials()
    chain = creds.ChainCredentials([cvm, assume, oidc])
    for provider in [cvm, assume, oidc, chain, creds.TKEOIDCCredentials()]:
        text = repr(provider) + str(provider)
        if not isinstance(provider, creds.TKEOIDCCredentials):
            text += repr(provider.get_credentials()) + str(provider.get_credentials())
        for secret in (
            BASE_SECRET,
            "ext-SECRET",
            "web-identity-SECRET",
            "cvm-secret",
            "cvm-token",
            "sts-secret",
            "sts-token",
        ):
            assert secret not in text, (provider, secret)
