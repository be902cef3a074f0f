"""A debtor's case with contacts and message preferences through the API, and the message chore on a fake clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import create_engine, select, update

from debt_coord.bootstrap import chores, message_bus
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.kernel.database import create_engine as create_async_engine
from debt_coord.kernel.database import session_factory, sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.messages.models import DebtorMessage, MessageStatus
from debt_coord.messages.planner import MessagePlanner
from tests.debtor.flow import CREDITORS, planned_case
from tests.support import World

PHONE = "06 12345678"
PHONE_E164 = "+31612345678"
EMAIL = "jan.devries@example.org"


def message_planner(database_url: str) -> MessagePlanner:
    """The chore the loop runs (bootstrap.chores), as a fresh process would have it."""
    [chore] = [c for c in chores(Settings(database_url=database_url, seed_demo=False), message_bus())
               if isinstance(c, MessagePlanner)]
    return chore


def run_days(database_url: str, days: Iterable[dt.date], at: dt.time = dt.time(0, 30), *,
             deliver: bool = False) -> int:
    """The chore once on each of `days`, at `at` Amsterdam time (the loop's first round of the day). With
    `deliver`, after each day what fell due by its end is marked sent (delivery in short: what went out, when)."""
    chore = message_planner(database_url)

    async def run() -> int:
        engine = create_async_engine(database_url)
        try:
            sessions = session_factory(engine)
            done = 0
            for day in days:
                now = dt.datetime.combine(day, at, tzinfo=AMSTERDAM).astimezone(dt.UTC)
                done += int(await chore(sessions, now=now))
                if deliver:
                    async with sessions() as session, session.begin():
                        await session.execute(
                            update(DebtorMessage).where(DebtorMessage.status == MessageStatus.PLANNED,
                                                        DebtorMessage.due_at <= midnight(day + dt.timedelta(days=1)))
                            .values(status=MessageStatus.SENT, sent_at=DebtorMessage.due_at))
            return done
        finally:
            await engine.dispose()

    return asyncio.run(run())


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=AMSTERDAM).astimezone(dt.UTC)


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def message_rows(database_url: str) -> list[Any]:
    """Every message row (its columns by name), in the order they are due."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(DebtorMessage).order_by(DebtorMessage.due_at)).all())
    finally:
        engine.dispose()


def add_contact(client: TestClient[Any], world: World, case_id: str, channel: str, address: str) -> dict[str, Any]:
    body = {"channel": channel, "address": address, "consent_source": "intake form, signed by the debtor"}
    answer = client.put(f"/v1/cases/{case_id}/contacts", json=body, headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def set_preferences(client: TestClient[Any], world: World, case_id: str, **wanted: Any) -> dict[str, Any]:
    answer = client.put(f"/v1/cases/{case_id}/message-preferences", json=wanted, headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def activate(client: TestClient[Any], world: World, plan_id: str) -> None:
    for handle in CREDITORS:
        body = {"plan_version": 1, "decision": "accept"}
        answer = client.post(f"/v1/plans/{plan_id}/decisions", json=body, headers=world.parties[handle].headers)
        assert answer.status_code == 201, answer.text
    activated = client.post(f"/v1/plans/{plan_id}/activate", headers=world.counsellor.headers)
    assert activated.status_code == 200, activated.text


def reachable_case(client: TestClient[Any], world: World, *, activate_plan: bool = True, **plan: Any
                   ) -> tuple[str, str]:
    """(case id, plan id): a proposed plan from 2027-01-01, e-mail and SMS contacts with consent, then activated."""
    case_id, plan_id = planned_case(client, world, activate=False, **{"start_date": "2027-01-01", **plan})
    add_contact(client, world, case_id, "email", EMAIL)
    add_contact(client, world, case_id, "sms", PHONE)
    if activate_plan:
        activate(client, world, plan_id)
    return case_id, plan_id


def payment_dates(client: TestClient[Any], world: World, case_id: str) -> dict[dt.date, int]:
    """What the debtor pays on each payment date of the active plan (from the installments the counsellor sees)."""
    answer = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    totals: dict[dt.date, int] = {}
    for item in answer.json()["installments"]:
        day = dt.date.fromisoformat(item["date"])
        totals[day] = totals.get(day, 0) + item["amount_cents"]
    return totals
