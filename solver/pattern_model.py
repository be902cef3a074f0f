"""CP-SAT over patterns: one level-schedule pattern per claim, coupled by money and slots.

Every pattern already keeps its claim's own limits (see ``solver.patterns``), so the model
only has to say: exactly one pattern per claim, no day pays out money that has not come
in, and no day has more transfers than the policy allows. Also here: the greedy first
choice and the local search that improve a hint before CP-SAT starts.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.cpsat import new_solver
from solver.kept_back import fold_fits, is_direct, kept_back_cents, kept_back_variables, upper_bound
from solver.patterns import Pattern
from solver.problem import Problem


@dataclass
class PatternModel:
    problem: Problem
    patterns: list[list[Pattern]]
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    choose: list[list[cp_model.IntVar]] = field(default_factory=list)
    carry: list[cp_model.IntVar] = field(default_factory=list)
    moved: list[list[int]] | None = None
    """A variation: per claim and pattern, the cents it moves from the agreed plan (solver.variation)."""
    account_days: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    """Per (account, day) of an account with several claims: whether a transfer goes to it that day (one transfer
    however many of its claims it pays), at least the OR of its claims' pattern literals paying then. Only such
    accounts get one: a claim alone counts its own pattern's transfers, as before accounts."""
    kept: list[cp_model.IntVar] = field(default_factory=list)
    """A direct plan, once the main objective is solved: per date, the money kept back (``add_kept_back``)."""
    hinted: list[int] = field(default_factory=list)

    def build(self) -> PatternModel:
        p = self.problem
        for i, options in enumerate(self.patterns):
            literals = [self.model.new_bool_var(f"p_{i}_{k}") for k in range(len(options))]
            self.model.add_exactly_one(literals)
            self.choose.append(literals)
        transfers: list[list[cp_model.IntVar]] = [[] for _ in range(p.n_days)]
        spent: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in range(p.n_days)]
        paying: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for options, literals in zip(self.patterns, self.choose, strict=True):
            for pattern, literal in zip(options, literals, strict=True):
                account = p.account_of[pattern.claim] if pattern.claim in self._sharing else None
                for day, amount in zip(pattern.days, pattern.amounts, strict=True):
                    if account is None:
                        transfers[day].append(literal)
                    else:
                        paying.setdefault((account, day), []).append(literal)
                    spent[day].append((literal, amount))
        for (account, day), literals in paying.items():
            transfers[day].append(self._account_day(account, day, literals))
        limit = p.request.policy.max_transfers_per_date
        for t in range(p.n_days):
            if limit is not None and len(transfers[t]) > limit:
                self.model.add(sum(transfers[t]) <= limit)
        self._capacity(spent)
        return self

    @functools.cached_property
    def _sharing(self) -> set[int]:
        """Claims whose account has other claims too."""
        return {i for claims in self.problem.shared_accounts.values() for i in claims}

    def _account_day(self, account: int, day: int, literals: list[cp_model.IntVar]) -> cp_model.IntVar:
        """At least each pattern literal of the account's claims paying that day. Not also at most their OR: the
        transfers objective keeps it at the OR in every optimum, the plan's transfers are counted from the chosen
        patterns (``transfers_of``), and without the upper rows CP-SAT found better plans and proved more of them
        within the same work (bench cases with each creditor's dossiers on one account: 4 of 6 at 40 x 36 proven
        instead of 3, and at 100 x 60 a plan with half the transfers)."""
        sent = self.model.new_bool_var(f"a_{account}_{day}")
        for literal in literals:
            self.model.add_implication(literal, sent)
        self.account_days[account, day] = sent
        return sent

    def _transfers(self) -> cp_model.LinearExprT:
        """The transfers objective: each claim's pattern transfers, but one per (account, day) for shared accounts."""
        if not self.account_days:
            return self._weighted(lambda pattern: pattern.transfers)
        own = self._weighted(lambda pattern: 0 if pattern.claim in self._sharing else pattern.transfers)
        return cp_model.LinearExpr.sum([own, *self.account_days.values()])

    def transfers_of(self, choice: Sequence[int]) -> int:
        """The transfers of ``choice``, counted as the model counts them."""
        chosen = [self.patterns[i][k] for i, k in enumerate(choice)]
        own = sum(pattern.transfers for pattern in chosen if pattern.claim not in self._sharing)
        account_of = self.problem.account_of
        return own + len({(account_of[pattern.claim], day) for pattern in chosen if pattern.claim in self._sharing
                          for day in pattern.days})

    def _capacity(self, spent: list[list[tuple[cp_model.IntVar, int]]]) -> None:
        """Money never leaves before it comes in: carry[t] is what is kept for later."""
        p = self.problem
        carry = self.model.new_constant(0)
        for t, day in enumerate(p.days):
            saved = self.model.new_int_var(0, p.cumulative_capacity[t], f"carry_{t}")
            paid = cp_model.LinearExpr.weighted_sum([v for v, _ in spent[t]], [a for _, a in spent[t]])
            self.model.add(saved == carry + day.capacity_cents - paid)
            self.carry.append(saved)
            carry = saved

    def add_kept_back(self) -> cp_model.LinearExprT:
        """Adds the money kept back per date (``solver.kept_back``) and returns the objective after the main one
        in a direct plan: the money kept back, then lateness counted from each claim's earliest pattern, folded
        exactly; should that fold not fit in exact integers (never on the benchmark cases: it takes kept-back range
        x lateness range >= 2**53), the money kept back alone. Added after the main objective is solved, so that
        solve is the same as without it."""
        self.kept = kept_back_variables(self.model, self.problem, self.carry, self._most_paid())
        self.hint(self.hinted)
        earliest = [min(sum(pattern.days) for pattern in options) for options in self.patterns]
        lateness_range = sum(max(sum(pattern.days) for pattern in options) - low
                             for options, low in zip(self.patterns, earliest, strict=True))
        lateness = self._weighted(lambda pattern: sum(pattern.days) - earliest[pattern.claim])
        kept_range = sum(upper_bound(var) for var in self.kept)
        if not fold_fits(kept_range, lateness_range):
            return sum(self.kept)
        return fold(sum(self.kept), lateness, lateness_range)

    def keep_back_less(self, parameters: dict[str, str]
                       ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus, list[int] | None] | None:
        """A direct plan's last stage (None via the counsellor): from the plan hinted, its main objective kept, the
        objective of ``add_kept_back``. The choice is None if none was found within ``parameters``."""
        if not is_direct(self.problem):
            return None
        self.model.add(self.objectives()[-2] <= self.main_objective(self.hinted))
        self.model.minimize(self.add_kept_back())
        solver = new_solver(parameters)
        status = solver.solve(self.model)
        return solver, status, self.read(solver) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None

    def _most_paid(self) -> list[int]:
        """Per date, the most any choice pays: each claim's largest amount on it over its patterns."""
        total = [0] * self.problem.n_days
        for options in self.patterns:
            largest: dict[int, int] = {}
            for pattern in options:
                for day, amount in zip(pattern.days, pattern.amounts, strict=True):
                    largest[day] = max(largest.get(day, 0), amount)
            for day, amount in largest.items():
                total[day] += amount
        return total

    def _weighted(self, weight: Callable[[Pattern], int]) -> cp_model.LinearExprT:
        return sum(
            weight(pattern) * literal
            for options, literals in zip(self.patterns, self.choose, strict=True)
            for pattern, literal in zip(options, literals, strict=True)
            if weight(pattern)
        )

    def objectives(self) -> list[cp_model.LinearExprT]:
        """The two stages for ``solver.engine.lexicographic``: timing and transfers folded,
        then lateness (used when ``folded`` would not fit in exact integers)."""
        timing = self._weighted(lambda pattern: pattern.deviation)
        transfers = self._transfers()
        lateness = self._weighted(lambda pattern: sum(pattern.days))
        main = fold(timing, transfers, self._most_transfers())
        if self.moved is None:
            return [main, lateness]
        moved = self.moved
        pairs = [(literal, moved[i][k]) for i, literals in enumerate(self.choose)
                 for k, literal in enumerate(literals) if moved[i][k]]
        away = cp_model.LinearExpr.weighted_sum([v for v, _ in pairs], [c for _, c in pairs])
        return [away, main, lateness]

    def folded(self) -> FoldedObjective | None:
        """All three objectives in one exactly lexicographic objective, or None when its
        coefficients would exceed what a double holds exactly (2**53).

        Lateness is counted from each claim's earliest pattern, so it ranges over
        0..``lateness_range`` and one unit of the main objective (timing, then transfers)
        outweighs all of it. One solve instead of two: the second stage of the two-stage
        version spent most of its work proving that the first stage's solution was already
        the earliest, with a weak bound, because the main objective was only a constraint
        (measured on the benchmark cases: about a quarter of the work units in all)."""
        if self.moved is not None:  # the least money moved comes first: the stages are solved in turn
            return None
        most_transfers = self._most_transfers()
        most_timing = sum(max(pattern.deviation for pattern in options) for options in self.patterns)
        earliest = [min(sum(pattern.days) for pattern in options) for options in self.patterns]
        lateness_range = sum(
            max(sum(pattern.days) for pattern in options) - low
            for options, low in zip(self.patterns, earliest, strict=True)
        )
        scale = lateness_range + 1
        if (most_timing + 1) * (most_transfers + 1) * scale >= 2**53:
            return None
        main = fold(self._weighted(lambda pattern: pattern.deviation), self._transfers(), most_transfers)
        lateness = self._weighted(lambda pattern: sum(pattern.days) - earliest[pattern.claim])
        return FoldedObjective(fold(main, lateness, lateness_range), scale, sum(earliest), most_transfers + 1)

    def _most_transfers(self) -> int:
        """At least the transfers of any choice (an account's transfers are at most its claims' together)."""
        return sum(max(pattern.transfers for pattern in options) for options in self.patterns)

    def main_objective(self, choice: Sequence[int]) -> int:
        """The main objective (timing, then transfers, folded as in ``objectives``) of ``choice``."""
        chosen = [self.patterns[i][k] for i, k in enumerate(choice)]
        timing = sum(pattern.deviation for pattern in chosen)
        return timing * (self._most_transfers() + 1) + self.transfers_of(choice)

    def main_and_lateness(self, choice: Sequence[int], objective: FoldedObjective) -> tuple[int, int]:
        """The main objective (timing * weight + transfers) and the lateness of ``choice``,
        counted exactly from its patterns."""
        chosen = [self.patterns[i][k] for i, k in enumerate(choice)]
        timing = sum(pattern.deviation for pattern in chosen)
        lateness = sum(sum(pattern.days) for pattern in chosen)
        return timing * objective.transfers_weight + self.transfers_of(choice), lateness

    def hint(self, choice: Sequence[int]) -> None:
        self.hinted = list(choice)
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        for literals, chosen in zip(self.choose, choice, strict=True):
            for k, literal in enumerate(literals):
                self.model.add_hint(literal, k == chosen)
        if self.account_days:
            account_of = self.problem.account_of
            sent = {(account_of[i], day) for i, k in enumerate(choice) for day in self.patterns[i][k].days}
            for key, variable in self.account_days.items():
                self.model.add_hint(variable, key in sent)
        saved = 0
        amounts = self.amounts(choice)
        for t, day in enumerate(self.problem.days):
            saved += day.capacity_cents - sum(row[t] for row in amounts)
            self.model.add_hint(self.carry[t], saved)
        for var, kept in zip(self.kept, kept_back_cents(self.problem, amounts), strict=False):
            self.model.add_hint(var, kept)

    def read(self, solver: cp_model.CpSolver) -> list[int]:
        return [
            next(k for k, literal in enumerate(literals) if solver.boolean_value(literal))
            for literals in self.choose
        ]

    def amounts(self, choice: Sequence[int]) -> list[list[int]]:
        result = [[0] * self.problem.n_days for _ in self.patterns]
        for i, k in enumerate(choice):
            pattern = self.patterns[i][k]
            for day, amount in zip(pattern.days, pattern.amounts, strict=True):
                result[i][day] = amount
        return result


