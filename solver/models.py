"""The planning contract: PlanRequest in, PlanProposal out.

Plain Pydantic models, no framework or database types, so the service, the CLI and the
benchmark all speak the same JSON. Money is integer cents throughout.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Protocol, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

LARGE_AWARD_MINIMUMS = 10
"""A claim's award is large when it is at least this many of its minimum payments (issue 14's measure of timing)."""
MAX_CENTS = 10**11  # one billion euro: far above any household debt, far below int64 trouble
LATEST_TERM_END = dt.date(9900, 1, 1)
"""A term ends by this day: after it come a month of income dates, the payment lag and bank holidays, all dates."""


def whole_cents(value: object) -> object:
    """Money is a JSON integer of cents: no strings, no fractions, no booleans.

    A validator rather than `strict=True`, because callers such as Litestar validate with
    strict=False, which overrides field-level strictness.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number of cents (a JSON integer, e.g. 12345 for 123.45)")
    return value


Cents = Annotated[int, BeforeValidator(whole_cents), Field(ge=0, le=MAX_CENTS)]
PositiveCents = Annotated[int, BeforeValidator(whole_cents), Field(gt=0, le=MAX_CENTS)]
Identifier = Annotated[str, Field(min_length=1, max_length=64)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Rule(StrEnum):
    PROPORTIONAL = "proportional"
    CONSTRAINED_EQUAL_AWARDS = "constrained_equal_awards"
    CONSTRAINED_EQUAL_LOSSES = "constrained_equal_losses"
    TALMUD = "talmud"


class ClaimClass(StrEnum):
    CONCURRENT = "concurrent"
    PREFERENT = "preferent"


class ScheduleFields(Protocol):
    @property
    def day_of_month(self) -> int | None: ...
    @property
    def every_weeks(self) -> int | None: ...
    @property
    def first_date(self) -> dt.date | None: ...
    @property
    def dates(self) -> list[dt.date] | None: ...
    @property
    def amount_cents(self) -> int: ...
    @property
    def available_cents(self) -> int: ...


def schedule_problem(stream: ScheduleFields) -> str | None:
    """What is wrong with an income's schedule (exactly one of day_of_month, every_weeks, dates), or None."""
    chosen = [stream.day_of_month is not None, stream.every_weeks is not None, stream.dates is not None]
    if sum(chosen) != 1:
        return "give exactly one of day_of_month, every_weeks or dates"
    if (stream.every_weeks is not None) != (stream.first_date is not None):
        return "every_weeks needs first_date, and first_date needs every_weeks"
    if stream.available_cents > stream.amount_cents:
        return "available_cents cannot exceed amount_cents"
    return None


class IncomeStream(_Frozen):
    """A recurring or one-off income. Exactly one schedule: day_of_month, every_weeks, dates."""

    id: Identifier
    amount_cents: Cents
    available_cents: Cents
    day_of_month: int | None = Field(default=None, ge=1, le=31)
    every_weeks: int | None = Field(default=None, ge=1, le=52)
    first_date: dt.date | None = None
    dates: list[dt.date] | None = Field(default=None, min_length=1, max_length=400)

    @model_validator(mode="after")
    def _one_schedule(self) -> Self:
        if problem := schedule_problem(self):
            raise ValueError(problem)
        return self


class ClaimIn(_Frozen):
    id: Identifier
    creditor: Annotated[str, Field(min_length=1, max_length=200)]
    outstanding_cents: PositiveCents
    claim_class: ClaimClass = Field(default=ClaimClass.CONCURRENT, alias="class")
    min_payment_cents: PositiveCents | None = None
    fixed_installment_cents: PositiveCents | None = None
    max_transfers: int | None = Field(default=None, ge=1, le=1000)
    latest_end_date: dt.date | None = None
    earliest_date: dt.date | None = None
    received_cents: Cents = 0
    """In a variation: what the claim received under the plan being varied. The rule then shares the whole plan
    (received + what this plan pays) and this plan pays only the rest; `outstanding_cents` is what is still owed."""
    account: Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S")] | None = None
    """The creditor's account the claim is paid into (e.g. its IBAN, compact). Claims of one creditor (the same
    ``creditor``) with the same account, such as its fines or dossiers, travel as one transfer on a date:
    ``max_transfers_per_date`` and the plan's number of transfers count such transfers, and each payment still says
    how much of its transfer goes to its claim. A claim's own ``max_transfers`` counts its own payments. None: the
    claim is paid on its own, as is a claim whose account no other claim of its creditor has."""


def transfer_account(claim: ClaimIn) -> tuple[str, ...]:
    """What one transfer goes to: the creditor's account, or the claim alone when it has none."""
    return ("account", claim.creditor, claim.account) if claim.account is not None else ("claim", claim.id)


class Policy(_Frozen):
    rule: Rule = Rule.PROPORTIONAL
    preferent_factor: int = Field(default=2, ge=1, le=10)
    min_payment_cents: Cents = 1000
    max_transfers_per_date: int | None = Field(default=6, ge=1, le=1000)
    payment_lag_days: int = Field(default=1, ge=0, le=31)
    payout_day_of_month: int | None = Field(default=None, ge=1, le=28)
    """Set when the debtor pays the counselling organisation, which pays the creditors (`via_counsellor`): payments
    then fall only on its payout days (the first bank day on or after this day of each month), from the money that
    came in before that day. None: the debtor pays the creditors directly on the days the money comes in."""
    holidays: Annotated[str, Field(min_length=2, max_length=3)] = "NL"
    time_limit_seconds: float = Field(default=10.0, gt=0, le=600)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class Payment(_Frozen):
    date: dt.date
    claim_id: str
    amount_cents: PositiveCents


class PlanRequest(_Frozen):
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    start_date: dt.date
    months: int = Field(default=18, ge=1, le=120)
    income: list[IncomeStream] = Field(default_factory=list, max_length=50)
    claims: list[ClaimIn] = Field(min_length=1, max_length=500)
    policy: Policy = Field(default_factory=Policy)
    reference_payments: list[Payment] = Field(default_factory=list, max_length=20_000)
    """A variation: the agreed plan's payments still to come. The plan keeps as close to them as it can (the least
    money moved between dates and claims) before it looks at timing and transfers."""

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        for kind, ids in (("claim", [c.id for c in self.claims]), ("income", [i.id for i in self.income])):
            seen: set[str] = set()
            for item in ids:
                if item in seen:
                    raise ValueError(f"{kind} id {item!r} appears twice")
                seen.add(item)
        claims = {c.id for c in self.claims}
        if unknown := sorted({p.claim_id for p in self.reference_payments} - claims):
            raise ValueError(f"reference payments name claims the request does not have: {', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _within_reckoning(self) -> Self:
        # Every total the plan reports (paid, reachable, per date) is at most what the claims owe together.
        if sum(c.outstanding_cents for c in self.claims) > MAX_CENTS:
            raise ValueError(f"the claims together owe more than one plan can hold ({MAX_CENTS} cents)")
        if self.start_date > LATEST_TERM_END or self.end_date > LATEST_TERM_END:  # the start first: no overflow
            raise ValueError(f"the term must end by {LATEST_TERM_END.isoformat()}: the calendar needs room after it")
        return self

    @property
    def end_date(self) -> dt.date:
        """First day after the term: income on or after this date is outside the plan."""
        from dateutil.relativedelta import relativedelta

        end: dt.date = self.start_date + relativedelta(months=self.months)
        return end


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    """A plan that meets every rule, found within the limit but not proven the best."""
    INFEASIBLE = "infeasible"


class FoundBy(StrEnum):
    """Where a plan came from: the engine answers at once with a first plan and improves it while its budget lasts
    (anytime), so a counsellor sees whether a search changed or proved anything."""

    ROTATION = "rotation"
    """The engine's first plan, built before CP-SAT (the backwards rotation, or the greedy choice where it does not
    fit, polished by a local search; in a variation the agreed plan fitted): CP-SAT found nothing better in time."""
    SEARCH = "search"
    """CP-SAT improved the first plan but did not prove the result the best; ``gap`` says how far it may be off."""
    PROVEN = "proven"
    """Proven the best (status optimal, gap 0); a zero offer too."""
    BASELINE = "baseline"
    """The monthly pro-rata spreadsheet of ``solver.baseline``: a comparison, not the engine's plan."""


class ClaimResult(_Frozen):
    claim_id: str
    award_cents: Cents
    """What the rule awards this claim out of the plan's total paid."""
    paid_cents: Cents
    paid_pct: float
    """paid_cents / outstanding_cents * 100, for display; the cents are the truth."""
    one_shot_deviation_cents: int
    """paid_cents minus the award in one shot: how far the schedule is from treating it equally."""
    transfers: int
    """This claim's payments; claims sharing an account share the transfers (``Metrics.transfers``)."""
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    timing_deviation: float | None = None
    """Largest gap, over the plan's dates, between this claim's cumulative share of its own total and the plan's
    cumulative share of the whole (0..1; 0 for a claim paid nothing). None in proposals made before it."""


class DateResult(_Frozen):
    date: dt.date
    capacity_cents: Annotated[int, Field(ge=0)]
    """All the income available on the date: several streams together may exceed what one claim may owe."""
    used_cents: Cents
    kept_back_cents: Cents = 0
    """Of the money in hand after this date's payments, what a later payment date needs: the debtor must put it
    aside (0 when every later date's payments fit in what comes in by then)."""
    kept_for: dt.date | None = None
    """The first later payment date that pays out more than comes in on it, and so spends what was put aside."""


class Metrics(_Frozen):
    total_paid_cents: Cents
    reachable_cents: Cents
    """What the capacity could pay at most: min(total available income, total debt)."""
    transfers: int
    """Transfers the debtor makes: (account, date) pairs, so claims sharing an account (``ClaimIn.account``) count
    once on a date; without shared accounts, the number of payments."""
    max_share_deviation: float
    """Largest |paid - award| over claims, as a fraction of the claim's award (0 when exact)."""
    max_timing_deviation: float
    """Largest gap, at any payment date, between a claim's cumulative share of its own total
    and the plan's cumulative share of the whole (0..1)."""
    max_timing_deviation_large_awards: float | None = None
    """``max_timing_deviation`` over the claims whose award is at least ten minimum payments
    (``LARGE_AWARD_MINIMUMS``): the claims a level schedule can pay on time; smaller ones get a few payments and
    cannot follow the plan's pace. 0 when there are none; None in proposals made before it."""
    solve_ms: int
    gap: float
    found_by: FoundBy | None = None
    """Where the plan came from (``FoundBy``); None for an infeasible proposal (no plan) and in proposals made
    before it."""
    moved_cents: Cents | None = None
    """A variation only: the cents that differ from the agreed payments still to come, per claim and date, summed
    (solver.variation.moved_cents); None for a plan that varies nothing."""


Fact = int | float | str
"""One fact of a note: money in integer cents, a date as an ISO string, a count, a name or an identifier."""


class Note(_Frozen):
    """One sentence of the engine's explanation as a key and its facts, so each language can word it
    (solver.wording has the keys and the English; a fact's name says how to format it)."""

    key: str
    facts: dict[str, Fact] = Field(default_factory=dict)
    parts: list[Note] = Field(default_factory=list)
    """Notes said inside this one, in order: the limits of a conflict, the remedies that would each help."""


class Conflict(_Frozen):
    items: list[str]
    """Request items that cannot hold together, e.g. ["claims[c001].min_payment_cents", ...]."""
    message: str
    remedy: str
    note: Note | None = None
    """``message`` as a note; its parts are the limits that cannot hold together, one per item.
    None in proposals made before notes."""
    remedy_note: Note | None = None
    """``remedy`` as a note; its parts are what would have to give, one per item."""


class Provenance(_Frozen):
    ortools_version: str
    parameters: dict[str, str]
    seed: int
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    request_hash: str


class PlanProposal(_Frozen):
    status: SolveStatus
    payments: list[Payment]
    claims: list[ClaimResult]
    dates: list[DateResult]
    metrics: Metrics
    explanation: list[str]
    """The explanation in English sentences, for API clients; the same as ``notes`` said by solver.wording."""
    conflicts: list[Conflict] = Field(default_factory=list)
    provenance: Provenance
    notes: list[Note] = Field(default_factory=list)
    """One note per sentence of ``explanation``, in the same order (empty in proposals made before notes)."""
