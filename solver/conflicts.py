"""Counsellor words for request items that cannot hold together, with what would have to give."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from solver.explain import RULE_NAMES
from solver.models import ClaimIn, Conflict, PlanRequest
from solver.money import format_money

if TYPE_CHECKING:
    from solver.problem import Problem

_CLAIM_ITEM = re.compile(r"^claims\[(?P<id>.+)\]\.(?P<field>\w+)$")


def describe_conflicts(problem: Problem, items: Sequence[str]) -> list[Conflict]:
    """One conflict naming ``items``; with no items, a note that no plan was found in time."""
    request = problem.request
    if not items:
        return [
            Conflict(
                items=["policy.time_limit_seconds"],
                message="No plan was found within the time limit, and no conflicting limits "
                "were found either.",
                remedy="Allow more time (policy.time_limit_seconds) or simplify the limits.",
            )
        ]
    first_money = next((d.date for d in problem.days if d.capacity_cents > 0), None)
    parts = [_phrase(request, item, problem) for item in items]
    remedies = [_remedy(request, item, first_money) for item in items]
    message = (
        f"The plan must pay the {format_money(problem.reachable, request.currency)} the debtor can "
        "afford, but these limits cannot all hold together: " + "; ".join(parts) + "."
    )
    return [Conflict(items=list(items), message=message, remedy=" Or: ".join(remedies))]


def _claim(request: PlanRequest, claim_id: str) -> ClaimIn:
    return next(c for c in request.claims if c.id == claim_id)


def _phrase(request: PlanRequest, item: str, problem: Problem) -> str:
    policy = request.policy
    currency = request.currency
    if item == "policy.min_payment_cents":
        return f"every payment at least the general minimum of {format_money(policy.min_payment_cents, currency)}"
    if item == "policy.max_transfers_per_date":
        limit = policy.max_transfers_per_date
        return f"at most {limit} transfer{'s' if limit != 1 else ''} on one payment day"
    if item == "policy.rule":
        return f"every creditor gets its fair share under the {RULE_NAMES[policy.rule]} rule"
    match = _CLAIM_ITEM.match(item)
    if match is None:
        return item
    claim = _claim(request, match["id"])
    name = f"{claim.creditor} ({claim.id})"
    field = match["field"]
    if field == "min_payment_cents":
        assert claim.min_payment_cents is not None
        return f"payments to {name} at least {format_money(claim.min_payment_cents, currency)}"
    if field == "fixed_installment_cents":
        assert claim.fixed_installment_cents is not None
        return f"{name} paid in fixed installments of {format_money(claim.fixed_installment_cents, currency)}"
    if field == "max_transfers":
        return f"at most {claim.max_transfers} payments to {name}"
    if field == "earliest_date":
        assert claim.earliest_date is not None
        return f"no payment to {name} before {claim.earliest_date.isoformat()}"
    assert claim.latest_end_date is not None
    return f"{name} paid its share by {claim.latest_end_date.isoformat()}"


def _remedy(request: PlanRequest, item: str, first_money: object) -> str:
    if item == "policy.min_payment_cents":
        return "Lower the general minimum payment."
    if item == "policy.max_transfers_per_date":
        return "Allow more transfers per payment day."
    if item == "policy.rule":
        return "Agree with the creditors to depart from the equal treatment for this case."
    match = _CLAIM_ITEM.match(item)
    if match is None:
        return f"Change {item}."
    claim = _claim(request, match["id"])
    name = claim.creditor
    return {
        "min_payment_cents": f"Ask {name} to accept smaller payments.",
        "fixed_installment_cents": f"Drop the fixed installment for {name} or make it smaller.",
        "max_transfers": f"Allow more payments to {name}.",
        "earliest_date": f"Let payments to {name} start earlier.",
        "latest_end_date": f"Move the end date for {name} later"
        + (f" (the first money arrives on {first_money})." if first_money else "."),
    }.get(match["field"], f"Change {item}.")
