"""Who agreed to a plan, what a court would weigh for those who did not, and standing policies.

Silence is not consent: a creditor that did not answer counts as not agreed. For a creditor
that refuses, a Dutch court asked to impose the plan (dwangakkoord, art. 287a Fw) weighs its
share of the debt, whether it stands alone, and what it gets with the plan against without.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from debt_coord.negotiation.models import Answer, DecisionKind
from debt_coord.planning.allocations import CreditorAllocation
from solver.models import Payment, PlanProposal, PlanRequest, SolveStatus
from solver.money import format_money

NO_ANSWER = "no_answer"
# What a statutory debt scheme (Wsnp) costs before creditors see anything: the administrator's
# fee over the term. An assumption, stated in every report that uses it.
STATUTORY_SCHEME_COSTS_CENTS = 150_000


@dataclass(frozen=True)
class PolicyTerms:
    max_term_months: int | None = None
    min_percentage_bp: int | None = None
    min_payment_cents: int | None = None
    rules: tuple[str, ...] | None = None
    variation_tolerance_bp: int | None = None


def policy_shortfalls(
    terms: PolicyTerms, request: PlanRequest, allocation: CreditorAllocation, payments: Sequence[Payment]
) -> list[str]:
    """Each way the plan falls short of the creditor's published terms; empty means it meets them."""
    reasons = []
    if terms.max_term_months is not None and request.months > terms.max_term_months:
        reasons.append(f"the term is {request.months} months; the policy accepts at most {terms.max_term_months}")
    if terms.min_percentage_bp is not None and allocation.paid_bp < terms.min_percentage_bp:
        reasons.append(
            f"the plan pays {allocation.paid_bp / 100:.2f}% of the claims; the policy asks at least "
            f"{terms.min_percentage_bp / 100:.2f}%"
        )
    own = [p for p in payments if p.claim_id in allocation.claim_ids]
    if terms.min_payment_cents is not None and own and min(p.amount_cents for p in own) < terms.min_payment_cents:
        smallest = min(p.amount_cents for p in own)
        reasons.append(
            f"the smallest payment is {format_money(smallest)}; "
            f"the policy asks at least {format_money(terms.min_payment_cents)}"
        )
    if terms.rules is not None and request.policy.rule.value not in terms.rules:
        reasons.append(f"the plan shares by {request.policy.rule.value}; the policy accepts {', '.join(terms.rules)}")
    return reasons


# The claim limits that a published policy imposes when a plan respects it (see PlanService.snapshot):
# the solver's field name, the policy's term that sets it, and what to call it.
_POLICY_LIMITS = (("min_payment_cents", "min_payment_cents", "minimum payment"),
                  ("latest_end_date", "max_term_months", "maximum term"))


@dataclass(frozen=True)
class PolicyCheck:
    organisation_id: str
    creditor: str
    met: bool
    blocking: bool
    """This policy stands in the way of agreement: the plan falls short of it, or its limits make planning fail."""
    reasons: list[str]


def policy_checks(
    terms: Mapping[str, PolicyTerms], request: PlanRequest, lines: Sequence[CreditorAllocation],
    proposal: PlanProposal,
) -> list[PolicyCheck]:
    """For each creditor with a published policy: does this version meet it, and if not, why."""
    checks = []
    for line in lines:
        policy = terms.get(line.organisation_id)
        if policy is None:
            continue
        if proposal.status is SolveStatus.INFEASIBLE:
            reasons = _limits_in_conflict(policy, line, proposal)
            blocking = bool(reasons)
            reasons = reasons or ["there is no plan to compare with: other limits make this request infeasible"]
        else:
            reasons = policy_shortfalls(policy, request, line, proposal.payments)
            blocking = bool(reasons)
        checks.append(PolicyCheck(line.organisation_id, line.creditor, not reasons, blocking, reasons))
    return checks


def _limits_in_conflict(policy: PolicyTerms, line: CreditorAllocation, proposal: PlanProposal) -> list[str]:
    named = {item for conflict in proposal.conflicts for item in conflict.items}
    return [
        f"its {label} cannot hold together with the other limits of the plan (claims[{claim_id}].{field})"
        for claim_id in line.claim_ids
        for field, term, label in _POLICY_LIMITS
        if getattr(policy, term) is not None and f"claims[{claim_id}].{field}" in named
    ]


@dataclass(frozen=True)
class RefusalAssessment:
    organisation_id: str
    creditor: str
    answer: str
    reason: str
    share_of_debt_bp: int
    stands_alone: bool
    under_plan_cents: int
    without_plan_cents: int
    without_plan_basis: str


@dataclass(frozen=True)
class AcceptanceReport:
    agreed: bool
    creditors: int
    counts: dict[str, int]
    value_cents: dict[str, int]
    accepted_value_bp: int
    refusals: list[RefusalAssessment]


def without_plan_estimate(allocation: CreditorAllocation, total_debt: int, capacity: int) -> tuple[int, str]:
    pool = max(0, capacity - STATUTORY_SCHEME_COSTS_CENTS)
    estimate = min(allocation.outstanding_cents, pool * allocation.outstanding_cents // total_debt) if total_debt else 0
    basis = (
        "estimate: a statutory debt scheme (Wsnp) over the same term shares the same capacity of "
        f"{format_money(capacity)} "
        f"pro rata after about {format_money(STATUTORY_SCHEME_COSTS_CENTS)} administrator's costs"
    )
    return estimate, basis


def acceptance_report(
    lines: Sequence[CreditorAllocation], answers: Mapping[str, Answer], proposal: PlanProposal
) -> AcceptanceReport:
    """`answers` maps organisation id to its answer; a missing creditor did not answer."""
    total_debt = sum(line.outstanding_cents for line in lines)
    capacity = sum(d.capacity_cents for d in proposal.dates)
    counts = {kind.value: 0 for kind in DecisionKind} | {NO_ANSWER: 0}
    value = dict.fromkeys(counts, 0)

    def said(line: CreditorAllocation) -> tuple[str, str]:
        answer = answers.get(line.organisation_id)
        return (answer.kind.value, answer.reason) if answer is not None else (NO_ANSWER, "")

    for line in lines:
        counts[said(line)[0]] += 1
        value[said(line)[0]] += line.outstanding_cents
    refusing = [line for line in lines if said(line)[0] != DecisionKind.ACCEPT]
    refusals = []
    for line in refusing:
        kind, reason = said(line)
        estimate, basis = without_plan_estimate(line, total_debt, capacity)
        refusals.append(RefusalAssessment(
            organisation_id=line.organisation_id, creditor=line.creditor, answer=kind, reason=reason,
            share_of_debt_bp=line.outstanding_cents * 10_000 // total_debt if total_debt else 0,
            stands_alone=len(refusing) == 1, under_plan_cents=line.paid_cents,
            without_plan_cents=estimate, without_plan_basis=basis,
        ))
    return AcceptanceReport(
        agreed=bool(lines) and not refusing,
        creditors=len(lines),
        counts=counts,
        value_cents=value,
        accepted_value_bp=value[DecisionKind.ACCEPT] * 10_000 // total_debt if total_debt else 0,
        refusals=refusals,
    )
