"""The validator catches each broken invariant in hand-made proposals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from solver.metrics import build_proposal, provenance_for
from solver.models import FoundBy, Payment, PlanProposal, PlanRequest
from solver.validate import validate

JAN = dt.date(2027, 1, 26)  # 25 January + one day lag
FEB = dt.date(2027, 2, 26)


def request(**policy: Any) -> PlanRequest:
    return PlanRequest.model_validate(
        {
            "start_date": "2027-01-01",
            "months": 2,
            "income": [
                {"id": "salary", "amount_cents": 200_000, "available_cents": 10_000, "day_of_month": 25}
            ],
            "claims": [
                {"id": "a", "creditor": "A", "outstanding_cents": 30_000},
                {"id": "b", "creditor": "B", "outstanding_cents": 10_000, "min_payment_cents": 2_000},
                {"id": "small", "creditor": "S", "outstanding_cents": 500},
            ],
            "policy": {"min_payment_cents": 1_000, "max_transfers_per_date": 3, **policy},
        }
    )


def proposal(req: PlanRequest, payments: list[tuple[dt.date, str, int]]) -> PlanProposal:
    return build_proposal(
        req,
        [Payment(date=d, claim_id=c, amount_cents=a) for d, c, a in payments],
        status="feasible",
        provenance=provenance_for(req, status="test"),
        explanation=["hand-made"],
        found_by=FoundBy.SEARCH,
    )


# 20_000 over a, b, small on 30_000/10_000/500 pro rata: 14_815, 4_938, 247. The small
# claim's 247 is below its minimum (500, its whole claim), so it gets nothing and a takes it.
FAIR = [(JAN, "a", 7_408), (JAN, "b", 2_469), (FEB, "a", 7_654), (FEB, "b", 2_469)]


def test_a_fair_hand_made_plan_is_valid() -> None:
    req = request()
    assert validate(req, proposal(req, FAIR)) == []


def test_paying_before_the_money_arrives() -> None:
    req = request()
    problems = validate(req, proposal(req, [(JAN, "a", 15_000), (FEB, "b", 5_000)]))
    assert any("only 10000 cents have come in" in p for p in problems)


def test_a_payment_below_the_minimum() -> None:
    req = request()
    problems = validate(req, proposal(req, [(JAN, "b", 1_500), (FEB, "b", 3_000)]))
    assert any("claim b: payment of 1500" in p and "below the minimum 2000" in p for p in problems)


def test_a_small_last_payment_that_clears_the_claim_is_allowed() -> None:
    req = request()
    payments = [(JAN, "b", 8_500), (FEB, "b", 1_500), (FEB, "small", 500)]
    problems = validate(req, proposal(req, payments))
    assert not any("below the minimum" in p for p in problems)


def test_too_many_transfers_on_a_date_and_for_a_claim() -> None:
    data = request(max_transfers_per_date=1).model_dump(by_alias=True)
    data["claims"][0]["max_transfers"] = 1
    req = PlanRequest.model_validate(data)
    problems = validate(req, proposal(req, FAIR))
    assert "claim a: 2 transfers, more than its limit of 1" in problems
    assert any("2027-01-26: 2 transfers, more than the limit of 1" in p for p in problems)


def test_a_claim_paid_far_from_its_award() -> None:
    req = request()
    problems = validate(req, proposal(req, [(JAN, "b", 10_000), (FEB, "a", 10_000)]))
    assert any("claim b: paid 10000" in p and "from its award" in p for p in problems)


def test_a_claim_paid_beyond_its_outstanding() -> None:
    req = request()
    problems = validate(req, proposal(req, [(JAN, "small", 1_000)]))
    assert any("more than its outstanding 500" in p for p in problems)


def test_figures_that_do_not_match_the_payments() -> None:
    req = request()
    good = proposal(req, FAIR)
    first = good.claims[0].model_copy(update={"paid_cents": 1})
    tampered = good.model_copy(
        update={
            "claims": [first, *good.claims[1:]],
            "metrics": good.metrics.model_copy(update={"total_paid_cents": 5}),
        }
    )
    problems = validate(req, tampered)
    assert any("claim a: paid_cents is 1" in p for p in problems)
    assert any("metrics.total_paid_cents is 5" in p for p in problems)
    assert any("do not add up" in p for p in problems)


@pytest.mark.parametrize("field", ["earliest_date", "latest_end_date"])
def test_payments_outside_a_claims_window(field: str) -> None:
    data = request().model_dump(by_alias=True)
    data["claims"][0][field] = "2027-02-01"
    req = PlanRequest.model_validate(data)
    payments = [(JAN, "a", 5_000), (FEB, "a", 5_000)]
    problems = validate(req, proposal(req, payments))
    assert any(field.replace("_", " ") in p for p in problems)


def test_fixed_installments() -> None:
    data = request().model_dump(by_alias=True)
    data["claims"][0]["fixed_installment_cents"] = 5_000
    req = PlanRequest.model_validate(data)
    problems = validate(req, proposal(req, [(JAN, "a", 5_000), (FEB, "a", 6_000)]))
    assert any("is not the fixed 5000" in p for p in problems)


def test_an_infeasible_proposal_must_name_its_conflicts() -> None:
    req = request()
    bare = proposal(req, []).model_copy(update={"status": "infeasible"})
    assert "an infeasible proposal must name its conflicts" in validate(req, bare)


def test_unknown_claims_are_reported_first() -> None:
    req = request()
    problems = validate(req, proposal(req, [(JAN, "nobody", 1_000)]))
    assert problems == ["payment on 2027-01-26 is for unknown claim 'nobody'"]
