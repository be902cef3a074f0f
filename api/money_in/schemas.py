"""Request and response bodies for receipts, their reversals and installments."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from api.common import Body, PastDate
from debt_coord.money_in.arrears import failure_suggestion
from debt_coord.money_in.installments import InstallmentStatus
from debt_coord.money_in.service import ClaimBalance, MoneyIn, Receipt
from solver.models import PositiveCents


class ReceiptIn(Body):
    claim_id: uuid.UUID
    amount_cents: PositiveCents
    date: PastDate = Field(description="The day the money arrived; not before the case's reference date.")
    reference: str = Field(default="", max_length=140)


class ReversalIn(Body):
    reason: str = Field(min_length=1, max_length=140, description="Why the receipt was wrong.")


class ReceiptOut(BaseModel):
    id: uuid.UUID
    kind: str = Field(description="'receipt', or 'reversal' for the correction of one.")
    claim_id: uuid.UUID
    amount_cents: int = Field(description="Negative for a reversal.")
    date: dt.date
    reference: str
    reversed_by: uuid.UUID | None
    recorded_by: str
    recorded_at: dt.datetime


def receipt_out(receipt: Receipt) -> ReceiptOut:
    journal = receipt.journal
    return ReceiptOut(id=journal.id, kind=journal.kind.value, claim_id=receipt.claim_id,
                      amount_cents=receipt.amount_cents, date=journal.booked_on, reference=journal.reference,
                      reversed_by=receipt.reversed_by, recorded_by=journal.created_by, recorded_at=journal.created_at)


class InstallmentOut(BaseModel):
    date: dt.date
    claim_id: uuid.UUID
    amount_cents: int
    received_cents: int
    status: InstallmentStatus


class ArrearsOut(BaseModel):
    cents: int = Field(description="What overdue installments still miss.")
    dates_behind: int = Field(description="Payment dates with an overdue installment.")


class BalanceOut(BaseModel):
    claim_id: uuid.UUID
    owed_cents: int
    received_cents: int
    discharged_cents: int = Field(description="Granted discharge of by the creditor at the end of the plan.")
    outstanding_cents: int


class InstallmentsOut(BaseModel):
    installments: list[InstallmentOut]
    arrears: ArrearsOut
    suggest_failure: bool = Field(description="The arrears reach DEBT_COORD_ARREARS_SUGGEST_FAILURE_DATES payment "
                                              "dates: the counsellor may end the plan as failed (POST .../close).")
    suggest_failure_reason: str | None
    balances: list[BalanceOut]


def installments_out(found: MoneyIn, suggest_failure_after: int) -> InstallmentsOut:
    def balance(b: ClaimBalance) -> BalanceOut:
        return BalanceOut(claim_id=b.claim_id, owed_cents=b.owed_cents, received_cents=b.received_cents,
                          discharged_cents=b.discharged_cents, outstanding_cents=b.outstanding_cents)

    reason = None if found.closed else failure_suggestion(found.arrears, suggest_failure_after)

    return InstallmentsOut(
        installments=[InstallmentOut(date=i.date, claim_id=uuid.UUID(i.claim_id), amount_cents=i.amount_cents,
                                     received_cents=i.received_cents, status=i.status) for i in found.installments],
        arrears=ArrearsOut(cents=found.arrears.cents, dates_behind=found.arrears.dates_behind),
        suggest_failure=reason is not None, suggest_failure_reason=reason,
        balances=[balance(b) for b in found.balances],
    )
