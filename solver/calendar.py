"""Income events and bank days: when money arrives and when it can go out.

Date rules are data: an income date plus the policy's lag, rolled forward to the next bank
day (not a weekend, not a TARGET2 closing day, not a public holiday of the policy's country).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta

from solver.models import IncomeStream, PlanRequest


@dataclass(frozen=True, slots=True)
class IncomeEvent:
    date: dt.date
    income_id: str
    available_cents: int


@dataclass(frozen=True, slots=True)
class PaymentDay:
    """A date on which money can leave, with the income that became available for it."""

    date: dt.date
    capacity_cents: int
    income_ids: tuple[str, ...]


@lru_cache(maxsize=64)
def _closed_days(country: str, year: int) -> frozenset[dt.date]:
    target2 = holidays.financial_holidays("ECB", years=year)
    national = holidays.country_holidays(country, years=year)
    return frozenset(target2) | frozenset(national)


def is_bank_day(day: dt.date, country: str) -> bool:
    return day.weekday() < 5 and day not in _closed_days(country, day.year)


def next_bank_day(day: dt.date, country: str) -> dt.date:
    while not is_bank_day(day, country):
        day += dt.timedelta(days=1)
    return day


def stream_dates(stream: IncomeStream, start: dt.date, end: dt.date) -> Iterator[dt.date]:
    if stream.dates is not None:
        yield from (d for d in sorted(set(stream.dates)) if start <= d < end)
    elif stream.day_of_month is not None:
        month = start.replace(day=1)
        while month < end:
            last = (month + relativedelta(months=1) - dt.timedelta(days=1)).day
            day = month.replace(day=min(stream.day_of_month, last))
            if start <= day < end:
                yield day
            month += relativedelta(months=1)
    else:
        assert stream.every_weeks is not None and stream.first_date is not None
        step = dt.timedelta(weeks=stream.every_weeks)
        day = stream.first_date
        if day < start:
            day += step * (-(-(start - day).days // step.days))
        while day < end:
            yield day
            day += step


def income_events(request: PlanRequest) -> list[IncomeEvent]:
    """Every income arrival inside the term, in date order (ties by income id)."""
    events = [
        IncomeEvent(day, stream.id, stream.available_cents)
        for stream in request.income
        for day in stream_dates(stream, request.start_date, request.end_date)
    ]
    return sorted(events, key=lambda e: (e.date, e.income_id))


def payment_day_for(income_date: dt.date, lag_days: int, country: str) -> dt.date:
    return next_bank_day(income_date + dt.timedelta(days=lag_days), country)


def payout_day(available_on: dt.date, day_of_month: int, country: str) -> dt.date:
    """The counselling organisation's first payout day after money became available on `available_on`.

    A payout day is the first bank day on or after `day_of_month` in its month; money available on a payout day
    itself waits for the next one (the transfer to the organisation has to arrive first).
    """
    month = available_on.replace(day=1)
    while True:
        day = next_bank_day(month.replace(day=day_of_month), country)
        if day > available_on:
            return day
        month += relativedelta(months=1)


def payment_days(request: PlanRequest) -> list[PaymentDay]:
    """Income events grouped by the bank day on which their money can be paid out: the day it comes in (after the
    lag), or via the counsellor the organisation's next payout day."""
    policy = request.policy
    grouped: dict[dt.date, tuple[int, list[str]]] = {}
    for event in income_events(request):
        day = payment_day_for(event.date, policy.payment_lag_days, policy.holidays)
        if policy.payout_day_of_month is not None:
            day = payout_day(day, policy.payout_day_of_month, policy.holidays)
        cents, ids = grouped.get(day, (0, []))
        grouped[day] = (cents + event.available_cents, [*ids, event.income_id])
    return [
        PaymentDay(day, cents, tuple(dict.fromkeys(ids)))
        for day, (cents, ids) in sorted(grouped.items())
    ]
