"""Statements of the organisation's own payout account (camt.053): whole or not at all, once.

Each new transaction of the file is taken as one of:
- a deposit: a credit whose remittance names the reference of one open via_counsellor case of the organisation
  (the debtor's money arrived): a DEPOSIT journal, the case's reserve up;
- a settlement: a debit with the end-to-end id of a pending transfer of the organisation, for its amount (the
  payout left the account): a SETTLEMENT journal, the claim received it; a run is settled once all its transfers
  are settled or returned;
- a return: a credit carrying the end-to-end id of a transfer not returned before, for its amount (a rejected or
  returned transfer, or the bank's reversal of the booking, which carries the original id too), or else, as for a
  direct plan's statements (money_in/statements/matching.py), a credit from a transfer's creditor account of the
  same amount (the latest such transfer): the settlement (if there was one) and the payout are reversed, so the
  money is back in the case's reserve for the next run;
- a reversal (camt.053 `Ntry/RvslInd` true: the bank undid one of its own bookings; the entry's direction is the
  reversal's): a reversed debit (a credit) is taken as a return as above, never as a deposit; a reversed credit (a
  debit) undoes the deposit it reverses (the latest not undone before, of its amount, with its end-to-end id, or
  else from its account, or else naming its case): a reversing journal, the case's reserve down; it never settles a
  transfer;
- unmatched: anything else. It is kept with the entry and reported in the answer, never an error.

The file is refused whole when it cannot be read, is not of the organisation's payout account, is not in euro, or
has an entry booked after today. Entries imported before (by bank reference) are skipped, the same file again
writes nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from debt_coord.cases.models import Case, PaymentRoute
from debt_coord.cases.states import FINISHED
from debt_coord.kernel.actors import Actor, require_role
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError
from debt_coord.kernel.events import Event, EventKind, event
from debt_coord.kernel.service import Service
from debt_coord.money_in import ledger
from debt_coord.money_in.models import Account, Entry, Journal, JournalKind
from debt_coord.money_in.statements import camt
from debt_coord.money_in.statements.matching import names
from debt_coord.money_in.statements.parsed import BankEntry, ParsedStatement, Transaction
from debt_coord.money_in.statements.service import (
    CAMT_TYPES,
    UnsupportedStatementTypeError,
    read_statement,
    refuse_entries_after_today,
)
from debt_coord.organisations.models import Organisation
from debt_coord.payouts.models import (
    AccountEntry,
    AccountStatement,
    PayoutRun,
    PayoutRunStatus,
    PayoutTransfer,
    PayoutTransferStatus,
)
from debt_coord.payouts.service import lock_organisation


@dataclass(frozen=True)
class Unmatched:
    bank_reference: str
    booked_on: str
    transaction: int
    amount_cents: int
    """Signed as the entry: negative for a debit."""
    counterparty_iban: str | None
    remittance: str
    end_to_end_id: str | None


@dataclass(frozen=True)
class AccountImported:
    statement: AccountStatement
    created: bool
    """False when this file was imported before: nothing was written."""
    entries: int
    deposits: int
    settled: int
    returned: int
    duplicates: int
    unmatched: list[Unmatched]
    deposits_reversed: int = 0
    """Deposits the bank reversed (RvslInd): their money is out of the reserve again."""


class AccountStatementService(Service[AccountStatement]):
    class Repo(SQLAlchemyAsyncRepository[AccountStatement]):
        model_type = AccountStatement

    repository_type = Repo
    ACTION: ClassVar[str] = "import a statement of your payout account"

    async def import_file(self, actor: Actor, body: bytes, media_type: str, charset: str | None) -> AccountImported:
        require_role(actor, actor.is_counsellor, self.ACTION)
        if media_type not in CAMT_TYPES:
            raise UnsupportedStatementTypeError(f"A statement of the payout account is camt.053 "
                                                f"({' or '.join(CAMT_TYPES)}), not {media_type or 'no Content-Type'}.")
        parsed, reversals = await asyncio.to_thread(_read, body, media_type, charset)
        organisation = await lock_organisation(self.session, actor.organisation_id)
        _check(organisation, parsed)
        known = await self._known_references(organisation, parsed)
        before = (await self.session.execute(select(AccountStatement).where(
            AccountStatement.organisation_id == organisation.id, AccountStatement.account_iban == parsed.account_iban,
            AccountStatement.message_id == parsed.message_id))).scalar_one_or_none()
        if before is not None:
            if len(known) < len(parsed.entries):
                raise ConflictError(f"A different statement with message id {parsed.message_id} of "
                                    f"{parsed.account_iban} was imported before (statement {before.id}).")
            return AccountImported(before, False, len(parsed.entries), 0, 0, 0, len(parsed.entries), [])
        statement = AccountStatement(organisation_id=organisation.id, message_id=parsed.message_id,
                                     account_iban=parsed.account_iban, entry_count=len(parsed.entries),
                                     duplicate_count=len(known), created_by=actor.name)
        self.session.add(statement)
        await self.session.flush()
        fresh = sorted((e for e in parsed.entries if e.bank_reference not in known),
                       key=lambda e: (e.booked_on, e.position))
        taker = _Taker(self, actor, organisation, await self._cases(organisation))
        for entry in fresh:
            reversal = entry.where in reversals
            outcome = [await taker.take(entry, index, reversal) for index in range(len(entry.transactions))]
            self.session.add(AccountEntry(statement_id=statement.id, organisation_id=organisation.id,
                                          account_iban=parsed.account_iban, bank_reference=entry.bank_reference,
                                          booked_on=entry.booked_on, amount_cents=entry.amount_cents,
                                          transactions=[asdict(tx) for tx in entry.transactions], outcome=outcome))
        await self.session.flush()
        imported = _counted(statement, fresh, taker.outcomes, len(parsed.entries), len(known))
        self.record(event(EventKind.ACCOUNT_STATEMENT_IMPORTED, actor, statement, case_id=None, after={
            "message_id": parsed.message_id, "account_iban": parsed.account_iban, "entries": imported.entries,
            "deposits": imported.deposits, "settled": imported.settled, "returned": imported.returned,
            "deposits_reversed": imported.deposits_reversed, "unmatched": len(imported.unmatched),
            "duplicates": imported.duplicates}))
        await self.uow.commit()
        return imported

    async def _known_references(self, organisation: Organisation, parsed: ParsedStatement) -> set[str]:
        wanted = {e.bank_reference for e in parsed.entries}
        found = await self.session.execute(select(AccountEntry.bank_reference).where(
            AccountEntry.organisation_id == organisation.id, AccountEntry.account_iban == parsed.account_iban,
            AccountEntry.bank_reference.in_(wanted)))
        return set(found.scalars())

    async def _cases(self, organisation: Organisation) -> Sequence[Case]:
        """The organisation's open via_counsellor cases: those a deposit may be for."""
        return (await self.session.execute(select(Case).where(
            Case.organisation_id == organisation.id, Case.payment_route == PaymentRoute.VIA_COUNSELLOR,
            Case.state.not_in(FINISHED)))).scalars().all()


