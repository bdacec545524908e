"""What importing a generated client costs: a fresh interpreter imports the
sync client without asyncio, httpx or anything async; httpx comes with the
first request. (Timings are for benchmarks/runtime.py, not for tests.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ..client_harness import SECRET_ID, SECRET_KEY, spec_examples
from ..conftest import GENERATED
from ..fake_tencent import FakeTencentCloud

CHILD = """
import sys

def loaded(*names):
    return sorted(m for m in sys.modules if m.split(".")[0] in names or m.rpartition(".")[2] == "aio")

from tcsdk.trtc.v20190722.client import TrtcClient
from tcsdk.common.credentials import Credentials

assert not loaded("asyncio", "httpx"), loaded("asyncio", "httpx")
with TrtcClient(Credentials(sys.argv[2], sys.argv[3]), endpoint=sys.argv[1], region="ap-beijing") as trtc:
    assert "httpx" not in sys.modules  # not even to build the client
    response = trtc.dismiss_room(sdk_app_id=1400000001, room_id=1234)
assert response.request_id, response
assert "httpx" in sys.modules
assert not loaded("asyncio"), loaded("asyncio")
"""


def test_sync_client_imports_no_asyncio_and_httpx_only_at_the_first_request(generated_on_path: Path) -> None:
    server = FakeTencentCloud("trtc", {SECRET_ID: SECRET_KEY}, spec_examples("trtc")).start()
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
    assert [call.action for call in server.calls()] == ["DismissRoom"]


def test_endpoints_read_without_httpx_are_read_as_httpx_reads_them(generated_on_path: Path) -> None:
    import httpx
    from tcsdk.common.client import _url_and_host

    for url in [
        "https://trtc.tencentcloudapi.com",
        "https://a_b.tencentcloudapi.com/",
        "http://127.0.0.1:9",
        "http://127.0.0.1:80",
        "https://x.example:443",
        "https://x.example:8443/",
        "http://x.example:65536",
        "HTTPS://X.Example",
        "https://x/y?z#w",
        "http://[::1]:8080",
        "https://bücher.example",
        "https://u:p@x.example",
        "http://x.example:0080",
        "https://x.example.",
    ]:
        parsed = httpx.URL(url)
        expected = (str(parsed.copy_with(path="/", query=None, fragment=None)), parsed.netloc.decode("ascii"))
        assert _url_and_host(url) == expected, url


def test_the_async_client_is_still_found_beside_the_sync_one(generated_on_path: Path) -> None:
    from tcsdk.common import client as common
    from tcsdk.trtc import v20190722
    from tcsdk.trtc.v20190722 import aio, client

    assert client.AsyncTrtcClient is aio.AsyncTrtcClient is v20190722.AsyncTrtcClient
    assert v20190722.TrtcClient is client.TrtcClient
    assert common.AsyncCommonClient.__module__ == "tcsdk.common.aio"
    assert common.DEFAULT_TIMEOUT.connect == 5.0 and common.DEFAULT_TIMEOUT.read == 30.0
