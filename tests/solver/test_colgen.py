"""Column generation: the candidates are level patterns, the LP bound holds, plans stay valid and deterministic."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings

from bench.cases import make_case
from solver import solve, validate
from solver.colgen import generate_columns
from solver.engine import COUNT_SPREAD
from solver.first_plan import offer_rotation
from solver.heuristic import level_schedule
from solver.models import PlanProposal, PlanRequest, SolveStatus
from solver.patterns import claim_patterns, level_pattern, row_pattern
from solver.pricing import PHASE_DENOMINATOR, claim_candidates
from solver.problem import Problem, make_problem
from solver.totals import claim_totals
from tests.solver.test_engine import make_request, small_requests

CASES = [(6, 18, 0), (6, 18, 1), (6, 18, 2), (14, 18, 0), (14, 18, 3), (20, 36, 1)]


def timing(problem: Problem, proposal: PlanProposal) -> int:
    """The engine's timing objective of a plan: each claim's pattern deviation, summed."""
    index = {day.date: t for t, day in enumerate(problem.days)}
    claims = {claim.id: i for i, claim in enumerate(problem.request.claims)}
    rows = [[0] * problem.n_days for _ in problem.request.claims]
    for payment in proposal.payments:
        rows[claims[payment.claim_id]][index[payment.date]] += payment.amount_cents
    return sum(row_pattern(problem, i, row).deviation for i, row in enumerate(rows))


def weight_of(request: PlanRequest) -> int:
    """The transfers' weight column generation fixes for ``request`` (the engine's own patterns, as it sees them)."""
    problem = make_problem(request)
    totals = claim_totals(problem)
    assert totals is not None
    average = problem.n_days * (request.policy.max_transfers_per_date or problem.n_claims)
    cap = max(1, COUNT_SPREAD * average // problem.n_claims)
    patterns = [claim_patterns(problem, i, totals[i], cap) for i in range(problem.n_claims)]
    assert offer_rotation(problem, patterns, level_schedule(problem, totals)) is not None
    columns = generate_columns(problem, totals, patterns, time.perf_counter() + 60)
    assert columns is not None
    return columns.weight


@pytest.mark.parametrize(("claims", "months", "seed"), [(6, 18, 0), (20, 36, 1), (40, 36, 2), (60, 60, 3)])
def test_the_candidates_are_exactly_the_level_patterns(claims: int, months: int, seed: int) -> None:
    problem = make_problem(make_case(claims, months, seed))
    totals = claim_totals(problem)
    assert totals is not None
    for i, total in enumerate(totals):
        candidates = claim_candidates(problem, i, total, [])
        for row, (count, phase) in enumerate(candidates.levels):
            assert candidates.pattern(problem, row) == level_pattern(problem, i, total, count,
                                                                     (phase, PHASE_DENOMINATOR))
        found = {(p.days, p.amounts) for p in (candidates.pattern(problem, k) for k in range(len(candidates.levels)))}
        for count in range(1, problem.n_days + 1):
            for phase in range(1, PHASE_DENOMINATOR + 1):
                pattern = level_pattern(problem, i, total, count, (phase, PHASE_DENOMINATOR))
                if pattern is not None and total > 0:
                    assert (pattern.days, pattern.amounts) in found


@pytest.mark.parametrize(("claims", "months", "seed"), CASES)
def test_the_bound_holds_and_the_objective_is_the_lps_function(claims: int, months: int, seed: int) -> None:
    request = make_case(claims, months, seed)
    proposal = solve(request)
    assert validate(request, proposal) == []
    objective, bound = proposal.provenance.objective, proposal.provenance.bound
    assert objective is not None and bound is not None
    assert 0 <= bound <= objective
    # The objective CP-SAT reports is timing * the LP's weight + transfers, counted from the plan itself.
    assert objective == timing(make_problem(request), proposal) * weight_of(request) + proposal.metrics.transfers
    assert proposal.metrics.gap == pytest.approx((objective - bound) / objective if objective else 0.0)
    assert (proposal.metrics.found_by == "proven") == (bound == objective)


@pytest.mark.parametrize(("claims", "months", "seed"), CASES[:4])
def test_the_new_engine_is_never_worse_than_todays_where_it_proves(claims: int, months: int, seed: int) -> None:
    request = make_case(claims, months, seed)
    today, new = solve(request, columns=False), solve(request)
    problem = make_problem(request)
    weight = weight_of(request)
    assert today.status == SolveStatus.OPTIMAL
    new_main = timing(problem, new) * weight + new.metrics.transfers
    today_main = timing(problem, today) * weight + today.metrics.transfers
    # Today's patterns are among the columns and today's plans here are proven, so a proven new plan cannot be
    # worse; where the new engine only searched, it still starts from the better of two first plans.
    assert new_main <= today_main


def test_some_small_case_is_proven_over_the_whole_family() -> None:
    proposal = solve(make_request())
    assert proposal.metrics.found_by == "proven"
    assert proposal.provenance.bound == proposal.provenance.objective


def test_the_same_request_gives_the_same_payments() -> None:
    request = make_case(20, 36, 1)
    assert solve(request).payments == solve(request).payments


def test_a_variation_does_not_generate_columns() -> None:
    request = make_case(6, 18, 0)
    varied = request.model_copy(update={"reference_payments": solve(request).payments})
    assert solve(varied).payments == solve(varied, columns=False).payments


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=small_requests())
def test_bound_below_objective_on_random_requests(request: PlanRequest) -> None:
    proposal = solve(request)
    assert validate(request, proposal) == []
    if proposal.status != "infeasible":
        objective, bound = proposal.provenance.objective, proposal.provenance.bound
        assert objective is not None and bound is not None and bound <= objective


def with_accounts(request: PlanRequest) -> PlanRequest:
    """Every three claims one creditor's dossiers on one account, as a collection agency's or the CJIB's are."""
    claims = [claim.model_copy(update={"creditor": f"Incasso {k // 3}", "account": f"NL-{k // 3}"})
              for k, claim in enumerate(request.claims)]
    return request.model_copy(update={"claims": claims})


def test_shared_accounts_keep_todays_family() -> None:
    """Column generation prices each claim's columns alone; a shared account's transfer is not linear in one claim's
    column. Pricing account-days in the LP was tried: its bound is weak (gap 3-65%) and on 40 x 36 and 60 x 60 the
    plans were worse than today's at twice the time (bench/README.md), so such requests keep today's family."""
    request = with_accounts(make_case(14, 18, 0))
    assert make_problem(request).shared_accounts
    proposal = solve(request)
    assert validate(request, proposal) == []
    assert proposal.payments == solve(request, columns=False).payments
