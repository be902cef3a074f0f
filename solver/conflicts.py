"""Request items that cannot hold together, with what would have to give: as notes, said in English."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from solver.explain import claim_facts
from solver.models import ClaimIn, Conflict, Note, PlanRequest
from solver.wording import english

if TYPE_CHECKING:
    from solver.problem import Problem

_CLAIM_ITEM = re.compile(r"^claims\[(?P<id>.+)\]\.(?P<field>\w+)$")


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
