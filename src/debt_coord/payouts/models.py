"""Payout runs of a counselling organisation and the statements of its own account (migration 0014).

Via the counsellor (cases.PaymentRoute.VIA_COUNSELLOR) the debtor pays into the organisation's account and the
organisation pays the creditors. A payout run gathers, for one execution date, what the active plans have made due
and the ledger shows the organisation holds; it writes one pain.001 file with a transfer per claim paid, each with
an end-to-end id. The organisation's camt.053 statements close the circle: credits with a case's reference are the
debtor's deposits, debits with a transfer's end-to-end id settle it, returned transfers are reversed.

The unique keys make it happen once: a run per organisation and message id, a transfer per end-to-end id, a
statement per account and message id, an entry per account and bank reference.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from debt_coord.kernel.orm import enum_column


class PayoutRunStatus(StrEnum):
    PENDING = "pending"
    """The file is written; some transfers are not yet seen on the organisation's statement."""
    SETTLED = "settled"
    """Every transfer is settled or returned."""


class PayoutRun(UUIDv7AuditBase):
    __tablename__ = "payout_runs"
    __table_args__ = (
        UniqueConstraint("organisation_id", "message_id"),
        Index("ix_payout_runs_org_created", "organisation_id", "created_at", "id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    execution_date: Mapped[dt.date] = mapped_column(Date)
    message_id: Mapped[str] = mapped_column(String(35))
    """pain.001 GrpHdr/MsgId."""
    status: Mapped[PayoutRunStatus] = mapped_column(enum_column(PayoutRunStatus, "payout_run_status"),
                                                    default=PayoutRunStatus.PENDING)
    transfer_count: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    document: Mapped[str] = mapped_column(Text)
    """The pain.001.001.03 file as written: never rewritten, downloaded as often as needed."""
    created_by: Mapped[str] = mapped_column(String(200))


class PayoutTransferStatus(StrEnum):
    PENDING = "pending"
    SETTLED = "settled"
    RETURNED = "returned"


class PayoutTransfer(UUIDv7AuditBase):
    """One credit transfer of a run: to one claim's creditor, from one case's reserve."""

    __tablename__ = "payout_transfers"
    __table_args__ = (Index("ix_payout_transfers_case_claim", "case_id", "claim_id"),)

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payout_runs.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claims.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    creditor_name: Mapped[str] = mapped_column(String(70))
    creditor_iban: Mapped[str] = mapped_column(String(34))
    remittance: Mapped[str] = mapped_column(String(140))
    """The claim's payment reference, so the creditor can book it."""
    status: Mapped[PayoutTransferStatus] = mapped_column(enum_column(PayoutTransferStatus, "payout_transfer_status"),
                                                         default=PayoutTransferStatus.PENDING)
    payout_journal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_journals.id"), unique=True)
    settled_journal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_journals.id"), unique=True,
                                                                 default=None)
    returned_journal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_journals.id"), unique=True,
                                                                  default=None)


class AccountStatement(UUIDv7AuditBase):
    """An imported camt.053 statement of the organisation's own (payout) account."""

    __tablename__ = "account_statements"
    __table_args__ = (UniqueConstraint("organisation_id", "account_iban", "message_id"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(140))
    account_iban: Mapped[str] = mapped_column(String(34))
    entry_count: Mapped[int] = mapped_column(Integer)
    duplicate_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))


class AccountEntry(UUIDv7AuditBase):
    """A booked entry of the organisation's account and what it was taken as."""

    __tablename__ = "account_statement_entries"
    __table_args__ = (UniqueConstraint("organisation_id", "account_iban", "bank_reference"),)

    statement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account_statements.id", ondelete="CASCADE"),
                                                    index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    account_iban: Mapped[str] = mapped_column(String(34))
    bank_reference: Mapped[str] = mapped_column(String(140))
    booked_on: Mapped[dt.date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    """Negative for a debit (a payout leaving), positive for a credit (a deposit, a returned payout)."""
    transactions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """[{amount_cents, counterparty_iban, counterparty_name, remittance, end_to_end_id, ...}]."""
    outcome: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Per transaction what it was taken as: {"kind": deposit|settled|returned|unmatched, "case_id"?,
    "transfer_id"?, "journal_id"?}."""
