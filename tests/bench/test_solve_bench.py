"""The benchmark's arithmetic: the growth exponent it uses to judge linear growth."""

from __future__ import annotations

import pytest

from bench.solve_bench import PlanFigures, SizeResult, growth_exponent


def _result(claims: int, dates: int, solve_ms: float) -> SizeResult:
    figures = PlanFigures(
        plan="solver",
        status="optimal",
        wall_ms=None,
        solve_ms=solve_ms,
        gap=0.0,
        paid_cents=0,
        reachable_cents=0,
        transfers=0,
        smallest_cents=None,
        under_10_euro=0,
        max_share_deviation=0.0,
        max_timing_deviation=0.0,
        violations=0,
        first_violation=None,
    )
    return SizeResult(claims, 12, dates, figures, None, figures)


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0])
def test_growth_exponent_recovers_the_power_of_the_time(power: float) -> None:
    sizes = [(6, 40), (20, 37), (60, 127)]
    results = [_result(c, d, 3.0 * (c * d) ** power) for c, d in sizes]
    assert growth_exponent(results) == pytest.approx(power)


def test_growth_exponent_needs_two_sizes() -> None:
    assert growth_exponent([_result(6, 40, 100.0)]) is None
