"""Request and response bodies for proposals, decisions, reminders, what-if, acceptance and policies."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, model_validator

from api.common import Body, Date, Out, bounds
from api.planning.schemas import ChangeOut
from debt_coord.negotiation.models import DecisionKind
from debt_coord.planning.models import PlanStatus
from solver import models as engine
from solver.models import PositiveCents, Rule, SolveStatus


class Counter(Body):
    min_payment_cents: PositiveCents | None = None
    fixed_installment_cents: PositiveCents | None = None
    latest_end_date: Date | None = None
    max_transfers: int | None = Field(default=None, **bounds(engine.ClaimIn, "max_transfers"))

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
    response_deadline: Date | None = Field(default=None, description="14 days from today if left out.")


class ReconsiderationIn(Body):
    organisation_id: uuid.UUID
    reason: Annotated[str, Field(min_length=1, max_length=4000)]


class RemindersOut(BaseModel):
    reminded: list[uuid.UUID]


class WhatIfCounter(Counter):
    organisation_id: uuid.UUID


class WhatIfIn(Body):
    counters: list[WhatIfCounter] = Field(min_length=1, max_length=100)


class WhatIfOut(BaseModel):
    solver_status: SolveStatus
    total_paid_before_cents: int
    total_paid_after_cents: int
    changes: list[ChangeOut]
    explanation: list[str]


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


class PolicyIn(Body):
    max_term_months: int | None = Field(default=None, **bounds(engine.PlanRequest, "months"))
    min_percentage_bp: int | None = Field(default=None, ge=0, le=10_000)
    min_payment_cents: PositiveCents | None = None
    rules: list[Rule] | None = Field(default=None, min_length=1)
    variation_tolerance_bp: int | None = Field(default=None, ge=0, le=10_000, description=(
        "Accept a variation of an agreed plan at once when each of your claims gets at most this much less than "
        "agreed from the variation's start (basis points: 1000 is 10%) and the plan ends no later. None: decide each "
        "variation yourself."))


class PolicyOut(Out):
    organisation_id: uuid.UUID
    max_term_months: int | None
    min_percentage_bp: int | None
    min_payment_cents: int | None
    rules: list[Rule] | None
    variation_tolerance_bp: int | None
    updated_at: dt.datetime
