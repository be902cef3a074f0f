"""Bodies of the bank statement routes: the import's answer, the imports with their entries, a match by hand."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

from api.common import Body
from debt_coord.money_in.statements.service import Imported
from debt_coord.money_in.statements.views import EntryView, MatchView, StatementView
from solver.models import PositiveCents


class StatementImported(BaseModel):
    statement_id: uuid.UUID
    entries: int = Field(description="Booked entries in the file.")
    matched: int = Field(description="New entries matched to the cent: receipts, or the reversal of a returned "
                                     "payment's receipts.")
    unmatched: int = Field(description="New entries with money left to match by hand (POST .../matches).")
    duplicates: int = Field(description="Entries imported before (the same file again: all of them): nothing was "
                                        "written for them.")


def imported_out(imported: Imported) -> StatementImported:
    return StatementImported(statement_id=imported.statement.id, entries=imported.entries,
                             matched=imported.matched, unmatched=imported.unmatched, duplicates=imported.duplicates)


class TransactionOut(BaseModel):
    amount_cents: int
    counterparty_iban: str | None
    counterparty_name: str
    remittance: str
    end_to_end_id: str | None


class MatchOut(BaseModel):
    id: uuid.UUID
    transaction: int = Field(description="Which of the entry's transactions (0 for the first).")
    claim_id: uuid.UUID
    kind: Literal["receipt", "reversal"]
    receipt_id: uuid.UUID = Field(description="The ledger journal: a receipt, or the reversal of one.")
    amount_cents: int = Field(description="Negative for a reversal.")
    by_hand: bool
    reversed_by: uuid.UUID | None
    counts: bool = Field(description="False for a receipt reversed by hand: its money is unmatched again.")
    recorded_by: str
    recorded_at: dt.datetime


class EntryOut(BaseModel):
    id: uuid.UUID
    position: int = Field(description="1 for the first booked entry of the file.")
    bank_reference: str
    booked_on: dt.date
    direction: Literal["debit", "credit"]
    amount_cents: int = Field(description="Negative for a debit (money out of the account).")
    transactions: list[TransactionOut]
    matches: list[MatchOut]
    matched_cents: int
    unmatched_cents: int


class StatementOut(BaseModel):
    id: uuid.UUID
    format: str = Field(description="'camt.053' or 'mt940'.")
    message_id: str
    account_iban: str
    currency: str
    entries: int = Field(description="Booked entries in the file.")
    duplicates: int = Field(description="Entries imported before with another file: not stored again.")
    matched: int = Field(description="Stored entries matched to the cent.")
    unmatched: int = Field(description="Stored entries with money left to match.")
    imported_by: str
    imported_at: dt.datetime


class StatementDetail(StatementOut):
    items: list[EntryOut] = Field(description="The stored entries in file order, with what they were matched to.")


class MatchIn(Body):
    entry_id: uuid.UUID
    transaction: int = Field(default=0, ge=0, le=9_999, description="Which of the entry's transactions.")
    claim_id: uuid.UUID
    amount_cents: PositiveCents = Field(description="At most what the entry has unmatched and the claim owes.")


def match_out(view: MatchView) -> MatchOut:
    match = view.match
    return MatchOut(id=match.id, transaction=match.transaction, claim_id=match.claim_id,
                    kind="receipt" if match.amount_cents > 0 else "reversal", receipt_id=match.journal_id,
                    amount_cents=match.amount_cents, by_hand=match.by_hand, reversed_by=view.reversed_by,
                    counts=view.counts, recorded_by=match.created_by, recorded_at=match.created_at)


def entry_out(view: EntryView) -> EntryOut:
    entry = view.entry
    return EntryOut(id=entry.id, position=entry.position, bank_reference=entry.bank_reference,
                    booked_on=entry.booked_on, direction="debit" if entry.amount_cents < 0 else "credit",
                    amount_cents=entry.amount_cents,
                    transactions=[TransactionOut.model_validate(tx) for tx in entry.transactions],
                    matches=[match_out(m) for m in view.matches], matched_cents=view.matched_cents,
                    unmatched_cents=view.unmatched_cents)


def statement_out(view: StatementView) -> StatementOut:
    statement = view.statement
    return StatementOut(id=statement.id, format=statement.format.value, message_id=statement.message_id,
                        account_iban=statement.account_iban, currency=statement.currency,
                        entries=statement.entry_count, duplicates=statement.duplicate_count, matched=view.matched,
                        unmatched=view.unmatched, imported_by=statement.created_by, imported_at=statement.created_at)


def statement_detail(view: StatementView) -> StatementDetail:
    return StatementDetail(**statement_out(view).model_dump(), items=[entry_out(e) for e in view.entries])
