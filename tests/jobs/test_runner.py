"""The runner and the job rows on real SQLite and PostgreSQL, in this process: one run per job, whatever arrives.

Handlers here are small test handlers registered for test kinds; the solver's own handler is
exercised end to end by the worker tests (test_workers.py) and the embedded default test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.exc import OperationalError

from debt_coord.bootstrap import provide_services
from debt_coord.jobs import store
from debt_coord.jobs.models import Job
from debt_coord.jobs.runner import JobOutcome, JobWiring, run_job, sync_engine
from debt_coord.jobs.store import enqueue
from debt_coord.jobs.sweeper import Sweeper
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.errors import FieldError, InvalidInputError
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import UnitOfWork
from debt_coord.organisations.models import Organisation, OrganisationKind
from tests.jobs.support import counsellor, poll_job
from tests.support import World, api_client, build_world, open_case_with_creditors

calls: list[str] = []


async def made(uow: UnitOfWork, name: str) -> None:
    uow.session.add(Organisation(name=name, kind=OrganisationKind.CREDITOR))
    await uow.session.flush()


async def slow(uow: UnitOfWork, job: Job) -> dict[str, Any]:
    calls.append(str(job.id))
    await asyncio.sleep(0.3)
    await made(uow, f"Made by {job.id}")
    return {"made": str(job.id)}


async def refuses(uow: UnitOfWork, job: Job) -> dict[str, Any]:
    await made(uow, f"Half-made by {job.id}")
    raise InvalidInputError("The term is longer than the law allows.", [FieldError("/months", "at most 60")])


async def commits(uow: UnitOfWork, job: Job) -> dict[str, Any]:
    await made(uow, f"Committed by {job.id}")
    await uow.commit()
    return {}


async def database_gone(uow: UnitOfWork, job: Job) -> dict[str, Any]:
    await made(uow, f"Lost with the database {job.id}")
    raise OperationalError("INSERT ...", {}, ConnectionResetError("server closed the connection unexpectedly"))


HANDLERS = {"test.slow": slow, "test.refuses": refuses, "test.commits": commits, "test.db_gone": database_gone}
WIRING = JobWiring(HANDLERS)


@pytest.fixture(autouse=True)
def no_calls_yet() -> None:
    calls.clear()


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, seed_demo=False, job_lease_seconds=2.0)


@pytest.fixture
def case_id(database_url: str, world: World) -> str:
    with api_client(database_url) as client:
        return open_case_with_creditors(client, world, "c1")


def new_job(settings: Settings, world: World, case_id: str, kind: str) -> uuid.UUID:
    async def write() -> uuid.UUID:
        async with provide_services(settings) as services:
            job = await enqueue(services.uow, kind=kind, payload={"x": 1}, actor=counsellor(world),
                                case_id=uuid.UUID(case_id))
            await services.uow.commit()
            return job.id

    return asyncio.run(write())


def row(settings: Settings, job_id: uuid.UUID) -> Any:
    with sync_engine(settings).connect() as connection:
        return connection.execute(select(store.JOBS).where(store.JOBS.c.id == job_id)).one()


def organisations_named(settings: Settings, prefix: str) -> list[str]:
    with sync_engine(settings).connect() as connection:
        names = connection.execute(select(Organisation.__table__.c.name)).scalars()
        return [name for name in names if name.startswith(prefix)]


def test_enqueue_writes_in_the_callers_transaction_only(settings: Settings, world: World, case_id: str) -> None:
    async def enqueue_and_roll_back() -> uuid.UUID:
        async with provide_services(settings) as services:
            job = await enqueue(services.uow, kind="test.slow", payload={}, actor=counsellor(world),
                                case_id=uuid.UUID(case_id))
            assert job.status == store.QUEUED and job.organisation_id == counsellor(world).organisation_id
            return job.id  # not committed: provide_services rolls back

    job_id = asyncio.run(enqueue_and_roll_back())
    with sync_engine(settings).connect() as connection:
        assert connection.execute(select(store.JOBS).where(store.JOBS.c.id == job_id)).first() is None
    unknown = new_job(settings, world, case_id, "no.such.kind")
    assert run_job(unknown, settings, WIRING) is JobOutcome.FAILED
    problem = row(settings, unknown).problem
    assert (problem["status"], problem["detail"]) == (422, "This service does not know jobs of kind 'no.such.kind'.")


def test_of_many_runners_at_once_exactly_one_runs_the_job(settings: Settings, world: World, case_id: str) -> None:
    job_id = new_job(settings, world, case_id, "test.slow")
    outcomes: list[JobOutcome] = []
    start = threading.Barrier(8)

    def deliver() -> None:
        start.wait()
        outcomes.append(run_job(job_id, settings, WIRING))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == sorted([JobOutcome.SUCCEEDED] + [JobOutcome.SKIPPED] * 7)
    assert calls == [str(job_id)], "the handler ran once"
    job = row(settings, job_id)
    assert (job.status, job.attempts, job.result) == ("succeeded", 1, {"made": str(job_id)})
    assert job.lease_until is None and job.started_at <= job.finished_at
    assert organisations_named(settings, "Made by") == [f"Made by {job_id}"]
    # A message delivered again after the job finished changes nothing.
    assert run_job(job_id, settings, WIRING) is JobOutcome.SKIPPED
    assert calls == [str(job_id)]


def test_a_runner_whose_lease_lapsed_cannot_save_its_result(settings: Settings, world: World, case_id: str) -> None:
    """A worker that stalled past its lease (or was thought dead) loses the job to the next one."""
    job_id = new_job(settings, world, case_id, "test.slow")

    async def stalled_runner_claims() -> bool:
        async with provide_services(settings) as services:
            taken = await store.claim(services.uow.session, job_id, "stalled", lease_seconds=1.0, max_attempts=5)
            await services.uow.commit()
            return taken

    assert asyncio.run(stalled_runner_claims())
    assert run_job(job_id, settings, WIRING) is JobOutcome.SKIPPED, "the lease is still live"
    time.sleep(1.1)
    assert run_job(job_id, settings, WIRING) is JobOutcome.SUCCEEDED, "the lease lapsed: another runner takes over"

    async def stalled_runner_finishes() -> bool:
        async with provide_services(settings) as services:
            return await store.finish(services.uow.session, job_id, "stalled", store.SUCCEEDED, result={"late": True})

    assert not asyncio.run(stalled_runner_finishes())
    job = row(settings, job_id)
    assert (job.status, job.attempts, job.result) == ("succeeded", 2, {"made": str(job_id)})


def test_a_bad_request_fails_with_a_problem_and_writes_nothing(settings: Settings, world: World, case_id: str) -> None:
    job_id = new_job(settings, world, case_id, "test.refuses")
    assert run_job(job_id, settings, WIRING) is JobOutcome.FAILED
    job = row(settings, job_id)
    assert job.status == "failed" and job.result is None and job.finished_at is not None
    assert job.problem == {
        "type": "about:blank", "title": "Unprocessable Entity", "status": 422,
        "detail": "The term is longer than the law allows.", "errors": [{"detail": "at most 60", "pointer": "/months"}],
    }
    assert organisations_named(settings, "Half-made") == [], "the handler's writes are rolled back"
    assert run_job(job_id, settings, WIRING) is JobOutcome.SKIPPED, "a failed job is not retried"


def test_a_handler_that_commits_is_stopped(settings: Settings, world: World, case_id: str) -> None:
    """The handler's writes must commit with the job's outcome, or a crash between them could repeat them."""
    job_id = new_job(settings, world, case_id, "test.commits")
    assert run_job(job_id, settings, WIRING) is JobOutcome.FAILED
    job = row(settings, job_id)
    assert job.problem["status"] == 500 and str(job_id) in job.problem["detail"]
    assert organisations_named(settings, "Committed by") == []


def test_a_database_outage_gives_the_job_back_for_a_retry(settings: Settings, world: World, case_id: str) -> None:
    job_id = new_job(settings, world, case_id, "test.db_gone")
    with pytest.raises(OperationalError):
        run_job(job_id, settings, WIRING)
    job = row(settings, job_id)
    assert (job.status, job.worker, job.lease_until) == ("queued", None, None)
    assert job.attempts == 0, "waiting for the database does not use up the job's attempts"
    assert organisations_named(settings, "Lost with the database") == []

    back = JobWiring({**HANDLERS, "test.db_gone": slow})  # the database is back
    assert run_job(job_id, settings, back) is JobOutcome.SUCCEEDED
    assert (row(settings, job_id).status, row(settings, job_id).attempts) == ("succeeded", 1)


def expire_lease(settings: Settings, job_id: uuid.UUID) -> None:
    with sync_engine(settings).begin() as connection:
        connection.execute(update(store.JOBS).where(store.JOBS.c.id == job_id)
                           .values(lease_until=store.utcnow() - dt.timedelta(seconds=1)))


def test_a_job_whose_workers_keep_dying_fails_after_its_attempts(world: World, case_id: str, database_url: str) -> None:
    settings = Settings(database_url=database_url, seed_demo=False, job_max_attempts=2)
    job_id = new_job(settings, world, case_id, "test.slow")
    sent: list[uuid.UUID] = []
    sweeper = Sweeper(settings, sent.append, sweep_all_first=False)

    async def claim(token: str) -> bool:
        async with provide_services(settings) as services:
            taken = await store.claim(services.uow.session, job_id, token, lease_seconds=60, max_attempts=2)
            await services.uow.commit()
            return taken

    assert asyncio.run(claim("dies-1"))
    expire_lease(settings, job_id)  # its worker was killed
    assert sweeper.sweep_once() == [job_id] and row(settings, job_id).status == "queued"
    assert asyncio.run(claim("dies-2"))
    expire_lease(settings, job_id)
    assert sweeper.sweep_once() == []
    job = row(settings, job_id)
    assert (job.status, job.attempts) == ("failed", 2)
    assert job.problem["status"] == 500 and "started 2 times and never finished" in job.problem["detail"]
    assert run_job(job_id, settings, WIRING) is JobOutcome.SKIPPED and calls == []


def test_sweepers_send_each_lost_job_once(settings: Settings, world: World, case_id: str) -> None:
    stale = [new_job(settings, world, case_id, "test.slow") for _ in range(3)]
    fresh = new_job(settings, world, case_id, "test.slow")
    crashed = new_job(settings, world, case_id, "test.slow")

    async def claim() -> None:
        async with provide_services(settings) as services:
            assert await store.claim(services.uow.session, crashed, "killed", lease_seconds=60, max_attempts=5)
            await services.uow.commit()

    asyncio.run(claim())
    expire_lease(settings, crashed)
    long_ago = store.utcnow() - dt.timedelta(minutes=10)
    with sync_engine(settings).begin() as connection:
        connection.execute(update(store.JOBS).where(store.JOBS.c.id.in_(stale)).values(updated_at=long_ago))

    sent: list[uuid.UUID] = []
    lock = threading.Lock()

    def send(job_id: uuid.UUID) -> None:
        with lock:
            sent.append(job_id)

    sweepers = [Sweeper(settings, send, sweep_all_first=False) for _ in range(4)]
    start = threading.Barrier(len(sweepers))

    def sweep(sweeper: Sweeper) -> None:
        start.wait()
        sweeper.sweep_once(requeue_after_seconds=60)

    threads = [threading.Thread(target=sweep, args=(s,)) for s in sweepers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(sent) == sorted([*stale, crashed]), "every lost job once, the fresh one not at all"
    assert fresh not in sent
    assert row(settings, crashed).status == "queued" and row(settings, crashed).worker is None
    assert Sweeper(settings, send, sweep_all_first=False).sweep_once(requeue_after_seconds=60) == []


def test_jobs_left_queued_run_when_the_app_starts_and_the_route_shows_their_outcome(
    database_url: str, settings: Settings, world: World, case_id: str
) -> None:
    """The embedded default: jobs queued while no API process ran are picked up at its start."""
    refused = new_job(settings, world, case_id, "test.refuses")
    made = new_job(settings, world, case_id, "test.slow")
    with api_client(database_url, HANDLERS) as client:
        refused_job = poll_job(client, world, str(refused))
        assert refused_job["problem"]["status"] == 422 and refused_job["problem"]["errors"][0]["pointer"] == "/months"
        assert (refused_job["status"], refused_job["kind"], refused_job["case_id"], refused_job["attempts"]) == (
            "failed", "test.refuses", case_id, 1)
        assert refused_job["started_at"] and refused_job["finished_at"] and refused_job["result"] is None
        made_job = poll_job(client, world, str(made))
        assert made_job["status"] == "succeeded" and made_job["problem"] is None
        assert made_job["result"] == {"made": str(made)}
        done = client.get(f"/v1/jobs/{made}", headers=world.counsellor.headers)
        assert "retry-after" not in done.headers

        waiting = new_job(settings, world, case_id, "test.slow")  # written, never sent: stays queued
        queued = client.get(f"/v1/jobs/{waiting}", headers=world.counsellor.headers)
        assert queued.status_code == 200 and queued.json()["status"] == "queued"
        assert queued.headers["retry-after"] == "1"
        for handle in ("other_counsellor", "c1", "admin"):
            hidden = client.get(f"/v1/jobs/{made}", headers=world.parties[handle].headers)
            assert hidden.status_code == 404, handle


def test_plan_results_link_to_the_plan() -> None:
    from api.jobs.routes import job_view

    plan_id = str(uuid.uuid4())
    job = Job(id=uuid.uuid4(), kind="solve_plan", status=store.SUCCEEDED, case_id=None, attempts=1,
              result={"plan_id": plan_id, "number": 3}, problem=None, created_at=store.utcnow(),
              started_at=None, finished_at=None)
    assert job_view(job).result == {"plan_id": plan_id, "number": 3, "plan_url": f"/v1/plans/{plan_id}"}


def test_sync_engine_is_per_process(settings: Settings) -> None:
    assert sync_engine(settings) is sync_engine(settings)
    assert create_engine(sync_url(settings.effective_database_url)) is not sync_engine(settings)
