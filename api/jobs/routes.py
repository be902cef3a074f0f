"""Jobs: what became of a request that runs in the background (a plan being solved)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Controller, Response, get
from pydantic import BaseModel, Field

from api.auth import ActorRequest
from debt_coord.jobs.models import Job, JobStatus
from debt_coord.jobs.store import find_visible
from debt_coord.kernel.uow import UnitOfWork

POLL_SECONDS = 1


class JobOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: JobStatus = Field(description="queued, running, succeeded or failed.")
    case_id: uuid.UUID | None
    created_at: dt.datetime
    started_at: dt.datetime | None = Field(description="When the latest attempt started.")
    finished_at: dt.datetime | None
    attempts: int = Field(description="Runs started; more than one when a worker stopped mid-job.")
    result: dict[str, Any] | None = Field(
        description="When succeeded: for a plan, plan_id, number and plan_url (GET it for the plan)."
    )
    problem: dict[str, Any] | None = Field(
        description="When failed: an RFC 9457 problem (title, status, detail, errors with pointers into the request)."
    )


def job_view(job: Job) -> JobOut:
    result = dict(job.result) if job.result is not None else None
    if result is not None and "plan_id" in result:
        result["plan_url"] = f"/v1/plans/{result['plan_id']}"
    return JobOut(
        id=job.id, kind=job.kind, status=job.status, case_id=job.case_id, created_at=job.created_at,
        started_at=job.started_at, finished_at=job.finished_at, attempts=job.attempts, result=result,
        problem=job.problem,
    )


class JobController(Controller):
    path = "/v1/jobs"
    tags = ["Jobs"]  # noqa: RUF012

    @get("/{job_id:uuid}", operation_id="getJob")
    async def get_job(self, request: ActorRequest, job_id: uuid.UUID, uow: UnitOfWork) -> Response[JobOut]:
        """A job of the caller's organisation; poll until `status` is succeeded or failed (see Retry-After)."""
        job = await find_visible(uow.session, request.user, job_id)
        finished = job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
        return Response(job_view(job), headers={} if finished else {"Retry-After": str(POLL_SECONDS)})
