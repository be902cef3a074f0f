"""Plans: ask, read, compare, propose, decide, reconsider, remind, what-if, accept, activate."""

from __future__ import annotations

import uuid

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import ActorRequest, requires
from api.plan_schemas import (
    AcceptanceOut,
    AllocationOut,
    AuditEventOut,
    CaseClose,
    ChangeOut,
    CompareOut,
    CreditorPlanView,
    DecisionIn,
    DecisionOut,
    InstallmentOut,
    JobAccepted,
    PlanAsk,
    PlanDetail,
    PlanSummary,
    PolicyCheckOut,
    ProposeIn,
    ReconsiderationIn,
    RefusalOut,
    RemindersOut,
    WhatIfIn,
    WhatIfOut,
)
from api.providers import case_services
from api.routes.cases import case_view
from api.schemas import CaseForCreditor, CaseOut
from debt_coord.domain.acceptance import PolicyCheck
from debt_coord.domain.allocations import AllocationChange, CreditorAllocation, allocations, compare
from debt_coord.errors import ConflictError
from debt_coord.models import CaseState, Role
from debt_coord.services.actors import Actor
from debt_coord.services.cases import CaseService
from debt_coord.services.plans import LoadedPlan, PlanService

plan_services = {**case_services, "plans": Provide(create_service_provider(PlanService))}


def allocation_out(line: CreditorAllocation) -> AllocationOut:
    return AllocationOut(**{k: v for k, v in vars(line).items() if k != "claim_ids"}, paid_bp=line.paid_bp)


def change_out(change: AllocationChange) -> ChangeOut:
    return ChangeOut(
        organisation_id=uuid.UUID(change.organisation_id), creditor=change.creditor,
        before=allocation_out(change.before) if change.before else None,
        after=allocation_out(change.after) if change.after else None,
        paid_change_cents=change.paid_change_cents,
    )


def plan_view(loaded: LoadedPlan, actor: Actor, checks: list[PolicyCheck]) -> PlanDetail | CreditorPlanView:
    summary = PlanSummary.model_validate(loaded.version).model_dump()
    request, proposal, lines = loaded.request, loaded.proposal, loaded.lines
    if actor.is_counsellor:
        return PlanDetail(**summary, request=request, proposal=proposal, allocations=[allocation_out(x) for x in lines],
                          policy_checks=[PolicyCheckOut.model_validate(c, from_attributes=True) for c in checks])
    own = next(line for line in lines if line.organisation_id == str(actor.organisation_id))
    return CreditorPlanView(
        **summary, currency=request.currency, term_months=request.months, start_date=request.start_date,
        rule=request.policy.rule, capacity_cents=sum(d.capacity_cents for d in proposal.dates),
        total_paid_cents=proposal.metrics.total_paid_cents, own=allocation_out(own),
        installments=[InstallmentOut(date=p.date, claim_id=uuid.UUID(p.claim_id), amount_cents=p.amount_cents)
                      for p in proposal.payments if p.claim_id in own.claim_ids],
        creditors=[allocation_out(line) for line in lines],
        explanation=proposal.explanation,
    )


class CasePlanController(Controller):
    path = "/v1/cases/{case_id:uuid}"
    tags = ["Plans"]  # noqa: RUF012
    dependencies = plan_services

    @post("/plans", operation_id="askForPlan", guards=[requires(Role.COUNSELLOR)], status_code=HTTP_202_ACCEPTED)
    async def ask_for_plan(
        self, request: ActorRequest, case_id: uuid.UUID, data: PlanAsk, plans: PlanService, db_session: AsyncSession
    ) -> Response[JobAccepted]:
        options = data.model_dump(exclude_none=True)
        job = await plans.request_plan(request.user, case_id, options)
        await db_session.commit()
        request.app.state.dispatcher.dispatch(job.id)
        location = f"/v1/jobs/{job.id}"
        return Response(JobAccepted(id=job.id, kind=job.kind, status=job.status.value, location=location),
                        status_code=HTTP_202_ACCEPTED, headers={"Location": location})

    @get("/plans", operation_id="listPlans", guards=[requires(Role.COUNSELLOR, Role.CREDITOR)])
    async def list_plans(self, request: ActorRequest, case_id: uuid.UUID, plans: PlanService) -> list[PlanSummary]:
        return [PlanSummary.model_validate(v) for v in await plans.versions(request.user, case_id)]

    @post("/close", operation_id="closeCase", guards=[requires(Role.COUNSELLOR)], status_code=HTTP_200_OK)
    async def close_case(
        self, request: ActorRequest, case_id: uuid.UUID, data: CaseClose, plans: PlanService
    ) -> CaseOut | CaseForCreditor:
        case = await plans.close_case(request.user, case_id, CaseState(data.state), data.reason)
        return case_view(case, request.user)

    @get("/audit", operation_id="getAuditTrail", guards=[requires(Role.COUNSELLOR)])
    async def audit_trail(self, request: ActorRequest, case_id: uuid.UUID, cases: CaseService) -> list[AuditEventOut]:
        return [AuditEventOut.model_validate(e) for e in await cases.audit_trail(request.user, case_id)]


