"""Solve jobs on real Celery workers (`debt-coord worker` processes) with a real Redis and PostgreSQL.

Each test starts and kills its own workers; the Redis database is the jobs tests' own
(db 14), flushed before and after. Leases, sweeps and re-sends are set to seconds so that
recovery is quick (FAST_JOBS).
"""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from bench.processes import group_pids
from debt_coord.jobs.celery_app import make_celery, send_job
from debt_coord.kernel.settings import Settings
from tests.jobs.support import (
    ask_for_plan,
    ask_for_slow_plan,
    flush,
    job_row,
    jobs_redis_url,
    plan_case,
    plan_versions,
    poll_job,
    queue_job,
    settings_for,
    slow_case,
    wait_for,
    workers,
)
from tests.support import World, build_world
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(120)]


@pytest.fixture
def database(postgres_database_url: str) -> str:
    return postgres_database_url


@pytest.fixture
def broker(redis_url: str) -> Iterator[str]:
    url = jobs_redis_url(redis_url)
    flush(url)
    yield url
    flush(url)


@pytest.fixture
def settings(database: str, broker: str) -> Settings:
    return settings_for(database, broker)


@pytest.fixture
def world(database: str) -> World:
    return build_world(database)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    """The API with Redis: it writes the job and sends a Celery message after the commit."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def logs(tmp_path: Path) -> str:
    return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-4000:]}" for p in sorted(tmp_path.glob("*.log")))


def test_a_plan_job_runs_end_to_end_on_a_worker(
    client: TestClient[Any], world: World, settings: Settings, database: str, tmp_path: Path
) -> None:
    case_id = plan_case(client, world, 6, 18)
    with workers(settings, tmp_path):
        job_id = ask_for_plan(client, world, case_id)
        job = poll_job(client, world, job_id, timeout=60, on_timeout=lambda: logs(tmp_path))
    assert job["status"] == "succeeded", job
    assert (job["attempts"], job["problem"], job["case_id"]) == (1, None, case_id)
    assert job["result"]["number"] == 1 and job["result"]["plan_url"] == f"/v1/plans/{job['result']['plan_id']}"
    plan = client.get(job["result"]["plan_url"], headers=world.counsellor.headers)
    assert plan.status_code == 200 and plan.json()["number"] == 1
    assert plan_versions(database, case_id) == 1
    assert "succeeded" in logs(tmp_path)


def test_a_worker_killed_mid_solve_leaves_the_job_to_the_next_worker_which_solves_it_once(
    client: TestClient[Any], world: World, settings: Settings, database: str, tmp_path: Path
) -> None:
    case_id = slow_case(client, world)
    with workers(settings, tmp_path) as [first]:
        job_id = ask_for_slow_plan(client, world, case_id, time_limit_seconds=8)
        wait_for(lambda: job_row(database, job_id).status == "running", 30, "the first worker starts the job",
                 lambda: logs(tmp_path))
        assert len(group_pids(first.process.pid)) >= 2, "the worker's main process and its pool process"
        time.sleep(0.5)  # in the middle of the solve (the slow case runs 5 to 6 s)
        mid_solve = job_row(database, job_id)
        assert (mid_solve.status, mid_solve.attempts) == ("running", 1)
        first.kill(signal.SIGKILL)  # the whole worker: main process, pool and sweeper, no goodbye
        wait_for(lambda: not group_pids(first.process.pid), 10, "every process of the worker gone")
        assert plan_versions(database, case_id) == 0
        assert job_row(database, job_id).status == "running", "nobody told the database"

    with workers(settings, tmp_path):
        job = poll_job(client, world, job_id, timeout=60, on_timeout=lambda: logs(tmp_path))
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2, "the killed run and the run that finished"
    assert plan_versions(database, case_id) == 1, "exactly one plan version"
    plans = client.get(f"/v1/cases/{case_id}/plans", headers=world.counsellor.headers).json()
    assert [p["number"] for p in plans] == [1] and plans[0]["id"] == job["result"]["plan_id"]


def test_redis_flushed_with_jobs_queued_the_sweeper_gets_them_done(
    client: TestClient[Any], world: World, settings: Settings, database: str, broker: str, tmp_path: Path
) -> None:
    case_id = slow_case(client, world)  # each job runs about 2 s: long enough to be seen running
    # Jobs asked for while no worker runs, then Redis loses every message (a restart without persistence).
    waiting = [ask_for_slow_plan(client, world, case_id, time_limit_seconds=2) for _ in range(2)]
    flush(broker)
    with workers(settings, tmp_path):
        # And with a busy worker: one job running, the next ones queued in Redis, then Redis is flushed again.
        busy = [ask_for_slow_plan(client, world, case_id, time_limit_seconds=2) for _ in range(3)]
        wait_for(lambda: any(job_row(database, j).status == "running" for j in waiting + busy), 30,
                 "a job running", lambda: logs(tmp_path))
        flush(broker)
        jobs = [poll_job(client, world, j, timeout=60, on_timeout=lambda: logs(tmp_path)) for j in waiting + busy]
    assert [j["status"] for j in jobs] == ["succeeded"] * 5, jobs
    assert all(j["attempts"] == 1 for j in jobs), "nothing ran twice"
    assert sorted(j["result"]["number"] for j in jobs) == [1, 2, 3, 4, 5]
    assert plan_versions(database, case_id) == 5
    assert "sweeper sent" in logs(tmp_path)


def test_the_same_message_delivered_many_times_makes_one_plan_version(
    client: TestClient[Any], world: World, settings: Settings, database: str, tmp_path: Path
) -> None:
    case_id = plan_case(client, world, 6, 18)
    sender = make_celery(settings)
    try:
        with workers(settings, tmp_path, count=2, concurrency=2):
            job_id = ask_for_plan(client, world, case_id, time_limit_seconds=2)
            for _ in range(5):  # four free worker processes get a copy each, the rest queue behind
                send_job(sender, uuid.UUID(job_id))
            job = poll_job(client, world, job_id, timeout=60, on_timeout=lambda: logs(tmp_path))
            for _ in range(3):  # and again after it finished
                send_job(sender, uuid.UUID(job_id))
            wait_for(lambda: logs(tmp_path).count("not ours to run") >= 8, 30, "every copy delivered",
                     lambda: logs(tmp_path))
    finally:
        sender.close()
    assert job["status"] == "succeeded" and job["attempts"] == 1
    assert plan_versions(database, case_id) == 1
    assert logs(tmp_path).count(f"job {job_id} (solve_plan) succeeded") == 1


def test_a_request_that_can_never_be_solved_fails_with_a_problem(
    client: TestClient[Any], world: World, settings: Settings, database: str, tmp_path: Path
) -> None:
    case_id = plan_case(client, world, 6, 18)
    # A job whose snapshotted request no longer validates (written by an older version, say): no retry helps.
    payload = {"case_id": case_id, "request": {"months": 0, "claims": []}, "claim_owners": {}, "applied_counters": []}
    job_id = queue_job(settings, world, case_id, "solve_plan", payload)
    sender = make_celery(settings)
    try:
        with workers(settings, tmp_path):
            send_job(sender, uuid.UUID(job_id))
            job = poll_job(client, world, job_id, timeout=60, on_timeout=lambda: logs(tmp_path))
    finally:
        sender.close()
    assert job["status"] == "failed" and job["attempts"] == 1 and job["result"] is None
    problem = job["problem"]
    assert (problem["status"], problem["title"]) == (422, "Unprocessable Entity")
    assert "not valid" in problem["detail"]
    pointers = {e["pointer"] for e in problem["errors"]}
    assert {"/months", "/claims"} <= pointers, pointers
    assert plan_versions(database, case_id) == 0


def test_a_job_asked_while_redis_is_down_is_answered_and_later_run_from_its_row(
    world: World, settings: Settings, database: str, tmp_path: Path
) -> None:
    unreachable = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(unreachable), raise_server_exceptions=False) as client:
        case_id = plan_case(client, world, 6, 18)
        job_id = ask_for_plan(client, world, case_id, time_limit_seconds=2)  # 202: the row is the job
    assert job_row(database, job_id).status == "queued"
    with TestClient(create_app(settings)) as client, workers(settings, tmp_path):
        job = poll_job(client, world, job_id, timeout=60, on_timeout=lambda: logs(tmp_path))
    assert job["status"] == "succeeded" and job["attempts"] == 1
    assert plan_versions(database, case_id) == 1


def test_with_redis_the_workers_deliver_the_webhooks(
    client: TestClient[Any], world: World, settings: Settings, tmp_path: Path
) -> None:
    """The API process delivers webhooks only without Redis; with Redis, the workers do."""
    receiver = Receiver().start()
    try:
        hook = client.post("/v1/webhooks", json={"url": receiver.url, "events": ["plan.proposed"]},
                           headers=world.c1.headers)
        assert hook.status_code == 201, hook.text
        case_id = plan_case(client, world, 6, 18)
        with workers(settings, tmp_path):
            job = poll_job(client, world, ask_for_plan(client, world, case_id, time_limit_seconds=2), timeout=60,
                           on_timeout=lambda: logs(tmp_path))
            proposed = client.post(f"/v1/plans/{job['result']['plan_id']}/propose", json={},
                                   headers=world.counsellor.headers)
            assert proposed.status_code == 200, proposed.text
            wait_for(lambda: receiver.received, 30, "the webhook delivered", lambda: logs(tmp_path))
        [got] = receiver.received
        payload = got.verify(hook.json()["secret"])
        assert payload["type"] == "plan.proposed" and payload["data"]["plan_id"] == job["result"]["plan_id"]
    finally:
        receiver.stop()


def test_a_job_past_the_soft_time_limit_fails_with_a_problem_and_the_worker_goes_on(
    client: TestClient[Any], world: World, database: str, broker: str, tmp_path: Path
) -> None:
    strict = settings_for(database, broker, job_soft_time_limit_seconds=2, job_hard_time_limit_seconds=4,
                          redis_visibility_timeout_seconds=60)
    case_id = slow_case(client, world)
    with workers(strict, tmp_path):
        slow = ask_for_slow_plan(client, world, case_id, time_limit_seconds=8)
        job = poll_job(client, world, slow, timeout=60, on_timeout=lambda: logs(tmp_path))
        assert job["status"] == "failed" and job["attempts"] == 1, job
        assert job["problem"]["status"] == 503 and "time limit" in job["problem"]["detail"]
        assert plan_versions(database, case_id) == 0
        quick = ask_for_plan(client, world, case_id, months=18, time_limit_seconds=0.5)
        after = poll_job(client, world, quick, timeout=60, on_timeout=lambda: logs(tmp_path))
    assert after["status"] == "succeeded", after
    assert plan_versions(database, case_id) == 1
