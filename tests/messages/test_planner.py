"""The message chore over a case's whole term on a fake clock, on both databases.

Eighteen months of a debtor with a benefit on the 23rd and holiday pay in May: the reminders go out on the evening
the income arrives (19:00 Amsterdam time, later 21:30, which quiet hours move to 08:00 the next morning), across
both daylight-saving changes, never on a Sunday or a public holiday, none in a breathing space, and none on SMS
once the debtor used the stop link; a nudge follows each missed payment date once, after the grace period.
Delivery is stood in for by marking what is due as sent (tests/messages/test_delivery.py tests the real one).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import holidays
import pytest

from debt_coord.kernel.clock import AMSTERDAM, today
from debt_coord.kernel.database import create_engine as create_async_engine
from debt_coord.kernel.database import session_factory
from debt_coord.money_in.installments import bank_days_after
from tests.debtor.flow import CREDITORS, EXTRA, debtor_link
from tests.messages.planning_flow import (
    days,
    message_planner,
    message_rows,
    midnight,
    payment_dates,
    reachable_case,
    run_days,
    set_preferences,
)
from tests.money_in.chores import run_chore
from tests.money_in.test_completion import owed
from tests.money_in.test_receipts import claims_of, receipt
from tests.negotiation.flow import ask_for_plan
from tests.support import World, api_client, build_world

NL = holidays.country_holidays("NL", years=range(2026, 2030))
GRACE = 5
BREATHING_SET, BREATHING_UNTIL = dt.date(2027, 5, 1), dt.date(2027, 6, 30)
LATER_TIME_FROM = dt.date(2027, 10, 1)
SMS_STOPPED = dt.date(2027, 12, 1)
HOLIDAY_PAY = (dt.date(2027, 5, 21), dt.date(2028, 5, 19))


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url, extra_creditors=EXTRA)


def first_allowed(day: dt.date, at: dt.time) -> dt.datetime:
    """Written out apart from messages/timing.py: `at` on `day`, or 08:00 on the first later day that allows it."""
    if at >= dt.time(21):
        day, at = day + dt.timedelta(days=1), dt.time(8)
    at = max(at, dt.time(8))
    while day.weekday() == 6 or day in NL:
        day, at = day + dt.timedelta(days=1), dt.time(8)
    return dt.datetime.combine(day, at, tzinfo=AMSTERDAM).astimezone(dt.UTC)


def income_before(day: dt.date) -> dt.date:
    """The income a payment date follows from: the latest arrival (the 23rd, or holiday pay) before it."""
    month = day if day.day > 23 else (day.replace(day=1) - dt.timedelta(days=1))
    return max([month.replace(day=23), *(d for d in HOLIDAY_PAY if d < day)])


def moment(day: dt.date) -> dt.datetime:
    """On the day (income date, or first overdue day) at the time in effect then."""
    early = first_allowed(day, dt.time(19))
    return early if early < midnight(LATER_TIME_FROM) else first_allowed(day, dt.time(21, 30))


def breathing(at: dt.datetime, payment: dt.date | None = None) -> bool:
    return at >= midnight(BREATHING_SET) and (at.astimezone(AMSTERDAM).date() <= BREATHING_UNTIL
                                              or (payment is not None and payment <= BREATHING_UNTIL))


Went = set[tuple[str, dt.date, dt.datetime, int]]
"""(channel, payment date, when, amount) of the messages that went out."""


def expected_reminders(totals: dict[dt.date, int]) -> Went:
    sent: Went = set()
    for day, cents in totals.items():
        at = moment(income_before(day))
        if breathing(at, day):
            continue
        for channel in ("email", "sms"):
            if channel == "email" or at < midnight(SMS_STOPPED):
                sent.add((channel, day, at, cents))
    return sent


def expected_nudges(totals: dict[dt.date, int]) -> Went:
    sent: Went = set()
    for day, cents in totals.items():
        first = bank_days_after(day, GRACE, "NL") + dt.timedelta(days=1)
        for late in days(first, first + dt.timedelta(days=7)):
            at = moment(first) if late == first else max(moment(first), first_allowed(late, dt.time(8)))
            if not breathing(at):
                sent.update((c, day, at, cents) for c in ("email", "sms") if c == "email" or late < SMS_STOPPED)
                break
    return sent


def run_until(database_url: str, first: dt.date, last: dt.date) -> None:
    run_days(database_url, days(first, last), deliver=True)


def by_kind(rows: list[Any], kind: str, status: str) -> set[tuple[str, dt.date, dt.datetime, int]]:
    return {(r.channel, r.payment_date, r.due_at.replace(tzinfo=dt.UTC) if r.due_at.tzinfo is None else r.due_at,
             r.amount_cents) for r in rows if r.kind == kind and r.status == status}


def test_eighteen_months_of_reminders_land_on_the_right_days_and_hours(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = reachable_case(client, world)
        totals = payment_dates(client, world, case_id)
        assert min(totals) < dt.date(2027, 3, 28) and max(totals) > dt.date(2028, 4, 1), "both DST changes, twice"
        set_preferences(client, world, case_id, reminder_anchor="income_date", reminder_time="19:00")

        run_until(database_url, dt.date(2026, 12, 20), BREATHING_SET - dt.timedelta(days=1))
        set_preferences(client, world, case_id, moratorium_until=BREATHING_UNTIL.isoformat(),
                        moratorium_reason="breathing space (Wet schuldsanering, 2 months)")
        run_until(database_url, BREATHING_SET, LATER_TIME_FROM - dt.timedelta(days=1))
        set_preferences(client, world, case_id, reminder_time="21:30")
        run_until(database_url, LATER_TIME_FROM, SMS_STOPPED - dt.timedelta(days=1))
        token = debtor_link(client, world, case_id)["token"]
        stopped = client.post(f"/v1/debtor/opt-out?token={token}&channel=sms")
        assert stopped.status_code == 200, stopped.text
        assert stopped.json()["stopped"] == ["sms"]
        run_until(database_url, SMS_STOPPED, dt.date(2028, 7, 31))

    rows = message_rows(database_url)
    reminders = by_kind(rows, "payment_reminder", "sent")
    assert reminders == expected_reminders(totals)
    assert by_kind(rows, "missed_payment", "sent") == expected_nudges(totals)

    # The days and hours a person checks on a calendar: the income's evening, or 08:00 after quiet hours.
    email = {day: at for channel, day, at, _ in reminders if channel == "email"}
    for payment, sent_at in [
        ("2027-03-24", "2027-03-23T18:00"),  # Tuesday 19:00 CET, before the spring change
        ("2027-04-26", "2027-04-23T17:00"),  # Friday 19:00 CEST, after it
        ("2027-05-24", None),                # in the breathing space
        ("2027-06-24", None),                # in the breathing space
        ("2027-07-26", "2027-07-23T17:00"),  # Friday 19:00 CEST, after the breathing space
        ("2027-10-25", "2027-10-25T06:00"),  # Sat 21:30 is quiet, then Sunday: Monday 08:00 CEST
        ("2027-11-24", "2027-11-24T07:00"),  # Tue 21:30 is quiet: Wednesday 08:00 CET, after the autumn change
        ("2028-03-24", "2028-03-24T07:00"),  # Thu 21:30: Friday 08:00 CET
        ("2028-04-24", "2028-04-24T06:00"),  # income on Sunday: Monday 08:00 CEST
    ]:
        day = dt.date.fromisoformat(payment)
        if sent_at is None:
            assert day in totals and day not in email, payment
        else:
            assert email[day] == dt.datetime.fromisoformat(sent_at).replace(tzinfo=dt.UTC), payment
    for _, _, at, _ in reminders | by_kind(rows, "missed_payment", "sent"):
        here = at.astimezone(AMSTERDAM)
        assert dt.time(8) <= here.time() < dt.time(21) and here.weekday() != 6 and here.date() not in NL, here

    # At most one per payment date and channel, whatever ran daily; SMS stopped at the stop link.
    keys = [(r.channel, r.kind, r.payment_date) for r in rows if r.kind in ("payment_reminder", "missed_payment")]
    assert len(keys) == len(set(keys))
    late_sms = [r for r in rows if r.channel == "sms" and r.due_at.replace(tzinfo=dt.UTC) >= midnight(SMS_STOPPED)]
    assert late_sms and all(r.status == "skipped" and "stop link" in r.status_reason for r in late_sms)
    assert not [r for r in rows if r.channel == "sms" and r.payment_date and r.payment_date > dt.date(2028, 1, 2)]
    skipped_in_breathing = [r for r in rows if r.status == "skipped" and "breathing" in r.status_reason]
    assert {r.payment_date for r in skipped_in_breathing} == {dt.date(2027, 5, 24)}, "planned before it was set"


def test_a_varied_plan_cancels_what_was_planned_for_the_old_one_and_says_so(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, first_plan = reachable_case(client, world)
        run_days(database_url, [dt.date(2027, 1, 1)])
        before = message_rows(database_url)
        assert {(r.kind, r.status) for r in before} == {("plan_active", "planned"), ("payment_reminder", "planned")}
        old_reminders = {r.payment_date for r in before if r.kind == "payment_reminder"}
        assert old_reminders == {min(payment_dates(client, world, case_id))}

        second_plan = ask_for_plan(client, world, case_id, start_date="2027-02-01", time_limit_seconds=5)
        assert client.post(f"/v1/plans/{second_plan}/propose", json={}, headers=world.counsellor.headers).is_success
        for handle in CREDITORS:
            answer = client.post(f"/v1/plans/{second_plan}/decisions", json={"plan_version": 2, "decision": "accept"},
                                 headers=world.parties[handle].headers)
            assert answer.status_code == 201, answer.text
        assert client.post(f"/v1/plans/{second_plan}/activate", headers=world.counsellor.headers).status_code == 200

    rows = message_rows(database_url)
    assert {(r.kind, r.channel, r.status) for r in rows} == {
        *((kind, channel, "cancelled") for kind in ("plan_active", "payment_reminder") for channel in ("email", "sms")),
        *((kind, channel, "planned") for kind in ("plan_proposed", "plan_varied") for channel in ("email", "sms")),
    }
    assert all(r.facts["plan_id"] == first_plan and "replaced by plan version 2" in r.status_reason
               for r in rows if r.status == "cancelled")
    assert all(r.facts["plan_id"] == second_plan for r in rows if r.status == "planned")


def test_a_plan_paid_in_full_says_so_and_nothing_else_of_it_goes_out(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, plan_id = reachable_case(client, world)
        run_days(database_url, [dt.date(2027, 1, 1)])
        for handle, claim in claims_of(client, world, case_id).items():
            assert receipt(client, world.parties[handle].headers, case_id, claim["id"], owed(claim)).is_success
        assert run_chore(database_url, today() + dt.timedelta(days=1)) == 1, "the case completed"

    rows = message_rows(database_url)
    assert {(r.kind, r.channel, r.status) for r in rows} == {
        *((kind, channel, "cancelled") for kind in ("plan_active", "payment_reminder") for channel in ("email", "sms")),
        ("plan_completed", "email", "planned"), ("plan_completed", "sms", "planned")}
    assert all(r.facts["plan_id"] == plan_id for r in rows)
    assert all("completed" in r.status_reason for r in rows if r.status == "cancelled")


def test_workers_running_the_chore_at_once_plan_each_reminder_once(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = reachable_case(client, world)
        first = min(payment_dates(client, world, case_id))
    day = first - dt.timedelta(days=10)

    async def together() -> list[int]:
        engines = [create_async_engine(database_url) for _ in range(3)]
        try:
            return list(await asyncio.gather(*(
                message_planner(database_url)(session_factory(engine), now=midnight(day) + dt.timedelta(minutes=30))
                for engine in engines)))
        finally:
            for engine in engines:
                await engine.dispose()

    done = asyncio.run(together())
    assert sorted(done) == [0, 0, 2], "one worker took the day and planned e-mail and SMS; the others nothing"
    assert run_days(database_url, [day, day + dt.timedelta(days=1)]) == 0, "a restart, the next day: nothing new"
    reminders = [r for r in message_rows(database_url) if r.kind == "payment_reminder"]
    assert sorted((r.channel, r.payment_date) for r in reminders) == [("email", first), ("sms", first)]


def test_a_nudge_follows_only_a_missed_payment_and_asks_for_what_is_missing(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = reachable_case(client, world)
        answer = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers)
        plan = answer.json()["installments"]
        first, second = sorted({dt.date.fromisoformat(i["date"]) for i in plan})[:2]
        owners = {c["id"]: handle for handle, c in claims_of(client, world, case_id).items()}
        on_first = [i for i in plan if i["date"] == first.isoformat()]
        short = on_first[0]
        for item in on_first:  # the first date paid in full but for 1 euro of one transfer
            cents = item["amount_cents"] - (100 if item is short else 0)
            assert receipt(client, world.parties[owners[item["claim_id"]]].headers, case_id, item["claim_id"],
                           cents).is_success
    totals = {day: sum(i["amount_cents"] for i in plan if i["date"] == day.isoformat()) for day in (first, second)}

    overdue_first = bank_days_after(first, GRACE, "NL") + dt.timedelta(days=1)
    overdue_second = bank_days_after(second, GRACE, "NL") + dt.timedelta(days=1)
    run_days(database_url, days(first, overdue_second + dt.timedelta(days=3)))
    nudges = [r for r in message_rows(database_url) if r.kind == "missed_payment"]
    assert sorted((r.channel, r.payment_date, r.amount_cents) for r in nudges) == [
        ("email", first, 100), ("email", second, totals[second]),
        ("sms", first, 100), ("sms", second, totals[second])]
    for row in nudges:
        day = overdue_first if row.payment_date == first else overdue_second
        assert row.due_at.replace(tzinfo=dt.UTC) == first_allowed(day, dt.time(9)), "09:00 on the first late day"
        assert row.tone in ("warm", "neutral")


def test_a_breathing_space_holds_the_coming_reminder_back_and_lifting_it_brings_it_back(database_url: str,
                                                                                      world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = reachable_case(client, world)
        first = min(payment_dates(client, world, case_id))
        day = first - dt.timedelta(days=10)

        def reminders() -> set[tuple[str, str, str]]:
            return {(r.channel, r.status, r.status_reason) for r in message_rows(database_url)
                    if r.kind == "payment_reminder"}

        run_days(database_url, [day])
        assert reminders() == {("email", "planned", ""), ("sms", "planned", "")}
        set_preferences(client, world, case_id, moratorium_until=first.isoformat(), moratorium_reason="WSNP")
        held = f"breathing space until {first.isoformat()}"
        assert reminders() == {("email", "skipped", held), ("sms", "skipped", held)}
        run_days(database_url, [day + dt.timedelta(days=1)])
        assert reminders() == {("email", "skipped", held), ("sms", "skipped", held)}
        set_preferences(client, world, case_id, moratorium_until=None)
        run_days(database_url, [day + dt.timedelta(days=2)])
        assert reminders() == {("email", "planned", ""), ("sms", "planned", "")}
        due = {r.due_at.replace(tzinfo=dt.UTC) for r in message_rows(database_url) if r.kind == "payment_reminder"}
        assert due == {first_allowed(first, dt.time(9))}
