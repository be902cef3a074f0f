"""Turn a list of payments into a full PlanProposal: per claim, per date, metrics.

``build_proposal`` is the one place where figures are derived from payments, so the CP-SAT
engine and the monthly pro-rata baseline report the same numbers in the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import version
from typing import Any

from solver.calendar import payment_days
from solver.models import (
    LARGE_AWARD_MINIMUMS,
    ClaimIn,
    ClaimResult,
    Conflict,
    DateResult,
    FoundBy,
    Metrics,
    Note,
    Payment,
    PlanProposal,
    PlanRequest,
    Provenance,
    SolveStatus,
    transfer_account,
)
from solver.rules import awards, effective_minimum
from solver.variation import moved_cents
from solver.wording import english


def build_proposal(
    request: PlanRequest,
    payments: Iterable[Payment],
    *,
    status: SolveStatus,
    provenance: Provenance,
    explanation: Sequence[str] | None = None,
    notes: Sequence[Note] = (),
    conflicts: Sequence[Conflict] = (),
    solve_ms: int = 0,
    gap: float = 0.0,
    found_by: FoundBy | None = None,
) -> PlanProposal:
    """Assemble a PlanProposal whose claims, dates and metrics are computed from ``payments``.

    - ``award_cents`` is what the policy's rule awards each claim out of the total actually
      paid; ``one_shot_deviation_cents`` is paid minus that award.
    - ``dates`` lists every payment day of the request (capacity from the calendar) plus
      any other date that carries a payment (capacity 0 there).
    - Payments are sorted by date, then by the claim's position in the request.
    - ``timing_deviation`` per claim and the metrics' maxima over all claims and over the large awards come from
      ``timing_deviations``.
    - ``metrics.transfers`` counts (account, date) pairs (``count_transfers``); a claim's ``transfers`` its own
      payments.
    - ``solve_ms``, ``gap`` and ``found_by`` are copied into the metrics as given.
    - ``explanation`` defaults to the ``notes`` said in English.
    """
    order = {claim.id: position for position, claim in enumerate(request.claims)}
    ordered = sorted(payments, key=lambda p: (p.date, order.get(p.claim_id, len(order))))
    total_paid = sum(p.amount_cents for p in ordered)
    award_by_claim = awards(
        total_paid, request.claims, request.policy.rule, request.policy.preferent_factor
    )
    dates = date_results(request, ordered)
    timing = timing_deviations(request.claims, ordered, [d.date for d in dates])
    claims = [_claim_result(c, ordered, award_by_claim[c.id], timing[c.id]) for c in request.claims]
    large = [r.claim_id for c, r in zip(request.claims, claims, strict=True) if is_large_award(request, c, r)]
    say = english(request.currency)
    metrics = Metrics(
        total_paid_cents=total_paid,
        reachable_cents=reachable_cents(request),
        transfers=count_transfers(request, ordered),
        max_share_deviation=max_share_deviation(claims),
        max_timing_deviation=max(timing.values(), default=0.0),
        max_timing_deviation_large_awards=max((timing[claim_id] for claim_id in large), default=0.0),
        solve_ms=solve_ms,
        gap=gap,
        found_by=found_by,
        moved_cents=moved_cents(request.reference_payments, ordered) if request.reference_payments else None,
    )
    return PlanProposal(
        status=status,
        payments=ordered,
        claims=claims,
        dates=dates,
        metrics=metrics,
        explanation=list(explanation) if explanation is not None else [say(note) for note in notes],
        conflicts=list(conflicts),
        provenance=provenance,
        notes=list(notes),
    )


def count_transfers(request: PlanRequest, payments: Iterable[Payment]) -> int:
    """The transfers the payments make: one per (account, date), so claims sharing an account count once a date."""
    account = {claim.id: transfer_account(claim) for claim in request.claims}
    return len({(account.get(p.claim_id, ("claim", p.claim_id)), p.date) for p in payments})


def reachable_cents(request: PlanRequest) -> int:
    """What the capacity could pay at most: min(total available income, total debt)."""
    capacity = sum(day.capacity_cents for day in payment_days(request))
    return min(capacity, sum(c.outstanding_cents for c in request.claims))


def date_results(request: PlanRequest, payments: Sequence[Payment]) -> list[DateResult]:
    capacity = {day.date: day.capacity_cents for day in payment_days(request)}
    used: dict[dt.date, int] = defaultdict(int)
    for payment in payments:
        used[payment.date] += payment.amount_cents
    every_date = sorted(set(capacity) | set(used))
    flows = [(day, capacity.get(day, 0), used.get(day, 0)) for day in every_date]
    kept = kept_back(flows)
    return [
        DateResult(date=day, capacity_cents=came_in, used_cents=paid, kept_back_cents=kept[day][0],
                   kept_for=kept[day][1])
        for day, came_in, paid in flows
    ]


def kept_back(flows: Sequence[tuple[dt.date, int, int]]) -> dict[dt.date, tuple[int, dt.date | None]]:
    """Per date (date, money in, money paid, in date order): what must stay aside after it for later dates that pay
    more than comes in on them, and the first such date. From the last date back: what a date needs from before
    it is what it pays beyond what comes in on it, plus what the dates after it need (never below nothing)."""
    result: dict[dt.date, tuple[int, dt.date | None]] = {}
    needed, first_short = 0, None
    for day, came_in, paid in reversed(flows):
        result[day] = (needed, first_short if needed else None)
        needed = max(0, paid - came_in + needed)
        if paid > came_in:
            first_short = day
    return result


def _claim_result(claim: ClaimIn, payments: Sequence[Payment], award_cents: int, timing: float) -> ClaimResult:
    own = [p for p in payments if p.claim_id == claim.id]
    paid = sum(p.amount_cents for p in own)
    return ClaimResult(
        claim_id=claim.id,
        award_cents=award_cents,
        paid_cents=paid,
        paid_pct=round(100 * paid / claim.outstanding_cents, 4),
        one_shot_deviation_cents=paid - award_cents,
        transfers=len(own),
        first_date=own[0].date if own else None,
        last_date=own[-1].date if own else None,
        timing_deviation=timing,
    )


def is_large_award(request: PlanRequest, claim: ClaimIn, result: ClaimResult) -> bool:
    """The award is at least ``LARGE_AWARD_MINIMUMS`` of the claim's minimum payments."""
    return result.award_cents >= LARGE_AWARD_MINIMUMS * effective_minimum(claim, request.policy)


