"""The figures every part of the engine works from, derived once from a PlanRequest."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from solver.calendar import PaymentDay, payment_days
from solver.models import PlanRequest, transfer_account
from solver.rules import award_tolerance, awards, effective_minimum


@dataclass(frozen=True)
class Problem:
    request: PlanRequest
    days: list[PaymentDay]
    reachable: int
    """R = min(total capacity, total debt): what the plan must pay."""
    awards: list[int]
    """Each claim's award on R under the policy's rule."""
    minimums: list[int]
    """Smallest allowed payment per claim (never above its outstanding)."""
    tolerances: list[int]
    """How far a claim's total may be from its award: one payment step."""
    cumulative_capacity: list[int]
    windows: list[list[bool]]
    """windows[i][t]: claim i may be paid on day t (earliest/latest dates)."""
    share_numerators: list[list[int]]
    share_denominators: list[int]
    """share_numerators[i][t] / share_denominators[i]: the part of its own total claim i
    should have by day t if the money were paid out the day it arrives (0..1, reaching 1 at
    the end of its window). Integers, so the pattern arithmetic stays exact and fast."""
    account_of: list[int]
    """account_of[i]: the account claim i's transfers go to (``ClaimIn.account``), numbered from 0 in the order
    first seen; a claim without an account has one of its own. Claims with the same number share transfers."""

    @property
    def n_accounts(self) -> int:
        return len(set(self.account_of))

    @functools.cached_property
    def shared_accounts(self) -> dict[int, list[int]]:
        """Accounts with two or more claims, each with its claims in request order (empty when none share)."""
        members: dict[int, list[int]] = {}
        for i, account in enumerate(self.account_of):
            members.setdefault(account, []).append(i)
        return {account: claims for account, claims in members.items() if len(claims) > 1}

    @property
    def n_claims(self) -> int:
        return len(self.request.claims)

    @property
    def n_days(self) -> int:
        return len(self.days)

    def most_installments(self, i: int) -> int:
        """How many fixed installments claim i can get: what it owes, its days, its transfer limit."""
        claim = self.request.claims[i]
        assert claim.fixed_installment_cents is not None
        most = min(claim.outstanding_cents // claim.fixed_installment_cents, sum(self.windows[i]))
        return most if claim.max_transfers is None else min(most, claim.max_transfers)

    def most_paid(self, i: int) -> int:
        """The most claim i may get in all: one payment step above its award, never above what it owes."""
        if self.awards[i] == 0:
            return 0
        return min(self.request.claims[i].outstanding_cents, self.awards[i] + self.tolerances[i])

    def step(self, i: int) -> int:
        """Size of one payment step of claim i: its fixed installment or its minimum."""
        fixed = self.request.claims[i].fixed_installment_cents
        return fixed if fixed is not None else self.minimums[i]


def make_problem(request: PlanRequest) -> Problem:
    days = payment_days(request)
    cumulative: list[int] = []
    running = 0
    for day in days:
        running += day.capacity_cents
        cumulative.append(running)
    reachable = min(running, sum(c.outstanding_cents for c in request.claims))
    policy = request.policy
    windows = [
        [
            (c.earliest_date is None or d.date >= c.earliest_date)
            and (c.latest_end_date is None or d.date <= c.latest_end_date)
            for d in days
        ]
        for c in request.claims
    ]
    paid_out = [min(cum, reachable) for cum in cumulative]
    all_shares = [window_shares(paid_out, window) for window in windows]
    return Problem(
        request=request,
        days=days,
        reachable=reachable,
        awards=list(awards(reachable, request.claims, policy.rule, policy.preferent_factor).values()),
        minimums=[effective_minimum(c, policy) for c in request.claims],
        tolerances=[award_tolerance(c, policy) for c in request.claims],
        cumulative_capacity=cumulative,
        windows=windows,
        share_numerators=[shares[0] for shares in all_shares],
        share_denominators=[shares[1] for shares in all_shares],
        account_of=account_numbers(request),
    )


def account_numbers(request: PlanRequest) -> list[int]:
    """Per claim, its account's number: claims with the same ``transfer_account`` get the same one."""
    numbers: dict[tuple[str, ...], int] = {}
    return [numbers.setdefault(transfer_account(claim), len(numbers)) for claim in request.claims]


def window_shares(paid_out: list[int], window: list[bool]) -> tuple[list[int], int]:
    """Share of the money paid out inside the window by each day, 0 before it, 1 after it,
    as numerators over one denominator."""
    allowed = [t for t, ok in enumerate(window) if ok]
    if not allowed:
        return [0] * len(window), 1
    first, last = allowed[0], allowed[-1]
    before = paid_out[first - 1] if first > 0 else 0
    span = paid_out[last] - before
    if span <= 0:
        return [0 if t < first else 1 for t in range(len(window))], 1
    numerators = []
    for t, amount in enumerate(paid_out):
        if t < first:
            numerators.append(0)
        elif t >= last:
            numerators.append(span)
        else:
            numerators.append(amount - before)
    return numerators, span
