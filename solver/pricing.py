"""Pricing for column generation: every level pattern of a claim as numpy arrays, and their reduced costs.

A claim's candidates are the level patterns of ``solver.patterns.level_pattern`` for every valid payment count
(1 up to what its minimum, its days and its transfer limit allow) and every phase in eighths (1/8 .. 8/8), plus
the patterns the engine already offers it (today's count set and the rotation's row). They are computed once per
claim, all counts and phases at once: payment j of k with phase f falls on the first allowed day whose share has
reached (j - 1 + f) / k, found by ``searchsorted`` on the claim's shares, with the same integer arithmetic as
``level_pattern`` (a test checks that both give the same patterns). A chosen column becomes a ``Pattern`` through
``level_pattern`` itself.

Reduced costs are a matrix-vector product per claim: cost - amounts . money prices - paid days . slot prices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from solver.patterns import PERCENT, Pattern, level_pattern, payment_counts
from solver.problem import Problem

PHASE_DENOMINATOR = 8
"""Phases in eighths: payment j of k falls due at (j - 1 + n/8) / k of the claim's share, n = 1..8."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class Candidates:
    """One claim's candidate patterns: rows of ``amounts`` (cents per day). The first ``len(levels)`` rows are
    level patterns (count, phase numerator); the rest are ``extras``, patterns given as they are."""

    claim: int
    total: int
    levels: list[tuple[int, int]]
    extras: list[Pattern]
    amounts: IntArray
    deviation: IntArray
    transfers: IntArray

    @property
    def paid(self) -> FloatArray:
        return (self.amounts > 0).astype(np.float64)

    made: dict[int, Pattern] = field(default_factory=dict)

    def pattern(self, problem: Problem, row: int) -> Pattern:
        if row >= len(self.levels):
            return self.extras[row - len(self.levels)]
        if row not in self.made:  # what level_pattern(count, phase) gives, read from the arrays (a test compares)
            amounts = self.amounts[row]
            days = np.flatnonzero(amounts)
            self.made[row] = Pattern(
                claim=self.claim,
                days=tuple(days.tolist()),
                amounts=tuple(amounts[days].tolist()),
                deviation=int(self.deviation[row]),
                paid_by_day_sum=int(np.cumsum(amounts).sum()),
                behind=self.levels[row][1] == PHASE_DENOMINATOR,
            )
        return self.made[row]


@dataclass
class Pricer:
    """Candidates of every claim with their float matrices, scaled for the master LP, kept for every round."""

    candidates: list[Candidates]
    money_scale: float
    weight: int
    _money: list[FloatArray]
    _paid: list[FloatArray]
    _cost: list[FloatArray]

    @classmethod
    def build(cls, problem: Problem, totals: Sequence[int], offered: Sequence[Sequence[Pattern]],
              money_scale: float) -> Pricer:
        candidates = [claim_candidates(problem, i, totals[i], list(offered[i])) for i in range(problem.n_claims)]
        weight = transfers_weight(problem, candidates)
        money = [c.amounts.astype(np.float64) / money_scale for c in candidates]
        paid = [c.paid for c in candidates]
        cost = [(c.deviation * weight + c.transfers).astype(np.float64) / weight for c in candidates]
        return cls(candidates, money_scale, weight, money, paid, cost)

    def column(self, i: int, row: int) -> tuple[float, FloatArray, FloatArray]:
        """Cost (in units of the weight), money per day (scaled) and paid days of claim i's candidate ``row``."""
        return float(self._cost[i][row]), self._money[i][row], self._paid[i][row]

    def reduced(self, i: int, prices: FloatArray, slot_prices: FloatArray) -> FloatArray:
        """Reduced costs of claim i's candidates without its convexity dual."""
        result: FloatArray = self._cost[i] - self._money[i] @ prices - self._paid[i] @ slot_prices
        return result


def transfers_weight(problem: Problem, candidates: Sequence[Candidates]) -> int:
    """One unit of timing outweighs every transfer any plan of these candidates can make: the most transfers of
    each claim summed (never more than the slots hold), plus one. Fixed before any column is chosen, so the LP
    and CP-SAT minimise the same function."""
    most = sum(int(c.transfers.max()) for c in candidates)
    limit = problem.request.policy.max_transfers_per_date
    if limit is not None:
        most = min(most, limit * problem.n_days)
    return most + 1


