"""Check a proposal against its request without the solver: the plan's invariants.

``validate(request, proposal)`` returns a list of plain-language problems; empty means valid.
It recomputes every figure from the payments itself, so it also catches a proposal whose
per-claim, per-date or metric figures do not add up.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from fractions import Fraction

from solver.calendar import is_bank_day, payment_days
from solver.models import (
    LARGE_AWARD_MINIMUMS,
    ClaimIn,
    DateResult,
    FoundBy,
    Payment,
    PlanProposal,
    PlanRequest,
    SolveStatus,
    transfer_account,
)
from solver.rules import award_tolerance, awards, effective_minimum

Check = Callable[[PlanRequest, PlanProposal], list[str]]


def validate(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    """Every broken invariant, in words; an empty list means the proposal is valid."""
    unknown = _unknown_claims(request, proposal)
    if unknown:
        return unknown
    return [problem for check in CHECKS for problem in check(request, proposal)]


def _unknown_claims(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    known = {c.id for c in request.claims}
    return [
        f"payment on {p.date} is for unknown claim {p.claim_id!r}"
        for p in proposal.payments
        if p.claim_id not in known
    ]


def _by_claim(proposal: PlanProposal) -> dict[str, list[Payment]]:
    grouped: dict[str, list[Payment]] = defaultdict(list)
    for payment in sorted(proposal.payments, key=lambda p: (p.date, -p.amount_cents)):
        grouped[payment.claim_id].append(payment)
    return grouped


def check_status(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    if proposal.status != SolveStatus.INFEASIBLE:
        return []
    problems = []
    if proposal.payments:
        problems.append("an infeasible proposal must not contain payments")
    if not proposal.conflicts:
        problems.append("an infeasible proposal must name its conflicts")
    return problems


def check_capacity(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    """Money never leaves before it has come in."""
    arrivals = [(d.date, d.capacity_cents) for d in payment_days(request)]
    spending = Counter[dt.date]()
    for payment in proposal.payments:
        spending[payment.date] += payment.amount_cents
    problems = []
    available = paid = 0
    index = 0
    for day in sorted(spending):
        while index < len(arrivals) and arrivals[index][0] <= day:
            available += arrivals[index][1]
            index += 1
        paid += spending[day]
        if paid > available:
            problems.append(
                f"by {day} the plan pays {paid} cents but only {available} cents have come in"
            )
    return problems


def check_payout_days(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    """Via the counsellor, creditors are paid only on the organisation's payout days: in each month the first
    bank day on or after its payout day of the month (which a weekend or holiday may push into the next month)."""
    day_of_month = request.policy.payout_day_of_month
    if day_of_month is None:
        return []
    country = request.policy.holidays
    problems = []
    for day in sorted({p.date for p in proposal.payments}):
        this_month = day.replace(day=day_of_month)
        last_month = (this_month - dt.timedelta(days=28)).replace(day=day_of_month)
        if not any(_first_bank_day_from(first, country) == day for first in (this_month, last_month)):
            problems.append(f"{day} is not a payout day (the first bank day on or after day {day_of_month})")
    return problems


def _first_bank_day_from(first: dt.date, country: str) -> dt.date:
    day = first
    while not is_bank_day(day, country):
        day += dt.timedelta(days=1)
    return day


def _minimum(claim: ClaimIn, request: PlanRequest) -> int:
    if claim.min_payment_cents is not None:
        return claim.min_payment_cents
    return request.policy.min_payment_cents


def check_payment_sizes(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    """Minimums and fixed installments; only a last payment that clears the claim may differ."""
    grouped = _by_claim(proposal)
    problems = []
    for claim in request.claims:
        own = grouped.get(claim.id, [])
        received = 0
        for position, payment in enumerate(own):
            received += payment.amount_cents
            clears = position == len(own) - 1 and received == claim.outstanding_cents
            problems += _size_problems(claim, request, payment, clears)
    return problems


def _size_problems(
    claim: ClaimIn, request: PlanRequest, payment: Payment, clears: bool
) -> list[str]:
    amount = payment.amount_cents
    fixed = claim.fixed_installment_cents
    if fixed is not None:  # an agreed fixed installment takes the place of the minimum
        if amount == fixed or (clears and amount < fixed):
            return []
        return [f"claim {claim.id}: payment of {amount} on {payment.date} is not the fixed {fixed}"]
    minimum = _minimum(claim, request)
    if amount < minimum and not clears:
        return [
            f"claim {claim.id}: payment of {amount} on {payment.date} is below the minimum "
            f"{minimum} and does not clear the claim"
        ]
    return []


def check_transfer_limits(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    """Per date, transfers are (account, date) pairs: claims sharing an account count once; per claim, payments."""
    problems = []
    limit = request.policy.max_transfers_per_date
    account = {claim.id: transfer_account(claim) for claim in request.claims}
    per_date = Counter(day for _, day in {(account[p.claim_id], p.date) for p in proposal.payments})
    if limit is not None:
        problems += [
            f"{day}: {count} transfers, more than the limit of {limit}"
            for day, count in sorted(per_date.items())
            if count > limit
        ]
    per_claim = Counter(p.claim_id for p in proposal.payments)
    for claim in request.claims:
        if claim.max_transfers is not None and per_claim[claim.id] > claim.max_transfers:
            problems.append(
                f"claim {claim.id}: {per_claim[claim.id]} transfers, more than its limit of "
                f"{claim.max_transfers}"
            )
    return problems


def check_claim_totals(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    """Never beyond the outstanding amount; within one payment step of the rule's award."""
    paid = _paid_per_claim(proposal.payments)
    total = sum(paid.values())
    policy = request.policy
    award = awards(total, request.claims, policy.rule, policy.preferent_factor)
    problems = []
    for claim in request.claims:
        got = paid.get(claim.id, 0)
        if got > claim.outstanding_cents:
            problems.append(
                f"claim {claim.id}: paid {got}, more than its outstanding {claim.outstanding_cents}"
            )
        tolerance = award_tolerance(claim, policy)
        if abs(got - award[claim.id]) > tolerance:
            problems.append(
                f"claim {claim.id}: paid {got}, more than one payment step ({tolerance}) from "
                f"its award of {award[claim.id]}"
            )
    return problems


