"""The engine's first plan as patterns: the rotation's rows, or a variation's agreed rows, offered as patterns of
their own and chosen first (moved out of ``solver.engine``)."""

from __future__ import annotations

from solver.patterns import Pattern, is_valid, row_pattern
from solver.problem import Problem
from solver.variation import fitted_patterns


def offer_rotation(problem: Problem, patterns: list[list[Pattern]],
                   rotation: list[list[int]] | None) -> list[int] | None:
    """Each claim's row of the rotation becomes a pattern of its own, and together they are the first choice: a
    complete plan that fits money and transfers."""
    rows = [row_pattern(problem, i, row) for i, row in enumerate(rotation or [])]
    if not rows or not all(is_valid(problem, row) for row in rows):
        return None
    start = []
    for i, row in enumerate(rows):
        start.append(len(patterns[i]))
        patterns[i].append(row)
    return start


def offer_agreed_rows(problem: Problem, totals: list[int], patterns: list[list[Pattern]],
                      rows: list[list[int]], start: list[int] | None) -> list[int] | None:
    """Each claim's agreed row fitted to its new total becomes a pattern of its own, and the first choice where
    it is one: a variation starts from the agreed plan."""
    choice = list(start) if start is not None else None
    for i, row in enumerate(rows):
        fitted = fitted_patterns(problem, i, totals[i], row)
        for pattern in fitted:
            if pattern not in patterns[i]:
                patterns[i].append(pattern)
        if choice is not None and fitted:
            choice[i] = patterns[i].index(fitted[0])
    return choice
