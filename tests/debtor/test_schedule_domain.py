"""The combined schedule's arithmetic: what a debtor could redo on paper must hold to the cent."""

from __future__ import annotations

import datetime as dt

import pytest

from debt_coord.debtor.schedule import CombinedSchedule, Payee, combined_schedule
from solver import solve
from solver.models import ClaimIn, IncomeStream, PlanProposal, PlanRequest, Policy

OWNERS = {"zz": "org-zz", "en": "org-en", "bd": "org-bd", "tel": "org-tel", "bnpl": "org-bnpl", "ws-a": "org-ws",
          "ws-b": "org-ws"}  # Woonstichting holds two claims: one creditor, two transfers
REQUEST = PlanRequest(
    start_date=dt.date(2027, 1, 1), months=18,
    income=[IncomeStream(id="uitkering", amount_cents=140_000, available_cents=16_000, day_of_month=23),
            IncomeStream(id="vakantiegeld", amount_cents=80_000, available_cents=30_000, dates=[dt.date(2027, 5, 21)])],
    claims=[
        ClaimIn(id="zz", creditor="Zilverzorg", outstanding_cents=180_000),
        ClaimIn(id="en", creditor="Energie Direct", outstanding_cents=109_000),
        ClaimIn(id="bd", creditor="Belastingdienst", outstanding_cents=240_000, claim_class="preferent"),
        ClaimIn(id="tel", creditor="Telecom Vier", outstanding_cents=31_000),
        ClaimIn(id="bnpl", creditor="Betaal Later", outstanding_cents=12_500),
        ClaimIn(id="ws-a", creditor="Woonstichting Zes", outstanding_cents=40_000),
        ClaimIn(id="ws-b", creditor="Woonstichting Zes", outstanding_cents=27_150),
    ],
    policy=Policy(time_limit_seconds=5),
)
Solved = tuple[PlanProposal, CombinedSchedule]
PAYEES = {c.id: Payee(f"NL91ABNA04171643{i:02d}", f"Kenmerk {c.id}") for i, c in enumerate(REQUEST.claims)}


@pytest.fixture(scope="module")
def solved() -> tuple[PlanProposal, CombinedSchedule]:
    proposal = solve(REQUEST)
    assert proposal.status in ("optimal", "feasible")
    return proposal, combined_schedule(REQUEST, proposal, OWNERS, PAYEES)


def test_every_date_total_is_the_sum_of_its_transfers_and_all_dates_add_up_to_the_plan(solved: Solved) -> None:
    proposal, schedule = solved
    assert [d.number for d in schedule.dates] == list(range(1, len(schedule.dates) + 1))
    assert [d.date for d in schedule.dates] == sorted({p.date for p in proposal.payments})
    for date in schedule.dates:
        assert date.total_cents == sum(t.amount_cents for t in date.transfers)
        assert date.total_cents == sum(p.amount_cents for p in proposal.payments if p.date == date.date)
    assert schedule.paid_cents == sum(d.total_cents for d in schedule.dates) == proposal.metrics.total_paid_cents
    assert schedule.owed_cents == sum(c.outstanding_cents for c in REQUEST.claims)
    assert schedule.left_cents == schedule.owed_cents - schedule.paid_cents


def test_the_total_left_after_each_date_goes_down_to_what_the_plan_leaves(solved: Solved) -> None:
    _, schedule = solved
    left = schedule.owed_cents
    for date in schedule.dates:
        left -= date.total_cents
        assert date.left_cents == left
    assert schedule.dates[-1].left_cents == schedule.left_cents
    assert all(a.left_cents > b.left_cents for a, b in zip(schedule.dates, schedule.dates[1:], strict=False))


