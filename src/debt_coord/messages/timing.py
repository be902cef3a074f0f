"""When a message may go out, and when a payment reminder does: pure, on Europe/Amsterdam's clock.

A reminder is tied to the income behind its payment date: by default the payment date itself at 09:00, or the day
the income arrives (e.g. 19:00 that evening). Wall-clock times are local (zoneinfo, so daylight saving is right);
`due_at` is stored in UTC. No message goes out in quiet hours (21:00-08:00), on a Sunday or on a public holiday:
such a moment moves to the next allowed one (08:00 on the next allowed day). A breathing space or moratorium
(`moratorium_until`, inclusive) suppresses the reminder altogether.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache

import holidays

from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.messages.models import ReminderAnchor
from solver.calendar import income_events, payment_day_for
from solver.models import PlanRequest

QUIET_FROM = dt.time(21, 0)
"""From this local time on, nothing goes out ..."""
QUIET_UNTIL = dt.time(8, 0)
"""... until this local time the next morning."""
SUNDAY = 6


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, years=year))


def quiet_day(day: dt.date, country: str = "NL") -> bool:
    """A Sunday or a public holiday: no messages all day."""
    return day.weekday() == SUNDAY or day in _public_holidays(country, day.year)


def local(day: dt.date, at: dt.time) -> dt.datetime:
    """`at` on `day` in Amsterdam, as an aware time. A wall time that does not exist (the hour skipped in
    March) is read as the same distance after the change, as zoneinfo does with fold=0."""
    moment = dt.datetime.combine(day, at, tzinfo=AMSTERDAM)
    return moment.astimezone(dt.UTC).astimezone(AMSTERDAM)


def allowed(moment: dt.datetime, country: str = "NL") -> bool:
    """Whether a message may go out at `moment` (aware)."""
    here = moment.astimezone(AMSTERDAM)
    return not quiet_day(here.date(), country) and QUIET_UNTIL <= here.time() < QUIET_FROM


def next_allowed(moment: dt.datetime, country: str = "NL") -> dt.datetime:
    """`moment` (aware) if a message may go out then, else the first allowed moment after it; in UTC."""
    here = moment.astimezone(AMSTERDAM)
    if allowed(here, country):
        return here.astimezone(dt.UTC)
    day = here.date() if here.time() < QUIET_UNTIL else here.date() + dt.timedelta(days=1)
    while quiet_day(day, country):
        day += dt.timedelta(days=1)
    return local(day, QUIET_UNTIL).astimezone(dt.UTC)


def income_dates(request: PlanRequest) -> dict[dt.date, dt.date]:
    """Per payment date of the plan's calendar, the day the (last) income behind it arrives."""
    behind: dict[dt.date, dt.date] = {}
    for income in income_events(request):
        day = payment_day_for(income.date, request.policy.payment_lag_days, request.policy.holidays)
        behind[day] = max(behind.get(day, income.date), income.date)
    return behind


def in_moratorium(day: dt.date, moratorium_until: dt.date | None) -> bool:
    return moratorium_until is not None and day <= moratorium_until


def reminder_at(payment_date: dt.date, *, anchor: ReminderAnchor, reminder_time: dt.time,
                income_date: dt.date | None = None, moratorium_until: dt.date | None = None,
                country: str = "NL") -> dt.datetime | None:
    """When the reminder of `payment_date` goes out (UTC), or None while a moratorium covers it.

    The anchor day is the payment date, or with INCOME_DATE the day its income arrives (the payment date when the
    calendar does not know it). The moment is moved out of quiet hours, Sundays and holidays; a reminder whose
    payment date, or whose moment, falls in the moratorium is not sent at all.
    """
    day = income_date if anchor is ReminderAnchor.INCOME_DATE and income_date is not None else payment_date
    moment = next_allowed(local(day, reminder_time), country)
    if in_moratorium(payment_date, moratorium_until) or in_moratorium(moment.astimezone(AMSTERDAM).date(),
                                                                       moratorium_until):
        return None
    return moment


def reminder_times(payment_dates: Mapping[dt.date, dt.date | None], *, anchor: ReminderAnchor,
                   reminder_time: dt.time, moratorium_until: dt.date | None = None, country: str = "NL"
                   ) -> dict[dt.date, dt.datetime | None]:
    """`reminder_at` for each payment date (mapped to its income date, or None)."""
    return {day: reminder_at(day, anchor=anchor, reminder_time=reminder_time, income_date=income,
                             moratorium_until=moratorium_until, country=country)
            for day, income in payment_dates.items()}