@dataclass(frozen=True)
class FoldedObjective:
    """timing * transfers_weight + transfers (the main objective) times ``scale``, plus
    lateness minus ``offset``: exactly lexicographic in one linear objective."""

    expression: cp_model.LinearExprT
    scale: int
    offset: int
    transfers_weight: int

    def main_bound(self, bound: float) -> int:
        """A lower bound on the main objective from a bound on the folded one: lateness
        adds at most scale - 1, so main >= ceil((bound - scale + 1) / scale) = floor(bound / scale)."""
        return math.ceil(bound) // self.scale


def fold(
    first: cp_model.LinearExprT, second: cp_model.LinearExprT, second_most: int
) -> cp_model.LinearExprT:
    """One objective that is exactly lexicographic: ``second`` never exceeds ``second_most``,
    so one unit of ``first`` always outweighs it. One solve instead of two saves a presolve
    and lets the search trade both at once (measured: about half the work units)."""
    return cp_model.LinearExpr.weighted_sum([first, second], [second_most + 1, 1])


def greedy_choice(problem: Problem, patterns: list[list[Pattern]]) -> list[int] | None:
    """A first choice of patterns that fits money and slots, or None.

    Claims take turns, largest first; each takes the best-timed pattern that still fits.
    A second attempt prefers patterns that never run ahead of their target, which leaves
    the money for the claims that must finish before the last day."""
    orders = (
        lambda i, k: (patterns[i][k].deviation, patterns[i][k].transfers, k),
        lambda i, k: (not patterns[i][k].behind, patterns[i][k].deviation, k),
    )
    for key in orders:
        choice = _greedy(problem, patterns, key)
        if choice is not None:
            return choice
    return None


