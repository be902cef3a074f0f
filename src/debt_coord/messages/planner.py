"""The message chore: payment reminders for the coming payment dates, and a calm nudge once a date is missed.

It runs in the delivery loop (bootstrap.chores: the API process without Redis, every worker with it), once a day
across all workers (a `chore_days` row, as the arrears chore), each active case in its own unit of work with its
case row taken SKIP LOCKED. A reminder row is planned for each payment date in the next HORIZON_DAYS, on every
channel with consent and no opt-out, at most one per date and channel (dedupe key "payment_reminder:<date>"); a
still planned one is re-timed when the preferences changed. A nudge ("missed_payment:<date>") is planned once the
date's installments are overdue (after DEBT_COORD_ARREARS_GRACE_BANK_DAYS bank days), only within a week of
that, so a worker back after an outage does not send a pile of old ones.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.cases.models import Case
from debt_coord.cases.states import CaseState
from debt_coord.jobs.chores import DailyChore, each_case
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.kernel.events import MessageBus
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import UnitOfWork, UnitsOfWork
from debt_coord.messages import timing
from debt_coord.messages.models import DebtorContact, MessageKind, MessageStatus
from debt_coord.messages.rows import Planned, Wishes, breathing_space, close_planned, plan, reachable, wishes
from debt_coord.money_in import ledger
from debt_coord.money_in.completion import active_version
from debt_coord.money_in.installments import InstallmentStatus, bank_days_after, installments
from debt_coord.money_in.models import Account
from debt_coord.planning.models import PlanVersion
from solver.models import Payment, PlanRequest

log = logging.getLogger(__name__)
CHORE = "messages"
SYSTEM = "debt-coord (messages)"
HORIZON_DAYS = 31
"""Reminders are planned this far ahead (the chore runs daily; a month keeps every coming date covered)."""
NUDGE_WINDOW_DAYS = 7
KNOWN_VERSIONS = 20_000


def reminder_key(day: dt.date) -> str:
    return f"payment_reminder:{day.isoformat()}"


def nudge_key(day: dt.date) -> str:
    return f"missed_payment:{day.isoformat()}"


@dataclass(frozen=True)
class PlanDates:
    """A plan version's payment dates: what the debtor pays on each, and the income behind it."""

    plan_id: uuid.UUID
    totals: dict[dt.date, int]
    incomes: dict[dt.date, dt.date]
    payments: tuple[Payment, ...]

    @classmethod
    def of(cls, version: PlanVersion) -> PlanDates:
        """Kept per version (a version's request and proposal never change): the chore asks daily."""
        if (known := _KNOWN.get(version.id)) is not None:
            return known
        request = PlanRequest.model_validate(version.request)
        payments = tuple(version.schedule)
        totals: dict[dt.date, int] = {}
        for payment in payments:
            totals[payment.date] = totals.get(payment.date, 0) + payment.amount_cents
        if request.policy.payout_day_of_month is not None:
            # Via the counsellor the debtor pays the organisation on the days money comes in (the debtor page's
            # deposits); its payouts to the creditors are not the debtor's to be reminded or nudged of.
            totals = dict(version.deposits)
            payments = ()
        found = cls(version.id, dict(sorted(totals.items())), timing.income_dates(request), payments)
        if len(_KNOWN) >= KNOWN_VERSIONS:
            _KNOWN.clear()
        _KNOWN[version.id] = found
        return found

    def facts(self, day: dt.date) -> dict[str, object]:
        dates = list(self.totals)
        number = dates.index(day) + 1 if day in self.totals else None
        return {"plan_id": str(self.plan_id), "payment_number": number,
                "payments_left": len(dates) - number if number else len(dates),
                "end_date": dates[-1].isoformat() if dates else None}


_KNOWN: dict[uuid.UUID, PlanDates] = {}


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(AMSTERDAM).date()


def reminder_due(day: dt.date, dates: PlanDates, prefs: Wishes, now: dt.datetime, country: str
                 ) -> dt.datetime | None:
    """When the reminder of `day` goes out; a moment already past goes at the next allowed moment from `now`."""
    moment = timing.reminder_at(day, anchor=prefs.anchor, reminder_time=prefs.reminder_time,
                                income_date=dates.incomes.get(day), moratorium_until=prefs.moratorium_until,
                                country=country)
    if moment is None or moment >= now:
        return moment
    return timing.next_allowed(now, country)


