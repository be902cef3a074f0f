"""A level-schedule rotation, built backwards from the last day: the engine's first hint.

In the spirit of the product rate variation problem (Miltenburg 1989; Steiner & Yeomans
1993) and Tijdeman's chairman assignment: each claim should have received its pro-rata part
of the money that has come in; on every day at most ``max_transfers_per_date`` claims are
paid, the ones furthest from their target relative to their own total, each payment at
least the claim's minimum.

Why backwards: money may be saved but never spent before it arrives, so going forwards a
claim can only be finished with money that is already there, and on the last day every
unfinished claim would need a transfer at once. Going backwards the money rule becomes a
lower bound (the days from t on must pay at least what has not arrived before t), and a
claim can be finished (its first payment placed) whenever the remaining days run short of
transfer slots. The result always respects the money; it fails (returns None) only when a
day cannot hold the transfers it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.problem import Problem
from solver.totals import claim_totals as claim_totals  # where it was first: some callers import it from here


@dataclass
class _Claim:
    index: int
    total: int
    minimum: int
    fixed: int | None
    account: int
    """Claims of one account share a transfer on a day (``Problem.account_of``)."""
    assigned: int = 0

    @property
    def remaining(self) -> int:
        return self.total - self.assigned

    def top_up(self, amount: int) -> int:
        """Extra on a payment already made today, leaving 0 or at least one minimum."""
        amount = min(amount, self.remaining)
        if 0 < self.remaining - amount < self.minimum:
            amount = self.remaining - self.minimum
        return max(0, amount)

    def fill(self, amount: int) -> int:
        """Extra on a payment already made today, at least ``amount`` where the remainder
        would otherwise fall below one minimum (then the claim is finished instead)."""
        amount = min(amount, self.remaining)
        return self.remaining if 0 < self.remaining - amount < self.minimum else amount

    def valid(self, amount: int) -> int:
        """The largest valid payment not above ``amount`` (0 when none is): at least the
        minimum (or exactly the fixed installment) and leaving 0 or at least one minimum."""
        amount = min(amount, self.remaining)
        if self.fixed is not None:
            return self.fixed if amount >= self.fixed else 0
        if 0 < self.remaining - amount < self.minimum:
            amount = self.remaining - self.minimum
        return amount if amount >= self.minimum or amount == self.remaining else 0


@dataclass
class _Day:
    t: int
    limit: int
    required: int
    slot_divisor: int
    """Only 1/slot_divisor of the slots of the days still to come count for closing claims."""
    closing: str
    """Which claims to finish when some must: one of CLOSING."""
    paid: int = 0
    accounts: set[int] = field(default_factory=set)
    """The accounts paid today: each takes one of the day's ``limit`` transfers, however many of its claims."""

    @property
    def chosen(self) -> int:
        return len(self.accounts)


SLOT_DIVISORS = (2, 1, 4)
"""Tried in turn: how many of the remaining slots to keep for the money rather than for
finishing claims (half works best on the benchmark; the others rescue the odd case)."""


CLOSING = ("smallest", "carrying", "largest")
"""Tried in turn: which claims a day finishes when it must finish some. The smallest gives the better-timed rows;
those that carry the day's money, or the largest, rescue cases with hundreds of claims and few transfers (tried
only when no other first plan is found, so that the plans of other cases stay as they were)."""


def level_schedule(problem: Problem, totals: list[int], rescue: bool = False) -> list[list[int]] | None:
    """amounts[claim][day] paying every claim its total (from ``claim_totals``), or None. With ``rescue``, the ways
    of closing for when the first way and every other first plan have failed."""
    for closing in CLOSING[1:] if rescue else CLOSING[:1]:
        for divisor in SLOT_DIVISORS:
            amounts = _rotation(problem, totals, divisor, closing)
            if amounts is not None:
                return amounts
    return None


def _rotation(problem: Problem, totals: list[int], slot_divisor: int, closing: str) -> list[list[int]] | None:
    claims = [_claim(problem, i, totals[i]) for i in range(problem.n_claims)]
    amounts = [[0] * problem.n_days for _ in claims]
    limit = problem.request.policy.max_transfers_per_date or problem.n_claims
    total = sum(totals)
    assigned = 0
    for t in reversed(range(problem.n_days)):
        arrived_before = problem.cumulative_capacity[t - 1] if t > 0 else 0
        day = _Day(t, limit, max(0, total - arrived_before - assigned), slot_divisor, closing)
        _assign_day(problem, claims, amounts, day)
        assigned += day.paid
        if assigned < total - arrived_before:
            return None
    return None if any(c.remaining for c in claims) else amounts


