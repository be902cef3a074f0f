"""The monthly pro-rata spreadsheet Dutch debt counsellors use today: the baseline to beat.

Each calendar month, the income available in that month (the capacity of its payment days)
is paid out on one date, the month's last payment day, split pro rata (pondspondsgewijs)
over the claims: each claim's weight is its amount as registered, preferent claims
`preferent_factor` times, so a preferent creditor gets twice the percentage every month.
Nobody gets more than it still owes; what a paid-off claim cannot take is shared over the
others in the same proportion. There are no minimum payments, transfer limits or per-claim
dates, so a small creditor gets a few cents every month. Cents are rounded by largest
remainder, so every month's payments add up to exactly what was available (or to what was
still owed).

The weights stay those of the registered claims, as in the spreadsheet, rather than what
is left of them: weighting what is left would shrink the preferent creditors' advantage
month by month (over 18 months at 5% a month they would end at 1.4 times the percentage,
not 2), which is neither the practice nor the rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from fractions import Fraction
from itertools import groupby

from solver.calendar import PaymentDay, payment_days
from solver.metrics import build_proposal, request_hash
from solver.models import ClaimClass, FoundBy, Payment, PlanProposal, PlanRequest, Provenance, Rule, SolveStatus
from solver.rules import largest_remainder, water_fill

BASELINE_METHOD = "monthly_pro_rata"


def monthly_pro_rata(request: PlanRequest) -> PlanProposal:
    """The spreadsheet's plan for this request, as a proposal the validator can judge."""
    return build_proposal(
        request,
        monthly_pro_rata_payments(request),
        status=SolveStatus.FEASIBLE,
        provenance=_provenance(request),
        explanation=_explanation(request),
        found_by=FoundBy.BASELINE,
    )


def monthly_pro_rata_payments(request: PlanRequest) -> list[Payment]:
    """The spreadsheet's payments: one date a month, every open claim its pro-rata cents."""
    remaining = {claim.id: claim.outstanding_cents for claim in request.claims}
    payments: list[Payment] = []
    for pay_date, budget in monthly_budgets(payment_days(request)):
        for claim_id, cents in month_split(request, remaining, budget).items():
            payments.append(Payment(date=pay_date, claim_id=claim_id, amount_cents=cents))
            remaining[claim_id] -= cents
    return payments


def monthly_budgets(days: Iterable[PaymentDay]) -> list[tuple[dt.date, int]]:
    """Per calendar month: its last payment date and the capacity of all its payment days."""
    budgets = []
    for _, month in groupby(days, key=lambda day: (day.date.year, day.date.month)):
        month_days = list(month)
        budgets.append((month_days[-1].date, sum(day.capacity_cents for day in month_days)))
    return budgets


def month_split(
    request: PlanRequest, remaining: Mapping[str, int], budget_cents: int
) -> dict[str, int]:
    """One month's budget pro rata on the claims as registered (preferent weighted), nobody
    above what it still owes, in whole cents adding up to min(budget, still owed)."""
    factor = request.policy.preferent_factor
    weights = [
        Fraction(c.outstanding_cents * (factor if c.claim_class is ClaimClass.PREFERENT else 1))
        for c in request.claims
    ]
    owed = [Fraction(remaining[claim.id]) for claim in request.claims]
    total = min(budget_cents, sum(remaining[claim.id] for claim in request.claims))
    cents = largest_remainder(water_fill(Fraction(total), owed, weights), total)
    return {c.id: amount for c, amount in zip(request.claims, cents, strict=True) if amount > 0}


def _provenance(request: PlanRequest) -> Provenance:
    return Provenance(
        ortools_version="not used",
        parameters={"method": BASELINE_METHOD, "rule": Rule.PROPORTIONAL.value},
        seed=0,
        status=SolveStatus.FEASIBLE,
        objective=None,
        bound=None,
        gap=None,
        request_hash=request_hash(request),
    )


def _explanation(request: PlanRequest) -> list[str]:
    factor = request.policy.preferent_factor
    return [
        "Baseline: the monthly pro-rata spreadsheet, not a solver plan.",
        "Each month the income available that month is paid on the month's last payment date, "
        "split pro rata over the claims as registered"
        + (f", preferent claims weighing {factor} times" if factor != 1 else "")
        + ", never more than a claim still owes.",
        "It ignores minimum payments, transfer limits and per-claim dates, "
        "so small claims get small payments every month.",
    ]
