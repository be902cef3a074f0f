"""Request and response bodies of the API (Pydantic)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from debt_coord.domain.clock import today
from debt_coord.domain.validation import check_country, check_currency, normalise_iban
from debt_coord.models import (
    CaseState,
    ClaimClass,
    ContactChannel,
    DebtType,
    OrganisationKind,
    Role,
)
from solver.models import Cents, IncomeStream, PositiveCents

Text64 = Annotated[str, Field(min_length=1, max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Iban = Annotated[str, Field(min_length=5, max_length=42), AfterValidator(normalise_iban)]
Currency = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(check_currency)]
Country = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(check_country)]


def _not_future(value: dt.date) -> dt.date:
    if value > today():
        raise ValueError("cannot be in the future")
    return value


PastDate = Annotated[dt.date, AfterValidator(_not_future)]


def _has_nul(value: Any) -> bool:
    # A loop, not recursion: a field may hold JSON nested thousands deep (that was a RecursionError, a 500).
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
    return False


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; refuse it here, with a pointer, instead of failing on write.
        if _has_nul(value):
            raise ValueError("text cannot contain NUL characters")
        return value


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# Organisations and keys

class OrganisationCreate(Body):
    name: Name
    kind: OrganisationKind
    contact_email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    contact_phone: Annotated[str, Field(max_length=40)] | None = None


class OrganisationOut(Out):
    id: uuid.UUID
    name: str
    kind: OrganisationKind
    contact_email: str | None
    contact_phone: str | None


class ApiKeyCreate(Body):
    organisation_id: uuid.UUID
    role: Role
    label: Annotated[str, Field(max_length=200)] = ""


class ApiKeyOut(Out):
    id: uuid.UUID
    organisation_id: uuid.UUID
    role: Role
    label: str
    prefix: str
    revoked_at: dt.datetime | None


class ApiKeyIssued(ApiKeyOut):
    key: str = Field(description="The key itself. Shown only now: it is stored as a hash.")


# Cases

class CaseCreate(Body):
    reference: Text64
    debtor_name: Name
    debtor_contact_channel: ContactChannel
    debtor_contact: Annotated[str, Field(max_length=320)] = ""
    currency: Currency = "EUR"
    country: Country = "NL"
    reference_date: dt.date | None = Field(
        default=None, description="The date creditors state their balance at; today if left out."
    )
    claims_deadline: dt.date | None = None

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


class IncomeIn(Body):
    streams: list[IncomeStream] = Field(max_length=50, description="Replaces all income streams.")

    @field_validator("streams")
    @classmethod
    def _unique_ids(cls, streams: list[IncomeStream]) -> list[IncomeStream]:
        ids = [s.id for s in streams]
        if len(ids) != len(set(ids)):
            raise ValueError("each income stream needs its own id")
        return streams


class IncomeOut(BaseModel):
    streams: list[IncomeStream]


# Claims

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
    balance_date: dt.date | None = Field(
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
    balance_date: dt.date | None = None

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


# Overview

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
