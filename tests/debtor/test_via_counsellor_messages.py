"""Via the counsellor, the message chore reminds the debtor of the deposits into the organisation's account (the
debtor page's dates and amounts), never of the organisation's payouts to the creditors; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from tests.debtor.test_via_counsellor import via_world
from tests.messages.planning_flow import days, message_rows, reachable_case, run_days
from tests.support import api_client


def test_reminders_name_the_deposits_and_no_payout_is_nudged(database_url: str) -> None:
    world = via_world(database_url)
    with api_client(database_url) as client:
        case_id, plan_id = reachable_case(client, world, payment_route="via_counsellor")
        token = client.post(f"/v1/cases/{case_id}/debtor-links", json={},
                            headers=world.counsellor.headers).json()["token"]
        schedule = client.get("/v1/debtor/schedule", params={"token": token}).json()
        payouts = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()["proposal"]["payments"]
    deposits = {dt.date.fromisoformat(d["date"]): d["amount_cents"] for d in schedule["deposits"]}
    payout_days = {dt.date.fromisoformat(p["date"]) for p in payouts}
    assert not set(deposits) & payout_days  # the benefit's days and the payout days differ: a test that can fail

    # Two months of the daily chore: past the first payout day and its grace period, with nothing recorded as paid.
    run_days(database_url, days(dt.date(2027, 1, 1), dt.date(2027, 2, 28)), deliver=True)
    rows = message_rows(database_url)
    reminders = [r for r in rows if r.kind == "payment_reminder"]
    reminded = {r.payment_date: r.amount_cents for r in reminders}
    wanted = {day: cents for day, cents in deposits.items() if day <= dt.date(2027, 3, 31)}
    assert reminded == wanted, (reminded, wanted)
    assert {r.channel for r in reminders} == {"email", "sms"}
    assert not [r for r in rows if r.kind == "missed_payment"], "the organisation's payouts are not the debtor's"
