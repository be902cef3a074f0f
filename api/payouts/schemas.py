"""Bodies of the payout routes: a run and its transfers, an import of the payout account's statement."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

from api.common import Body
from debt_coord.payouts.models import PayoutRun, PayoutTransfer
from debt_coord.payouts.service import RunView
from debt_coord.payouts.statements import AccountImported


class PayoutRunIn(Body):
    execution_date: dt.date = Field(description="The day the bank is to execute the transfers: a bank day, today or "
                                                "later. Everything due on or before it is paid, as far as each case's "
                                                "reserve goes.")


class TransferOut(BaseModel):
    id: uuid.UUID
    run_id: uuid.UUID
    case_id: uuid.UUID
    claim_id: uuid.UUID
    amount_cents: int
    end_to_end_id: str
    creditor_name: str
    creditor_iban: str
    remittance: str = Field(description="The claim's payment reference.")
    status: Literal["pending", "settled", "returned"] = Field(
        description="pending until the organisation's statement shows it leave; settled; or returned by the bank "
                    "(reversed: its money is back in the case's reserve).")
    created_at: dt.datetime


class PayoutRunOut(BaseModel):
    id: uuid.UUID
    execution_date: dt.date
    message_id: str = Field(description="The pain.001 GrpHdr/MsgId.")
    status: Literal["pending", "settled"]
    transfer_count: int
    total_cents: int
    created_by: str
    created_at: dt.datetime


class PayoutRunDetail(PayoutRunOut):
    transfers: list[TransferOut]


class UnmatchedOut(BaseModel):
    bank_reference: str
    booked_on: dt.date
    transaction: int = Field(description="Which of the entry's transactions (0 for the first).")
    amount_cents: int = Field(description="Negative for a debit.")
    counterparty_iban: str | None
    remittance: str
    end_to_end_id: str | None


class AccountStatementImported(BaseModel):
    statement_id: uuid.UUID
    entries: int = Field(description="Booked entries in the file.")
    deposits: int = Field(description="Credits taken as a debtor's deposit (a case's reference in the remittance).")
    settled: int = Field(description="Debits that settled a pending transfer (by its end-to-end id).")
    returned: int = Field(description="Credits that returned a transfer (by its end-to-end id): reversed.")
    duplicates: int = Field(description="Entries imported before: nothing was written for them.")
    unmatched: list[UnmatchedOut] = Field(description="New transactions taken as none of these: kept, for a person.")


def transfer_out(transfer: PayoutTransfer) -> TransferOut:
    return TransferOut(id=transfer.id, run_id=transfer.run_id, case_id=transfer.case_id, claim_id=transfer.claim_id,
                       amount_cents=transfer.amount_cents, end_to_end_id=transfer.end_to_end_id,
                       creditor_name=transfer.creditor_name, creditor_iban=transfer.creditor_iban,
                       remittance=transfer.remittance, status=transfer.status.value, created_at=transfer.created_at)


def run_out(run: PayoutRun) -> PayoutRunOut:
    return PayoutRunOut(id=run.id, execution_date=run.execution_date, message_id=run.message_id,
                        status=run.status.value, transfer_count=run.transfer_count, total_cents=run.total_cents,
                        created_by=run.created_by, created_at=run.created_at)


def run_detail(view: RunView) -> PayoutRunDetail:
    return PayoutRunDetail(**run_out(view.run).model_dump(), transfers=[transfer_out(t) for t in view.transfers])


def imported_out(imported: AccountImported) -> AccountStatementImported:
    return AccountStatementImported(
        statement_id=imported.statement.id, entries=imported.entries, deposits=imported.deposits,
        settled=imported.settled, returned=imported.returned, duplicates=imported.duplicates,
        unmatched=[UnmatchedOut.model_validate(u, from_attributes=True) for u in imported.unmatched])
