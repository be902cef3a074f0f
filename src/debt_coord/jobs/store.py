"""The job rows: the truth about every job. A broker message is only a nudge to look at one.

Every change of state is a conditional UPDATE, so that whatever arrives twice or late (a
redelivered message, a sweeper on another worker, a worker that lost its lease) changes
nothing: only one runner can take a job from `queued` to `running`, and only the runner
holding the lease (its token in `worker`) can finish it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Connection, Table, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.jobs.models import Job, JobKind, JobStatus
from debt_coord.kernel.actors import Actor
from debt_coord.kernel.errors import NotFoundError, field_errors
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.problems import problem_document
from debt_coord.kernel.uow import UnitOfWork
from debt_coord.observability.tracing import trace_carrier

QUEUED, RUNNING, SUCCEEDED, FAILED = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED
SWEEP_BATCH = 500
"""Jobs the sweeper looks at per round; the next round takes the rest."""

JOBS = cast(Table, Job.__table__)

def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def lease_end(now: dt.datetime, seconds: float) -> dt.datetime:
    return now + dt.timedelta(seconds=seconds)


async def enqueue(
    uow: UnitOfWork, *, kind: JobKind, payload: dict[str, Any], actor: Actor, case_id: uuid.UUID | None
) -> Job:
    """Add a queued job to the caller's unit of work; once it commits, the job is sent to be run (JOB_QUEUED).

    The payload keeps the caller's trace context (W3C `traceparent`), so that the job's run continues
    the request's trace wherever and however often it is sent.
    """
    job = Job(
        kind=kind, status=QUEUED, case_id=case_id, organisation_id=actor.organisation_id,
        api_key_id=actor.api_key_id, requested_by=actor.name, payload={**payload, **trace_carrier()}, attempts=0,
    )
    uow.session.add(job)
    await uow.session.flush()
    uow.record(event(EventKind.JOB_QUEUED, actor, job, case_id=case_id))
    return job


def payload_problem(error: ValidationError) -> dict[str, Any]:
    """The job's payload (the request as it was asked) does not hold up: a 422 with a pointer to each field."""
    return problem_document(422, "The request of this job is not valid: see errors for each field.",
                            errors=field_errors(error))


def gave_up_problem(attempts: int) -> dict[str, Any]:
    return problem_document(
        500,
        f"The job was started {attempts} times and never finished: its worker stopped each time (it crashed, "
        "was killed or ran out of time) or its result could not be saved. Nothing was saved. Ask again; if it "
        "fails again, ask with a shorter solver time limit or contact support with this job's id.",
    )


def _claimable(job_id: uuid.UUID, now: dt.datetime) -> Any:
    return and_(
        Job.id == job_id,
        or_(Job.status == QUEUED, and_(Job.status == RUNNING, Job.lease_until < now)),
    )


