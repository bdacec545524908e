"""Paginators (``iter_<method>``, ``pages_<method>``) against a fake endpoint on 127.0.0.1, sync and async."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..fake_tencent import Behaviour, FakeTencentCloud

KEYS = {"AKIDpager": "pager-secret"}
MODES = ["sync", "async"]


@pytest.fixture()
def server() -> Iterator[FakeTencentCloud]:
    fake = FakeTencentCloud("pager", KEYS, {}).start()
    yield fake
    fake.stop()


def widgets(*ids: str) -> list[dict[str, str]]:
    return [{"Id": i} for i in ids]


def page(**fields: Any) -> Behaviour:
    return Behaviour("success", fields=fields)


def collect(mode: str, server: FakeTencentCloud, method: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Everything ``client.<method>(...)`` yields, with the sync or the async client."""
    from pagerpkg.common.credentials import Credentials
    from pagerpkg.pager.v20210101.client import AsyncPagerClient, PagerClient

    credentials = Credentials("AKIDpager", "pager-secret")
    if mode == "sync":
        with PagerClient(credentials, endpoint=server.url, region="ap-guangzhou") as client:
            return list(getattr(client, method)(*args, **kwargs))

    async def main() -> list[Any]:
        async with AsyncPagerClient(credentials, endpoint=server.url, region="ap-guangzhou") as client:
            return [item async for item in getattr(client, method)(*args, **kwargs)]

    return asyncio.run(main())


def sent(server: FakeTencentCloud, action: str) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in server.calls(action)]


@pytest.mark.parametrize("mode", MODES)
def test_offset_stops_on_the_total(mode: str, pager_package: Path, server: FakeTencentCloud) -> None:
    server.then(
        "ListWidgets",
        page(TotalCount=5, WidgetSet=widgets("a", "b")),
        page(TotalCount=5, WidgetSet=widgets("c", "d")),
        page(TotalCount=5, WidgetSet=widgets("e")),
    )
    items = collect(mode, server, "iter_list_widgets", limit=2, color="red")
    assert [w.id for w in items] == ["a", "b", "c", "d", "e"]
    assert sent(server, "ListWidgets") == [
        {"Offset": 0, "Limit": 2, "Color": "red"},
        {"Offset": 2, "Limit": 2, "Color": "red"},
        {"Offset": 4, "Limit": 2, "Color": "red"},
    ]


@pytest.mark.parametrize("mode", MODES)
def test_offset_does_not_ask_past_a_full_last_page(mode: str, pager_package: Path, server: FakeTencentCloud) -> None:
    server.then(
        "ListWidgets", page(TotalCount=4, WidgetSet=widgets("a", "b")), page(TotalCount=4, WidgetSet=widgets("c", "d"))
    )
    assert len(collect(mode, server, "iter_list_widgets", limit=2)) == 4
    assert len(server.calls("ListWidgets")) == 2


@pytest.mark.parametrize("mode", MODES)
def test_pages_are_whole_typed_responses(mode: str, pager_package: Path, server: FakeTencentCloud) -> None:
    from pagerpkg.pager.v20210101.models import ListWidgetsResponse

    server.then(
        "ListWidgets", page(TotalCount=3, WidgetSet=widgets("a", "b")), page(TotalCount=3, WidgetSet=widgets("c"))
    )
    pages = collect(mode, server, "pages_list_widgets", limit=2)
    assert [type(p) for p in pages] == [ListWidgetsResponse, ListWidgetsResponse]
    assert [p.total_count for p in pages] == [3, 3]
    assert all(p.request_id for p in pages) and pages[0].meta.status == 200


@pytest.mark.parametrize("mode", MODES)
def test_without_a_total_a_short_page_is_the_last(mode: str, pager_package: Path, server: FakeTencentCloud) -> None:
    server.then("ListTags", page(Tags=["a", "b"]), page(Tags=["c", "d"]), page(Tags=["e"]))
    assert collect(mode, server, "iter_list_tags", limit=2) == ["a", "b", "c", "d", "e"]
    assert [b["Offset"] for b in sent(server, "ListTags")] == [0, 2, 4]


@pytest.mark.parametrize("mode", MODES)
def test_without_a_limit_the_first_page_sets_the_size_and_an_empty_page_ends(
    mode: str, pager_package: Path, server: FakeTencentCloud
) -> None:
    server.then("ListTags", page(Tags=["a", "b", "c"]), page(Tags=["d", "e", "f"]), page(Tags=[]))
    assert collect(mode, server, "iter_list_tags") == ["a", "b", "c", "d", "e", "f"]
    assert sent(server, "ListTags") == [{"Offset": 0}, {"Offset": 3}, {"Offset": 6}]