def check_dates(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    claims = {c.id: c for c in request.claims}
    problems = []
    for payment in proposal.payments:
        claim = claims[payment.claim_id]
        if claim.earliest_date is not None and payment.date < claim.earliest_date:
            problems.append(
                f"claim {claim.id}: payment on {payment.date} before its earliest date "
                f"{claim.earliest_date}"
            )
        if claim.latest_end_date is not None and payment.date > claim.latest_end_date:
            problems.append(
                f"claim {claim.id}: payment on {payment.date} after its latest end date "
                f"{claim.latest_end_date}"
            )
        if payment.date < request.start_date:
            problems.append(f"claim {claim.id}: payment on {payment.date} before the plan starts")
    return problems


def _paid_per_claim(payments: Sequence[Payment]) -> dict[str, int]:
    paid: dict[str, int] = defaultdict(int)
    for payment in payments:
        paid[payment.claim_id] += payment.amount_cents
    return paid


def check_claim_figures(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    """Per-claim results match the payments and the rule."""
    if [r.claim_id for r in proposal.claims] != [c.id for c in request.claims]:
        return ["claim results do not list the request's claims in order"]
    grouped = _by_claim(proposal)
    total = sum(p.amount_cents for p in proposal.payments)
    policy = request.policy
    award = awards(total, request.claims, policy.rule, policy.preferent_factor)
    problems = []
    for result in proposal.claims:
        own = grouped.get(result.claim_id, [])
        paid = sum(p.amount_cents for p in own)
        expected = {
            "paid_cents": paid,
            "award_cents": award[result.claim_id],
            "one_shot_deviation_cents": paid - award[result.claim_id],
            "transfers": len(own),
            "first_date": own[0].date if own else None,
            "last_date": own[-1].date if own else None,
        }
        problems += [
            f"claim {result.claim_id}: {name} is {getattr(result, name)}, payments say {value}"
            for name, value in expected.items()
            if getattr(result, name) != value
        ]
    return problems


def check_date_figures(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    capacity = {d.date: d.capacity_cents for d in payment_days(request)}
    used = Counter[dt.date]()
    for payment in proposal.payments:
        used[payment.date] += payment.amount_cents
    listed = {d.date: d for d in proposal.dates}
    problems = [f"{day}: payments on a date missing from dates" for day in used if day not in listed]
    for day, result in listed.items():
        if result.used_cents != used.get(day, 0):
            problems.append(f"{day}: used_cents {result.used_cents}, payments say {used.get(day, 0)}")
        if result.capacity_cents != capacity.get(day, 0):
            problems.append(
                f"{day}: capacity_cents {result.capacity_cents}, income says {capacity.get(day, 0)}"
            )
    return problems + _check_kept_back(proposal.dates)


def _check_kept_back(dates: Sequence[DateResult]) -> list[str]:
    """What a date keeps back is the largest shortfall of any run of later dates (paid beyond what came in)."""
    ordered = sorted(dates, key=lambda d: d.date)
    problems = []
    for i, result in enumerate(ordered):
        running, largest = 0, 0
        for later in ordered[i + 1:]:
            running += later.used_cents - later.capacity_cents
            largest = max(largest, running)
        if result.kept_back_cents != largest:
            problems.append(f"{result.date}: kept_back_cents {result.kept_back_cents}, later dates need {largest}")
    return problems


def check_metrics(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    metrics = proposal.metrics
    total = sum(p.amount_cents for p in proposal.payments)
    capacity = sum(d.capacity_cents for d in payment_days(request))
    reachable = min(capacity, sum(c.outstanding_cents for c in request.claims))
    accounts = {claim.id: transfer_account(claim) for claim in request.claims}
    expected = {
        "total_paid_cents": total,
        "reachable_cents": reachable,
        "transfers": len({(accounts[p.claim_id], p.date) for p in proposal.payments}),
        "moved_cents": _moved(request, proposal) if request.reference_payments else None,
    }
    problems = [
        f"metrics.{name} is {getattr(metrics, name)}, payments say {value}"
        for name, value in expected.items()
        if getattr(metrics, name) != value
    ]
    if sum(r.paid_cents for r in proposal.claims) != total:
        problems.append("claims' paid_cents do not add up to the total paid")
    if sum(d.used_cents for d in proposal.dates) != total:
        problems.append("dates' used_cents do not add up to the total paid")
    if total > reachable:
        problems.append(f"the plan pays {total}, more than the reachable {reachable}")
    return problems


TIMING_TOLERANCE = 1e-6
"""Timing figures are rounded to six decimals."""


def check_timing(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    """Each claim's timing deviation, and the largest over all claims and over the large awards, recomputed in
    exact fractions from the payments and the proposal's dates."""
    exact = _timing(request, proposal)
    problems = [
        f"claim {result.claim_id}: timing_deviation is {result.timing_deviation}, payments say "
        f"{float(exact[result.claim_id]):.6f}"
        for result in proposal.claims
        if result.timing_deviation is None or abs(result.timing_deviation - exact[result.claim_id]) > TIMING_TOLERANCE
    ]
    claims = {c.id: c for c in request.claims}
    large = [r.claim_id for r in proposal.claims
             if r.award_cents >= LARGE_AWARD_MINIMUMS * effective_minimum(claims[r.claim_id], request.policy)]
    expected = {
        "max_timing_deviation": max(exact.values(), default=Fraction(0)),
        "max_timing_deviation_large_awards": max((exact[claim_id] for claim_id in large), default=Fraction(0)),
    }
    for name, value in expected.items():
        reported = getattr(proposal.metrics, name)
        if reported is None or abs(reported - value) > TIMING_TOLERANCE:
            problems.append(f"metrics.{name} is {reported}, payments say {float(value):.6f}")
    return problems


def _timing(request: PlanRequest, proposal: PlanProposal) -> dict[str, Fraction]:
    """Per claim: max over dates of |its paid by then / its total - the plan's paid by then / the plan's total|."""
    paid = _paid_per_claim(proposal.payments)
    total = sum(paid.values())
    worst = {claim.id: Fraction(0) for claim in request.claims}
    if total == 0:
        return worst
    on_day: dict[dt.date, list[Payment]] = defaultdict(list)
    for payment in proposal.payments:
        on_day[payment.date].append(payment)
    by_then: Counter[str] = Counter()
    for day in sorted({d.date for d in proposal.dates} | set(on_day)):
        for payment in on_day.get(day, []):
            by_then[payment.claim_id] += payment.amount_cents
        plan = Fraction(sum(by_then.values()), total)
        for claim_id, own in paid.items():
            worst[claim_id] = max(worst[claim_id], abs(Fraction(by_then[claim_id], own) - plan))
    return worst


def check_found_by(request: PlanRequest, proposal: PlanProposal) -> list[str]:
    """Where the plan came from agrees with its status and gap: proven is optimal with gap 0, a plan not proven
    is feasible, and an infeasible proposal has no plan to have found."""
    found_by, status, gap = proposal.metrics.found_by, proposal.status, proposal.metrics.gap
    if status == SolveStatus.INFEASIBLE:
        return [] if found_by is None else [f"metrics.found_by is {found_by} for an infeasible proposal"]
    if found_by is None:
        return ["metrics.found_by is missing: where did the plan come from?"]
    if gap < 0:
        return [f"metrics.gap is {gap}, below 0"]
    if found_by == FoundBy.PROVEN and (status != SolveStatus.OPTIMAL or gap != 0):
        return [f"metrics.found_by is proven, but the status is {status} with gap {gap}"]
    if found_by != FoundBy.PROVEN and status != SolveStatus.FEASIBLE:
        return [f"metrics.found_by is {found_by}, but the status is {status}: an unproven plan is feasible"]
    return []


def _moved(request: PlanRequest, proposal: PlanProposal) -> int:
    agreed: Counter[tuple[str, dt.date]] = Counter()
    for payment in request.reference_payments:
        agreed[payment.claim_id, payment.date] += payment.amount_cents
    now: Counter[tuple[str, dt.date]] = Counter()
    for payment in proposal.payments:
        now[payment.claim_id, payment.date] += payment.amount_cents
    return sum(abs(agreed[key] - now[key]) for key in set(agreed) | set(now))


CHECKS: tuple[Check, ...] = (
    check_status,
    check_capacity,
    check_payout_days,
    check_payment_sizes,
    check_transfer_limits,
    check_claim_totals,
    check_dates,
    check_claim_figures,
    check_date_figures,
    check_metrics,
    check_timing,
    check_found_by,
)
