"""Completion: the final statement once the term has ended (or all is paid), discharge, the case completed.

Per claim the statement shows what it was owed at the case's reference date (its opening in the
ledger), what it received, that as a percentage, and the remainder. A creditor grants discharge of
the remainder of its own claims (`discharge`): a ledger journal from `outstanding` to `discharged`.
When no claim of the plan is owed anything any more (paid in full or discharged), the case moves
to `completed` and every creditor and the counsellor hear `plan.completed`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Self

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.cases.models import Case, Claim
from debt_coord.cases.service import CaseScopedService
from debt_coord.cases.states import CaseState
from debt_coord.kernel.actors import Actor
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, Refusal
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.uow import UnitOfWork
from debt_coord.money_in import ledger
from debt_coord.money_in.models import Account, Journal, JournalKind
from debt_coord.organisations.models import Organisation
from debt_coord.planning.models import PlanStatus, PlanVersion

FULL = 10_000
"""100% in basis points."""


class Availability(StrEnum):
    TERM_ENDED = "term_ended"
    """The plan's last payment date is past."""
    SETTLED = "settled"
    """No claim is owed anything any more: paid in full, or the rest discharged."""


def basis_points(part: int, whole: int) -> int:
    """`part` of `whole` in basis points, rounded down: 10,000 only when paid in full."""
    return FULL if whole <= 0 else part * FULL // whole


@dataclass(frozen=True, kw_only=True)
class Amounts:
    """What a claim, or a creditor's claims together, came to by the end of the plan."""

    owed_cents: int = 0
    """At the case's reference date: what the plan started from (the claim's opening in the ledger)."""
    received_cents: int = 0
    discharged_cents: int = 0
    outstanding_cents: int = 0
    """Still to discharge (or to receive)."""

    @property
    def remainder_cents(self) -> int:
        """What the plan did not pay: discharged, or still to discharge."""
        return self.owed_cents - self.received_cents

    @property
    def received_bp(self) -> int:
        return basis_points(self.received_cents, self.owed_cents)

    def __add__(self, other: Amounts) -> Self:
        return replace(self, owed_cents=self.owed_cents + other.owed_cents,
                       received_cents=self.received_cents + other.received_cents,
                       discharged_cents=self.discharged_cents + other.discharged_cents,
                       outstanding_cents=self.outstanding_cents + other.outstanding_cents)


@dataclass(frozen=True, kw_only=True)
class StatementLine(Amounts):
    claim_id: uuid.UUID
    organisation_id: uuid.UUID
    creditor: str
    creditor_reference: str


@dataclass(frozen=True, kw_only=True)
class CreditorTotal(Amounts):
    organisation_id: uuid.UUID
    creditor: str


@dataclass(frozen=True)
class FinalStatement:
    case: Case
    version: PlanVersion
    term_ends_on: dt.date
    available: Availability
    lines: list[StatementLine]

    @property
    def creditors(self) -> list[CreditorTotal]:
        totals: dict[uuid.UUID, CreditorTotal] = {}
        for line in self.lines:
            was = totals.get(line.organisation_id) or CreditorTotal(organisation_id=line.organisation_id,
                                                                    creditor=line.creditor)
            totals[line.organisation_id] = was + line
        return list(totals.values())


async def active_version(session: AsyncSession, case_id: uuid.UUID) -> PlanVersion | None:
    query = select(PlanVersion).where(PlanVersion.case_id == case_id, PlanVersion.status == PlanStatus.ACTIVE)
    found: PlanVersion | None = (await session.execute(query)).scalar_one_or_none()
    return found


def term_end(version: PlanVersion) -> dt.date:
    """The plan's last payment date."""
    return max(p.date for p in version.schedule)


async def settled(session: AsyncSession, case_id: uuid.UUID, claim_ids: Iterable[uuid.UUID]) -> bool:
    """Whether every claim was opened in the ledger and is owed nothing any more."""
    opened = await ledger.opened_claims(session, case_id)
    outstanding = await ledger.balances(session, case_id, Account.OUTSTANDING)
    return all(claim in opened and outstanding.get(claim, 0) == 0 for claim in claim_ids)


async def complete_if_settled(uow: UnitOfWork, case: Case, version: PlanVersion, actor: Actor, day: dt.date) -> bool:
    """Move an active case whose claims are all paid or discharged to `completed`, telling everyone concerned."""
    claims = [uuid.UUID(claim_id) for claim_id in version.claim_owners]
    if case.state is not CaseState.ACTIVE or not await settled(uow.session, case.id, claims):
        return False
    case.move_to(CaseState.COMPLETED)
    await uow.session.flush()
    creditors = {uuid.UUID(owner) for owner in version.claim_owners.values()}
    uow.record(event(EventKind.PLAN_COMPLETED, actor, version, case_id=case.id, before={"state": "active"},
                     after={"state": "completed", "completed_on": day.isoformat()},
                     told=[*creditors, case.organisation_id],
                     message={"case_id": str(case.id), "case_reference": case.reference,
                              "plan_id": str(version.id), "completed_on": day.isoformat()}))
    return True


def discharge_lines(lines: Sequence[StatementLine]) -> list[ledger.Line]:
    """A claim's remainder let go of: its outstanding to zero, into discharged."""
    return [entry for line in lines for entry in (
        ledger.Line(Account.OUTSTANDING, -line.outstanding_cents, line.claim_id),
        ledger.Line(Account.DISCHARGED, line.outstanding_cents, line.claim_id))]


