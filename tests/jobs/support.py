"""Real worker processes, a real Redis db of the jobs tests' own, and plan cases built through the API."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import redis
from litestar.testing import TestClient
from pydantic import SecretStr
from schwifty import IBAN
from sqlalchemy import create_engine, func, select

from bench.cases import make_case
from debt_coord.bootstrap import provide_services
from debt_coord.jobs.models import Job
from debt_coord.jobs.store import enqueue
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.planning.models import PlanVersion
from tests.support import World, claim_body, open_case_with_creditors

ROOT = Path(__file__).resolve().parents[2]
DEBT_COORD = str(Path(sys.executable).with_name("debt-coord"))
JOBS_REDIS_DB = 14
"""The jobs tests' own Redis database, flushed before and after each test."""

# Short enough that a killed worker's job is free again in seconds; the heartbeat renews it every third.
FAST_JOBS = {
    "job_lease_seconds": 2.0,
    "job_sweep_interval_seconds": 0.5,
    "job_requeue_after_seconds": 2.0,
}


def jobs_redis_url(redis_url: str) -> str:
    return redis_url.rsplit("/", 1)[0] + f"/{JOBS_REDIS_DB}"


def flush(redis_url: str) -> None:
    redis.Redis.from_url(redis_url).flushdb()


def settings_for(database_url: str, redis_url: str | None, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, redis_url=redis_url, seed_demo=False, **{**FAST_JOBS, **overrides})


def environment(settings: Settings) -> dict[str, str]:
    """The settings as DEBT_COORD_* variables, for a worker process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBT_COORD_")}
    for name, value in settings.model_dump(exclude_none=True).items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[f"DEBT_COORD_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Worker:
    """`debt-coord worker` in a process group of its own, so that a kill reaches its pool and sweeper."""

    def __init__(self, settings: Settings, log_path: Path, *, concurrency: int = 1, name: str = "w") -> None:
        self.log_path = log_path
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [DEBT_COORD, "worker", f"--concurrency={concurrency}", f"--name={name}-{uuid.uuid4().hex[:6]}@%h"],
            env=environment(settings), cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in self.log_path.read_bytes():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.output()}")
            time.sleep(0.1)
        raise AssertionError(f"worker not ready in {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then whatever is left of the group is killed."""
        self.kill(signal.SIGTERM)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


@contextmanager
def workers(settings: Settings, tmp_path: Path, count: int = 1, *, concurrency: int = 1) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    try:
        for number in range(count):
            started.append(Worker(settings, tmp_path / f"worker-{number}-{len(started)}.log",
                                  concurrency=concurrency, name=f"w{number}"))
        for worker in started:
            worker.wait_ready()
        yield started
    finally:
        for worker in started:
            worker.stop()


def plan_case(client: TestClient[Any], world: World, claims: int, months: int, *, seed: int = 0,
              reference: str = "JOBS-1") -> str:
    """A case of world.counsellor shaped like bench/cases.py's make_case: its income and claims, via the API."""
    shape = make_case(claims, months, seed=seed)
    creditors = ("c1", "c2", "c3")
    case_id = open_case_with_creditors(client, world, *creditors, reference=reference)
    streams = [s.model_dump(mode="json", exclude_none=True) for s in shape.income]
    answer = client.put(f"/v1/cases/{case_id}/income", json={"streams": streams}, headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    for number, claim in enumerate(shape.claims):
        # Each claim its own account, as in the engine's bench case: claims sharing one would travel together.
        iban = str(IBAN.generate("NL", bank_code="ABNA", account_code=f"{number:010d}").compact)
        body = claim_body(f"{reference}-{number:03d}", claim.outstanding_cents, claim_class=claim.claim_class.value,
                          min_payment_cents=claim.min_payment_cents, iban=iban)
        owner = world.parties[creditors[number % len(creditors)]]
        answer = client.post(f"/v1/cases/{case_id}/claims", json=body, headers=owner.headers)
        assert answer.status_code == 201, answer.text
    return case_id


SLOW_CASE = (100, 60, 0)
"""bench/cases.py's 100 x 60 case with seed 0: column generation hands CP-SAT more columns than it can settle in any
time limit up to 8 s (half a work unit a second), so its solve runs its whole budget: about 2 s at a 2 s limit and 5
to 6 s at 8 s here (bench/engine_bench.py). The tests that need a job to stay `running` (to kill its worker, to pass
a soft time limit) use it. (The 20 x 36 case this was before column generation now answers within a second.)"""


def slow_case(client: TestClient[Any], world: World) -> str:
    claims, months, seed = SLOW_CASE
    return plan_case(client, world, claims, months, seed=seed, reference="JOBS-SLOW")


def ask_for_slow_plan(client: TestClient[Any], world: World, case_id: str, time_limit_seconds: float) -> str:
    """The plan of ``slow_case``, solved from the very request of bench/cases.py (same start and term)."""
    claims, months, seed = SLOW_CASE
    start = make_case(claims, months, seed=seed).start_date.isoformat()
    return ask_for_plan(client, world, case_id, months=months, start_date=start, time_limit_seconds=time_limit_seconds)


def ask_for_plan(client: TestClient[Any], world: World, case_id: str, **options: Any) -> str:
    """POST /v1/cases/{case_id}/plans: 202 with the job; returns the job's id."""
    answer = client.post(f"/v1/cases/{case_id}/plans", json={"months": 18, **options},
                         headers=world.counsellor.headers)
    assert answer.status_code == 202, answer.text
    job: dict[str, Any] = answer.json()
    assert answer.headers["location"] == f"/v1/jobs/{job['id']}"
    assert job["status"] == "queued"
    return str(job["id"])


def wait_for(condition: Callable[[], Any], timeout: float, what: str, on_timeout: Callable[[], str] = str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s\n{on_timeout()}")


def poll_job(client: TestClient[Any], world: World, job_id: str, timeout: float = 30.0,
             on_timeout: Callable[[], str] = str) -> dict[str, Any]:
    """GET /v1/jobs/{job_id} until it is finished."""

    def finished() -> dict[str, Any] | None:
        answer = client.get(f"/v1/jobs/{job_id}", headers=world.counsellor.headers)
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        return job if job["status"] in ("succeeded", "failed") else None

    found: dict[str, Any] = wait_for(finished, timeout, f"job {job_id} finished", on_timeout)
    return found


def job_row(database_url: str, job_id: str) -> Job:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            row = connection.execute(select(Job.__table__).where(Job.__table__.c.id == uuid.UUID(job_id))).one()
    finally:
        engine.dispose()
    return Job(**row._asdict())


def plan_versions(database_url: str, case_id: str) -> int:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            count = connection.scalar(
                select(func.count()).select_from(PlanVersion.__table__)
                .where(PlanVersion.__table__.c.case_id == uuid.UUID(case_id))
            )
    finally:
        engine.dispose()
    return int(count or 0)


def counsellor(world: World) -> Actor:
    return Actor(uuid.UUID(world.counsellor.organisation_id), Role.COUNSELLOR, "Schuldhulp Noord (tests)")


def queue_job(settings: Settings, world: World, case_id: str, kind: str, payload: dict[str, Any]) -> str:
    """A job row written as a service writes one (enqueue, commit), not yet sent."""
    async def write() -> str:
        async with provide_services(settings) as services:
            job = await enqueue(services.uow, kind=kind, payload=payload, actor=counsellor(world),
                                case_id=uuid.UUID(case_id))
            await services.uow.commit()
            return str(job.id)

    return asyncio.run(write())
