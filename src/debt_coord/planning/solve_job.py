"""The work of a `solve_plan` job: solve the snapshotted request and store it as the case's next version.

It runs in the job's unit of work: the runner commits the version, its events and the job's
success together, once.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.cases.models import Case
from debt_coord.jobs.models import Job
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.errors import InvalidInputError, Refusal
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.uow import UnitOfWork
from debt_coord.observability.metrics import SOLVE_SECONDS
from debt_coord.observability.tracing import TRACER
from debt_coord.planning.models import PlanStatus, PlanVersion
from solver import solve
from solver.models import PlanProposal, PlanRequest


async def solve_plan_job(uow: UnitOfWork, job: Job) -> dict[str, Any]:
    # A request the engine cannot take (queued before its limits were checked at the request) is a
    # ValidationError: the runner fails the job with a 422 problem pointing at each field.
    request = PlanRequest.model_validate(job.payload["request"])
    proposal = await _solve(request)
    session = uow.session
    case = await session.get(Case, job.case_id, with_for_update=True)
    if case is None:
        raise InvalidInputError("The case of this plan request no longer exists.", code=Refusal.PLAN_CASE_GONE)
    case.plan_arrived()
    number = (await session.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.case_id == case.id)) or 0) + 1
    superseded = await _supersede_open_versions(session, case.id)
    version = PlanVersion(
        case_id=case.id, number=number, solver_status=proposal.status,
        request=job.payload["request"], proposal=proposal.model_dump(mode="json"),
        claim_owners=job.payload["claim_owners"], applied_counters=job.payload.get("applied_counters", []),
        income_kinds=job.payload.get("income_kinds"), varies=job.payload.get("varies"),
        created_by=job.requested_by,
    )
    session.add(version)
    await session.flush()
    actor = Actor(job.organisation_id or case.organisation_id, Role.COUNSELLOR, job.requested_by, job.api_key_id)
    uow.record(event(EventKind.PLAN_CREATED, actor, version, case_id=case.id,
                     after={"number": number, "solver_status": proposal.status.value,
                            "total_paid_cents": proposal.metrics.total_paid_cents,
                            "superseded": [old.number for old in superseded]}))
    uow.record(*(
        event(EventKind.PLAN_SUPERSEDED, actor, old, case_id=case.id, told=old.creditor_ids,
              message={"case_id": str(case.id), "plan_id": str(old.id), "number": old.number,
                       "superseded_by": str(version.id)})
        for old in superseded if old.was_proposed
    ))
    return {"plan_id": str(version.id), "number": number, "solver_status": proposal.status.value}


async def _solve(request: PlanRequest) -> PlanProposal:
    """The planning engine, on a thread, in a span of the job's trace and timed (debt_coord_solve_seconds)."""
    attributes = {"debt_coord.solver.claims": len(request.claims), "debt_coord.solver.months": request.months,
                  "debt_coord.solver.time_limit_seconds": request.policy.time_limit_seconds}
    with TRACER.start_as_current_span("solver.solve", attributes=attributes) as span, SOLVE_SECONDS.time():
        proposal = await asyncio.to_thread(solve, request)
        span.set_attribute("debt_coord.solver.status", proposal.status.value)
    return proposal


@dataclass(frozen=True)
class Superseded:
    id: uuid.UUID
    number: int
    was_proposed: bool
    creditor_ids: frozenset[uuid.UUID]


async def _supersede_open_versions(session: AsyncSession, case_id: uuid.UUID) -> list[Superseded]:
    """Drafts and proposals of the case end when a new version arrives; an active plan runs on until replaced."""
    open_statuses = [PlanStatus.DRAFT, PlanStatus.PROPOSED]
    rows = (await session.execute(
        select(PlanVersion.id, PlanVersion.number, PlanVersion.status, PlanVersion.claim_owners)
        .where(PlanVersion.case_id == case_id, PlanVersion.status.in_(open_statuses))
        .with_for_update()
    )).all()
    await session.execute(
        update(PlanVersion).where(PlanVersion.id.in_([row.id for row in rows]))
        .values(status=PlanStatus.SUPERSEDED, version=PlanVersion.version + 1)
        .execution_options(synchronize_session=False)
    )
    return [
        Superseded(row.id, row.number, row.status is PlanStatus.PROPOSED,
                   frozenset(uuid.UUID(o) for o in row.claim_owners.values()))
        for row in rows
    ]
