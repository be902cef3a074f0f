"""Request and response bodies for plans, decisions, policies and the audit trail."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from api.cases.schemas import IncomeSchedule
from api.common import PLAN_START_YEARS, Body, Out, PlanStart, bounds
from debt_coord.planning.models import PlanStatus
from solver import models as engine
from solver.models import Cents, ClaimClass, Identifier, PositiveCents, Rule, SolveStatus


class PlanAsk(Body):
    """Ask for a new plan version; everything is optional and overrides the defaults."""

    start_date: PlanStart | None = Field(
        default=None,
        description=f"First day of the plan, within {PLAN_START_YEARS} years of today; the 1st of next month.")
    months: int | None = Field(default=None, description="The term; 18 months by default.",
                               **bounds(engine.PlanRequest, "months"))
    rule: Rule | None = None
    preferent_factor: int | None = Field(default=None, **bounds(engine.Policy, "preferent_factor"))
    min_payment_cents: Cents | None = None
    max_transfers_per_date: int | None = Field(default=None, **bounds(engine.Policy, "max_transfers_per_date"))
    payment_lag_days: int | None = Field(default=None, **bounds(engine.Policy, "payment_lag_days"))
    time_limit_seconds: float | None = Field(default=None, **bounds(engine.Policy, "time_limit_seconds"))
    apply_counters: bool | list[uuid.UUID] = Field(
        default=False, description="true: every counter on the current proposal; or the ids of the counters to apply."
    )
    respect_policies: bool = Field(default=False, description="Solve within the creditors' acceptance policies.")


class JobAccepted(BaseModel):
    id: uuid.UUID
    kind: str
    status: str
    location: str


class VariesOut(BaseModel):
    """This version varies an active plan: the rest of its term, from `start_date`, solved from the ledger."""

    plan_id: uuid.UUID
    number: int
    start_date: dt.date
    in_hand_cents: int = Field(description="Money held for the plan on the start date (put aside, or the reserve).")
    counted: dict[str, int] = Field(description="Per claim, what counts as paid before the start date: received, "
                                                "and the agreed payments still due before it.")


class DateChangeOut(BaseModel):
    date: dt.date
    agreed_cents: int
    varied_cents: int


class CreditorChangeOut(BaseModel):
    """What a variation changes for one creditor, against the agreed plan from the variation's start."""

    organisation_id: uuid.UUID
    creditor: str
    agreed_cents: int
    varied_cents: int
    change_cents: int
    cut_bp: int = Field(description="How much less than agreed, in basis points of what was agreed (0: not less).")
    agreed_end: dt.date | None
    varied_end: dt.date | None
    later: bool = Field(description="The variation pays this creditor's last payment later than agreed.")
    dates: list[DateChangeOut] = Field(description="The payment dates whose amount changes.")


class PlanSummary(Out):
    id: uuid.UUID
    case_id: uuid.UUID
    number: int
    status: PlanStatus
    solver_status: SolveStatus
    created_by: str
    created_at: dt.datetime
    proposed_at: dt.datetime | None
    response_deadline: dt.date | None
    activated_at: dt.datetime | None
    applied_counters: list[str]
    varies: VariesOut | None = None


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


class PlanClaimOut(Out):
    """A claim as the plan was asked for: its class is `class` on the wire."""

    model_config = ConfigDict(populate_by_name=True)

    id: Identifier
    creditor: str = Field(**bounds(engine.ClaimIn, "creditor"))
    outstanding_cents: PositiveCents
    claim_class: ClaimClass = Field(alias="class")
    min_payment_cents: PositiveCents | None
    fixed_installment_cents: PositiveCents | None
    max_transfers: int | None = Field(**bounds(engine.ClaimIn, "max_transfers"))
    latest_end_date: dt.date | None
    earliest_date: dt.date | None
    account: str | None = Field(default=None, description=(
        "The creditor's account the claim is paid into (its IBAN, compact). Claims of one creditor with the same "
        "account travel as one transfer on a date: the transfer limits and the plan's transfers count those "
        "transfers, while each payment says how much goes to its claim. Absent in plans made before accounts."))


class PlanPolicyOut(Out):
    rule: Rule
    preferent_factor: int = Field(**bounds(engine.Policy, "preferent_factor"))
    min_payment_cents: Cents
    max_transfers_per_date: int | None = Field(**bounds(engine.Policy, "max_transfers_per_date"))
    payment_lag_days: int = Field(**bounds(engine.Policy, "payment_lag_days"))
    holidays: str = Field(**bounds(engine.Policy, "holidays"))
    time_limit_seconds: float = Field(**bounds(engine.Policy, "time_limit_seconds"))
    seed: int = Field(**bounds(engine.Policy, "seed"))
    payout_day_of_month: int | None = Field(default=None, description=(
        "Via the counsellor: the organisation pays the creditors on the first bank day from this day of the month."))


