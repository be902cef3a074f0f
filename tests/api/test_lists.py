"""Every list pages the same way: `limit` (50 unless asked, at most 200) and the opaque cursor of the page before.

Paging is by keyset, not offset: walking a list while rows are added gives every row that was there
exactly once, in order, and a forged cursor is a 400, never a 500. Filters are in test_list_filters.py.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections import Counter
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from api.app import create_app
from debt_coord.bootstrap import provide_services
from debt_coord.kernel.paging import PageRequest, fetch_page
from debt_coord.kernel.settings import Settings
from debt_coord.organisations.models import Organisation, OrganisationKind
from debt_coord.webhooks.models import WebhookDelivery
from tests.api.lists import ids, next_link, walk
from tests.support import World, api_client, build_world, case_body, claim_body, open_case_with_creditors

WEBHOOK = {"url": "http://127.0.0.1:9/lists", "events": ["plan.proposed"]}  # refused at once on loopback


def open_cases(client: TestClient[Any], world: World, prefix: str, count: int) -> list[str]:
    opened = []
    for n in range(count):
        answer = client.post("/v1/cases", json=case_body(f"{prefix}-{n}"), headers=world.counsellor.headers)
        assert answer.status_code == 201, answer.text
        opened.append(answer.json()["id"])
    return opened


def register(client: TestClient[Any], world: World, case_id: str, handle: str, count: int) -> list[str]:
    registered = []
    for _ in range(count):
        body = claim_body(f"{handle}-{uuid.uuid4().hex[:8]}", 10_000)
        answer = client.post(f"/v1/cases/{case_id}/claims", json=body, headers=world.parties[handle].headers)
        assert answer.status_code == 201, answer.text
        registered.append(answer.json()["id"])
    return registered


@pytest.mark.parametrize("listed", ["cases", "claims", "audit"])
def test_walking_a_list_while_rows_are_added_gives_each_row_once_in_order(database_url: str, listed: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", reference="GROWING")
        path, headers, add = {
            "cases": ("/v1/cases", world.counsellor.headers, lambda: open_cases(client, world, uuid.uuid4().hex, 1)),
            "claims": (f"/v1/cases/{case_id}/claims", world.counsellor.headers,
                       lambda: register(client, world, case_id, "c1", 1)),
            "audit": (f"/v1/cases/{case_id}/audit", world.counsellor.headers,
                      lambda: register(client, world, case_id, "c1", 1)),
        }[listed]
        for _ in range(7):
            add()
        before = ids(walk(client, path, headers, limit=200))
        assert len(before) >= 7

        pages = walk(client, path, headers, limit=3, between=add)

    seen = ids(pages)
    assert all(len(page) == 3 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 3
    assert not [item for item, times in Counter(seen).items() if times > 1], "a row came twice"
    assert seen[:len(before)] == before, "every row that was there, once and in order, before the rows added"
    assert len(seen) > len(before), "rows added meanwhile come after, on later pages"


def test_every_list_pages_the_same_way(database_url: str) -> None:
    """Five or more of everything; pages of two hold what one page of 200 holds, in the same order."""
    world = build_world(database_url, extra_creditors=("c4", "c5", "c6"))
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", "c2", "c3", "c4", "c5", "c6")
        register(client, world, case_id, "c1", 5)
        webhook_ids = [client.post("/v1/webhooks", json=WEBHOOK, headers=world.c1.headers).json()["id"]
                       for _ in range(5)]
        for _ in range(5):
            link = client.post(f"/v1/cases/{case_id}/debtor-links", json={}, headers=world.counsellor.headers)
            assert link.status_code == 201, link.text
        asyncio.run(outbox(client.app.state.settings, uuid.UUID(webhook_ids[0]), 5))
        lists: list[tuple[str, dict[str, str]]] = [
            ("/v1/organisations", world.admin.headers),
            ("/v1/api-keys", world.admin.headers),
            (f"/v1/cases/{case_id}/creditors", world.counsellor.headers),
            (f"/v1/cases/{case_id}/claims", world.counsellor.headers),
            (f"/v1/cases/{case_id}/audit", world.counsellor.headers),
            (f"/v1/cases/{case_id}/debtor-links", world.counsellor.headers),
            ("/v1/webhooks", world.c1.headers),
            (f"/v1/webhooks/{webhook_ids[0]}/deliveries", world.c1.headers),
        ]
        for path, headers in lists:
            key = "organisation_id" if path.endswith("/creditors") else "id"
            whole = walk(client, path, headers, limit=200)
            assert len(whole) == 1 and len(whole[0]) >= 5, path
            pages = walk(client, path, headers, limit=2)
            assert ids(pages, key) == ids(whole, key), path
            assert [len(page) for page in pages[:-1]] == [2] * (len(pages) - 1), path


async def outbox(settings: Settings, endpoint_id: uuid.UUID, count: int) -> None:
    """`count` deliveries in the endpoint's outbox, as the bus writes them for events it is told of."""
    async with provide_services(settings) as services:
        for n in range(count):
            services.uow.session.add(WebhookDelivery(endpoint_id=endpoint_id, event_type="plan.proposed",
                                                     payload={"n": n}))
            await services.uow.session.flush()
        await services.uow.commit()


