"""Money the debtor keeps back (issue 14): a secondary objective for direct plans.

In a direct plan (``policy.payout_day_of_month`` None) what one date brings in and a later date pays out waits in
the debtor's own account, where it may be spent; via the counsellor the organisation holds it, so there is nothing
to minimise. ``kept[t]`` is what date t keeps back for later dates, the proposal's ``DateResult.kept_back_cents``
(``solver.metrics.kept_back``): kept[last] = 0 and kept[t] >= kept[t+1] + paid[t+1] - capacity[t+1], which is
kept[t] - carry[t] >= kept[t+1] - carry[t+1] with the models' carry (money in hand after a date). Only lower bounds:
the smallest sum of kept[t] meets them with equality, so at the optimum it is the proposal's total kept back.

Cents, not euros: counting whole euros would make plans that keep back a few cents more tie with better ones and
break the exactness of the fold below (and the proposal reports cents). The engine folds it with the earliest-payment
objective into one exact stage after timing and transfers (``solver.pattern_model``, ``solver.full_model``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from solver.metrics import kept_back
from solver.problem import Problem

EXACT = 2**53
"""Integers up to here are exact in a double (CP-SAT reports objectives and bounds as doubles)."""


def is_direct(problem: Problem) -> bool:
    """The debtor pays the creditors and keeps back the money for later dates."""
    return problem.request.policy.payout_day_of_month is None


def most_kept(problem: Problem, most_paid: Sequence[int]) -> list[int]:
    """Per date, the most it can keep back when date s pays at most ``most_paid[s]``: what the later dates pay
    beyond what comes in, at their most, never more than came in by then."""
    result = [0] * problem.n_days
    needed = 0
    for t in reversed(range(problem.n_days)):
        result[t] = min(needed, problem.cumulative_capacity[t])
        needed = max(0, needed + most_paid[t] - problem.days[t].capacity_cents)
    return result


def kept_back_variables(model: cp_model.CpModel, problem: Problem, carry: Sequence[cp_model.IntVar],
                        most_paid: Sequence[int]) -> list[cp_model.IntVar]:
    """kept[t] for every date (see the module docstring), each within ``most_kept``."""
    bounds = most_kept(problem, most_paid)
    kept = [model.new_int_var(0, bound, f"kept_{t}") for t, bound in enumerate(bounds)]
    for t in range(problem.n_days - 1):
        model.add(kept[t] - carry[t] >= kept[t + 1] - carry[t + 1])
    return kept


def kept_back_cents(problem: Problem, amounts: Sequence[Sequence[int]]) -> list[int]:
    """Per date, what a plan (amounts per claim and date) keeps back: ``solver.metrics.kept_back`` on its flows."""
    flows = [(day.date, day.capacity_cents, sum(row[t] for row in amounts)) for t, day in enumerate(problem.days)]
    kept = kept_back(flows)
    return [kept[day.date][0] for day in problem.days]


def upper_bound(var: cp_model.IntVar) -> int:
    domain = list(var.proto.domain)  # the proto's own list answers [-1] with 0
    return int(domain[-1])


def fold_fits(*ranges: int) -> bool:
    """Objectives with these ranges (0..range each) fold into one exact objective below ``EXACT``."""
    product = 1
    for most in ranges:
        product *= most + 1
    return product < EXACT
