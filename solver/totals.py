"""What each claim will receive in all: its award, rounded where its payment step demands it, so the totals add up
to the reachable amount R and the transfers the policy allows can carry them.

The totals are chosen before any schedule, by rounding (``claim_totals``) or, when rounding does not add up, by a
small CP-SAT model (``closest_totals``). Many claims and few transfers ask two more things of them: no more claims
paid than there are transfers (``_leave_out_smallest``), and the last days' money taken by the few claims those
days can pay (``_carry_last_days``).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.problem import Problem
from solver.transfer_slots import total_slots


def claim_totals(problem: Problem) -> list[int] | None:
    """What each claim will receive: its award, moved to a multiple of its payment step where
    the step demands it, with the difference absorbed by the flexible claims."""
    totals = []
    for i, claim in enumerate(problem.request.claims):
        award, step = problem.awards[i], problem.minimums[i]
        if claim.fixed_installment_cents is not None:
            fixed = claim.fixed_installment_cents
            totals.append(min(round(award / fixed), problem.most_installments(i)) * fixed)
        elif 0 < award < step:
            totals.append(step if 2 * award >= step else 0)
        else:
            totals.append(award)
    slots = total_slots(problem)
    _leave_out_smallest(problem, totals, slots)
    difference = problem.reachable - sum(totals)
    flexible = sorted(
        (
            i
            for i, c in enumerate(problem.request.claims)
            if c.fixed_installment_cents is None and totals[i] >= problem.minimums[i]
        ),
        key=lambda i: (-totals[i], i),
    )
    for i in flexible:
        if difference == 0:
            break
        claim = problem.request.claims[i]
        low = max(problem.minimums[i], problem.awards[i] - problem.tolerances[i])
        high = min(claim.outstanding_cents, problem.awards[i] + problem.tolerances[i])
        moved = max(low, min(high, totals[i] + difference)) - totals[i]
        totals[i] += moved
        difference -= moved
    within = all(
        abs(total - award) <= tolerance
        for total, award, tolerance in zip(totals, problem.awards, problem.tolerances, strict=True)
    )
    fits = sum(1 for total in totals if total) <= slots and _carry_last_days(problem, totals)
    if difference == 0 and within and fits:
        return totals
    return closest_totals(problem, slots if slots < problem.n_claims else None)


def _leave_out_smallest(problem: Problem, totals: list[int], slots: int) -> None:
    """More claims paid than the plan has transfers (hundreds of small claims): the smallest of those the rule lets
    go without (award at most one payment step) get nothing, until every paid claim can have a transfer."""
    excess = sum(1 for total in totals if total) - slots
    if excess <= 0:
        return
    optional = sorted(
        (i for i, total in enumerate(totals) if total and problem.awards[i] <= problem.tolerances[i]),
        key=lambda i: (problem.awards[i], i),
    )
    for i in optional[:excess]:
        totals[i] = 0


def _carry_last_days(problem: Problem, totals: list[int]) -> bool:
    """The money of the last days must be paid on them, by at most L transfers a day. Where the largest totals
    cannot take it (equal awards for hundreds of claims), the claims that may take the most are raised within their
    tolerance and the smallest others lowered within theirs, so the totals still add up; False if they cannot be."""
    limit = problem.request.policy.max_transfers_per_date or problem.n_claims
    claims = problem.request.claims
    flexible = [i for i, total in enumerate(totals) if total and claims[i].fixed_installment_cents is None]
    floors = {i: max(problem.minimums[i], problem.awards[i] - problem.tolerances[i]) for i in flexible}
    for t in range(problem.n_days - 1, 0, -1):
        reach = limit * (problem.n_days - t)
        if reach >= len(totals) - totals.count(0):
            return True
        required = problem.reachable - problem.cumulative_capacity[t - 1]
        if sum(sorted(totals, reverse=True)[:reach]) >= required:
            continue
        # All the way up: a schedule of these days needs room, not an exact fit.
        raised = sorted(flexible, key=lambda i: (-problem.most_paid(i), i))[:reach]
        for i in raised:
            totals[i] = max(totals[i], problem.most_paid(i))
        short = required - sum(totals[i] for i in raised)
        excess = sum(totals) - problem.reachable
        for i in sorted(set(flexible) - set(raised), key=lambda i: (totals[i], i)):
            down = max(0, min(excess, totals[i] - floors[i]))
            totals[i] -= down
            excess -= down
        if short > 0 or excess > 0:
            return False
    return True


def closest_totals(problem: Problem, paid_at_most: int | None = None) -> list[int] | None:
    """Totals that add up to R exactly, each a valid total within its tolerance of its award,
    as close to the awards as can be, at most ``paid_at_most`` of them above zero; None if there
    are none. For when rounding each claim on its own does not add up, e.g. when several
    minimums are above their claims' awards and some must be paid a whole minimum while others
    get nothing, or when more claims would be paid than the plan has transfers (many small
    claims: those whose award is at most one payment step may then get nothing)."""
    model = cp_model.CpModel()
    totals, gaps, paid = [], [], []
    for i in range(problem.n_claims):
        allowed = _allowed_totals(problem, i)
        if not allowed:
            return None
        total = model.new_int_var_from_domain(cp_model.Domain.from_intervals(allowed), f"total_{i}")
        gap = model.new_int_var(0, problem.tolerances[i], f"gap_{i}")
        model.add_abs_equality(gap, total - problem.awards[i])
        totals.append(total)
        gaps.append(gap)
        if paid_at_most is not None:
            paying = model.new_bool_var(f"paid_{i}")
            model.add(total == 0).only_enforce_if(~paying)
            paid.append(paying)
    model.add(sum(totals) == problem.reachable)
    if paid_at_most is not None:
        model.add(sum(paid) <= paid_at_most)
    model.minimize(sum(gaps))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 1.0
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [int(solver.value(total)) for total in totals]


def _allowed_totals(problem: Problem, i: int) -> list[list[int]]:
    """What claim i may be paid in all: 0 or at least its minimum (a number of fixed
    installments, if it has one), within its tolerance of its award, at most what it owes."""
    claim = problem.request.claims[i]
    award, tolerance = problem.awards[i], problem.tolerances[i]
    if award == 0:  # the rule gives it nothing (CEL, Talmud): nothing to round
        return [[0, 0]]
    low, high = max(0, award - tolerance), min(claim.outstanding_cents, award + tolerance)
    days = sum(problem.windows[i])
    fixed = claim.fixed_installment_cents
    if fixed is not None:
        most = problem.most_installments(i)
        return [[k * fixed, k * fixed] for k in range(most + 1) if low <= k * fixed <= high]
    intervals = [[0, 0]] if low == 0 else []
    start = max(low, problem.minimums[i], 1)
    if start <= high and days > 0:
        intervals.append([start, high])
    return intervals
