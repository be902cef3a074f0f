"""The workspace benchmark runs end to end on a small PostgreSQL database: every page answers, and the case it
opens has what the issue asks for (an active plan whose installments are partly paid by receipts, partly overdue)."""

from __future__ import annotations

import pytest

from bench.workspace_bench import render, run
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.postgres


def test_the_workspace_bench_times_every_page_on_a_case_with_paid_and_overdue_installments(postgres_url: str) -> None:
    figures = run(POSTGRES_URL, cases=40, claims=400, repeat=2)

    pages = figures["pages"]
    assert {"board, first page", "board, search by reference", "board, one state", "plan builder (solved version)",
            "plan builder, two versions compared", "negotiation board", "debtor letter (POST)",
            "creditor page (token)"} <= pages.keys()
    assert f"case page ({figures['case_claims']} claims, active plan)" in pages
    assert figures["case_claims"] >= 10, "the seeded case with the most claims"
    assert figures["installments"]["paid"] > 0
    assert figures["installments"]["overdue"] > 0
    assert all(row["p95_ms"] >= row["p50_ms"] > 0 for row in pages.values())
    assert "target p95 100 ms" in render(figures)
