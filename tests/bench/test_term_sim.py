"""The term simulation runs end to end at a tiny scale on PostgreSQL, and every one of its checks passes."""

from __future__ import annotations

import pytest

from bench.term_sim import render, simulate

pytestmark = pytest.mark.postgres


def test_three_cases_through_three_months_leave_ledgers_receipts_arrears_and_final_statements_right(
        postgres_database_url: str) -> None:
    result = simulate(postgres_database_url, cases=3, months=3, seed_value=1)

    assert result["activated"] == 3 and result["not_activated"] == {}
    assert result["entries"] > 0 and result["chore_days"] > 0
    assert result["failures"] == []
    assert result["checks"] == dict.fromkeys(result["checks"], True), render(result)
    assert len(result["checks"]) == 6
