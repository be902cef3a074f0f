"""The debtor's deposits via the counsellor: what came in against each, and the debtor's arrears (migration 0016).

Via the counsellor the debtor owes the organisation the plan's deposits (PlanVersion.deposits), not the creditors
their installments: those are the organisation's payouts, and a late payout run is not the debtor's arrears. What
was deposited (the ledger's DEPOSIT journals into the reserve, less the bank's reversals of them) pays the deposits
oldest first, as a claim's receipts pay its installments (installments.py), with the same grace: a deposit not fully
made `grace_bank_days` bank days after its date is overdue.

A variation carries the agreed deposits before its start over as they stood (planning/varying.py
`carried_deposits`): those missed ask only what came in for them, their rest is in the variation's own deposits, so
the same money is never in arrears twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from debt_coord.cases.models import Case
from debt_coord.money_in.installments import Installment, installments
from debt_coord.money_in.models import Account, Entry, Journal, JournalKind
from debt_coord.planning.models import PlanStatus, PlanVersion
from solver.models import Payment

DEPOSITS = "deposits"
"""The claim id the debtor's deposits go by when they are reckoned (and carried into a variation) as installments."""


def deposit_statuses(scheduled: Sequence[tuple[dt.date, int]], deposited: Sequence[tuple[dt.date, int]],
                     today: dt.date, *, grace_bank_days: int, country: str) -> list[Installment]:
    """Every scheduled deposit, in date order, with what it received and its status on `today`: the deposits are
    one claim's installments, and everything deposited (`deposited`: booking day and cents, a reversal negative)
    that claim's receipts. Their arrears are installments.arrears of these."""
    payments = [Payment(date=day, claim_id=DEPOSITS, amount_cents=cents) for day, cents in scheduled]
    return installments(payments, {DEPOSITS: sum(cents for _, cents in deposited)}, today,
                        grace_bank_days=grace_bank_days, country=country)


def plan_deposits(version: PlanVersion, came_in: Sequence[tuple[dt.date, int]], day: dt.date, grace: int,
                  country: str) -> list[Installment]:
    """The running plan's deposits (a variation's carried ones first) with what came in for each, on `day`."""
    return deposit_statuses(version.deposits, came_in, day, grace_bank_days=grace, country=country)


async def case_deposits(session: AsyncSession, case: Case, version: PlanVersion, day: dt.date, grace: int
                        ) -> list[Installment]:
    came_in = (await deposited(session, [case.id])).get(case.id, [])
    return plan_deposits(version, came_in, day, grace, case.country)


async def running_deposits(session: AsyncSession, cases: Sequence[Case], day: dt.date, grace: int
                           ) -> dict[uuid.UUID, list[Installment]]:
    """Per case with an active plan, its deposits on `day`: for a page of cases in two queries."""
    if not cases:
        return {}
    country = {case.id: case.country for case in cases}
    versions = (await session.execute(select(PlanVersion).where(
        PlanVersion.case_id.in_(country), PlanVersion.status == PlanStatus.ACTIVE))).scalars().all()
    came_in = await deposited(session, list(country))
    return {v.case_id: plan_deposits(v, came_in.get(v.case_id, []), day, grace, country[v.case_id])
            for v in versions}


async def deposited(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[tuple[dt.date, int]]]:
    """Per case, what the debtor deposited per booking day as the ledger has it: the deposits into the reserve, less
    the bank's reversals of them (a payout's return also moves the reserve, and is not the debtor's money)."""
    if not case_ids:
        return {}
    original = aliased(Journal)
    rows = await session.execute(
        select(Journal.case_id, Journal.booked_on, func.sum(Entry.amount_cents))
        .join(Entry, Entry.journal_id == Journal.id)
        .outerjoin(original, original.id == Journal.reverses_id)
        .where(Journal.case_id.in_(case_ids), Entry.account == Account.RESERVE,
               or_(Journal.kind == JournalKind.DEPOSIT, original.kind == JournalKind.DEPOSIT))
        .group_by(Journal.case_id, Journal.booked_on))
    found: dict[uuid.UUID, list[tuple[dt.date, int]]] = defaultdict(list)
    for case_id, day, cents in rows.all():
        found[case_id].append((day, int(cents)))
    return dict(found)
