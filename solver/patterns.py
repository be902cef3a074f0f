"""Candidate payment patterns per claim: level schedules with k payments and a phase.

A pattern pays claim i its total Q in k (nearly) equal payments; payment j falls on the
first allowed day on which the claim's pro-rata target has passed (j - 1 + phase) * Q / k.
This is the level-schedule rounding of the product rate variation problem (Miltenburg 1989;
Steiner & Yeomans 1993; Tijdeman's chairman assignment): with phase 1/2 the claim's
cumulative payments stay within about half a payment of its target; with phase 1 a claim
never runs ahead of its target. Different payment counts give claims different days, so
they can take turns on busy days. Besides these, the engine adds each claim's row of the
backwards rotation (``solver.heuristic``), which is the complete first hint.

Every pattern already satisfies the claim's own limits (minimum, fixed installment,
maximum number of transfers, earliest/latest date), so the CP-SAT model over patterns only
has to couple the claims: money per day and transfers per day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from solver.problem import Problem

PHASES = ((1, 2), (1, 1))
"""Phases as (numerator, denominator): where in its step a payment falls due. Centred
(1/2, the level-schedule rounding) and never ahead (1). Offering also 1/4 and 3/4 gave
slightly better plans on some cases but made CP-SAT up to ten times slower to prove them
(measured on the benchmark cases: 60 x 60 proven in 2 work units instead of not in 10)."""
SMALL_COUNTS = 8
"""Every payment count up to this is offered; beyond it, counts grow by about a quarter."""
PERCENT = 100
"""Timing deviation unit: whole percent, so near-equal timings tie and fewer transfers win."""


@dataclass(frozen=True)
class Pattern:
    claim: int
    days: tuple[int, ...]
    amounts: tuple[int, ...]
    deviation: int
    """Largest gap between the claim's share of its own total and its target share, in
    whole percent (rounded up)."""
    paid_by_day_sum: int
    """Sum over all days of what the claim has received by then: larger means earlier."""
    behind: bool = False
    """Never ahead of the claim's target (phase 1): such patterns together always fit the
    money, except for the transfers on the last days."""

    @property
    def transfers(self) -> int:
        return len(self.days)


def claim_patterns(problem: Problem, i: int, total: int, count_cap: int) -> list[Pattern]:
    """Distinct valid patterns paying claim i exactly ``total`` (one empty pattern for 0)."""
    if total == 0:
        return [Pattern(i, (), (), 0, 0)]
    found: dict[tuple[tuple[int, ...], tuple[int, ...]], Pattern] = {}
    for count in payment_counts(problem, i, total, count_cap):
        for phase in PHASES:
            pattern = level_pattern(problem, i, total, count, phase)
            if pattern is not None:
                found.setdefault((pattern.days, pattern.amounts), pattern)
    return list(found.values())


def payment_counts(problem: Problem, i: int, total: int, count_cap: int) -> list[int]:
    claim = problem.request.claims[i]
    allowed = sum(problem.windows[i])
    if claim.fixed_installment_cents is not None:
        count = total // claim.fixed_installment_cents
        fits = count * claim.fixed_installment_cents == total and count <= problem.most_installments(i)
        return [count] if fits else []
    most = min(total // problem.minimums[i], allowed, count_cap)
    if claim.max_transfers is not None:
        most = min(most, claim.max_transfers)
    counts = set(range(1, min(most, SMALL_COUNTS) + 1))
    count = SMALL_COUNTS
    while count < most:
        counts.add(count)
        count = math.ceil(count * 1.25)
    if most >= 1:
        counts.add(most)
    return sorted(counts)


def level_pattern(
    problem: Problem, i: int, total: int, count: int, phase: tuple[int, int]
) -> Pattern | None:
    """Payment j (of k nearly equal payments) falls on the first allowed day on which the
    claim's share has passed (j - 1 + phase) / k."""
    shares = problem.share_numerators[i]
    span = problem.share_denominators[i]
    phase_num, phase_den = phase
    fixed = problem.request.claims[i].fixed_installment_cents is not None
    days: list[int] = []
    cumulative: list[int] = []
    t: int | None = 0
    for j in range(1, count + 1):
        threshold = ((j - 1) * phase_den + phase_num) * span
        t = _first_day(problem, i, t or 0, threshold, count * phase_den, fixed and bool(days))
        if t is None:
            return None
        received = total * j // count
        if days and days[-1] == t:
            cumulative[-1] = received
        else:
            days.append(t)
            cumulative.append(received)
    amounts = tuple(b - a for a, b in zip([0, *cumulative], cumulative, strict=False))
    if not fixed and min(amounts) < problem.minimums[i]:
        return None
    return Pattern(
        claim=i,
        days=tuple(days),
        amounts=amounts,
        deviation=_deviation(shares, span, days, cumulative, total),
        paid_by_day_sum=_paid_by_day_sum(problem.n_days, days, cumulative),
        behind=phase_num == phase_den,
    )


