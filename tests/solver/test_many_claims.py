"""Hundreds of claims under the default policy (issue 14): a valid plan where the transfers allow one, and where
they do not, the limits named with remedies that work. Speed is measured in bench/solve_bench.py, not here."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bench.cases import make_case
from solver import solve, validate
from solver.models import Conflict, PlanRequest


def with_policy(request: PlanRequest, **changes: object) -> PlanRequest:
    return request.model_validate(
        {**request.model_dump(by_alias=True), "policy": {**request.policy.model_dump(), **changes}}
    )


def only_conflict(request: PlanRequest) -> Conflict:
    proposal = solve(request)
    assert proposal.status == "infeasible" and proposal.payments == []
    assert validate(request, proposal) == []
    (conflict,) = proposal.conflicts
    assert proposal.explanation == [conflict.message, conflict.remedy]
    return conflict


def remedy_facts(conflict: Conflict, key: str) -> dict[str, object]:
    assert conflict.remedy_note is not None
    return next(dict(part.facts) for part in conflict.remedy_note.parts if part.key == key)


def test_three_hundred_claims_that_the_transfers_can_hold_get_a_valid_plan() -> None:
    request = make_case(300, 36, seed=0)  # answered "no plan in time, no conflicting limits" before
    proposal = solve(request)
    assert proposal.status in ("optimal", "feasible")
    assert validate(request, proposal) == []
    assert proposal.metrics.total_paid_cents == proposal.metrics.reachable_cents > 0
    transfers_a_day = Counter(payment.date for payment in proposal.payments)
    assert max(transfers_a_day.values()) <= 6


def test_more_claims_than_transfers_are_named_with_the_limit_and_the_term_and_both_remedies_work() -> None:
    request = make_case(300, 18, seed=0)
    conflict = only_conflict(request)
    assert conflict.note is not None and conflict.note.key == "too_few_transfers"
    facts = conflict.note.facts
    assert facts["transfers"] == 6 * int(facts["days"]) < int(facts["claims"])
    assert conflict.items == ["policy.max_transfers_per_date", "months"]
    assert f"allow only {facts['transfers']} transfers" in conflict.message
    limit = remedy_facts(conflict, "remedy_transfers_per_day_at_least")["limit"]
    months = remedy_facts(conflict, "remedy_longer_term")["months"]
    assert f"Allow at least {limit} transfers per payment day." in conflict.remedy
    for eased in (with_policy(request, max_transfers_per_date=limit), request.model_copy(update={"months": months})):
        proposal = solve(eased)
        assert proposal.status in ("optimal", "feasible")
        assert validate(eased, proposal) == []


def test_claims_that_transfers_can_reach_but_not_carry_the_money_are_named() -> None:
    request = make_case(150, 12, seed=6)  # 78 transfers, 78 claims that must be paid, but the money needs more
    conflict = only_conflict(request)
    assert conflict.note is not None and conflict.note.key == "too_little_carried"
    assert int(conflict.note.facts["carried_cents"]) < int(conflict.note.facts["required_cents"])
    limit = remedy_facts(conflict, "remedy_transfers_per_day_at_least")["limit"]
    eased = with_policy(request, max_transfers_per_date=limit)
    proposal = solve(eased)
    assert proposal.status in ("optimal", "feasible")
    assert validate(eased, proposal) == []


def cjib_fines(count: int) -> PlanRequest:
    """Traffic fines at one collector, each to be paid by the end of February, and an energy bill without a date."""
    return PlanRequest.model_validate(
        {
            "start_date": "2027-01-01",
            "months": 6,
            "income": [{"id": "salaris", "amount_cents": 210_000, "available_cents": 30_000, "day_of_month": 25}],
            "claims": [
                {"id": f"f{n:02d}", "creditor": "CJIB", "outstanding_cents": 10_000, "latest_end_date": "2027-02-28"}
                for n in range(count)
            ]
            + [{"id": "energy", "creditor": "Energieleverancier", "outstanding_cents": 300_000}],
        }
    )


def test_claims_due_within_a_few_payment_days_are_named_with_their_dates_and_the_remedies() -> None:
    request = cjib_fines(20)  # due within two payment days with at most 6 transfers each
    conflict = only_conflict(request)
    assert conflict.note is not None and conflict.note.key == "too_few_transfers_between"
    assert conflict.note.facts == {
        "days": 2,
        "limit": 6,
        "transfers": 12,
        "claims": 20,
        "first_date": "2027-01-26",
        "last_date": "2027-02-26",
    }
    assert conflict.items == ["policy.max_transfers_per_date"] + [
        f"claims[f{n:02d}].latest_end_date" for n in range(20)
    ]
    assert "Allow at least 10 transfers per payment day." in conflict.remedy
    assert "start their payments before 2027-01-26 or end them after 2027-02-26" in conflict.remedy
    assert "that leaves 1 instead of 20 claims" in conflict.remedy


def test_as_many_claims_due_as_the_days_have_transfers_get_one_payment_each_in_time() -> None:
    request = cjib_fines(12)
    proposal = solve(request)
    assert validate(request, proposal) == []
    fines = [p for p in proposal.payments if p.claim_id != "energy"]
    assert sorted(p.claim_id for p in fines) == [f"f{n:02d}" for n in range(12)]
    assert max(p.date for p in fines) <= dt.date(2027, 2, 28)
