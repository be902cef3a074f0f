"""The benchmark's case generator: deterministic, valid, the asked sizes, realistic money."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.cases import BENCH_SIZES, make_case
from solver.calendar import payment_days
from solver.models import ClaimClass, PlanRequest

CASES_SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "cases.py"


@pytest.mark.parametrize(("n_claims", "months"), BENCH_SIZES)
def test_cases_have_the_asked_size_and_survive_json(n_claims: int, months: int) -> None:
    case = make_case(n_claims, months, seed=0)
    assert len(case.claims) == n_claims
    assert case.months == months
    again = PlanRequest.model_validate_json(case.model_dump_json(by_alias=True, exclude_none=True))
    assert again == case


def test_same_seed_same_case_other_seed_other_case() -> None:
    assert make_case(14, 18, seed=7) == make_case(14, 18, seed=7)
    assert make_case(14, 18, seed=7) != make_case(14, 18, seed=8)


def test_every_creditor_name_is_distinct_even_beyond_the_catalogue() -> None:
    names = [claim.creditor for claim in make_case(60, 60, seed=0).claims]
    assert len(set(names)) == 60


@pytest.mark.parametrize("seed", range(10))
def test_money_is_realistic(seed: int) -> None:
    case = make_case(20, 36, seed)
    monthly = sum(day.capacity_cents for day in payment_days(case)) / case.months
    # €50–€400 a month, plus holiday pay once a year
    assert 5_000 <= monthly <= 55_000
    assert any(claim.claim_class is ClaimClass.PREFERENT for claim in case.claims)
    for claim in case.claims:
        assert (
            claim.min_payment_cents is None
            or 5 * claim.min_payment_cents <= claim.outstanding_cents
        )


def test_most_cases_are_settlements_some_are_full_repayments() -> None:
    full = 0
    for seed in range(30):
        case = make_case(14, 18, seed)
        capacity = sum(day.capacity_cents for day in payment_days(case))
        full += capacity >= sum(claim.outstanding_cents for claim in case.claims)
    assert 0 < full < 15


def test_cli_prints_the_same_case_as_json() -> None:
    printed = subprocess.run(
        [sys.executable, str(CASES_SCRIPT), "6", "18", "--seed", "3"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert PlanRequest.model_validate_json(printed) == make_case(6, 18, seed=3)
