"""One scripted session with the ``pager_package`` fixture's clients under a
Stubber, sync or async: a paginator over two pages, then a call answered
with ``InvalidParameter``. Tests of what sees every call (interceptors,
OpenTelemetry) run it with their option and check what they recorded."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest


def _queue(stubber: Any) -> None:
    stubber.add_response("ListWidgets", {"TotalCount": 3, "WidgetSet": [{"Id": "a"}, {"Id": "b"}]})
    stubber.add_response("ListWidgets", {"TotalCount": 3, "WidgetSet": [{"Id": "c"}]})
    stubber.add_error("ListWidgets", "InvalidParameter")


def run_stubbed_pages(mode: str, options: dict[str, Any]) -> None:
    """Three stubbed calls of ListWidgets with a client made with ``options``."""
    from pagerpkg.common.credentials import Credentials
    from pagerpkg.common.errors import TencentCloudError
    from pagerpkg.common.testing import Stubber
    from pagerpkg.pager.v20210101.client import AsyncPagerClient, PagerClient

    options = {"endpoint": "http://127.0.0.1:9", **options}
    credentials = Credentials("AKIDstub", "stub-secret")
    if mode == "sync":
        with PagerClient(credentials, **options) as client, Stubber(client) as stubber:
            _queue(stubber)
            assert [w.id for w in client.iter_list_widgets(limit=2)] == ["a", "b", "c"]
            with pytest.raises(TencentCloudError):
                client.list_widgets(limit=2)
        return

    async def main() -> None:
        async with AsyncPagerClient(credentials, **options) as client, Stubber(client) as stubber:
            _queue(stubber)
            assert [w.id async for w in client.iter_list_widgets(limit=2)] == ["a", "b", "c"]
            with pytest.raises(TencentCloudError):
                await client.list_widgets(limit=2)

    asyncio.run(main())