class CompletionService(CaseScopedService[Journal]):
    class Repo(SQLAlchemyAsyncRepository[Journal]):
        model_type = Journal

    repository_type = Repo

    async def final_statement(self, actor: Actor, case_id: uuid.UUID) -> FinalStatement:
        """The statement of every claim (a creditor: its own); a 409 before it is due, saying when it will be."""
        case = await self.cases.find_visible(actor, case_id)
        return await self._statement(actor, case, today())

    async def discharge(self, actor: Actor, case_id: uuid.UUID, claim_ids: Sequence[uuid.UUID]) -> FinalStatement:
        """A creditor grants discharge of the remainder of its own claims; once is enough, twice changes nothing."""
        case = await self.cases.find_visible(actor, case_id)
        if case.state is not CaseState.COMPLETED:
            case.require_open("grant discharge")
            # Two creditors discharging at once: the second waits, and sees the first's discharge when it decides
            # whether the case is complete.
            await self.session.execute(select(Case).where(Case.id == case.id).with_for_update()
                                       .execution_options(populate_existing=True))
        day = today()
        statement = await self._statement(actor, case, day)
        mine = {line.claim_id: line for line in statement.lines}
        if unknown := [FieldError(f"/claim_ids/{index}", "not a claim of yours in this plan")
                       for index, claim_id in enumerate(claim_ids) if claim_id not in mine]:
            raise InvalidInputError("Discharge is granted for claims of your own in this plan.", unknown,
                                    code=Refusal.DISCHARGE_NOT_OWN_CLAIMS)
        if case.state is CaseState.COMPLETED:
            return statement
        open_lines = [mine[claim_id] for claim_id in dict.fromkeys(claim_ids) if mine[claim_id].outstanding_cents > 0]
        if open_lines:
            await self._post(actor, statement, open_lines, day)
        completed = await complete_if_settled(self.uow, case, statement.version, actor, day)
        if not (open_lines or completed):
            return statement  # discharged before, or paid in full: nothing changes
        await self.uow.commit()
        return await self._statement(actor, case, day)

    async def _post(self, actor: Actor, statement: FinalStatement, lines: Sequence[StatementLine],
                    day: dt.date) -> None:
        case = statement.case
        journal = await ledger.post(self.session, case.id, JournalKind.DISCHARGE, day, discharge_lines(lines),
                                    created_by=actor.name, reference="final discharge")
        self.record(
            event(EventKind.LEDGER_POSTED, actor, journal, case_id=case.id),
            event(EventKind.CLAIMS_DISCHARGED, actor, journal, case_id=case.id,
                  after={"claims": {str(line.claim_id): line.outstanding_cents for line in lines},
                         "date": day.isoformat()}),
        )

    async def _statement(self, actor: Actor, case: Case, day: dt.date) -> FinalStatement:
        if case.state not in (CaseState.ACTIVE, CaseState.COMPLETED):
            raise ConflictError(f"The case is {case.state.value}: a final statement is made for an active plan "
                                "whose term has ended, or that is paid.", code=Refusal.FINAL_STATEMENT_NOT_ACTIVE,
                                facts={"state": case.state.value})
        version = await active_version(self.session, case.id)
        if version is None:
            raise ConflictError("The case has no active plan: there is no final statement.",
                                code=Refusal.NO_ACTIVE_PLAN)
        lines = await self._lines(case, version)
        ends = term_end(version)
        if day > ends:
            available = Availability.TERM_ENDED
        elif all(line.outstanding_cents == 0 and line.owed_cents > 0 for line in lines):
            available = Availability.SETTLED
        else:
            raise ConflictError(
                f"The final statement is available from {(ends + dt.timedelta(days=1)).isoformat()}, the day after "
                f"the plan's last payment date ({ends.isoformat()}), or as soon as everything is paid.",
                code=Refusal.FINAL_STATEMENT_NOT_YET,
                facts={"available_from": (ends + dt.timedelta(days=1)).isoformat(), "term_end": ends.isoformat()})
        own = [line for line in lines if actor.is_counsellor or line.organisation_id == actor.organisation_id]
        return FinalStatement(case, version, ends, available, own)

    async def _lines(self, case: Case, version: PlanVersion) -> list[StatementLine]:
        accounts = {account: await ledger.balances(self.session, case.id, account)
                    for account in (Account.OUTSTANDING, Account.RECEIVED, Account.DISCHARGED)}
        wanted = [uuid.UUID(claim_id) for claim_id in version.claim_owners]
        rows = (await self.session.execute(
            select(Claim, Organisation.name).join(Organisation, Organisation.id == Claim.organisation_id)
            .where(Claim.id.in_(wanted)).order_by(Organisation.name, Claim.created_at, Claim.id)
        )).all()

        def line(claim: Claim, creditor: str) -> StatementLine:
            outstanding, received, discharged = (accounts[a].get(claim.id, 0) for a in accounts)
            return StatementLine(claim_id=claim.id, organisation_id=claim.organisation_id, creditor=creditor,
                                 creditor_reference=claim.creditor_reference,
                                 owed_cents=outstanding + received + discharged, received_cents=received,
                                 discharged_cents=discharged, outstanding_cents=outstanding)

        return [line(claim, creditor) for claim, creditor in rows]
