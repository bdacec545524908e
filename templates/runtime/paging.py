"""Paginators: every page (``pages_<method>``) or every item (``iter_<method>``) of a list action.

A :class:`Paging` says which request field moves from page to page (an
offset, a page number or a token), which response field holds the items and
which the total or the next token. :class:`_Walk` decides, from each
answer, whether there is another page and what to ask for; the sync and
async generators below only make the calls.

Every page is asked for with the same ``extra_params``, and each page's
request is checked like any call's (see ``validation``); a paginator's
arguments are used when it fetches its first page, so a request that does
not fit raises there.

The walk stops on the total count, on an empty page, on a page shorter than
the page size when the service gives no total, or when no next token comes
back. It never loops forever: a page identical to the one before, or a
token seen before, means the service ignores the paging field, and ends the
walk with :class:`PaginationError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, Generic, Literal, TypeVar

import msgspec

from . import validation
from .model import Request, Response

__all__ = ["Paging", "PaginationError", "pages", "async_pages", "items", "async_items"]

Req = TypeVar("Req", bound=Request)
Resp = TypeVar("Resp", bound=Response)


class PaginationError(Exception):
    """The service's answers would make the walk go on forever."""


# A Struct: made faster than a dataclass.
class Paging(msgspec.Struct, Generic[Req, Resp], frozen=True):
    """Python attribute names of the paging fields of one action (generated)."""

    action: str
    request: type[Req]
    style: Literal["offset", "page", "token"]
    items: str
    cursor: str
    limit: str = ""
    total: str = ""
    next_token: str = ""
    first_page: int = 1

    def first(self, request: Req | None, fields: Mapping[str, Any]) -> Req:
        if request is None:
            if self.cursor in fields:
                raise TypeError(
                    f"{self.cursor!r} is set by the paginator; leave it out"
                )
            return validation.from_fields(self.request, fields, self.action)
        if fields:
            raise TypeError(
                f"pass either a {self.request.__name__} or keyword arguments, not both"
            )
        if not isinstance(request, self.request):
            raise TypeError(
                f"expected {self.request.__name__}, got {type(request).__name__}"
            )
        return request


class _Walk(Generic[Req, Resp]):
    """The paging state of one walk: which request comes after each answer."""

    def __init__(self, paging: Paging[Req, Resp], request: Req) -> None:
        self.paging = paging
        self.request = request
        self.previous: bytes | None = None
        self.tokens: set[str] = set()
        self.page_size: int | None = (
            getattr(request, paging.limit) if paging.limit else None
        )
        if paging.style != "token" and getattr(request, paging.cursor) is None:
            start = 0 if paging.style == "offset" else paging.first_page
            self.request = msgspec.structs.replace(request, **{paging.cursor: start})

    def after(self, response: Resp) -> Req | None:
        """The next request, or None when ``response`` was the last page."""
        paging = self.paging
        items = getattr(response, paging.items) or []
        if paging.style == "token":
            token = getattr(response, paging.next_token)
            if not token or not items:
                return None
            if token in self.tokens or token == getattr(self.request, paging.cursor):
                raise PaginationError(
                    f"{paging.action}: the service sent the token {token!r} again; stopping"
                )
            self.tokens.add(token)
            return self._move(token)
        if not items:
            return None
        fingerprint = msgspec.json.encode(items)
        if fingerprint == self.previous:
            raise PaginationError(
                f"{paging.action}: a page repeated the one before; the service seems to ignore "
                f"{paging.cursor} (it was {getattr(self.request, paging.cursor)}); stopping"
            )
        self.previous = fingerprint
        if self.page_size is None:
            self.page_size = len(items)  # the service's default page size
        total = getattr(response, paging.total) if paging.total else None
        current = getattr(self.request, paging.cursor)
        if paging.style == "offset":
            following = current + len(items)
            reached = following
        else:
            following = current + 1
            reached = (current - paging.first_page) * self.page_size + len(items)
        if total is not None and reached >= total:
            return None
        if total is None and len(items) < self.page_size:
            return None
        return self._move(following)

    def _move(self, value: Any) -> Req:
        self.request = msgspec.structs.replace(
            self.request, **{self.paging.cursor: value}
        )
        return self.request


def pages(
    call: Callable[..., Resp],
    paging: Paging[Req, Resp],
    request: Req | None,
    fields: Mapping[str, Any],
    extra_params: Mapping[str, Any] | None = None,
) -> Iterator[Resp]:
    """Every page of a list action, one call each, as they are asked for.

    ``call`` is the client's method, called with each page's request and
    the same ``extra_params``.
    """
    walk = _Walk(paging, paging.first(request, fields))
    following: Req | None = walk.request
    while following is not None:
        response = call(following, extra_params=extra_params)
        following = walk.after(response)
        yield response


async def async_pages(
    call: Callable[..., Awaitable[Resp]],
    paging: Paging[Req, Resp],
    request: Req | None,
    fields: Mapping[str, Any],
    extra_params: Mapping[str, Any] | None = None,
) -> AsyncIterator[Resp]:
    """:func:`pages` for the async client."""
    walk = _Walk(paging, paging.first(request, fields))
    following: Req | None = walk.request
    while following is not None:
        response = await call(following, extra_params=extra_params)
        following = walk.after(response)
        yield response


def items(responses: Iterator[Resp], attribute: str) -> Iterator[Any]:
    for response in responses:
        yield from getattr(response, attribute) or []


async def async_items(
    responses: AsyncIterator[Resp], attribute: str
) -> AsyncIterator[Any]:
    async for response in responses:
        for item in getattr(response, attribute) or []:
            yield item
