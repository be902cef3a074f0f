"""Fair timing as the proposal measures it, per claim and over the large awards, and where a plan came from."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.cases import make_case
from solver import solve, validate
from solver.calendar import payment_days
from solver.metrics import build_proposal, provenance_for
from solver.models import FoundBy, Metrics, Payment, PlanProposal, PlanRequest, SolveStatus
from solver.patterns import PERCENT, row_pattern
from solver.problem import make_problem

JAN, FEB, MAR = dt.date(2027, 1, 26), dt.date(2027, 2, 26), dt.date(2027, 3, 30)  # 25 March is Easter week: the 30th


def three_months(**policy: Any) -> PlanRequest:
    return PlanRequest.model_validate({
        "start_date": "2027-01-01",
        "months": 3,
        "income": [{"id": "salary", "amount_cents": 200_000, "available_cents": 30_000, "day_of_month": 25}],
        "claims": [
            {"id": "big", "creditor": "Energie", "outstanding_cents": 60_000},
            {"id": "other", "creditor": "Zorg", "outstanding_cents": 20_000},
            {"id": "small", "creditor": "Telecom", "outstanding_cents": 10_000, "min_payment_cents": 5_000},
        ],
        "policy": {"min_payment_cents": 1_000, "max_transfers_per_date": 3, **policy},
    })


def made(request: PlanRequest, payments: list[tuple[dt.date, str, int]],
         found_by: FoundBy | None = FoundBy.SEARCH) -> PlanProposal:
    return build_proposal(
        request, [Payment(date=d, claim_id=c, amount_cents=a) for d, c, a in payments],
        status=SolveStatus.FEASIBLE, provenance=provenance_for(request, status="test"), explanation=["hand-made"],
        found_by=found_by)


# 90_000 in three months of 30_000: big 60_000 level, other 20_000 up front, small 10_000 at the end.
UNEVEN = [(JAN, "big", 20_000), (JAN, "other", 10_000), (FEB, "big", 20_000), (FEB, "other", 10_000),
          (MAR, "big", 20_000), (MAR, "small", 10_000)]


def test_each_claim_says_how_far_it_runs_from_the_plans_pace() -> None:
    request = three_months()
    proposal = made(request, UNEVEN)
    # The plan has paid 1/3, 2/3, 1 of its total; other has 1/2, 1, 1; small has 0, 0, 1.
    timing = {c.claim_id: c.timing_deviation for c in proposal.claims}
    assert timing == {"big": 0.0, "other": pytest.approx(1 / 3, abs=1e-6), "small": pytest.approx(2 / 3, abs=1e-6)}
    assert proposal.metrics.max_timing_deviation == pytest.approx(2 / 3, abs=1e-6)
    assert validate(request, proposal) == []


def test_the_large_award_measure_leaves_out_claims_of_fewer_than_ten_minimum_payments() -> None:
    request = three_months()
    proposal = made(request, UNEVEN)
    awards = {c.claim_id: c.award_cents for c in proposal.claims}
    # small's award (10_000) is two of its minimums (5_000); other's (20_000) is twenty of the policy's 1_000.
    assert awards == {"big": 60_000, "other": 20_000, "small": 10_000}
    assert proposal.metrics.max_timing_deviation_large_awards == pytest.approx(1 / 3, abs=1e-6)


def test_a_plan_that_pays_every_claim_together_late_has_no_timing_deviation() -> None:
    # The counterexample of solver.metrics.timing_deviations: the plan's own pace, not the money's arrival.
    request = three_months()
    proposal = made(request, [(MAR, "big", 60_000), (MAR, "other", 20_000), (MAR, "small", 10_000)])
    assert proposal.metrics.max_timing_deviation == 0.0
    problem = make_problem(request)
    arrival_gaps = [row_pattern(problem, i, row).deviation for i, row in enumerate(_rows(request, proposal))]
    assert arrival_gaps == [67, 67, 67]  # a third of the money came in by January, two thirds by February


def test_the_validator_recomputes_the_timing_figures() -> None:
    request = three_months()
    proposal = made(request, UNEVEN)
    claims = [c.model_copy(update={"timing_deviation": 0.1}) if c.claim_id == "small" else c for c in proposal.claims]
    metrics = proposal.metrics.model_copy(update={"max_timing_deviation_large_awards": 0.0})
    problems = validate(request, proposal.model_copy(update={"claims": claims, "metrics": metrics}))
    assert any(p.startswith("claim small: timing_deviation is 0.1, payments say 0.666667") for p in problems)
    assert any(p.startswith("metrics.max_timing_deviation_large_awards is 0.0") for p in problems)


@pytest.mark.parametrize(("status", "found_by", "gap", "complaint"), [
    (SolveStatus.FEASIBLE, None, 0.1, "metrics.found_by is missing"),
    (SolveStatus.FEASIBLE, FoundBy.PROVEN, 0.0, "metrics.found_by is proven, but the status is feasible"),
    (SolveStatus.OPTIMAL, FoundBy.PROVEN, 0.1, "metrics.found_by is proven, but the status is optimal with gap 0.1"),
    (SolveStatus.OPTIMAL, FoundBy.SEARCH, 0.0, "metrics.found_by is search, but the status is optimal"),
    (SolveStatus.OPTIMAL, FoundBy.ROTATION, 0.0, "metrics.found_by is rotation, but the status is optimal"),
])
def test_the_validator_checks_where_the_plan_came_from_against_status_and_gap(
    status: SolveStatus, found_by: FoundBy | None, gap: float, complaint: str
) -> None:
    request = three_months()
    proposal = made(request, UNEVEN)
    tampered = proposal.model_copy(update={
        "status": status, "metrics": proposal.metrics.model_copy(update={"found_by": found_by, "gap": gap})})
    assert any(p.startswith(complaint) for p in validate(request, tampered))


def test_an_infeasible_proposal_found_no_plan() -> None:
    request = three_months()
    request = request.model_copy(update={"claims": [  # every claim due before the first income
        claim.model_copy(update={"latest_end_date": dt.date(2027, 1, 10)}) for claim in request.claims]})
    proposal = solve(request)
    assert proposal.status == "infeasible"
    assert proposal.metrics.found_by is None
    assert validate(request, proposal) == []
    claimed = proposal.model_copy(update={"metrics": proposal.metrics.model_copy(update={"found_by": "proven"})})
    assert "metrics.found_by is proven for an infeasible proposal" in validate(request, claimed)


def test_a_proven_plan_and_a_zero_offer_say_so() -> None:
    request = three_months()
    proposal = solve(request)
    assert (proposal.status, proposal.metrics.found_by, proposal.metrics.gap) == ("optimal", "proven", 0.0)
    nothing = request.model_copy(update={"income": []})
    assert solve(nothing).metrics.found_by == "proven"


def test_a_plan_cut_short_says_whether_the_search_improved_the_first_plan() -> None:
    request = make_case(20, 36, 3)
    short = request.model_copy(update={"policy": request.policy.model_copy(update={"time_limit_seconds": 0.01})})
    proposal = solve(short)
    assert validate(short, proposal) == []
    assert proposal.status == "feasible"
    assert proposal.metrics.found_by in ("rotation", "search")


def test_plans_stored_before_these_figures_still_load() -> None:
    stored = Metrics.model_validate({"total_paid_cents": 1, "reachable_cents": 1, "transfers": 1,
                                     "max_share_deviation": 0.0, "max_timing_deviation": 0.0, "solve_ms": 3,
                                     "gap": 0.0})
    assert (stored.found_by, stored.max_timing_deviation_large_awards) == (None, None)


@st.composite
def schedules(draw: st.DrawFn) -> tuple[PlanRequest, list[tuple[dt.date, str, int]]]:
    """Any payments on a three-month case's payment days: the figures are arithmetic on payments, not rules."""
    request = three_months()
    days = [day.date for day in payment_days(request)]
    payments = draw(st.lists(st.tuples(st.sampled_from(days), st.sampled_from(["big", "other", "small"]),
                                       st.integers(min_value=1, max_value=30_000)), max_size=12))
    return request, payments


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=schedules())
def test_the_timing_figures_agree_with_the_validator_and_with_each_other(
    case: tuple[PlanRequest, list[tuple[dt.date, str, int]]]
) -> None:
    request, payments = case
    proposal = made(request, payments)
    assert not [p for p in validate(request, proposal) if "timing" in p or "found_by" in p]
    timing = [c.timing_deviation for c in proposal.claims]
    assert all(value is not None and 0 <= value <= 1 for value in timing)
    assert proposal.metrics.max_timing_deviation == max(value or 0.0 for value in timing)
    large = proposal.metrics.max_timing_deviation_large_awards
    assert large is not None and large <= proposal.metrics.max_timing_deviation


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=schedules())
def test_the_engines_timing_objective_bounds_the_proposals_timing(
    case: tuple[PlanRequest, list[tuple[dt.date, str, int]]]
) -> None:
    # solver.metrics.timing_deviations: m_i <= d_i + sum_j w_j d_j for claims without dates of their own.
    request, payments = case
    proposal = made(request, payments)
    rows = _rows(request, proposal)
    problem = make_problem(request)
    gaps = [row_pattern(problem, i, row).deviation / PERCENT for i, row in enumerate(rows)]
    totals = [sum(row) for row in rows]
    if not sum(totals):
        return
    mean_gap = sum(gap * total for gap, total in zip(gaps, totals, strict=True)) / sum(totals)
    for result, gap in zip(proposal.claims, gaps, strict=True):
        assert result.timing_deviation is not None
        assert result.timing_deviation <= gap + mean_gap + 1e-6


def _rows(request: PlanRequest, proposal: PlanProposal) -> list[list[int]]:
    days = [day.date for day in payment_days(request)]
    rows = [[0] * len(days) for _ in request.claims]
    index = {claim.id: i for i, claim in enumerate(request.claims)}
    for payment in proposal.payments:
        rows[index[payment.claim_id]][days.index(payment.date)] += payment.amount_cents
    return rows
