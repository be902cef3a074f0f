"""The monthly pro-rata baseline computes what the counsellors' spreadsheet computes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import accumulate

import pytest

from bench.cases import make_case
from solver.baseline import monthly_pro_rata, monthly_pro_rata_payments
from solver.calendar import payment_days
from solver.models import ClaimClass, Payment, PlanRequest, Rule
from solver.rules import awards

HAND_CHECKED = PlanRequest.model_validate(
    {
        "start_date": "2027-03-01",
        "months": 3,
        "income": [
            # Paid out the next bank day: Mon 8 March, Tue 6 April, Fri 7 May (6 May is
            # Ascension Day).
            {"id": "loon", "amount_cents": 150000, "available_cents": 3000, "day_of_month": 5},
            # Fridays 19 March and Wednesday 19 May, paid out Mon 22 March and Thu 20 May:
            # the last payment days of their months.
            {
                "id": "bijbaan",
                "amount_cents": 20000,
                "available_cents": 5001,
                "dates": ["2027-03-19", "2027-05-19"],
            },
        ],
        "claims": [
            {"id": "A", "creditor": "Energie", "outstanding_cents": 20000, "class": "concurrent"},
            {"id": "B", "creditor": "Telecom", "outstanding_cents": 7000, "class": "concurrent"},
            {"id": "P", "creditor": "Belasting", "outstanding_cents": 3000, "class": "preferent"},
        ],
        "policy": {"preferent_factor": 2},
    }
)

# The spreadsheet by hand. Weights: A 20000, B 7000, P 2 x 3000 = 6000; sum 33000.
# March (22nd): 30.00 + 50.01 = 8001 cents. A 4849.09, B 1697.18, P 1454.73;
#   floors 4849 + 1697 + 1454 = 8000, the last cent to the largest remainder, P.
# April (6th): 3000 cents. A 1818.18, B 636.36, P 545.45; floors 2999, the cent to P.
# May (20th): 8001 cents again. P's 1454.73 is more than the 999 it still owes: P gets 999;
#   the other 7002 go 20:7 to A and B: 5186.67 and 1815.33, the cent to A.
EXPECTED = [
    (dt.date(2027, 3, 22), "A", 4849),
    (dt.date(2027, 3, 22), "B", 1697),
    (dt.date(2027, 3, 22), "P", 1455),
    (dt.date(2027, 4, 6), "A", 1818),
    (dt.date(2027, 4, 6), "B", 636),
    (dt.date(2027, 4, 6), "P", 546),
    (dt.date(2027, 5, 20), "A", 5187),
    (dt.date(2027, 5, 20), "B", 1815),
    (dt.date(2027, 5, 20), "P", 999),
]


def test_hand_checked_spreadsheet() -> None:
    payments = monthly_pro_rata_payments(HAND_CHECKED)
    assert [(p.date, p.claim_id, p.amount_cents) for p in payments] == EXPECTED


def test_proposal_reports_the_same_payments() -> None:
    proposal = monthly_pro_rata(HAND_CHECKED)
    assert proposal.status == "feasible"
    assert [(p.date, p.claim_id, p.amount_cents) for p in proposal.payments] == EXPECTED
    assert proposal.metrics.total_paid_cents == 8001 + 3000 + 8001
    assert proposal.provenance.parameters["method"] == "monthly_pro_rata"
    assert proposal.explanation


def test_a_month_with_more_money_than_debt_pays_everything_off() -> None:
    request = HAND_CHECKED.model_copy(
        update={
            "claims": [c.model_copy(update={"outstanding_cents": 100}) for c in HAND_CHECKED.claims]
        }
    )
    payments = monthly_pro_rata_payments(request)
    assert [(p.claim_id, p.amount_cents) for p in payments] == [("A", 100), ("B", 100), ("P", 100)]
    assert {p.date for p in payments} == {dt.date(2027, 3, 22)}


def test_no_income_means_no_payments() -> None:
    request = HAND_CHECKED.model_copy(update={"income": []})
    proposal = monthly_pro_rata(request)
    assert proposal.payments == []
    assert proposal.metrics.total_paid_cents == 0


GENERATED = [
    make_case(claims, months, seed)
    for claims, months, seed in ((6, 18, 1), (14, 18, 2), (20, 36, 3))
]


def _month(day: dt.date) -> tuple[int, int]:
    return (day.year, day.month)


@pytest.mark.parametrize("request_", GENERATED, ids=lambda r: f"{len(r.claims)}x{r.months}")
def test_every_month_pays_its_income_or_what_is_still_owed(request_: PlanRequest) -> None:
    available: dict[tuple[int, int], int] = defaultdict(int)
    for day in payment_days(request_):
        available[_month(day.date)] += day.capacity_cents
    owed = sum(c.outstanding_cents for c in request_.claims)
    paid: dict[tuple[int, int], int] = defaultdict(int)
    for payment in monthly_pro_rata_payments(request_):
        paid[_month(payment.date)] += payment.amount_cents
    for month in sorted(available):
        assert paid[month] == min(available[month], owed), month
        owed -= paid[month]


@pytest.mark.parametrize("request_", GENERATED, ids=lambda r: f"{len(r.claims)}x{r.months}")
def test_never_pays_money_before_it_has_come_in(request_: PlanRequest) -> None:
    days = payment_days(request_)
    payments = monthly_pro_rata_payments(request_)
    capacity_so_far = dict(
        zip([d.date for d in days], accumulate(d.capacity_cents for d in days), strict=True)
    )
    assert {p.date for p in payments} <= set(capacity_so_far)
    for day, capacity in capacity_so_far.items():
        assert sum(p.amount_cents for p in payments if p.date <= day) <= capacity


@pytest.mark.parametrize("request_", GENERATED, ids=lambda r: f"{len(r.claims)}x{r.months}")
def test_preferent_claims_get_twice_the_percentage_until_paid_off(request_: PlanRequest) -> None:
    preferent = {c.id for c in request_.claims if c.claim_class is ClaimClass.PREFERENT}
    claimed = {c.id: c.outstanding_cents for c in request_.claims}
    owed = dict(claimed)
    compared = 0
    for _, month in _by_date(monthly_pro_rata_payments(request_)):
        open_ = {p.claim_id: p.amount_cents for p in month if p.amount_cents < owed[p.claim_id]}
        for pref in open_.keys() & preferent:
            for conc in open_.keys() - preferent:
                # paid/claimed of pref == 2 x that of conc, up to a rounding cent on each side
                gap = open_[pref] * claimed[conc] - 2 * open_[conc] * claimed[pref]
                assert abs(gap) <= claimed[conc] + 2 * claimed[pref], (pref, conc)
                compared += 1
        for payment in month:
            owed[payment.claim_id] -= payment.amount_cents
    assert compared > 0


def _by_date(payments: list[Payment]) -> list[tuple[dt.date, list[Payment]]]:
    grouped: dict[dt.date, list[Payment]] = defaultdict(list)
    for payment in payments:
        grouped[payment.date].append(payment)
    return sorted(grouped.items())


def test_pays_small_amounts_because_it_has_no_minimum() -> None:
    payments = monthly_pro_rata_payments(make_case(20, 36, 0))
    assert min(p.amount_cents for p in payments) < 1000


@pytest.mark.parametrize("request_", GENERATED, ids=lambda r: f"{len(r.claims)}x{r.months}")
def test_month_by_month_adds_up_to_the_one_shot_award_but_for_rounding(
    request_: PlanRequest,
) -> None:
    payments = monthly_pro_rata_payments(request_)
    paid: dict[str, int] = defaultdict(int)
    for payment in payments:
        paid[payment.claim_id] += payment.amount_cents
    months = len({_month(p.date) for p in payments})
    award = awards(sum(paid.values()), request_.claims, Rule.PROPORTIONAL, 2)
    for claim in request_.claims:
        assert abs(paid[claim.id] - award[claim.id]) <= months, claim.id
