"""Cases, their creditors and income, and the counsellor's overview."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated

from litestar import Controller, Response, get, post, put
from litestar.params import QueryParameter
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
    IncomeStream,
    OverviewClaim,
    OverviewOut,
    ParticipantOut,
    PaymentRouteIn,
    WarningOut,
)
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, members, moment, paged
from api.providers import service
from debt_coord.audit.trail import TrailFilter
from debt_coord.cases.listing import CaseFilter
from debt_coord.cases.models import Case, CaseParticipant
from debt_coord.cases.models import IncomeStream as IncomeRow
from debt_coord.cases.service import CaseOverview, CaseService, NamedIncome, plan_income
from debt_coord.cases.states import CaseState
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.events import EventKind
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest
from debt_coord.organisations.models import Organisation
from solver import models as engine

StateQuery = Annotated[list[CaseState] | None, QueryParameter(
    name="state", required=False, description="Only cases in this state; repeat for any of several.")]
ReferenceQuery = Annotated[str | None, QueryParameter(
    name="reference", required=False, min_length=1, max_length=64, pattern=r"^[^\x00]*$",
    description="Only the case with exactly this reference.")]
NameQuery = Annotated[str | None, QueryParameter(
    name="q", required=False, min_length=1, max_length=200, pattern=r"^[^\x00]*$",
    description="Only cases whose debtor's name contains this; case and accents ignored ('celik' finds 'Çelik').")]
UpdatedSinceQuery = Annotated[dt.datetime | None, QueryParameter(
    name="updated_since", required=False,
    description="Only cases changed at or after this time (ISO 8601; without a zone, Amsterdam time).")]
FromQuery = Annotated[dt.datetime | None, QueryParameter(
    name="from", required=False, description="Only events at or after this time (ISO 8601; without a zone, "
                                              "Amsterdam time).")]
ToQuery = Annotated[dt.datetime | None, QueryParameter(
    name="to", required=False, description="Only events before this time (ISO 8601; without a zone, Amsterdam time).")]
ActionQuery = Annotated[list[EventKind] | None, QueryParameter(
    name="action", required=False, description="Only events of this kind; repeat for any of several.")]


def case_view(case: Case, actor: Actor) -> CaseOut | CaseForCreditor:
    return CaseOut.model_validate(case) if actor.is_counsellor else CaseForCreditor.model_validate(case)


def income_view(rows: Sequence[IncomeRow]) -> IncomeOut:
    return IncomeOut(streams=[IncomeStream(**plan_income(row).model_dump(), kind=row.kind, label=row.label)
                              for row in rows])


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

    @get("/", operation_id="listCases", response_headers=NEXT_PAGE_HEADERS,
         description="The cases you may see, a page at a time: a counsellor's in the order opened, a creditor's in "
                     "the order it was invited. Filters combine.")
    async def list_cases(
        self, request: ActorRequest, cases: CaseService, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
        states: StateQuery = None, reference: ReferenceQuery = None, q: NameQuery = None,
        updated_since: UpdatedSinceQuery = None,
    ) -> Response[list[CaseOut | CaseForCreditor]]:
        wanted = CaseFilter(states=members(states), reference=reference, name=q,
                            updated_since=moment(updated_since, "updated_since"))
        return paged(request, await cases.visible_cases(request.user, wanted, PageRequest(limit, cursor)),
                     lambda case: case_view(case, request.user))

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

    @get("/{case_id:uuid}/creditors", operation_id="listCaseCreditors", guards=[requires(Role.COUNSELLOR)],
         response_headers=NEXT_PAGE_HEADERS)
    async def list_creditors(
        self, request: ActorRequest, case_id: uuid.UUID, cases: CaseService,
        limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[list[ParticipantOut]]:
        found = await cases.creditors(request.user, case_id, PageRequest(limit, cursor))
        return paged(request, found, lambda row: participant_view(*row))

    @put("/{case_id:uuid}/income", operation_id="replaceIncome", guards=[requires(Role.COUNSELLOR)])
    async def replace_income(
        self, request: ActorRequest, case_id: uuid.UUID, data: IncomeIn, cases: CaseService
    ) -> IncomeOut:
        named = [NamedIncome(engine.IncomeStream.model_validate(s.model_dump(exclude={"kind", "label"})),
                             s.kind, s.label) for s in data.streams]
        return income_view(await cases.replace_income(request.user, case_id, named))

    @get("/{case_id:uuid}/income", operation_id="getIncome", guards=[requires(Role.COUNSELLOR)])
    async def get_income(self, request: ActorRequest, case_id: uuid.UUID, cases: CaseService) -> IncomeOut:
        case = await cases.find_own(request.user, case_id, "see the income")
        return income_view(await cases.income(case.id))

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

    @put("/{case_id:uuid}/payment-route", operation_id="setPaymentRoute", guards=[requires(Role.COUNSELLOR)],
         description="How the debtor pays: 'direct' to each creditor, or 'via_counsellor' into your organisation's "
                     "payout account (set it first). Only while the case collects claims or is being planned.")
    async def set_payment_route(
        self, request: ActorRequest, case_id: uuid.UUID, data: PaymentRouteIn, cases: CaseService
    ) -> CaseOut:
        return CaseOut.model_validate(await cases.choose_payment_route(request.user, case_id, data.payment_route))

    @get("/{case_id:uuid}/audit", operation_id="getAuditTrail", guards=[requires(Role.COUNSELLOR)],
         response_headers=NEXT_PAGE_HEADERS, description="The case's audit trail, oldest first, a page at a time.")
    async def audit_trail(
        self, request: ActorRequest, case_id: uuid.UUID, cases: CaseService,
        limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
        since: FromQuery = None, until: ToQuery = None, action: ActionQuery = None,
    ) -> Response[list[AuditEventOut]]:
        wanted = TrailFilter(since=moment(since, "from"), until=moment(until, "to"), actions=members(action))
        trail = await cases.audit_trail(request.user, case_id, wanted, PageRequest(limit, cursor))
        return paged(request, trail, AuditEventOut.model_validate)


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
