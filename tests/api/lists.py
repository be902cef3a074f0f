"""Walking a paged list as a client does: follow `Link: <...>; rel="next"` until there is none."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

NEXT = re.compile(r'^<([^>]+)>; rel="next"$')


def next_link(answer: Any) -> str | None:
    """The next page's URL from the answer's Link header; None on the last page (then no X-Next-Cursor either)."""
    link = answer.headers.get("link")
    if link is None:
        assert "x-next-cursor" not in answer.headers
        return None
    found = NEXT.match(link)
    assert found is not None, link
    assert found.group(1).endswith(f"cursor={answer.headers['x-next-cursor']}"), (link, answer.headers)
    return found.group(1)


def walk(client: TestClient[Any], path: str, headers: dict[str, str], *, between: Callable[[], None] | None = None,
         **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of the list at `path`, in order; `between` runs after each page (to change the list meanwhile)."""
    pages: list[list[dict[str, Any]]] = []
    answer = client.get(path, params=params, headers=headers)
    while True:
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        if between is not None:
            between()
        if (url := next_link(answer)) is None:
            return pages
        assert len(pages) < 500, "the list never ends"
        answer = client.get(url, headers=headers)


def ids(pages: list[list[dict[str, Any]]], key: str = "id") -> list[str]:
    return [item[key] for page in pages for item in page]
