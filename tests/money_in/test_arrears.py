"""Arrears as events: the daily chore, given its day, flags each overdue installment once and tells who it concerns."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from litestar.testing import TestClient
from sqlalchemy import create_engine, delete

from api.app import create_app
from debt_coord.jobs.models import ChoreDay
from debt_coord.kernel.clock import today
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.money_in.installments import bank_days_after
from tests.debtor.flow import EXTRA, planned_case
from tests.money_in.chores import arrears_chore, deliveries, flags, run_chore, run_chores_at_once
from tests.money_in.test_receipts import claims_of, receipt
from tests.negotiation.receiver import webhook_receiver
from tests.support import World, api_client, build_world

GRACE = 5  # DEBT_COORD_ARREARS_GRACE_BANK_DAYS's default
HOOK = {"url": "http://127.0.0.1:9/hooks", "events": ["plan.arrears"]}  # refused at once: the rows stay pending
Installment = tuple[str, str]


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url, extra_creditors=EXTRA)


def listing(client: TestClient[Any], world: World, case_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def first_day_overdue(date: str) -> dt.date:
    """The first day on which an installment of `date` not fully paid is overdue."""
    return bank_days_after(dt.date.fromisoformat(date), GRACE, "NL") + dt.timedelta(days=1)


def due_by(installments: list[dict[str, Any]], day: dt.date, paid: set[Installment]) -> set[Installment]:
    """The installments overdue on `day`, but for those paid in full."""
    return {(i["claim_id"], i["date"]) for i in installments if first_day_overdue(i["date"]) <= day} - paid


def arrears_trail(client: TestClient[Any], world: World, case_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/cases/{case_id}/audit?action=plan.arrears&limit=200", headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    trail: list[dict[str, Any]] = answer.json()
    return trail


def test_missed_installments_are_flagged_once_each_and_told_to_their_creditor_and_the_counsellor(
        database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True)
        claims = claims_of(client, world, case_id)
        for party in (world.c1, world.c2, world.counsellor):
            assert client.post("/v1/webhooks", json=HOOK, headers=party.headers).status_code == 201
        plan = listing(client, world, case_id)["installments"]
        dates = sorted({i["date"] for i in plan})
        # c1 pays its first installment in full; nobody pays anything else.
        c1_first = next(i for i in plan if i["claim_id"] == claims["c1"]["id"])
        assert receipt(client, world.c1.headers, case_id, c1_first["claim_id"], c1_first["amount_cents"]).is_success
        paid = {(c1_first["claim_id"], c1_first["date"])}

        day = first_day_overdue(dates[0])
        missed = due_by(plan, day, paid)
        assert missed and missed == due_by(plan, day + dt.timedelta(days=1), paid), "no new ones the day after"
        chore = arrears_chore(database_url)
        assert run_chore(database_url, day, chore) == len(missed)
        assert run_chore(database_url, day, chore) == 0, "the same worker, the same day"
        assert run_chore(database_url, day) == 0, "another worker (or a restart), the same day"
        assert run_chore(database_url, day + dt.timedelta(days=1)) == 0, "the next day: nothing new is overdue"

        told = deliveries(database_url, "plan.arrears")
        to_counsellor = [d for org, d in told if org == world.counsellor.organisation_id]
        assert {(d["claim_id"], d["installment_date"]) for d in to_counsellor} == missed
        assert len(to_counsellor) == len(missed)
        for handle in ("c1", "c2"):
            organisation = world.parties[handle].organisation_id
            own = {(d["claim_id"], d["installment_date"]) for org, d in told if org == organisation}
            assert own == {m for m in missed if m[0] == claims[handle]["id"]}
        assert len(told) == len(missed) + sum(1 for claim, _ in missed if claim in
                                              (claims["c1"]["id"], claims["c2"]["id"])), "c3..c6 have no webhook"
        one = next(d for d in to_counsellor if d["claim_id"] == claims["c2"]["id"])
        assert (one["missing_cents"], one["received_cents"], one["flagged_on"]) == (one["amount_cents"], 0,
                                                                                    day.isoformat())

        # Two payment dates later: only what became overdue since is flagged; nothing is flagged twice.
        later = first_day_overdue(dates[2])
        missed_later = due_by(plan, later, paid)
        assert run_chore(database_url, later) == len(missed_later) - len(missed)
        assert flags(database_url) == len(missed_later)
        to_counsellor = [d for org, d in deliveries(database_url, "plan.arrears")
                         if org == world.counsellor.organisation_id]
        assert sorted((d["claim_id"], d["installment_date"]) for d in to_counsellor) == sorted(missed_later)

        trail = arrears_trail(client, world, case_id)
        assert sorted((e["after"]["claim_id"], e["after"]["installment_date"]) for e in trail) == sorted(missed_later)
        assert {e["actor"] for e in trail} == {"debt-coord (daily arrears chore)"}


def test_a_partial_payment_is_flagged_only_once_the_grace_has_passed(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True)
        claims = claims_of(client, world, case_id)
        assert client.post("/v1/webhooks", json=HOOK, headers=world.counsellor.headers).status_code == 201
        plan = listing(client, world, case_id)["installments"]
        first = next(i for i in plan if i["claim_id"] == claims["c2"]["id"])
        half = first["amount_cents"] // 2
        assert receipt(client, world.c2.headers, case_id, first["claim_id"], half).is_success
        date = dt.date.fromisoformat(first["date"])
        last_day_of_grace = bank_days_after(date, GRACE, "NL")

        def c2_flagged() -> list[dict[str, Any]]:
            return [d for _, d in deliveries(database_url, "plan.arrears")
                    if (d["claim_id"], d["installment_date"]) == (first["claim_id"], first["date"])]

        for day in (date, date + dt.timedelta(days=1), last_day_of_grace):
            run_chore(database_url, day)
            assert c2_flagged() == [], f"within the grace on {day}"
        run_chore(database_url, last_day_of_grace + dt.timedelta(days=1))
        [flagged] = c2_flagged()
        assert (flagged["received_cents"], flagged["missing_cents"]) == (half, first["amount_cents"] - half)


def test_workers_running_the_chore_at_once_flag_each_installment_once(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True)
        assert client.post("/v1/webhooks", json=HOOK, headers=world.counsellor.headers).status_code == 201
        plan = listing(client, world, case_id)["installments"]
        day = first_day_overdue(max(i["date"] for i in plan[:20]))
        missed = due_by(plan, day, set())
        done = run_chores_at_once(database_url, day, 3)
        assert sorted(done) == [0, 0, len(missed)], "one worker took the day"
        assert flags(database_url) == len(missed)
        assert len(deliveries(database_url, "plan.arrears")) == len(missed)
        assert len(arrears_trail(client, world, case_id)) == len(missed)


def test_the_installments_suggest_failure_after_n_dates_in_arrears_and_the_counsellor_ends_the_plan(
        database_url: str, world: World) -> None:
    start = (today() - relativedelta(months=6)).replace(day=1)  # six payment dates are past their grace by now
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True, start_date=start.isoformat(), months=12)
        found = listing(client, world, case_id)
        assert found["arrears"]["dates_behind"] >= 5
        assert found["suggest_failure"] is True
        assert f"{found['arrears']['dates_behind']} payment dates are in arrears" in found["suggest_failure_reason"]
        mine = client.get(f"/v1/cases/{case_id}/installments", headers=world.c1.headers).json()
        assert mine["suggest_failure"] is True, "a creditor sees the suggestion for its own claims' arrears"

        closed = client.post(f"/v1/cases/{case_id}/close", headers=world.counsellor.headers,
                             json={"state": "failed", "reason": "Zes maanden niets betaald, geen contact."})
        assert closed.status_code == 200 and closed.json()["state"] == "failed"
        trail = client.get(f"/v1/cases/{case_id}/audit?action=case.failed", headers=world.counsellor.headers).json()
        assert trail[0]["after"]["reason"] == "Zes maanden niets betaald, geen contact."
        after = listing(client, world, case_id)
        assert (after["suggest_failure"], after["suggest_failure_reason"]) == (False, None), "the plan has ended"

    # The policy is a setting: with a higher threshold the same arrears suggest nothing.
    app = create_app(Settings(database_url=database_url, seed_demo=False, arrears_suggest_failure_dates=60))
    with api_client(database_url) as client:
        other, _ = planned_case(client, world, activate=True, start_date=start.isoformat(), months=12,
                                reference="2026-0002")
    with TestClient(app) as client:
        found = listing(client, world, other)
        assert found["arrears"]["dates_behind"] >= 5
        assert (found["suggest_failure"], found["suggest_failure_reason"]) == (False, None)


def test_the_delivery_loop_runs_the_chore_once_a_day_and_the_webhooks_arrive(database_url: str, world: World) -> None:
    start = (today() - relativedelta(months=3)).replace(day=1)
    with webhook_receiver() as (receiver, inbox):
        with api_client(database_url) as client:
            hook = {"url": f"{receiver}/counsellor", "events": ["plan.arrears"]}
            assert client.post("/v1/webhooks", json=hook, headers=world.counsellor.headers).status_code == 201
            case_id, _ = planned_case(client, world, activate=True, start_date=start.isoformat(), months=12)
            overdue = {(i["claim_id"], i["date"]) for i in listing(client, world, case_id)["installments"]
                       if i["status"] == "overdue"}
        assert overdue
        # That server's loop took today before the plan was active; a new day is a new claim.
        engine = create_engine(sync_url(database_url))
        with engine.begin() as connection:
            connection.execute(delete(ChoreDay))
        engine.dispose()
        with api_client(database_url):
            waited = time.monotonic() + 60
            while len(inbox.snapshot()) < len(overdue) and time.monotonic() < waited:
                time.sleep(0.2)
    received = inbox.snapshot()
    assert sorted((r.body["data"]["claim_id"], r.body["data"]["installment_date"]) for r in received) == sorted(overdue)
    assert {r.body["type"] for r in received} == {"plan.arrears"}