def _read(body: bytes, media_type: str, charset: str | None) -> tuple[ParsedStatement, frozenset[str]]:
    """The statement, and where its reversed entries are (`BankEntry.where` of each Ntry with RvslInd true)."""
    parsed = read_statement(body, media_type, charset)
    if b"RvslInd" not in body:  # most files have none: read the document again only when one may be there
        return parsed, frozenset()
    flagged = camt.read(body).iter("{*}RvslInd")
    return parsed, frozenset(camt.where(parent) for flag in flagged
                             if (flag.text or "").strip().lower() in ("true", "1")
                             and (parent := flag.getparent()) is not None and etree.QName(parent).localname == "Ntry")


def _same_deposit(tx: Transaction, original: dict[str, Any], reference: str) -> bool:
    """Whether a reversal is of this deposit's transaction: by end-to-end id, or else account, or else reference."""
    if tx.end_to_end_id and original.get("end_to_end_id"):
        return bool(tx.end_to_end_id == original["end_to_end_id"])
    if tx.counterparty_iban and original.get("counterparty_iban"):
        return bool(tx.counterparty_iban == original["counterparty_iban"])
    return names(tx.remittance, reference)


def _check(organisation: Organisation, parsed: ParsedStatement) -> None:
    if organisation.payout_iban is None or parsed.account_iban != organisation.payout_iban:
        mine = organisation.payout_iban or "none set"
        raise InvalidInputError(f"This is a statement of {parsed.account_iban}, not of your organisation's payout "
                                f"account ({mine}).", [FieldError(parsed.account_at, "not your payout account")])
    if parsed.currency != "EUR":
        raise InvalidInputError(f"The statement is in {parsed.currency}; payouts are in EUR.",
                                [FieldError(parsed.currency_at, "must be EUR")])
    refuse_entries_after_today(parsed)


def _counted(statement: AccountStatement, fresh: list[BankEntry], outcomes: list[tuple[BankEntry, int, str]],
             entries: int, duplicates: int) -> AccountImported:
    kinds = [kind for _, _, kind in outcomes]
    unmatched = [Unmatched(entry.bank_reference, entry.booked_on.isoformat(), index,
                           -tx.amount_cents if entry.debit else tx.amount_cents, tx.counterparty_iban, tx.remittance,
                           tx.end_to_end_id)
                 for entry, index, kind in outcomes if kind == "unmatched"
                 for tx in [entry.transactions[index]]]
    return AccountImported(statement, True, entries, kinds.count("deposit"), kinds.count("settled"),
                           kinds.count("returned"), duplicates, unmatched, kinds.count("deposit_reversed"))