def test_each_creditor_left_after_each_payment_ends_at_what_the_plan_leaves_it(solved: Solved) -> None:
    proposal, schedule = solved
    paid = {r.claim_id: r.paid_cents for r in proposal.claims}
    assert [c.creditor for c in schedule.creditors] == [
        "Zilverzorg", "Energie Direct", "Belastingdienst", "Telecom Vier", "Betaal Later", "Woonstichting Zes"]
    for balance in schedule.creditors:
        claims = [cid for cid, owner in OWNERS.items() if owner == balance.creditor_id]
        owed = sum(c.outstanding_cents for c in REQUEST.claims if c.id in claims)
        assert balance.owed_cents == owed
        assert balance.paid_cents == sum(paid[cid] for cid in claims)
        assert balance.left_cents == owed - balance.paid_cents >= 0
        running = owed
        for point in balance.after_each_payment:
            running -= point.paid_cents
            assert point.left_cents == running
        assert running == balance.left_cents
        # every transfer to this creditor says what is left of its whole debt after that date
        for date in schedule.dates:
            for transfer in (t for t in date.transfers if t.creditor_id == balance.creditor_id):
                [point] = [p for p in balance.after_each_payment if p.date == date.date]
                assert transfer.creditor_left_cents == point.left_cents


def test_transfers_carry_the_claims_own_account_and_reference_and_the_income_they_follow(solved: Solved) -> None:
    _, schedule = solved
    for date in schedule.dates:
        assert date.after_income, date
        for transfer in date.transfers:
            assert (transfer.iban, transfer.payment_reference) == (PAYEES[transfer.claim_id].iban,
                                                                   PAYEES[transfer.claim_id].payment_reference)
            assert transfer.creditor == next(c.creditor for c in REQUEST.claims if c.id == transfer.claim_id)
    assert any("vakantiegeld" in d.after_income for d in schedule.dates)


def test_the_next_date_is_the_first_on_or_after_today(solved: Solved) -> None:
    _, schedule = solved
    first, second = schedule.dates[0], schedule.dates[1]
    assert schedule.next_date(REQUEST.start_date) == first
    assert schedule.next_date(first.date) == first
    assert schedule.next_date(first.date + dt.timedelta(days=1)) == second
    assert schedule.next_date(schedule.dates[-1].date + dt.timedelta(days=1)) is None


def test_a_proposal_whose_numbers_do_not_add_up_is_refused(solved: Solved) -> None:
    proposal, _ = solved
    wrong_total = proposal.model_copy(update={"metrics": proposal.metrics.model_copy(
        update={"total_paid_cents": proposal.metrics.total_paid_cents + 1})})
    with pytest.raises(ValueError, match="add up"):
        combined_schedule(REQUEST, wrong_total, OWNERS, PAYEES)
    stranger = proposal.model_copy(update={"payments": [*proposal.payments,
                                                         proposal.payments[0].model_copy(update={"claim_id": "x"})]})
    with pytest.raises(ValueError, match="not in its request"):
        combined_schedule(REQUEST, stranger, OWNERS, PAYEES)


def test_a_claim_without_a_known_account_still_appears_without_one(solved: Solved) -> None:
    proposal, _ = solved
    schedule = combined_schedule(REQUEST, proposal, OWNERS, {})
    assert all(t.iban is None and t.payment_reference is None for d in schedule.dates for t in d.transfers)


def test_a_debtor_who_keeps_aside_what_the_page_says_can_pay_every_later_date(solved: Solved) -> None:
    """After each date the debtor keeps only what the schedule says to put aside and spends the rest: every
    later payment is still covered, and what is put aside is never more than what they have in hand."""
    proposal, schedule = solved
    keep = {d.date: (d.keep_cents, d.keep_for) for d in schedule.dates}
    assert any(cents > 0 for cents, _ in keep.values()), "this plan keeps the holiday pay back for later dates"
    in_hand = kept = 0
    for day in sorted(proposal.dates, key=lambda d: d.date):
        in_hand += day.capacity_cents - day.used_cents
        assert kept + day.capacity_cents >= day.used_cents, f"{day.date}: what was put aside does not cover it"
        kept = kept + day.capacity_cents - day.used_cents
        kept = min(kept, day.kept_back_cents)  # spends all but what must wait
        assert kept == day.kept_back_cents <= in_hand
        if day.date in keep:
            assert keep[day.date][0] == day.kept_back_cents
            later = keep[day.date][1]
            assert (later is None) == (day.kept_back_cents == 0)
            assert later is None or (later > day.date and any(
                d.date == later and d.used_cents > d.capacity_cents for d in proposal.dates))
