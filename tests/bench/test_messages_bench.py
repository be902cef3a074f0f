"""The messages benchmark runs end to end on a small PostgreSQL database: it finds exactly the messages due at its
tick and the local SMTP server receives each of them once."""

from __future__ import annotations

import pytest

from bench.messages_bench import render, run
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.postgres


def test_the_messages_bench_finds_the_due_messages_and_sends_each_once(postgres_url: str) -> None:
    figures = run(POSTGRES_URL, cases=56, months=4, repeat=2, rounds=1)
    # 56 cases on days 1..28: two cases a day; the tick is the 15th of the third month.
    assert figures["rows"] == {"planned": 56 * 4 - 2 * 28 * 2 - 2 * 14, "sent": 2 * 28 * 2 + 2 * 14}
    finding = figures["finding"]
    assert finding["find due: count all"]["rows"] == 2
    assert finding["find due: first 100"]["rows"] == 2
    assert finding["mark uncertain (rows left sending)"]["rows"] == 0
    assert figures["sending"]["sent"] == figures["sending"]["smtp_received"] == 2
    assert all(f["p95"] >= f["p50"] > 0 for f in finding.values())
    assert "messages in" in render(figures)
