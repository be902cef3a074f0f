"""Importing a bank statement of the debtor's account: whole or not at all, once.

In a direct plan the debtor pays the creditors from their own account, so its statement shows each
scheduled transfer as a debit. An import reads the file (camt.053 or MT940), refuses it whole when it is
not the case's (another currency; an account the case has no statement of, whose entries pay none of the
plan's transfers), skips the entries imported before (by bank reference), matches the rest (matching.py),
and writes a receipt journal per claim paid and a reversal per returned payment, all in one commit.

Which account is the debtor's is learnt, not set: the first statement of an account must pay at least one
scheduled transfer (a creditor's IBAN with the claim's payment reference); from then on statements of that
account are taken even when nothing in them is for the plan. A debtor who moves to another bank brings
the new account in the same way.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Hashable
from dataclasses import asdict, dataclass
from functools import partial
from typing import ClassVar

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select

from debt_coord.cases.models import Case, Claim
from debt_coord.cases.service import CaseScopedService
from debt_coord.cases.states import CaseState
from debt_coord.kernel.actors import Actor
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import (
    ConflictError,
    FieldError,
    InvalidInputError,
    NotFoundError,
    Refusal,
    ServiceError,
)
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.paging import Page, PageRequest, fetch_page
from debt_coord.money_in import ledger
from debt_coord.money_in.models import Account, Journal, JournalKind
from debt_coord.money_in.statements.camt import parse_camt
from debt_coord.money_in.statements.matching import EntryMatch, Matcher, Payee
from debt_coord.money_in.statements.models import Statement, StatementEntry, StatementMatch
from debt_coord.money_in.statements.mt940 import parse_mt940
from debt_coord.money_in.statements.parsed import BankEntry, ParsedStatement, StatementError
from debt_coord.money_in.statements.views import (
    EntryView,
    Receipted,
    StatementView,
    entry_views,
    paid_transfers,
    statement_views,
)
from debt_coord.planning.models import PlanStatus, PlanVersion
from solver.models import Payment

CAMT_TYPES = ("application/xml", "text/xml")
MT940_TYPES = ("text/plain",)


class UnsupportedStatementTypeError(ServiceError):
    status = 415


class StatementTooLargeError(ServiceError):
    status = 413


@dataclass(frozen=True)
class Imported:
    statement: Statement
    created: bool
    """False when this file was imported before: nothing was written."""
    entries: int
    matched: int
    unmatched: int
    duplicates: int


def read_statement(body: bytes, media_type: str, charset: str | None) -> ParsedStatement:
    try:
        if media_type in CAMT_TYPES:
            return parse_camt(body)
        if media_type in MT940_TYPES:
            return parse_mt940(body, charset)
    except StatementError as error:
        raise InvalidInputError(f"The bank statement cannot be read: {error.detail}",
                                [FieldError(error.where, error.detail)], code=Refusal.STATEMENT_UNREADABLE) from None
    raise UnsupportedStatementTypeError(
        f"A bank statement is camt.053 ({' or '.join(CAMT_TYPES)}) or MT940 ({' or '.join(MT940_TYPES)}), "
        f"not {media_type or 'a body without a Content-Type'}.")


class StatementService(CaseScopedService[Statement]):
    class Repo(SQLAlchemyAsyncRepository[Statement]):
        model_type = Statement

    repository_type = Repo
    ACTION: ClassVar[str] = "import a bank statement"

    async def _active_case(self, actor: Actor, case_id: uuid.UUID, action: str) -> Case:
        """The counsellor's case, locked (imports and matches of one case wait for each other), with an active plan."""
        found = await self.cases.find_own(actor, case_id, action)
        case = await self.session.get(Case, found.id, with_for_update=True, populate_existing=True)
        assert case is not None
        case.require_open(action)
        if case.state is not CaseState.ACTIVE:
            raise ConflictError(f"The case is {case.state.value}: bank statements are matched once its plan is active.",
                                code=Refusal.CASE_NOT_ACTIVE, facts={"state": case.state.value})
        return case

    async def import_file(self, actor: Actor, case_id: uuid.UUID, body: bytes, media_type: str,
                          charset: str | None, *, window_days: int) -> Imported:
        await self.cases.find_own(actor, case_id, self.ACTION)
        # Read before the lock, off the event loop: a large file takes a second or two of CPU.
        parsed = await asyncio.to_thread(read_statement, body, media_type, charset)
        case = await self._active_case(actor, case_id, self.ACTION)
        _check(case, parsed)
        known = await self._known_references(case, parsed)
        if (before := await self._imported(case, parsed)) is not None:
            if len(known) < len(parsed.entries):
                raise ConflictError(f"A different statement with message id {parsed.message_id} of "
                                    f"{parsed.account_iban} was imported before (statement {before.id}).",
                                    code=Refusal.STATEMENT_IMPORTED_DIFFERENTLY,
                                    facts={"message_id": parsed.message_id, "account": parsed.account_iban})
            return Imported(before, False, len(parsed.entries), 0, 0, len(parsed.entries))
        fresh = sorted((e for e in parsed.entries if e.bank_reference not in known),
                       key=lambda e: (e.booked_on, e.position))
        matches, receipts = await self._match(case, fresh, window_days)
        if not any(m.paid for m in matches) and not await self._account_known(case, parsed.account_iban):
            raise InvalidInputError(
                f"This is a statement of {parsed.account_iban}, an account this case has no statement of yet, and "
                "none of its entries pays a transfer of the plan: it does not look like the debtor's account.",
                [FieldError(parsed.account_at, "not an account of the debtor's that the case knows")],
                code=Refusal.STATEMENT_UNKNOWN_ACCOUNT, facts={"account": parsed.account_iban})
        statement = Statement(case_id=case.id, format=parsed.format, message_id=parsed.message_id,
                              account_iban=parsed.account_iban, currency=parsed.currency,
                              entry_count=len(parsed.entries), duplicate_count=len(known), created_by=actor.name)
        self.session.add(statement)
        await self.session.flush()
        await _Writer(self, actor, case, receipts).write(statement, matches)
        matched = sum(1 for m in matches if m.unmatched_cents == 0)
        self.record(event(EventKind.STATEMENT_IMPORTED, actor, statement, case_id=case.id, after={
            "format": parsed.format.value, "message_id": parsed.message_id, "account_iban": parsed.account_iban,
            "entries": len(parsed.entries), "matched": matched, "unmatched": len(matches) - matched,
            "duplicates": len(known)}))
        await self.uow.commit()
        return Imported(statement, True, len(parsed.entries), matched, len(matches) - matched, len(known))

    async def _imported(self, case: Case, parsed: ParsedStatement) -> Statement | None:
        found: Statement | None = (await self.session.execute(select(Statement).where(
            Statement.case_id == case.id, Statement.account_iban == parsed.account_iban,
            Statement.message_id == parsed.message_id))).scalar_one_or_none()
        return found

    async def _known_references(self, case: Case, parsed: ParsedStatement) -> set[str]:
        """The file's bank references imported before (a debtor's account has some thousands a year at most)."""
        imported = set((await self.session.execute(select(StatementEntry.bank_reference).where(
            StatementEntry.case_id == case.id, StatementEntry.account_iban == parsed.account_iban))).scalars())
        return imported & {e.bank_reference for e in parsed.entries}

    async def _account_known(self, case: Case, iban: str) -> bool:
        return await self.session.scalar(select(Statement.id).where(
            Statement.case_id == case.id, Statement.account_iban == iban).limit(1)) is not None

    async def _plan(self, case: Case) -> tuple[list[Payment], dict[str, Claim]]:
        version = (await self.session.execute(select(PlanVersion).where(
            PlanVersion.case_id == case.id, PlanVersion.status == PlanStatus.ACTIVE))).scalar_one()
        ids = [uuid.UUID(claim_id) for claim_id in version.claim_owners]
        claims = (await self.session.execute(select(Claim).where(Claim.id.in_(ids)))).scalars()
        return version.schedule, {str(c.id): c for c in claims}

    async def _match(self, case: Case, fresh: list[BankEntry], window_days: int
                     ) -> tuple[list[EntryMatch], dict[Hashable, list[Receipted]]]:
        """The entries matched in booking order, and the receipts of the transfers matched before."""
        payments, claims = await self._plan(case)
        received = await ledger.balances(self.session, case.id, Account.RECEIVED)
        paid, receipts = await paid_transfers(self.session, case.id)
        matcher = Matcher(payments, [Payee(i, c.iban, c.payment_reference) for i, c in claims.items()],
                          {str(k): v for k, v in received.items()}, paid, window_days)
        return [matcher.match(entry, partial(_new_transfer, entry.position)) for entry in fresh], receipts

    async def statements(self, actor: Actor, case_id: uuid.UUID, page: PageRequest) -> Page[StatementView]:
        """The case's imports, the oldest first, with their entries."""
        case = await self.cases.find_own(actor, case_id, "list bank statements")
        found = await fetch_page(self.session, select(Statement).where(Statement.case_id == case.id),
                                 (Statement.created_at, Statement.id), page)
        return Page(await statement_views(self.session, found.items), found.next_cursor)

    async def statement(self, actor: Actor, case_id: uuid.UUID, statement_id: uuid.UUID) -> StatementView:
        case = await self.cases.find_own(actor, case_id, "read a bank statement")
        found = await self.get_one_or_none(id=statement_id, case_id=case.id)
        if found is None:
            raise NotFoundError(f"No bank statement {statement_id} on this case.")
        return (await statement_views(self.session, [found]))[0]

    async def match_by_hand(self, actor: Actor, case_id: uuid.UUID, statement_id: uuid.UUID, entry_id: uuid.UUID,
                            transaction: int, claim_id: uuid.UUID, amount_cents: int) -> EntryView:
        """The counsellor matches (part of) an entry's unmatched money to a claim: a receipt, audited."""
        found = await self.cases.find_own(actor, case_id, "match a statement entry")
        if await self.get_one_or_none(id=statement_id, case_id=found.id) is None:
            raise NotFoundError(f"No bank statement {statement_id} on this case.")
        case = await self._active_case(actor, case_id, "match a statement entry")
        entry = (await self.session.execute(select(StatementEntry).where(
            StatementEntry.id == entry_id, StatementEntry.statement_id == statement_id))).scalar_one_or_none()
        if entry is None or transaction >= len(entry.transactions):
            pointer = "/entry_id" if entry is None else "/transaction"
            raise InvalidInputError("No such entry (or transaction of it) in this statement.",
                                    [FieldError(pointer, "unknown")], code=Refusal.STATEMENT_ENTRY_UNKNOWN)
        await _check_hand_match(self, case, entry, claim_id, amount_cents)
        await _Writer(self, actor, case, {}).receipt(entry, transaction, claim_id, amount_cents, by_hand=True)
        await self.uow.commit()
        return (await entry_views(self.session, [entry]))[0]


