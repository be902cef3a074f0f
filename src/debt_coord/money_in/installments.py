"""Installments with a status, derived from the active plan's payments and what each claim received.

Pure: no database. What a claim received pays its installments in date order (the oldest first),
so a late or partial payment is matched as far as it goes. An installment not fully paid
`grace_bank_days` bank days after its date is overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from solver.calendar import is_bank_day
from solver.models import Payment


class InstallmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    PAID = "paid"
    PARTLY_PAID = "partly_paid"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Installment:
    date: dt.date
    claim_id: str
    amount_cents: int
    received_cents: int
    status: InstallmentStatus

    @property
    def missing_cents(self) -> int:
        return self.amount_cents - self.received_cents


@dataclass(frozen=True)
class Arrears:
    cents: int
    """What overdue installments still miss."""
    dates_behind: int
    """Payment dates with an overdue installment."""


def bank_days_after(day: dt.date, count: int, country: str) -> dt.date:
    while count > 0:
        day += dt.timedelta(days=1)
        count -= is_bank_day(day, country)
    return day


def installments(payments: Sequence[Payment], received: Mapping[str, int], today: dt.date, *,
                 grace_bank_days: int, country: str) -> list[Installment]:
    """Every scheduled transfer, in date order, with what it received and its status on `today`."""
    left = dict(received)
    found = []
    for payment in sorted(payments, key=lambda p: (p.date, p.claim_id)):
        got = min(payment.amount_cents, max(0, left.get(payment.claim_id, 0)))
        left[payment.claim_id] = left.get(payment.claim_id, 0) - got
        found.append(Installment(payment.date, payment.claim_id, payment.amount_cents, got,
                                 _status(payment, got, today, grace_bank_days, country)))
    return found


def _status(payment: Payment, got: int, today: dt.date, grace: int, country: str) -> InstallmentStatus:
    if got >= payment.amount_cents:
        return InstallmentStatus.PAID
    if today > bank_days_after(payment.date, grace, country):
        return InstallmentStatus.OVERDUE
    return InstallmentStatus.PARTLY_PAID if got else InstallmentStatus.SCHEDULED


def arrears(found: Sequence[Installment]) -> Arrears:
    overdue = [i for i in found if i.status is InstallmentStatus.OVERDUE]
    return Arrears(sum(i.missing_cents for i in overdue), len({i.date for i in overdue}))