def claim_candidates(problem: Problem, i: int, total: int, offered: list[Pattern]) -> Candidates:
    claim = problem.request.claims[i]
    levels: list[tuple[int, int]] = []
    amounts = np.zeros((0, problem.n_days), dtype=np.int64)
    if total > 0 and claim.fixed_installment_cents is None:
        levels, amounts = _level_arrays(problem, i, total)
    elif total > 0:
        found = [((count, phase), level_pattern(problem, i, total, count, (phase, PHASE_DENOMINATOR)))
                 for count in payment_counts(problem, i, total, problem.n_days)
                 for phase in range(1, PHASE_DENOMINATOR + 1)]
        levels = [level for level, pattern in found if pattern is not None]
        amounts = _rows(problem, [pattern for _, pattern in found if pattern is not None])
    amounts = np.vstack([amounts, _rows(problem, offered)])
    deviation = _deviations(problem, i, amounts)
    return Candidates(i, total, levels, offered, amounts, deviation, (amounts > 0).sum(axis=1).astype(np.int64))


def _rows(problem: Problem, patterns: Sequence[Pattern]) -> IntArray:
    rows = np.zeros((len(patterns), problem.n_days), dtype=np.int64)
    for k, pattern in enumerate(patterns):
        rows[k, list(pattern.days)] = pattern.amounts
    return rows


def _level_arrays(problem: Problem, i: int, total: int) -> tuple[list[tuple[int, int]], IntArray]:
    """Every valid level pattern of claim i (no fixed installment), one row per distinct schedule."""
    allowed = np.flatnonzero(np.asarray(problem.windows[i]))
    shares = np.asarray(problem.share_numerators[i], dtype=np.int64)
    span = problem.share_denominators[i]
    counts = np.asarray(payment_counts_all(problem, i, total, len(allowed)), dtype=np.int64)
    if len(counts) == 0:
        return [], np.zeros((0, problem.n_days), dtype=np.int64)
    count = np.repeat(counts, PHASE_DENOMINATOR)
    phase = np.tile(np.arange(1, PHASE_DENOMINATOR + 1, dtype=np.int64), len(counts))
    combo = np.repeat(np.arange(len(count)), count)
    first = np.repeat(np.cumsum(count) - count, count)
    j = np.arange(len(combo)) - first  # 0-based payment number
    threshold = (j * PHASE_DENOMINATOR + phase[combo]) * span
    denominator = count[combo] * PHASE_DENOMINATOR
    needed = -(-threshold // denominator)  # share * denominator >= threshold, in integers
    position = np.searchsorted(shares[allowed], needed, side="left")
    reached = np.ones(len(count), dtype=bool)
    np.logical_and.at(reached, combo, position < len(allowed))
    day = allowed[np.minimum(position, len(allowed) - 1)]
    cumulative = np.zeros((len(count), problem.n_days), dtype=np.int64)
    np.maximum.at(cumulative, (combo, day), total * (j + 1) // count[combo])
    cumulative = np.maximum.accumulate(cumulative, axis=1)
    amounts = np.diff(cumulative, axis=1, prepend=0)
    smallest = np.where(amounts > 0, amounts, total + 1).min(axis=1)
    keep = reached & (smallest >= problem.minimums[i])
    amounts = amounts[keep]
    pairs = list(zip(count[keep].tolist(), phase[keep].tolist(), strict=True))
    _, first_rows = np.unique(amounts, axis=0, return_index=True)
    distinct = np.sort(first_rows)
    return [pairs[k] for k in distinct.tolist()], amounts[distinct]


def payment_counts_all(problem: Problem, i: int, total: int, allowed: int) -> list[int]:
    """Every payment count claim i can have: 1 up to its minimum, its days and its transfer limit."""
    claim = problem.request.claims[i]
    most = min(total // problem.minimums[i], allowed)
    if claim.max_transfers is not None:
        most = min(most, claim.max_transfers)
    return list(range(1, most + 1))


def _deviations(problem: Problem, i: int, amounts: IntArray) -> IntArray:
    """Per row, ``solver.patterns._deviation``: the largest gap between the claim's received share and its target,
    in whole percent rounded up."""
    if len(amounts) == 0:
        return np.zeros(0, dtype=np.int64)
    shares = np.asarray(problem.share_numerators[i], dtype=np.int64)
    span = problem.share_denominators[i]
    cumulative = np.cumsum(amounts, axis=1)
    totals = cumulative[:, -1]
    worst = np.abs(cumulative * span - shares[None, :] * totals[:, None]).max(axis=1)
    scale = np.maximum(totals * span, 1)
    result: IntArray = np.where(totals > 0, -(-worst * PERCENT // scale), 0)
    return result
