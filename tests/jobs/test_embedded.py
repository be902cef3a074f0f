"""The embedded default: no Redis, the API process runs the jobs on threads of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.processes import free_port, group_pids
from debt_coord import migrate
from tests.jobs.support import (
    DEBT_COORD,
    ROOT,
    ask_for_plan,
    ask_for_slow_plan,
    environment,
    job_row,
    plan_case,
    plan_versions,
    poll_job,
    settings_for,
    slow_case,
    wait_for,
)
from tests.support import api_client, build_world


def test_a_plan_is_solved_in_the_api_process_without_redis(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        assert client.app.state.settings.redis_url is None
        case_id = plan_case(client, world, 6, 18)
        job_id = ask_for_plan(client, world, case_id, time_limit_seconds=2)
        job = poll_job(client, world, job_id, timeout=60)
        assert job["status"] == "succeeded", job
        assert job["attempts"] == 1 and job["result"]["number"] == 1
        plan = client.get(job["result"]["plan_url"], headers=world.counsellor.headers)
        assert plan.status_code == 200 and plan.json()["id"] == job["result"]["plan_id"]
    assert plan_versions(database_url, case_id) == 1


@contextmanager
def serving(database_url: str, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`debt-coord serve` in a process group of its own; killed (SIGKILL) when the block ends."""
    env = environment(settings_for(database_url, None, port=port))
    with log.open("ab") as output:
        process = subprocess.Popen([DEBT_COORD, "serve"], env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            wait_for(lambda: _healthy(port), 60, "the API answers", lambda: log.read_text(errors="replace"))
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_an_api_process_killed_mid_solve_finishes_the_job_at_its_next_start(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'debt_coord.db'}"
    migrate.upgrade(database_url)
    world = build_world(database_url)
    port = free_port()
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with serving(database_url, port, log) as api, httpx.Client(base_url=base, timeout=30) as client:
        case_id = slow_case(client, world)  # type: ignore[arg-type]
        job_id = ask_for_slow_plan(client, world, case_id, time_limit_seconds=8)  # type: ignore[arg-type]
        wait_for(lambda: job_row(database_url, job_id).status == "running", 30, "the job runs", log.read_text)
        time.sleep(0.5)  # in the middle of the solve (the slow case runs 5 to 6 s)
        api.send_signal(signal.SIGKILL)
        api.wait(timeout=10)
        wait_for(lambda: not group_pids(api.pid), 10, "the API process gone")
    assert job_row(database_url, job_id).status == "running" and plan_versions(database_url, case_id) == 0

    with serving(database_url, port, log), httpx.Client(base_url=base, timeout=30) as client:
        job: dict[str, Any] = poll_job(client, world, job_id, timeout=60, on_timeout=log.read_text)  # type: ignore[arg-type]
    assert job["status"] == "succeeded" and job["attempts"] == 2, job
    assert plan_versions(database_url, case_id) == 1


pytestmark = pytest.mark.timeout(120)
