"""The term simulation runs end to end at a tiny scale on PostgreSQL, and every one of its checks passes, with
every case's plan varied after its income drops (the checks then read the plan as it runs)."""

from __future__ import annotations

import pytest

from bench.term_sim import render, simulate

pytestmark = pytest.mark.postgres


def test_three_cases_through_three_months_with_variations_leave_ledgers_receipts_arrears_and_statements_right(
        postgres_database_url: str) -> None:
    result = simulate(postgres_database_url, cases=3, months=3, seed_value=1, vary_share=1.0)

    assert result["activated"] == 3 and result["not_activated"] == {}
    assert result["entries"] > 0 and result["chore_days"] > 0
    assert result["failures"] == []
    assert result["checks"] == dict.fromkeys(result["checks"], True), render(result)
    assert len(result["checks"]) == 8
    assert result["not_varied"] == {}, render(result)
    assert len(result["variations"]) == 3
    for varied in result["variations"]:
        assert varied["valid"] and varied["runs_as_carried_and_varied"], varied
        assert varied["start"] > varied["cut_on"]
    total = result["variation_total"]
    assert total["moved_cents"] <= total["fresh_moved_cents"], render(result)
