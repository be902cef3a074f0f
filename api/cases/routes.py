"""Cases, their creditors and income, and the counsellor's overview."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post, put
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from api.auth import ActorRequest, requires
from api.cases.schemas import (
    AuditEventOut,
    CapacityOut,
    CaseClose,
    CaseCreate,
    CaseForCreditor,
    CaseOut,
    ClassTotalsOut,
    CreditorInvite,
    IncomeIn,
    IncomeOut,
    OverviewClaim,
    OverviewOut,
    ParticipantOut,
    WarningOut,
)
from api.providers import service
from debt_coord.cases.models import Case, CaseParticipant
from debt_coord.cases.service import CaseOverview, CaseService, plan_income
from debt_coord.cases.states import CaseState
from debt_coord.kernel.actors import Actor, Role
from debt_coord.organisations.models import Organisation
from solver import models as engine


def case_view(case: Case, actor: Actor) -> CaseOut | CaseForCreditor:
    return CaseOut.model_validate(case) if actor.is_counsellor else CaseForCreditor.model_validate(case)


def participant_view(participant: CaseParticipant, organisation: Organisation) -> ParticipantOut:
    return ParticipantOut(
        organisation_id=organisation.id, organisation_name=organisation.name,
        balance_as_of=participant.balance_as_of, message=participant.message, invited_at=participant.created_at,
    )


class CaseController(Controller):
    path = "/v1/cases"
    tags = ["Cases"]  # noqa: RUF012
    dependencies = {"cases": service(CaseService)}  # noqa: RUF012
    guards = [requires(Role.COUNSELLOR, Role.CREDITOR)]  # noqa: RUF012

    @post("/", operation_id="openCase", guards=[requires(Role.COUNSELLOR)])
    async def open_case(self, request: ActorRequest, data: CaseCreate, cases: CaseService) -> Response[CaseOut]:
        case = await cases.open_case(request.user, data.model_dump())
        return Response(CaseOut.model_validate(case), status_code=HTTP_201_CREATED,
                        headers={"Location": f"/v1/cases/{case.id}"})

    @get("/", operation_id="listCases")
    async def list_cases(self, request: ActorRequest, cases: CaseService) -> list[CaseOut | CaseForCreditor]:
        return [case_view(c, request.user) for c in await cases.visible_cases(request.user)]

    @get("/{case_id:uuid}", operation_id="getCase")
    async def get_case(
        self, request: ActorRequest, case_id: uuid.UUID, cases: CaseService
    ) -> CaseOut | CaseForCreditor:
        return case_view(await cases.find_visible(request.user, case_id), request.user)

    @post("/{case_id:uuid}/creditors", operation_id="inviteCreditor", guards=[requires(Role.COUNSELLOR)])
    async def invite_creditor(
        self, request: ActorRequest, case_id: uuid.UUID, data: CreditorInvite, cases: CaseService
    ) -> Response[ParticipantOut]:
        participant, organisation, created = await cases.invite_creditor(
            request.user, case_id, data.organisation_id, data.message
        )
        return Response(participant_view(participant, organisation),
                        status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/{case_id:uuid}/creditors", operation_id="listCaseCreditors", guards=[requires(Role.COUNSELLOR)])
    async def list_creditors(
        self, request: ActorRequest, case_id: uuid.UUID, cases: CaseService
    ) -> list[ParticipantOut]:
        case = await cases.find_own(request.user, case_id, "list the creditors")
        return [participant_view(p, o) for p, o in await cases.participants(case.id)]

    @put("/{case_id:uuid}/income", operation_id="replaceIncome", guards=[requires(Role.COUNSELLOR)])
    async def replace_income(
        self, request: ActorRequest, case_id: uuid.UUID, data: IncomeIn, cases: CaseService
    ) -> IncomeOut:
        engine_streams = [engine.IncomeStream.model_validate(s.model_dump()) for s in data.streams]
        streams = await cases.replace_income(request.user, case_id, engine_streams)
        return IncomeOut.model_validate({"streams": [plan_income(s) for s in streams]}, from_attributes=True)

    @get("/{case_id:uuid}/income", operation_id="getIncome", guards=[requires(Role.COUNSELLOR)])
    async def get_income(self, request: ActorRequest, case_id: uuid.UUID, cases: CaseService) -> IncomeOut:
        case = await cases.find_own(request.user, case_id, "see the income")
        return IncomeOut.model_validate({"streams": [plan_income(s) for s in await cases.income(case.id)]},
                                        from_attributes=True)

    @get("/{case_id:uuid}/overview", operation_id="getOverview", guards=[requires(Role.COUNSELLOR)])
    async def overview(self, request: ActorRequest, case_id: uuid.UUID, cases: CaseService) -> OverviewOut:
        return overview_view(await cases.overview(request.user, case_id))

    @post("/{case_id:uuid}/close", operation_id="closeCase", guards=[requires(Role.COUNSELLOR)],
          status_code=HTTP_200_OK)
    async def close_case(
        self, request: ActorRequest, case_id: uuid.UUID, data: CaseClose, cases: CaseService
    ) -> CaseOut | CaseForCreditor:
        case = await cases.close(request.user, case_id, CaseState(data.state), data.reason)
        return case_view(case, request.user)

    @get("/{case_id:uuid}/audit", operation_id="getAuditTrail", guards=[requires(Role.COUNSELLOR)])
    async def audit_trail(self, request: ActorRequest, case_id: uuid.UUID, cases: CaseService) -> list[AuditEventOut]:
        return [AuditEventOut.model_validate(e) for e in await cases.audit_trail(request.user, case_id)]


def overview_view(found: CaseOverview) -> OverviewOut:
    names, shares = found.creditor_names, found.summary.shares_bp
    return OverviewOut(
        case_id=found.case.id,
        currency=found.case.currency,
        reference_date=found.case.reference_date,
        total_cents=found.summary.total_cents,
        claims=[
            OverviewClaim.model_validate(claim).model_copy(
                update={"creditor_name": names.get(claim.organisation_id, ""), "share_bp": shares[claim.id]}
            )
            for claim in found.claims
        ],
        class_totals=[ClassTotalsOut.model_validate(t) for t in found.summary.class_totals],
        capacity=CapacityOut.model_validate(found.summary.capacity),
        creditors=[participant_view(p, o) for p, o in found.creditors],
        warnings=[WarningOut.model_validate(w) for w in found.summary.warnings],
    )
