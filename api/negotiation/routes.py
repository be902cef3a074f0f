"""Negotiation: propose a version, the creditors' decisions, reminders, reconsideration, what-if, activation."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from api.auth import ActorRequest, requires
from api.negotiation.schemas import (
    AcceptanceOut,
    DecisionIn,
    DecisionOut,
    ProposeIn,
    ReconsiderationIn,
    RefusalOut,
    RemindersOut,
    WhatIfIn,
    WhatIfOut,
)
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, paged
from api.planning.routes import change_out
from api.planning.schemas import PlanSummary
from api.providers import service
from debt_coord.kernel.actors import Role
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest
from debt_coord.negotiation.models import Answer
from debt_coord.negotiation.service import NegotiationService
from debt_coord.planning.allocations import allocations, compare
from debt_coord.planning.service import PlanService


class NegotiationController(Controller):
    path = "/v1/plans/{plan_id:uuid}"
    tags = ["Plans"]  # noqa: RUF012
    dependencies = {"plans": service(PlanService), "negotiations": service(NegotiationService)}  # noqa: RUF012
    guards = [requires(Role.COUNSELLOR, Role.CREDITOR)]  # noqa: RUF012

    @post("/propose", operation_id="proposePlan", guards=[requires(Role.COUNSELLOR)], status_code=HTTP_200_OK)
    async def propose(
        self, request: ActorRequest, plan_id: uuid.UUID, data: ProposeIn, negotiations: NegotiationService
    ) -> PlanSummary:
        loaded = await negotiations.propose(request.user, plan_id, data.response_deadline)
        return PlanSummary.model_validate(loaded.version)

    @post("/decisions", operation_id="decideOnPlan", guards=[requires(Role.CREDITOR)])
    async def decide(
        self, request: ActorRequest, plan_id: uuid.UUID, data: DecisionIn, negotiations: NegotiationService
    ) -> Response[DecisionOut]:
        counter = data.counter.model_dump(mode="json", exclude_none=True) if data.counter else None
        answer = Answer(data.decision, data.reason, counter)
        decision, changed = await negotiations.decide(request.user, plan_id, data.plan_version, answer)
        return Response(DecisionOut.model_validate(decision), status_code=HTTP_201_CREATED if changed else HTTP_200_OK)

    @get("/decisions", operation_id="listDecisions", response_headers=NEXT_PAGE_HEADERS,
         description="The creditors' decisions on this version in the order made, a page at a time: all of them "
                     "for the counsellor, its own for a creditor.")
    async def list_decisions(
        self, request: ActorRequest, plan_id: uuid.UUID, negotiations: NegotiationService,
        limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[list[DecisionOut]]:
        found = await negotiations.visible_decisions(request.user, plan_id, PageRequest(limit, cursor))
        return paged(request, found, DecisionOut.model_validate)

    @post("/reconsiderations", operation_id="askReconsideration", guards=[requires(Role.COUNSELLOR)],
          status_code=HTTP_201_CREATED)
    async def reconsider(
        self, request: ActorRequest, plan_id: uuid.UUID, data: ReconsiderationIn, negotiations: NegotiationService
    ) -> None:
        await negotiations.reconsider(request.user, plan_id, data.organisation_id, data.reason)

    @post("/reminders", operation_id="remindCreditors", guards=[requires(Role.COUNSELLOR)], status_code=HTTP_200_OK)
    async def remind(self, request: ActorRequest, plan_id: uuid.UUID, negotiations: NegotiationService) -> RemindersOut:
        return RemindersOut(reminded=await negotiations.remind(request.user, plan_id))

    @get("/acceptance", operation_id="getAcceptance", guards=[requires(Role.COUNSELLOR)])
    async def acceptance(
        self, request: ActorRequest, plan_id: uuid.UUID, negotiations: NegotiationService
    ) -> AcceptanceOut:
        loaded, report = await negotiations.acceptance(request.user, plan_id)
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
    async def activate(
        self, request: ActorRequest, plan_id: uuid.UUID, negotiations: NegotiationService
    ) -> PlanSummary:
        loaded = await negotiations.activate(request.user, plan_id)
        return PlanSummary.model_validate(loaded.version)