def _new_transfer(position: int, transaction: int) -> Hashable:
    """How an import names the transfers it matches, until their entries are written."""
    return ("new", position, transaction)


def _check(case: Case, parsed: ParsedStatement) -> None:
    if parsed.currency != case.currency:
        raise InvalidInputError(f"The statement is in {parsed.currency}; this case is in {case.currency}.",
                                [FieldError(parsed.currency_at, f"must be {case.currency}")],
                                code=Refusal.STATEMENT_CURRENCY,
                                facts={"currency": parsed.currency, "case_currency": case.currency})
    refuse_entries_after_today(parsed)


def refuse_entries_after_today(parsed: ParsedStatement) -> None:
    """A statement shows what happened: an entry booked after today refuses the whole file (any account's)."""
    late = next((e for e in parsed.entries if e.booked_on > today()), None)
    if late is not None:
        raise InvalidInputError(f"An entry is booked on {late.booked_on.isoformat()}, after today: a statement "
                                "shows what happened.", [FieldError(late.where, "booked in the future")],
                                code=Refusal.STATEMENT_ENTRY_IN_FUTURE, facts={"booked_on": late.booked_on.isoformat()})


async def _check_hand_match(service: StatementService, case: Case, entry: StatementEntry, claim_id: uuid.UUID,
                            amount_cents: int) -> None:
    if entry.amount_cents > 0:
        raise InvalidInputError("A credit is not matched to a claim: when it is a payment returned by a creditor's "
                                "bank, reverse the receipt it returns (POST .../receipts/{id}/reversal).",
                                [FieldError("/entry_id", "a credit")], code=Refusal.STATEMENT_CREDIT_NOT_MATCHED)
    unmatched = (await entry_views(service.session, [entry]))[0].unmatched_cents
    if amount_cents > unmatched:
        raise InvalidInputError(f"The entry has {unmatched} cents left to match.",
                                [FieldError("/amount_cents", f"at most {unmatched}")],
                                code=Refusal.STATEMENT_ENTRY_OVERMATCHED,
                                facts={"unmatched_cents": unmatched, "currency": case.currency})
    claim = await service.session.get(Claim, claim_id)
    if claim is None or claim.case_id != case.id:
        raise InvalidInputError("No such claim on this case.", [FieldError("/claim_id", "unknown claim")],
                                code=Refusal.UNKNOWN_CLAIM)
    outstanding = (await ledger.balances(service.session, case.id, Account.OUTSTANDING)).get(claim.id, 0)
    if amount_cents > outstanding:
        raise InvalidInputError(f"The claim still owes {outstanding} cents; a receipt cannot be more.",
                                [FieldError("/amount_cents", f"at most {outstanding}")],
                                code=Refusal.RECEIPT_MORE_THAN_OWED,
                                facts={"outstanding_cents": outstanding, "currency": case.currency})


