"""The payout simulation runs end to end at a tiny scale on PostgreSQL, and every one of its checks passes."""

from __future__ import annotations

import pytest

from bench.payout_sim import render, simulate

pytestmark = pytest.mark.postgres


def test_three_cases_via_the_counsellor_through_three_months_pay_every_creditor_from_money_received(
        postgres_database_url: str) -> None:
    result = simulate(postgres_database_url, cases=3, months=3, seed_value=1)

    assert result["activated"] == 3 and result["not_activated"] == {}
    assert result["runs"] > 0 and result["transfers"] > 0
    assert result["failures"] == []
    assert result["checks"] == dict.fromkeys(result["checks"], True), render(result)
    assert len(result["checks"]) == 6
