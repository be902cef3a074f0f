"""Request items that cannot hold together, with what would have to give: as notes, said in English."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Sequence

from ortools.sat.python import cp_model

from solver.cpsat import new_solver, solver_parameters
from solver.explain import claim_facts
from solver.full_model import FullModel
from solver.models import ClaimIn, Conflict, Fact, Note, PlanRequest
from solver.problem import Problem, make_problem
from solver.transfer_slots import SlotShortage, slot_shortage
from solver.wording import english

EXPLAIN_SECONDS = 2.0
"""Work units for each question to the explaining model; twice as many seconds as its wall-clock limit."""
LONGEST_TERM_MONTHS = 120
"""The longest term a request may ask for (PlanRequest.months)."""

_CLAIM_ITEM = re.compile(r"^claims\[(?P<id>.+)\]\.(?P<field>\w+)$")


def find_conflicting_items(problem: Problem, deadline: float) -> list[str]:
    """A small set of request items that cannot hold together: CP-SAT's sufficient assumptions, then shrunk by
    dropping one item at a time while it stays infeasible, for as long as the wall clock is before ``deadline``
    (a large request's shrinking would otherwise cost seconds per item)."""
    core = _core(problem, None) or []
    for item in list(core):
        if time.perf_counter() >= deadline:
            break
        if item in core:
            smaller = _core(problem, [c for c in core if c != item])
            if smaller is not None:
                core = smaller
    return core


def _core(problem: Problem, items: Sequence[str] | None) -> list[str] | None:
    """Solve with ``items`` assumed (every item when None); the core if infeasible."""
    full = FullModel(problem, explain=True).build()
    chosen = list(full.guards) if items is None else [i for i in items if i in full.guards]
    for item, literal in full.guards.items():
        if item not in chosen:
            full.model.add(literal == 0)
    full.model.add_assumptions([full.guards[item] for item in chosen])
    seed = problem.request.policy.seed
    solver = new_solver(solver_parameters(seed, EXPLAIN_SECONDS, 2 * EXPLAIN_SECONDS))
    if solver.solve(full.model) != cp_model.INFEASIBLE:
        return None
    by_index = {literal.index: item for item, literal in full.guards.items()}
    found = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
    return found or chosen


def describe_conflicts(problem: Problem, items: Sequence[str]) -> list[Conflict]:
    """One conflict naming ``items``; with no items, a note that no plan was found in time."""
    request = problem.request
    if not items:
        return [_conflict(request, ["policy.time_limit_seconds"], Note(key="no_plan_in_time"),
                          [Note(key="remedy_more_time")])]
    first_money = next((d.date for d in problem.days if d.capacity_cents > 0), None)
    note = Note(key="limits_conflict", facts={"reachable_cents": problem.reachable},
                parts=[_part(request, item) for item in items])
    return [_conflict(request, list(items), note, [_remedy(request, item, first_money) for item in items])]


def describe_shortage(problem: Problem, shortage: SlotShortage) -> list[Conflict]:
    """Too many claims, or too much money, for the transfers a run of days allows; with what would make room."""
    request, days = problem.request, problem.days
    facts: dict[str, Fact] = {"days": shortage.days, "limit": shortage.limit, "transfers": shortage.transfers,
                              "first_date": days[shortage.first].date.isoformat(),
                              "last_date": days[shortage.last].date.isoformat()}
    whole = shortage.first == 0 and shortage.last == problem.n_days - 1
    if shortage.carried is not None:
        note = Note(key="too_little_carried",
                    facts={**facts, "required_cents": shortage.required, "carried_cents": shortage.carried})
    else:
        note = Note(key="too_few_transfers" if whole else "too_few_transfers_between",
                    facts={**facts, "claims": len(shortage.claims)})
    items = ["policy.max_transfers_per_date"]
    remedies = [Note(key="remedy_transfers_per_day_at_least", facts={"limit": -(-shortage.needed // shortage.days)})]
    months = _months_needed(problem, shortage)
    if months is not None:
        items.append("months")
        remedies.append(Note(key="remedy_longer_term", facts={"limit": shortage.limit, "months": months}))
    if shortage.carried is None and not whole:
        items += _date_items(request, shortage.claims)
        remedies.append(Note(key="remedy_spread_dates", facts={k: facts[k] for k in ("first_date", "last_date")}))
    claims = shortage.claims or range(problem.n_claims)
    creditors = len({request.claims[i].creditor for i in claims})
    if creditors < len({problem.account_of[i] for i in claims}):  # not when each creditor is one transfer already
        remedies.append(Note(key="remedy_group_per_creditor", facts={"claims": len(claims), "creditors": creditors}))
    return [_conflict(request, items, note, remedies)]


def _months_needed(problem: Problem, shortage: SlotShortage) -> int | None:
    """The shortest term (at most the longest allowed) whose payment days are not short of transfers, with the
    awards that term's money gives (more money makes more claims too large to leave out); None when there is none.
    Found by bisection, as if a longer term never needed fewer transfers than it has."""
    request = problem.request
    if shortage.last != problem.n_days - 1 or _short(request, LONGEST_TERM_MONTHS):
        return None
    low, high = request.months, LONGEST_TERM_MONTHS  # short at low, not at high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _short(request, middle) else (low, middle)
    return high


def _short(request: PlanRequest, months: int) -> bool:
    return slot_shortage(make_problem(request.model_copy(update={"months": months}))) is not None


def _date_items(request: PlanRequest, claims: Sequence[int]) -> list[str]:
    """The start and end dates that keep these claims inside the run of days."""
    named = []
    for i in claims:
        claim = request.claims[i]
        for field in ("earliest_date", "latest_end_date"):
            if getattr(claim, field) is not None:
                named.append(f"claims[{claim.id}].{field}")
    return named


def conflict_notes(conflicts: Sequence[Conflict]) -> list[Note]:
    """The explanation of an infeasible request: each conflict's message, then each one's remedy."""
    return [c.note for c in conflicts if c.note] + [c.remedy_note for c in conflicts if c.remedy_note]


def _conflict(request: PlanRequest, items: list[str], note: Note, remedies: list[Note]) -> Conflict:
    say = english(request.currency)
    remedy = Note(key="remedies", parts=remedies)
    return Conflict(items=items, message=say(note), remedy=say(remedy), note=note, remedy_note=remedy)


def _claim(request: PlanRequest, item: str) -> tuple[ClaimIn, str] | None:
    match = _CLAIM_ITEM.match(item)
    if match is None:
        return None
    return next(c for c in request.claims if c.id == match["id"]), match["field"]


def _part(request: PlanRequest, item: str) -> Note:
    policy = request.policy
    if item == "policy.min_payment_cents":
        return Note(key="part_min_payment", facts={"minimum_cents": policy.min_payment_cents})
    if item == "policy.max_transfers_per_date":
        limit = policy.max_transfers_per_date
        return (Note(key="part_one_transfer_per_day") if limit == 1
                else Note(key="part_transfers_per_day", facts={"limit": limit or 0}))
    if item == "policy.rule":
        return Note(key="part_rule", facts={"rule": policy.rule.value})
    found = _claim(request, item)
    if found is None:
        return Note(key="part_other", facts={"item": item})
    claim, field = found
    named = claim_facts(claim)
    if field == "min_payment_cents":
        assert claim.min_payment_cents is not None
        return Note(key="part_claim_min_payment", facts={**named, "minimum_cents": claim.min_payment_cents})
    if field == "fixed_installment_cents":
        assert claim.fixed_installment_cents is not None
        return Note(key="part_claim_fixed_installment",
                    facts={**named, "installment_cents": claim.fixed_installment_cents})
    if field == "max_transfers":
        return Note(key="part_claim_max_transfers", facts={**named, "max_transfers": claim.max_transfers or 0})
    if field == "earliest_date":
        assert claim.earliest_date is not None
        return Note(key="part_claim_earliest_date", facts={**named, "earliest_date": claim.earliest_date.isoformat()})
    assert claim.latest_end_date is not None
    return Note(key="part_claim_latest_end_date",
                facts={**named, "latest_end_date": claim.latest_end_date.isoformat()})


_POLICY_REMEDIES = {
    "policy.min_payment_cents": "remedy_min_payment",
    "policy.max_transfers_per_date": "remedy_transfers_per_day",
    "policy.rule": "remedy_rule",
}
_CLAIM_REMEDIES = ("min_payment_cents", "fixed_installment_cents", "max_transfers", "earliest_date")


def _remedy(request: PlanRequest, item: str, first_money: dt.date | None) -> Note:
    if item in _POLICY_REMEDIES:
        return Note(key=_POLICY_REMEDIES[item])
    found = _claim(request, item)
    if found is None:
        return Note(key="remedy_other", facts={"item": item})
    claim, field = found
    named = claim_facts(claim)
    if field in _CLAIM_REMEDIES:
        return Note(key=f"remedy_claim_{field.removesuffix('_cents')}", facts=named)
    if field == "latest_end_date":
        if first_money is None:
            return Note(key="remedy_claim_latest_end_date_no_money", facts=named)
        return Note(key="remedy_claim_latest_end_date", facts={**named, "first_money_date": first_money.isoformat()})
    return Note(key="remedy_other", facts={"item": item})
