"""Paged lists, the same on every list route: `limit` and `cursor` in, a page of items and the next cursor out.

The body stays the bare JSON array every list has always answered, so clients that read lists keep
working; where a next page exists, the answer carries its link in `Link: <...>; rel="next"` (RFC 8288,
the query with the next cursor) and the cursor alone in `X-Next-Cursor`. The last page has neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from api.problems import problem
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.kernel.paging import DEFAULT_LIMIT, MAX_LIMIT, InvalidCursorError, Page

T = TypeVar("T")

Limit = Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT,
                                 description=f"Items per page, 1 to {MAX_LIMIT} ({DEFAULT_LIMIT} if left out).")]
Cursor = Annotated[str | None, QueryParameter(
    name="cursor", required=False, min_length=1, max_length=512, pattern=r"^[A-Za-z0-9_-]+$",
    description="Where to go on: the `X-Next-Cursor` of the previous page (or follow its `Link` rel=next). "
                "Opaque: pass it on unchanged.")]

NEXT_PAGE_HEADERS = [
    ResponseHeader(name="Link", documentation_only=True, required=False,
                   description='Only when a next page exists: `</same/path?...&cursor=...>; rel="next"`.'),
    ResponseHeader(name="X-Next-Cursor", documentation_only=True, required=False,
                   description="Only when a next page exists: the cursor of the next page."),
]
"""For a list route's decorator: `@get(..., response_headers=NEXT_PAGE_HEADERS)`.

A list route takes `limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None` itself, and asks its service for
`PageRequest(limit, cursor)`: not a dependency, because Litestar does not close the request's unit of work
when a dependency's own parameters are refused (the session would wait for the garbage collector)."""


def paged(request: Request[Any, Any, Any], page: Page[Any], view: Callable[[Any], T]) -> Response[list[T]]:
    """The page's items, each through `view`, with the next page's link and cursor when there is one."""
    headers = {}
    if page.next_cursor is not None:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        link = f"{request.url.path}?{urlencode([*query, ('cursor', page.next_cursor)])}"
        headers = {"Link": f'<{link}>; rel="next"', "X-Next-Cursor": page.next_cursor}
    return Response([view(item) for item in page.items], headers=headers)


def moment(value: dt.datetime | None, parameter: str) -> dt.datetime | None:
    """A time from the query in UTC; one without a zone is Amsterdam time. Out of range is a 400 on `parameter`."""
    if value is None:
        return None
    try:
        return (value if value.tzinfo else value.replace(tzinfo=AMSTERDAM)).astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValidationException(
            "The request is not valid: see errors for each field.",
            extra=[{"key": parameter, "source": "query", "message": "out of range"}]) from None


def on_bad_cursor(request: Request[Any, Any, Any], exc: InvalidCursorError) -> Response[dict[str, Any]]:
    return problem(400, exc.detail, errors=[{"detail": "not a cursor this list gave out", "query": "cursor"}])


def members(values: Iterable[T] | None) -> frozenset[T]:
    """A repeatable query parameter (`?state=a&state=b`) as a set; none given is the empty set."""
    return frozenset(values or ())
