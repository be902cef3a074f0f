"""Imported bank statements, their entries, and what each entry was matched to (migration 0008).

The unique constraints make an import happen once: a statement per message id and account, an entry per
bank reference and account (so an entry in two files is imported once), a match per ledger journal. Two
concurrent imports of one file cannot both write: the second waits on the first's lock of the case row,
and if it got past, on these constraints.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from debt_coord.kernel.orm import enum_column
from debt_coord.money_in.statements.parsed import StatementFormat


class Statement(UUIDv7AuditBase):
    __tablename__ = "bank_statements"
    __table_args__ = (
        UniqueConstraint("case_id", "account_iban", "message_id"),
        Index("ix_bank_statements_case_created", "case_id", "created_at", "id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    format: Mapped[StatementFormat] = mapped_column(enum_column(StatementFormat, "statement_format"))
    message_id: Mapped[str] = mapped_column(String(140))
    """camt.053: GrpHdr/MsgId; MT940: :20:/:28C: (of the first and last statement in the file)."""
    account_iban: Mapped[str] = mapped_column(String(34))
    currency: Mapped[str] = mapped_column(String(3))
    entry_count: Mapped[int] = mapped_column(Integer)
    """Booked entries in the file, duplicates included."""
    duplicate_count: Mapped[int] = mapped_column(Integer)
    """Of those, entries imported before with another file: not stored again."""
    created_by: Mapped[str] = mapped_column(String(200))


class StatementEntry(UUIDv7AuditBase):
    __tablename__ = "bank_statement_entries"
    __table_args__ = (UniqueConstraint("case_id", "account_iban", "bank_reference"),)

    statement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bank_statements.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    account_iban: Mapped[str] = mapped_column(String(34))
    position: Mapped[int] = mapped_column(Integer)
    bank_reference: Mapped[str] = mapped_column(String(140))
    booked_on: Mapped[dt.date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    """Negative for a debit (money out of the account), positive for a credit."""
    transactions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """[{amount_cents, counterparty_iban, counterparty_name, remittance, end_to_end_id}]: one, or a batch's."""


class StatementMatch(UUIDv7AuditBase):
    """A ledger journal an entry's transaction led to: a receipt (positive cents) or a reversal (negative)."""

    __tablename__ = "bank_statement_matches"

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bank_statement_entries.id", ondelete="CASCADE"),
                                                index=True)
    transaction: Mapped[int] = mapped_column(Integer)
    """Its index in the entry's transactions."""
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claims.id"))
    journal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_journals.id"), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    by_hand: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(200))
