"""The CP-SAT engine: valid, fair, deterministic plans; zero offers; named conflicts."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import solve, validate
from solver.cpsat import Budget
from solver.engine import solve_with_full_model
from solver.heuristic import claim_totals
from solver.models import PlanRequest, Rule
from solver.problem import make_problem


def make_request(**changes: Any) -> PlanRequest:
    data: dict[str, Any] = {
        "start_date": "2027-01-01",
        "months": 6,
        "income": [
            {"id": "salaris", "amount_cents": 215_000, "available_cents": 12_000, "day_of_month": 25},
            {"id": "vakantiegeld", "amount_cents": 120_000, "available_cents": 30_000, "dates": ["2027-05-22"]},
        ],
        "claims": [
            {"id": "c001", "creditor": "Zorgverzekeraar", "outstanding_cents": 123_456, "min_payment_cents": 2_500},
            {"id": "c002", "creditor": "Belastingdienst", "outstanding_cents": 80_000, "class": "preferent"},
            {"id": "c003", "creditor": "Telecom", "outstanding_cents": 15_000},
            {"id": "c004", "creditor": "CJIB", "outstanding_cents": 9_000},
        ],
        "policy": {"max_transfers_per_date": 3, "time_limit_seconds": 20},
    }
    for key, value in changes.items():
        if key == "claims_update":
            for index, update in value.items():
                data["claims"][index].update(update)
        elif key == "policy":
            data["policy"].update(value)
        else:
            data[key] = value
    return PlanRequest.model_validate(data)


def test_a_settlement_pays_all_capacity_fairly_and_validly() -> None:
    request = make_request()
    proposal = solve(request)
    assert proposal.status == "optimal"
    assert validate(request, proposal) == []
    assert proposal.metrics.total_paid_cents == proposal.metrics.reachable_cents == 102_000
    # Pro rata with the Belastingdienst at twice the percentage: 33.2% and 66.4%.
    paid = {c.claim_id: c.paid_cents for c in proposal.claims}
    assert paid == {"c001": 40_957, "c002": 53_081, "c003": 4_976, "c004": 2_986}
    assert sum(p.amount_cents for p in proposal.payments) == 102_000


def test_full_repayment_pays_every_claim_in_full() -> None:
    request = make_request(months=24)
    proposal = solve(request)
    assert validate(request, proposal) == []
    assert all(c.paid_cents == c.award_cents for c in proposal.claims)
    assert proposal.metrics.total_paid_cents == sum(c.outstanding_cents for c in request.claims)
    assert "Every claim is paid in full." in proposal.explanation


def test_the_same_request_gives_the_same_plan() -> None:
    request = make_request(policy={"rule": "talmud", "seed": 7})
    first, second = solve(request), solve(request)
    assert first.payments == second.payments
    assert first.provenance.request_hash == second.provenance.request_hash
    assert first.provenance.seed == 7


def test_provenance_records_what_produced_the_plan() -> None:
    proposal = solve(make_request())
    provenance = proposal.provenance
    assert provenance.ortools_version.count(".") == 2
    assert provenance.parameters["num_workers"] == "1"
    assert provenance.parameters["random_seed"] == "0"
    assert len(provenance.request_hash) == 64
    assert provenance.gap == 0.0
    assert provenance.objective is not None and provenance.bound == provenance.objective


def test_zero_capacity_is_a_zero_offer() -> None:
    request = make_request(
        income=[{"id": "bijstand", "amount_cents": 120_000, "available_cents": 0, "day_of_month": 1}]
    )
    proposal = solve(request)
    assert proposal.status == "optimal"
    assert proposal.payments == []
    assert proposal.explanation[0].startswith("Zero offer (nul-aanbod)")
    assert validate(request, proposal) == []


BIG_CLAIMS = [
    {"id": "c001", "creditor": "Woningcorporatie", "outstanding_cents": 500_000},
    {"id": "c002", "creditor": "Kredietverstrekker", "outstanding_cents": 300_000},
]


@pytest.mark.parametrize(
    ("changes", "items"),
    [
        (
            {"claims": [{**c, "min_payment_cents": 150_000} for c in BIG_CLAIMS]},
            {"claims[c001].min_payment_cents", "claims[c002].min_payment_cents"},
        ),
        ({"claims": BIG_CLAIMS, "policy": {"min_payment_cents": 150_000}}, {"policy.min_payment_cents"}),
        (
            {"claims_update": {1: {"latest_end_date": "2027-01-20"}}},
            {"claims[c002].latest_end_date", "policy.rule"},
        ),
    ],
    ids=["minimums-above-all-capacity", "policy-minimum-above-all-capacity", "due-before-first-income"],
)
def test_infeasible_requests_name_the_conflicting_items(
    changes: dict[str, Any], items: set[str]
) -> None:
    request = make_request(**changes)
    proposal = solve(request)
    assert proposal.status == "infeasible"
    assert proposal.payments == []
    assert {item for conflict in proposal.conflicts for item in conflict.items} == items
    assert all(conflict.remedy for conflict in proposal.conflicts)
    assert validate(request, proposal) == []


def test_installments_that_cannot_make_up_the_total_are_named() -> None:
    """The debtor can afford 17 x EUR 60.31 = EUR 1,025.27; the bank takes EUR 47.49 installments
    (21 make EUR 997.29, 22 make EUR 1,044.78) and the dentist is owed EUR 1. No plan pays it,
    and the answer names the installment, not the time limit, also with payment days that bring
    no money (the part-time job's, whose days CP-SAT would otherwise try in every combination)."""
    request = PlanRequest.model_validate(
        {
            "start_date": "2027-01-01",
            "months": 17,
            "income": [
                {"id": "uitkering", "amount_cents": 140_000, "available_cents": 6_031, "day_of_month": 1},
                {"id": "deeltijd", "amount_cents": 60_000, "available_cents": 0, "every_weeks": 4,
                 "first_date": "2027-01-08"},
            ],
            "claims": [
                {"id": "c001", "creditor": "Kredietbank", "outstanding_cents": 124_599,
                 "fixed_installment_cents": 4_749},
                {"id": "c002", "creditor": "Tandarts", "outstanding_cents": 100},
            ],
            "policy": {"max_transfers_per_date": 1, "min_payment_cents": 0, "time_limit_seconds": 10},
        }
    )
    proposal = solve(request)
    assert proposal.status == "infeasible"
    assert [conflict.items for conflict in proposal.conflicts] == [["claims[c001].fixed_installment_cents"]]
    assert "must pay the €1,025.27" in proposal.conflicts[0].message
    assert "fixed installments of €47.49" in proposal.conflicts[0].message
    assert validate(request, proposal) == []


def test_a_claim_due_before_the_first_income_is_explained_in_counsellor_words() -> None:
    proposal = solve(make_request(claims_update={1: {"latest_end_date": "2027-01-20"}}))
    conflict = proposal.conflicts[0]
    assert "Belastingdienst (c002) paid its share by 2027-01-20" in conflict.message
    assert "the first money arrives on 2027-01-26" in conflict.remedy


def test_claim_limits_are_honoured() -> None:
    request = make_request(
        months=12,
        claims_update={
            0: {"max_transfers": 3},
            2: {"earliest_date": "2027-04-01"},
            3: {"fixed_installment_cents": 1_000},
        },
    )
    proposal = solve(request)
    assert validate(request, proposal) == []
    by_claim = {c.claim_id: c for c in proposal.claims}
    assert by_claim["c001"].transfers <= 3
    assert by_claim["c003"].first_date is not None and by_claim["c003"].first_date >= dt.date(2027, 4, 1)
    assert {p.amount_cents for p in proposal.payments if p.claim_id == "c004"} == {1_000}


# -- properties over random small requests -----------------------------------------------


@st.composite
def small_requests(draw: st.DrawFn) -> PlanRequest:
    n_claims = draw(st.integers(min_value=1, max_value=5))
    claims = []
    for i in range(n_claims):
        claim: dict[str, Any] = {
            "id": f"c{i}",
            "creditor": f"Creditor {i}",
            "outstanding_cents": draw(st.integers(min_value=100, max_value=300_000)),
            "class": draw(st.sampled_from(["concurrent", "preferent"])),
        }
        if draw(st.booleans()):
            claim["min_payment_cents"] = draw(st.integers(min_value=100, max_value=10_000))
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            claim["max_transfers"] = draw(st.integers(min_value=1, max_value=4))
        if draw(st.integers(min_value=0, max_value=6)) == 0:
            claim["fixed_installment_cents"] = draw(st.integers(min_value=500, max_value=20_000))
        if draw(st.integers(min_value=0, max_value=6)) == 0:
            claim["earliest_date"] = f"2027-{draw(st.integers(min_value=1, max_value=8)):02d}-01"
        if draw(st.integers(min_value=0, max_value=6)) == 0:
            claim["latest_end_date"] = f"2027-{draw(st.integers(min_value=2, max_value=9)):02d}-15"
        claims.append(claim)
    income: list[dict[str, Any]] = [
        {
            "id": "salary",
            "amount_cents": 250_000,
            "available_cents": draw(st.integers(min_value=0, max_value=40_000)),
            "day_of_month": draw(st.integers(min_value=1, max_value=31)),
        }
    ]
    if draw(st.booleans()):
        income.append(
            {
                "id": "part-time",
                "amount_cents": 60_000,
                "available_cents": draw(st.integers(min_value=0, max_value=10_000)),
                "every_weeks": 4,
                "first_date": "2027-01-08",
            }
        )
    return PlanRequest.model_validate(
        {
            "start_date": "2027-01-01",
            "months": draw(st.integers(min_value=1, max_value=8)),
            "income": income,
            "claims": claims,
            "policy": {
                "rule": draw(st.sampled_from([r.value for r in Rule])),
                "min_payment_cents": draw(st.integers(min_value=0, max_value=5_000)),
                "max_transfers_per_date": draw(st.integers(min_value=1, max_value=6)),
                "time_limit_seconds": 5,
            },
        }
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=small_requests())
def test_every_proposal_passes_the_validator(request: PlanRequest) -> None:
    proposal = solve(request)
    assert validate(request, proposal) == []
    if proposal.status != "infeasible":
        assert proposal.metrics.total_paid_cents == proposal.metrics.reachable_cents
        assert sum(c.paid_cents for c in proposal.claims) == proposal.metrics.total_paid_cents
        assert sum(d.used_cents for d in proposal.dates) == proposal.metrics.total_paid_cents
    else:
        assert proposal.conflicts and all(c.items for c in proposal.conflicts)
        # Small requests are decided well within the time limit: a conflict, never "no time".
        assert all("policy.time_limit_seconds" not in c.items for c in proposal.conflicts)


def test_an_agreed_fixed_installment_below_the_minimum_is_allowed() -> None:
    # Found by hypothesis: the fixed installment takes the place of the minimum payment.
    request = make_request(
        policy={"min_payment_cents": 5_000}, claims_update={3: {"fixed_installment_cents": 1_000}}
    )
    proposal = solve(request)
    assert proposal.status != "infeasible"
    assert validate(request, proposal) == []
    assert {p.amount_cents for p in proposal.payments if p.claim_id == "c004"} <= {1_000}


def test_a_minimum_payment_far_above_the_award_still_gets_a_plan() -> None:
    # Found by a random search: rounding each claim's total on its own did not add up, so the
    # general model was used, and it capped a claim's timing gap at 100% of its award: a claim
    # whose minimum payment is nine times its award made every plan "infeasible", and the
    # request was answered with "no plan within the time limit". Now the totals are chosen
    # together (solver.heuristic.closest_totals) and the general model allows such gaps.
    request = minimums_above_awards()
    proposal = solve(request)
    assert proposal.status == "optimal" and proposal.provenance.status.startswith("patterns")
    assert validate(request, proposal) == []
    paid = {c.claim_id: c.paid_cents for c in proposal.claims}
    # EUR 300 in three months: only the EUR 200 payment to c1 and EUR 100 to c0 fit the minimums.
    assert paid == {"c0": 10_000, "c1": 20_000, "c2": 0, "c3": 0, "c4": 0}
    problem = make_problem(request)
    general = solve_with_full_model(problem, claim_totals(problem), Budget(10.0, time.perf_counter() + 20))
    assert general is not None
    assert [sum(row) for row in general.amounts] == [10_000, 20_000, 0, 0, 0]


def minimums_above_awards() -> PlanRequest:
    return make_request(
        months=3,
        income=[{"id": "salaris", "amount_cents": 200_000, "available_cents": 10_000, "day_of_month": 25}],
        claims=[
            {"id": "c0", "creditor": "Creditcard", "outstanding_cents": 300_000, "min_payment_cents": 10_000},
            {"id": "c1", "creditor": "Ziekenhuis", "outstanding_cents": 50_000, "min_payment_cents": 20_000},
            {"id": "c2", "creditor": "Tandarts", "outstanding_cents": 20_000},
            {"id": "c3", "creditor": "Verhuurder", "outstanding_cents": 300_000, "min_payment_cents": 40_000},
            {"id": "c4", "creditor": "Waterbedrijf", "outstanding_cents": 20_000},
        ],
        policy={"max_transfers_per_date": 6, "min_payment_cents": 1_000},
    )


def _objectives(request: PlanRequest, proposal: Any) -> tuple[int, int, int]:
    """Timing (sum of whole-percent deviations), transfers and lateness (sum of day numbers)
    of a proposal, computed the way the engine counts them."""
    from solver.patterns import row_pattern
    from solver.problem import make_problem

    problem = make_problem(request)
    day_of = {day.date: t for t, day in enumerate(problem.days)}
    rows = {claim.id: [0] * problem.n_days for claim in request.claims}
    for payment in proposal.payments:
        rows[payment.claim_id][day_of[payment.date]] += payment.amount_cents
    patterns = [row_pattern(problem, i, rows[claim.id]) for i, claim in enumerate(request.claims)]
    return (
        sum(p.deviation for p in patterns),
        sum(p.transfers for p in patterns),
        sum(sum(p.days) for p in patterns),
    )


@pytest.mark.parametrize("months", [6, 12, 24])
def test_the_folded_objective_is_exactly_the_lexicographic_order(
    months: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One solve of the folded objective reaches the same timing, transfers and lateness as
    solving the stages in turn (the engine's fallback for very large requests)."""
    from solver.pattern_model import PatternModel

    request = make_request(months=months)
    folded = solve(request)
    monkeypatch.setattr(PatternModel, "folded", lambda self: None)
    staged = solve(request)
    assert folded.status == staged.status
    assert folded.provenance.status.startswith("patterns: timing,transfers=OPTIMAL")
    assert staged.provenance.status.startswith("patterns: timing,transfers=OPTIMAL")
    # Timing and transfers proven in both; the earliest payment is a direct plan's polish after the money kept
    # back, proven only within its small share of work, so lateness is compared where both proved it.
    assert _objectives(request, folded)[:2] == _objectives(request, staged)[:2]
    assert folded.provenance.objective == staged.provenance.objective
    if all("kept back,earliest=OPTIMAL" in p.provenance.status for p in (folded, staged)):
        assert _objectives(request, folded) == _objectives(request, staged)
