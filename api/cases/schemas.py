"""Request and response bodies for cases, their creditors, income, claims, the overview and the audit trail."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from api.common import Body, Country, Currency, Date, Iban, Name, Out, PastDate, Text64, bounds
from debt_coord.cases.models import ContactChannel, DebtType, IncomeKind, PaymentRoute
from debt_coord.cases.states import CaseState
from debt_coord.kernel.clock import today
from solver import models as engine
from solver.models import Cents, ClaimClass, Identifier, PositiveCents


class CaseCreate(Body):
    reference: Text64
    debtor_name: Name
    debtor_contact_channel: ContactChannel
    debtor_contact: Annotated[str, Field(max_length=320)] = ""
    currency: Currency = "EUR"
    country: Country = "NL"
    reference_date: Date | None = Field(
        default=None, description="The date creditors state their balance at; today if left out."
    )
    claims_deadline: Date | None = None
    payment_route: PaymentRoute = Field(
        default=PaymentRoute.DIRECT,
        description="'direct': the debtor pays each creditor. 'via_counsellor': the debtor pays one amount each "
                    "payday into your organisation's payout account, and its payout runs pay the creditors "
                    "(needs the payout account).")

    @field_validator("claims_deadline")
    @classmethod
    def _deadline_after_reference(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        if value is None or "reference_date" not in info.data:  # a bad reference_date has its own error
            return value
        if value < (info.data["reference_date"] or today()):
            raise ValueError("claims_deadline cannot be before the reference date")
        return value


class CaseForCreditor(Out):
    """What an invited creditor sees of a case: no debtor contact details."""

    id: uuid.UUID
    reference: str
    debtor_name: str
    currency: str
    country: str
    reference_date: dt.date
    claims_deadline: dt.date | None
    state: CaseState


class CaseOut(CaseForCreditor):
    organisation_id: uuid.UUID
    payment_route: PaymentRoute
    """How the debtor's money reaches the creditors: 'direct' or 'via_counsellor'."""
    debtor_contact_channel: ContactChannel
    debtor_contact: str
    version: int
    created_at: dt.datetime


class CreditorInvite(Body):
    organisation_id: uuid.UUID
    message: Annotated[str, Field(max_length=2000)] = ""


class ParticipantOut(BaseModel):
    organisation_id: uuid.UUID
    organisation_name: str
    balance_as_of: dt.date
    message: str
    invited_at: dt.datetime


class IncomeSchedule(BaseModel):
    """A recurring or one-off income. Exactly one schedule: day_of_month, every_weeks, dates.

    The API's own copy of what the planning engine takes, with the engine's bounds. Not a `Body`: the
    id is kept as sent (no stripping), and `IncomeIn` refuses NUL for the whole list, as it always has.
    """

    model_config = ConfigDict(extra="forbid")

    id: Identifier
    amount_cents: Cents
    available_cents: Cents
    day_of_month: int | None = Field(default=None, **bounds(engine.IncomeStream, "day_of_month"))
    every_weeks: int | None = Field(default=None, **bounds(engine.IncomeStream, "every_weeks"))
    first_date: dt.date | None = None
    dates: list[dt.date] | None = Field(default=None, **bounds(engine.IncomeStream, "dates"))

    @model_validator(mode="after")
    def _one_schedule(self) -> Self:
        if problem := engine.schedule_problem(self):
            raise ValueError(problem)
        return self


class IncomeStream(IncomeSchedule):
    """A debtor's income: its schedule, and what it is, which the debtor's page says in the debtor's words."""

    kind: IncomeKind = Field(default=IncomeKind.OTHER, description=(
        "What the income is: the debtor's page says 'uw salaris', 'uw uitkering', 'uw vakantiegeld', 'uw toeslag' "
        "(or in English), and for 'other' the label."))
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = Field(
        default="", description="Your own name for it (e.g. 'pensioen'); the debtor's page shows it for kind 'other'.")