@pytest.mark.parametrize("mode", MODES)
def test_an_empty_first_page(mode: str, pager_package: Path, server: FakeTencentCloud) -> None:
    server.then("ListWidgets", page(TotalCount=0, WidgetSet=[]))
    assert collect(mode, server, "iter_list_widgets") == []
    server.then("ListWidgets", page(TotalCount=9))  # the list left out altogether
    assert collect(mode, server, "iter_list_widgets") == []
    assert len(server.calls("ListWidgets")) == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_service_that_ignores_the_offset_ends_with_an_error(
    mode: str, pager_package: Path, server: FakeTencentCloud
) -> None:
    from pagerpkg.common.paging import PaginationError

    same = page(TotalCount=100, WidgetSet=widgets("a", "b"))
    server.then("ListWidgets", same, same, same)
    with pytest.raises(PaginationError, match=r"ListWidgets: a page repeated the one before; .* offset \(it was 2\)"):
        collect(mode, server, "iter_list_widgets", limit=2)
    assert len(server.calls("ListWidgets")) == 2


@pytest.mark.parametrize("mode", MODES)
def test_page_numbers_from_one_with_a_total(mode: str, pager_package: Path, server: FakeTencentCloud) -> None:
    server.then(
        "BrowseWidgets",
        page(Total=5, Widgets=widgets("a", "b")),
        page(Total=5, Widgets=widgets("c", "d")),
        page(Total=5, Widgets=widgets("e")),
    )
    items = collect(mode, server, "iter_browse_widgets", region="gz", page_size=2)
    assert [w.id for w in items] == ["a", "b", "c", "d", "e"]
    assert [(b["PageNumber"], b["PageSize"], b["Region"]) for b in sent(server, "BrowseWidgets")] == [
        (1, 2, "gz"),
        (2, 2, "gz"),
        (3, 2, "gz"),
    ]


@pytest.mark.parametrize("mode", MODES)
def test_page_numbers_from_zero_without_a_total(mode: str, pager_package: Path, server: FakeTencentCloud) -> None:
    server.then("ReadWidgets", page(Widgets=widgets("a", "b")), page(Widgets=widgets("c")))
    assert [w.id for w in collect(mode, server, "iter_read_widgets", page_size=2)] == ["a", "b", "c"]
    assert [b["PageIndex"] for b in sent(server, "ReadWidgets")] == [0, 1]


@pytest.mark.parametrize("mode", MODES)
def test_tokens_are_followed_until_none_comes_back(mode: str, pager_package: Path, server: FakeTencentCloud) -> None:
    server.then(
        "ScanWidgets",
        page(Widgets=widgets("a"), NextToken="t1"),
        page(Widgets=widgets("b"), NextToken="t2"),
        page(Widgets=widgets("c"), NextToken=None),
    )
    assert [w.id for w in collect(mode, server, "iter_scan_widgets", max_results=1)] == ["a", "b", "c"]
    assert sent(server, "ScanWidgets") == [
        {"MaxResults": 1},
        {"MaxResults": 1, "NextToken": "t1"},
        {"MaxResults": 1, "NextToken": "t2"},
    ]


@pytest.mark.parametrize("mode", MODES)
def test_a_token_seen_before_ends_with_an_error(mode: str, pager_package: Path, server: FakeTencentCloud) -> None:
    from pagerpkg.common.paging import PaginationError

    server.then("ScanWidgets", page(Widgets=widgets("a"), NextToken="t1"), page(Widgets=widgets("b"), NextToken="t1"))
    with pytest.raises(PaginationError, match="ScanWidgets: the service sent the token 't1' again"):
        collect(mode, server, "iter_scan_widgets")
    assert len(server.calls("ScanWidgets")) == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_request_object_may_start_further_on(mode: str, pager_package: Path, server: FakeTencentCloud) -> None:
    from pagerpkg.pager.v20210101.models import ListWidgetsRequest

    server.then("ListWidgets", page(TotalCount=5, WidgetSet=widgets("e")))
    assert [w.id for w in collect(mode, server, "iter_list_widgets", ListWidgetsRequest(offset=4, limit=2))] == ["e"]
    assert sent(server, "ListWidgets") == [{"Offset": 4, "Limit": 2}]


