"""Arrears as events: a daily chore flags each overdue installment once, and completes plans that are settled.

The chore runs in a loop of its own (jobs/chores.py; the API process without Redis, every worker with it).
Each day one of them claims the day (a `chore_days` row, unique per chore and day) and goes through
the active cases, each in its own unit of work with its case row taken SKIP LOCKED. An overdue
installment gets an `arrears_flags` row, unique per (case, claim, date), and a `plan.arrears` event
(webhook to the claim's creditor and the counsellor's organisation) in the same commit: two workers
cannot both flag it, and a restart does not flag it again.

Via the counsellor the debtor's arrears are its deposits (deposits.py), not the creditors' installments (the
organisation's payouts): an overdue deposit gets a `deposit_arrears_flags` row, unique per (case, date), and a
`plan.arrears` event to the counsellor's organisation only (the debtor owes the deposit to it), with the deposit's
date, amount, what came in and what is missing, and `claim_id` null.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.cases.models import Case, PaymentRoute
from debt_coord.cases.states import CaseState
from debt_coord.jobs.chores import DailyChore, each_case
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.kernel.events import EventKind, MessageBus, event
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import UnitOfWork, UnitsOfWork
from debt_coord.money_in import ledger
from debt_coord.money_in.completion import active_version, complete_if_settled
from debt_coord.money_in.deposits import case_deposits
from debt_coord.money_in.installments import Arrears, Installment, InstallmentStatus, installments
from debt_coord.money_in.models import Account, ArrearsFlag, DepositArrearsFlag
from debt_coord.planning.models import PlanVersion

log = logging.getLogger(__name__)
CHORE = "arrears"
SYSTEM = "debt-coord (daily arrears chore)"


def failure_suggestion(found: Arrears, after_dates: int) -> str | None:
    """Why the counsellor might end the plan as failed (DEBT_COORD_ARREARS_SUGGEST_FAILURE_DATES), or None."""
    if found.dates_behind < after_dates:
        return None
    return (f"{found.dates_behind} payment dates are in arrears (the policy suggests ending the plan from "
            f"{after_dates}): talk with the debtor, re-plan, or close the case as failed with a reason.")


def arrears_message(case: Case, version: PlanVersion, flag: ArrearsFlag, installment: Installment
                    ) -> dict[str, object]:
    return {"case_id": str(case.id), "case_reference": case.reference, "plan_id": str(version.id),
            "claim_id": str(flag.claim_id), "installment_date": flag.due_on.isoformat(),
            "amount_cents": installment.amount_cents, "received_cents": installment.received_cents,
            "missing_cents": installment.missing_cents, "flagged_on": flag.flagged_on.isoformat()}


async def overdue(session: AsyncSession, case: Case, version: PlanVersion, day: dt.date, grace: int
                  ) -> list[Installment]:
    """The active plan's installments overdue on `day` that were not flagged before."""
    received = await ledger.balances(session, case.id, Account.RECEIVED)
    payments = version.schedule
    found = installments(payments, {str(claim): cents for claim, cents in received.items()}, day,
                         grace_bank_days=grace, country=case.country)
    flagged = {(str(claim), due) for claim, due in (await session.execute(
        select(ArrearsFlag.claim_id, ArrearsFlag.due_on).where(ArrearsFlag.case_id == case.id))).all()}
    return [i for i in found if i.status is InstallmentStatus.OVERDUE and (i.claim_id, i.date) not in flagged]


async def overdue_deposits(session: AsyncSession, case: Case, version: PlanVersion, day: dt.date, grace: int
                           ) -> list[Installment]:
    """Via the counsellor: the plan's deposits overdue on `day` that were not flagged before."""
    found = await case_deposits(session, case, version, day, grace)
    flagged = set((await session.execute(
        select(DepositArrearsFlag.due_on).where(DepositArrearsFlag.case_id == case.id))).scalars())
    return [d for d in found if d.status is InstallmentStatus.OVERDUE and d.date not in flagged]


