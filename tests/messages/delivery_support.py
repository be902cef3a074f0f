"""Delivery tests' support: contacts and due message rows written straight into the tables (as the planner would
plan them), the delivery chore run as a worker runs it (bootstrap.chores), and the rows read back."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from debt_coord.bootstrap import chores, message_bus
from debt_coord.kernel.database import create_engine as create_async_engine
from debt_coord.kernel.database import session_factory, sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.messages.delivery import MessageDelivery
from debt_coord.messages.models import (
    Channel,
    DebtorContact,
    DebtorMessage,
    Language,
    MessageKind,
    MessagePreferences,
    MessageStatus,
    Tone,
)

PUBLIC_URL = "https://schulden.example.nl"


def delivery_settings(database_url: str, **channels: Any) -> Settings:
    return Settings(database_url=database_url, seed_demo=False, public_url=PUBLIC_URL, **channels)


def delivery_chore(settings: Settings) -> MessageDelivery:
    """The chore a worker runs (bootstrap.chores), as a fresh process has it."""
    [chore] = [c for c in chores(settings, message_bus()) if isinstance(c, MessageDelivery)]
    return chore


async def _deliver(settings: Settings, now: dt.datetime | None) -> int:
    engine = create_async_engine(settings.effective_database_url)
    try:
        return await delivery_chore(settings)(session_factory(engine), now=now)
    finally:
        await engine.dispose()


def deliver(settings: Settings, now: dt.datetime | None = None) -> int:
    """One round of a fresh worker's delivery chore; how many messages went to a provider."""
    return asyncio.run(_deliver(settings, now))


def deliver_at_once(settings: Settings, workers: int, now: dt.datetime | None = None) -> list[int]:
    """`workers` chores, each on an engine of its own, in the same round."""
    async def all_of_them() -> list[int]:
        return list(await asyncio.gather(*(_deliver(settings, now) for _ in range(workers))))

    return asyncio.run(all_of_them())


def _session(database_url: str) -> Session:
    return Session(create_engine(sync_url(database_url)), expire_on_commit=False)


def add_contact(database_url: str, case_id: str, channel: Channel, address: str, *, opted_out: bool = False) -> None:
    now = dt.datetime.now(dt.UTC)
    with _session(database_url) as session:
        session.add(DebtorContact(case_id=uuid.UUID(case_id), channel=channel, address=address, consent_at=now,
                                  consent_source="intake form, signed", opted_out_at=now if opted_out else None))
        session.commit()


def set_moratorium(database_url: str, case_id: str, until: dt.date) -> None:
    with _session(database_url) as session:
        session.add(MessagePreferences(case_id=uuid.UUID(case_id), moratorium_until=until,
                                       moratorium_reason="breathing space (Wgs)"))
        session.commit()


def add_message(database_url: str, case_id: str, kind: MessageKind, channel: Channel = Channel.EMAIL, *,
                due_at: dt.datetime | None = None, payment_date: dt.date | None = None,
                amount_cents: int | None = None, facts: dict[str, object] | None = None,
                language: Language = Language.NL, tone: Tone = Tone.WARM, key: str | None = None,
                **columns: Any) -> str:
    """A planned message row, due at `due_at` (a minute ago unless given); its id. `columns`: any other (status,
    sent_at, ...) for a message that is further along."""
    with _session(database_url) as session:
        row = DebtorMessage(
            case_id=uuid.UUID(case_id), kind=kind, channel=channel,
            dedupe_key=key or f"{kind.value}:{payment_date or uuid.uuid4().hex}", language=language, tone=tone,
            due_at=due_at or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1), payment_date=payment_date,
            amount_cents=amount_cents, facts=facts or {}, created_by="test", **columns)
        session.add(row)
        session.commit()
        return str(row.id)


def messages(database_url: str) -> dict[str, DebtorMessage]:
    with _session(database_url) as session:
        return {str(m.id): m for m in session.scalars(select(DebtorMessage))}


def status_of(database_url: str, message_id: str) -> tuple[MessageStatus, str]:
    found = messages(database_url)[message_id]
    return found.status, found.status_reason


def set_taken_long_ago(database_url: str, message_id: str, seconds: float) -> None:
    with _session(database_url) as session:
        session.execute(update(DebtorMessage).where(DebtorMessage.id == uuid.UUID(message_id))
                        .values(taken_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)))
        session.commit()
