"""Via the counsellor: the debtor's deposits into the organisation's account, from the plan request and proposal.

What must hold for any plan: one deposit per day money comes in, never more than came in that day, together exactly
what the plan pays, and before each payout day enough deposited to cover everything paid out up to it.
"""

from __future__ import annotations

import datetime as dt
from itertools import accumulate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debt_coord.debtor.schedule import Payee, combined_schedule, deposits
from solver import solve
from solver.calendar import income_events, is_bank_day
from solver.models import ClaimIn, IncomeStream, PlanProposal, PlanRequest, Policy
from tests.debtor.test_schedule_domain import OWNERS, PAYEES, REQUEST


def via(request: PlanRequest, day_of_month: int = 1) -> PlanRequest:
    return request.model_copy(update={"policy": request.policy.model_copy(
        update={"payout_day_of_month": day_of_month})})


VIA_REQUEST = via(REQUEST)


@pytest.fixture(scope="module")
def solved() -> PlanProposal:
    proposal = solve(VIA_REQUEST)
    assert proposal.status in ("optimal", "feasible")
    return proposal


def came_in(request: PlanRequest) -> dict[dt.date, int]:
    """Per day the money is there (the income's date plus the lag, the next bank day if it is none)."""
    lag = request.policy.payment_lag_days
    days: dict[dt.date, int] = {}
    for event in income_events(request):
        day = event.date + dt.timedelta(days=lag)
        while not is_bank_day(day, request.policy.holidays):
            day += dt.timedelta(days=1)
        days[day] = days.get(day, 0) + event.available_cents
    return days


def covered(request: PlanRequest, proposal: PlanProposal) -> None:
    """The deposits' rules, checked against the plan a debtor's organisation pays out."""
    found = deposits(request, proposal)
    money = came_in(request)
    assert [d.number for d in found] == list(range(1, len(found) + 1))
    assert [d.date for d in found] == sorted({d.date for d in found})
    assert all(d.date in money and 0 < d.amount_cents <= money[d.date] for d in found)
    assert sum(d.amount_cents for d in found) == proposal.metrics.total_paid_cents
    # Full deposits until the plan's total is reached: only the last one may be cut down.
    assert all(d.amount_cents == money[d.date] for d in found[:-1])
    for day in sorted({p.date for p in proposal.payments}):
        paid_out = sum(p.amount_cents for p in proposal.payments if p.date <= day)
        deposited = sum(d.amount_cents for d in found if d.date < day)
        assert deposited >= paid_out, f"on {day}: {paid_out} paid out, only {deposited} deposited before"


def test_one_deposit_per_payday_adding_up_to_the_plan_and_covering_every_payout(solved: PlanProposal) -> None:
    covered(VIA_REQUEST, solved)
    found = deposits(VIA_REQUEST, solved)
    # The benefit comes in on the 23rd: in January 2027 the 24th is a Sunday, so the deposit is on Monday the 25th.
    assert found[0].date == dt.date(2027, 1, 25) and found[0].after_income == ("uitkering",)
    # Holiday pay on Friday 21 May and the benefit on Sunday 23 May are both there on Monday: one deposit.
    may = next(d for d in found if d.date == dt.date(2027, 5, 24))
    assert set(may.after_income) == {"vakantiegeld", "uitkering"} and may.amount_cents == 16_000 + 30_000
    # The organisation pays out only on its payout days, after the money came in.
    assert all(p.date.day <= 7 for p in solved.payments)


def test_the_schedule_via_the_counsellor_has_the_deposits_and_keeps_nothing_aside(solved: PlanProposal) -> None:
    schedule = combined_schedule(VIA_REQUEST, solved, OWNERS, PAYEES)
    assert schedule.via_counsellor and schedule.deposits == deposits(VIA_REQUEST, solved)
    assert sum(d.amount_cents for d in schedule.deposits) == schedule.paid_cents
    assert all(d.keep_cents == 0 and d.keep_for is None for d in schedule.dates)
    first = schedule.deposits[0]
    assert schedule.next_deposit(first.date) == first
    assert schedule.next_deposit(first.date + dt.timedelta(days=1)) == schedule.deposits[1]
    assert schedule.next_deposit(schedule.deposits[-1].date + dt.timedelta(days=1)) is None
    direct = combined_schedule(REQUEST, solve(REQUEST), OWNERS, PAYEES)
    assert not direct.via_counsellor and direct.deposits == ()


def test_a_plan_that_pays_less_than_comes_in_has_its_last_deposits_cut_down_or_left_out() -> None:
    request = PlanRequest(
        start_date=dt.date(2027, 1, 1), months=12,
        income=[IncomeStream(id="salaris", amount_cents=200_000, available_cents=25_000, day_of_month=24)],
        claims=[ClaimIn(id="a", creditor="Klein Incasso", outstanding_cents=60_000)],
        policy=Policy(time_limit_seconds=5, payout_day_of_month=1),
    )
    proposal = solve(request)
    assert proposal.metrics.total_paid_cents == 60_000  # the claim in full, well within a year's capacity
    covered(request, proposal)
    found = deposits(request, proposal)
    assert [d.amount_cents for d in found] == [25_000, 25_000, 10_000]
    assert len(combined_schedule(request, proposal, {}, {"a": Payee(None, None)}).deposits) == 3


@settings(max_examples=15, deadline=None)
@given(
    available=st.lists(st.integers(min_value=0, max_value=40_000), min_size=1, max_size=3),
    owed=st.lists(st.integers(min_value=2_000, max_value=300_000), min_size=1, max_size=4),
    payout_day=st.integers(min_value=1, max_value=28),
    income_day=st.integers(min_value=1, max_value=31),
)
def test_any_plan_via_the_counsellor_is_covered_by_its_deposits(
    available: list[int], owed: list[int], payout_day: int, income_day: int,
) -> None:
    request = PlanRequest(
        start_date=dt.date(2027, 1, 1), months=6,
        income=[IncomeStream(id=f"inkomen-{i}", amount_cents=max(cents, 1), available_cents=cents,
                             day_of_month=(income_day + 9 * i - 1) % 28 + 1) for i, cents in enumerate(available)],
        claims=[ClaimIn(id=f"c{i}", creditor=f"Schuldeiser {i}", outstanding_cents=cents)
                for i, cents in enumerate(owed)],
        policy=Policy(time_limit_seconds=2, payout_day_of_month=payout_day),
    )
    proposal = solve(request)
    covered(request, proposal)
    cumulative = list(accumulate(d.amount_cents for d in deposits(request, proposal)))
    assert cumulative == sorted(cumulative)
