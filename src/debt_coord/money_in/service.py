"""Money in: receipts recorded against an active plan's claims, their reversals, and installments with a status.

A receipt is a ledger journal (the claim's outstanding down, its received up); a correction is a
reversing journal. The ledger is opened when a plan is activated (`open_accounts`, wired to the
`plan.activated` event in bootstrap): each claim's outstanding starts at what it is owed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from debt_coord.cases.models import Case, Claim, PaymentRoute
from debt_coord.cases.service import CaseScopedService
from debt_coord.cases.states import CaseState
from debt_coord.kernel.actors import Actor
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, NotFoundError, Refusal
from debt_coord.kernel.events import Event, EventKind, event
from debt_coord.kernel.idempotency import Answer, Outcome, commit_once
from debt_coord.kernel.paging import Page, PageRequest, Query, fetch_page
from debt_coord.money_in import ledger
from debt_coord.money_in.deposits import case_deposits
from debt_coord.money_in.installments import Arrears, Installment, arrears, installments
from debt_coord.money_in.models import Account, Entry, Journal, JournalKind
from debt_coord.planning.models import PlanStatus, PlanVersion
from solver.money import format_money


@dataclass(frozen=True)
class Receipt:
    journal: Journal
    claim_id: uuid.UUID
    amount_cents: int
    reversed_by: uuid.UUID | None


@dataclass(frozen=True)
class ClaimBalance:
    claim_id: uuid.UUID
    owed_cents: int
    received_cents: int
    discharged_cents: int = 0
    """What the creditor granted discharge of at the end (money_in/completion.py)."""

    @property
    def outstanding_cents(self) -> int:
        return self.owed_cents - self.received_cents - self.discharged_cents


@dataclass(frozen=True)
class MoneyIn:
    """A case's money in: the installments with their status, the arrears, and each claim's balance."""

    installments: list[Installment]
    arrears: Arrears
    """The debtor's: overdue installments, or via the counsellor overdue deposits (not the organisation's payouts)."""
    balances: list[ClaimBalance]
    closed: bool = False
    """The case ended (completed, failed, withdrawn): its arrears call for nothing any more."""
    deposits: list[Installment] = field(default_factory=list)
    """Via the counsellor: the debtor's deposits with what came in for each (empty when paying directly)."""


async def open_accounts(session: AsyncSession, happened: Event) -> None:
    """On `plan.activated`: open the ledger of each claim of the plan not opened before (a varied plan keeps them)."""
    version = await session.get(PlanVersion, happened.target_id)
    assert version is not None and happened.case_id is not None
    opened = await ledger.opened_claims(session, happened.case_id)
    wanted = [uuid.UUID(claim_id) for claim_id in version.claim_owners]
    claims = (await session.execute(select(Claim).where(Claim.id.in_(wanted)).order_by(Claim.id))).scalars()
    owed = [(claim.id, claim.total_cents) for claim in claims if claim.id not in opened]
    if owed:
        await ledger.post(session, happened.case_id, JournalKind.OPENING, today(), ledger.opening_lines(owed),
                          created_by=happened.actor.name, reference=f"plan version {version.number}")


