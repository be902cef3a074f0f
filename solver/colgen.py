"""Column generation on the pattern model: a wider family of schedules, and a bound over all of it.

The master is the LP relaxation of the pattern model (``solver.pattern_model``) over the columns found so far: per
claim the columns sum to one; money: what is paid by each day is at most what has come in by then (written with a
carry per day, money in units of the average day's capacity); transfers: per day at most the policy's limit
(``add_transfer_rows``). A column's cost is the pattern model's main objective, deviation * weight + transfers,
with the weight fixed up front from all candidates (``solver.pricing.transfers_weight``), so the LP and CP-SAT
minimise the same function; the LP works in units of the weight.

Pricing (``solver.pricing``) scores every candidate of every claim (every payment count, phases in eighths, and the
patterns the engine already offers) against the LP's duals and adds each claim's most negative one, until none is
negative or ``MAX_ROUNDS`` is reached. Every round also gives a Lagrangian bound: the duals' objective plus each
claim's least reduced cost. It is a lower bound on the main objective of any plan made of candidates, whether or not
the LP has converged (at convergence it is the LP's value), because every candidate is priced; the best one over
the rounds is kept, rounded up less a tolerance for floating point.

Price-and-branch (``Columns.narrow``): the first plan is the better of the rotation and the LP's solution rounded
(``better_start``); a small CP-SAT model over the LP solution's columns improves it; CP-SAT (in the engine) then
chooses among the engine's own patterns (with the rotation's rows) and the LP solution's columns, from that plan as
hint, with the same objective (``WeightedPatternModel``, the fixed weight) and a work limit that grows with the model.
Where the whole family is small (``WHOLE_FAMILY_COLUMNS``), CP-SAT sees all of it and its own bound counts too.

What the bound means: no plan made of level schedules (any payment count, phases in eighths, or the engine's own
patterns) has a smaller main objective. CP-SAT sees only part of that family, so a plan is proven the best of the
family (gap 0, ``found_by`` proven) only when its objective meets the bound; otherwise ``gap`` is how far above the
bound it may be. The bound says nothing about schedules outside the family (the general model's amounts per day).
A plan never has a worse objective than its start, but may be worse than today's engine's plan: CP-SAT may not
reach today's optimum within its work limit (bench/engine_bench.py counts how often).

Deterministic: GLOP with fixed parameters, a fixed number of rounds, CP-SAT with work limits and one worker; the
engine's deadline only as a safety net.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from solver.cpsat import new_solver, solver_parameters
from solver.pattern_model import PatternModel, _greedy, improve_choice
from solver.patterns import Pattern
from solver.pricing import FloatArray, Pricer
from solver.problem import Problem

MAX_ROUNDS = 40
"""Pricing rounds at most: on the bench cases the LP converges in 10-25."""
COLUMNS_PER_ROUND = 1
"""Columns each claim may add per round: its most negative reduced costs."""
REDUCED_COST_TOLERANCE = 1e-6
"""A column enters when its reduced cost (in units of the weight) is below minus this."""
COLUMN_WORK_UNITS = 0.5
"""CP-SAT work units (at least) for choosing among the columns: the bound comes from the LP, so CP-SAT need not prove
(on 4 bench seeds at 40 x 36, 1 unit: gap 2.0% in 1.3 s; 0.5 units: 2.9% in 1.0 s; 2 units: 2.0% in 2.3 s)."""
CELLS_PER_WORK_UNIT = 3_000
"""Larger models get one work unit per this many claims x days: at 60 x 60 with 0.5 units CP-SAT did not improve its
start on 4 of 12 seeds (worse than today's engine on 3), with 1.26 or 1.5 units on none of them."""
WHOLE_FAMILY_COLUMNS = 1_500
"""Up to this many candidates in all, CP-SAT chooses among all of them (6 claims over 18 months: 670 to 1,800 on
the bench seeds)."""
VALUE_TOLERANCE = 1e-9
"""A column is in the LP's solution when its value is above this."""
SUPPORT_WORK_UNITS = 0.2
"""CP-SAT work units for the small model over the LP solution's columns."""
BOUND_TOLERANCE = 1e-6
"""Relative slack taken off the floating-point bound before rounding it up to a whole objective."""


@dataclass
class WeightedPatternModel(PatternModel):
    """The pattern model with the transfers' weight fixed (the same as the master LP's) instead of taken from its
    patterns: its main objective is then the LP's cost, and both are exactly lexicographic."""

    transfers_weight: int = 1

    def _most_transfers(self) -> int:
        return self.transfers_weight - 1


@dataclass
class Columns:
    """What column generation found: the weight, the bound and how it stopped."""

    weight: int
    bound: int
    """Lower bound on the main objective of every plan made of the candidates (see the module's docstring)."""
    rounds: int
    converged: bool
    """Pricing found no negative reduced cost: the bound is the LP's optimum over the whole family."""
    added: int
    offered: list[int]
    """Per claim, how many of its patterns the engine offered itself (they come first in its list)."""
    deadline: float
    work_units: float
    """What the search among the columns may spend: ``COLUMN_WORK_UNITS``, more for large models."""
    complete: bool
    """Every candidate is among CP-SAT's columns (a small family): CP-SAT's own bound then holds for all of it."""
    values: list[list[float]]
    """Per claim and pattern (the engine's list after widening), its value in the last LP solution."""
    first: list[list[int]] | None = None
    """The first plan (amounts per claim and day), before any CP-SAT search: set by ``narrow``."""

    def bound_with(self, search_bound: float) -> int:
        """The bound over the whole family: the LP's, or CP-SAT's where it saw every candidate and proved more."""
        return max(self.bound, math.ceil(search_bound)) if self.complete else self.bound

    def model(self, problem: Problem, patterns: list[list[Pattern]]) -> WeightedPatternModel:
        return WeightedPatternModel(problem, patterns, transfers_weight=self.weight)

    def better_start(self, problem: Problem, patterns: list[list[Pattern]], start: list[int]) -> list[int]:
        """The LP's plan rounded (each claim, largest first, takes the fitting pattern of largest LP value) and
        improved by the local search, where it is better than ``start``."""
        values = self.values

        def key(i: int, k: int) -> tuple[float, int, int, int]:
            return -values[i][k], patterns[i][k].deviation, patterns[i][k].transfers, k

        rounded = _greedy(problem, patterns, key)
        if rounded is None:
            return start
        rounded = improve_choice(problem, patterns, rounded)

        def main(choice: list[int]) -> tuple[int, int]:
            chosen = [patterns[i][k] for i, k in enumerate(choice)]
            return sum(p.deviation for p in chosen), sum(p.transfers for p in chosen)

        return rounded if main(rounded) < main(start) else start

    def narrow(self, problem: Problem, patterns: list[list[Pattern]], start: list[int]) -> list[int]:
        """The columns CP-SAT chooses among, and its start: first a small CP-SAT model over the LP's solution's
        columns (and the better of the first plans) gives the start; then the engine's own patterns (with the
        rotation's rows) and those columns are kept, the other generated columns dropped. Returns the start's place
        in the narrowed lists."""
        start = self.better_start(problem, patterns, start)
        self.first = [[0] * problem.n_days for _ in patterns]
        for i, k in enumerate(start):
            for day, amount in zip(patterns[i][k].days, patterns[i][k].amounts, strict=True):
                self.first[i][day] = amount
        support = [[k for k in range(len(options)) if k == start[i] or self.values[i][k] > VALUE_TOLERANCE]
                   for i, options in enumerate(patterns)]
        start = self._search_among(problem, patterns, support, start, SUPPORT_WORK_UNITS)
        keep = [[k for k in range(len(options)) if k < self.offered[i] or k in support[i] or k == start[i]]
                for i, options in enumerate(patterns)]
        if self.complete:  # the same search first, so that the whole family's search starts from its plan
            start = self._search_among(problem, patterns, keep, start, self.work_units)
            keep = [list(range(len(options))) for options in patterns]
        result = []
        for i, options in enumerate(patterns):
            result.append(keep[i].index(start[i]))
            patterns[i][:] = [options[k] for k in keep[i]]
        return result

    def _search_among(self, problem: Problem, patterns: list[list[Pattern]], among: list[list[int]],
                      start: list[int], work_units: float) -> list[int]:
        """CP-SAT's best choice within ``among`` (per claim, places in ``patterns``), from ``start``."""
        small = self.model(problem, [[patterns[i][k] for k in keep] for i, keep in enumerate(among)]).build()
        small.hint([keep.index(start[i]) for i, keep in enumerate(among)])
        folded = small.folded()
        if folded is None:
            return start
        small.model.minimize(folded.expression)
        wall = max(0.05, self.deadline - time.perf_counter())
        solver = new_solver(solver_parameters(problem.request.policy.seed, work_units, wall))
        if solver.solve(small.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return start
        return [among[i][k] for i, k in enumerate(small.read(solver))]


@dataclass
class _Master:
    problem: Problem
    pricer: Pricer
    solver: pywraplp.Solver = field(default_factory=lambda: pywraplp.Solver.CreateSolver("GLOP"))
    convexity: list[pywraplp.Constraint] = field(default_factory=list)
    money: list[pywraplp.Constraint] = field(default_factory=list)
    slots: list[pywraplp.Constraint | None] = field(default_factory=list)
    limits: list[float] = field(default_factory=list)
    columns: list[tuple[int, int, pywraplp.Variable]] = field(default_factory=list)

    def build(self) -> _Master:
        p, scale = self.problem, self.pricer.money_scale
        self.convexity = [self.solver.Constraint(1.0, 1.0) for _ in range(p.n_claims)]
        carries = [self.solver.NumVar(0.0, self.solver.infinity(), f"carry_{t}") for t in range(p.n_days)]
        for t, day in enumerate(p.days):  # paid_t + carry_t - carry_(t-1) = capacity_t
            row = self.solver.Constraint(day.capacity_cents / scale, day.capacity_cents / scale)
            row.SetCoefficient(carries[t], 1.0)
            if t > 0:
                row.SetCoefficient(carries[t - 1], -1.0)
            self.money.append(row)
        self.slots, self.limits = add_transfer_rows(self.solver, p)
        self.solver.Minimize(0)
        return self

    def add(self, i: int, row: int) -> None:
        cost, money, paid = self.pricer.column(i, row)
        var = self.solver.NumVar(0.0, self.solver.infinity(), f"x_{i}_{row}")
        self.columns.append((i, row, var))
        self.solver.Objective().SetCoefficient(var, cost)
        self.convexity[i].SetCoefficient(var, 1.0)
        for t in np.flatnonzero(paid).tolist():
            self.money[t].SetCoefficient(var, float(money[t]))
            slot = self.slots[t]
            if slot is not None:
                slot.SetCoefficient(var, float(paid[t]))

    def duals(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Convexity duals, money prices per day and slot prices per day, made valid for the Lagrangian bound:
        the cumulative money rows' duals and the slot duals are never positive."""
        mu = np.array([row.dual_value() for row in self.convexity])
        day_prices = np.array([row.dual_value() for row in self.money])
        # Day t's price is the sum of the cumulative rows' duals from t on; each of those must be <= 0.
        cumulative = np.minimum(day_prices - np.append(day_prices[1:], 0.0), 0.0)
        prices = np.cumsum(cumulative[::-1])[::-1]
        slot_prices = np.array([min(0.0, row.dual_value()) if row is not None else 0.0 for row in self.slots])
        return mu, prices, slot_prices

    def fixed_part(self, prices: FloatArray, slot_prices: FloatArray) -> float:
        """The Lagrangian's constant: money prices times what comes in, slot prices times the limits."""
        capacity = np.array([day.capacity_cents for day in self.problem.days]) / self.pricer.money_scale
        return float(capacity @ prices + np.asarray(self.limits) @ slot_prices)


def add_transfer_rows(solver: pywraplp.Solver, problem: Problem) -> tuple[list[pywraplp.Constraint | None],
                                                                          list[float]]:
    """One row per day: the columns paying on it count one transfer each, at most the policy's limit (None and 0
    where there is no limit). The one place that says what a transfer is in the master."""
    limit = problem.request.policy.max_transfers_per_date
    if limit is None:
        return [None] * problem.n_days, [0.0] * problem.n_days
    return ([solver.Constraint(-solver.infinity(), float(limit)) for _ in range(problem.n_days)],
            [float(limit)] * problem.n_days)


def generate_columns(problem: Problem, totals: Sequence[int], patterns: list[list[Pattern]],
                     deadline: float) -> Columns | None:
    """Widen ``patterns`` (in place) by the columns the master LP prices in; None if the LP fails.

    The engine's patterns (including the rotation's rows, a complete plan that fits) are the first columns, so the
    LP is feasible from the start."""
    scale = max(1.0, problem.cumulative_capacity[-1] / problem.n_days)
    pricer = Pricer.build(problem, totals, patterns, scale)
    master = _Master(problem, pricer).build()
    offered = [len(c.levels) for c in pricer.candidates]
    for i, candidates in enumerate(pricer.candidates):
        for row in range(offered[i], len(candidates.amounts)):
            master.add(i, row)
    chosen: list[set[int]] = [set() for _ in patterns]
    best = -math.inf
    rounds, converged = 0, False
    while rounds < MAX_ROUNDS and time.perf_counter() < deadline:
        rounds += 1
        if not _solve(master.solver):
            return None
        mu, prices, slot_prices = master.duals()
        bound = master.fixed_part(prices, slot_prices)
        entering: list[tuple[int, int]] = []
        negative = False
        for i in range(problem.n_claims):
            reduced = pricer.reduced(i, prices, slot_prices)
            bound += float(reduced.min())
            ranked = np.argsort(reduced[:offered[i]], kind="stable")[:COLUMNS_PER_ROUND + len(chosen[i])]
            fresh = [int(row) for row in ranked
                     if reduced[row] - mu[i] < -REDUCED_COST_TOLERANCE and int(row) not in chosen[i]]
            negative = negative or float(reduced.min()) - mu[i] < -REDUCED_COST_TOLERANCE
            entering.extend((i, row) for row in fresh[:COLUMNS_PER_ROUND])
        best = max(best, bound)
        if not entering:
            converged = not negative
            break
        for i, row in entering:
            chosen[i].add(row)
            master.add(i, row)
    if not converged and not _solve(master.solver):
        return None
    today = [len(options) for options in patterns]
    complete = sum(len(c.levels) for c in pricer.candidates) <= WHOLE_FAMILY_COLUMNS
    if complete:
        chosen = [set(range(len(c.levels))) for c in pricer.candidates]
    added = _widen(problem, pricer, patterns, chosen)
    whole = best * pricer.weight if rounds else 0.0  # no round in time: only the trivial bound
    bound = max(0, math.ceil(whole - BOUND_TOLERANCE * max(1.0, abs(whole))))
    work_units = max(COLUMN_WORK_UNITS, problem.n_claims * problem.n_days / CELLS_PER_WORK_UNIT)
    return Columns(pricer.weight, bound, rounds, converged, added, today, deadline, work_units, complete,
                   _values(problem, pricer, master, patterns))


LP_ATTEMPTS = ("use_scaling: false", "use_scaling: true", "use_scaling: true, use_dual_simplex: true")
"""GLOP's parameters, tried in turn from scratch where one ends abnormally. The rows are scaled here (money in
average days of capacity, costs in units of the weight); GLOP's own scaling then failed numerically on none of the
24 bench cases at 40 x 36 and 60 x 60 (with it, on 4) and took half the time."""


def _solve(solver: pywraplp.Solver) -> bool:
    for attempt, parameters in enumerate(LP_ATTEMPTS):
        if attempt:
            solver.Reset()
        solver.SetSolverSpecificParametersAsString(parameters)
        if solver.Solve() == pywraplp.Solver.OPTIMAL:
            return True
    return False


def _values(problem: Problem, pricer: Pricer, master: _Master, patterns: list[list[Pattern]]) -> list[list[float]]:
    found: list[dict[tuple[tuple[int, ...], tuple[int, ...]], float]] = [{} for _ in patterns]
    for i, row, var in master.columns:
        pattern = pricer.candidates[i].pattern(problem, row)
        key = (pattern.days, pattern.amounts)
        found[i][key] = found[i].get(key, 0.0) + var.solution_value()
    return [[found[i].get((p.days, p.amounts), 0.0) for p in options] for i, options in enumerate(patterns)]


def _widen(problem: Problem, pricer: Pricer, patterns: list[list[Pattern]], chosen: list[set[int]]) -> int:
    added = 0
    for i, rows in enumerate(chosen):
        known = {(p.days, p.amounts) for p in patterns[i]}
        for row in sorted(rows):
            pattern = pricer.candidates[i].pattern(problem, row)
            if (pattern.days, pattern.amounts) not in known:
                known.add((pattern.days, pattern.amounts))
                patterns[i].append(pattern)
                added += 1
    return added
