"""Benchmark: a solve job through Celery and Redis against solving the same request in-process.

For the 20×36 case of bench/cases.py (or --size) it measures, on PostgreSQL and Redis:

1. `solve`: the planning engine called in this process (solver.solve), the floor;
2. `in-process job`: the same request as a `solve_plan` job run by the runner in this process
   (the embedded default without its thread pool): claim, solve, plan version, commit;
3. `celery job`: the job written and sent as the API does it, run by one `debt-coord worker`
   (a real process), one job at a time, timed from the send to the commit of its success
   (the row's `finished_at`; the same clock, one machine), and its pick-up (to `started_at`);
4. jobs per minute: --jobs jobs sent at once to 1 and to 2 workers (one process each),
   timed until the last one succeeded.

Prints medians over --repeat runs and the overhead of the Celery job over the plain solve.
Figures only: nothing here asserts a time.

Usage: .venv/bin/python bench/jobs_bench.py [--repeat 5] [--jobs 6] [--size 20x36] [--json]
       [--postgres-url postgresql://127.0.0.1:5432/test] [--redis-url redis://127.0.0.1:6379/12]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import redis
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.cases import make_case
from debt_coord import migrate
from debt_coord.bootstrap import job_wiring, provide_services
from debt_coord.jobs.celery_app import make_celery, send_job
from debt_coord.jobs.models import JobKind
from debt_coord.jobs.runner import run_job, sync_engine
from debt_coord.jobs.store import JOBS, enqueue
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.settings import Settings
from debt_coord.organisations.models import OrganisationKind
from solver import solve
from solver.models import PlanRequest

ROOT = Path(__file__).resolve().parents[1]
DEBT_COORD = str(Path(sys.executable).with_name("debt-coord"))
POLL_SECONDS = 0.05
WIRING = job_wiring()
"""Coarse on purpose: a tight poll takes CPU from the solve on a small machine; times come from the row."""


def main() -> None:
    args = parse_args()
    claims, months = args.size
    request = make_case(claims, months, seed=args.seed)
    load_before = os.getloadavg()[0]
    with temporary_database(args.postgres_url) as database_url, flushed(args.redis_url):
        settings = Settings(database_url=database_url, redis_url=args.redis_url, seed_demo=False)
        migrate.upgrade(database_url)
        bench = JobBench(settings, request)
        figures = bench.run(repeat=args.repeat, jobs=args.jobs)
    figures |= {"size": f"{claims}x{months}", "seed": args.seed, "repeat": args.repeat, "jobs": args.jobs,
                "cpus": os.cpu_count(), "python": platform.python_version(),
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    print(json.dumps(figures, indent=2) if args.json else render(figures))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per single-job figure (median)")
    parser.add_argument("--jobs", type=int, default=6, help="jobs sent at once for the jobs-per-minute figures")
    parser.add_argument("--size", type=lambda t: tuple(int(x) for x in t.lower().split("x")), default=(20, 36))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--postgres-url", default=os.environ.get("DEBT_COORD_TEST_POSTGRES_URL",
                                                                 "postgresql://127.0.0.1:5432/test"),
                        help="a server where a temporary database can be created (and is dropped after)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12", help="flushed before and after")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


@contextmanager
def temporary_database(admin_url: str) -> Iterator[str]:
    name = f"debt_coord_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def flushed(redis_url: str) -> Iterator[None]:
    redis.Redis.from_url(redis_url).flushdb()
    try:
        yield
    finally:
        redis.Redis.from_url(redis_url).flushdb()


class Worker:
    def __init__(self, settings: Settings, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEBT_COORD_")}
        env |= {"DEBT_COORD_DATABASE_URL": settings.effective_database_url,
                "DEBT_COORD_REDIS_URL": str(settings.redis_url), "DEBT_COORD_SEED_DEMO": "false"}
        self.log = log
        self.output = log.open("ab")
        self.process = subprocess.Popen(
            [DEBT_COORD, "worker", "--concurrency=1", f"--name=bench-{uuid.uuid4().hex[:6]}@%h", "--loglevel=WARNING"],
            env=env, cwd=ROOT, stdout=self.output, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def stop(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self.output.close()


@contextmanager
def workers(settings: Settings, count: int) -> Iterator[None]:
    with tempfile.TemporaryDirectory(prefix="debt-coord-jobs-bench-") as folder:
        started = [Worker(settings, Path(folder) / f"worker-{n}.log") for n in range(count)]
        try:
            # Ready when each has answered a ping (WARNING level hides the "ready" line).
            app = make_celery(settings)
            deadline = time.monotonic() + 60
            while len(app.control.ping(timeout=0.5) or []) < count:
                if time.monotonic() > deadline:
                    raise RuntimeError("workers not ready: " + " ".join(w.log.read_text() for w in started))
            app.close()
            yield
        finally:
            for worker in started:
                worker.stop()


class JobBench:
    def __init__(self, settings: Settings, request: PlanRequest) -> None:
        self.settings, self.request = settings, request
        self.actor, self.case_id = asyncio.run(self._case())
        self.sender = make_celery(settings)

    async def _case(self) -> tuple[Actor, uuid.UUID]:
        async with provide_services(self.settings) as services:
            org = await services.organisations.register("Schuldhulp Bench", OrganisationKind.COUNSELLING)
            actor = Actor(org.id, Role.COUNSELLOR, "bench")
            case = await services.cases.open_case(actor, {
                "reference": "BENCH-1", "debtor_name": "Bench", "debtor_contact_channel": "email",
                "debtor_contact": "bench@example.nl", "currency": "EUR", "country": "NL",
                "reference_date": self.request.start_date,
            })
            return actor, case.id

    def new_jobs(self, count: int) -> list[uuid.UUID]:
        payload = {"case_id": str(self.case_id), "request": self.request.model_dump(mode="json", by_alias=True),
                   "claim_owners": {c.id: str(self.actor.organisation_id) for c in self.request.claims},
                   "applied_counters": []}

        async def write() -> list[uuid.UUID]:
            async with provide_services(self.settings) as services:
                jobs = [await enqueue(services.uow, kind=JobKind.SOLVE_PLAN, payload=payload, actor=self.actor,
                                      case_id=self.case_id) for _ in range(count)]
                await services.uow.commit()
                return [job.id for job in jobs]

        return asyncio.run(write())

    def wait(self, job_ids: list[uuid.UUID], timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        with sync_engine(self.settings).connect() as connection:
            while time.monotonic() < deadline:
                statuses = connection.execute(select(JOBS.c.status).where(JOBS.c.id.in_(job_ids))).scalars().all()
                connection.rollback()
                if "failed" in statuses:
                    raise RuntimeError("a bench job failed")
                if statuses.count("succeeded") == len(job_ids):
                    return
                time.sleep(POLL_SECONDS)
        raise RuntimeError("bench jobs did not finish in time")

    def run(self, *, repeat: int, jobs: int) -> dict[str, Any]:
        # The three paths take turns, so that whatever else the machine does weighs on each alike.
        solve_s, in_process_s, celery_s, pickup_s, run_s = [], [], [], [], []
        with workers(self.settings, 1):
            self.celery_job()  # warm-up: the worker's first job opens its connections
            for _ in range(repeat):
                start = time.perf_counter()
                solve(self.request)
                solve_s.append(time.perf_counter() - start)
                [job_id] = self.new_jobs(1)
                start = time.perf_counter()
                run_job(job_id, self.settings, WIRING)
                in_process_s.append(time.perf_counter() - start)
                total, pickup, run = self.celery_job()
                celery_s.append(total)
                pickup_s.append(pickup)
                run_s.append(run)
            per_minute_1 = self.throughput(jobs)
        with workers(self.settings, 2):
            per_minute_2 = self.throughput(jobs)
        self.sender.close()
        median = {name: statistics.median(values) for name, values in
                  (("solve", solve_s), ("in_process_job", in_process_s), ("celery_job", celery_s))}
        return {
            "median_seconds": median,
            "celery_overhead_seconds": median["celery_job"] - median["solve"],
            "celery_pickup_seconds": statistics.median(pickup_s),
            "celery_worker_run_seconds": statistics.median(run_s),
            "in_process_overhead_seconds": median["in_process_job"] - median["solve"],
            "in_process_jobs_per_minute": 60 / median["in_process_job"],
            "jobs_per_minute": {"1 worker": per_minute_1, "2 workers": per_minute_2},
        }

    def celery_job(self) -> tuple[float, float, float]:
        """One job sent and waited for: send to success committed, send to pick-up, and the worker's run."""
        [job_id] = self.new_jobs(1)
        sent_at = dt.datetime.now(dt.UTC)
        send_job(self.sender, job_id)
        self.wait([job_id])
        started_at, finished_at = self.times(job_id)
        return ((finished_at - sent_at).total_seconds(), (started_at - sent_at).total_seconds(),
                (finished_at - started_at).total_seconds())

    def times(self, job_id: uuid.UUID) -> tuple[dt.datetime, dt.datetime]:
        with sync_engine(self.settings).connect() as connection:
            started, finished = connection.execute(
                select(JOBS.c.started_at, JOBS.c.finished_at).where(JOBS.c.id == job_id)).one()
        return started, finished

    def throughput(self, count: int) -> float:
        job_ids = self.new_jobs(count)
        start = time.perf_counter()
        for job_id in job_ids:
            send_job(self.sender, job_id)
        self.wait(job_ids)
        return count * 60 / (time.perf_counter() - start)


