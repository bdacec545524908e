"""Credential sources and the default chain of the generated runtime."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..fake_sts import refused_address

SECRET = "credentials-test-SECRET-value"


@pytest.fixture()
def creds_module(generated_on_path: Path):  # type: ignore[no-untyped-def]
    from tcsdk.common import credentials

    return credentials


@pytest.fixture(autouse=True)
def no_metadata_service_nor_tke(creds_module, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The default chain's CVM and TKE links find nothing, without the network."""
    for name in ("TKE_REGION", "TKE_PROVIDER_ID", "TKE_WEB_IDENTITY_TOKEN_FILE", "TKE_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    with refused_address() as dead:
        monkeypatch.setenv("TENCENTCLOUD_METADATA_ENDPOINT", dead)
        creds_module.cvm._metadata_misses.clear()
        yield
        creds_module.cvm._metadata_misses.clear()


def test_environment_credentials(creds_module, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDenv")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET)
    monkeypatch.setenv("TENCENTCLOUD_SESSION_TOKEN", "tok")
    found = creds_module.EnvironmentCredentials().get_credentials()
    assert (found.secret_id, found.secret_key, found.token) == ("AKIDenv", SECRET, "tok")


def test_profile_file_with_sections(creds_module, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "credentials"
    path.write_text(
        "[default]\nsecret_id = AKIDdefault\nsecret_key = k1\n\n[prod]\nsecret_id = AKIDprod\nsecret_key = k2\ntoken = t2\n"
    )
    assert creds_module.ProfileCredentials(path=path, environ={}).get_credentials().secret_id == "AKIDdefault"
    prod = creds_module.ProfileCredentials(path=path, environ={"TENCENTCLOUD_PROFILE": "prod"}).get_credentials()
    assert (prod.secret_id, prod.token) == ("AKIDprod", "t2")
    with pytest.raises(creds_module.CredentialsError, match=r"profile \[nope\]"):
        creds_module.ProfileCredentials("nope", path=path).get_credentials()


def test_default_chain_order_and_error_naming_every_place(
    creds_module,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    for name in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    missing = tmp_path / "missing"
    monkeypatch.setenv("TENCENTCLOUD_CREDENTIALS_FILE", str(missing))
    chain = creds_module.default_credentials()
    with pytest.raises(creds_module.CredentialsError) as caught:
        chain.get_credentials()
    message = str(caught.value)
    assert "TENCENTCLOUD_SECRET_ID" in message and "TENCENTCLOUD_SECRET_KEY" in message
    assert str(missing) in message and "[default]" in message
    assert "CVM role" in message and "TKE_ROLE_ARN" in message

    missing.write_text("[default]\nsecret_id = AKIDfile\nsecret_key = filekey\n")
    assert creds_module.default_credentials().get_credentials().secret_id == "AKIDfile"
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDenv")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "envkey")
    assert creds_module.default_credentials().get_credentials().secret_id == "AKIDenv"
    assert creds_module.default_credentials("AKIDexplicit", "k").get_credentials().secret_id == "AKIDexplicit"


def test_client_without_credentials_fails_with_a_clear_error(
    generated_on_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tcsdk.common.errors import CredentialsError
    from tcsdk.trtc.v20190722.client import TrtcClient

    monkeypatch.delenv("TENCENTCLOUD_SECRET_ID", raising=False)
    monkeypatch.delenv("TENCENTCLOUD_SECRET_KEY", raising=False)
    monkeypatch.setenv("TENCENTCLOUD_CREDENTIALS_FILE", str(tmp_path / "none"))
    with TrtcClient(endpoint="http://127.0.0.1:9") as client:
        with pytest.raises(CredentialsError, match="no credentials found; looked at"):
            client.dismiss_room(sdk_app_id=1, room_id=2)


def test_refreshing_credentials_renew_before_expiry(creds_module) -> None:  # type: ignore[no-untyped-def]
    now = [1000.0]
    fetched: list[int] = []

    def fetch():  # type: ignore[no-untyped-def]
        fetched.append(1)
        return creds_module.Credentials(f"AKID{len(fetched)}", SECRET, "tok", expires_at=now[0] + 600)

    provider = creds_module.RefreshingCredentials(fetch, margin=60, clock=lambda: now[0])
    assert provider.get_credentials().secret_id == "AKID1"
    now[0] += 500  # 100 s left, more than the margin
    assert provider.get_credentials().secret_id == "AKID1"
    now[0] += 50  # 50 s left: renewed
    assert provider.get_credentials().secret_id == "AKID2"
    assert len(fetched) == 2


def test_refreshing_credentials_fetch_once_under_concurrency(creds_module) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def slow_fetch():  # type: ignore[no-untyped-def]
        calls.append(1)
        time.sleep(0.1)
        return creds_module.Credentials("AKIDx", SECRET, expires_at=time.time() + 3600)

    provider = creds_module.RefreshingCredentials(slow_fetch)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(provider.get_credentials().secret_id)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["AKIDx"] * 20 and len(calls) == 1


def test_refreshing_credentials_async_fetch_once(creds_module) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    calls: list[int] = []

    async def fetch_async():  # type: ignore[no-untyped-def]
        calls.append(1)
        await asyncio.sleep(0.05)
        return creds_module.Credentials("AKIDa", SECRET, expires_at=time.time() + 3600)

    provider = creds_module.RefreshingCredentials(lambda: None, fetch_async=fetch_async)  # type: ignore[arg-type,return-value]

    async def main() -> list[str]:
        found = await asyncio.gather(*(provider.get_credentials_async() for _ in range(20)))
        return [c.secret_id for c in found]

    assert asyncio.run(main()) == ["AKIDa"] * 20 and len(calls) == 1


def test_reprs_hide_secrets(creds_module, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    credentials = creds_module.Credentials("AKIDr", SECRET, "session-secret-token")
    token_file = tmp_path / "token"
    token_file.write_text("web-identity-secret-token")
    providers = [
        creds_module.StaticCredentials("AKIDr", SECRET, "session-secret-token"),
        creds_module.RefreshingCredentials(lambda: credentials),
        creds_module.CVMRoleCredentials(),
        creds_module.AssumeRoleCredentials("qcs::cam::uin/1:roleName/r", base=credentials, external_id="ext-secret"),
        creds_module.WebIdentityCredentials("qcs::cam::uin/1:roleName/r", "idp", token_file=token_file),
        creds_module.WebIdentityCredentials("qcs::cam::uin/1:roleName/r", "idp", token="web-identity-secret-token"),
        creds_module.TKEOIDCCredentials(),
    ]
    texts = [repr(credentials), str(credentials)] + [repr(p) for p in providers] + [str(p) for p in providers]
    texts.append(repr(creds_module.ChainCredentials(providers)))
    for text in texts:
        for secret in (SECRET, "session-secret-token", "ext-secret", "web-identity-secret-token"):
            assert secret not in text


def test_refreshing_credentials_keep_valid_keys_when_renewal_fails(  # type: ignore[no-untyped-def]
    creds_module, caplog: pytest.LogCaptureFixture
) -> None:
    now = [1000.0]
    answers: list[object] = [
        creds_module.Credentials("AKID1", SECRET, "tok", expires_at=1600.0),
        creds_module.CredentialsError("renewal refused"),
        creds_module.Credentials("AKID2", SECRET, "tok", expires_at=2600.0),
    ]

    def fetch():  # type: ignore[no-untyped-def]
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    provider = creds_module.RefreshingCredentials(fetch, margin=300, clock=lambda: now[0], retry_interval=30)
    assert provider.get_credentials().secret_id == "AKID1"
    now[0] = 1400.0  # renewal due; it fails; the keys are valid for 200 s more
    with caplog.at_level("WARNING"):
        assert provider.get_credentials().secret_id == "AKID1"
    assert "renewal refused" in caplog.text and SECRET not in caplog.text
    now[0] = 1420.0  # within retry_interval: no new attempt
    assert provider.get_credentials().secret_id == "AKID1" and len(answers) == 1
    now[0] = 1431.0
    assert provider.get_credentials().secret_id == "AKID2"


def test_refreshing_credentials_short_lived_keys_are_not_fetched_every_call(creds_module) -> None:  # type: ignore[no-untyped-def]
    now = [0.0]
    fetched: list[int] = []

    def fetch():  # type: ignore[no-untyped-def]
        fetched.append(1)
        return creds_module.Credentials("AKID", SECRET, expires_at=now[0] + 120)  # shorter than the margin

    provider = creds_module.RefreshingCredentials(fetch, margin=300, clock=lambda: now[0])
    for step in range(5):
        now[0] = step * 10.0
        provider.get_credentials()
    assert len(fetched) == 1  # renewed at half the lifetime, not at every call
    now[0] = 61.0
    provider.get_credentials()
    assert len(fetched) == 2