def test_deliveries_come_newest_first_and_new_ones_do_not_shift_the_pages(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        endpoint = client.post("/v1/webhooks", json=WEBHOOK, headers=world.c1.headers).json()["id"]
        settings = client.app.state.settings
        asyncio.run(outbox(settings, uuid.UUID(endpoint), 5))
        path = f"/v1/webhooks/{endpoint}/deliveries"
        before = walk(client, path, world.c1.headers)[0]
        pages = walk(client, path, world.c1.headers, limit=2,
                     between=lambda: asyncio.run(outbox(settings, uuid.UUID(endpoint), 1)))
    assert [d["payload"]["n"] for d in before] == [4, 3, 2, 1, 0]
    assert ids(pages) == [d["id"] for d in before], "newer deliveries are on the first page, not in between"


def test_fifty_unless_asked_and_never_more_than_two_hundred(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        opened = open_cases(client, world, "MANY", 51)
        first = client.get("/v1/cases", headers=world.counsellor.headers)
        assert [c["id"] for c in first.json()] == opened[:50]
        rest = client.get(next_link(first) or "", headers=world.counsellor.headers)
        assert [c["id"] for c in rest.json()] == opened[50:] and next_link(rest) is None
        assert len(client.get("/v1/cases?limit=200", headers=world.counsellor.headers).json()) == 51
        assert len(client.get("/v1/cases?limit=1", headers=world.counsellor.headers).json()) == 1
        for limit in ("0", "201", "-1", "1000000000000", "abc", "1.5", ""):
            answer = client.get("/v1/cases", params={"limit": limit}, headers=world.counsellor.headers)
            assert answer.status_code == 400, (limit, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert {"query": "limit"}.items() <= answer.json()["errors"][0].items(), answer.json()


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


GARBLED = ["not*base64", "A", "AAAA", b64("{}"), b64("[]"), b64("null"), b64("[" * 300 + "]" * 300), b64("ÿ"),
           "x" * 513, b64(f'["Org","{uuid.uuid4()}","more"]'), b64('["Org","not-a-uuid"]'),
           b64(f'["x\\u0000","{uuid.uuid4()}"]'), b64(f'[1,"{uuid.uuid4()}"]')]
"""Not a cursor of any list."""
FORGED = [b64('["2026-12-01T10:00:00+00:00"]'), b64(f'["2026-12-01T10:00:00","{uuid.uuid4()}"]'),
          b64(f'["0001-01-01T00:00:00+14:00","{uuid.uuid4()}"]'),
          b64(f'["9999-12-31T23:59:59-14:00","{uuid.uuid4()}"]'),
          b64(f'[20261201,"{uuid.uuid4()}"]'), b64(f'[true,"{uuid.uuid4()}"]'), b64(f'["Zilverzorg","{uuid.uuid4()}"]')]
"""Not a cursor of a list in time order: a time without zone, beyond the calendar, not a time."""


def test_a_forged_or_garbled_cursor_is_a_400_problem(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        register(client, world, case_id, "c1", 3)
        by_name = client.get("/v1/organisations?limit=1", headers=world.admin.headers).headers["x-next-cursor"]
        lists = [("/v1/cases", world.counsellor.headers), (f"/v1/cases/{case_id}/claims", world.c1.headers),
                 ("/v1/organisations", world.admin.headers)]
        for path, headers in lists:
            in_time_order = path != "/v1/organisations"  # a name where a time goes is forged there
            for cursor in [*GARBLED, *([*FORGED, by_name] if in_time_order else [])]:
                answer = client.get(path, params={"cursor": cursor}, headers=headers)
                assert answer.status_code == 400, (path, cursor, answer.text)
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert {"query": "cursor"}.items() <= answer.json()["errors"][0].items(), answer.json()


def test_a_creditor_pages_through_only_what_it_may_see(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        cases = [open_case_with_creditors(client, world, *(["c1"] if n % 3 else ["c2"]), reference=f"MIX-{n}")
                 for n in range(9)]
        shared = open_case_with_creditors(client, world, "c1", "c2", reference="SHARED")
        own = register(client, world, shared, "c1", 5)
        theirs = register(client, world, shared, "c2", 3)

        invited_c1 = [case for n, case in enumerate(cases) if n % 3]
        assert ids(walk(client, "/v1/cases", world.c1.headers, limit=2)) == [*invited_c1, shared]
        assert ids(walk(client, "/v1/cases", world.c2.headers, limit=2)) == [*cases[::3], shared]
        assert ids(walk(client, "/v1/cases", world.outsider.headers, limit=2)) == []
        assert ids(walk(client, "/v1/cases", world.other_counsellor.headers, limit=2)) == []
        claims = f"/v1/cases/{shared}/claims"
        assert ids(walk(client, claims, world.c1.headers, limit=2)) == own
        assert ids(walk(client, claims, world.c2.headers, limit=2)) == theirs
        assert sorted(ids(walk(client, claims, world.counsellor.headers, limit=2))) == sorted(own + theirs)


def test_the_page_keeps_filtering_until_it_is_full(database_url: str) -> None:
    """A rule SQL cannot say (which plan versions a creditor is part of) filters in Python; pages stay full."""

    async def scenario() -> list[list[str]]:
        settings = Settings(database_url=database_url, seed_demo=False)
        async with provide_services(settings) as services:
            for n in range(9):
                kind = OrganisationKind.CREDITOR if n % 2 == 0 else OrganisationKind.COUNSELLING
                await services.organisations.register(f"Org {n}", kind)
        pages: list[list[str]] = []
        cursor, keys = None, (Organisation.name, Organisation.id)
        async with provide_services(settings) as services:
            while True:
                page = await fetch_page(services.uow.session, select(Organisation), keys, PageRequest(2, cursor),
                                        keep=lambda o: o.kind is OrganisationKind.CREDITOR)
                pages.append([o.name for o in page.items])
                if (cursor := page.next_cursor) is None:
                    return pages

    pages = asyncio.run(scenario())
    assert pages == [["Org 0", "Org 2"], ["Org 4", "Org 6"], ["Org 8"]]


def test_every_list_route_documents_limit_cursor_and_the_next_page_headers() -> None:
    """Reads the document: a list added later without paging fails here."""
    app = create_app(Settings(database_url="sqlite:///:memory:", seed_demo=False))
    document = app.openapi_schema.to_schema()
    lists = {}
    for path, item in document["paths"].items():
        answer = item.get("get", {}).get("responses", {}).get("200", {})
        if answer.get("content", {}).get("application/json", {}).get("schema", {}).get("type") == "array":
            parameters = {p["name"]: p for p in item["get"].get("parameters", []) if p["in"] == "query"}
            lists[path] = (parameters, answer.get("headers", {}))
    assert len(lists) >= 11
    unpaged = sorted(path for path, (parameters, _) in lists.items() if "limit" not in parameters)
    assert not unpaged, f"lists without paging (take Limit and Cursor, answer with api.paging.paged): {unpaged}"
    for path, (parameters, headers) in lists.items():
        assert parameters["limit"]["schema"]["minimum"] == 1 and parameters["limit"]["schema"]["maximum"] == 200, path
        assert parameters["limit"]["schema"]["default"] == 50, path
        assert "cursor" in parameters, path
        assert {"Link", "X-Next-Cursor"} <= set(headers), path

