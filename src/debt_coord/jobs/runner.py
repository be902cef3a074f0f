"""Run one job: claim its row, run its handler, commit the handler's writes with the outcome.

At most one runner holds a job: `store.claim` is a conditional UPDATE (queued, or running with
a lease that expired), and the runner's writes only commit if its token still holds the job
(`store.finish` in the same transaction). So a message delivered twice, a sweeper re-sending a
job, or a worker that comes back after its lease ran out can never store a second result:
the handler's effect (a plan version) happens exactly once per job.

While the handler runs, a heartbeat thread renews the lease, so a long solve keeps its job and
a killed worker's job is free again one lease later.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import ValidationError
from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from debt_coord.jobs import store
from debt_coord.jobs.models import Job
from debt_coord.kernel.database import create_engine, ensure_sqlite_folder, session_factory, sync_url
from debt_coord.kernel.errors import ServiceError
from debt_coord.kernel.events import MessageBus
from debt_coord.kernel.problems import problem_document, problem_for
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import NO_HANDLERS, UnitOfWork, units_of_work
from debt_coord.observability.metrics import JOB_RUNS
from debt_coord.observability.tracing import TRACER, continued

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeoutError)
"""The database did not answer: the job is given back and retried with backoff."""
RETRYABLE: tuple[type[Exception], ...] = (*DATABASE_UNAVAILABLE, IntegrityError, StaleDataError)
"""Also a write that lost a race with another (a version number taken at the same moment): retry."""


class JobOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Not ours to run: finished already, or running with a live lease elsewhere (a duplicate message)."""
    LOST = "lost"
    """The lease ran out before the commit and another runner took the job: nothing was saved."""


Handler = Callable[[UnitOfWork, Job], Awaitable[dict[str, Any]]]
"""The work of one kind of job: reads and writes through the job's unit of work and returns the result.

It records events on the unit of work but never commits: the runner commits its writes with the
job's outcome, once."""


@dataclass(frozen=True)
class JobWiring:
    """What bootstrap gives the job machinery: the handler of each kind, and the bus for their events."""

    handlers: Mapping[str, Handler]
    bus: MessageBus = NO_HANDLERS


def timeout_problem(settings: Settings) -> dict[str, Any]:
    return problem_document(
        503,
        f"The job did not finish within {settings.job_soft_time_limit_seconds:g} seconds and was stopped. "
        "Nothing was saved. Ask again, with a shorter solver time limit (policy.time_limit_seconds).",
    )


def internal_problem(job_id: uuid.UUID) -> dict[str, Any]:
    return problem_document(
        500,
        "Something went wrong on our side while running this job. Nothing was saved. Ask again; "
        f"if it fails again, contact support and mention job {job_id}.",
    )


_SYNC_ENGINES: dict[tuple[int, str], Engine] = {}
_SYNC_LOCK = threading.Lock()


def sync_engine(settings: Settings) -> Engine:
    """A small synchronous engine of this process, for heartbeats and the sweeper (threads, not the loop)."""
    url = settings.effective_database_url
    key = (os.getpid(), url)  # never share connections with a forked parent
    with _SYNC_LOCK:
        if key not in _SYNC_ENGINES:
            target = sync_url(url)
            ensure_sqlite_folder(target)
            # hide_parameters as in debt_coord.kernel.database.create_engine: no claim data in logs or errors
            if target.get_backend_name() == "postgresql":
                engine = create_sync_engine(target, pool_pre_ping=True, pool_size=2, max_overflow=2,
                                            connect_args={"connect_timeout": 5}, hide_parameters=True)
            else:
                engine = create_sync_engine(target, connect_args={"timeout": 15}, hide_parameters=True)
                event.listen(engine, "connect", _sqlite_busy_timeout)
            _SYNC_ENGINES[key] = engine
        return _SYNC_ENGINES[key]


def _sqlite_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


class Heartbeat:
    """Renews the lease of a running job every third of the lease, on a thread of its own."""

    def __init__(self, settings: Settings, job_id: uuid.UUID, token: str) -> None:
        self.settings, self.job_id, self.token = settings, job_id, token
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stopped.set()
        self.thread.join(timeout=20)

    def _beat(self) -> None:
        lease = self.settings.job_lease_seconds
        while not self.stopped.wait(lease / 3):
            try:
                with sync_engine(self.settings).begin() as connection:
                    if not store.renew_lease(connection, self.job_id, self.token, lease):
                        if not self.stopped.wait(0.5):  # not just finished: another runner took the job
                            log.warning("job %s: lease lost (taken over); this run's result will not be saved",
                                        self.job_id)
                        return
            except Exception as error:  # a missed beat is not fatal: the next one may succeed
                log.warning("job %s: could not renew the lease: %s", self.job_id, error)


@contextmanager
def no_commit(session: AsyncSession) -> Iterator[None]:
    """A handler's writes are committed by the runner with the job's outcome, never by the handler."""

    def refuse(_: Any) -> None:
        raise RuntimeError("a job handler must not commit: the runner commits its writes with the job's outcome")

    event.listen(session.sync_session, "before_commit", refuse)
    try:
        yield
    finally:
        event.remove(session.sync_session, "before_commit", refuse)


