"""The request for a variation of a case's active plan, from the ledger as it stands today.

The active plan's request with what each claim counts as paid before the variation starts taken off
(planning/variations.py `carry`), the debtor's income as it is now, the money already held for the plan as a
one-off income on the first day, and the agreed payments from then on as the reference the solver keeps close to.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.cases.models import Case, IncomeStream
from debt_coord.cases.service import plan_income
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, Refusal
from debt_coord.money_in import ledger
from debt_coord.money_in.deposits import DEPOSITS, deposited
from debt_coord.money_in.models import Account
from debt_coord.planning.models import PlanStatus, PlanVersion
from debt_coord.planning.variations import Carried, ClaimThen, carry
from solver.metrics import kept_back
from solver.models import IncomeStream as PlanIncome
from solver.models import Payment, PlanProposal, PlanRequest
from solver.variation import IN_HAND, vary


def month_starts(request: PlanRequest, today: dt.date) -> list[dt.date]:
    """The days a variation of this plan may start: the later starts of a month of its term, after today."""
    found = [request.start_date + relativedelta(months=m) for m in range(1, request.months)]
    return [day for day in found if day > today and day.day == request.start_date.day]


def variation_start(request: PlanRequest, wanted: dt.date | None, today: dt.date) -> dt.date:
    starts = month_starts(request, today)
    if not starts:
        raise ConflictError("The plan's term ends this month: there is no later month left to vary.",
                            code=Refusal.NOTHING_LEFT_TO_VARY)
    if wanted is None:
        return starts[0]
    if wanted not in starts:
        raise InvalidInputError(
            f"A variation starts on a start of a month of the plan's term after today ({starts[0].isoformat()} to "
            f"{starts[-1].isoformat()}), not on {wanted.isoformat()}.",
            [FieldError("/start_date", f"a start of a month of the term from {starts[0].isoformat()}")],
            code=Refusal.VARIATION_START_INVALID,
            facts={"start": wanted.isoformat(), "first": starts[0].isoformat(), "last": starts[-1].isoformat()})
    return wanted


async def active_plan(session: AsyncSession, case: Case) -> PlanVersion:
    found = (await session.execute(select(PlanVersion).where(
        PlanVersion.case_id == case.id, PlanVersion.status == PlanStatus.ACTIVE))).scalar_one_or_none()
    if found is None:
        raise ConflictError("The case has no running plan to vary.", code=Refusal.NO_ACTIVE_PLAN)
    return found


async def paid_per_claim(session: AsyncSession, case_id: uuid.UUID) -> dict[str, int]:
    """What each claim received, and (via the counsellor) what is on its way to it in a payout run."""
    paid: dict[str, int] = {}
    for account in (Account.RECEIVED, Account.IN_TRANSIT):
        for claim_id, cents in (await ledger.balances(session, case_id, account)).items():
            paid[str(claim_id)] = paid.get(str(claim_id), 0) + cents
    return paid


def direct_in_hand(version: PlanVersion, start: dt.date) -> int:
    """Paying directly: what the plan had the debtor put aside after its last payment date before `start`."""
    proposal = PlanProposal.model_validate(version.proposal)
    before = sorted((d for d in proposal.dates if d.date < start), key=lambda d: d.date)
    if not before:
        carried = version.carried
        return carried.in_hand_cents if carried is not None else 0
    flows = [(d.date, d.capacity_cents, d.used_cents) for d in sorted(proposal.dates, key=lambda d: d.date)]
    return kept_back(flows)[before[-1].date][0]


async def carried_deposits(session: AsyncSession, case_id: uuid.UUID, version: PlanVersion, today: dt.date,
                           start: dt.date) -> list[tuple[dt.date, int]]:
    """Via the counsellor: the agreed deposits before `start` as they will stand, as `carry` has the creditors'
    installments: those missed before today ask only what came in for them (the rest is the variation's deposits),
    those still to come stay as agreed, money deposited ahead joins the last."""
    scheduled = [Payment(date=day, claim_id=DEPOSITS, amount_cents=cents) for day, cents in version.deposits]
    came_in = sum(cents for _, cents in (await deposited(session, [case_id])).get(case_id, []))
    rows, _ = carry(scheduled, {DEPOSITS: came_in}, today, start)
    return [(p.date, p.amount_cents) for p in rows]


async def via_in_hand(session: AsyncSession, case_id: uuid.UUID, deposits: Sequence[tuple[dt.date, int]],
                      payouts: Sequence[Payment], today: dt.date) -> int:
    """Via the counsellor: what the reserve will hold on the start as agreed: the reserve today, plus the deposits
    still due before the start, less the payouts still due before it (never below nothing)."""
    reserve = await ledger.case_balance(session, case_id, Account.RESERVE)
    coming = sum(cents for day, cents in deposits if today <= day)
    going = sum(p.amount_cents for p in payouts if today <= p.date)
    return max(0, reserve + coming - going)


async def variation_request(
    session: AsyncSession, case: Case, income: Sequence[IncomeStream], start: dt.date | None, today: dt.date,
) -> tuple[PlanRequest, PlanVersion, Carried]:
    """The request for the rest of the case's active plan from `start` (None: the next start of a month), with
    the debtor's `income` as it is now; and the plan it varies, and what the variation carries over from it."""
    version = await active_plan(session, case)
    base, then = PlanRequest.model_validate(version.request), version.carried
    day = variation_start(base, start, today)
    schedule = version.schedule
    payments, counted = carry(schedule, await paid_per_claim(session, case.id), today, day)
    before = then.counted if then is not None else {}
    since = {claim: counted.get(claim, 0) - before.get(claim, 0) for claim in {*counted, *before}}
    via = base.policy.payout_day_of_month is not None
    deposits = await carried_deposits(session, case.id, version, today, day) if via else []
    in_hand = (await via_in_hand(session, case.id, deposits, payments, today) if via
               else direct_in_hand(version, day))
    try:
        varied = vary(base, schedule, start=day, received=since, in_hand_cents=in_hand)
    except ValueError:
        raise ConflictError("Every claim is paid in full: there is nothing left to vary.",
                            code=Refusal.NOTHING_LEFT_TO_VARY) from None
    streams: list[PlanIncome] = [plan_income(s) for s in income]
    streams += [i for i in varied.income if i.id == IN_HAND]
    request = varied.model_copy(update={"income": streams})
    whole = dict(then.claims) if then is not None else {}
    whole |= {c.id: ClaimThen(c.creditor, version.claim_owners[c.id], c.outstanding_cents + c.received_cents)
             for c in base.claims}
    carried = Carried(plan_id=str(version.id), number=version.number, start=day, counted=counted,
                      payments=tuple(payments), in_hand_cents=in_hand,
                      deposits=tuple(deposits), claims=whole)
    return request, version, carried