class IncomeIn(Body):
    streams: list[IncomeStream] = Field(description="Replaces all income streams.",
                                        **bounds(engine.PlanRequest, "income"))

    @field_validator("streams")
    @classmethod
    def _unique_ids(cls, streams: list[IncomeStream]) -> list[IncomeStream]:
        ids = [s.id for s in streams]
        if len(ids) != len(set(ids)):
            raise ValueError("each income stream needs its own id")
        return streams


class IncomeOut(BaseModel):
    streams: list[IncomeStream]


class _ClaimFields(Body):
    creditor_reference: Text64
    principal_cents: Cents
    interest_cents: Cents = 0
    costs_cents: Cents = 0
    claim_class: ClaimClass = ClaimClass.CONCURRENT
    debt_type: DebtType = DebtType.OTHER
    min_payment_cents: PositiveCents | None = None
    iban: Iban
    payment_reference: Annotated[str, Field(min_length=1, max_length=140)]
    arose_on: PastDate
    balance_date: Date | None = Field(
        default=None, description="The date the balance is stated at; the case's reference date if left out."
    )


class ClaimCreate(_ClaimFields):
    """A new claim. That it owes something (not all amounts zero) the service checks, for PATCH too."""


class ClaimPatch(Body):
    creditor_reference: Text64 | None = None
    principal_cents: Cents | None = None
    interest_cents: Cents | None = None
    costs_cents: Cents | None = None
    claim_class: ClaimClass | None = None
    debt_type: DebtType | None = None
    min_payment_cents: PositiveCents | None = None
    iban: Iban | None = None
    payment_reference: Annotated[str, Field(min_length=1, max_length=140)] | None = None
    arose_on: PastDate | None = None
    balance_date: Date | None = None

    @field_validator("creditor_reference", "principal_cents", "interest_cents", "costs_cents", "claim_class",
                     "debt_type", "iban", "payment_reference", "arose_on", "balance_date")
    @classmethod
    def _not_emptied(cls, value: Any) -> Any:
        # Runs only for fields sent: an explicit null would empty a field every claim needs.
        if value is None:
            raise ValueError("cannot be emptied")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        return self


class ClaimOut(Out):
    id: uuid.UUID
    case_id: uuid.UUID
    organisation_id: uuid.UUID
    creditor_reference: str
    principal_cents: int
    interest_cents: int
    costs_cents: int
    total_cents: int
    claim_class: ClaimClass
    debt_type: DebtType
    min_payment_cents: int | None
    iban: str
    payment_reference: str
    arose_on: dt.date
    balance_date: dt.date
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class OverviewClaim(Out):
    claim_id: uuid.UUID = Field(validation_alias=AliasChoices("claim_id", "id"))
    organisation_id: uuid.UUID
    creditor_name: str = ""
    creditor_reference: str
    claim_class: ClaimClass
    principal_cents: int
    interest_cents: int
    costs_cents: int
    total_cents: int
    share_bp: int = Field(default=0, description="Share of the total debt in basis points; all claims add up to 10000.")


class ClassTotalsOut(Out):
    claim_class: ClaimClass
    claims: int
    principal_cents: int
    interest_cents: int
    costs_cents: int
    total_cents: int


class CapacityOut(Out):
    first_12_months_cents: int
    monthly_average_cents: int
    term_months: int
    term_cents: int


class WarningOut(Out):
    code: str
    message: str
    claim_ids: list[uuid.UUID]
    organisation_id: uuid.UUID | None


class OverviewOut(BaseModel):
    case_id: uuid.UUID
    currency: str
    reference_date: dt.date
    total_cents: int
    claims: list[OverviewClaim]
    class_totals: list[ClassTotalsOut]
    capacity: CapacityOut
    creditors: list[ParticipantOut]
    warnings: list[WarningOut]


class PaymentRouteIn(Body):
    payment_route: PaymentRoute
    """'direct' or 'via_counsellor' (your organisation's payout account first); only before a plan is proposed."""


class CaseClose(Body):
    state: Literal["completed", "failed", "withdrawn"]
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


class AuditEventOut(Out):
    id: uuid.UUID
    at: dt.datetime
    actor: str
    organisation_id: uuid.UUID | None
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    model_config = ConfigDict(from_attributes=True)