class _Writer:
    """Writes an import's entries, receipts, reversals and their events on the service's unit of work."""

    def __init__(self, service: StatementService, actor: Actor, case: Case,
                 receipts: dict[Hashable, list[Receipted]]) -> None:
        self.service, self.session, self.actor, self.case = service, service.session, actor, case
        self.receipts = receipts
        """Per matched transfer, its receipts: those of earlier imports, and this one's as they are written."""

    async def write(self, statement: Statement, matches: list[EntryMatch]) -> None:
        rows = [StatementEntry(statement_id=statement.id, case_id=self.case.id, account_iban=statement.account_iban,
                               position=m.entry.position, bank_reference=m.entry.bank_reference,
                               booked_on=m.entry.booked_on, amount_cents=m.entry.amount_cents,
                               transactions=[asdict(tx) for tx in m.entry.transactions]) for m in matches]
        self.session.add_all(rows)
        await self.session.flush()  # one INSERT of many rows, before the journals that name them
        for match, row in zip(matches, rows, strict=True):
            entry = match.entry
            for paid in match.paid:
                journal = await self.receipt(row, paid.transaction, uuid.UUID(paid.claim_id), paid.amount_cents)
                self.receipts.setdefault(_new_transfer(entry.position, paid.transaction), []).append(
                    Receipted(journal, uuid.UUID(paid.claim_id), paid.amount_cents))
            for returned in match.returned:
                for receipt in self.receipts[returned.transfer.key]:
                    await self.reversal(row, returned.transaction, receipt)

    async def receipt(self, row: StatementEntry, transaction: int, claim_id: uuid.UUID, cents: int, *,
                      by_hand: bool = False) -> Journal:
        claim = await self.session.get(Claim, claim_id)
        assert claim is not None
        journal = await ledger.post(self.session, self.case.id, JournalKind.RECEIPT, row.booked_on,
                                    ledger.receipt_lines(claim_id, cents), created_by=self.actor.name,
                                    reference=row.bank_reference)
        self.session.add(StatementMatch(entry_id=row.id, transaction=transaction, claim_id=claim_id,
                                        journal_id=journal.id, amount_cents=cents, by_hand=by_hand,
                                        created_by=self.actor.name))
        day = row.booked_on.isoformat()
        self.service.record(
            event(EventKind.LEDGER_POSTED, self.actor, journal, case_id=self.case.id),
            event(EventKind.RECEIPT_RECORDED, self.actor, journal, case_id=self.case.id,
                  after={"claim_id": str(claim_id), "amount_cents": cents, "date": day, "reference": journal.reference,
                         "statement_entry_id": str(row.id), "by_hand": by_hand},
                  told=[claim.organisation_id, self.case.organisation_id],
                  message={"case_id": str(self.case.id), "case_reference": self.case.reference,
                           "claim_id": str(claim_id), "receipt_id": str(journal.id), "amount_cents": cents,
                           "date": day}),
        )
        return journal

    async def reversal(self, row: StatementEntry, transaction: int, receipt: Receipted) -> None:
        reason = f"returned by the bank: {row.bank_reference}"
        journal = await ledger.reverse(self.session, receipt.journal, row.booked_on, created_by=self.actor.name,
                                       reference=reason[:140])
        self.session.add(StatementMatch(entry_id=row.id, transaction=transaction, claim_id=receipt.claim_id,
                                        journal_id=journal.id, amount_cents=-receipt.amount_cents,
                                        created_by=self.actor.name))
        self.service.record(
            event(EventKind.LEDGER_POSTED, self.actor, journal, case_id=self.case.id),
            event(EventKind.RECEIPT_REVERSED, self.actor, receipt.journal, case_id=self.case.id,
                  before={"amount_cents": receipt.amount_cents},
                  after={"reversed_by": str(journal.id), "reason": reason, "statement_entry_id": str(row.id)}),
        )

