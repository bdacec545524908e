"""Hostile endpoints, headers and names (issue 22, items 3 and 4), log lines
that quote a secret (item 2, the client's part) and answers nested too deeply
(item 5, CommonClient's part).

The rule checked over generated inputs: a setting is either refused with
``ValueError`` when the client (or a ``with_options`` copy) is built, or the
request that goes out is TC3-signed, carries the value exactly, frames its
body once and goes to the host and port the endpoint names. Requests are
caught by an ``httpx.MockTransport`` (nothing leaves the process); the cases
the issue reported run against a server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ..client_harness import SECRET_ID, SECRET_KEY
from ..fake_tencent import Behaviour, FakeTencentCloud

MODES = ["sync", "async"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
OK_BODY = b'{"Response": {"RequestId": "r-1"}}'


def sent_by(mode: str, make: Callable[..., Any], act: Callable[[Any], Any] = lambda c: c.call("DescribeZones")) -> Any:
    """The one httpx.Request a client made by ``make(http_client=...)`` sends when ``act`` runs."""
    import httpx

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=OK_BODY)

    if mode == "sync":
        with make(http_client=httpx.Client(transport=httpx.MockTransport(handler))) as client:
            act(client)
    else:

        async def main() -> None:
            async with make(http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler))) as client:
                await act(client)

        asyncio.run(main())
    assert len(seen) == 1
    return seen[0]


def common(mode: str, **options: Any) -> Callable[..., Any]:
    from tcsdk.common.aio import AsyncCommonClient
    from tcsdk.common.client import CommonClient
    from tcsdk.common.credentials import Credentials

    cls = CommonClient if mode == "sync" else AsyncCommonClient
    return lambda **more: cls("cvm", "2017-03-12", Credentials(SECRET_ID, SECRET_KEY), **options, **more)


def assert_signed_once(request: Any) -> None:
    assert request.headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=" + SECRET_ID)
    assert len(request.headers.get_list("authorization")) == 1
    assert not ("content-length" in request.headers and "transfer-encoding" in request.headers)
    assert request.url.path == "/" and not request.url.query and not request.url.fragment
    assert not request.url.userinfo


# Item 3: endpoints.

HOSTS = ["cvm.tencentcloudapi.com", "127.0.0.1", "a-b.example", "x_y.internal", "[::1]"]
# Characters and pieces that change what a URL means, or hide a host.
HOSTILE = [
    "@",
    "\\",
    "/",
    "?",
    "#",
    " ",
    "\t",
    "\n",
    "\r",
    "\x00",
    "%",
    ":",
    "[",
    "]",
    "é",
    "\u3002",
    "ｅ",
    "@evil.example",
    "\\@evil.example",
    "/x",
    ";a=b",
    "%2e",
]


@st.composite
def endpoints(draw: st.DrawFn) -> tuple[str, str, str, int | None]:
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    host = draw(st.sampled_from(HOSTS))
    port = draw(st.none() | st.integers(1, 65535))
    text = f"{scheme}://{host}" + (f":{port}" if port is not None else "") + draw(st.sampled_from(["", "/"]))
    # One to three hostile pieces, anywhere after the scheme.
    for piece in draw(st.lists(st.sampled_from(HOSTILE), max_size=3)):
        at = draw(st.integers(len(scheme) + 3, len(text)))
        text = text[:at] + piece + text[at:]
    return text, scheme.lower(), host, port


@SETTINGS
@given(case=endpoints(), mode=st.sampled_from(MODES))
def test_an_endpoint_is_refused_or_the_request_goes_signed_where_it_names(
    generated_on_path: Path, case: tuple[str, str, str, int | None], mode: str
) -> None:
    text, scheme, host, port = case
    try:
        make = common(mode, endpoint=text)
        make()
    except ValueError:
        event("refused")
        return
    event("sent")
    request = sent_by(mode, make)
    assert_signed_once(request)
    assert request.url.scheme == scheme
    assert request.url.host == host.strip("[]")
    assert request.url.port in (port, None) and (request.url.port is None) == (
        port in (None, 80 if scheme == "http" else 443)
    )
    assert request.headers["host"] == request.url.netloc.decode("ascii")


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://user:pass@{local}",  # Basic auth instead of the signature
        "http://cvm.tencentcloudapi.com@{local}",  # elsewhere than it reads
        "http://{local}\\@cvm.tencentcloudapi.com",  # a backslash before @
        "http://{local}/v3",  # a path (API 3.0 posts to /)
        "http://{local}/?a=b",  # a query
        "http://{local}/#top",  # a fragment
        "http://{local} ",
        "http://{local}\n",
        "http://bücher.example",
        "http://:80",
        "http://{local}0000",  # port out of range
        "http://127.0.0.1:0",
        "http://[::1",  # an IPv6 address without its closing bracket
        "http://[::1:8080",
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_the_reported_endpoints_are_refused_when_the_client_is_built(
    generated_on_path: Path, endpoint: str, mode: str
) -> None:
    server = FakeTencentCloud("cvm", {SECRET_ID: SECRET_KEY}, {}).start()
    try:
        local = server.url.split("://", 1)[1].rstrip("/")
        with pytest.raises(ValueError, match="refused|not a host name|http"):
            common(mode, endpoint=endpoint.format(local=local))()
    finally:
        server.stop()
    assert server.calls() == []


def test_the_environment_endpoint_and_domain_suffix_are_checked_too(
    generated_on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENCENTCLOUD_ENDPOINT", "http://user:pass@127.0.0.1:9")
    with pytest.raises(ValueError, match="user info"):
        common("sync")()
    monkeypatch.delenv("TENCENTCLOUD_ENDPOINT")
    for suffix in ["evil.example@127.0.0.1", "x.example/path", "x.example:8080", "x..example", "é.example"]:
        with pytest.raises(ValueError, match="domain_suffix"):
            common("sync", domain_suffix=suffix)()
    assert common("sync", domain_suffix="intl.tencentcloudapi.com.")().endpoint == (
        "https://cvm.intl.tencentcloudapi.com/"
    )


def test_credential_endpoints_can_keep_a_plain_path(generated_on_path: Path) -> None:
    from tcsdk.common.wire import parse_endpoint

    assert parse_endpoint("http://metadata.tencentyun.com/latest/meta-data", path=True) == (
        "http://metadata.tencentyun.com/latest/meta-data",
        "metadata.tencentyun.com",
    )
    for url in ["http://m.example/../x", "http://m.example/a?b", "http://m.example/a b", "http://u@m.example/a"]:
        with pytest.raises(ValueError):
            parse_endpoint(url, what="TENCENTCLOUD_STS_ENDPOINT", path=True)


# Item 4: headers, region, language and names.

HEADER_NAMES = (
    st.from_regex(r"\AX-[A-Za-z0-9-]{1,8}\n?\Z")
    | st.sampled_from(
        [
            "Transfer-Encoding",
            "Content-Length",
            "content-length",
            "Host",
            "Connection",
            "Keep-Alive",
            "Proxy-Authorization",
            "TE",
            "Trailer",
            "Upgrade",
            "Expect",
            "Authorization",
            "X-TC-Action",
            "X-TC-Token",
            "Content-Type",
            "X-TC-TraceId",
            "X-Custom",
        ]
    )
    | st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
)
HEADER_VALUES = (
    st.sampled_from(["chunked", "5", "a\r\nX-Evil: 1", "a\n", "x\x00", "é", "ok value"])
    | st.text(st.characters(max_codepoint=0x7F), max_size=12)
    | st.text(max_size=12)
)


@SETTINGS
@given(name=HEADER_NAMES, value=HEADER_VALUES, mode=st.sampled_from(MODES), per_call=st.booleans())
def test_an_extra_header_is_refused_or_sent_as_given_beside_one_framing(
    generated_on_path: Path, name: str, value: str, mode: str, per_call: bool
) -> None:
    try:
        if per_call:
            make = common(mode)
            make().with_options(headers={name: value})
            request = sent_by(mode, make, lambda c: c.with_options(headers={name: value}).call("DescribeZones"))
        else:
            make = common(mode, headers={name: value})
            make()
            request = sent_by(mode, make)
    except ValueError:
        event("refused")
        return
    event("sent")
    assert_signed_once(request)
    assert request.headers.get_list(name) == [value]
    assert name.lower() not in {"host", "content-length", "transfer-encoding", "authorization", "content-type"}


@pytest.mark.parametrize(
    "headers",
    [
        {"Transfer-Encoding": "chunked"},
        {"Content-Length": "5"},
        {"Connection": "close"},
        {"Proxy-Authorization": "Basic eA=="},
        {"X-Note": "caf\u00e9"},
        {"X-Note": "a\tb\x01"},
        {"X-Note\n": "a"},
    ],
)
def test_framing_headers_and_unsendable_values_are_refused(generated_on_path: Path, headers: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        common("sync", headers=headers)()
    with pytest.raises(ValueError):
        common("sync")().with_options(headers=headers)


@SETTINGS
@given(
    region=st.text(st.characters(max_codepoint=0x7F), max_size=20) | st.text(max_size=20),
    language=st.sampled_from(["zh-CN", "en-US", "en\r\nX: y", "é", "\x00"]),
)
def test_region_and_language_are_refused_or_sent_exactly(generated_on_path: Path, region: str, language: str) -> None:
    try:
        make = common("sync", region=region, language=language)
        make()
    except ValueError:
        event("refused")
        return
    event("sent")
    request = sent_by("sync", make)
    assert_signed_once(request)
    assert request.headers.get("x-tc-region", "") == region
    assert request.headers["x-tc-language"] == language


@pytest.mark.parametrize("option", ["region", "language"])
@pytest.mark.parametrize("value", ["ap-guangzhou\r\nX-Evil: 1", "ap-guangzhou\n", "ap\x00", "广州"])
def test_region_and_language_with_line_breaks_or_non_ascii_are_refused_before_sending(
    generated_on_path: Path, option: str, value: str
) -> None:
    with pytest.raises(ValueError, match=option):
        common("sync", **{option: value})()
    with pytest.raises(ValueError, match=option):
        common("sync")().with_options(**{option: value})


@pytest.mark.parametrize("mode", MODES)
def test_names_with_a_trailing_newline_are_refused_not_retried(generated_on_path: Path, mode: str) -> None:
    from tcsdk.common.aio import AsyncCommonClient
    from tcsdk.common.client import CommonClient
    from tcsdk.common.credentials import Credentials

    cls = CommonClient if mode == "sync" else AsyncCommonClient
    credentials = Credentials(SECRET_ID, SECRET_KEY)
    with pytest.raises(ValueError, match="service"):
        cls("cvm\n", "2017-03-12", credentials)
    with pytest.raises(ValueError, match="version"):
        cls("cvm", "2017-03-12\n", credentials)
    with pytest.raises(ValueError, match="action"):
        sent_by(mode, common(mode), lambda c: c.call("DescribeZones\n"))


@SETTINGS
@given(action=st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{0,10}\n?\Z") | st.text(max_size=20), mode=st.sampled_from(MODES))
def test_an_action_name_is_refused_or_sent_exactly(generated_on_path: Path, action: str, mode: str) -> None:
    try:
        request = sent_by(mode, common(mode), lambda c: c.call(action))
    except ValueError:
        event("refused")
        return
    event("sent")
    assert_signed_once(request)
    assert request.headers["x-tc-action"] == action
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", action), action


# Item 2 (the client's log lines) and item 5 (CommonClient answers).


@pytest.mark.parametrize("mode", MODES)
def test_a_secret_quoted_by_an_error_is_scrubbed_from_the_log_line(
    generated_on_path: Path, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    from tcsdk.common import redaction

    secret = "quoted-secret-3c1a9f77e2"
    redaction.register(secret)
    server = FakeTencentCloud("cvm", {SECRET_ID: SECRET_KEY}, {}).start()
    server.then("RunInstances", Behaviour("error", code="InvalidParameter", message=f"bad key {secret}"))
    try:
        with caplog.at_level(logging.DEBUG, logger="tcsdk.common.client"), pytest.raises(Exception) as caught:
            make = common(mode, endpoint=server.url)
            sent = asyncio.run(_call_async(make)) if mode == "async" else _call_sync(make)
            assert sent is None
    finally:
        server.stop()
    assert type(caught.value).__name__.endswith("Error")
    logged = caplog.text
    assert "InvalidParameter" in logged and f"bad key {redaction.HIDDEN}" in logged
    assert secret not in logged


def _call_sync(make: Callable[..., Any]) -> Any:
    with make() as client:
        return client.call("RunInstances")


async def _call_async(make: Callable[..., Any]) -> Any:
    async with make() as client:
        return await client.call("RunInstances")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [200, 500])
@pytest.mark.parametrize(
    "body",
    [b'{"Response": ' + b"[" * 1_000 + b"]" * 1_000 + b"}", b"[" * 100_000, b'{"Response": {"a": ' * 2_000],
    ids=["1000-levels", "100000-open", "2000-objects"],
)
def test_answers_nested_too_deeply_are_invalid_json_not_a_recursion_error(
    generated_on_path: Path, mode: str, status: int, body: bytes
) -> None:
    from tcsdk.common.exceptions import HTTPStatusError, InvalidJSONError
    from tcsdk.common.retry import NO_RETRY

    server = FakeTencentCloud("cvm", {SECRET_ID: SECRET_KEY}, {}).start()
    server.then(
        "RunInstances", Behaviour("raw", body=body) if status == 200 else Behaviour("status", status=status, body=body)
    )
    expected = InvalidJSONError if status == 200 else HTTPStatusError
    try:
        make = common(mode, endpoint=server.url, retry=NO_RETRY)
        with pytest.raises(expected) as caught:
            asyncio.run(_call_async(make)) if mode == "async" else _call_sync(make)
    finally:
        server.stop()
    if status == 200:
        assert "RunInstances" in str(caught.value) and "nested too deeply" in str(caught.value)
