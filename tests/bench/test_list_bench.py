"""The list benchmark runs end to end on a small PostgreSQL database and leaves its indexes as it found them."""

from __future__ import annotations

import asyncio

import pytest

from bench.list_bench import measure, prepare, render
from bench.seed import seed
from tests.service.test_migrations import drift

pytestmark = pytest.mark.postgres


def test_the_list_bench_measures_every_scenario_and_puts_the_indexes_back(postgres_database_url: str) -> None:
    seeded = seed(postgres_database_url, cases=40, claims=400)
    prepare(postgres_database_url, seeded)
    figures = asyncio.run(measure(postgres_database_url, seeded, repeat=3, rounds=1))

    assert figures["indexed"].keys() == figures["unindexed"].keys()
    assert figures["indexed"]["cases: every page, one by one"]["rows"] == 40
    assert figures["unpaged"]["rows"] == 40
    assert figures["indexed"]["cases: by reference"]["rows"] == 1
    assert all(row["p95"] >= row["p50"] > 0 for row in figures["indexed"].values())
    assert drift(postgres_database_url) == [], "the list indexes are back as the migrations made them"
    text = render({**figures, "cases": 40, "claims": 400, "seed_s": seeded.seconds, "postgres": "15",
                   "cpus": 2, "python": "3"})
    assert "cases: by name (accents ignored)" in text
