"""Plain sentences for a counsellor: what the plan pays, which limits bind, and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from importlib.metadata import version
from typing import TYPE_CHECKING

from solver.calendar import payment_days
from solver.models import ClaimClass, Payment, PlanRequest, Rule
from solver.money import format_money

if TYPE_CHECKING:
    from solver.engine import StageResult
    from solver.problem import Problem

RULE_WORDS = {
    Rule.PROPORTIONAL: "pro rata (pondspondsgewijs): every creditor gets the same percentage of "
    "its claim{preferent}, never more than 100%",
    Rule.CONSTRAINED_EQUAL_AWARDS: "in equal amounts: every creditor gets the same amount, "
    "never more than its claim",
    Rule.CONSTRAINED_EQUAL_LOSSES: "by equal losses: every creditor gives up the same amount, "
    "small claims may get nothing",
    Rule.TALMUD: "by the Talmud rule (Aumann–Maschler): equal amounts up to half of each claim, "
    "beyond half the debt equal losses",
}


RULE_NAMES = {
    Rule.PROPORTIONAL: "pro rata",
    Rule.CONSTRAINED_EQUAL_AWARDS: "equal amounts",
    Rule.CONSTRAINED_EQUAL_LOSSES: "equal losses",
    Rule.TALMUD: "Talmud",
}


def rule_sentence(request: PlanRequest) -> str:
    policy = request.policy
    has_preferent = any(c.claim_class is ClaimClass.PREFERENT for c in request.claims)
    preferent = (
        f", preferent creditors {policy.preferent_factor} times that percentage"
        if has_preferent and policy.preferent_factor > 1
        else ""
    )
    return "The money is shared " + RULE_WORDS[policy.rule].format(preferent=preferent) + "."


def zero_offer_explanation(request: PlanRequest) -> list[str]:
    days = payment_days(request)
    return [
        "Zero offer (nul-aanbod): no money is available for creditors in the "
        f"{request.months} months from {request.start_date.isoformat()}"
        + (f" ({len(days)} income days, none with money to spare)." if days else "."),
        "Every claim gets nothing in this plan; no payments are scheduled.",
    ]


def explain_plan(
    problem: Problem, payments: Sequence[Payment], stages: Sequence[StageResult], method: str
) -> list[str]:
    request = problem.request
    currency = request.currency
    debt = sum(c.outstanding_cents for c in request.claims)
    capacity = problem.cumulative_capacity[-1]
    sentences = [
        f"The debtor has {format_money(capacity, currency)} for creditors on {problem.n_days} payment "
        f"days in {request.months} months; the plan pays {format_money(problem.reachable, currency)} "
        f"of the {format_money(debt, currency)} debt ({100 * problem.reachable / debt:.1f}%).",
    ]
    if problem.reachable == debt:
        sentences.append("Every claim is paid in full.")
    else:
        sentences.append(rule_sentence(request))
    sentences += _binding_limits(problem, payments)
    sentences += _claim_sentences(problem, payments)
    sentences.append(_solver_sentence(request, stages, method))
    return sentences


def _binding_limits(problem: Problem, payments: Sequence[Payment]) -> list[str]:
    sentences = []
    per_date = Counter(p.date for p in payments)
    limit = problem.request.policy.max_transfers_per_date
    if limit is not None:
        full = sum(1 for count in per_date.values() if count >= limit)
        if full:
            sentences.append(
                f"On {full} of {problem.n_days} payment days the limit of {limit} transfers a "
                "day is reached, so creditors are paid in turns rather than every time."
            )
    spent = Counter[object]()
    for payment in payments:
        spent[payment.date] += payment.amount_cents
    saved_days = 0
    carried = 0
    for day in problem.days[:-1]:
        carried += day.capacity_cents - spent[day.date]
        saved_days += carried > 0
    if saved_days:
        sentences.append(
            f"On {saved_days} payment days some money is kept back for a later day, so that "
            "creditors get fewer payments of at least their minimum (money is never paid out "
            "before it has come in)."
        )
    return sentences


def _claim_sentences(problem: Problem, payments: Sequence[Payment]) -> list[str]:
    request = problem.request
    currency = request.currency
    paid = Counter[str]()
    transfers = Counter[str]()
    for payment in payments:
        paid[payment.claim_id] += payment.amount_cents
        transfers[payment.claim_id] += 1
    sentences = []
    for i, claim in enumerate(request.claims):
        award = problem.awards[i]
        got = paid[claim.id]
        name = f"{claim.creditor} ({claim.id})"
        if got != award:
            fixed = claim.fixed_installment_cents
            reason = (
                f"it is paid in fixed installments of {format_money(fixed, currency)}"
                if fixed is not None
                else f"payments to it must be at least {format_money(problem.minimums[i], currency)}"
            )
            sentences.append(
                f"{name} gets {format_money(got, currency)} instead of its exact share of "
                f"{format_money(award, currency)}: {reason}, and the others make up the difference."
            )
        elif got == 0:
            sentences.append(f"{name} gets nothing: its share under the rule is zero.")
        elif transfers[claim.id] == 1 and problem.n_days > 1:
            sentences.append(
                f"{name} gets its share of {format_money(got, currency)} in one payment: smaller "
                "payments would fall below its minimum."
            )
    return sentences


def _solver_sentence(request: PlanRequest, stages: Sequence[StageResult], method: str) -> str:
    proven = len(stages) == 2 and all(s.gap == 0.0 for s in stages)
    scope = (
        " among the level schedules offered for each creditor" if method == "patterns" else ""
    )
    quality = (
        "each step (timing, number of transfers, earliest payment) is proven best" + scope
        if proven
        else "it stopped at its work limit; the plan is valid, and its timing and number of "
        f"transfers are within {100 * stages[0].gap:.2f}% of the best possible" + scope
    )
    return (
        f"Computed with OR-Tools CP-SAT {version('ortools')}, one worker, seed "
        f"{request.policy.seed} and a deterministic work limit, so the same request gives the "
        f"same plan; {quality}."
    )
