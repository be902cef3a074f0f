"""The debtor's calendar (ICS): one event per payment date, or via the counsellor per deposit, with UIDs that stay
across re-plans so calendars update their events in place."""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

from api.debtor.texts import TEXTS, after_income
from api.debtor.views import deposit_transfer, grouped_iban, money
from debt_coord.cases.states import CaseState
from debt_coord.debtor.schedule import Transfer, together
from debt_coord.debtor.service import DebtorSchedule
from debt_coord.kernel.text import without_bidi_controls


def event_uid(case_id: object, number: int) -> str:
    """The n-th payment date of a case keeps its UID across re-plans, so calendars update it in place."""
    return f"debt-coord-{case_id}-payment-{number}@debt-coord"


def calendar(view: DebtorSchedule, lang: str, page_url: str, today: dt.date) -> bytes:
    """One event per payment date (via the counsellor: per deposit); once the case has failed or was withdrawn, the
    dates still to come are cancelled."""
    t = TEXTS[lang]
    cal = Calendar()
    cal.add("prodid", "-//debt-coord//debtor schedule//NL")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", t["ics_name"])
    cal.add("x-wr-timezone", "Europe/Amsterdam")
    cal.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "P1D")
    schedule, version = view.schedule, view.version
    assert schedule is not None and version is not None
    stamp = version.activated_at or version.proposed_at or version.created_at
    currency = schedule.currency
    ended = view.case.closed and view.case.state is not CaseState.COMPLETED
    for number, day, total_cents, lines in _calendar_days(view, lang):
        if ended and day >= today:
            cal.add_component(cancelled(view, number, version.number, stamp, day, t))
            continue
        total = money(total_cents, currency, lang)
        event = Event()
        event.add("uid", event_uid(view.case.id, number))
        event.add("sequence", version.number)
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", t["ics_summary"].format(amount=total))
        event.add("description", without_bidi_controls("\n".join([*lines, "", page_url])))  # as on the page
        event.add("transp", "TRANSPARENT")
        event.add("url", page_url)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", t["ics_alarm"].format(amount=total))
        alarm.add("trigger", -dt.timedelta(hours=5))  # all-day event starts at midnight: 19:00 the evening before
        event.add_component(alarm)
        cal.add_component(event)
    shown = len(schedule.deposits) if schedule.via_counsellor else len(schedule.dates)
    last_day = schedule.deposits[-1].date if schedule.deposits else schedule.last_payment_date
    for number in range(shown + 1, view.earlier_payment_dates + 1):
        # an earlier version had more payment dates: cancel them in calendars that imported it
        cal.add_component(cancelled(view, number, version.number, stamp, last_day or schedule.start_date, t))
    data: bytes = cal.to_ical()
    return data


def _transfer_line(transfer: Transfer, currency: str, lang: str) -> str:
    details = [transfer.creditor, money(transfer.amount_cents, currency, lang)]
    if transfer.iban:
        details.append(f"IBAN {grouped_iban(transfer.iban)}")
    if transfer.payment_reference:
        details.append(f"{TEXTS[lang]['reference']}: {transfer.payment_reference}")
    return "- " + " | ".join(details)


def _calendar_days(view: DebtorSchedule, lang: str) -> list[tuple[int, dt.date, int, list[str]]]:
    """The calendar's days (number, date, amount, description lines): the debtor's payment dates, or via the
    counsellor the deposits into the organisation's account (its payouts to the creditors are not the debtor's)."""
    t, schedule = TEXTS[lang], view.schedule
    assert schedule is not None
    currency = schedule.currency
    days = []
    if schedule.via_counsellor:
        for deposit in schedule.deposits:
            total = money(deposit.amount_cents, currency, lang)
            lines = [t["ics_description_via"].format(amount=total, organisation=view.counsellor.name),
                     _transfer_line(deposit_transfer(deposit, view), currency, lang)]
            if income := after_income([view.income(i) for i in deposit.after_income], lang):
                lines.append(income)
            days.append((deposit.number, deposit.date, deposit.amount_cents, lines))
        return days
    for date in schedule.dates:
        lines = [t["ics_description"].format(amount=money(date.total_cents, currency, lang))]
        lines += [_transfer_line(together(group), currency, lang) for group in date.bank_transfers()]
        if income := after_income([view.income(i) for i in date.after_income], lang):
            lines.append(income)
        days.append((date.number, date.date, date.total_cents, lines))
    return days


def cancelled(view: DebtorSchedule, number: int, sequence: int, stamp: dt.datetime, day: dt.date,
              t: dict[str, str]) -> Event:
    gone = Event()
    gone.add("uid", event_uid(view.case.id, number))
    gone.add("sequence", sequence)
    gone.add("dtstamp", stamp)
    gone.add("dtstart", day)
    gone.add("summary", t["ics_cancelled"])
    gone.add("status", "CANCELLED")
    return gone
