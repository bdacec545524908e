"""What importing a generated client costs: a fresh interpreter imports the
sync client without asyncio, httpx or anything async, and makes its first
calls (on the standard library transport) without them; httpx comes only
when asked for. (Timings are for benchmarks/runtime.py, not for tests.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ..client_harness import SECRET_ID, SECRET_KEY, spec_examples
from ..conftest import GENERATED
from ..fake_tencent import Behaviour, FakeTencentCloud

CHILD = """
import sys

LAZY = ("tcsdk.common.aio", "tcsdk.common.envelope", "tcsdk.common.tolerant",
        "tcsdk.common.errors", "tcsdk.trtc.v20190722.errors", "tcsdk.trtc.v20190722.aio")

def loaded(*names):
    return sorted(m for m in sys.modules if m.split(".")[0] in names or m in LAZY)

from tcsdk.trtc.v20190722.client import TrtcClient
from tcsdk.common.credentials import Credentials

assert not loaded("asyncio", "httpx"), loaded("asyncio", "httpx")
# Interceptors and deadlines cost nothing until a client or a call uses them.
assert not {"tcsdk.common.interceptors", "tcsdk.common.deadlines"} & set(sys.modules)
assert "tcsdk.common.waiting" not in sys.modules  # a waiter loads it at its first call
with TrtcClient(Credentials(sys.argv[2], sys.argv[3]), endpoint=sys.argv[1], region="ap-beijing") as trtc:
    assert "httpx" not in sys.modules  # not even to build the client
    response = trtc.dismiss_room(sdk_app_id=1400000001, room_id=1234)
    assert response.request_id, response
    # The default transport is the standard library's: no httpx, no asyncio.
    assert "tcsdk.common.sync_http" in sys.modules and "httpx" not in sys.modules
    # envelope may come with a class's first answer (it makes the typed decoder);
    # the error modules, tolerant decoding and asyncio do not.
    assert [m for m in loaded("asyncio") if m != "tcsdk.common.envelope"] == [], loaded("asyncio")
    # The error modules come with the first error.
    try:
        trtc.dismiss_room(sdk_app_id=1400000001, room_id=1234)
    except Exception as error:
        assert type(error).__module__.endswith(".errors"), error
    else:
        raise AssertionError("the second call should fail")
assert "tcsdk.common.envelope" in sys.modules and "tcsdk.common.errors" in sys.modules
assert "asyncio" not in sys.modules and "tcsdk.common.aio" not in sys.modules
assert "httpx" not in sys.modules and "tcsdk.common.httpx_http" not in sys.modules
# OpenTelemetry is installed (a test dependency) but this program never imported
# it: two calls, one failed, and neither it nor common.telemetry was loaded.
assert not [m for m in sys.modules if m.split(".")[0] == "opentelemetry" or m == "tcsdk.common.telemetry"]
# Region failover is off: its module never loads, not even with the calls.
assert "tcsdk.common.failover" not in sys.modules
# The retry quota and the rate limiter come with the first retry or adaptive call.
assert "tcsdk.common.throttling" not in sys.modules
"""


def test_a_sync_client_and_its_first_calls_load_neither_asyncio_nor_httpx(generated_on_path: Path) -> None:
    """Nor the async client, envelope/tolerant decoding or any error module: those load on the first error.

    Nor OpenTelemetry, when the program does not use it."""
    server = FakeTencentCloud("trtc", {SECRET_ID: SECRET_KEY}, spec_examples("trtc")).start()
    server.then("DismissRoom", Behaviour("success"), Behaviour("error", code="FailedOperation.RoomNotExist"))
    try:
        result = subprocess.run(
            [sys.executable, "-c", CHILD, server.url, SECRET_ID, SECRET_KEY],
            cwd=GENERATED,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert [call.action for call in server.calls()] == ["DismissRoom", "DismissRoom"]


def test_endpoints_are_read_as_httpx_reads_them_or_refused(generated_on_path: Path) -> None:
    """``wire`` reads an endpoint without httpx; what it accepts, httpx reads the same way."""
    import httpx
    from tcsdk.common.wire import parse_endpoint

    for url in [
        "https://trtc.tencentcloudapi.com",
        "https://a_b.tencentcloudapi.com/",
        "http://127.0.0.1:9",
        "http://127.0.0.1:80",
        "https://x.example:443",
        "https://x.example:8443/",
        "HTTPS://X.Example",
        "http://[::1]:8080",
        "http://x.example:0080",
        "https://x.example.",
    ]:
        parsed = httpx.URL(url)
        expected = (str(parsed.copy_with(path="/", query=None, fragment=None)), parsed.netloc.decode("ascii"))
        assert parse_endpoint(url) == expected, url
    for url in ["http://x.example:65536", "https://x/y?z#w", "https://bücher.example", "https://u:p@x.example"]:
        with pytest.raises(ValueError, match="refused"):
            parse_endpoint(url)


def test_the_async_client_is_still_found_beside_the_sync_one(generated_on_path: Path) -> None:
    from tcsdk.common import client as common
    from tcsdk.trtc import v20190722
    from tcsdk.trtc.v20190722 import aio, client

    assert client.AsyncTrtcClient is aio.AsyncTrtcClient is v20190722.AsyncTrtcClient
    assert v20190722.TrtcClient is client.TrtcClient
    # The sync module never imports the async one, not even on attribute access.
    assert not hasattr(common, "AsyncCommonClient") and not hasattr(common, "AsyncBaseClient")
    assert common.DEFAULT_TIMEOUT.connect == 5.0 and common.DEFAULT_TIMEOUT.read == 30.0
