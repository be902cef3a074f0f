"""When a reminder goes out: Amsterdam wall-clock times across both daylight-saving changes, quiet hours,
Sundays, public holidays and breathing space, as a table a counsellor can check against a calendar, and as
properties over many dates and times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debt_coord.messages.models import ReminderAnchor
from debt_coord.messages.timing import allowed, income_dates, next_allowed, reminder_at
from solver.models import ClaimIn, IncomeStream, PlanRequest

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("payment", "anchor", "at", "income", "expected_utc", "why"), [
    # 09:00 on the payment date: CET is UTC+1 in winter, CEST UTC+2 in summer.
    ("2027-03-25", "payment_date", "09:00", None, "2027-03-25T08:00", "Thursday before the spring change: CET"),
    ("2027-03-30", "payment_date", "09:00", None, "2027-03-30T07:00", "Tuesday after the spring change: CEST"),
    ("2027-10-29", "payment_date", "09:00", None, "2027-10-29T07:00", "Friday before the autumn change: CEST"),
    ("2027-11-01", "payment_date", "09:00", None, "2027-11-01T08:00", "Monday after the autumn change: CET"),
    # The evening of the income date; on a Sunday it waits for the next allowed morning, 08:00.
    ("2027-03-30", "income_date", "19:00", "2027-03-28", "2027-03-30T06:00",
     "income on Easter Sunday 28 March (the spring change), then Easter Monday: Tuesday 08:00 CEST"),
    ("2027-11-01", "income_date", "19:00", "2027-10-31", "2027-11-01T07:00",
     "income on Sunday 31 October (the autumn change): Monday 08:00 CET"),
    ("2027-01-26", "income_date", "19:00", "2027-01-25", "2027-01-25T18:00", "income on a Monday: 19:00 CET"),
    ("2027-07-26", "income_date", "19:00", "2027-07-23", "2027-07-23T17:00", "income on a Friday: 19:00 CEST"),
    # Quiet hours: 21:30 and 07:00 move to 08:00 (the next morning, or the same one); 20:59 is still allowed.
    ("2027-02-24", "income_date", "21:30", "2027-02-23", "2027-02-24T07:00", "21:30 Tuesday -> Wednesday 08:00"),
    ("2027-02-23", "payment_date", "07:00", None, "2027-02-23T07:00", "07:00 -> 08:00 the same day"),
    ("2027-02-23", "payment_date", "20:59", None, "2027-02-23T19:59", "20:59 is still allowed"),
    # Public holidays: Pentecost Sunday and Monday, King's Day, Good Friday, Christmas and Boxing Day.
    ("2027-05-18", "income_date", "19:00", "2027-05-16", "2027-05-18T06:00",
     "income on Pentecost Sunday, Pentecost Monday after it: Tuesday 08:00 CEST"),
    ("2027-04-28", "income_date", "10:00", "2027-04-27", "2027-04-28T06:00", "King's Day: the next morning"),
    ("2027-03-29", "income_date", "19:00", "2027-03-26", "2027-03-27T07:00",
     "Good Friday: Saturday 08:00 CET (Saturdays are allowed)"),
    ("2027-12-27", "income_date", "09:00", "2027-12-24", "2027-12-24T08:00", "Christmas Eve is no holiday"),
    ("2027-12-27", "income_date", "21:00", "2027-12-24", "2027-12-27T07:00",
     "Friday 24 December 21:00 is quiet, Christmas on Saturday, Boxing Day on Sunday: Monday 08:00 CET"),
])
def test_reminder_moments(payment: str, anchor: str, at: str, income: str | None, expected_utc: str,
                          why: str) -> None:
    moment = reminder_at(dt.date.fromisoformat(payment), anchor=ReminderAnchor(anchor),
                         reminder_time=dt.time.fromisoformat(at),
                         income_date=dt.date.fromisoformat(income) if income else None)
    assert moment == utc(expected_utc), why


def test_a_moratorium_suppresses_reminders_up_to_and_including_its_last_day() -> None:
    def at(payment: str, until: str | None) -> dt.datetime | None:
        return reminder_at(dt.date.fromisoformat(payment), anchor=ReminderAnchor.PAYMENT_DATE,
                           reminder_time=dt.time(9), moratorium_until=dt.date.fromisoformat(until) if until else None)

    assert at("2027-03-25", "2027-03-25") is None
    assert at("2027-03-25", "2027-04-30") is None
    assert at("2027-03-25", "2027-03-24") == utc("2027-03-25T08:00")
    # The income-date reminder of a payment date inside the moratorium is not sent either.
    assert reminder_at(dt.date(2027, 4, 1), anchor=ReminderAnchor.INCOME_DATE, reminder_time=dt.time(19),
                       income_date=dt.date(2027, 3, 31), moratorium_until=dt.date(2027, 3, 31)) is None


def test_the_income_behind_a_payment_date_is_found_from_the_plan_calendar() -> None:
    request = PlanRequest(start_date=dt.date(2027, 1, 1), months=12,
                          claims=[ClaimIn(id="a", creditor="A", outstanding_cents=100_000)],
                          income=[IncomeStream(id="benefit", amount_cents=120_000, available_cents=10_000,
                                               day_of_month=23)])
    behind = income_dates(request)
    # 23 May 2027 is a Sunday: paid out (a day later) on Monday 24 May.
    assert behind[dt.date(2027, 5, 24)] == dt.date(2027, 5, 23)
    # 23 January 2027 is a Saturday: paid out on Monday 25 January.
    assert behind[dt.date(2027, 1, 25)] == dt.date(2027, 1, 23)
    assert len(behind) == 12


NL_HOLIDAYS = holidays.country_holidays("NL", years=range(2026, 2031))
moments = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2030, 12, 31),
                       timezones=st.just(UTC))


@settings(max_examples=2000, deadline=None)
@given(moments)
def test_next_allowed_is_the_first_allowed_moment(moment: dt.datetime) -> None:
    found = next_allowed(moment)
    here = found.astimezone(AMS)
    assert found >= moment
    assert found.tzinfo is not None and found.utcoffset() == dt.timedelta(0)
    assert dt.time(8) <= here.time() < dt.time(21), here
    assert here.weekday() != 6 and here.date() not in NL_HOLIDAYS, here
    if found != moment:  # moved: it was not allowed, and nothing between is (08:00 sharp on the first good day)
        assert not allowed(moment)
        assert here.time() == dt.time(8)
        day = moment.astimezone(AMS).date()
        start = day if moment.astimezone(AMS).time() < dt.time(8) else day + dt.timedelta(days=1)
        skipped = [start + dt.timedelta(days=n) for n in range((here.date() - start).days)]
        assert all(d.weekday() == 6 or d in NL_HOLIDAYS for d in skipped)


@settings(max_examples=1000, deadline=None)
@given(st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)),
       st.times(min_value=dt.time(8), max_value=dt.time(20, 59)))
def test_an_allowed_wall_time_is_kept_exactly_whatever_the_offset(day: dt.date, at: dt.time) -> None:
    at = at.replace(microsecond=0)
    moment = reminder_at(day, anchor=ReminderAnchor.PAYMENT_DATE, reminder_time=at)
    assert moment is not None
    here = moment.astimezone(AMS)
    if day.weekday() != 6 and day not in NL_HOLIDAYS:
        assert (here.date(), here.time()) == (day, at)
        assert here.utcoffset() == dt.timedelta(hours=2 if here.dst() else 1)
    else:
        assert here.date() > day and here.time() == dt.time(8)