class PlanRequestOut(Out):
    """Exactly what the engine was asked, every default filled in.

    Built with `PlanRequestOut.model_validate(request, from_attributes=True)`: the income is `IncomeSchedule`,
    the request body's model without the kind and label (the engine has neither), which takes attributes only
    when asked to.
    """

    currency: str
    start_date: dt.date
    months: int = Field(**bounds(engine.PlanRequest, "months"))
    income: list[IncomeSchedule] = Field(**bounds(engine.PlanRequest, "income"))
    claims: list[PlanClaimOut] = Field(**bounds(engine.PlanRequest, "claims"))
    policy: PlanPolicyOut


class PaymentOut(Out):
    date: dt.date
    claim_id: str
    amount_cents: PositiveCents


class ClaimResultOut(Out):
    claim_id: str
    award_cents: Cents
    paid_cents: Cents
    paid_pct: float
    one_shot_deviation_cents: int
    transfers: int = Field(description=(
        "This claim's payments; claims of one creditor paid into one account share a transfer on a date."))
    first_date: dt.date | None
    last_date: dt.date | None
    timing_deviation: float | None = Field(default=None, description=(
        "Largest gap, over the plan's dates, between this claim's share of its own total paid so far and the "
        "plan's share of its whole total paid so far (0..1; 0 for a claim paid nothing): how far the claim runs "
        "ahead of or behind the plan's pace. Null for plans made before it was reported."))


class DateResultOut(Out):
    date: dt.date
    capacity_cents: int = Field(ge=0, description="All the income available on the date.")
    used_cents: Cents
    kept_back_cents: Cents = Field(default=0, description=(
        "Of the money in hand after this date's payments, what a later payment date needs: the debtor puts it "
        "aside (0: nothing waits)."))
    kept_for: dt.date | None = Field(default=None, description="The first later date that spends it.")


class MetricsOut(Out):
    total_paid_cents: Cents
    reachable_cents: Cents
    transfers: int = Field(description=(
        "Transfers the plan makes: one per creditor account and date, so claims of one creditor paid into one "
        "account count once on a date."))
    max_share_deviation: float
    max_timing_deviation: float
    max_timing_deviation_large_awards: float | None = Field(default=None, description=(
        "The largest timing_deviation over the claims whose award is at least ten of their minimum payments "
        "(smaller claims get a few payments and cannot follow the plan's pace); 0 when there are none. Null for "
        "plans made before it was reported."))
    solve_ms: int
    gap: float
    found_by: engine.FoundBy | None = Field(default=None, description=(
        "Where the plan came from. `rotation`: the engine's first plan, which the search did not improve in its "
        "time; `search`: the search improved it but did not prove it the best (`gap` says how far it may be "
        "off); `proven`: proven the best (gap 0). Null when no plan was found (infeasible) and for plans made "
        "before it was reported."))


class ConflictOut(Out):
    items: list[str]
    message: str
    remedy: str


class ProvenanceOut(Out):
    ortools_version: str
    parameters: dict[str, str]
    seed: int
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    request_hash: str


class PlanProposalOut(Out):
    """The engine's answer in full; built from it by attribute."""

    status: SolveStatus
    payments: list[PaymentOut]
    claims: list[ClaimResultOut]
    dates: list[DateResultOut]
    metrics: MetricsOut
    explanation: list[str]
    conflicts: list[ConflictOut]
    provenance: ProvenanceOut


class PlanDetail(PlanSummary):
    """The counsellor's view: the exact request, the whole proposal, the sum per creditor and the policies."""

    request: PlanRequestOut
    proposal: PlanProposalOut
    allocations: list[AllocationOut]
    policy_checks: list[PolicyCheckOut] = Field(
        description="One entry per creditor that published an acceptance policy: met, or why not.")
    variation: list[CreditorChangeOut] | None = Field(
        default=None, description="A variation: per creditor what changes against the agreed plan.")


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
    variation: CreditorChangeOut | None = Field(
        default=None, description="A variation: what changes for you against the agreed plan.")


class ChangeOut(BaseModel):
    organisation_id: uuid.UUID
    creditor: str
    before: AllocationOut | None
    after: AllocationOut | None
    paid_change_cents: int


class CompareOut(BaseModel):
    plan_id: uuid.UUID
    other_id: uuid.UUID
    changes: list[ChangeOut]