def is_valid(problem: Problem, pattern: Pattern) -> bool:
    """The pattern keeps its claim's own limits: window, minimum, fixed installment, count."""
    claim = problem.request.claims[pattern.claim]
    if any(not problem.windows[pattern.claim][day] for day in pattern.days):
        return False
    if claim.max_transfers is not None and pattern.transfers > claim.max_transfers:
        return False
    if claim.fixed_installment_cents is not None:
        return all(amount == claim.fixed_installment_cents for amount in pattern.amounts)
    return all(amount >= problem.minimums[pattern.claim] for amount in pattern.amounts)


def row_pattern(problem: Problem, i: int, row: list[int]) -> Pattern:
    """The pattern of claim i in a day-by-day schedule (e.g. the heuristic's rotation)."""
    days = [t for t, amount in enumerate(row) if amount > 0]
    cumulative: list[int] = []
    received = 0
    for t in days:
        received += row[t]
        cumulative.append(received)
    if not days:
        return Pattern(i, (), (), 0, 0)
    span = problem.share_denominators[i]
    return Pattern(
        claim=i,
        days=tuple(days),
        amounts=tuple(row[t] for t in days),
        deviation=_deviation(problem.share_numerators[i], span, days, cumulative, received),
        paid_by_day_sum=_paid_by_day_sum(problem.n_days, days, cumulative),
    )


def _first_day(
    problem: Problem, i: int, start: int, threshold: int, denominator: int, after_start: bool
) -> int | None:
    """First allowed day from ``start`` on which share * denominator >= threshold (strictly
    after ``start`` when a fixed installment may not share a day)."""
    shares = problem.share_numerators[i]
    window = problem.windows[i]
    t = start + 1 if after_start else start
    while t < problem.n_days and (not window[t] or shares[t] * denominator < threshold):
        t += 1
    return t if t < problem.n_days else None


def _deviation(
    shares: list[int], span: int, days: list[int], cumulative: list[int], total: int
) -> int:
    """max over days of |received/total - share/span|, in whole percent rounded up."""
    worst = 0
    received = 0
    position = 0
    for t, share in enumerate(shares):
        if position < len(days) and days[position] == t:
            received = cumulative[position]
            position += 1
        worst = max(worst, abs(received * span - share * total))
    return -(-worst * PERCENT // (total * span))


def _paid_by_day_sum(n_days: int, days: list[int], cumulative: list[int]) -> int:
    result = 0
    received = 0
    position = 0
    for t in range(n_days):
        if position < len(days) and days[position] == t:
            received = cumulative[position]
            position += 1
        result += received
    return result


def crowded(problem: Problem, patterns: list[list[Pattern]]) -> bool:
    """No choice of these patterns can fit the transfer limit: the days they use hold fewer transfers than there
    are claims to pay. Level patterns follow the plan's share of the money, the same for every claim without dates
    of its own, so with hundreds of claims they all fall on the same few days (282 claims on 8 days in a bench case
    of 300 claims over 36 months)."""
    limit = problem.request.policy.max_transfers_per_date
    if limit is None:
        return False
    days = {day for options in patterns for pattern in options for day in pattern.days}
    paid = {problem.account_of[i] for i, options in enumerate(patterns) if all(pattern.days for pattern in options)}
    return limit * len(days) < len(paid)  # claims that share an account share its transfers