def deposit_message(case: Case, version: PlanVersion, flag: DepositArrearsFlag, late: Installment
                    ) -> dict[str, object]:
    return {"case_id": str(case.id), "case_reference": case.reference, "plan_id": str(version.id),
            "payment_route": PaymentRoute.VIA_COUNSELLOR.value, "claim_id": None,
            "deposit_date": flag.due_on.isoformat(), "amount_cents": late.amount_cents,
            "received_cents": late.received_cents, "missing_cents": late.missing_cents,
            "flagged_on": flag.flagged_on.isoformat()}


async def _flag_installments(uow: UnitOfWork, case: Case, version: PlanVersion, day: dt.date, grace: int,
                             system: Actor) -> int:
    session = uow.session
    late = await overdue(session, case, version, day, grace)
    for installment in late:
        claim_id = uuid.UUID(installment.claim_id)
        flag = ArrearsFlag(case_id=case.id, claim_id=claim_id, plan_version_id=version.id, due_on=installment.date,
                           amount_cents=installment.amount_cents, missing_cents=installment.missing_cents,
                           flagged_on=day)
        session.add(flag)
        await session.flush()
        message = arrears_message(case, version, flag, installment)
        uow.record(event(EventKind.PLAN_ARREARS, system, flag, case_id=case.id, after=message,
                         told=[uuid.UUID(version.claim_owners[installment.claim_id]), case.organisation_id],
                         message=message))
    return len(late)


async def _flag_deposits(uow: UnitOfWork, case: Case, version: PlanVersion, day: dt.date, grace: int,
                         system: Actor) -> int:
    session = uow.session
    late = await overdue_deposits(session, case, version, day, grace)
    for deposit in late:
        flag = DepositArrearsFlag(case_id=case.id, plan_version_id=version.id, due_on=deposit.date,
                                  amount_cents=deposit.amount_cents, missing_cents=deposit.missing_cents,
                                  flagged_on=day)
        session.add(flag)
        await session.flush()
        message = deposit_message(case, version, flag, deposit)
        uow.record(event(EventKind.PLAN_ARREARS, system, flag, case_id=case.id, after=message,
                         told=[case.organisation_id], message=message))
    return len(late)


async def flag_case(uow: UnitOfWork, case_id: uuid.UUID, day: dt.date, grace: int) -> int:
    """Flag the case's newly overdue installments (via the counsellor: deposits) and complete it if settled, and
    commit; what it did (0: nothing).

    The case row is taken with SKIP LOCKED: a case another loop holds is that loop's; one a discharge holds at
    that moment is looked at again the next day.
    """
    session = uow.session
    lock = select(Case).where(Case.id == case_id).with_for_update(skip_locked=True)
    case = (await session.execute(lock.execution_options(populate_existing=True))).scalar_one_or_none()
    version = await active_version(session, case_id) if case is not None else None
    if case is None or version is None or case.state is not CaseState.ACTIVE:
        return 0
    system = Actor(case.organisation_id, Role.COUNSELLOR, SYSTEM)
    flag = _flag_deposits if case.payment_route is PaymentRoute.VIA_COUNSELLOR else _flag_installments
    late = await flag(uow, case, version, day, grace, system)
    completed = await complete_if_settled(uow, case, version, system, day)
    if late or completed:
        await uow.commit()
    return late + completed


async def flag_all(units: UnitsOfWork, day: dt.date, grace: int) -> int:
    """Every active case, each in a unit of its own; what was done (installments flagged, cases completed)."""
    async with units() as uow:
        cases: Sequence[uuid.UUID] = (await uow.session.execute(
            select(Case.id).where(Case.state == CaseState.ACTIVE).order_by(Case.id))).scalars().all()
    # A unique key refuses a second flag of the same installment (or deposit): another worker flagged it first and
    # told them.
    return await each_case(CHORE, units, cases, lambda uow, case_id: flag_case(uow, case_id, day, grace))


class ArrearsChore(DailyChore):
    """A periodic chore (jobs/chores.py): once a day, across all workers, flag arrears and complete plans."""

    name = CHORE

    def __init__(self, settings: Settings, bus: MessageBus) -> None:
        super().__init__(bus)
        self.grace = settings.arrears_grace_bank_days

    async def run_day(self, units: UnitsOfWork, moment: dt.datetime) -> int:
        return await flag_all(units, moment.astimezone(AMSTERDAM).date(), self.grace)
