"""Cases: who sees which case, inviting creditors, the debtor's income, the overview."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.repository.typing import ModelT
from sqlalchemy import select

from debt_coord.audit.models import AuditEvent
from debt_coord.audit.trail import TrailFilter, case_trail
from debt_coord.cases.listing import CaseFilter, visible_cases
from debt_coord.cases.models import Case, CaseParticipant, Claim, IncomeKind, IncomeStream, PaymentRoute
from debt_coord.cases.overview import Overview, build_overview
from debt_coord.cases.states import CaseState
from debt_coord.kernel.actors import Actor, require_role
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, NotFoundError, Refusal
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.paging import Page, PageRequest, Query, fetch_page
from debt_coord.kernel.service import Service
from debt_coord.kernel.snapshot import snapshot
from debt_coord.organisations.models import Organisation, OrganisationKind
from solver.models import IncomeStream as PlanIncome


@dataclass(frozen=True)
class NamedIncome:
    """An income stream and how the debtor's page names it: its kind and, for 'other', the label."""

    stream: PlanIncome
    kind: IncomeKind = IncomeKind.OTHER
    label: str = ""


def plan_income(stream: IncomeStream) -> PlanIncome:
    """An income stream as the solver reads it."""
    return PlanIncome(
        id=stream.stream_id,
        amount_cents=stream.amount_cents,
        available_cents=stream.available_cents,
        day_of_month=stream.day_of_month,
        every_weeks=stream.every_weeks,
        first_date=stream.first_date,
        dates=stream.dates,  # ISO strings; pydantic parses them
    )


def income_kinds(streams: Sequence[IncomeStream]) -> dict[str, dict[str, str]]:
    """Per stream id its kind and label, as a plan version keeps them."""
    return {s.stream_id: {"kind": s.kind.value, "label": s.label} for s in streams}


def income_row(named: PlanIncome | NamedIncome) -> dict[str, Any]:
    """The columns of an income stream row, from the solver's model of it (a bare one is of kind 'other')."""
    if isinstance(named, PlanIncome):
        named = NamedIncome(named)
    stream = named.stream
    return {
        "stream_id": stream.id,
        "kind": named.kind,
        "label": named.label,
        "amount_cents": stream.amount_cents,
        "available_cents": stream.available_cents,
        "day_of_month": stream.day_of_month,
        "every_weeks": stream.every_weeks,
        "first_date": stream.first_date,
        "dates": [d.isoformat() for d in stream.dates] if stream.dates is not None else None,
    }


@dataclass(frozen=True)
class CaseOverview:
    case: Case
    claims: list[Claim]
    creditors: list[tuple[CaseParticipant, Organisation]]
    summary: Overview

    @property
    def creditor_names(self) -> dict[uuid.UUID, str]:
        return {organisation.id: organisation.name for _, organisation in self.creditors}


def _participants(case_id: uuid.UUID) -> Query:
    return (select(CaseParticipant, Organisation)
            .join(Organisation, Organisation.id == CaseParticipant.organisation_id)
            .where(CaseParticipant.case_id == case_id))


