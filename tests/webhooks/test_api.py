"""The webhook routes: one's own endpoints only, the secret once, problems with pointers."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy import inspect as sa_inspect

from api.app import create_app
from debt_coord.audit.models import AuditEvent
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.support import World, build_world
from tests.webhooks.test_delivery import database, emit_committed, outbox

HOOK = {"url": "https://hooks.zilverzorg.example/debt-coord", "events": ["plan.proposed", "decision.recorded"]}


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url)


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient[Any]]:
    # No delivery loop here: these tests look at the rows as emitted.
    settings = Settings(database_url=database_url, seed_demo=False, webhook_in_process_delivery=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def pointers(answer: Any) -> list[str]:
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
    return [e["pointer"] for e in answer.json().get("errors", [])]


def test_register_shows_the_secret_once_and_never_again(
    database_url: str, world: World, client: TestClient[Any]
) -> None:
    created = client.post("/v1/webhooks", json=HOOK, headers=world.c1.headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/webhooks/{body['id']}"
    assert body["url"] == HOOK["url"] and body["events"] == HOOK["events"] and body["active"] is True
    assert body["organisation_id"] == world.c1.organisation_id
    secret = body["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24

    other = client.post("/v1/webhooks", json=HOOK, headers=world.c1.headers).json()
    assert other["secret"] != secret, "every endpoint has its own secret"

    asyncio.run(emit_rows(database_url, world))
    listed = client.get("/v1/webhooks", headers=world.c1.headers)
    deliveries = client.get(f"/v1/webhooks/{body['id']}/deliveries", headers=world.c1.headers)
    assert listed.status_code == deliveries.status_code == 200
    assert [e["id"] for e in listed.json()] == [body["id"], other["id"]]
    assert len(deliveries.json()) == 1
    for answer in (listed, deliveries, client.get("/schema/openapi.json")):
        assert secret not in answer.text
    assert all("secret" not in e for e in listed.json())

    # The audit trail records the registration, never the secret.
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            events = list(connection.execute(select(AuditEvent.__table__)
                                             .where(AuditEvent.__table__.c.target_id == body["id"])))
            tables = [t for t in sa_inspect(connection).get_table_names() if t != "webhook_endpoints"]
            everything = "".join(repr(tuple(row)) for table in tables
                                 for row in connection.execute(text(f'SELECT * FROM "{table}"')))
    finally:
        engine.dispose()
    assert [e.action for e in events] == ["webhook.registered"]
    assert events[0].after["url"] == HOOK["url"] and "secret" not in events[0].after
    assert secret not in everything and secret.removeprefix("whsec_") not in everything


async def emit_rows(database_url: str, world: World) -> None:
    async with database(database_url) as factory:
        await emit_committed(factory, [world.c1], "plan.proposed", {"case_id": str(uuid.uuid4())})


@pytest.mark.parametrize(("url", "why"), [
    ("ftp://hooks.example.org/x", "http or https"),
    ("hooks.example.org/x", "http or https"),
    ("/relative/path", "http or https"),
    ("https://", "host"),
    ("https://user:pass@hooks.example.org/x", "credentials"),
    ("https://hooks.example.org:99999/x", "http or https"),
    ("https://hooks.example.org/a b", "spaces"),
    ("https://hooks.example.org/x#frag", "fragment"),
    ("", "at least 1 character"),
])
def test_a_bad_url_is_a_422_pointing_at_url(
    database_url: str, world: World, client: TestClient[Any], url: str, why: str
) -> None:
    answer = client.post("/v1/webhooks", json={**HOOK, "url": url}, headers=world.c2.headers)
    assert answer.status_code == 422, answer.text
    assert pointers(answer) == ["/url"]
    assert why in answer.text
    assert client.get("/v1/webhooks", headers=world.c2.headers).json() == []


def test_unknown_or_missing_event_types_point_into_events(world: World, client: TestClient[Any]) -> None:
    answer = client.post("/v1/webhooks", json={**HOOK, "events": ["plan.proposed", "plan.eaten", "x"]},
                         headers=world.c1.headers)
    assert answer.status_code == 422, answer.text
    assert pointers(answer) == ["/events/1", "/events/2"]
    assert "plan.activated" in answer.text, "the problem names the known event types"

    empty = client.post("/v1/webhooks", json={**HOOK, "events": []}, headers=world.c1.headers)
    assert empty.status_code == 422 and pointers(empty) == ["/events"]
    missing = client.post("/v1/webhooks", json={"url": HOOK["url"]}, headers=world.c1.headers)
    assert missing.status_code in (400, 422) and pointers(missing) == ["/events"]
    not_a_list = client.post("/v1/webhooks", json={**HOOK, "events": "plan.proposed"}, headers=world.c1.headers)
    assert not_a_list.status_code == 422 and pointers(not_a_list) == ["/events"]
    extra = client.post("/v1/webhooks", json={**HOOK, "secret": "whsec_mine"}, headers=world.c1.headers)
    assert extra.status_code == 422 and pointers(extra) == ["/secret"]

    twice = client.post("/v1/webhooks", json={**HOOK, "events": ["plan.proposed", "plan.proposed"]},
                        headers=world.c1.headers)
    assert twice.status_code == 201 and twice.json()["events"] == ["plan.proposed"]


def test_counsellors_may_register_admins_may_not(world: World, client: TestClient[Any]) -> None:
    answer = client.post("/v1/webhooks", json={**HOOK, "events": ["decision.recorded", "plan.reminder"]},
                         headers=world.counsellor.headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["organisation_id"] == world.counsellor.organisation_id
    refused = client.post("/v1/webhooks", json=HOOK, headers=world.admin.headers)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    assert client.get("/v1/webhooks", headers=world.admin.headers).status_code == 403


def test_an_organisation_never_sees_anothers_endpoints_or_deliveries(
    database_url: str, world: World, client: TestClient[Any]
) -> None:
    mine = client.post("/v1/webhooks", json=HOOK, headers=world.c1.headers).json()
    theirs = client.post("/v1/webhooks", json=HOOK, headers=world.c2.headers).json()
    asyncio.run(emit_rows(database_url, world))

    assert [e["id"] for e in client.get("/v1/webhooks", headers=world.c1.headers).json()] == [mine["id"]]
    assert [e["id"] for e in client.get("/v1/webhooks", headers=world.c2.headers).json()] == [theirs["id"]]
    assert client.get("/v1/webhooks", headers=world.counsellor.headers).json() == []

    for handle in ("c2", "c3", "counsellor", "other_counsellor"):
        headers = world.parties[handle].headers
        foreign = client.get(f"/v1/webhooks/{mine['id']}/deliveries", headers=headers)
        unknown_id = uuid.uuid4()
        unknown = client.get(f"/v1/webhooks/{unknown_id}/deliveries", headers=headers)
        assert foreign.status_code == unknown.status_code == 404
        assert foreign.text.replace(mine["id"], "<id>") == unknown.text.replace(str(unknown_id), "<id>")
        assert client.delete(f"/v1/webhooks/{mine['id']}", headers=headers).status_code == 404
    assert len(client.get(f"/v1/webhooks/{mine['id']}/deliveries", headers=world.c1.headers).json()) == 1
    assert client.get(f"/v1/webhooks/{theirs['id']}/deliveries", headers=world.c2.headers).json() == []


def test_delete_stops_deliveries_and_cancels_pending_ones(
    database_url: str, world: World, client: TestClient[Any]
) -> None:
    endpoint = client.post("/v1/webhooks", json=HOOK, headers=world.c1.headers).json()
    asyncio.run(emit_rows(database_url, world))
    assert client.delete(f"/v1/webhooks/{endpoint['id']}", headers=world.c1.headers).status_code == 204

    assert client.get("/v1/webhooks", headers=world.c1.headers).json() == []
    assert client.get(f"/v1/webhooks/{endpoint['id']}/deliveries", headers=world.c1.headers).status_code == 404
    assert client.delete(f"/v1/webhooks/{endpoint['id']}", headers=world.c1.headers).status_code == 404

    async def after() -> list[WebhookDelivery]:
        await emit_rows(database_url, world)  # no new row for a deleted endpoint
        async with database(database_url) as factory:
            return list((await outbox(factory)).values())

    [cancelled] = asyncio.run(after())
    assert cancelled.status is DeliveryStatus.FAILED and "deleted" in (cancelled.last_error or "")

    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            actions = [r.action for r in connection.execute(
                select(AuditEvent.__table__).where(AuditEvent.__table__.c.target_id == endpoint["id"])
                .order_by(AuditEvent.__table__.c.at))]
            deleted = connection.execute(
                select(AuditEvent.__table__).where(AuditEvent.__table__.c.action == "webhook.deleted")).one()
    finally:
        engine.dispose()
    assert actions == ["webhook.registered", "webhook.deleted"]
    assert deleted.before["active"] is True and deleted.after["active"] is False


def test_deliveries_are_listed_newest_first_with_a_limit(
    database_url: str, world: World, client: TestClient[Any]
) -> None:
    endpoint = client.post("/v1/webhooks", json=HOOK, headers=world.c1.headers).json()

    async def emit_three() -> list[uuid.UUID]:
        async with database(database_url) as factory:
            ids: list[uuid.UUID] = []
            for n in range(3):
                ids += await emit_committed(factory, [world.c1], "decision.recorded", {"n": n})
            return ids

    ids = asyncio.run(emit_three())
    path = f"/v1/webhooks/{endpoint['id']}/deliveries"
    listed = client.get(path, headers=world.c1.headers).json()
    assert [d["id"] for d in listed] == [str(i) for i in reversed(ids)]
    assert [d["payload"]["data"]["n"] for d in listed] == [2, 1, 0]
    assert all(d["status"] == "pending" and d["attempts"] == 0 and d["next_attempt_at"] for d in listed)
    assert [d["id"] for d in client.get(f"{path}?limit=2", headers=world.c1.headers).json()] == \
        [str(ids[2]), str(ids[1])]
    bad = client.get(f"{path}?limit=0", headers=world.c1.headers)
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"{path}?status=lost", headers=world.c1.headers).status_code == 400
