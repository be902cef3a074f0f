"""Delivery of the debtor's messages: each due row sent at most once, across workers and restarts.

A round takes each due row (`planned`, `due_at` reached) in a unit of its own: the row is locked (PostgreSQL:
FOR UPDATE SKIP LOCKED) and moved to `sending` by a conditional UPDATE (on SQLite that UPDATE is what makes it
ours), checked again as things are now (messages/checks.py), given a fresh debtor link and its text, and
COMMITTED before anything leaves. Then the channel's adapter sends it, and a second unit records the outcome:
`sent` with the provider's id, `failed` when the provider refused it for good, back to `planned` with a backoff
when the refusal may pass. A worker that dies between the two commits leaves the row `sending`; once
`message_uncertain_after_seconds` have passed it becomes `uncertain` for a person to look at: perhaps sent, so
never sent again.

Logs name message ids and statuses only: no text, no address.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from debt_coord.cases.models import Case
from debt_coord.debtor.service import DEFAULT_VALID_DAYS, new_link
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.kernel.events import MessageBus
from debt_coord.kernel.orm import aware, utcnow
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import UnitOfWork, UnitsOfWork, units_of_work
from debt_coord.messages import checks
from debt_coord.messages.channels import adapter_for
from debt_coord.messages.channels.base import ChannelNotConfigured, Outgoing, SendFailed, SendResult
from debt_coord.messages.models import Channel, DebtorMessage, MessageStatus
from debt_coord.messages.rendering import render_message
from debt_coord.messages.texts import MissingFact
from debt_coord.messages.timing import next_allowed
from debt_coord.webhooks.delivery import backoff

log = logging.getLogger(__name__)
SYSTEM = "debt-coord (message delivery)"
MAX_ATTEMPTS = 5
"""Sends a passing refusal (SMTP 4xx, a gateway's 429 or 5xx, no connection) gets before the message fails."""
ROUND_LIMIT = 100
CONCURRENCY = 8
COMPLETED_LINK_DAYS = 90
"""How long the link in a plan-completed message shows the final state."""


@dataclass(frozen=True)
class Ready:
    """A message taken, checked, rendered and committed as `sending`: what goes to the adapter."""

    message_id: uuid.UUID
    channel: Channel
    outgoing: Outgoing


@dataclass(frozen=True)
class Outcome:
    status: MessageStatus
    reason: str = ""
    result: SendResult | None = None
    permanent: bool = True


async def mark_uncertain(units: UnitsOfWork, now: dt.datetime, after_seconds: float) -> int:
    """Rows left `sending` longer than `after_seconds`: their worker died mid-send. Never sent again."""
    async with units() as uow:
        done = await uow.session.execute(
            update(DebtorMessage)
            .where(DebtorMessage.status == MessageStatus.SENDING,
                   DebtorMessage.taken_at < now - dt.timedelta(seconds=after_seconds))
            .values(status=MessageStatus.UNCERTAIN,
                    status_reason="taken for sending without an outcome: perhaps sent, not sent again; "
                                  "check with the debtor or the provider"))
        await uow.commit()
    count: int = done.rowcount  # type: ignore[attr-defined]
    if count:
        log.warning("%d debtor messages left sending by a stopped worker are now uncertain", count)
    return count


async def due_ids(units: UnitsOfWork, now: dt.datetime, limit: int) -> list[uuid.UUID]:
    async with units() as uow:
        found = (await uow.session.execute(
            select(DebtorMessage.id)
            .where(DebtorMessage.status == MessageStatus.PLANNED, DebtorMessage.due_at <= now)
            .order_by(DebtorMessage.due_at, DebtorMessage.id).limit(limit))).scalars().all()
    return list(found)


async def _take(session: AsyncSession, message_id: uuid.UUID, now: dt.datetime) -> DebtorMessage | None:
    """Lock the row and move it to `sending`; None when another worker has it or it is no longer due."""
    query = select(DebtorMessage).where(DebtorMessage.id == message_id, DebtorMessage.status == MessageStatus.PLANNED,
                                        DebtorMessage.due_at <= now)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    if (await session.execute(query)).scalar_one_or_none() is None:
        return None
    taken = await session.execute(
        update(DebtorMessage)
        .where(DebtorMessage.id == message_id, DebtorMessage.status == MessageStatus.PLANNED)
        .values(status=MessageStatus.SENDING, taken_at=now)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return (await session.execute(select(DebtorMessage).where(DebtorMessage.id == message_id)
                                  .execution_options(populate_existing=True))).scalar_one()


async def prepare(uow: UnitOfWork, settings: Settings, message_id: uuid.UUID, now: dt.datetime) -> Ready | None:
    """Take, check and render one due message, and commit it as `sending` (or as skipped or cancelled, with why).

    None when there is nothing to send: taken by another worker, or ended by the checks.
    """
    session = uow.session
    message = await _take(session, message_id, now)
    if message is None:
        return None
    case = await session.get_one(Case, message.case_id)
    verdict = await checks.check(session, message, case, now.astimezone(AMSTERDAM).date(),
                                 settings.arrears_grace_bank_days)
    if isinstance(verdict, checks.Verdict):
        _end(message, verdict.status, verdict.reason)
        await uow.commit()
        return None
    try:
        adapter_for(message.channel, settings)
    except ChannelNotConfigured:
        _end(message, MessageStatus.SKIPPED, "channel not configured")
        await uow.commit()
        return None
    token = await fresh_link(uow, case)
    try:
        outgoing = await render_message(session, settings, message, case, verdict, token)
    except MissingFact as error:  # a fact the planner could not fill, or a broken template (an organisation's own,
        # texts.BrokenTemplate): say so rather than send half a text
        _end(message, MessageStatus.FAILED, f"the text could not be made: {error}")
        await uow.commit()
        return None
    message.address, message.subject, message.body = outgoing.address, outgoing.subject[:300], outgoing.body
    await uow.commit()
    return Ready(message.id, message.channel, outgoing)


async def fresh_link(uow: UnitOfWork, case: Case) -> str:
    """A debtor link of its own for each message, committed with the row: its token only in the text. A completed
    case's (its plan-completed message) shows the final state for COMPLETED_LINK_DAYS."""
    system = Actor(case.organisation_id, Role.COUNSELLOR, SYSTEM)
    days = COMPLETED_LINK_DAYS if case.closed else DEFAULT_VALID_DAYS
    return (await new_link(uow, system, case, days)).token


def _end(message: DebtorMessage, status: MessageStatus, reason: str) -> None:
    message.status = status
    message.status_reason = reason[:300]
    log.info("debtor message %s %s: %s", message.id, status.value, reason)


async def send(settings: Settings, ready: Ready) -> Outcome:
    try:
        result = await adapter_for(ready.channel, settings).send(ready.outgoing)
    except ChannelNotConfigured:
        return Outcome(MessageStatus.SKIPPED, "channel not configured")
    except SendFailed as error:
        return Outcome(MessageStatus.FAILED, error.reason, permanent=error.permanent)
    return Outcome(MessageStatus.SENT, result=result)


async def record(units: UnitsOfWork, message_id: uuid.UUID, outcome: Outcome, now: dt.datetime) -> None:
    """Write what the send did. An `uncertain` row (marked while a slow send ran) learns its outcome too."""
    async with units() as uow:
        message = (await uow.session.execute(
            select(DebtorMessage).where(DebtorMessage.id == message_id,
                                        DebtorMessage.status.in_([MessageStatus.SENDING, MessageStatus.UNCERTAIN]))
            .execution_options(populate_existing=True))).scalar_one_or_none()
        if message is None:
            return
        if outcome.result is not None:
            message.status, message.status_reason = MessageStatus.SENT, ""
            message.provider_message_id = outcome.result.provider_message_id[:200]
            message.sent_at = outcome.result.accepted_at
        elif outcome.status is MessageStatus.FAILED and not outcome.permanent and message.attempts + 1 < MAX_ATTEMPTS:
            message.attempts += 1
            message.status, message.status_reason = MessageStatus.PLANNED, f"retrying: {outcome.reason}"[:300]
            message.due_at = next_allowed(now + backoff(message.attempts))
            message.taken_at = None
        else:
            message.attempts += outcome.status is MessageStatus.FAILED
            message.status, message.status_reason = outcome.status, outcome.reason[:300]
        await uow.commit()
    log.info("debtor message %s: %s", message_id, message.status.value)


async def deliver_one(units: UnitsOfWork, settings: Settings, message_id: uuid.UUID, now: dt.datetime) -> bool:
    """Send one due message at most once; True when it went to its channel's provider (whatever the answer)."""
    async with units() as uow:
        ready = await prepare(uow, settings, message_id, now)
    if ready is None:
        return False
    outcome = await send(settings, ready)
    await record(units, message_id, outcome, utcnow())
    return True


async def deliver_due(units: UnitsOfWork, settings: Settings, *, now: dt.datetime | None = None,
                      limit: int = ROUND_LIMIT, concurrency: int = CONCURRENCY) -> int:
    """Every message due at `now`, `limit` at a time, `concurrency` sends at once; how many were sent."""
    moment = aware(now)
    gate = asyncio.Semaphore(max(1, concurrency))
    total = 0

    async def one(message_id: uuid.UUID) -> bool:
        async with gate:
            try:
                return await deliver_one(units, settings, message_id, moment)
            except Exception as error:  # one broken row must not stop the others; no data in the log
                log.warning("debtor message %s could not be delivered: %s", message_id, type(error).__name__)
                return False

    before: set[uuid.UUID] = set()
    while (ids := await due_ids(units, moment, limit)) and set(ids) != before:  # the same page again: others have it
        results = await asyncio.gather(*(one(message_id) for message_id in ids))
        total += sum(results)
        if len(ids) < limit:
            break
        before = set(ids)
    return total


class MessageDelivery:
    """A periodic chore (jobs/chores.py): every message_check_seconds, mark the uncertain, send what is due."""

    def __init__(self, settings: Settings, bus: MessageBus) -> None:
        self.settings = settings
        self.bus = bus
        self.every = settings.message_check_seconds
        self.last_run: float | None = None

    async def __call__(self, sessions: async_sessionmaker[AsyncSession], now: dt.datetime | None = None) -> int:
        if now is None and self.last_run is not None and time.monotonic() - self.last_run < self.every:
            return 0
        self.last_run = time.monotonic()
        moment = aware(now)
        units = units_of_work(sessions, self.bus)
        await mark_uncertain(units, moment, self.settings.message_uncertain_after_seconds)
        return await deliver_due(units, self.settings, now=moment)
