"""Do the claims fit the transfers the policy allows? Two counts, before any model is built.

1. A claim whose award is more than one payment step cannot be left out (its total must stay within one step of
   its award), so it needs at least one transfer inside its window of payment days. With at most L transfers a
   day, a run of payment days [a, b] holds L * (b - a + 1) transfers; if more claims whose windows lie inside it
   must be paid, no plan exists. Windows are intervals of days, so checking every such run is also enough
   (Hall's condition for intervals): when none is short, every claim that must be paid gets a transfer.
2. The money that comes in from day a on must be paid from day a on (it cannot be paid before it arrives), by
   at most L * (days left) claims, each at most one payment step above its award. If even the claims that can
   take the most cannot take it, no plan exists. From the first day, the claims that must be paid are among them.

Claims that share an account (``ClaimIn.account``) share its transfers: the counts are of accounts, and one transfer
to an account can carry what all its claims may take.

Why before the models: with 300 claims and 6 transfers on each of 20 days, CP-SAT spent the whole time limit on
the general model without proving anything, and the answer was "no plan in time" instead of the reason.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from solver.problem import Problem


@dataclass(frozen=True)
class SlotShortage:
    """Days ``first``..``last`` allow ``limit`` transfers each, fewer than the ``needed`` accounts (of ``claims``,
    the claims that must be paid inside them; an account is a claim unless claims share one). ``carried`` is set
    when those claims could not take the ``required`` money: what the ones that can take the most would take."""

    first: int
    last: int
    limit: int
    claims: tuple[int, ...]
    needed: int
    required: int = 0
    carried: int | None = None

    @property
    def days(self) -> int:
        return self.last - self.first + 1

    @property
    def transfers(self) -> int:
        return self.limit * self.days


def must_be_paid(problem: Problem) -> list[int]:
    """Claims that cannot get nothing: their award is more than one payment step."""
    return [i for i in range(problem.n_claims) if problem.awards[i] > problem.tolerances[i]]


def total_slots(problem: Problem) -> int:
    """Transfers the whole plan allows: the daily limit on every payment day. Where claims share accounts, what the
    callers compare with the claims paid: as many claims as the largest accounts that many transfers reach."""
    limit = problem.request.policy.max_transfers_per_date
    slots = problem.n_days * (problem.n_claims if limit is None else limit)
    if not problem.shared_accounts:
        return slots
    if slots >= problem.n_accounts:
        return max(slots, problem.n_claims)
    sizes = sorted(Counter(problem.account_of).values(), reverse=True)
    return sum(sizes[:slots])


def slot_shortage(problem: Problem) -> SlotShortage | None:
    """A run of payment days short of transfers for the claims or for the money, or None."""
    limit = problem.request.policy.max_transfers_per_date
    if limit is None:
        return None
    return _claims_shortage(problem, limit) or _money_shortage(problem, limit)


def _claims_shortage(problem: Problem, limit: int) -> SlotShortage | None:
    """The run of days most short of transfers for the claims that must be paid inside it."""
    windows = {}
    for i in must_be_paid(problem):
        days = [t for t, allowed in enumerate(problem.windows[i]) if allowed]
        if days:  # a claim with no day at all is a conflict of its own dates: the general model names it
            windows[i] = (days[0], days[-1])
    worst: tuple[int, int, int] | None = None  # excess, first, last
    for first in sorted({a for a, _ in windows.values()}):
        ends = sorted((b, problem.account_of[i]) for i, (a, b) in windows.items() if a >= first)
        accounts: set[int] = set()
        for count, (last, account) in enumerate(ends, start=1):
            accounts.add(account)
            excess = len(accounts) - limit * (last - first + 1)
            if (count == len(ends) or ends[count][0] != last) and excess > 0 and (worst is None or excess > worst[0]):
                worst = (excess, first, last)
    if worst is None:
        return None
    _, first, last = worst
    inside = tuple(i for i, (a, b) in windows.items() if a >= first and b <= last)
    return SlotShortage(first, last, limit, inside, len({problem.account_of[i] for i in inside}))


def _money_shortage(problem: Problem, limit: int) -> SlotShortage | None:
    """The first day from which on the money that must still be paid is more than the days' transfers can take."""
    must, most = _most_per_transfer(problem)
    others = sorted((most[i] for i in set(most) - set(must)), reverse=True)
    # From the first day on, the claims that must be paid take transfers first; later, any claim may be paid.
    from_first = list(itertools.accumulate([most[i] for i in must] + others))
    from_later = list(itertools.accumulate(sorted(most.values(), reverse=True)))
    last = problem.n_days - 1
    for t in range(problem.n_days):
        required = problem.reachable - (problem.cumulative_capacity[t - 1] if t > 0 else 0)
        if required <= 0:
            return None
        taking = from_first if t == 0 else from_later
        carried = taking[min(limit * (last - t + 1), len(taking)) - 1]
        if carried < required:
            needed = next(k for k, total in enumerate(taking, start=1) if total >= required)
            return SlotShortage(t, last, limit, tuple(must_be_paid(problem)) if t == 0 else (), needed, required,
                                carried)
    return None


def _most_per_transfer(problem: Problem) -> tuple[list[int], dict[int, int]]:
    """What one transfer can carry at most: per claim, or per account where claims share one (keyed by its first
    claim); and those that must be paid (a claim that must, or an account with one that must)."""
    if not problem.shared_accounts:
        return must_be_paid(problem), {i: problem.most_paid(i) for i in range(problem.n_claims)}
    first: dict[int, int] = {}
    most: dict[int, int] = {}
    for i, account in enumerate(problem.account_of):
        key = first.setdefault(account, i)
        most[key] = most.get(key, 0) + problem.most_paid(i)
    must = list(dict.fromkeys(first[problem.account_of[i]] for i in must_be_paid(problem)))
    return must, most