def render(figures: dict[str, Any]) -> str:
    median = figures["median_seconds"]
    rows = [
        f"Solve jobs, {figures['size']} case (seed {figures['seed']}), median of {figures['repeat']}, "
        f"{figures['cpus']} CPUs, load average {figures['load_average'][0]} before and "
        f"{figures['load_average'][1]} after",
        "",
        "| path | median per job (to the result committed) | overhead over solve |",
        "| --- | ---: | ---: |",
        f"| solve() in-process | {median['solve'] * 1000:,.0f} ms | — |",
        f"| job run in-process (embedded) | {median['in_process_job'] * 1000:,.0f} ms "
        f"| {figures['in_process_overhead_seconds'] * 1000:+,.0f} ms |",
        f"| job through Celery and Redis | {median['celery_job'] * 1000:,.0f} ms "
        f"| {figures['celery_overhead_seconds'] * 1000:+,.0f} ms |",
        "",
        f"Through Celery: {figures['celery_pickup_seconds'] * 1000:,.0f} ms from sending the message to the worker "
        f"holding the job; the worker's run (claim to commit) {figures['celery_worker_run_seconds'] * 1000:,.0f} ms",
        "",
        f"| {figures['jobs']} jobs sent at once | jobs per minute |",
        "| --- | ---: |",
        f"| in-process, one after another | {figures['in_process_jobs_per_minute']:.1f} |",
    ]
    rows += [f"| {name} | {value:.1f} |" for name, value in figures["jobs_per_minute"].items()]
    return "\n".join(rows)


if __name__ == "__main__":
    main()
