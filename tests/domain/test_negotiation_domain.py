"""Case states, per-creditor allocations and the acceptance report, by hand-checked examples."""

from __future__ import annotations

import datetime as dt

from debt_coord.cases.states import CaseState as State
from debt_coord.cases.states import refusal
from debt_coord.negotiation.acceptance import (
    STATUTORY_SCHEME_COSTS_CENTS,
    PolicyTerms,
    acceptance_report,
    policy_shortfalls,
)
from debt_coord.negotiation.models import Answer, DecisionKind
from debt_coord.planning.allocations import allocations, compare
from solver.metrics import build_proposal, provenance_for
from solver.models import Payment, PlanProposal, PlanRequest

REQUEST = PlanRequest.model_validate({
    "start_date": "2027-01-01", "months": 3,
    "income": [{"id": "salaris", "amount_cents": 200_000, "available_cents": 30_000, "day_of_month": 25}],
    "claims": [
        {"id": "a1", "creditor": "Zorg", "outstanding_cents": 60_000},
        {"id": "a2", "creditor": "Zorg", "outstanding_cents": 20_000},
        {"id": "b1", "creditor": "Fiscus", "outstanding_cents": 120_000, "class": "preferent"},
    ],
})
OWNERS = {"a1": "org-zorg", "a2": "org-zorg", "b1": "org-fiscus"}
PAYMENTS = [
    Payment(date=dt.date(2027, 1, 26), claim_id="a1", amount_cents=10_000),
    Payment(date=dt.date(2027, 1, 26), claim_id="b1", amount_cents=20_000),
    Payment(date=dt.date(2027, 2, 26), claim_id="a2", amount_cents=5_000),
    Payment(date=dt.date(2027, 2, 26), claim_id="b1", amount_cents=25_000),
    Payment(date=dt.date(2027, 3, 26), claim_id="a1", amount_cents=10_000),
    Payment(date=dt.date(2027, 3, 26), claim_id="b1", amount_cents=20_000),
]


def proposal() -> PlanProposal:
    return build_proposal(REQUEST, PAYMENTS, status="feasible", provenance=provenance_for(REQUEST, status="test"),
                          explanation=[])


def test_allocations_sum_claims_per_creditor() -> None:
    lines = allocations(REQUEST, proposal(), OWNERS)
    zorg, fiscus = lines
    assert (zorg.organisation_id, zorg.claim_ids, zorg.outstanding_cents) == ("org-zorg", ("a1", "a2"), 80_000)
    assert (zorg.paid_cents, zorg.payments) == (25_000, 3)
    assert (zorg.first_date, zorg.last_date) == (dt.date(2027, 1, 26), dt.date(2027, 3, 26))
    assert fiscus.paid_cents == 65_000 and fiscus.claim_classes == ("preferent",)
    assert zorg.share_bp + fiscus.share_bp == 10_000
    assert (zorg.share_bp, fiscus.share_bp) == (2778, 7222)  # 25,000 / 90,000 and 65,000 / 90,000
    assert zorg.paid_bp == 3125  # 25,000 of 80,000


def test_compare_reports_the_change_per_creditor() -> None:
    before = allocations(REQUEST, proposal(), OWNERS)
    after = [before[0], before[1].__class__(**{**vars(before[1]), "paid_cents": 60_000})]
    changes = compare(before, after)
    assert [(c.creditor, c.paid_change_cents) for c in changes] == [("Zorg", 0), ("Fiscus", -5_000)]


def test_policy_shortfalls_name_each_unmet_term() -> None:
    zorg = allocations(REQUEST, proposal(), OWNERS)[0]
    terms = PolicyTerms(max_term_months=2, min_percentage_bp=4_000, min_payment_cents=6_000, rules=("talmud",))
    reasons = policy_shortfalls(terms, REQUEST, zorg, PAYMENTS)
    assert reasons == [
        "the term is 3 months; the policy accepts at most 2",
        "the plan pays 31.25% of the claims; the policy asks at least 40.00%",
        "the smallest payment is €50.00; the policy asks at least €60.00",
        "the plan shares by proportional; the policy accepts talmud",
    ]
    assert policy_shortfalls(PolicyTerms(max_term_months=3, min_percentage_bp=3_000), REQUEST, zorg, PAYMENTS) == []


def test_acceptance_counts_silence_as_not_agreed_and_assesses_refusals() -> None:
    lines = allocations(REQUEST, proposal(), OWNERS)
    report = acceptance_report(lines, {"org-fiscus": Answer(DecisionKind.ACCEPT)}, proposal())
    assert not report.agreed
    assert report.counts == {"accept": 1, "reject": 0, "counter": 0, "no_answer": 1}
    assert report.value_cents == {"accept": 120_000, "reject": 0, "counter": 0, "no_answer": 80_000}
    assert report.accepted_value_bp == 6_000
    [silent] = report.refusals
    assert (silent.creditor, silent.answer, silent.stands_alone, silent.share_of_debt_bp) == ("Zorg", "no_answer",
                                                                                              True, 4_000)
    capacity = 3 * 30_000
    assert silent.without_plan_cents == max(0, capacity - STATUTORY_SCHEME_COSTS_CENTS) * 80_000 // 200_000
    assert silent.under_plan_cents == 25_000

    both = {"org-fiscus": Answer(DecisionKind.ACCEPT), "org-zorg": Answer(DecisionKind.ACCEPT)}
    everyone = acceptance_report(lines, both, proposal())
    assert everyone.agreed and everyone.refusals == [] and everyone.accepted_value_bp == 10_000


def test_case_states_allow_only_the_listed_moves() -> None:
    assert refusal(State.COLLECTING, State.PLANNING) is None
    assert refusal(State.PROPOSED, State.ACTIVE) is None
    assert refusal(State.ACTIVE, State.PLANNING) == (  # a variation is negotiated while the plan runs
        "The case is active; from there it can become completed, failed, withdrawn, not planning."
    )
    assert refusal(State.COLLECTING, State.ACTIVE) == (
        "The case is collecting; from there it can become planning, withdrawn, not active."
    )
    assert refusal(State.WITHDRAWN, State.PLANNING) == (
        "The case is withdrawn: it is closed and cannot become planning."
    )
