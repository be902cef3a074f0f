"""The message rows a case has and gets: who can be reached, how the case wants to be spoken to, new rows.

Shared by the planner (reminders and nudges), the bus handlers (plan proposed, active, varied, completed) and the
counsellor's service (free messages). Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.messages.models import (
    Channel,
    DebtorContact,
    DebtorMessage,
    Language,
    MessageKind,
    MessagePreferences,
    MessageStatus,
    ReminderAnchor,
    Tone,
)
from debt_coord.messages.texts import effective_tone

BREATHING_SPACE = "breathing space until"
NEVER_REACHED = (MessageStatus.CANCELLED, MessageStatus.SKIPPED, MessageStatus.FAILED)
"""Rows that do not count as a message the debtor had (for 'firm is never a first message')."""


@dataclass(frozen=True)
class Wishes:
    """A case's preferences, the defaults when it has no row."""

    language: Language = Language.NL
    tone: Tone = Tone.WARM
    anchor: ReminderAnchor = ReminderAnchor.PAYMENT_DATE
    reminder_time: dt.time = dt.time(9, 0)
    moratorium_until: dt.date | None = None


async def wishes(session: AsyncSession, case_id: uuid.UUID) -> Wishes:
    row = (await session.execute(select(MessagePreferences).where(MessagePreferences.case_id == case_id))
           ).scalar_one_or_none()
    if row is None:
        return Wishes()
    return Wishes(row.language, row.tone, row.reminder_anchor, row.reminder_time, row.moratorium_until)


async def reachable(session: AsyncSession, case_id: uuid.UUID) -> list[DebtorContact]:
    """The case's contacts with consent and without an opt-out, in channel order."""
    rows = (await session.execute(select(DebtorContact).where(
        DebtorContact.case_id == case_id, DebtorContact.opted_out_at.is_(None)))).scalars().all()
    order = list(Channel)
    return sorted(rows, key=lambda c: order.index(c.channel))


async def earlier_messages(session: AsyncSession, case_id: uuid.UUID) -> int:
    """How many messages the case had, or has coming, before the ones being planned now."""
    count = await session.scalar(select(func.count()).select_from(DebtorMessage).where(
        DebtorMessage.case_id == case_id, DebtorMessage.status.not_in(NEVER_REACHED)))
    return int(count or 0)


async def existing(session: AsyncSession, case_id: uuid.UUID, keys: Iterable[str]
                   ) -> dict[tuple[Channel, str], DebtorMessage]:
    wanted = list(set(keys))
    if not wanted:
        return {}
    rows = (await session.execute(select(DebtorMessage).where(
        DebtorMessage.case_id == case_id, DebtorMessage.dedupe_key.in_(wanted)))).scalars().all()
    return {(row.channel, row.dedupe_key): row for row in rows}


@dataclass(frozen=True)
class Planned:
    """One message to plan on every reachable channel."""

    kind: MessageKind
    dedupe_key: str
    due_at: dt.datetime
    payment_date: dt.date | None = None
    amount_cents: int | None = None
    facts: dict[str, object] | None = None


async def plan(session: AsyncSession, case_id: uuid.UUID, wanted: Planned, contacts: Sequence[DebtorContact],
               prefs: Wishes, created_by: str, *, now: dt.datetime | None = None) -> list[DebtorMessage]:
    """A planned row per contact that has none with this dedupe key; one still planned for later than `now` is
    brought up to date (time, amount, language, tone: the preferences may have changed). Rows past `planned`, or
    already due, are left alone; what was planned or changed."""
    found = await existing(session, case_id, [wanted.dedupe_key])
    tone = effective_tone(wanted.kind, prefs.tone, await earlier_messages(session, case_id))
    made = []
    for contact in contacts:
        row = found.get((contact.channel, wanted.dedupe_key))
        if row is None:
            row = DebtorMessage(case_id=case_id, kind=wanted.kind, channel=contact.channel,
                                dedupe_key=wanted.dedupe_key, created_by=created_by, status=MessageStatus.PLANNED)
            session.add(row)
        elif _held(row, now):  # the breathing space it was held back for has ended: it goes out after all
            row.status, row.status_reason = MessageStatus.PLANNED, ""
        elif (row.status is not MessageStatus.PLANNED or (now is not None and row.due_at <= now)
              or _same(row, wanted, prefs.language, tone)):
            continue
        row.language, row.tone, row.due_at = prefs.language, tone, wanted.due_at
        row.payment_date, row.amount_cents, row.facts = wanted.payment_date, wanted.amount_cents, wanted.facts or {}
        made.append(row)
    await session.flush()
    return made


def breathing_space(until: dt.date | None) -> str:
    """The reason of a reminder or nudge held back, which `plan` takes up again once the breathing space ended."""
    return f"{BREATHING_SPACE} {until.isoformat() if until else ''}".strip()


def _held(row: DebtorMessage, now: dt.datetime | None) -> bool:
    return (row.status is MessageStatus.SKIPPED and row.status_reason.startswith(BREATHING_SPACE)
            and row.sent_at is None and row.taken_at is None and (now is None or row.due_at > now))


def _same(row: DebtorMessage, wanted: Planned, language: Language, tone: Tone) -> bool:
    return ((row.due_at, row.payment_date, row.amount_cents, row.language, row.tone)
            == (wanted.due_at, wanted.payment_date, wanted.amount_cents, language, tone))


async def close_planned(session: AsyncSession, case_id: uuid.UUID, status: MessageStatus, reason: str, *,
                        kinds: Iterable[MessageKind] | None = None, channel: Channel | None = None,
                        keep_plan: uuid.UUID | None = None, keys: Iterable[str] | None = None,
                        payment_until: dt.date | None = None) -> int:
    """Planned rows of the case (of `kinds`, on `channel`, with `keys`, about a payment date up to `payment_until`;
    not those of the plan `keep_plan`) that will not go out any more: `status` (cancelled, skipped) with `reason`.
    How many."""
    query = select(DebtorMessage).where(DebtorMessage.case_id == case_id,
                                        DebtorMessage.status == MessageStatus.PLANNED)
    if kinds is not None:
        query = query.where(DebtorMessage.kind.in_(list(kinds)))
    if channel is not None:
        query = query.where(DebtorMessage.channel == channel)
    if keys is not None:
        query = query.where(DebtorMessage.dedupe_key.in_(list(keys)))
    if payment_until is not None:
        query = query.where(DebtorMessage.payment_date <= payment_until)
    closed = 0
    for row in (await session.execute(query)).scalars().all():
        if keep_plan is not None and row.facts.get("plan_id") == str(keep_plan):
            continue
        row.status, row.status_reason = status, reason[:300]
        closed += 1
    await session.flush()
    return closed