def test_the_paging_field_is_the_paginators(pager_package: Path, server: FakeTencentCloud) -> None:
    with pytest.raises(TypeError, match="'offset' is set by the paginator"):
        collect("sync", server, "iter_list_widgets", offset=3)
    with pytest.raises(TypeError, match="not both"):
        from pagerpkg.pager.v20210101.models import ListWidgetsRequest

        collect("sync", server, "iter_list_widgets", ListWidgetsRequest(), limit=3)
    assert server.calls() == []


def test_pages_are_fetched_only_as_they_are_asked_for(pager_package: Path, server: FakeTencentCloud) -> None:
    from pagerpkg.common.credentials import Credentials
    from pagerpkg.pager.v20210101.client import PagerClient

    server.then(
        "ListWidgets", page(TotalCount=4, WidgetSet=widgets("a", "b")), page(TotalCount=4, WidgetSet=widgets("c", "d"))
    )
    with PagerClient(Credentials("AKIDpager", "pager-secret"), endpoint=server.url) as client:
        items = client.iter_list_widgets(limit=2)
        assert server.calls() == []
        assert next(items).id == "a"
        assert len(server.calls()) == 1


def test_errors_of_a_page_are_the_typed_errors(pager_package: Path, server: FakeTencentCloud) -> None:
    from pagerpkg.pager.v20210101.errors import ListWidgetsErrorCode

    server.then(
        "ListWidgets",
        page(TotalCount=4, WidgetSet=widgets("a", "b")),
        Behaviour("error", code="InvalidParameterValue.Limit"),
    )
    from pagerpkg.common.errors import TencentCloudError

    with pytest.raises(TencentCloudError) as caught:
        collect("sync", server, "iter_list_widgets", limit=2)
    assert caught.value.code is ListWidgetsErrorCode.INVALID_PARAMETER_VALUE_LIMIT


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", ["iter_list_widgets", "pages_list_widgets"])
def test_extra_params_go_with_every_page(mode: str, method: str, pager_package: Path, server: FakeTencentCloud) -> None:
    from pagerpkg.pager.v20210101.models import ListWidgetsRequest

    server.then(
        "ListWidgets",
        page(TotalCount=5, WidgetSet=widgets("a", "b")),
        page(TotalCount=5, WidgetSet=widgets("c", "d")),
        page(TotalCount=5, WidgetSet=widgets("e")),
    )
    extra = {"Shape": "round", "Sizes": [1, 2]}
    assert len(collect(mode, server, method, limit=2, extra_params=extra)) == (5 if method.startswith("iter") else 3)
    server.then(
        "ListWidgets", page(TotalCount=3, WidgetSet=widgets("x", "y")), page(TotalCount=3, WidgetSet=widgets("z"))
    )
    collect(mode, server, method, ListWidgetsRequest(limit=2, color="red"), extra_params={"Shape": "flat"})
    assert sent(server, "ListWidgets") == [
        {"Offset": 0, "Limit": 2, **extra},
        {"Offset": 2, "Limit": 2, **extra},
        {"Offset": 4, "Limit": 2, **extra},
        {"Offset": 0, "Limit": 2, "Color": "red", "Shape": "flat"},
        {"Offset": 2, "Limit": 2, "Color": "red", "Shape": "flat"},
    ]


@pytest.mark.parametrize("mode", MODES)
def test_a_paginators_arguments_are_checked_before_the_first_page(
    mode: str, pager_package: Path, server: FakeTencentCloud
) -> None:
    from pagerpkg.common.errors import RequestValidationError
    from pagerpkg.pager.v20210101.models import ListWidgetsRequest

    with pytest.raises(RequestValidationError, match=r"ListWidgets: Limit: Expected `int \| null`, got `str`"):
        collect(mode, server, "iter_list_widgets", limit="2")
    with pytest.raises(RequestValidationError, match="Color: Expected `str | null`, got `int`"):
        collect(mode, server, "pages_list_widgets", ListWidgetsRequest(color=5))  # type: ignore[arg-type]
    # The paging field is the paginator's, by attribute or by wire name.
    for key in ("Offset", "offset", "Limit"):
        with pytest.raises(RequestValidationError, match="is a declared parameter of ListWidgetsRequest") as caught:
            collect(mode, server, "iter_list_widgets", extra_params={key: 3})
        assert caught.value.path == key
    assert server.calls() == []