async def plan_reminders(session: AsyncSession, case: Case, version: PlanVersion, now: dt.datetime,
                         contacts: Sequence[DebtorContact] | None = None, prefs: Wishes | None = None) -> int:
    """Reminder rows for the payment dates of the next HORIZON_DAYS; how many rows were planned or re-timed."""
    contacts = await reachable(session, case.id) if contacts is None else contacts
    if not contacts:
        return 0
    prefs = prefs or await wishes(session, case.id)
    dates = PlanDates.of(version)
    today = local_day(now)
    done = 0
    for day, cents in dates.totals.items():
        if not today <= day <= today + dt.timedelta(days=HORIZON_DAYS):
            continue
        due = reminder_due(day, dates, prefs, now, case.country)
        if due is None:
            done += await close_planned(session, case.id, MessageStatus.SKIPPED,
                                        breathing_space(prefs.moratorium_until), keys=[reminder_key(day)])
            continue
        wanted = Planned(MessageKind.PAYMENT_REMINDER, reminder_key(day), due, day, cents, dates.facts(day))
        done += len(await plan(session, case.id, wanted, contacts, prefs, SYSTEM, now=now))
    return done


async def plan_nudges(session: AsyncSession, case: Case, version: PlanVersion, now: dt.datetime, grace: int,
                      contacts: Sequence[DebtorContact], prefs: Wishes) -> int:
    """A nudge per payment date whose installments became overdue in the last NUDGE_WINDOW_DAYS."""
    today = local_day(now)
    if timing.in_moratorium(today, prefs.moratorium_until):
        return 0
    received = {str(k): v for k, v in (await ledger.balances(session, case.id, Account.RECEIVED)).items()}
    dates = PlanDates.of(version)
    missing: dict[dt.date, int] = {}
    for found in installments(dates.payments, received, today, grace_bank_days=grace, country=case.country):
        if found.status is InstallmentStatus.OVERDUE:
            missing[found.date] = missing.get(found.date, 0) + found.missing_cents
    done = 0
    for day, cents in missing.items():
        overdue_since = bank_days_after(day, grace, case.country) + dt.timedelta(days=1)
        if (today - overdue_since).days > NUDGE_WINDOW_DAYS:
            continue
        # At the reminder time of the first overdue day: the same moment however often this runs that week.
        due = timing.next_allowed(max(now, timing.local(overdue_since, prefs.reminder_time)), case.country)
        if timing.in_moratorium(local_day(due), prefs.moratorium_until):
            continue
        wanted = Planned(MessageKind.MISSED_PAYMENT, nudge_key(day), due, day, cents, dates.facts(day))
        done += len(await plan(session, case.id, wanted, contacts, prefs, SYSTEM, now=now))
    return done


async def plan_case(uow: UnitOfWork, case_id: uuid.UUID, now: dt.datetime, grace: int) -> int:
    """Reminders and nudges of one active case, committed; what was planned (0: nothing to do)."""
    session = uow.session
    lock = select(Case).where(Case.id == case_id).with_for_update(skip_locked=True)
    case = (await session.execute(lock.execution_options(populate_existing=True))).scalar_one_or_none()
    if case is None or case.state is not CaseState.ACTIVE:
        return 0
    contacts = await reachable(session, case_id)
    version = await active_version(session, case_id) if contacts else None
    if version is None:
        return 0
    prefs = await wishes(session, case_id)
    done = await plan_reminders(session, case, version, now, contacts, prefs)
    done += await plan_nudges(session, case, version, now, grace, contacts, prefs)
    if done:
        await uow.commit()
    return done


async def plan_all(units: UnitsOfWork, now: dt.datetime, grace: int) -> int:
    async with units() as uow:  # only active cases the debtor can be reached on
        cases: Sequence[uuid.UUID] = (await uow.session.execute(
            select(Case.id).where(Case.state == CaseState.ACTIVE, Case.id.in_(
                select(DebtorContact.case_id).where(DebtorContact.opted_out_at.is_(None))))
            .order_by(Case.id))).scalars().all()
    return await each_case(CHORE, units, cases, lambda uow, case_id: plan_case(uow, case_id, now, grace))


class MessagePlanner(DailyChore):
    """A periodic chore (jobs/chores.py): once a day, across all workers, plan the reminders and nudges."""

    name = CHORE

    def __init__(self, settings: Settings, bus: MessageBus) -> None:
        super().__init__(bus)
        self.grace = settings.arrears_grace_bank_days

    async def run_day(self, units: UnitsOfWork, moment: dt.datetime) -> int:
        return await plan_all(units, moment, self.grace)
