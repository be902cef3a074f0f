"""The daily arrears chore run on a given day (as its chore loop runs it, wired in bootstrap), and what it wrote."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import create_engine, func, select

from debt_coord.bootstrap import chores, message_bus
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.kernel.database import create_engine as create_async_engine
from debt_coord.kernel.database import session_factory, sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.money_in.arrears import ArrearsChore
from debt_coord.money_in.models import ArrearsFlag
from debt_coord.webhooks.models import WebhookDelivery, WebhookEndpoint


def arrears_chore(database_url: str) -> ArrearsChore:
    """The chore its loop runs (bootstrap.chores), as a fresh process would have it."""
    [chore] = [c for c in chores(Settings(database_url=database_url, seed_demo=False), message_bus())
               if isinstance(c, ArrearsChore)]
    return chore


async def _run(database_url: str, day: dt.date, chore: ArrearsChore) -> int:
    engine = create_async_engine(database_url)
    try:
        return await chore(session_factory(engine), dt.datetime.combine(day, dt.time(9), tzinfo=AMSTERDAM))
    finally:
        await engine.dispose()


def run_chore(database_url: str, day: dt.date, chore: ArrearsChore | None = None) -> int:
    """One round of the chore on `day`; what it did (installments flagged and cases completed)."""
    return asyncio.run(_run(database_url, day, chore or arrears_chore(database_url)))


def run_chores_at_once(database_url: str, day: dt.date, count: int) -> list[int]:
    """`count` workers' chores, each on its own engine, in the same round of the same day."""
    async def all_of_them() -> list[int]:
        return list(await asyncio.gather(*(_run(database_url, day, arrears_chore(database_url))
                                           for _ in range(count))))

    return asyncio.run(all_of_them())


def deliveries(database_url: str, event_type: str) -> list[tuple[str, dict[str, Any]]]:
    """(organisation id, payload data) of every outbox row of `event_type`."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(WebhookEndpoint.organisation_id, WebhookDelivery.payload)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.event_type == event_type)).all()
    finally:
        engine.dispose()
    return [(str(organisation), payload["data"]) for organisation, payload in rows]


def flags(database_url: str) -> int:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(ArrearsFlag)) or 0)
    finally:
        engine.dispose()