async def claim(
    session: AsyncSession, job_id: uuid.UUID, token: str, *, lease_seconds: float, max_attempts: int
) -> bool:
    """Take the job for the runner `token`: True for exactly one caller while the job is claimable.

    Claimable: queued, or running with a lease that expired (its worker died). A job that has
    used up its attempts fails here instead. The caller commits.
    """
    now = utcnow()
    taken = await session.execute(
        update(Job)
        .where(_claimable(job_id, now), Job.attempts < max_attempts)
        .values(status=RUNNING, worker=token, lease_until=lease_end(now, lease_seconds),
                attempts=Job.attempts + 1, started_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        attempts = await session.scalar(select(Job.attempts).where(Job.id == job_id))
        await session.execute(
            update(Job)
            .where(_claimable(job_id, now), Job.attempts >= max_attempts)
            .values(status=FAILED, worker=None, lease_until=None, finished_at=now, updated_at=now,
                    problem=gave_up_problem(attempts or max_attempts))
            .execution_options(synchronize_session=False)
        )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


async def finish(
    session: AsyncSession, job_id: uuid.UUID, token: str, status: JobStatus, *,
    result: dict[str, Any] | None = None, problem: dict[str, Any] | None = None,
) -> bool:
    """Record the outcome in the session's transaction, if `token` still holds the job. Does not commit.

    On PostgreSQL the UPDATE locks the row until the commit, so a sweeper or a second runner
    that looks at the job meanwhile waits and then sees it finished.
    """
    now = utcnow()
    done = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == RUNNING, Job.worker == token)
        .values(status=status, result=result, problem=problem, lease_until=None, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


async def release(session: AsyncSession, job_id: uuid.UUID, token: str, *, count_attempt: bool) -> bool:
    """Give the job back (queued) after a transient error, so that a retry or the sweeper runs it; the caller commits.

    A database that was unavailable or a write that lost a race does not use up one of the
    job's attempts (`count_attempt=False`): the job waits for the database instead of failing.
    """
    now = utcnow()
    done = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == RUNNING, Job.worker == token)
        .values(status=QUEUED, worker=None, lease_until=None, updated_at=now,
                attempts=Job.attempts if count_attempt else Job.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def renew_lease(connection: Connection, job_id: uuid.UUID, token: str, lease_seconds: float) -> bool:
    """Heartbeat: extend the lease of a running job that `token` still holds."""
    now = utcnow()
    table = JOBS
    done = connection.execute(
        update(table)
        .where(table.c.id == job_id, table.c.status == RUNNING, table.c.worker == token)
        .values(lease_until=lease_end(now, lease_seconds), updated_at=now)
    )
    return bool(done.rowcount == 1)


def fail_held(connection: Connection, job_id: uuid.UUID, token: str, problem: dict[str, Any]) -> bool:
    now = utcnow()
    table = JOBS
    done = connection.execute(
        update(table)
        .where(table.c.id == job_id, table.c.status == RUNNING, table.c.worker == token)
        .values(status=FAILED, problem=problem, worker=None, lease_until=None, finished_at=now, updated_at=now)
    )
    return bool(done.rowcount == 1)


def sweep(connection: Connection, *, requeue_after_seconds: float, max_attempts: int) -> list[uuid.UUID]:
    """The jobs whose message or worker was lost, to send again.

    A running job past its lease goes back to queued (or fails when it has used up its attempts);
    a job still queued `requeue_after_seconds` after it was last sent is sent again. Each is
    taken by a conditional UPDATE, so of several sweepers only one sends it. The caller commits,
    then sends the returned ids.
    """
    now = utcnow()
    table = JOBS
    due: list[uuid.UUID] = []
    expired = connection.execute(
        select(table.c.id, table.c.attempts)
        .where(table.c.status == RUNNING, table.c.lease_until < now)
        .order_by(table.c.lease_until).limit(SWEEP_BATCH)
    ).all()
    for job_id, attempts in expired:
        still_expired = and_(table.c.id == job_id, table.c.status == RUNNING, table.c.lease_until < now)
        if attempts >= max_attempts:
            connection.execute(
                update(table).where(still_expired)
                .values(status=FAILED, worker=None, lease_until=None, finished_at=now, updated_at=now,
                        problem=gave_up_problem(attempts))
            )
            continue
        taken = connection.execute(
            update(table).where(still_expired).values(status=QUEUED, worker=None, lease_until=None, updated_at=now)
        )
        if taken.rowcount == 1:
            due.append(job_id)
    cutoff = now - dt.timedelta(seconds=requeue_after_seconds)
    stale = connection.execute(
        select(table.c.id)
        .where(table.c.status == QUEUED, table.c.updated_at <= cutoff)
        .order_by(table.c.updated_at).limit(SWEEP_BATCH)
    ).scalars().all()
    for job_id in stale:
        taken = connection.execute(
            update(table)
            .where(table.c.id == job_id, table.c.status == QUEUED, table.c.updated_at <= cutoff)
            .values(updated_at=now)
        )
        if taken.rowcount == 1:
            due.append(job_id)
    return due


async def find_visible(session: AsyncSession, actor: Actor, job_id: uuid.UUID) -> Job:
    """The job, for the organisation that asked for it; for everyone else it does not exist."""
    job = await session.get(Job, job_id)
    if job is None or job.organisation_id != actor.organisation_id:
        raise NotFoundError(f"There is no job {job_id}.")
    return job