def _greedy(
    problem: Problem, patterns: list[list[Pattern]], key: Callable[[int, int], tuple[object, ...]]
) -> list[int] | None:
    slots = Slots(problem)
    spent = [0] * problem.n_days
    choice = [0] * problem.n_claims
    order = sorted(range(problem.n_claims), key=lambda i: -sum(patterns[i][0].amounts))
    for i in order:
        ranked = sorted(range(len(patterns[i])), key=functools.partial(key, i))
        fitting = (k for k in ranked if _fits(problem, patterns[i][k], slots, spent))
        chosen = next(fitting, None)
        if chosen is None:
            return None
        choice[i] = chosen
        _place(patterns[i][chosen], slots, spent, 1)
    return choice


def improve_choice(
    problem: Problem, patterns: list[list[Pattern]], choice: list[int], rounds: int = 3
) -> list[int]:
    """Local search: one claim at a time, switch to a better-timed pattern while the others
    stay put, as long as money and slots still fit."""
    slots = Slots(problem)
    spent = [0] * problem.n_days
    for i, k in enumerate(choice):
        _place(patterns[i][k], slots, spent, 1)
    choice = list(choice)
    for _ in range(rounds):
        changed = False
        for i in range(problem.n_claims):
            current = patterns[i][choice[i]]
            _place(current, slots, spent, -1)
            options = patterns[i]
            better = sorted(
                (k for k, p in enumerate(options) if _better(p, current)),
                key=lambda k: (options[k].deviation, options[k].transfers, k),
            )
            chosen = next((k for k in better if _fits(problem, patterns[i][k], slots, spent)), None)
            if chosen is not None:
                choice[i] = chosen
                changed = True
            _place(patterns[i][choice[i]], slots, spent, 1)
        if not changed:
            break
    return choice


