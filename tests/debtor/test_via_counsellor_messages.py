"""Via the counsellor, the message chore reminds the debtor of the deposits into the organisation's account (the
debtor page's dates and amounts), never of the organisation's payouts to the creditors; SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from debt_coord.bootstrap import provide_services
from debt_coord.cases.models import Case
from debt_coord.kernel.settings import Settings
from debt_coord.messages.checks import Cleared, check
from debt_coord.messages.models import DebtorMessage
from tests.debtor.test_via_counsellor import PAYOUT_IBAN, via_world
from tests.messages.planning_flow import days, message_rows, reachable_case, run_days
from tests.money_in.statement_flow import Line
from tests.payouts.flow import import_statement
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


def test_a_deposit_reminder_goes_out_when_due_and_not_once_the_deposit_is_in(database_url: str) -> None:
    """At the moment of sending, a reminder of a deposit is checked against the deposits (not the organisation's
    payouts, whose dates differ: it would be cancelled as 'no payment on this date')."""
    world = via_world(database_url)
    with api_client(database_url) as client:
        case_id, _ = reachable_case(client, world, payment_route="via_counsellor")
        run_days(database_url, days(dt.date(2027, 1, 1), dt.date(2027, 1, 2)))
        reminder = min((r for r in message_rows(database_url) if r.kind == "payment_reminder"),
                       key=lambda r: r.payment_date)
        assert asyncio.run(verdict(database_url, case_id, reminder.id, reminder.payment_date)) == "cleared"

        line = Line("DEP-1", reminder.amount_cents, "NL69INGB0123456789", "Aflossing 2026-0001")
        answer = import_statement(client, world, [line], "DEP-1", account=PAYOUT_IBAN)
        assert answer.status_code == 201 and answer.json()["deposits"] == 1, answer.text
        assert asyncio.run(verdict(database_url, case_id, reminder.id, reminder.payment_date)) == "already paid"


async def verdict(database_url: str, case_id: str, message_id: uuid.UUID, day: dt.date) -> str:
    """What the delivery's check says of the message on `day`: 'cleared', or the reason it is held back."""
    settings = Settings(database_url=database_url, seed_demo=False)
    async with provide_services(settings) as services:
        session = services.uow.session
        message = await session.get_one(DebtorMessage, message_id)
        case = await session.get_one(Case, uuid.UUID(case_id))
        found = await check(session, message, case, day, settings.arrears_grace_bank_days)
        return "cleared" if isinstance(found, Cleared) else found.reason
