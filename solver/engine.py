"""The CP-SAT planning engine: one affordable, fair, income-aligned schedule.

0. Before any model, two counts (``solver.transfer_slots``): if the claims that must be paid,
   or the money, need more transfers than the policy allows, the answer is that conflict,
   named with its remedies (``solver.conflicts.describe_shortage``).
1. The plan pays the reachable amount R = min(total capacity, total debt); each claim's
   total is its award under the rule on R, moved by less than one payment step where its
   minimum or fixed installment demands it, or where the transfers demand it
   (``solver.totals.claim_totals``).
2. For every claim, ``solver.patterns`` lists level schedules (k nearly equal payments, a
   phase) that already meet the claim's own limits. CP-SAT chooses one pattern per claim
   such that no day pays out money that has not come in and no day has more transfers than
   allowed. Its objectives are lexicographic:
   a. timing: the sum over claims of each claim's largest gap between the share of its
      own total it has received and its share of the money arrived, in whole percent
      (bounded deviations per pattern, precomputed, instead of quadratic terms); twice its
      largest term bounds the proposal's timing deviation (``solver.metrics.timing_deviations``);
   b. fewest transfers (a creditor's claims sharing an account, ``ClaimIn.account``, are one transfer a date);
   c. earliest payment: the smallest sum of payment day numbers.
   All three are folded into one objective with weights that make it exactly
   lexicographic (((timing * (most transfers + 1) + transfers) * (lateness range + 1) +
   lateness), so one solve proves all three (``solver.pattern_model.FoldedObjective``).
   Where those weights would not fit in exact integers (very large requests), the stages
   are solved in turn instead: solve, fix the optimum, re-solve from that solution as hint.
   In a direct plan the money kept back for later dates (the sum of ``kept_back_cents``, ``solver.kept_back``)
   comes between b and c, as a polish after that solve: a and b fixed, kept back and lateness folded exactly, on
   ``KEPT_UNITS`` of work (``_keep_back_less``; in the one fold it cost far more: bench/README.md).
   The first hint is the backwards level-schedule rotation of ``solver.heuristic``, added
   to every claim's patterns so the hint is always complete; then a local search. With
   hundreds of claims the level patterns crowd onto a few days and cannot fit at all
   (``solver.patterns.crowded``); then the rotation's rescue modes give the first plan.
   Except in a variation or a rescue, column generation (``solver.colgen``) first widens each claim's patterns to
   every payment count and phases in eighths, as far as the pattern LP prices them in; CP-SAT then chooses among
   those columns and today's patterns; the LP's bound, over the whole wider family, is the proposal's (not where
   claims share an account: the LP prices each claim's columns alone).
3. If no combination of patterns fits, the general model of ``solver.full_model`` (an
   amount per claim and day) is solved with the same objectives; if that is infeasible, the
   same model with every limit behind an assumption literal names the conflicting items.

Anytime: the first plan exists before CP-SAT starts (it is CP-SAT's hint); the proposal's
``metrics.found_by`` says whether the search kept it (``rotation``), improved it without a proof
(``search``, with its ``gap``) or proved the plan the best (``proven``).

Determinism: one search worker, the policy's seed as ``random_seed``, and each stage
limited by ``max_deterministic_time`` (CP-SAT work units, not wall-clock seconds) out of the
policy's ``time_limit_seconds``; the same request and seed therefore give the same proposal.
The policy's time limit is also kept as a wall-clock limit over all stages, as a safety net:
if it is ever hit, the plan is still valid but may differ between runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from solver.colgen import Columns, generate_columns
from solver.conflicts import (
    EXPLAIN_SECONDS,
    conflict_notes,
    describe_conflicts,
    describe_shortage,
    find_conflicting_items,
)
from solver.cpsat import POLISH, Budget, StageResult, new_solver, solver_parameters
from solver.explain import explain_plan, zero_offer_notes
from solver.first_plan import offer_agreed_rows, offer_rotation
from solver.full_model import FullModel
from solver.heuristic import level_schedule
from solver.kept_back import is_direct, kept_back_cents
from solver.metrics import build_proposal, provenance_for
from solver.models import Conflict, FoundBy, Payment, PlanProposal, PlanRequest, SolveStatus
from solver.pattern_model import FoldedObjective, PatternModel, fold, greedy_choice, improve_choice
from solver.patterns import claim_patterns, crowded
from solver.problem import Problem, make_problem
from solver.totals import claim_totals
from solver.transfer_slots import slot_shortage
from solver.variation import least_moved, pattern_moved, reference_rows

STAGE_NAMES = ("timing,transfers", "earliest")
KEPT_UNITS = 0.2
"""Work units of the kept-back polish at most: after column generation it rarely finds much (bench/README.md), and
proving it took more work than the main solve, so it gets a fixed small share instead of doubling a solve."""
STAGE_SHARES = (0.8, 1.0)
"""Share of the remaining work budget each stage may use (the last takes what is left)."""
VARIATION_STAGE_NAMES = ("moved", *STAGE_NAMES)
VARIATION_STAGE_SHARES = (0.5, 0.8, 1.0)
VARIATION_FULL_MODEL_UNITS = 0.1
"""Work units the general model may spend on a variation whose patterns move more money than the change forces."""
WORK_UNITS_PER_SECOND = 0.5
"""CP-SAT work units granted per second of the policy's time limit (deterministic; one takes 1-3 s of wall time)."""
COUNT_SPREAD = 2
"""Offer up to this many times the average number of transfers a claim can get per plan."""


