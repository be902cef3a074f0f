"""A creditor's link and its page through the real app, as a browser uses them (cookie, CSRF field, forms)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from litestar.testing import TestClient

from tests.support import World

HTML = {"Accept": "text/html"}


def creditor_link(client: TestClient[Any], world: World, plan_id: str, handle: str, **body: Any) -> dict[str, Any]:
    answer = client.post(f"/v1/plans/{plan_id}/creditor-links", headers=world.counsellor.headers,
                         json={"organisation_id": world.parties[handle].organisation_id, **body})
    assert answer.status_code == 201, answer.text
    issued: dict[str, Any] = answer.json()
    return issued


def open_page(client: TestClient[Any], token: str, **params: str) -> Any:
    return client.get("/creditor", params={"token": token, **params}, headers=HTML)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name} on the page"
    return unescape(found.group(1))


def submit(client: TestClient[Any], page: str, decision: str, **fields: str) -> Any:
    """Send one of the page's forms as a browser would: its hidden fields (CSRF token included) and `fields`."""
    data = {name: hidden(page, name) for name in ("_csrf_token", "token", "lang", "plan_version")}
    return client.post("/creditor", data={**data, "decision": decision, **fields}, headers=HTML)


def text(html: str) -> str:
    """The page's words as a reader sees them (tags gone, entities read, spaces collapsed)."""
    shown = re.sub(r"<(style|title)>.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", shown)).split())


def table_rows(html: str, table_id: str) -> list[list[str]]:
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    return [[text(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)][1:]