class PlanController(Controller):
    path = "/v1/plans/{plan_id:uuid}"
    tags = ["Plans"]  # noqa: RUF012
    dependencies = plan_services
    guards = [requires(Role.COUNSELLOR, Role.CREDITOR)]  # noqa: RUF012

    @get("/", operation_id="getPlan")
    async def get_plan(
        self, request: ActorRequest, plan_id: uuid.UUID, plans: PlanService
    ) -> PlanDetail | CreditorPlanView:
        loaded = await plans.find_visible(request.user, plan_id)
        checks = await plans.policy_checks(loaded) if request.user.is_counsellor else []
        return plan_view(loaded, request.user, checks)

    @get("/compare/{other_id:uuid}", operation_id="comparePlans", guards=[requires(Role.COUNSELLOR)])
    async def compare_plans(
        self, request: ActorRequest, plan_id: uuid.UUID, other_id: uuid.UUID, plans: PlanService
    ) -> CompareOut:
        this = await plans.find_own(request.user, plan_id, "compare plans")
        other = await plans.find_own(request.user, other_id, "compare plans")
        if this.case.id != other.case.id:
            raise ConflictError("Only versions of the same case can be compared.")
        return CompareOut(plan_id=plan_id, other_id=other_id,
                          changes=[change_out(c) for c in compare(this.lines, other.lines)])

    @post("/propose", operation_id="proposePlan", guards=[requires(Role.COUNSELLOR)], status_code=HTTP_200_OK)
    async def propose(
        self, request: ActorRequest, plan_id: uuid.UUID, data: ProposeIn, plans: PlanService
    ) -> PlanSummary:
        loaded = await plans.propose(request.user, plan_id, data.response_deadline)
        return PlanSummary.model_validate(loaded.version)

    @post("/decisions", operation_id="decideOnPlan", guards=[requires(Role.CREDITOR)])
    async def decide(
        self, request: ActorRequest, plan_id: uuid.UUID, data: DecisionIn, plans: PlanService
    ) -> Response[DecisionOut]:
        loaded = await plans.find_visible(request.user, plan_id)
        if data.plan_version != loaded.version.number:
            raise ConflictError(f"This plan is version {loaded.version.number}, not {data.plan_version}.")
        counter = data.counter.model_dump(mode="json", exclude_none=True) if data.counter else None
        decision, changed = await plans.decide(request.user, plan_id, data.decision, data.reason, counter)
        return Response(DecisionOut.model_validate(decision), status_code=HTTP_201_CREATED if changed else HTTP_200_OK)

    @get("/decisions", operation_id="listDecisions")
    async def list_decisions(self, request: ActorRequest, plan_id: uuid.UUID, plans: PlanService) -> list[DecisionOut]:
        loaded = await plans.find_visible(request.user, plan_id)
        found = await plans.decisions(loaded.version.id)
        if not request.user.is_counsellor:
            found = [d for d in found if d.organisation_id == request.user.organisation_id]
        return [DecisionOut.model_validate(d) for d in found]

    @post("/reconsiderations", operation_id="askReconsideration", guards=[requires(Role.COUNSELLOR)],
          status_code=HTTP_201_CREATED)
    async def reconsider(
        self, request: ActorRequest, plan_id: uuid.UUID, data: ReconsiderationIn, plans: PlanService
    ) -> None:
        await plans.reconsider(request.user, plan_id, data.organisation_id, data.reason)

    @post("/reminders", operation_id="remindCreditors", guards=[requires(Role.COUNSELLOR)], status_code=HTTP_200_OK)
    async def remind(self, request: ActorRequest, plan_id: uuid.UUID, plans: PlanService) -> RemindersOut:
        return RemindersOut(reminded=[uuid.UUID(o) for o in await plans.remind(request.user, plan_id)])

    @get("/acceptance", operation_id="getAcceptance", guards=[requires(Role.COUNSELLOR)])
    async def acceptance(self, request: ActorRequest, plan_id: uuid.UUID, plans: PlanService) -> AcceptanceOut:
        loaded, report = await plans.acceptance(request.user, plan_id)
        return AcceptanceOut(
            plan_id=plan_id, number=loaded.version.number, status=loaded.version.status,
            agreed=report.agreed, creditors=report.creditors, counts=report.counts, value_cents=report.value_cents,
            accepted_value_bp=report.accepted_value_bp, refusals=[RefusalOut(**vars(r)) for r in report.refusals],
            documentation=f"/v1/cases/{loaded.case.id}/audit",
        )

    @post("/what-if", operation_id="whatIf", guards=[requires(Role.COUNSELLOR)], status_code=HTTP_200_OK)
    async def what_if(self, request: ActorRequest, plan_id: uuid.UUID, data: WhatIfIn, plans: PlanService) -> WhatIfOut:
        counters = {c.organisation_id: c.model_dump(exclude={"organisation_id"}, exclude_none=True)
                    for c in data.counters}
        loaded, solved_request, proposal = await plans.what_if(request.user, plan_id, counters)
        after = allocations(solved_request, proposal, loaded.version.claim_owners)
        return WhatIfOut(
            solver_status=proposal.status,
            total_paid_before_cents=loaded.proposal.metrics.total_paid_cents,
            total_paid_after_cents=proposal.metrics.total_paid_cents,
            changes=[change_out(c) for c in compare(loaded.lines, after)],
            explanation=proposal.explanation,
        )

    @post("/activate", operation_id="activatePlan", guards=[requires(Role.COUNSELLOR)], status_code=HTTP_200_OK)
    async def activate(self, request: ActorRequest, plan_id: uuid.UUID, plans: PlanService) -> PlanSummary:
        loaded = await plans.activate(request.user, plan_id)
        return PlanSummary.model_validate(loaded.version)