class JobRunner:
    """Runs jobs on one thread: its own event loop and database engine, reused from job to job."""

    def __init__(self, settings: Settings, wiring: JobWiring) -> None:
        self.settings, self.wiring = settings, wiring
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.engine = create_engine(settings.effective_database_url, echo=settings.sql_echo)
        self.units = units_of_work(session_factory(self.engine), wiring.bus)
        self.name = f"{socket.gethostname()}:{self.pid}"
        self.broken = False

    def run(self, job_id: uuid.UUID) -> JobOutcome:
        """Run the job if it is ours to run. Raises a RETRYABLE error when the database failed (retry later)."""
        token = f"{self.name}:{uuid.uuid4().hex[:12]}"
        try:
            outcome = self.loop.run_until_complete(self._run(job_id, token))
        except SoftTimeLimitExceeded:
            # Celery's signal landed outside the job's coroutine: this loop is in an unknown state.
            self.broken = True
            with sync_engine(self.settings).begin() as connection:
                store.fail_held(connection, job_id, token, timeout_problem(self.settings))
            outcome = JobOutcome.FAILED
        except RETRYABLE:
            JOB_RUNS.labels("given_back").inc()
            raise
        JOB_RUNS.labels(outcome.value).inc()
        return outcome

    def close(self) -> None:
        if self.pid != os.getpid() or self.loop.is_closed():
            return
        if not self.broken:
            self.loop.run_until_complete(self.engine.dispose())
        self.loop.close()

    async def _run(self, job_id: uuid.UUID, token: str) -> JobOutcome:
        settings = self.settings
        async with self.units() as uow:
            claimed = await store.claim(uow.session, job_id, token, lease_seconds=settings.job_lease_seconds,
                                        max_attempts=settings.job_max_attempts)
            await uow.commit()
        if not claimed:
            log.info("job %s: not ours to run (finished, or running elsewhere)", job_id)
            return JobOutcome.SKIPPED
        with Heartbeat(settings, job_id, token):
            return await self._work(job_id, token)

    async def _work(self, job_id: uuid.UUID, token: str) -> JobOutcome:
        async with self.units() as uow:
            job = await uow.session.get(Job, job_id)
            if job is None:  # deleted with its case while we claimed it
                return JobOutcome.SKIPPED
            # The request's trace goes on here (its traceparent is in the row), however the job was sent.
            attributes: dict[str, str | int] = {"debt_coord.job.id": str(job_id), "debt_coord.job.kind": job.kind,
                                                "debt_coord.job.attempt": job.attempts}
            with TRACER.start_as_current_span(f"job {job.kind}", context=continued(job.payload),
                                              kind=SpanKind.CONSUMER, attributes=attributes) as span:
                outcome = await self._handle(uow, job, token)
                span.set_attribute("debt_coord.job.outcome", outcome.value)
                if outcome in (JobOutcome.FAILED, JobOutcome.LOST):
                    span.set_status(StatusCode.ERROR, f"job {outcome.value}")
                return outcome

    async def _handle(self, uow: UnitOfWork, job: Job, token: str) -> JobOutcome:
        """Run the job's handler and commit its writes with the job's outcome (only the failure, if it fails)."""
        job_id = job.id
        try:
            handler = self.wiring.handlers.get(job.kind)
            if handler is None:
                problem = problem_document(422, f"This service does not know jobs of kind {job.kind!r}.")
                return await self._fail(uow, job_id, token, problem)
            with no_commit(uow.session):
                result = await handler(uow, job)
        except ServiceError as error:
            log.info("job %s failed: %s", job_id, error.detail)
            return await self._fail(uow, job_id, token, problem_for(error))
        except ValidationError as error:  # a payload that can never be run
            return await self._fail(uow, job_id, token, store.payload_problem(error))
        except RETRYABLE as error:
            await self._give_back(uow, job_id, token, error)
            raise
        except SoftTimeLimitExceeded:
            return await self._fail(uow, job_id, token, timeout_problem(self.settings))
        except Exception:
            log.exception("job %s (%s) failed unexpectedly", job_id, job.kind)
            return await self._fail(uow, job_id, token, internal_problem(job_id))
        try:
            if not await store.finish(uow.session, job_id, token, store.SUCCEEDED, result=result):
                await uow.rollback()
                log.warning("job %s: lease lost before the commit; this run's result is discarded", job_id)
                return JobOutcome.LOST
            await uow.commit()
        except RETRYABLE as error:
            await self._give_back(uow, job_id, token, error)
            raise
        log.info("job %s (%s) succeeded", job_id, job.kind)
        return JobOutcome.SUCCEEDED

    async def _fail(self, uow: UnitOfWork, job_id: uuid.UUID, token: str, problem: dict[str, Any]) -> JobOutcome:
        await uow.rollback()  # whatever the handler wrote goes, with its events; only the job's failure stays
        if not await store.finish(uow.session, job_id, token, store.FAILED, problem=problem):
            await uow.rollback()
            return JobOutcome.LOST
        await uow.commit()
        return JobOutcome.FAILED

    async def _give_back(self, uow: UnitOfWork, job_id: uuid.UUID, token: str, error: Exception) -> None:
        """After a transient error: queued again at once if the database lets us, else the lease lapses.

        An outage or a lost race (deadlock, serialization failure, stale version) does not count
        as an attempt; an integrity error might be the handler's own bug, so it does.
        """
        try:
            await uow.rollback()
            await store.release(uow.session, job_id, token, count_attempt=isinstance(error, IntegrityError))
            await uow.commit()
        except Exception as error:
            log.warning("job %s: could not give the job back (%s); its lease will lapse", job_id, error)


_local = threading.local()


def run_job(job_id: uuid.UUID, settings: Settings, wiring: JobWiring) -> JobOutcome:
    """Run a job on this thread's runner (one event loop and engine per thread and process)."""
    runner: JobRunner | None = getattr(_local, "runner", None)
    if (runner is None or runner.broken or runner.pid != os.getpid() or runner.settings != settings
            or runner.wiring is not wiring):
        if runner is not None:
            runner.close()
        runner = _local.runner = JobRunner(settings, wiring)
    return runner.run(job_id)
