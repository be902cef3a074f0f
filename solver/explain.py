"""What the plan pays, which limits bind, and why: as notes (solver.wording says them in English)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from importlib.metadata import version
from typing import TYPE_CHECKING

from solver.calendar import payment_days
from solver.cpsat import POLISH
from solver.models import ClaimClass, ClaimIn, Fact, Note, Payment, PlanRequest, Rule
from solver.variation import least_moved, moved_cents

if TYPE_CHECKING:
    from solver.cpsat import StageResult
    from solver.problem import Problem


def rule_note(request: PlanRequest) -> Note:
    policy = request.policy
    has_preferent = any(c.claim_class is ClaimClass.PREFERENT for c in request.claims)
    if policy.rule is Rule.PROPORTIONAL and has_preferent and policy.preferent_factor > 1:
        return Note(key="shared_proportional_preferent", facts={"factor": policy.preferent_factor})
    return Note(key=f"shared_{policy.rule.value}")


def zero_offer_notes(request: PlanRequest) -> list[Note]:
    days = payment_days(request)
    facts: dict[str, Fact] = {"months": request.months, "start_date": request.start_date.isoformat()}
    return [
        Note(key="zero_offer", facts={**facts, "income_days": len(days)}) if days
        else Note(key="zero_offer_no_income", facts=facts),
        Note(key="zero_offer_nothing_paid"),
    ]


def explain_plan(
    problem: Problem, payments: Sequence[Payment], stages: Sequence[StageResult], method: str
) -> list[Note]:
    request = problem.request
    debt = sum(c.outstanding_cents for c in request.claims)
    notes = [
        Note(key="plan_capacity", facts={
            "capacity_cents": problem.cumulative_capacity[-1], "days": problem.n_days, "months": request.months,
            "paid_cents": problem.reachable, "debt_cents": debt,
            "paid_permille": round(Fraction(1000 * problem.reachable, debt)),
        }),
        Note(key="paid_in_full") if problem.reachable == debt else rule_note(request),
    ]
    notes += _variation_notes(problem, payments)
    notes += _binding_limits(problem, payments)
    notes += _claim_notes(problem, payments)
    notes.append(_solver_note(request, stages, method))
    return notes


def _variation_notes(problem: Problem, payments: Sequence[Payment]) -> list[Note]:
    request = problem.request
    if not request.reference_payments:
        return []
    received = sum(c.received_cents for c in request.claims)
    whole_debt = received + sum(c.outstanding_cents for c in request.claims)
    whole_paid = received + sum(p.amount_cents for p in payments)
    return [
        Note(key="variation_whole", facts={
            "received_cents": received, "whole_paid_cents": whole_paid, "whole_debt_cents": whole_debt,
            "whole_permille": round(Fraction(1000 * whole_paid, whole_debt)),
        }),
        Note(key="variation_moved", facts={
            "agreed_cents": sum(p.amount_cents for p in request.reference_payments),
            "moved_cents": moved_cents(request.reference_payments, payments), "least_cents": least_moved(problem),
        }),
    ]


def _binding_limits(problem: Problem, payments: Sequence[Payment]) -> list[Note]:
    notes = []
    accounts = {claim.id: problem.account_of[i] for i, claim in enumerate(problem.request.claims)}
    per_date = Counter(day for _, day in {(accounts[p.claim_id], p.date) for p in payments})  # transfers, not claims
    limit = problem.request.policy.max_transfers_per_date
    if limit is not None:
        full = sum(1 for count in per_date.values() if count >= limit)
        if full:
            notes.append(Note(key="transfer_limit_reached",
                              facts={"full_days": full, "days": problem.n_days, "limit": limit}))
    spent = Counter[object]()
    for payment in payments:
        spent[payment.date] += payment.amount_cents
    saved_days = 0
    carried = 0
    for day in problem.days[:-1]:
        carried += day.capacity_cents - spent[day.date]
        saved_days += carried > 0
    if saved_days:
        notes.append(Note(key="money_kept_back", facts={"days": saved_days}))
    return notes


def claim_facts(claim: ClaimIn) -> dict[str, Fact]:
    """How a note names a claim: its id and its creditor."""
    return {"claim_id": claim.id, "creditor": claim.creditor}


def _claim_notes(problem: Problem, payments: Sequence[Payment]) -> list[Note]:
    paid = Counter[str]()
    transfers = Counter[str]()
    for payment in payments:
        paid[payment.claim_id] += payment.amount_cents
        transfers[payment.claim_id] += 1
    notes = []
    for i, claim in enumerate(problem.request.claims):
        award = problem.awards[i]
        got = paid[claim.id]
        named = claim_facts(claim)
        if got != award:
            fixed = claim.fixed_installment_cents
            facts = {**named, "paid_cents": got, "award_cents": award}
            notes.append(
                Note(key="claim_off_share_fixed", facts={**facts, "installment_cents": fixed})
                if fixed is not None
                else Note(key="claim_off_share_minimum", facts={**facts, "minimum_cents": problem.minimums[i]})
            )
        elif got == 0:
            notes.append(Note(key="claim_nothing", facts=named))
        elif transfers[claim.id] == 1 and problem.n_days > 1:
            notes.append(Note(key="claim_one_payment", facts={**named, "paid_cents": got}))
    return notes


def _solver_note(request: PlanRequest, stages: Sequence[StageResult], method: str) -> Note:
    expected = 3 if request.reference_payments else 2  # a variation first moves the least money
    proven = len(stages) == expected and all(s.gap == 0.0 for s in stages if s.name != POLISH)
    facts: dict[str, Fact] = {"ortools_version": version("ortools"), "seed": request.policy.seed}
    if not proven:
        facts["gap_bp"] = round(10_000 * stages[0].gap)
    scope = "_patterns" if method == "patterns" else ""
    return Note(key=("solver_proven" if proven else "solver_work_limit") + scope, facts=facts)
