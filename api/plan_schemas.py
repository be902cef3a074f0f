"""Request and response bodies for plans, decisions, policies and the audit trail."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas import Body, Out
from debt_coord.models import DecisionKind, PlanStatus
from solver.models import Cents, PlanProposal, PlanRequest, PositiveCents, Rule


class PlanAsk(Body):
    """Ask for a new plan version; everything is optional and overrides the defaults."""

    start_date: dt.date | None = Field(default=None, description="First day of the plan; the 1st of next month.")
    months: int | None = Field(default=None, ge=1, le=120, description="The term; 18 months by default.")
    rule: Rule | None = None
    preferent_factor: int | None = Field(default=None, ge=1, le=10)
    min_payment_cents: Cents | None = None
    max_transfers_per_date: int | None = Field(default=None, ge=1, le=1000)
    payment_lag_days: int | None = Field(default=None, ge=0, le=31)
    time_limit_seconds: float | None = Field(default=None, gt=0, le=600)
    apply_counters: bool | list[uuid.UUID] = Field(
        default=False, description="true: every counter on the current proposal; or the ids of the counters to apply."
    )
    respect_policies: bool = Field(default=False, description="Solve within the creditors' acceptance policies.")


class JobAccepted(BaseModel):
    id: uuid.UUID
    kind: str
    status: str
    location: str


class PlanSummary(Out):
    id: uuid.UUID
    case_id: uuid.UUID
    number: int
    status: PlanStatus
    solver_status: str
    created_by: str
    created_at: dt.datetime
    proposed_at: dt.datetime | None
    response_deadline: dt.date | None
    activated_at: dt.datetime | None
    applied_counters: list[str]


class AllocationOut(BaseModel):
    organisation_id: uuid.UUID
    creditor: str
    claim_classes: list[str]
    outstanding_cents: int
    award_cents: int
    paid_cents: int
    paid_bp: int = Field(description="Paid as a part of what is owed, in basis points.")
    share_bp: int = Field(description="Share of everything the plan pays, in basis points.")
    payments: int
    first_date: dt.date | None
    last_date: dt.date | None


class PolicyCheckOut(BaseModel):
    organisation_id: uuid.UUID
    creditor: str
    met: bool = Field(description="The version meets the creditor's published acceptance policy.")
    blocking: bool = Field(description="This policy stands in the way of agreement.")
    reasons: list[str]


class PlanDetail(PlanSummary):
    """The counsellor's view: the exact request, the whole proposal, the sum per creditor and the policies."""

    request: PlanRequest
    proposal: PlanProposal
    allocations: list[AllocationOut]
    policy_checks: list[PolicyCheckOut] = Field(
        description="One entry per creditor that published an acceptance policy: met, or why not.")


class InstallmentOut(BaseModel):
    date: dt.date
    claim_id: uuid.UUID
    amount_cents: int


class CreditorPlanView(PlanSummary):
    """What a creditor in the settlement may see: its own allocation in full, everyone's totals, no one's details."""

    currency: str
    term_months: int
    start_date: dt.date
    rule: Rule
    capacity_cents: int
    total_paid_cents: int
    own: AllocationOut
    installments: list[InstallmentOut]
    creditors: list[AllocationOut]
    explanation: list[str]


class Counter(Body):
    min_payment_cents: PositiveCents | None = None
    fixed_installment_cents: PositiveCents | None = None
    latest_end_date: dt.date | None = None
    max_transfers: int | None = Field(default=None, ge=1, le=1000)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not any(v is not None for v in self.model_dump().values()):
            raise ValueError("a counter-proposal needs at least one constraint")
        return self


class DecisionIn(Body):
    plan_version: int = Field(ge=1, description="The version number you decide on; must be the current proposal.")
    decision: DecisionKind
    reason: Annotated[str, Field(max_length=4000)] = ""
    counter: Counter | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.decision is DecisionKind.REJECT and not self.reason.strip():
            raise ValueError("a rejection needs a reason")
        if (self.decision is DecisionKind.COUNTER) != (self.counter is not None):
            raise ValueError("give a counter exactly when the decision is counter")
        return self


class DecisionOut(Out):
    id: uuid.UUID
    plan_version_id: uuid.UUID
    organisation_id: uuid.UUID
    kind: DecisionKind
    reason: str
    counter: dict[str, Any] | None
    automatic: bool
    updated_at: dt.datetime


class ProposeIn(Body):
    response_deadline: dt.date | None = Field(default=None, description="14 days from today if left out.")


class ReconsiderationIn(Body):
    organisation_id: uuid.UUID
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


class RemindersOut(BaseModel):
    reminded: list[uuid.UUID]


class WhatIfCounter(Counter):
    organisation_id: uuid.UUID


class WhatIfIn(Body):
    counters: list[WhatIfCounter] = Field(min_length=1, max_length=100)


class ChangeOut(BaseModel):
    organisation_id: uuid.UUID
    creditor: str
    before: AllocationOut | None
    after: AllocationOut | None
    paid_change_cents: int


class WhatIfOut(BaseModel):
    solver_status: str
    total_paid_before_cents: int
    total_paid_after_cents: int
    changes: list[ChangeOut]
    explanation: list[str]


class CompareOut(BaseModel):
    plan_id: uuid.UUID
    other_id: uuid.UUID
    changes: list[ChangeOut]


class RefusalOut(BaseModel):
    organisation_id: uuid.UUID
    creditor: str
    answer: str
    reason: str
    share_of_debt_bp: int
    stands_alone: bool
    under_plan_cents: int
    without_plan_cents: int
    without_plan_basis: str


class AcceptanceOut(BaseModel):
    plan_id: uuid.UUID
    number: int
    status: PlanStatus
    agreed: bool
    creditors: int
    counts: dict[str, int]
    value_cents: dict[str, int]
    accepted_value_bp: int
    refusals: list[RefusalOut]
    documentation: str


class CaseClose(Body):
    state: Literal["completed", "failed", "withdrawn"]
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


class PolicyIn(Body):
    max_term_months: int | None = Field(default=None, ge=1, le=120)
    min_percentage_bp: int | None = Field(default=None, ge=0, le=10_000)
    min_payment_cents: PositiveCents | None = None
    rules: list[Rule] | None = Field(default=None, min_length=1)


class PolicyOut(Out):
    organisation_id: uuid.UUID
    max_term_months: int | None
    min_percentage_bp: int | None
    min_payment_cents: int | None
    rules: list[Rule] | None
    updated_at: dt.datetime


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
