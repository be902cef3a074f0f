"""Fairness rules: how a total is shared between claims (bankruptcy problems).

Every rule is computed exactly in rationals and then rounded to integer cents by the
largest-remainder method: each claim first gets the floor of its exact award, and the
cents still missing go one each to the claims with the largest fractional parts, ties
broken by the order of the claims in the request. The awards therefore add up to exactly
``min(total, sum of outstanding)`` and no award exceeds its claim.

- proportional: pro rata on outstanding, preferent claims weighted by the preferent
  factor, capped at 100% of outstanding; what a capped claim cannot take goes pro rata to
  the others (the Dutch "pondspondsgewijs, preferent tweemaal").
- constrained_equal_awards (CEA): everybody the same amount, capped at the claim.
- constrained_equal_losses (CEL): everybody loses the same amount, never below zero.
- talmud (Aumann–Maschler 1985): CEA on half-claims up to half the debt, beyond that
  every claim gets its half plus CEL on the half-claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from solver.models import ClaimClass, ClaimIn, Policy, Rule


def awards(
    total_cents: int, claims: Sequence[ClaimIn], rule: Rule, preferent_factor: int = 2
) -> dict[str, int]:
    """Integer-cent award per claim id; the awards add up to min(total, total debt).

    In a variation (claims with ``received_cents``) the rule shares the whole plan, what was received and what
    this plan pays, and the award is the part still to pay: see ``awards_after_received``.
    """
    outstanding = [Fraction(c.outstanding_cents) for c in claims]
    total = Fraction(max(0, min(total_cents, sum(c.outstanding_cents for c in claims))))
    weights = _weights(claims, preferent_factor)
    if any(c.received_cents for c in claims):
        exact = awards_after_received(total, outstanding, [Fraction(c.received_cents) for c in claims], rule, weights)
    else:
        exact = exact_awards(total, outstanding, rule, weights)
    rounded = largest_remainder(exact, int(total))
    return {claim.id: cents for claim, cents in zip(claims, rounded, strict=True)}


def awards_after_received(
    total: Fraction, outstanding: Sequence[Fraction], received: Sequence[Fraction], rule: Rule, weights: Sequence[int]
) -> list[Fraction]:
    """What each claim still gets when ``total`` more is paid after ``received``: the rule shares the whole
    (received + total) over the whole claims (received + outstanding), and a claim that has already received more
    than its share of the whole gets nothing more (what was paid is never taken back); the others share the rest by
    the same rule. The parts add up to ``total``."""
    whole = [o + r for o, r in zip(outstanding, received, strict=True)]
    active = list(range(len(whole)))
    left = total + sum(received, Fraction(0))
    exact: dict[int, Fraction] = {}
    while active:
        shared = exact_awards(min(left, sum((whole[i] for i in active), Fraction(0))), [whole[i] for i in active],
                              rule, [weights[i] for i in active])
        exact = dict(zip(active, shared, strict=True))
        ahead = [i for i in active if exact[i] < received[i]]
        if not ahead:
            break
        for i in ahead:
            left -= received[i]
            active.remove(i)
    return [exact[i] - received[i] if i in active else Fraction(0) for i in range(len(whole))]


def exact_awards(
    total: Fraction, outstanding: Sequence[Fraction], rule: Rule, weights: Sequence[int]
) -> list[Fraction]:
    """Exact rational awards; ``total`` must not exceed the sum of ``outstanding``."""
    if rule is Rule.PROPORTIONAL:
        slopes = [c * w for c, w in zip(outstanding, weights, strict=True)]
        return water_fill(total, outstanding, slopes)
    if rule is Rule.CONSTRAINED_EQUAL_AWARDS:
        return water_fill(total, outstanding, [Fraction(1)] * len(outstanding))
    if rule is Rule.CONSTRAINED_EQUAL_LOSSES:
        return _equal_losses(total, outstanding)
    return _talmud(total, outstanding)


def water_fill(
    total: Fraction, caps: Sequence[Fraction], slopes: Sequence[Fraction]
) -> list[Fraction]:
    """award_i = min(cap_i, level * slope_i) with the level chosen so the awards sum to total.

    Claims are capped in the order of their threshold cap/slope; the uncapped rest share
    what remains in proportion to their slopes.
    """
    order = sorted(
        (i for i in range(len(caps)) if slopes[i] > 0), key=lambda i: caps[i] / slopes[i]
    )
    result = [Fraction(0)] * len(caps)
    remaining_total = total
    remaining_slope = sum((slopes[i] for i in order), Fraction(0))
    for position, i in enumerate(order):
        level = remaining_total / remaining_slope
        if level * slopes[i] < caps[i]:
            for j in order[position:]:
                result[j] = level * slopes[j]
            return result
        result[i] = caps[i]
        remaining_total -= caps[i]
        remaining_slope -= slopes[i]
    return result


def _equal_losses(total: Fraction, claims: Sequence[Fraction]) -> list[Fraction]:
    """CEL is the dual of CEA: share the total loss equally, capped at each claim."""
    losses = water_fill(sum(claims, Fraction(0)) - total, claims, [Fraction(1)] * len(claims))
    return [c - loss for c, loss in zip(claims, losses, strict=True)]


def _talmud(total: Fraction, claims: Sequence[Fraction]) -> list[Fraction]:
    halves = [c / 2 for c in claims]
    half_debt = sum(halves, Fraction(0))
    if total <= half_debt:
        return water_fill(total, halves, [Fraction(1)] * len(claims))
    # Beyond half the debt the losses are shared equally on the half-claims.
    losses = water_fill(sum(claims, Fraction(0)) - total, halves, [Fraction(1)] * len(claims))
    return [c - loss for c, loss in zip(claims, losses, strict=True)]


def largest_remainder(exact: Sequence[Fraction], total: int) -> list[int]:
    """Round to integers summing to ``total``; ties go to the earlier position."""
    floors = [int(x) for x in exact]  # exact values are non-negative, int() is floor
    missing = total - sum(floors)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:missing]:
        floors[i] += 1
    return floors


def _weights(claims: Sequence[ClaimIn], preferent_factor: int) -> list[int]:
    return [
        preferent_factor if c.claim_class is ClaimClass.PREFERENT else 1 for c in claims
    ]


def effective_minimum(claim: ClaimIn, policy: Policy) -> int:
    """Smallest payment the claim accepts; a claim smaller than that is paid in one go."""
    minimum = claim.min_payment_cents
    if minimum is None:
        minimum = policy.min_payment_cents
    return max(1, min(minimum, claim.outstanding_cents))


def award_tolerance(claim: ClaimIn, policy: Policy) -> int:
    """How far a claim's paid total may be from its award: one payment step of that claim."""
    if claim.fixed_installment_cents is not None:  # the agreed installment replaces the minimum
        return claim.fixed_installment_cents
    return effective_minimum(claim, policy)
