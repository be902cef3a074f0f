"""Webhook delivery from the outbox to a real HTTP receiver on loopback, on SQLite and PostgreSQL.

Signatures are checked with the Standard Webhooks reference library (`standardwebhooks`), not ours.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from debt_coord.kernel.actors import Actor
from debt_coord.kernel.database import create_engine, session_factory
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import units_of_work
from debt_coord.webhooks.delivery import BACKOFF_SECONDS, JITTER, backoff, deliver_due
from debt_coord.webhooks.models import DeliveryStatus, WebhookDelivery
from debt_coord.webhooks.outbox import EVENT_TYPES, emit
from debt_coord.webhooks.service import WebhookService
from tests.support import Party, World, build_world
from tests.webhooks.receiver import Receiver

Factory = async_sessionmaker[AsyncSession]


def actor(party: Party) -> Actor:
    return Actor(organisation_id=uuid.UUID(party.organisation_id), role=party.role, name=party.name)


def org(party: Party) -> uuid.UUID:
    return uuid.UUID(party.organisation_id)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@asynccontextmanager
async def database(url: str) -> AsyncIterator[Factory]:
    engine = create_engine(url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def register(factory: Factory, party: Party, url: str, events: tuple[str, ...] = EVENT_TYPES
                   ) -> tuple[uuid.UUID, str]:
    async with units_of_work(factory)() as uow:
        endpoint = await WebhookService(uow).register(actor(party), url, list(events))
        return endpoint.id, endpoint.secret


async def emit_committed(factory: Factory, parties: list[Party], event_type: str, data: dict[str, Any]
                         ) -> list[uuid.UUID]:
    async with units_of_work(factory)() as uow:
        rows = await emit(uow.session, organisation_ids=[org(p) for p in parties], event_type=event_type, data=data)
        await uow.commit()
        return [row.id for row in rows]


async def outbox(factory: Factory) -> dict[uuid.UUID, WebhookDelivery]:
    async with factory() as session:
        rows = (await session.execute(select(WebhookDelivery))).scalars()
        return {row.id: row for row in rows}


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def test_an_emitted_event_is_delivered_once_with_a_valid_signature(
    database_url: str, world: World, receiver: Receiver
) -> None:
    plan_id, case_id = uuid.uuid4(), uuid.uuid4()

    async def main() -> None:
        async with database(database_url) as factory:
            endpoint_id, secret = await register(factory, world.c1, receiver.url)
            [delivery_id] = await emit_committed(factory, [world.c1], "plan.proposed",
                                                 {"plan_id": plan_id, "case_id": case_id, "version": 2})
            assert await deliver_due(factory) == 1
            assert await deliver_due(factory) == 0, "a delivered event is not sent again"

            [got] = receiver.received
            payload = got.verify(secret)  # raises WebhookVerificationError on a bad signature
            assert payload["type"] == "plan.proposed"
            assert payload["data"] == {"plan_id": str(plan_id), "case_id": str(case_id), "version": 2}
            assert dt.datetime.fromisoformat(payload["timestamp"]) <= utcnow()
            assert got.webhook_id == str(delivery_id)
            assert got.headers["content-type"] == "application/json"
            assert got.path == "/hooks/debt-coord"
            assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60

            row = (await outbox(factory))[delivery_id]
            assert row.endpoint_id == endpoint_id
            assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)
            assert row.delivered_at is not None and row.last_error is None

            tampered = dict(got.headers, **{"webhook-id": str(uuid.uuid4())})
            with pytest.raises(Exception, match="signature"):
                type(got)(got.path, tampered, got.body, got.answered).verify(secret)

    asyncio.run(main())


def test_only_active_subscribed_endpoints_of_the_named_organisations_get_a_row(
    database_url: str, world: World, receiver: Receiver
) -> None:
    async def main() -> None:
        async with database(database_url) as factory:
            c1_id, _ = await register(factory, world.c1, receiver.url, ("plan.proposed", "plan.activated"))
            await register(factory, world.c2, receiver.url, ("decision.recorded",))
            c1_second, _ = await register(factory, world.c1, receiver.url + "/second", ("plan.proposed",))
            outsider_id, _ = await register(factory, world.outsider, receiver.url, EVENT_TYPES)

            rows = await emit_committed(factory, [world.c1, world.c2, world.c3], "plan.proposed", {"n": 1})
            assert {r.endpoint_id for r in (await outbox(factory)).values()} == {c1_id, c1_second}
            assert len(rows) == 2
            assert await emit_committed(factory, [], "plan.proposed", {"n": 2}) == []
            assert await emit_committed(factory, [world.c1], "decision.recorded", {"n": 3}) == []

            # The outbox row belongs to the caller's transaction: rolled back, it never existed.
            async with factory() as session:
                await emit(session, organisation_ids=[org(world.c2)], event_type="decision.recorded", data={})
                await session.rollback()
            assert len(await outbox(factory)) == 2

            with pytest.raises(ValueError, match="unknown webhook event type"):
                async with factory() as session:
                    await emit(session, organisation_ids=[org(world.c1)], event_type="plan.eaten", data={})

            assert await deliver_due(factory) == 2
            assert sorted(r.path for r in receiver.received) == ["/hooks/debt-coord", "/hooks/debt-coord/second"]
            assert outsider_id not in {r.endpoint_id for r in (await outbox(factory)).values()}

    asyncio.run(main())


def test_the_receiver_goes_down_mid_way_and_nothing_is_lost(
    database_url: str, world: World, receiver: Receiver
) -> None:
    async def main() -> None:
        async with database(database_url) as factory:
            _, secret = await register(factory, world.c1, receiver.url)
            first = [*await emit_committed(factory, [world.c1], "plan.proposed", {"step": 1}),
                     *await emit_committed(factory, [world.c1], "decision.recorded", {"step": 2})]
            assert await deliver_due(factory) == 2

            receiver.stop()
            later = [*await emit_committed(factory, [world.c1], "plan.superseded", {"step": 3}),
                     *await emit_committed(factory, [world.c1], "plan.proposed", {"step": 4}),
                     *await emit_committed(factory, [world.c1], "plan.activated", {"step": 5})]
            failed_at = utcnow()
            assert await deliver_due(factory, now=failed_at) == 3
            rows = await outbox(factory)
            for delivery_id in later:
                row = rows[delivery_id]
                assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.PENDING, 1, None)
                assert row.last_error and "Connect" in row.last_error
                wait = (row.next_attempt_at - failed_at).total_seconds()
                assert BACKOFF_SECONDS[0] <= wait <= BACKOFF_SECONDS[0] * (1 + JITTER) + 0.01
            assert await deliver_due(factory, now=failed_at + dt.timedelta(seconds=1)) == 0, "not due yet"

            receiver.start()  # the same port again
            assert await deliver_due(factory, now=failed_at + dt.timedelta(seconds=10)) == 3
            rows = await outbox(factory)
            assert all(r.status is DeliveryStatus.DELIVERED for r in rows.values())
            assert {r.attempts for i, r in rows.items() if i in later} == {2}

            ids = receiver.ids()
            assert sorted(ids) == sorted(str(i) for i in first + later), "every delivery exactly once"
            assert set(ids) == {str(i) for i in rows}
            steps = [r.verify(secret)["data"]["step"] for r in receiver.received]
            assert sorted(steps) == [1, 2, 3, 4, 5]

    asyncio.run(main())


def test_a_500_from_the_receiver_is_retried_under_the_same_webhook_id(
    database_url: str, world: World, receiver: Receiver
) -> None:
    receiver.answer = lambda n: 500 if n == 0 else 204

    async def main() -> None:
        async with database(database_url) as factory:
            _, secret = await register(factory, world.c2, receiver.url)
            [delivery_id] = await emit_committed(factory, [world.c2], "decision.recorded", {"decision": "accept"})
            start = utcnow()
            assert await deliver_due(factory, now=start) == 1
            row = (await outbox(factory))[delivery_id]
            assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
            assert row.last_error == "HTTP 500: receiver trouble"
            assert row.next_attempt_at > start

            assert await deliver_due(factory, now=start + dt.timedelta(seconds=7)) == 1
            row = (await outbox(factory))[delivery_id]
            assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.DELIVERED, 2, 204)
            assert row.last_error is None
            assert receiver.ids() == [str(delivery_id)] * 2
            assert [r.answered for r in receiver.received] == [500, 204]
            for attempt in receiver.received:
                assert attempt.verify(secret)["type"] == "decision.recorded"

    asyncio.run(main())


def test_a_timeout_is_retried_and_the_receiver_can_deduplicate_by_webhook_id(
    database_url: str, world: World, receiver: Receiver
) -> None:
    receiver.delay = lambda n: 2.0 if n == 0 else 0.0  # the first answer comes after we gave up

    async def main() -> None:
        async with database(database_url) as factory:
            await register(factory, world.c1, receiver.url)
            ids = [*await emit_committed(factory, [world.c1], "plan.proposed", {"n": 1}),
                   *await emit_committed(factory, [world.c1], "plan.activated", {"n": 2})]
            start = utcnow()
            assert await deliver_due(factory, now=start, timeout=0.5, concurrency=1) == 2
            rows = await outbox(factory)
            timed_out = [r for r in rows.values() if r.status is DeliveryStatus.PENDING]
            assert len(timed_out) == 1 and timed_out[0].last_error == "no answer within 0.5 s"

            assert await deliver_due(factory, now=start + dt.timedelta(seconds=10), timeout=0.5) == 1
            rows = await outbox(factory)
            assert all(r.status is DeliveryStatus.DELIVERED for r in rows.values())
            seen = receiver.ids()
            assert len(seen) == 3, "the timed-out attempt reached the receiver and was sent again"
            assert set(seen) == {str(i) for i in ids} == {str(i) for i in rows}

    asyncio.run(main())


def test_after_the_maximum_attempts_a_delivery_is_failed_and_visible_to_its_owner(
    database_url: str, world: World, receiver: Receiver
) -> None:
    receiver.answer = lambda n: 503

    async def main() -> tuple[uuid.UUID, uuid.UUID]:
        async with database(database_url) as factory:
            endpoint_id, _ = await register(factory, world.c3, receiver.url)
            [delivery_id] = await emit_committed(factory, [world.c3], "plan.reminder", {"deadline": "2026-12-01"})
            moment = utcnow()
            for attempt in range(1, 4):
                assert await deliver_due(factory, now=moment, max_attempts=3) == 1
                row = (await outbox(factory))[delivery_id]
                assert row.attempts == attempt
                moment += dt.timedelta(hours=7)  # past the longest backoff
            assert row.status is DeliveryStatus.FAILED
            assert await deliver_due(factory, now=moment + dt.timedelta(days=30), max_attempts=3) == 0
            return endpoint_id, delivery_id

    endpoint_id, delivery_id = asyncio.run(main())
    assert receiver.ids() == [str(delivery_id)] * 3

    settings = Settings(database_url=database_url, seed_demo=False, webhook_in_process_delivery=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        answer = client.get(f"/v1/webhooks/{endpoint_id}/deliveries", headers=world.c3.headers)
        assert answer.status_code == 200, answer.text
        [shown] = answer.json()
        assert shown["id"] == str(delivery_id)
        assert (shown["status"], shown["attempts"], shown["last_status_code"]) == ("failed", 3, 503)
        assert shown["last_error"] == "HTTP 503: receiver trouble"
        assert shown["event_type"] == "plan.reminder" and shown["next_attempt_at"] is None
        assert shown["created_at"] and shown["delivered_at"] is None
        only_failed = client.get(f"/v1/webhooks/{endpoint_id}/deliveries?status=failed", headers=world.c3.headers)
        assert [d["id"] for d in only_failed.json()] == [str(delivery_id)]
        none_delivered = client.get(f"/v1/webhooks/{endpoint_id}/deliveries?status=delivered",
                                    headers=world.c3.headers)
        assert none_delivered.json() == []
        foreign = client.get(f"/v1/webhooks/{endpoint_id}/deliveries", headers=world.c1.headers)
        assert foreign.status_code == 404


def test_two_delivery_loops_never_send_one_delivery_twice(
    database_url: str, world: World, receiver: Receiver
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several delivery loops side by side need PostgreSQL row locks (SKIP LOCKED)")
    receiver.delay = lambda n: 0.05

    async def main() -> None:
        async with database(database_url) as first, database(database_url) as second:
            await register(factory=first, party=world.c1, url=receiver.url)
            ids: list[uuid.UUID] = []
            for n in range(24):
                ids += await emit_committed(first, [world.c1], "decision.recorded", {"n": n})
            attempted = await asyncio.gather(deliver_due(first, concurrency=4), deliver_due(second, concurrency=4))
            assert sum(attempted) == 24
            assert all(attempted), f"both loops took part: {attempted}"
            rows = await outbox(first)
            assert all(r.status is DeliveryStatus.DELIVERED and r.attempts == 1 for r in rows.values())

        seen = receiver.ids()
        assert len(seen) == len(set(seen)) == 24, "no delivery was sent twice"
        assert set(seen) == {str(i) for i in ids}

    asyncio.run(main())


def test_backoff_grows_with_jitter_up_to_a_cap() -> None:
    for attempts, base in [(1, 5), (2, 30), (3, 120), (4, 600), (5, 3600), (7, 21600), (30, 21600)]:
        waits = [backoff(attempts).total_seconds() for _ in range(50)]
        assert all(base <= w <= base * (1 + JITTER) for w in waits), (attempts, waits)
        assert len(set(waits)) > 1, "jitter spreads retries"


def test_the_api_process_delivers_by_itself_in_the_embedded_default(
    database_url: str, world: World, receiver: Receiver
) -> None:
    settings = Settings(database_url=database_url, seed_demo=False, webhook_poll_seconds=0.1)
    assert settings.redis_url is None and settings.webhook_in_process_delivery
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        created = client.post("/v1/webhooks", json={"url": receiver.url, "events": ["plan.activated"]},
                              headers=world.c1.headers)
        assert created.status_code == 201, created.text

        async def announce() -> list[uuid.UUID]:
            async with database(database_url) as factory:
                return await emit_committed(factory, [world.c1], "plan.activated", {"plan_id": "p-1"})

        [delivery_id] = asyncio.run(announce())
        deadline = time.monotonic() + 15
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert receiver.ids() == [str(delivery_id)]
        assert receiver.received[0].verify(created.json()["secret"])["data"] == {"plan_id": "p-1"}
        while time.monotonic() < deadline:
            listed = client.get(f"/v1/webhooks/{created.json()['id']}/deliveries", headers=world.c1.headers).json()
            if listed[0]["status"] == "delivered":
                break
            time.sleep(0.05)
        assert listed[0]["status"] == "delivered" and listed[0]["delivered_at"]
