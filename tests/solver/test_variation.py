"""A variation keeps the rest of an agreed plan as it was, as far as the new income and the rule allow."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from solver import solve
from solver.cpsat import Budget
from solver.engine import solve_with_full_model
from solver.heuristic import claim_totals
from solver.models import Payment, PlanProposal, PlanRequest
from solver.problem import make_problem
from solver.validate import validate
from solver.variation import moved_cents, vary

GOLDEN = Path(__file__).parents[1] / "golden"


def base_request(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / "settlement_proportional.request.json").read_text())
    data["policy"]["time_limit_seconds"] = 10
    return {**data, **changes}


def varied(data: dict[str, Any], agreed: PlanProposal, after: int, available: int | None = None,
           reference: bool = True) -> PlanRequest:
    """The rest of `agreed` from the month of its `after`-th payment date, everything before paid as agreed and
    the money kept back for later in hand; the first income stream then leaves `available` a month (None:
    unchanged); without `reference`, the same request as a fresh plan."""
    start = sorted({p.date for p in agreed.payments})[after].replace(day=1)
    received: dict[str, int] = {}
    for payment in agreed.payments:
        if payment.date < start:
            received[payment.claim_id] = received.get(payment.claim_id, 0) + payment.amount_cents
    in_hand = sum(d.capacity_cents - d.used_cents for d in agreed.dates if d.date < start)
    rest = vary(PlanRequest.model_validate(data), agreed.payments, start=start, received=received,
                in_hand_cents=in_hand).model_dump(mode="json", by_alias=True)
    if available is not None:
        rest["income"][0]["available_cents"] = available
    if not reference:
        rest["reference_payments"] = []
    return PlanRequest.model_validate(rest)


def test_nothing_changed_nothing_moves() -> None:
    data = base_request()
    agreed = solve(PlanRequest.model_validate(data))
    same = varied(data, agreed, after=2)
    proposal = solve(same)
    assert validate(same, proposal) == []
    assert proposal.metrics.moved_cents == 0
    assert proposal.payments == [p for p in agreed.payments if p.date >= same.reference_payments[0].date]


def test_an_income_cut_moves_far_less_than_a_fresh_plan_and_never_less_than_the_cut() -> None:
    data = base_request()
    agreed = solve(PlanRequest.model_validate(data))
    variation = varied(data, agreed, after=2, available=9_000)
    fresh = varied(data, agreed, after=2, available=9_000, reference=False)
    kept, anew = solve(variation), solve(fresh)
    assert validate(variation, kept) == [] and validate(fresh, anew) == []
    assert kept.metrics.total_paid_cents == anew.metrics.total_paid_cents
    # Each claim's total is the rule's award on the whole plan either way; only the dates differ.
    assert {c.claim_id: c.paid_cents for c in kept.claims} == {c.claim_id: c.paid_cents for c in anew.claims}
    cut = sum(p.amount_cents for p in variation.reference_payments) - kept.metrics.total_paid_cents
    assert kept.metrics.moved_cents is not None
    assert cut <= kept.metrics.moved_cents < moved_cents(variation.reference_payments, anew.payments)


def test_the_general_model_also_keeps_close_to_the_agreed_plan() -> None:
    data = base_request()
    agreed = solve(PlanRequest.model_validate(data))
    problem = make_problem(varied(data, agreed, after=2, available=9_000))
    outcome = solve_with_full_model(problem, claim_totals(problem), Budget(0.5, 10**9))
    assert outcome is not None and outcome.stages[0].name == "moved"
    rows = outcome.amounts
    payments = [Payment(date=problem.days[t].date, claim_id=claim.id, amount_cents=rows[i][t])
                for i, claim in enumerate(problem.request.claims) for t in range(problem.n_days) if rows[i][t]]
    fresh = solve(varied(data, agreed, after=2, available=9_000, reference=False))
    assert moved_cents(problem.request.reference_payments, payments) <= moved_cents(
        problem.request.reference_payments, fresh.payments)


def test_reference_payments_must_name_the_requests_claims() -> None:
    data = base_request(reference_payments=[{"date": "2027-03-30", "claim_id": "nobody", "amount_cents": 100}])
    with pytest.raises(ValidationError, match="nobody"):
        PlanRequest.model_validate(data)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(after=st.integers(min_value=1, max_value=3), available=st.integers(min_value=3_000, max_value=20_000))
def test_any_variation_is_valid_and_moves_no_more_than_a_fresh_plan(after: int, available: int) -> None:
    data = base_request()
    agreed = solve(PlanRequest.model_validate(data))
    variation = varied(data, agreed, after=after, available=available)
    kept = solve(variation)
    assert validate(variation, kept) == []
    fresh = solve(varied(data, agreed, after=after, available=available, reference=False))
    assert kept.metrics.moved_cents is not None
    assert kept.metrics.moved_cents <= moved_cents(variation.reference_payments, fresh.payments)


def test_a_variation_starts_on_a_later_start_of_a_month_of_the_term() -> None:
    request = PlanRequest.model_validate(base_request())
    agreed = solve(request)
    for wrong in ("2027-03-15", "2027-01-01", "2027-07-01"):
        with pytest.raises(ValueError, match="later start of a month"):
            vary(request, agreed.payments, start=dt.date.fromisoformat(wrong), received={})
    rest = vary(request, agreed.payments, start=dt.date(2027, 3, 1), received={"c004": 9_000})
    assert rest.months == 4 and rest.end_date == request.end_date
    assert [c.id for c in rest.claims] == ["c001", "c002", "c003"]  # c004 was paid in full
    assert all(p.date >= dt.date(2027, 3, 1) and p.claim_id != "c004" for p in rest.reference_payments)