class _Taker:
    """Takes one transaction at a time, in booking order, as a deposit, a settlement, a return, or unmatched."""

    def __init__(self, service: AccountStatementService, actor: Actor, organisation: Organisation,
                 cases: Sequence[Case]) -> None:
        self.service, self.session, self.actor, self.organisation = service, service.session, actor, organisation
        self.cases = cases
        self.outcomes: list[tuple[BankEntry, int, str]] = []

    async def take(self, entry: BankEntry, index: int, reversal: bool = False) -> dict[str, Any]:
        tx = entry.transactions[index]
        outcome = await (self._reversal(entry, tx) if reversal else self._outcome(entry, tx))
        self.outcomes.append((entry, index, outcome["kind"]))
        return {**outcome, "reversal": True} if reversal else outcome

    async def _reversal(self, entry: BankEntry, tx: Transaction) -> dict[str, Any]:
        """The bank undid a booking: of a debit (this is a credit), a payout's, so the transfer is returned; of a
        credit (this is a debit), the debtor's deposit is undone. Never a new deposit or a settlement."""
        if entry.debit:
            found = await self._reversed_deposit(tx)
            return await self._undo_deposit(entry, tx, *found) if found is not None else {"kind": "unmatched"}
        transfer = await self._transfer(tx) or await self._sent_back(tx)
        if transfer is not None and transfer.status is not PayoutTransferStatus.RETURNED:
            return await self._return(entry, transfer)
        return {"kind": "unmatched"}

    async def _outcome(self, entry: BankEntry, tx: Transaction) -> dict[str, Any]:
        transfer = await self._transfer(tx)
        if not entry.debit and transfer is None:
            transfer = await self._sent_back(tx)
        if entry.debit and transfer is not None and transfer.status is PayoutTransferStatus.PENDING:
            return await self._settle(entry, transfer)
        if not entry.debit and transfer is not None and transfer.status is not PayoutTransferStatus.RETURNED:
            return await self._return(entry, transfer)
        if not entry.debit and len(named := [c for c in self.cases if names(tx.remittance, c.reference)]) == 1:
            return await self._deposit(entry, tx, named[0])
        return {"kind": "unmatched"}

    async def _transfer(self, tx: Transaction) -> PayoutTransfer | None:
        """The organisation's transfer with the transaction's end-to-end id, for its amount."""
        if not tx.end_to_end_id:
            return None
        found: PayoutTransfer | None = (await self.session.execute(
            select(PayoutTransfer).join(PayoutRun, PayoutRun.id == PayoutTransfer.run_id)
            .where(PayoutTransfer.end_to_end_id == tx.end_to_end_id,
                   PayoutRun.organisation_id == self.organisation.id))).scalar_one_or_none()
        return found if found is not None and found.amount_cents == tx.amount_cents else None

    async def _sent_back(self, tx: Transaction) -> PayoutTransfer | None:
        """Without an end-to-end id: the latest transfer not returned to the account the credit came from, of its
        amount."""
        if tx.end_to_end_id or not tx.counterparty_iban:
            return None
        found: PayoutTransfer | None = (await self.session.execute(
            select(PayoutTransfer).join(PayoutRun, PayoutRun.id == PayoutTransfer.run_id)
            .where(PayoutRun.organisation_id == self.organisation.id,
                   PayoutTransfer.creditor_iban == tx.counterparty_iban,
                   PayoutTransfer.amount_cents == tx.amount_cents,
                   PayoutTransfer.status != PayoutTransferStatus.RETURNED)
            .order_by(PayoutTransfer.created_at.desc(), PayoutTransfer.id.desc()).limit(1))).scalar_one_or_none()
        return found

    async def _reversed_deposit(self, tx: Transaction) -> tuple[Case, Journal] | None:
        """The deposit a reversed credit undoes: the latest of its amount on an open case not undone before, with
        its end-to-end id when both have one, or else from its account when both name one, or else naming the case."""
        by_id = {case.id: case for case in self.cases}
        undone = aliased(Journal)
        rows = (await self.session.execute(
            select(AccountEntry, Journal)
            .join(Journal, (Journal.reference == AccountEntry.bank_reference) & (Journal.kind == JournalKind.DEPOSIT))
            .join(Entry, (Entry.journal_id == Journal.id) & (Entry.account == Account.RESERVE))
            .outerjoin(undone, undone.reverses_id == Journal.id)
            .where(AccountEntry.organisation_id == self.organisation.id, Journal.case_id.in_(by_id),
                   Entry.amount_cents == tx.amount_cents, undone.id.is_(None))
            .order_by(Journal.booked_on.desc(), Journal.id.desc()))).all()
        for booked, journal in rows:
            originals = [booked.transactions[i] for i, taken in enumerate(booked.outcome)
                         if taken.get("journal_id") == str(journal.id)]
            if any(_same_deposit(tx, original, by_id[journal.case_id].reference) for original in originals):
                return by_id[journal.case_id], journal
        return None

    async def _undo_deposit(self, entry: BankEntry, tx: Transaction, case: Case, deposit: Journal
                            ) -> dict[str, Any]:
        """A reversing journal of the deposit (its money is out of the reserve again), in the trail as a negative
        deposit that names the one it reverses."""
        reason = f"reversed by the bank: {entry.bank_reference}"[:140]
        reversal = await ledger.reverse(self.session, deposit, entry.booked_on, created_by=self.actor.name,
                                        reference=reason)
        self._record(reversal, event(EventKind.DEPOSIT_RECORDED, self.actor, reversal, case_id=case.id, after={
            "amount_cents": -tx.amount_cents, "date": entry.booked_on.isoformat(),
            "bank_reference": entry.bank_reference, "reverses": str(deposit.id), "reason": reason}))
        return {"kind": "deposit_reversed", "case_id": str(case.id), "journal_id": str(reversal.id)}

    def _record(self, journal: Journal, *events: Event) -> None:
        self.service.record(event(EventKind.LEDGER_POSTED, self.actor, journal, case_id=journal.case_id), *events)

    async def _deposit(self, entry: BankEntry, tx: Transaction, case: Case) -> dict[str, Any]:
        journal = await ledger.post(self.session, case.id, JournalKind.DEPOSIT, entry.booked_on,
                                    ledger.deposit_lines(tx.amount_cents), created_by=self.actor.name,
                                    reference=entry.bank_reference[:140])
        self._record(journal, event(EventKind.DEPOSIT_RECORDED, self.actor, journal, case_id=case.id, after={
            "amount_cents": tx.amount_cents, "date": entry.booked_on.isoformat(),
            "bank_reference": entry.bank_reference}))
        return {"kind": "deposit", "case_id": str(case.id), "journal_id": str(journal.id)}

    async def _settle(self, entry: BankEntry, transfer: PayoutTransfer) -> dict[str, Any]:
        journal = await ledger.post(self.session, transfer.case_id, JournalKind.SETTLEMENT, entry.booked_on,
                                    ledger.settlement_lines(transfer.claim_id, transfer.amount_cents),
                                    created_by=self.actor.name, reference=transfer.end_to_end_id)
        transfer.status, transfer.settled_journal_id = PayoutTransferStatus.SETTLED, journal.id
        self._record(journal, event(EventKind.PAYOUT_SETTLED, self.actor, transfer, case_id=transfer.case_id, after={
            "claim_id": str(transfer.claim_id), "amount_cents": transfer.amount_cents,
            "date": entry.booked_on.isoformat(), "end_to_end_id": transfer.end_to_end_id}))
        await self._close_run(transfer.run_id)
        return {"kind": "settled", "transfer_id": str(transfer.id), "journal_id": str(journal.id)}

    async def _return(self, entry: BankEntry, transfer: PayoutTransfer) -> dict[str, Any]:
        reason = f"returned by the bank: {entry.bank_reference}"[:140]
        if transfer.settled_journal_id is not None:  # the creditor did not keep it: its receipt is undone too
            await self._reverse(transfer.settled_journal_id, entry, reason)
        reversal = await self._reverse(transfer.payout_journal_id, entry, reason)  # back in the reserve
        before = transfer.status.value
        transfer.status, transfer.returned_journal_id = PayoutTransferStatus.RETURNED, reversal.id
        self.service.record(event(EventKind.PAYOUT_RETURNED, self.actor, transfer, case_id=transfer.case_id,
                                  before={"status": before}, after={
                                      "claim_id": str(transfer.claim_id), "amount_cents": transfer.amount_cents,
                                      "date": entry.booked_on.isoformat(), "end_to_end_id": transfer.end_to_end_id,
                                      "reason": reason}))
        await self._close_run(transfer.run_id)
        return {"kind": "returned", "transfer_id": str(transfer.id), "journal_id": str(reversal.id)}

    async def _reverse(self, journal_id: uuid.UUID, entry: BankEntry, reason: str) -> Journal:
        original = await self.session.get_one(Journal, journal_id)
        reversal = await ledger.reverse(self.session, original, entry.booked_on, created_by=self.actor.name,
                                        reference=reason)
        self._record(reversal)
        return reversal

    async def _close_run(self, run_id: uuid.UUID) -> None:
        pending = await self.session.scalar(select(func.count()).select_from(PayoutTransfer).where(
            PayoutTransfer.run_id == run_id, PayoutTransfer.status == PayoutTransferStatus.PENDING))
        if not pending:
            run = await self.session.get_one(PayoutRun, run_id)
            run.status = PayoutRunStatus.SETTLED
