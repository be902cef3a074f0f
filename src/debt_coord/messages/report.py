"""What works: per channel x tone x kind, the messages sent and what happened to the payment they were about.

A reminder or nudge is about one payment date of a plan. That date counts as paid on the first booking day
(money in: the ledger's receipts, oldest installment first) on which every installment of it is paid in full.
Per message: paid on time (by the payment date), paid within three days after the message (its Amsterdam day
up to three days later), or never paid (the date has passed and it is still not paid in full). Other kinds
(plan news, the counsellor's free message) are counted as sent only.

Small numbers say little: the report says how many messages it rests on, and plainly when that is too few.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select

from debt_coord.cases.models import Case
from debt_coord.kernel.actors import Actor
from debt_coord.kernel.clock import AMSTERDAM, today
from debt_coord.kernel.service import Service
from debt_coord.messages.checks import plan_id
from debt_coord.messages.models import Channel, DebtorMessage, MessageKind, MessageStatus, Tone
from debt_coord.money_in.installments import InstallmentStatus, installments
from debt_coord.money_in.models import Account, Entry, Journal
from debt_coord.planning.models import PlanStatus, PlanVersion, schedule_of
from solver.models import Payment

SENT = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)
AFTER_A_MESSAGE = dt.timedelta(days=3)
ENOUGH = 30
"""Below this many messages a share says little: one payment more or less moves it by several points."""

Booking = tuple[dt.date, str, int]
"""(booked on, claim id, cents received; a reversal negative)."""


@dataclass
class Cell:
    channel: Channel
    tone: Tone
    kind: MessageKind
    sent: int = 0
    about_a_payment: int = 0
    paid_on_time: int = 0
    paid_within_three_days: int = 0
    never_paid: int = 0

    @property
    def enough(self) -> bool:
        return self.sent >= ENOUGH


@dataclass
class ReminderReport:
    as_of: dt.date
    cells: list[Cell] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(c.sent for c in self.cells)

    @property
    def note(self) -> str:
        if self.sent == 0:
            return "No messages sent yet: nothing to compare."
        small = [c for c in self.cells if not c.enough]
        if self.sent < ENOUGH:
            return (f"Only {self.sent} messages sent so far. That is too few to tell what works: with numbers this "
                    "small, differences between channels, tones or kinds are mostly chance.")
        if small:
            return (f"{len(small)} of {len(self.cells)} groups have fewer than {ENOUGH} messages: their shares say "
                    "little, and a difference with another group may be chance. A payment after a message was "
                    "not always caused by it.")
        return ("A payment after a message was not always caused by it: income dates, the plan and the person "
                "matter too. Compare groups, not single cases.")


def paid_on(payments: Sequence[Payment], bookings: Iterable[Booking], day: dt.date) -> dt.date | None:
    """The first booking day on which every installment of payment date `day` was paid in full, or None."""
    by_day: dict[dt.date, list[tuple[str, int]]] = defaultdict(list)
    for booked_on, claim, cents in bookings:
        by_day[booked_on].append((claim, cents))
    received: dict[str, int] = defaultdict(int)
    for booked_on in sorted(by_day):
        for claim, cents in by_day[booked_on]:
            received[claim] += cents
        found = [i for i in installments(payments, received, booked_on, grace_bank_days=0, country="NL")
                 if i.date == day]
        if found and all(i.status is InstallmentStatus.PAID for i in found):
            return booked_on
    return None


def count(cell: Cell, message: DebtorMessage, payments: Sequence[Payment] | None, bookings: Sequence[Booking],
          now: dt.date) -> None:
    cell.sent += 1
    day = message.payment_date
    if day is None or payments is None:
        return
    cell.about_a_payment += 1
    paid = paid_on(payments, bookings, day)
    sent_day = (message.sent_at or message.created_at).astimezone(AMSTERDAM).date()
    if paid is None:
        cell.never_paid += day < now
        return
    cell.paid_on_time += paid <= day
    cell.paid_within_three_days += sent_day <= paid <= sent_day + AFTER_A_MESSAGE


class ReminderReportService(Service[DebtorMessage]):
    class Repo(SQLAlchemyAsyncRepository[DebtorMessage]):
        model_type = DebtorMessage

    repository_type = Repo

    async def report(self, actor: Actor) -> ReminderReport:
        """The counsellor's own organisation's messages, as of today."""
        sent = (await self.session.execute(
            select(DebtorMessage).join(Case, Case.id == DebtorMessage.case_id)
            .where(Case.organisation_id == actor.organisation_id, DebtorMessage.status.in_(SENT))
            .order_by(DebtorMessage.id))).scalars().all()
        about = [m for m in sent if m.payment_date is not None]
        plans = await self._plans(about)
        bookings = await self._bookings({m.case_id for m in about})
        cells: dict[tuple[Channel, Tone, MessageKind], Cell] = {}
        now = today()
        for message in sent:
            key = (message.channel, message.tone, message.kind)
            cell = cells.setdefault(key, Cell(*key))
            payments = plans.get(plan_id(message) or message.case_id)
            count(cell, message, payments, bookings.get(message.case_id, []), now)
        ordered = sorted(cells.values(), key=lambda c: (c.channel.value, c.tone.value, c.kind.value))
        return ReminderReport(now, ordered)

    async def _plans(self, messages: Sequence[DebtorMessage]) -> dict[uuid.UUID, list[Payment]]:
        """Payments by plan id (the version a message names) and by case id (the case's active version)."""
        ids = {i for m in messages if (i := plan_id(m)) is not None}
        cases = {m.case_id for m in messages}
        rows = (await self.session.execute(
            select(PlanVersion.id, PlanVersion.case_id, PlanVersion.status, PlanVersion.proposal, PlanVersion.varies)
            .where(PlanVersion.id.in_(ids)
                   | (PlanVersion.case_id.in_(cases) & (PlanVersion.status == PlanStatus.ACTIVE)))
        )).all()
        found: dict[uuid.UUID, list[Payment]] = {}
        for version_id, case_id, status, proposal, varies in rows:
            payments = schedule_of(proposal, varies)
            found[version_id] = payments
            if status == PlanStatus.ACTIVE:
                found[case_id] = payments
        return found

    async def _bookings(self, cases: set[uuid.UUID]) -> dict[uuid.UUID, list[Booking]]:
        rows = (await self.session.execute(
            select(Entry.case_id, Journal.booked_on, Entry.claim_id, Entry.amount_cents)
            .join(Journal, Journal.id == Entry.journal_id)
            .where(Entry.case_id.in_(cases), Entry.account == Account.RECEIVED, Entry.claim_id.is_not(None))
        )).all()
        found: dict[uuid.UUID, list[Booking]] = defaultdict(list)
        for case_id, booked_on, claim_id, cents in rows:
            found[case_id].append((booked_on, str(claim_id), int(cents)))
        return found
