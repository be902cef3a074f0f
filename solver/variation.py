"""A variation: the rest of an agreed plan solved again, keeping as close to the agreed schedule as it can.

The request's ``reference_payments`` are the agreed plan's payments still to come. How far a schedule is from them
is the money moved: per claim and payment date the difference in cents, summed (a payment moved from one date to
another counts twice: gone here, come there; a payment made smaller counts once). The engine minimises it before
timing and transfers, and offers each claim its agreed row, fitted to its new total, as patterns of its own.

Money already in hand when the variation starts (kept back in a direct plan, the reserve via the counsellor) comes
in as a one-off income on its first day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from fractions import Fraction

from solver.models import IncomeStream, Payment, PlanRequest
from solver.patterns import Pattern, is_valid, row_pattern
from solver.problem import Problem
from solver.rules import largest_remainder

IN_HAND = "in_hand"
"""The income id of the money already in hand when a variation starts."""


def moved_cents(reference: Sequence[Payment], payments: Sequence[Payment]) -> int:
    """Cents that differ between two schedules, per claim and date, summed."""
    difference: dict[tuple[str, object], int] = defaultdict(int)
    for payment in reference:
        difference[payment.claim_id, payment.date] += payment.amount_cents
    for payment in payments:
        difference[payment.claim_id, payment.date] -= payment.amount_cents
    return sum(abs(cents) for cents in difference.values())


def reference_rows(problem: Problem) -> tuple[list[list[int]], int] | None:
    """The agreed payments per claim and payment day of this request, and the cents agreed on dates that are no
    payment day any more (they move whatever the plan does); None when the request is no variation."""
    request: PlanRequest = problem.request
    if not request.reference_payments:
        return None
    index = {day.date: t for t, day in enumerate(problem.days)}
    claims = {claim.id: i for i, claim in enumerate(request.claims)}
    rows = [[0] * problem.n_days for _ in request.claims]
    stranded = 0
    for payment in request.reference_payments:
        t, i = index.get(payment.date), claims.get(payment.claim_id)
        if t is None or i is None:
            stranded += payment.amount_cents
        else:
            rows[i][t] += payment.amount_cents
    return rows, stranded


def least_moved(problem: Problem) -> int:
    """A lower bound on the money a variation moves: per claim, how far its new total is from what was agreed,
    plus whatever was agreed on dates that are no payment days any more."""
    agreed = reference_rows(problem)
    if agreed is None:
        return 0
    rows, stranded = agreed
    return stranded + sum(abs(sum(row) - award) for row, award in zip(rows, problem.awards, strict=True))


def pattern_moved(pattern: Pattern, row: Sequence[int]) -> int:
    """Cents between a pattern and the claim's agreed row."""
    amounts = dict(zip(pattern.days, pattern.amounts, strict=True))
    days = set(amounts) | {t for t, cents in enumerate(row) if cents}
    return sum(abs(amounts.get(t, 0) - row[t]) for t in days)


def fitted_patterns(problem: Problem, i: int, total: int, row: Sequence[int]) -> list[Pattern]:
    """The agreed row of claim i changed as little as it can be to pay ``total``, two ways: every payment scaled
    by the same factor (keeps each date's share, so it fits where all income fell alike), and the last payments
    cut or the last raised (keeps the early dates). Those that break the claim's own limits (its minimum, a fixed
    installment, its window) are left out."""
    rows = [_scaled(problem.minimums[i], total, row), _from_the_end(problem.minimums[i], total, row)]
    found: list[Pattern] = []
    for fitted in rows:
        if fitted is None:
            continue
        pattern = row_pattern(problem, i, fitted)
        if sum(pattern.amounts) == total and is_valid(problem, pattern) and pattern not in found:
            found.append(pattern)
    return found


def _scaled(minimum: int, total: int, row: Sequence[int]) -> list[int] | None:
    agreed = sum(row)
    if agreed == 0 or total == 0:
        return None
    scaled = largest_remainder([Fraction(cents * total, agreed) for cents in row], total)
    for t, cents in enumerate(scaled):  # a payment fallen below the minimum joins the next (or the one before)
        if 0 < cents < minimum:
            later = next((u for u in range(t + 1, len(scaled)) if scaled[u]), None)
            earlier = next((u for u in reversed(range(t)) if scaled[u]), None)
            into = later if later is not None else earlier
            if into is None:
                return None
            scaled[into] += cents
            scaled[t] = 0
    return scaled


def _from_the_end(minimum: int, total: int, row: Sequence[int]) -> list[int] | None:
    fitted = list(row)
    excess = sum(fitted) - total
    for t in reversed(range(len(fitted))):
        if excess <= 0:
            break
        cut = min(excess, fitted[t])
        if fitted[t] - cut < minimum:
            cut = fitted[t]  # a payment below the minimum goes altogether; the rest is added back below
        fitted[t] -= cut
        excess -= cut
    if excess < 0:
        paid = [t for t, cents in enumerate(fitted) if cents]
        if not paid:
            return None
        fitted[paid[-1]] -= excess
    return fitted


def vary(request: PlanRequest, agreed: Sequence[Payment], *, start: dt.date, received: Mapping[str, int],
         in_hand_cents: int = 0) -> PlanRequest:
    """The request for the rest of an agreed plan from ``start`` (a later start of a month of the term, the same day
    of the month as the plan's start), as things stand: each claim owes what it did minus what it ``received``
    (claims paid in full drop out), the money the debtor already holds for the plan (``in_hand_cents``: kept back
    in a direct plan, the reserve via the counsellor) comes in on ``start``, and the agreed payments from ``start``
    on are the reference. Change the income or the claims of the result for the variation itself."""
    months = (start.year - request.start_date.year) * 12 + start.month - request.start_date.month
    if start.day != request.start_date.day or not 0 < months < request.months:
        raise ValueError(f"a variation starts on a later start of a month of the term, not on {start.isoformat()}")
    claims = [claim.model_copy(update={"outstanding_cents": claim.outstanding_cents - received.get(claim.id, 0),
                                       "received_cents": claim.received_cents + received.get(claim.id, 0)})
              for claim in request.claims if claim.outstanding_cents > received.get(claim.id, 0)]
    if not claims:
        raise ValueError("every claim is paid in full: there is nothing left to vary")
    kept = {claim.id for claim in claims}
    income = list(request.income)
    if in_hand_cents:
        income.append(IncomeStream(id=IN_HAND, amount_cents=in_hand_cents, available_cents=in_hand_cents,
                                   dates=[start]))
    return PlanRequest.model_validate({
        **request.model_dump(by_alias=True), "start_date": start, "months": request.months - months,
        "claims": [c.model_dump(by_alias=True) for c in claims], "income": [i.model_dump() for i in income],
        "reference_payments": [p.model_dump() for p in agreed if p.date >= start and p.claim_id in kept]})
