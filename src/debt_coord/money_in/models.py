"""The ledger: append-only double-entry journals in integer cents, per case and claim.

Every movement of money is a journal whose entries sum to zero; a correction is a reversing
journal, never an update. Balances (what a claim still owes, what it received) are sums of
entries, never stored. PostgreSQL checks at commit that each journal balances (a deferred
constraint trigger, migration 0007) and refuses updates and deletes; on SQLite the unit of
work checks each journal before it commits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from debt_coord.kernel.orm import enum_column


class Account(StrEnum):
    OPENING = "opening"
    """The case's counter-account for what the claims were owed when the plan started."""
    OUTSTANDING = "outstanding"
    """What a claim is still owed (positive)."""
    RECEIVED = "received"
    """What reached the creditor for a claim (positive)."""
    DISCHARGED = "discharged"
    """What the creditor let go of at the end of the plan (positive): the remainder it granted discharge of."""
    RESERVE = "reserve"
    """Via the counsellor: what the organisation holds for the case, received from the debtor and not yet paid
    out (positive; case level, no claim)."""
    IN_TRANSIT = "in_transit"
    """Via the counsellor: paid out to a claim's creditor in a payout run, not yet seen leaving the organisation's
    account (positive, per claim)."""
    CONTRIBUTED = "contributed"
    """Via the counsellor: the counter-account of the debtor's deposits still held or under way (negative): the
    organisation owes it to the creditors or back to the debtor."""


class JournalKind(StrEnum):
    OPENING = "opening"
    RECEIPT = "receipt"
    REVERSAL = "reversal"
    DISCHARGE = "discharge"
    DEPOSIT = "deposit"
    """The debtor's money reached the organisation's account: reserve up."""
    PAYOUT = "payout"
    """A payout run's transfer to a creditor: reserve down, in transit up."""
    SETTLEMENT = "settlement"
    """The organisation's statement shows the payout left: in transit down, and the claim received it."""


class Journal(UUIDv7AuditBase):
    __tablename__ = "ledger_journals"
    __table_args__ = (Index("ix_ledger_journals_case_booked", "case_id", "booked_on"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[JournalKind] = mapped_column(enum_column(JournalKind, "journal_kind"))
    booked_on: Mapped[dt.date] = mapped_column(Date)
    """The day the money moved (a receipt's date), not the day it was written."""
    reference: Mapped[str] = mapped_column(String(140), default="")
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_journals.id"), unique=True, default=None)
    """The journal this one reverses; a journal is reversed at most once."""
    created_by: Mapped[str] = mapped_column(String(200))


class Entry(UUIDv7AuditBase):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_case_claim", "case_id", "claim_id", "account"),)

    journal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_journals.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    claim_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("claims.id"), default=None)
    account: Mapped[Account] = mapped_column(enum_column(Account, "ledger_account"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class ArrearsFlag(UUIDv7AuditBase):
    """An installment the daily chore found overdue, and told the creditor and the counsellor of: once, ever.

    The unique key is the installment (case, claim, date): two workers cannot both flag it, and a restart
    does not flag it again.
    """

    __tablename__ = "arrears_flags"
    __table_args__ = (UniqueConstraint("case_id", "claim_id", "due_on"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    plan_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    """The installment's payment date."""
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    missing_cents: Mapped[int] = mapped_column(BigInteger)
    """What the installment still missed when it was flagged."""
    flagged_on: Mapped[dt.date] = mapped_column(Date)


class DepositArrearsFlag(UUIDv7AuditBase):
    """A deposit the daily chore found overdue, and told the counsellor of: once, ever.

    A deposit has no claim (the arrears_flags key): its key is the case and the deposit's date, one deposit a day.
    """

    __tablename__ = "deposit_arrears_flags"
    __table_args__ = (UniqueConstraint("case_id", "due_on"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    plan_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    """The deposit's date."""
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    missing_cents: Mapped[int] = mapped_column(BigInteger)
    """What the deposit still missed when it was flagged."""
    flagged_on: Mapped[dt.date] = mapped_column(Date)