def max_share_deviation(claims: Sequence[ClaimResult]) -> float:
    """Largest |paid - award| / award; a claim paid without any award counts as 1."""
    worst = 0.0
    for claim in claims:
        if claim.award_cents > 0:
            worst = max(worst, abs(claim.one_shot_deviation_cents) / claim.award_cents)
        elif claim.paid_cents > 0:
            worst = max(worst, 1.0)
    return round(worst, 6)


def timing_deviations(
    claims: Sequence[ClaimIn], payments: Sequence[Payment], dates: Sequence[dt.date]
) -> dict[str, float]:
    """Per claim, the largest gap at any date between its cumulative share of its own total and
    the plan's cumulative share of the whole (0 for a claim paid nothing), rounded to 6 decimals.

    How the engine's timing objective relates to it. The engine (``solver.patterns``) measures
    each claim i against its share of the money *arrived*: d_i = max_t |c_i(t) - A(t)|, where
    c_i(t) is what i has received by day t over its total Q_i and A(t) = min(capacity by t, R) / R;
    it minimises the sum of the d_i in whole percent rounded up (so d_i <= its percent / 100).
    This measure uses the plan's own pace instead: m_i = max_t |c_i(t) - P(t)| with P(t) the
    plan's cumulative paid over its total. They are not the same, but d bounds m:

      P(t) = sum_j Q_j c_j(t) / sum_j Q_j, a weighted mean of the claims' shares, so
      |P(t) - A(t)| <= sum_j w_j |c_j(t) - A(t)| <= sum_j w_j d_j (w_j = Q_j / sum Q), and
      m_i <= d_i + sum_j w_j d_j <= 2 max_j d_j <= 2/100 * (the timing objective).

    This holds for claims without dates of their own (earliest or latest date); a claim with a
    window is measured by the engine against the arrivals inside it, which adds the gap between
    the two targets. The converse does not hold: m does not bound d. A plan that pays every claim
    together, late, has m = 0 and a large d (two claims of 100, 100 arriving on each of two
    days, both paid in full on the second: m = 0, d = 0.5 each); and the engine minimises the
    sum of the d_i, not their largest, so one claim may be far off where the others gain more.
    Measured on the bench cases: bench/README.md, solver section."""
    total = sum(p.amount_cents for p in payments)
    per_claim_total: dict[str, int] = defaultdict(int)
    for payment in payments:
        per_claim_total[payment.claim_id] += payment.amount_cents
    worst = dict.fromkeys((claim.id for claim in claims), 0.0)
    if total == 0:
        return worst
    by_date: dict[dt.date, list[Payment]] = defaultdict(list)
    for payment in payments:
        by_date[payment.date].append(payment)
    cumulative: dict[str, int] = defaultdict(int)
    plan_cumulative = 0
    for day in sorted(set(dates) | set(by_date)):
        for payment in by_date.get(day, []):
            cumulative[payment.claim_id] += payment.amount_cents
            plan_cumulative += payment.amount_cents
        plan_share = plan_cumulative / total
        for claim in claims:
            own_total = per_claim_total.get(claim.id, 0)
            if own_total:
                worst[claim.id] = max(worst[claim.id], abs(cumulative[claim.id] / own_total - plan_share))
    return {claim_id: round(value, 6) for claim_id, value in worst.items()}


def request_hash(request: PlanRequest) -> str:
    """sha256 of the canonical request JSON (aliases, sorted keys, no whitespace)."""
    canonical = json.dumps(_without_later_defaults(request.model_dump(mode="json", by_alias=True)),
                           sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _without_later_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """Fields added to the request later are left out while they hold their default, so the requests of earlier
    plans keep their hashes."""
    if data["policy"].get("payout_day_of_month") is None:
        data["policy"].pop("payout_day_of_month", None)
    for claim in data["claims"]:
        if claim.get("received_cents") == 0:
            claim.pop("received_cents")
        if claim.get("account", "") is None:
            claim.pop("account")
    if not data.get("reference_payments"):
        data.pop("reference_payments", None)
    return data


def provenance_for(
    request: PlanRequest,
    *,
    status: str,
    parameters: Mapping[str, str] | None = None,
    objective: float | None = None,
    bound: float | None = None,
    gap: float | None = None,
) -> Provenance:
    """Provenance for a proposal made from ``request`` (the baseline passes no solver figures)."""
    return Provenance(
        ortools_version=version("ortools"),
        parameters=dict(parameters or {}),
        seed=request.policy.seed,
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        request_hash=request_hash(request),
    )
