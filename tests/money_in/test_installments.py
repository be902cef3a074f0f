"""Installment statuses and arrears from a plan's payments and what each claim received: pure, no database."""

from __future__ import annotations

import datetime as dt

from debt_coord.money_in.installments import InstallmentStatus, arrears, bank_days_after, installments
from debt_coord.money_in.ledger import opening_lines, receipt_lines
from solver.models import Payment

JAN, FEB, MAR = dt.date(2027, 1, 25), dt.date(2027, 2, 25), dt.date(2027, 3, 25)
PLAN = [
    Payment(date=JAN, claim_id="zorg", amount_cents=10_000),
    Payment(date=JAN, claim_id="fiscus", amount_cents=20_000),
    Payment(date=FEB, claim_id="zorg", amount_cents=10_000),
    Payment(date=FEB, claim_id="fiscus", amount_cents=20_000),
    Payment(date=MAR, claim_id="zorg", amount_cents=10_000),
]


def statuses(received: dict[str, int], today: dt.date, grace: int = 5) -> list[tuple[dt.date, str, int, str]]:
    return [(i.date, i.claim_id, i.received_cents, i.status.value)
            for i in installments(PLAN, received, today, grace_bank_days=grace, country="NL")]


def test_nothing_received_is_scheduled_until_the_grace_has_passed_then_overdue() -> None:
    assert {s for *_, s in statuses({}, JAN)} == {"scheduled"}
    # 25 January 2027 is a Monday: five bank days later is Monday 1 February; overdue from the day after.
    assert bank_days_after(JAN, 5, "NL") == dt.date(2027, 2, 1)
    assert [s for d, _, _, s in statuses({}, dt.date(2027, 2, 1)) if d == JAN] == ["scheduled", "scheduled"]
    assert [s for d, _, _, s in statuses({}, dt.date(2027, 2, 2)) if d == JAN] == ["overdue", "overdue"]


def test_bank_holidays_lengthen_the_grace() -> None:
    # Good Friday (26 March 2027) and Easter Monday (29 March) close the banks: three bank days after Thursday
    # 25 March is Thursday 1 April.
    assert bank_days_after(MAR, 3, "NL") == dt.date(2027, 4, 1)


def test_what_a_claim_received_pays_its_oldest_installments_first() -> None:
    found = statuses({"zorg": 15_000, "fiscus": 20_000}, dt.date(2027, 3, 1))
    assert found == [
        (JAN, "fiscus", 20_000, "paid"),
        (JAN, "zorg", 10_000, "paid"),
        (FEB, "fiscus", 0, "scheduled"),
        (FEB, "zorg", 5_000, "partly_paid"),
        (MAR, "zorg", 0, "scheduled"),
    ]


def test_arrears_count_what_overdue_installments_miss_and_the_dates_behind() -> None:
    found = installments(PLAN, {"zorg": 15_000}, dt.date(2027, 3, 10), grace_bank_days=5, country="NL")
    behind = [(i.date, i.claim_id) for i in found if i.status is InstallmentStatus.OVERDUE]
    assert behind == [(JAN, "fiscus"), (FEB, "fiscus"), (FEB, "zorg")]
    late = arrears(found)
    assert (late.cents, late.dates_behind) == (20_000 + 20_000 + 5_000, 2)
    assert arrears(installments(PLAN, {"zorg": 30_000, "fiscus": 40_000}, dt.date(2027, 9, 1),
                                grace_bank_days=5, country="NL")).cents == 0


def test_ledger_lines_always_sum_to_zero() -> None:
    import uuid

    a, b = uuid.uuid4(), uuid.uuid4()
    opening = opening_lines([(a, 123_456), (b, 7)])
    assert sum(line.amount_cents for line in opening) == 0 and len(opening) == 3
    assert sum(line.amount_cents for line in receipt_lines(a, 999)) == 0
