"""Find how a list action pages through its results, from its request and response fields.

Works on actions in our spec format (plain data), so the Tencent importer
writes what it finds into the spec files (a ``pagination`` block) and
``generate --from tencentcloud`` uses the same answer. Hand-written specs
state the block themselves. The rules, documented in docs/pagination.md:

- ``offset``: integer request fields ``Offset`` and ``Limit``;
- ``page``: an integer page number (``PageNumber``, ``PageNum``, ``PageNo``,
  ``PageIndex`` or ``Page``) and an integer page size (``PageSize``,
  ``Limit`` or ``PerPage``); numbering starts at 1 unless the page field's
  description says it starts at 0 or defaults to 0;
- ``token``: a string request field ``NextToken``, ``Cursor``, ``Context``,
  ``Marker``, ``SearchAfter``, ``ScrollId`` or ``PageToken``, answered by a
  response field of the same name or the same name with ``Next`` in front;

and, for all three, exactly one array field at the top of the response (the
items). An integer response field ``TotalCount``, ``Total``, ``TotalCnt``,
``TotalNum`` or ``TotalNumber`` is the total. Every candidate that is left
out gets a reason (:func:`detect` returns it), listed by
``benchmarks/pagination.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PAGE_FIELDS = ("PageNumber", "PageNum", "PageNo", "PageIndex", "Page")
SIZE_FIELDS = ("PageSize", "Limit", "PerPage")
TOKEN_FIELDS = ("NextToken", "Cursor", "Context", "Marker", "SearchAfter", "ScrollId", "PageToken")
TOTAL_FIELDS = ("TotalCount", "Total", "TotalCnt", "TotalNum", "TotalNumber")
STYLES = ("offset", "page", "token")
_ZERO_BASED = re.compile(
    r"\b(?:(?:start|begin|count)(?:s|ing)?\s+(?:from|at|with)|defaults?\s*(?:value\s*)?(?:is\s+|to\s+|:)?)\s*`?0`?(?!\.\d|\d)"
    r"|\b0-based\b|\bzero-based\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Detection:
    """A paging block for the spec (``block``), or why a candidate got none (``reason``).

    Both empty: the action does not look like a paged list at all.
    """

    style: str = ""
    block: Mapping[str, Any] | None = None
    reason: str = ""


def _scalar(prop: Any, kind: str) -> bool:
    return isinstance(prop, Mapping) and prop.get("type") == kind


def detect(action: Mapping[str, Any]) -> Detection:
    request: Mapping[str, Any] = action["request"]["properties"]
    response: Mapping[str, Any] = action["response"]["properties"]
    style, fields = _request_style(request)
    if not style:
        return Detection()
    if isinstance(fields, str):
        return Detection(style, reason=fields)
    lists = [name for name, prop in response.items() if isinstance(prop, Mapping) and prop.get("type") == "array"]
    if not lists:
        return Detection(style, reason="the response has no list")
    if len(lists) > 1:
        return Detection(
            style, reason=f"the response has {len(lists)} lists ({', '.join(lists)}): which one pages is unclear"
        )
    block: dict[str, Any] = {"style": style, **fields, "items": lists[0]}
    if style == "token":
        token = fields["token"]
        answer = next((n for n in (token, f"Next{token}") if _scalar(response.get(n), "string")), "")
        if not answer:
            return Detection(style, reason=f"the response has no {token} or Next{token} to continue from")
        block["next_token"] = answer
    else:
        total = next((n for n in TOTAL_FIELDS if _scalar(response.get(n), "integer")), "")
        if total:
            block["total"] = total
    return Detection(style, block)


def _request_style(request: Mapping[str, Any]) -> tuple[str, dict[str, Any] | str]:
    """The style a request's fields suggest, with its fields or the reason they do not fit."""
    if "Offset" in request and "Limit" in request:
        if not (_scalar(request["Offset"], "integer") and _scalar(request["Limit"], "integer")):
            return "offset", "Offset and Limit are not both integers"
        return "offset", {"offset": "Offset", "limit": "Limit"}
    page = next((n for n in PAGE_FIELDS if n in request), "")
    size = next((n for n in SIZE_FIELDS if n in request), "")
    if page and size:
        if not (_scalar(request[page], "integer") and _scalar(request[size], "integer")):
            return "page", f"{page} and {size} are not both integers"
        first = 0 if _ZERO_BASED.search(str(request[page].get("description", ""))) else 1
        return "page", {"page": page, "limit": size, "first_page": first}
    token = next((n for n in TOKEN_FIELDS if n in request), "")
    if token:
        if not _scalar(request[token], "string"):
            return "token", f"{token} is not a string"
        return "token", {"token": token}
    return "", ""