def _better(candidate: Pattern, current: Pattern) -> bool:
    return (candidate.deviation, candidate.transfers) < (current.deviation, current.transfers)


class Slots:
    """Transfers per day as the limit counts them: one per account paid that day, however many of its claims."""

    def __init__(self, problem: Problem) -> None:
        self.limit = problem.request.policy.max_transfers_per_date or problem.n_claims
        self.account_of = problem.account_of
        self.taken = [0] * problem.n_days
        self.claims: dict[tuple[int, int], int] = {}
        """Per (account, day) with a transfer: how many of its claims it pays."""

    def fits(self, pattern: Pattern) -> bool:
        account = self.account_of[pattern.claim]
        return all(self.taken[day] < self.limit or (account, day) in self.claims for day in pattern.days)

    def place(self, pattern: Pattern, sign: int) -> None:
        account = self.account_of[pattern.claim]
        for day in pattern.days:
            key = (account, day)
            count = self.claims.get(key, 0) + sign
            if count:
                self.claims[key] = count
            else:
                del self.claims[key]
            if count == (sign > 0):  # the account's first claim that day, or its last one gone
                self.taken[day] += sign


def _place(pattern: Pattern, slots: Slots, spent: list[int], sign: int) -> None:
    slots.place(pattern, sign)
    for day, amount in zip(pattern.days, pattern.amounts, strict=True):
        spent[day] += sign * amount


def _fits(problem: Problem, pattern: Pattern, slots: Slots, spent: list[int]) -> bool:
    if not slots.fits(pattern):
        return False
    extra = dict(zip(pattern.days, pattern.amounts, strict=True))
    paid = 0
    for t in range(problem.n_days):
        paid += spent[t] + extra.get(t, 0)
        if paid > problem.cumulative_capacity[t]:
            return False
    return True