class CaseService(Service[Case]):
    class Repo(SQLAlchemyAsyncRepository[Case]):
        model_type = Case

    repository_type = Repo

    async def open_case(self, actor: Actor, data: dict[str, Any]) -> Case:
        require_role(actor, actor.is_counsellor, "open a case")
        if await self.get_one_or_none(organisation_id=actor.organisation_id, reference=data["reference"]):
            raise ConflictError(
                f"Your organisation already has a case with reference {data['reference']!r}.",
                [FieldError("/reference", "already in use")],
                code=Refusal.CASE_REFERENCE_IN_USE, facts={"reference": str(data["reference"])},
            )
        route = PaymentRoute(data.pop("payment_route", None) or PaymentRoute.DIRECT)
        opened = Case(organisation_id=actor.organisation_id, state=CaseState.COLLECTING,
                      payment_route=PaymentRoute.DIRECT, reference_date=data.pop("reference_date", None) or today(),
                      **data)
        opened.choose_payment_route(route, await self._payout_day(actor.organisation_id))
        case = await self.create(opened)
        self.record(event(EventKind.CASE_OPENED, actor, case, case_id=case.id, after=snapshot(case)))
        await self.uow.commit()
        return case

    async def visible_cases(self, actor: Actor, wanted: CaseFilter, page: PageRequest) -> Page[Case]:
        query, keys = visible_cases(actor, wanted)
        return await fetch_page(self.session, query, keys, page)

    async def find_visible(self, actor: Actor, case_id: uuid.UUID) -> Case:
        """The case, if the actor may see it; otherwise NotFound, never telling whether it exists."""
        case = await self.get_one_or_none(id=case_id)
        if case is not None and await self._may_see(actor, case):
            return case
        raise NotFoundError(f"No case {case_id}.")

    async def _may_see(self, actor: Actor, case: Case) -> bool:
        if actor.is_counsellor:
            return case.organisation_id == actor.organisation_id
        if actor.is_creditor:
            return await self.participant(case.id, actor.organisation_id) is not None
        return False

    async def find_own(self, actor: Actor, case_id: uuid.UUID, action: str) -> Case:
        """A case of the actor's own counselling organisation, for a counsellor's change."""
        case = await self.find_visible(actor, case_id)
        require_role(actor, actor.is_counsellor, action)
        return case

    async def participant(self, case_id: uuid.UUID, organisation_id: uuid.UUID) -> CaseParticipant | None:
        query = select(CaseParticipant).where(
            CaseParticipant.case_id == case_id, CaseParticipant.organisation_id == organisation_id
        )
        found: CaseParticipant | None = (await self.session.execute(query)).scalar_one_or_none()
        return found

    async def participants(self, case_id: uuid.UUID) -> list[tuple[CaseParticipant, Organisation]]:
        query = _participants(case_id).order_by(CaseParticipant.created_at, CaseParticipant.id)
        return [(p, o) for p, o in (await self.session.execute(query)).all()]

    async def creditors(self, actor: Actor, case_id: uuid.UUID, page: PageRequest) -> Page[Any]:
        """A page of the creditors invited to the case, as (participant, organisation), in the order invited."""
        case = await self.find_own(actor, case_id, "list the creditors")
        return await fetch_page(self.session, _participants(case.id), (CaseParticipant.created_at, CaseParticipant.id),
                                page)

    async def invite_creditor(
        self, actor: Actor, case_id: uuid.UUID, organisation_id: uuid.UUID, message: str
    ) -> tuple[CaseParticipant, Organisation, bool]:
        """Invite a creditor and ask its balance as of the reference date; (participant, org, created)."""
        case = await self.find_own(actor, case_id, "invite creditors")
        case.require_open("invite creditors")
        creditor = await self.session.get(Organisation, organisation_id)
        if creditor is None or creditor.kind is not OrganisationKind.CREDITOR:
            raise InvalidInputError(
                "Only a registered creditor organisation can be invited.",
                [FieldError("/organisation_id", "not a creditor organisation")],
                code=Refusal.NOT_A_CREDITOR_ORGANISATION,
            )
        if (existing := await self.participant(case.id, creditor.id)) is not None:
            return existing, creditor, False
        participant = CaseParticipant(
            case_id=case.id, organisation_id=creditor.id, balance_as_of=case.reference_date, message=message,
        )
        self.session.add(participant)
        await self.session.flush()
        self.record(event(EventKind.CREDITOR_INVITED, actor, participant, case_id=case.id,
                          after=snapshot(participant)))
        await self.uow.commit()
        return participant, creditor, True

    async def income(self, case_id: uuid.UUID) -> list[IncomeStream]:
        query = select(IncomeStream).where(IncomeStream.case_id == case_id).order_by(IncomeStream.position)
        return list((await self.session.execute(query)).scalars())

    async def replace_income(
        self, actor: Actor, case_id: uuid.UUID, streams: Sequence[PlanIncome | NamedIncome]
    ) -> list[IncomeStream]:
        case = await self.find_own(actor, case_id, "change the debtor's income")
        case.require_open("change the debtor's income")
        old = await self.income(case.id)
        before = [snapshot(s) for s in old]
        for stream in old:
            await self.session.delete(stream)
        new = [IncomeStream(case_id=case.id, position=i, **income_row(s)) for i, s in enumerate(streams)]
        self.session.add_all(new)
        await self.session.flush()
        self.record(event(EventKind.INCOME_REPLACED, actor, case, case_id=case.id,
                          before={"income": before}, after={"income": [snapshot(s) for s in new]}))
        await self.uow.commit()
        return new

    async def overview(self, actor: Actor, case_id: uuid.UUID) -> CaseOverview:
        case = await self.find_own(actor, case_id, "see the overview")
        query = select(Claim).where(Claim.case_id == case.id).order_by(Claim.created_at, Claim.id)
        claims = list((await self.session.execute(query)).scalars())
        creditors = await self.participants(case.id)
        summary = build_overview(
            claims,
            [plan_income(s) for s in await self.income(case.id)],
            reference_date=case.reference_date,
            country=case.country,
            invited={organisation.id: organisation.name for _, organisation in creditors},
        )
        return CaseOverview(case, claims, creditors, summary)

    async def audit_trail(self, actor: Actor, case_id: uuid.UUID, wanted: TrailFilter, page: PageRequest
                          ) -> Page[AuditEvent]:
        case = await self.find_own(actor, case_id, "read the audit trail")
        return await case_trail(self.session, case.id, wanted, page)

    async def choose_payment_route(self, actor: Actor, case_id: uuid.UUID, route: PaymentRoute) -> Case:
        """Directly to the creditors, or via the counselling organisation's payout account (its payout day)."""
        case = await self.find_own(actor, case_id, "change how the debtor pays")
        before = case.payment_route
        case.choose_payment_route(route, await self._payout_day(case.organisation_id))
        if case.payment_route is not before:
            await self.session.flush()
            self.record(event(EventKind.PAYMENT_ROUTE_CHOSEN, actor, case, case_id=case.id,
                              before={"payment_route": before.value}, after={"payment_route": route.value}))
            await self.uow.commit()
        return case

    async def _payout_day(self, organisation_id: uuid.UUID) -> int | None:
        """The counselling organisation's payout day, when it has a payout account to take the debtor's money."""
        return (await self.session.get_one(Organisation, organisation_id)).payout_day

    async def close(self, actor: Actor, case_id: uuid.UUID, state: CaseState, reason: str) -> Case:
        """End a case as completed, failed or withdrawn: from then on it only answers reads."""
        case = await self.find_own(actor, case_id, "close a case")
        before = case.state
        case.close(state)
        await self.session.flush()
        creditors = [organisation.id for _, organisation in await self.participants(case.id)]
        self.record(event(EventKind(f"case.{state.value}"), actor, case, case_id=case.id,
                          before={"state": before.value}, after={"state": state.value, "reason": reason},
                          told=[*creditors, case.organisation_id],
                          message={"case_id": case.id, "case_reference": case.reference, "state": state.value,
                                   "previous_state": before.value, "reason": reason}))
        await self.uow.commit()
        return case


class CaseScopedService(Service[ModelT]):
    """A service whose work lives inside cases: it finds them, and checks access, with the case service."""

    @property
    def cases(self) -> CaseService:
        return CaseService(self.uow)
