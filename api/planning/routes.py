"""Plans: ask for one, list and read versions, compare two."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.status_codes import HTTP_202_ACCEPTED

from api.auth import ActorRequest, requires
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, paged
from api.planning.schemas import (
    AllocationOut,
    ChangeOut,
    CompareOut,
    CreditorChangeOut,
    CreditorPlanView,
    DateChangeOut,
    InstallmentOut,
    JobAccepted,
    PlanAsk,
    PlanDetail,
    PlanRequestOut,
    PlanSummary,
    PolicyCheckOut,
)
from api.providers import service
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.errors import ConflictError
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest
from debt_coord.negotiation.acceptance import PolicyCheck
from debt_coord.negotiation.service import NegotiationService
from debt_coord.planning.allocations import AllocationChange, CreditorAllocation, compare
from debt_coord.planning.options import PlanOptions, PolicyOverrides
from debt_coord.planning.service import LoadedPlan, PlanService
from debt_coord.planning.variations import CreditorChange


def allocation_out(line: CreditorAllocation) -> AllocationOut:
    return AllocationOut(**{k: v for k, v in vars(line).items() if k != "claim_ids"}, paid_bp=line.paid_bp)


def change_out(change: AllocationChange) -> ChangeOut:
    return ChangeOut(
        organisation_id=uuid.UUID(change.organisation_id), creditor=change.creditor,
        before=allocation_out(change.before) if change.before else None,
        after=allocation_out(change.after) if change.after else None,
        paid_change_cents=change.paid_change_cents,
    )


def change_of(change: CreditorChange) -> CreditorChangeOut:
    return CreditorChangeOut(
        **{k: v for k, v in vars(change).items() if k != "dates"}, change_cents=change.change_cents,
        cut_bp=change.cut_bp, later=change.later, dates=[DateChangeOut(**vars(d)) for d in change.dates])


def plan_view(loaded: LoadedPlan, actor: Actor, checks: list[PolicyCheck],
              varied: list[CreditorChange] | None) -> PlanDetail | CreditorPlanView:
    summary = PlanSummary.model_validate(loaded.version).model_dump()
    request, proposal, lines = loaded.request, loaded.proposal, loaded.lines
    if actor.is_counsellor:
        return PlanDetail(**summary, request=PlanRequestOut.model_validate(request, from_attributes=True),
                          proposal=proposal, allocations=[allocation_out(x) for x in lines],
                          policy_checks=[PolicyCheckOut.model_validate(c, from_attributes=True) for c in checks],
                          variation=[change_of(c) for c in varied] if varied is not None else None)
    own = next(line for line in lines if line.organisation_id == str(actor.organisation_id))
    own_change = next((c for c in varied or [] if c.organisation_id == own.organisation_id), None)
    return CreditorPlanView(
        **summary, currency=request.currency, term_months=request.months, start_date=request.start_date,
        rule=request.policy.rule, capacity_cents=sum(d.capacity_cents for d in proposal.dates),
        total_paid_cents=proposal.metrics.total_paid_cents, own=allocation_out(own),
        installments=[InstallmentOut(date=p.date, claim_id=uuid.UUID(p.claim_id), amount_cents=p.amount_cents)
                      for p in proposal.payments if p.claim_id in own.claim_ids],
        creditors=[allocation_out(line) for line in lines],
        explanation=proposal.explanation,
        variation=change_of(own_change) if own_change is not None else None,
    )


def plan_options(ask: PlanAsk) -> PlanOptions:
    return PlanOptions(
        start_date=ask.start_date, months=ask.months, apply_counters=ask.apply_counters,
        respect_policies=ask.respect_policies,
        policy=PolicyOverrides(rule=ask.rule, preferent_factor=ask.preferent_factor,
                               min_payment_cents=ask.min_payment_cents,
                               max_transfers_per_date=ask.max_transfers_per_date,
                               payment_lag_days=ask.payment_lag_days, time_limit_seconds=ask.time_limit_seconds),
    )


class CasePlanController(Controller):
    path = "/v1/cases/{case_id:uuid}/plans"
    tags = ["Plans"]  # noqa: RUF012
    dependencies = {"plans": service(PlanService)}  # noqa: RUF012

    @post("/", operation_id="askForPlan", guards=[requires(Role.COUNSELLOR)], status_code=HTTP_202_ACCEPTED)
    async def ask_for_plan(
        self, request: ActorRequest, case_id: uuid.UUID, data: PlanAsk, plans: PlanService
    ) -> Response[JobAccepted]:
        job = await plans.request_plan(request.user, case_id, plan_options(data))
        location = f"/v1/jobs/{job.id}"
        return Response(JobAccepted(id=job.id, kind=job.kind, status=job.status.value, location=location),
                        status_code=HTTP_202_ACCEPTED, headers={"Location": location})

    @get("/", operation_id="listPlans", guards=[requires(Role.COUNSELLOR, Role.CREDITOR)],
         response_headers=NEXT_PAGE_HEADERS, description="The case's plan versions by number, a page at a time.")
    async def list_plans(
        self, request: ActorRequest, case_id: uuid.UUID, plans: PlanService,
        limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[list[PlanSummary]]:
        found = await plans.versions(request.user, case_id, PageRequest(limit, cursor))
        return paged(request, found, PlanSummary.model_validate)


class PlanController(Controller):
    path = "/v1/plans/{plan_id:uuid}"
    tags = ["Plans"]  # noqa: RUF012
    dependencies = {"plans": service(PlanService), "negotiations": service(NegotiationService)}  # noqa: RUF012
    guards = [requires(Role.COUNSELLOR, Role.CREDITOR)]  # noqa: RUF012

    @get("/", operation_id="getPlan")
    async def get_plan(
        self, request: ActorRequest, plan_id: uuid.UUID, plans: PlanService, negotiations: NegotiationService
    ) -> PlanDetail | CreditorPlanView:
        loaded = await plans.find_visible(request.user, plan_id)
        checks = await negotiations.policy_checks(loaded) if request.user.is_counsellor else []
        return plan_view(loaded, request.user, checks, await plans.variation_changes(loaded))

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