def _claim(problem: Problem, i: int, total: int) -> _Claim:
    """A claim with a transfer limit pays in steps large enough to stay within it."""
    claim = problem.request.claims[i]
    minimum = problem.step(i)
    if claim.max_transfers is not None:
        minimum = max(minimum, -(-total // claim.max_transfers))
    return _Claim(i, total, min(minimum, total) if total else minimum, claim.fixed_installment_cents,
                  problem.account_of[i])


def _assign_day(problem: Problem, claims: list[_Claim], amounts: list[list[int]], day: _Day) -> None:
    t = day.t
    open_claims = [c for c in claims if c.remaining > 0 and problem.windows[c.index][t]]
    last_chance = [c for c in open_claims if not any(problem.windows[c.index][:t])]
    still_open = len(open_claims) - len(last_chance)
    # Claims that the days still to come (earlier in time) could not fit must close today;
    # part of their slots is kept free for the money those days must take.
    must_close = max(0, still_open - day.limit * t // day.slot_divisor)
    candidates = sorted((c for c in open_claims if c not in last_chance), key=lambda c: (c.remaining, c.index))
    slots = day.limit - len({c.account for c in last_chance})
    if day.closing == "carrying":
        closers = _closers(candidates, must_close, slots, day.required - sum(c.remaining for c in last_chance))
    elif day.closing == "largest":
        closers = candidates[::-1][:min(must_close, max(0, slots))]
    else:
        closers = candidates[:must_close]
    for claim in last_chance + closers:
        _pay(claim, amounts, day, claim.valid(claim.remaining))
    by_lag = sorted(open_claims, key=lambda c: (-_lag_share(problem, c, t), c.index))
    for claim in by_lag:
        lag = _lag(problem, claim, t)
        if not claim.remaining or lag <= 0 or 2 * lag < claim.minimum:
            continue
        amount = claim.valid(max(lag, claim.minimum))
        if amount == 0 and 2 * lag >= claim.remaining:  # cannot split: all at once, centred
            amount = claim.valid(claim.remaining)
        new = claim.account not in day.accounts
        if day.chosen + new + _slots_needed(open_claims, amounts, day, claim, amount) <= day.limit:
            _pay(claim, amounts, day, amount)
    # The money rule: these days must take what has not arrived before them. The shortfall
    # is spread over the claims paid today in proportion to what they still have to get,
    # then new claims are added, largest remaining first.
    _spread(open_claims, amounts, day)
    by_room = sorted(  # a claim whose account is paid today first: it adds no transfer
        open_claims, key=lambda c: (c.account not in day.accounts, -c.remaining, c.index)
    )
    for claim in by_room:
        if day.paid >= day.required:
            break
        wanted = day.required - day.paid
        if amounts[claim.index][t] and claim.fixed is None:
            _pay(claim, amounts, day, claim.fill(wanted))
        else:  # a new payment: at least a minimum, even if that is more than needed
            wanted = max(wanted, claim.minimum)
            _pay(claim, amounts, day, claim.valid(wanted) or claim.valid(claim.remaining))


def _closers(ranked: list[_Claim], count: int, slots: int, required: int) -> list[_Claim]:
    """The ``count`` claims to finish today (``ranked`` smallest first): the smallest, unless today's slots would
    then not carry the money the day must take (many claims, few slots: six payments of a minimum on the last day
    are not enough); then the fewest steps up the list that carry it, or the largest."""
    count = min(count, max(0, slots), len(ranked))
    if count == 0:
        return []
    free = slots - count

    def carries(start: int) -> bool:
        rest = ranked[:start] + ranked[start + count:]
        largest_rest = rest[len(rest) - free:] if free > 0 else []
        return sum(c.remaining for c in ranked[start:start + count] + largest_rest) >= required

    low, high = 0, len(ranked) - count
    while low < high:  # what the slots can carry only grows as the window moves up the list
        middle = (low + high) // 2
        if carries(middle):
            high = middle
        else:
            low = middle + 1
    return ranked[low:low + count]


def _spread(open_claims: list[_Claim], amounts: list[list[int]], day: _Day) -> None:
    paid_today = [
        c for c in open_claims if amounts[c.index][day.t] and c.remaining and c.fixed is None
    ]
    short = day.required - day.paid
    room = sum(c.remaining for c in paid_today)
    rate = sum(c.total for c in paid_today)
    if short <= 0 or room == 0:
        return
    for claim in paid_today:  # in proportion to each claim's total: its rate of payment
        _pay(claim, amounts, day, claim.top_up(min(short, room) * claim.total // rate))


def _slots_needed(
    open_claims: list[_Claim], amounts: list[list[int]], day: _Day, claim: _Claim, amount: int
) -> int:
    """New transfers still needed today for the money rule if ``claim`` takes ``amount``:
    claims already paid today take their whole remainder first, then the largest new ones."""
    short = day.required - day.paid - claim.remaining
    rooms = []
    for other in open_claims:
        if other is claim:
            continue
        if amounts[other.index][day.t] or other.account in day.accounts or other.account == claim.account:
            short -= other.remaining
        else:
            rooms.append(other.remaining)
    needed = 0
    for room in sorted(rooms, reverse=True):
        if short <= 0:
            break
        short -= room
        needed += 1
    return needed


def _pay(claim: _Claim, amounts: list[list[int]], day: _Day, amount: int) -> None:
    if amount <= 0:
        return
    fresh = amounts[claim.index][day.t] == 0
    if fresh and claim.account not in day.accounts and day.chosen >= day.limit:
        return
    if not fresh and claim.fixed is not None:
        return
    day.accounts.add(claim.account)
    day.paid += amount
    claim.assigned += amount
    amounts[claim.index][day.t] += amount


def _lag(problem: Problem, claim: _Claim, t: int) -> int:
    """How far the claim's payments from day t on fall short of its part of the money that
    arrives from day t on (its target, counted from the end)."""
    before = problem.share_numerators[claim.index][t - 1] if t > 0 else 0
    target_before = claim.total * before // problem.share_denominators[claim.index]
    return claim.total - target_before - claim.assigned


def _lag_share(problem: Problem, claim: _Claim, t: int) -> float:
    return _lag(problem, claim, t) / claim.total if claim.total else 0.0