@dataclass
class Outcome:
    amounts: list[list[int]]
    stages: list[StageResult]
    method: str
    first: list[list[int]] | None = None
    """The first plan handed to CP-SAT as its hint (None without one): the proposal says whether the search
    improved on it (``solver.models.FoundBy``)."""


# -- lexicographic solving ----------------------------------------------------------------


def lexicographic(
    model: cp_model.CpModel,
    objectives: Sequence[cp_model.LinearExprT],
    on_solution: Callable[[cp_model.CpSolver], None],
    seed: int,
    budget: Budget,
) -> list[StageResult] | None:
    """Minimise each objective in turn, fixing its optimum before the next; None if no
    solution is found in the first stage. ``on_solution`` reads and re-hints each result."""
    stages: list[StageResult] = []
    names, shares = (STAGE_NAMES, STAGE_SHARES) if len(objectives) == 2 else (VARIATION_STAGE_NAMES,
                                                                               VARIATION_STAGE_SHARES)
    for name, objective, share in zip(names, objectives, shares, strict=True):
        model.minimize(objective)
        solver = new_solver(budget.parameters(seed, share))
        status = solver.solve(model)
        budget.spend(solver)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return stages or None
        stages.append(StageResult(name, status, solver.objective_value, solver.best_objective_bound))
        on_solution(solver)
        if len(stages) < len(objectives):
            model.add(objective <= round(solver.objective_value))
    return stages


