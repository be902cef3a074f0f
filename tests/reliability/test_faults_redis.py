"""Redis killed while counsellors ask for plans: the API keeps answering 202; the jobs run once Redis is back.

A real API server process and a real `debt-coord worker` on a `redis-server` of the test's
own (tests/reliability/servers.py; the machine's shared Redis is never touched), with the
jobs tests' short leases and sweeps (tests/jobs/support.py's FAST_JOBS). Redis is killed
with SIGKILL (no persistence: every message in it is lost), plans are asked for while it
is gone, and it is started again, empty, on the same port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.jobs.support import (
    FAST_JOBS,
    ask_for_plan,
    plan_case,
    plan_versions,
    poll_job,
    settings_for,
    wait_for,
    workers,
)
from tests.live import live_server
from tests.reliability.servers import PrivateRedis
from tests.support import build_world

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.timeout(240)]

ASKED_WHILE_DOWN = 3


@pytest.fixture
def database(postgres_database_url: str) -> str:
    return postgres_database_url


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    try:
        yield server
    finally:
        server.close()


def logs(tmp_path: Path, redis_server: PrivateRedis) -> str:
    found = [f"== {p.name}\n{p.read_text(errors='replace')[-4000:]}" for p in sorted(tmp_path.glob("*.log"))]
    return "\n".join([*found, f"== redis\n{redis_server.server_log()}"])


def test_redis_killed_while_plans_are_asked_the_api_accepts_and_the_jobs_run_when_it_is_back(
    database: str, private_redis: PrivateRedis, tmp_path: Path
) -> None:
    settings = settings_for(database, private_redis.url)
    world = build_world(database)
    on_timeout = lambda: logs(tmp_path, private_redis)  # noqa: E731
    fast = {name: str(value) for name, value in FAST_JOBS.items()}
    with live_server(database, redis_url=private_redis.url, **fast) as base, \
            httpx.Client(base_url=base, timeout=30) as api, workers(settings, tmp_path):
        case_id = plan_case(api, world, 6, 18)  # type: ignore[arg-type]  # an httpx client speaks the same
        first = poll_job(api, world, ask_for_plan(api, world, case_id, time_limit_seconds=2),  # type: ignore[arg-type]
                         timeout=60, on_timeout=on_timeout)
        assert first["status"] == "succeeded", first

        private_redis.kill()
        # Asked while Redis is gone: each is a row first, so each is accepted (ask_for_plan checks the 202).
        waiting = [ask_for_plan(api, world, case_id, time_limit_seconds=2)  # type: ignore[arg-type]
                   for _ in range(ASKED_WHILE_DOWN)]
        assert api.get("/health").status_code == 200, "Redis is transport: the API stays up without it"
        # The worker's sweeper tries to send them again and fails while Redis is away; nothing is lost by that.
        wait_for(lambda: "job sweeper:" in logs(tmp_path, private_redis), 60, "the sweeper found Redis gone",
                 on_timeout)
        assert plan_versions(database, case_id) == 1

        private_redis.start()  # empty: whatever was in it is gone
        jobs = [poll_job(api, world, job_id, timeout=90, on_timeout=on_timeout)  # type: ignore[arg-type]
                for job_id in waiting]

    assert [j["status"] for j in jobs] == ["succeeded"] * ASKED_WHILE_DOWN, jobs
    assert all(j["attempts"] == 1 for j in jobs), "each ran once"
    assert sorted(j["result"]["number"] for j in jobs) == [2, 3, 4]
    assert plan_versions(database, case_id) == 1 + ASKED_WHILE_DOWN