class MoneyInService(CaseScopedService[Journal]):
    class Repo(SQLAlchemyAsyncRepository[Journal]):
        model_type = Journal

    repository_type = Repo

    async def _active_claim(self, actor: Actor, case_id: uuid.UUID, claim_id: uuid.UUID, action: str
                            ) -> tuple[Case, Claim]:
        """The case, if it runs an active plan, and the claim, if the actor may act for it.

        The case row is held for the transaction, as a statement import holds it: what a claim still owes
        is read and written by one of them at a time, so two receipts cannot both take its last cents.
        """
        found = await self.cases.find_visible(actor, case_id)
        case = await self.session.get(Case, found.id, with_for_update=True, populate_existing=True) or found
        case.require_open(action)
        if case.state is not CaseState.ACTIVE:
            raise ConflictError(f"The case is {case.state.value}: money is recorded once its plan is active.",
                                code=Refusal.CASE_NOT_ACTIVE, facts={"state": case.state.value})
        claim = await self.session.get(Claim, claim_id)
        if claim is None or claim.case_id != case.id or not (
                actor.is_counsellor or claim.organisation_id == actor.organisation_id):
            raise InvalidInputError("No such claim on this case for you.", [FieldError("/claim_id", "unknown claim")],
                                    code=Refusal.UNKNOWN_CLAIM)
        return case, claim

    async def _record(self, actor: Actor, case_id: uuid.UUID, data: dict[str, Any]) -> Receipt:
        case, claim = await self._active_claim(actor, case_id, data["claim_id"], "record a receipt")
        amount, day = data["amount_cents"], data["date"]
        if not case.reference_date <= day <= today():
            raise InvalidInputError("The date of a receipt lies between the case's reference date and today.",
                                    [FieldError("/date", f"between {case.reference_date.isoformat()} and today")],
                                    code=Refusal.RECEIPT_DATE_OUT_OF_RANGE,
                                    facts={"reference_date": case.reference_date.isoformat()})
        outstanding = (await ledger.balances(self.session, case.id, Account.OUTSTANDING)).get(claim.id, 0)
        if amount > outstanding:
            raise InvalidInputError(
                f"The claim still owes {format_money(outstanding, case.currency)}; a receipt cannot be more.",
                [FieldError("/amount_cents", f"at most {outstanding}")], code=Refusal.RECEIPT_MORE_THAN_OWED,
                facts={"outstanding_cents": outstanding, "currency": case.currency})
        journal = await ledger.post(self.session, case.id, JournalKind.RECEIPT, day,
                                    ledger.receipt_lines(claim.id, amount), created_by=actor.name,
                                    reference=data.get("reference") or "")
        self.record(
            event(EventKind.LEDGER_POSTED, actor, journal, case_id=case.id),
            event(EventKind.RECEIPT_RECORDED, actor, journal, case_id=case.id,
                  after={"claim_id": str(claim.id), "amount_cents": amount, "date": day.isoformat(),
                         "reference": journal.reference},
                  told=[claim.organisation_id, case.organisation_id],
                  message={"case_id": str(case.id), "case_reference": case.reference, "claim_id": str(claim.id),
                           "receipt_id": str(journal.id), "amount_cents": amount, "date": day.isoformat()}),
        )
        return Receipt(journal, claim.id, amount, None)

    async def record_once(self, actor: Actor, case_id: uuid.UUID, data: dict[str, Any], key: str | None,
                          answer: Answer) -> Outcome:
        """Record a receipt and commit, unless this Idempotency-Key already has an answer: then that answer."""

        async def write() -> tuple[int, dict[str, Any]]:
            return answer(await self._record(actor, case_id, data))

        return await commit_once(self.uow, actor, f"recordReceipt:{case_id}", key, data, write)

    async def reverse(self, actor: Actor, case_id: uuid.UUID, receipt_id: uuid.UUID, reason: str) -> Receipt:
        """Correct a receipt that was wrong: a reversing journal; the receipt stays in the ledger, marked."""
        found = await self.find_receipt(actor, case_id, receipt_id)
        await self._active_claim(actor, case_id, found.claim_id, "correct a receipt")
        if found.reversed_by is not None:
            raise ConflictError(f"Receipt {receipt_id} was reversed already.", code=Refusal.RECEIPT_ALREADY_REVERSED)
        journal = await ledger.reverse(self.session, found.journal, today(), created_by=actor.name, reference=reason)
        self.record(
            event(EventKind.LEDGER_POSTED, actor, journal, case_id=case_id),
            event(EventKind.RECEIPT_REVERSED, actor, found.journal, case_id=case_id,
                  before={"amount_cents": found.amount_cents}, after={"reversed_by": str(journal.id),
                                                                       "reason": reason}),
        )
        await self.uow.commit()
        return Receipt(journal, found.claim_id, -found.amount_cents, None)

    def _receipts(self, actor: Actor, case: Case) -> Query:
        """The case's receipt journals with their claim, amount and reversal; a creditor's own claims only."""
        reversal = aliased(Journal)
        query = (
            select(Journal, Entry.claim_id, Entry.amount_cents, reversal.id)
            .join(Entry, (Entry.journal_id == Journal.id) & (Entry.account == Account.RECEIVED))
            .join(Claim, Claim.id == Entry.claim_id)
            .outerjoin(reversal, reversal.reverses_id == Journal.id)
            .where(Journal.case_id == case.id, Journal.kind == JournalKind.RECEIPT)
        )
        return query if actor.is_counsellor else query.where(Claim.organisation_id == actor.organisation_id)

    async def receipts(self, actor: Actor, case_id: uuid.UUID, page: PageRequest) -> Page[Receipt]:
        """A page of the case's receipts, oldest first (by the day the money moved)."""
        case = await self.cases.find_visible(actor, case_id)
        found = await fetch_page(self.session, self._receipts(actor, case), (Journal.booked_on, Journal.id), page)
        return Page([Receipt(*row) for row in found.items], found.next_cursor)

    async def find_receipt(self, actor: Actor, case_id: uuid.UUID, receipt_id: uuid.UUID) -> Receipt:
        case = await self.cases.find_visible(actor, case_id)
        row = (await self.session.execute(self._receipts(actor, case).where(Journal.id == receipt_id))).first()
        if row is None:
            raise NotFoundError(f"No receipt {receipt_id} on this case.")
        return Receipt(*row)

    async def money_in(self, actor: Actor, case_id: uuid.UUID, grace_bank_days: int) -> MoneyIn:
        """The active plan's installments with their status today; a creditor sees its own claims only. Via the
        counsellor the arrears are the debtor's deposits' (the case's, for a creditor too).

        Without an active plan (not agreed yet, or the case ended before) nothing is scheduled: all empty.
        """
        case = await self.cases.find_visible(actor, case_id)
        version = (await self.session.execute(
            select(PlanVersion).where(PlanVersion.case_id == case.id, PlanVersion.status == PlanStatus.ACTIVE)
        )).scalar_one_or_none()
        if version is None:
            return MoneyIn([], Arrears(0, 0), [])
        own = {claim_id for claim_id, owner in version.claim_owners.items()
               if actor.is_counsellor or owner == str(actor.organisation_id)}
        received = await ledger.balances(self.session, case.id, Account.RECEIVED)
        outstanding = await ledger.balances(self.session, case.id, Account.OUTSTANDING)
        discharged = await ledger.balances(self.session, case.id, Account.DISCHARGED)
        payments = [p for p in version.schedule if p.claim_id in own]
        found = installments(payments, {str(k): v for k, v in received.items()}, today(),
                             grace_bank_days=grace_bank_days, country=case.country)
        balances = [ClaimBalance(claim, outstanding.get(claim, 0) + received.get(claim, 0) + discharged.get(claim, 0),
                                 received.get(claim, 0), discharged.get(claim, 0))
                    for claim in sorted(uuid.UUID(c) for c in own)]
        if case.payment_route is not PaymentRoute.VIA_COUNSELLOR:
            return MoneyIn(found, arrears(found), balances, closed=case.closed)
        deposits = await case_deposits(self.session, case, version, today(), grace_bank_days)
        return MoneyIn(found, arrears(deposits), balances, closed=case.closed, deposits=deposits)
