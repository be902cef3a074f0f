"""Request and response bodies of the final statement and of discharge."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from api.common import Body
from debt_coord.money_in.completion import Availability, CreditorTotal, FinalStatement, StatementLine

AMOUNTS = ("owed_cents: at the case's reference date; received_cents: what reached the creditor; received_bp: that "
           "in basis points of owed (rounded down); remainder_cents = owed - received, discharged or still to "
           "discharge (outstanding_cents).")


class DischargeIn(Body):
    claim_ids: list[uuid.UUID] = Field(min_length=1, max_length=500,
                                       description="Claims of yours in this plan whose remainder you discharge.")


class StatementLineOut(BaseModel):
    claim_id: uuid.UUID
    organisation_id: uuid.UUID
    creditor: str
    creditor_reference: str
    owed_cents: int
    received_cents: int
    received_bp: int = Field(ge=0, le=10_000)
    remainder_cents: int
    discharged_cents: int
    outstanding_cents: int = Field(description="Still to discharge; 0 once paid in full or discharged.")


class CreditorTotalOut(BaseModel):
    organisation_id: uuid.UUID
    creditor: str
    owed_cents: int
    received_cents: int
    received_bp: int = Field(ge=0, le=10_000)
    remainder_cents: int
    discharged_cents: int
    outstanding_cents: int


class FinalStatementOut(BaseModel):
    case_id: uuid.UUID
    case_state: str = Field(description="'active', or 'completed' once every claim is paid or discharged.")
    plan_id: uuid.UUID
    reference_date: dt.date = Field(description="The date at which the owed amounts stand.")
    term_ends_on: dt.date = Field(description="The plan's last payment date.")
    available: Availability = Field(description="Why the statement is due: the term ended, or nothing is owed.")
    claims: list[StatementLineOut] = Field(description=AMOUNTS)
    creditors: list[CreditorTotalOut] = Field(description="The claims' figures summed per creditor.")


def _line(line: StatementLine) -> StatementLineOut:
    return StatementLineOut(claim_id=line.claim_id, organisation_id=line.organisation_id, creditor=line.creditor,
                            creditor_reference=line.creditor_reference, owed_cents=line.owed_cents,
                            received_cents=line.received_cents, received_bp=line.received_bp,
                            remainder_cents=line.remainder_cents, discharged_cents=line.discharged_cents,
                            outstanding_cents=line.outstanding_cents)


def _total(total: CreditorTotal) -> CreditorTotalOut:
    return CreditorTotalOut(organisation_id=total.organisation_id, creditor=total.creditor,
                            owed_cents=total.owed_cents, received_cents=total.received_cents,
                            received_bp=total.received_bp, remainder_cents=total.remainder_cents,
                            discharged_cents=total.discharged_cents, outstanding_cents=total.outstanding_cents)


def final_statement_out(statement: FinalStatement) -> FinalStatementOut:
    return FinalStatementOut(
        case_id=statement.case.id, case_state=statement.case.state.value, plan_id=statement.version.id,
        reference_date=statement.case.reference_date, term_ends_on=statement.term_ends_on,
        available=statement.available, claims=[_line(line) for line in statement.lines],
        creditors=[_total(total) for total in statement.creditors],
    )