def solve_with_patterns(problem: Problem, totals: list[int] | None, budget: Budget,
                        columns: bool = True) -> Outcome | None:
    """With ``columns``, a plan that is not a variation nor a rescue chooses from a family widened by column
    generation (``solver.colgen``), whose bound is then the proposal's bound; without, today's patterns only."""
    if totals is None:
        return None
    average = problem.n_days * (problem.request.policy.max_transfers_per_date or problem.n_claims)
    count_cap = max(1, COUNT_SPREAD * average // problem.n_claims)
    patterns = [claim_patterns(problem, i, totals[i], count_cap) for i in range(problem.n_claims)]
    start = offer_rotation(problem, patterns, level_schedule(problem, totals))
    agreed = reference_rows(problem)
    if agreed is not None and all(patterns):
        start = offer_agreed_rows(problem, totals, patterns, agreed[0], start)
    if start is None and all(patterns):
        start = greedy_choice(problem, patterns)
    if start is None and crowded(problem, patterns):
        start = offer_rotation(problem, patterns, level_schedule(problem, totals, rescue=True))
        columns = False
    if not all(patterns):
        return None
    # Column generation prices each claim's columns alone: accounts shared by several claims are not priced yet.
    widened = (generate_columns(problem, totals, patterns, budget.deadline)
               if columns and agreed is None and start is not None and not problem.shared_accounts else None)
    if start is not None and agreed is None:
        start = improve_choice(problem, patterns, start)
        if widened is not None:
            start = widened.narrow(problem, patterns, start)
    pattern_model = (widened.model(problem, patterns) if widened else PatternModel(problem, patterns)).build()
    if agreed is not None:
        pattern_model.moved = [[pattern_moved(pattern, agreed[0][i]) for pattern in options]
                               for i, options in enumerate(patterns)]
    if start is not None:
        pattern_model.hint(start)
    search_budget = budget if widened is None else Budget(min(budget.work_units, widened.work_units), budget.deadline)
    outcome = _search(pattern_model, problem.request.policy.seed, search_budget)
    if search_budget is not budget:
        budget.work_units, budget.spent = max(0.0, budget.work_units - search_budget.spent), search_budget.spent
    outcome = _keep_back_less(pattern_model, outcome, problem.request.policy.seed, budget)
    if outcome is None and start is not None and agreed is None:
        # Anytime: CP-SAT found nothing within its budget, so the first plan stands, with nothing proven.
        first = pattern_model.amounts(start)
        outcome = Outcome(first, [StageResult(STAGE_NAMES[0], cp_model.FEASIBLE,
                                              pattern_model.main_objective(start), 0.0)], "patterns", first)
    elif outcome is not None and start is not None:
        outcome = replace(outcome, first=pattern_model.amounts(start))
    return outcome if outcome is None or widened is None else _bounded(outcome, widened)


def _bounded(outcome: Outcome, widened: Columns) -> Outcome:
    """The main stage's bound becomes column generation's, a bound over the whole family of level schedules (CP-SAT's
    own holds only over the columns it was given): proven only where the plan meets it. The first plan is the one
    before any CP-SAT search (``Columns.narrow`` runs a small one)."""
    main = outcome.stages[0]
    bound = widened.bound_with(main.bound)
    status = cp_model.OPTIMAL if bound >= main.objective else cp_model.FEASIBLE
    return replace(outcome, stages=[replace(main, status=status, bound=float(min(bound, main.objective))),
                                    *outcome.stages[1:]], first=widened.first or outcome.first)


def _search(pattern_model: PatternModel, seed: int, budget: Budget) -> Outcome | None:
    folded = pattern_model.folded()
    if folded is not None:
        return solve_folded(pattern_model, folded, seed, budget)
    best: list[list[int]] = []

    def keep(solver: cp_model.CpSolver) -> None:
        choice = pattern_model.read(solver)
        pattern_model.hint(choice)
        best[:] = pattern_model.amounts(choice)

    stages = lexicographic(pattern_model.model, pattern_model.objectives(), keep, seed, budget)
    return Outcome(best, stages, "patterns") if stages else None


def _keep_back_less(pattern_model: PatternModel, outcome: Outcome | None, seed: int, budget: Budget) -> Outcome | None:
    """A direct plan's last stage, from the plan hinted: the least money kept back, then the earliest payment."""
    if outcome is None or len(outcome.stages) < len(pattern_model.objectives()) or not is_direct(pattern_model.problem):
        return outcome  # not all stages solved, or via the counsellor
    last = outcome.stages[-1]
    if last.status == cp_model.OPTIMAL and not any(kept_back_cents(pattern_model.problem, outcome.amounts)):
        return replace(outcome, stages=[*outcome.stages[:-1], replace(last, name=POLISH)])  # nothing to polish
    units = min(budget.work_units, KEPT_UNITS)
    solved = pattern_model.keep_back_less(budget.parameters(seed, units / max(budget.work_units, 1e-9)))
    if solved is None:  # the stage turned off (tests)
        return outcome
    solver, status, choice = solved
    budget.spend(solver)
    stage = StageResult(POLISH, status, solver.objective_value, solver.best_objective_bound)
    return replace(outcome, amounts=outcome.amounts if choice is None else pattern_model.amounts(choice),
                   stages=[*outcome.stages[:-1], stage])


def solve_folded(
    pattern_model: PatternModel, folded: FoldedObjective, seed: int, budget: Budget
) -> Outcome | None:
    """All stages in one solve; reported as the two stages they stand for."""
    pattern_model.model.minimize(folded.expression)
    solver = new_solver(budget.parameters(seed, 1.0))
    status = solver.solve(pattern_model.model)
    budget.spend(solver)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    choice = pattern_model.read(solver)
    pattern_model.hint(choice)  # where a direct plan's last stage starts
    main, lateness = pattern_model.main_and_lateness(choice, folded)
    main_bound = min(main, folded.main_bound(solver.best_objective_bound))
    # The earliest-payment stage is proven only with the main one; otherwise its bound is
    # the trivial one (every claim on its earliest pattern).
    lateness_bound = lateness if status == cp_model.OPTIMAL else folded.offset
    stages = [
        StageResult(STAGE_NAMES[0], cp_model.OPTIMAL if main_bound == main else cp_model.FEASIBLE, main, main_bound),
        StageResult(STAGE_NAMES[1], status, lateness, lateness_bound),
    ]
    return Outcome(pattern_model.amounts(choice), stages, "patterns")


def solve_with_full_model(problem: Problem, totals: list[int] | None, budget: Budget,
                          hint: list[list[int]] | None = None) -> Outcome | None:
    """The general model; ``totals`` (from ``claim_totals``, None if none add up) only seed its hint, unless a
    schedule to start from is given."""
    full = FullModel(problem, explain=False).build()
    most = problem.n_claims * problem.n_days
    objectives = [
        fold(full.timing_objective(), full.transfers_objective(), most),
        full.later_objective(),
    ]
    agreed = reference_rows(problem)
    if agreed is not None:
        objectives.insert(0, full.moved_objective(agreed[0]))
        if totals is not None:  # each claim still gets the rule's award: the slack of one payment step moves nothing
            for paid, total in zip(full.paid, totals, strict=True):
                full.model.add(paid == total)
    start = hint or (level_schedule(problem, totals) if totals is not None else None)
    if start is not None:
        full.hint(start)
    best: list[list[int]] = []

    def keep(solver: cp_model.CpSolver) -> None:
        best[:] = full.amounts(solver)
        full.hint(best)

    stages = lexicographic(full.model, objectives, keep, problem.request.policy.seed, budget)
    if full.kept and stages and len(stages) == len(objectives):
        stages[-1] = replace(stages[-1], name=POLISH)
    return Outcome(best, stages, "full", start) if stages else None


# -- the public entry point -----------------------------------------------------------------


def solve(request: PlanRequest, columns: bool = True) -> PlanProposal:
    """Propose one schedule for ``request``; never raises for a valid request. ``columns=False`` runs the engine
    without column generation (today's patterns only), for the benchmark's comparison.

    Zero capacity gives a zero offer (status ``optimal``, no payments). A request whose
    limits cannot all hold gives status ``infeasible`` with the conflicting items named.
    """
    started = time.perf_counter()
    problem = make_problem(request)
    policy = request.policy
    parameters = solver_parameters(
        policy.seed, WORK_UNITS_PER_SECOND * policy.time_limit_seconds, policy.time_limit_seconds
    )
    if problem.reachable == 0:
        return _zero_offer(problem, started)
    shortage = slot_shortage(problem)  # a count settles it before any model is built
    if shortage is not None:
        return _infeasible(problem, started, parameters, describe_shortage(problem, shortage))
    budget = Budget(
        WORK_UNITS_PER_SECOND * policy.time_limit_seconds, started + policy.time_limit_seconds
    )
    # Chosen once for both models: it may run a small CP-SAT model of its own.
    totals = claim_totals(problem)
    outcome = solve_with_patterns(problem, totals, budget, columns)
    if outcome is None:
        outcome = solve_with_full_model(problem, totals, budget)
    elif request.reference_payments and outcome.stages[0].objective > least_moved(problem):
        limited = Budget(min(budget.work_units, VARIATION_FULL_MODEL_UNITS), budget.deadline)
        outcome = _better_of(outcome, solve_with_full_model(problem, totals, limited, outcome.amounts))
    if outcome is None:
        # Explaining may take one question past the time limit; shrinking the answer stops there.
        items = find_conflicting_items(problem, budget.deadline + 2 * EXPLAIN_SECONDS)
        return _infeasible(problem, started, parameters, describe_conflicts(problem, items))
    return _proposal(problem, outcome, parameters, started)


def _better_of(patterns: Outcome, full: Outcome | None) -> Outcome:
    """A variation tries the general model too, from the patterns' plan: amounts per day can keep closer to the
    agreed plan than level patterns. The one that moves less money wins; the patterns' plan on a tie."""
    if full is None:
        return patterns
    return full if full.stages[0].objective < patterns.stages[0].objective else patterns


def _payments(problem: Problem, amounts: Sequence[Sequence[int]]) -> list[Payment]:
    return [
        Payment(date=problem.days[t].date, claim_id=claim.id, amount_cents=amount)
        for i, claim in enumerate(problem.request.claims)
        for t, amount in enumerate(amounts[i])
        if amount > 0
    ]


def _proposal(
    problem: Problem, outcome: Outcome, parameters: dict[str, str], started: float
) -> PlanProposal:
    stages = outcome.stages
    complete = len(stages) == len(VARIATION_STAGE_NAMES if problem.request.reference_payments else STAGE_NAMES)
    optimal = complete and all(s.status == cp_model.OPTIMAL for s in stages if s.name != POLISH)
    status = SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE
    # objective, bound and gap describe the main objective (timing, then transfers); the
    # earliest-payment tie-break's own gap is in the status line with the other stages.
    gap = stages[0].gap
    provenance = provenance_for(
        problem.request,
        status=f"{outcome.method}: "
        + ", ".join(f"{s.name}={s.status.name} (gap {s.gap:.4f})" for s in stages),
        parameters={**parameters, "model": outcome.method},
        objective=stages[0].objective,
        bound=stages[0].bound,
        gap=gap,
    )
    payments = _payments(problem, outcome.amounts)
    return build_proposal(
        problem.request,
        payments,
        status=status,
        provenance=provenance,
        notes=explain_plan(problem, payments, stages, outcome.method),
        solve_ms=int(1000 * (time.perf_counter() - started)),
        gap=gap,
        found_by=_found_by(outcome, optimal),
    )


def _found_by(outcome: Outcome, optimal: bool) -> FoundBy:
    if optimal:
        return FoundBy.PROVEN
    return FoundBy.ROTATION if outcome.amounts == outcome.first else FoundBy.SEARCH


def _zero_offer(problem: Problem, started: float) -> PlanProposal:
    return build_proposal(
        problem.request,
        [],
        status=SolveStatus.OPTIMAL,
        provenance=provenance_for(problem.request, status="ZERO_CAPACITY", objective=0, bound=0, gap=0),
        notes=zero_offer_notes(problem.request),
        solve_ms=int(1000 * (time.perf_counter() - started)),
        found_by=FoundBy.PROVEN,
    )


def _infeasible(problem: Problem, started: float, parameters: dict[str, str],
                conflicts: list[Conflict]) -> PlanProposal:
    return build_proposal(
        problem.request,
        [],
        status=SolveStatus.INFEASIBLE,
        provenance=provenance_for(problem.request, status="INFEASIBLE", parameters=parameters),
        notes=conflict_notes(conflicts),
        conflicts=conflicts,
        solve_ms=int(1000 * (time.perf_counter() - started)),
    )
