"""A variation of an active plan through the API: the case keeps running while it is negotiated, what was
received stays, missed installments are spread over the rest, creditors decide (a policy's tolerance at once),
and on agreement the plan as it runs is the carried schedule plus the variation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from dateutil.relativedelta import relativedelta
from litestar.testing import TestClient
from sqlalchemy import create_engine, func, select

from debt_coord.jobs.models import Job
from debt_coord.kernel.clock import today
from debt_coord.kernel.database import sync_url
from debt_coord.planning.variations import CreditorChange, within_tolerance
from tests.debtor.checks import calendar_events
from tests.debtor.flow import CREDITORS, EXTRA, debtor_link, planned_case
from tests.money_in.test_receipts import claims_of, ledger_sums, receipt
from tests.negotiation.flow import ask_for_plan, wait_for_plan
from tests.support import World, api_client, build_world

LOWER_INCOME = {"streams": [
    {"id": "uitkering", "kind": "benefit", "amount_cents": 120_000, "available_cents": 12_000, "day_of_month": 23},
    {"id": "vakantiegeld", "kind": "holiday_pay", "amount_cents": 80_000, "available_cents": 30_000,
     "every_weeks": 52, "first_date": "2027-05-21"},
]}


def installments(client: TestClient[Any], world: World, case_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def plan(client: TestClient[Any], world: World, plan_id: str) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
    return found


def case_state(client: TestClient[Any], world: World, case_id: str) -> str:
    return str(client.get(f"/v1/cases/{case_id}", headers=world.counsellor.headers).json()["state"])


def expected_counted(rows: list[dict[str, Any]], received: int, start: dt.date) -> int:
    """Received, plus what is still due before the variation starts; missed installments do not count."""
    before_today = sum(i["amount_cents"] for i in rows if dt.date.fromisoformat(i["date"]) < today())
    still_due = sum(i["amount_cents"] for i in rows if today() <= dt.date.fromisoformat(i["date"]) < start)
    return max(received, min(received, before_today) + still_due)


def change_of(row: dict[str, Any]) -> CreditorChange:
    dates = (dt.date.fromisoformat(row[k]) if row[k] else None for k in ("agreed_end", "varied_end"))
    return CreditorChange(row["organisation_id"], row["creditor"], row["agreed_cents"], row["varied_cents"],
                          *dates, ())


def test_a_variation_keeps_what_was_received_spreads_the_arrears_and_replaces_the_rest(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    start = (today() - relativedelta(months=3)).replace(day=1)
    with api_client(database_url) as client:
        case_id, first = planned_case(client, world, activate=True, start_date=start.isoformat(), months=12)
        token = {"token": debtor_link(client, world, case_id)["token"]}
        before_ics = calendar_events(client.get("/v1/debtor/schedule.ics", params=token).content)
        claims = {handle: claim["id"] for handle, claim in claims_of(client, world, case_id).items()}
        agreed = installments(client, world, case_id)["installments"]
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in agreed:
            rows[row["claim_id"]].append(row)
        past = {claim: sum(i["amount_cents"] for i in found if dt.date.fromisoformat(i["date"]) < today())
                for claim, found in rows.items()}
        # c1 paid all that was due, c3 that and 50 euros ahead, the others nothing: they are in arrears.
        paid = {claims["c1"]: past[claims["c1"]], claims["c3"]: past[claims["c3"]] + 50_00}
        for claim, cents in paid.items():
            assert receipt(client, world.counsellor.headers, case_id, claim, cents).status_code == 201
        behind = installments(client, world, case_id)["arrears"]
        assert behind["cents"] == sum(past.values()) - past[claims["c1"]] - past[claims["c3"]] > 0

        # The benefit is cut: the counsellor varies the plan. It starts on the next start of a month of the term.
        assert client.put(f"/v1/cases/{case_id}/income", json=LOWER_INCOME,
                          headers=world.counsellor.headers).is_success
        assert client.put("/v1/acceptance-policy", json={"variation_tolerance_bp": 10_000},
                          headers=world.c4.headers).is_success
        second = ask_for_plan(client, world, case_id, time_limit_seconds=5)
        assert case_state(client, world, case_id) == "active", "the plan runs on while the variation is made"
        varied = plan(client, world, second)
        vary_start = dt.date.fromisoformat(varied["varies"]["start_date"])
        assert varied["varies"]["number"] == 1 and varied["varies"]["plan_id"] == first
        assert vary_start == min(start + relativedelta(months=m) for m in range(1, 12)
                                 if start + relativedelta(months=m) > today())
        counted = varied["varies"]["counted"]
        for claim, found in rows.items():
            assert counted.get(claim, 0) == expected_counted(found, paid.get(claim, 0), vary_start), claim
        owed = {b["claim_id"]: b["owed_cents"] for b in installments(client, world, case_id)["balances"]}
        asked = {c["id"]: c["outstanding_cents"] for c in varied["request"]["claims"]}
        assert asked == {claim: owed[claim] - counted.get(claim, 0) for claim in owed
                         if owed[claim] > counted.get(claim, 0)}
        assert varied["request"]["start_date"] == vary_start.isoformat()
        assert {i["id"]: i["available_cents"] for i in varied["request"]["income"]}["uitkering"] == 12_000
        assert all(dt.date.fromisoformat(p["date"]) >= vary_start for p in varied["proposal"]["payments"])

        # Per creditor: what the agreed plan paid from the start of the variation, and what the variation pays.
        agreed_from = defaultdict(int)
        for row in agreed:
            if dt.date.fromisoformat(row["date"]) >= vary_start:
                agreed_from[row["claim_id"]] += row["amount_cents"]
        by_org = {c["organisation_id"]: c for c in varied["variation"]}
        for handle in CREDITORS:
            change = by_org[world.parties[handle].organisation_id]
            assert change["agreed_cents"] == agreed_from[claims[handle]]
            assert change["varied_cents"] == sum(p["amount_cents"] for p in varied["proposal"]["payments"]
                                                 if p["claim_id"] == claims[handle])

        # Proposed: c4's tolerance decides for it; money keeps coming in meanwhile.
        assert client.post(f"/v1/plans/{second}/propose", json={}, headers=world.counsellor.headers).is_success
        own = client.get(f"/v1/plans/{second}", headers=world.c2.headers).json()
        assert own["variation"] == by_org[world.c2.organisation_id], "a creditor sees what changes for itself"
        assert case_state(client, world, case_id) == "active"
        assert receipt(client, world.c2.headers, case_id, claims["c2"], 10_00).status_code == 201
        decisions = client.get(f"/v1/plans/{second}/decisions", headers=world.counsellor.headers).json()
        automatic = {d["organisation_id"] for d in decisions if d["automatic"]}
        c4 = change_of(by_org[world.c4.organisation_id])
        assert (world.c4.organisation_id in automatic) == within_tolerance(c4, 10_000)
        for handle in CREDITORS:
            if world.parties[handle].organisation_id not in automatic:
                answer = client.post(f"/v1/plans/{second}/decisions", json={"plan_version": 2, "decision": "accept"},
                                     headers=world.parties[handle].headers)
                assert answer.status_code == 201, answer.text
        assert client.post(f"/v1/plans/{second}/activate", headers=world.counsellor.headers).status_code == 200

        statuses = {p["number"]: p["status"] for p in
                    client.get(f"/v1/cases/{case_id}/plans", headers=world.counsellor.headers).json()}
        assert statuses == {1: "superseded", 2: "active"} and case_state(client, world, case_id) == "active"
        now = installments(client, world, case_id)
        assert now["arrears"] == {"cents": 0, "dates_behind": 0}, "the missed money is in the variation"
        new_paid = defaultdict(int)
        for p in varied["proposal"]["payments"]:
            new_paid[p["claim_id"]] += p["amount_cents"]
        per_claim = defaultdict(int)
        for row in now["installments"]:
            per_claim[row["claim_id"]] += row["amount_cents"]
        assert dict(per_claim) == {c: counted.get(c, 0) + new_paid[c] for c in owed if counted.get(c, 0) + new_paid[c]}
        kept = [(i["date"], i["claim_id"], i["status"]) for i in now["installments"]
                if i["claim_id"] == claims["c1"] and dt.date.fromisoformat(i["date"]) < today()]
        assert kept and {status for _, _, status in kept} == {"paid"}
        assert len(client.get(f"/v1/cases/{case_id}/receipts", headers=world.counsellor.headers).json()) == 3
        assert ledger_sums(database_url) == (0, {0})

        # The debtor's page and calendar: one schedule, the agreed dates before the start, the variation's after.
        schedule = client.get("/v1/debtor/schedule", params=token).json()
        assert schedule["plan"]["number"] == 2
        shown = sorted({d["date"] for d in schedule["dates"]})
        assert shown == sorted({i["date"] for i in now["installments"]})
        assert sum(d["total_cents"] for d in schedule["dates"]) == sum(per_claim.values())
        after_ics = calendar_events(client.get("/v1/debtor/schedule.ics", params=token).content)
        live = [e for e in after_ics if e["status"] != "CANCELLED"]
        assert [e["date"] for e in live] == [dt.date.fromisoformat(day) for day in shown]
        assert [e["uid"] for e in after_ics][:len(before_ics)] == [e["uid"] for e in before_ics]
        assert min(e["sequence"] for e in after_ics) > max(e["sequence"] for e in before_ics)


def test_a_variation_that_cannot_start_then_is_a_clear_problem_and_writes_nothing(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    start = (today() - relativedelta(months=2)).replace(day=1)
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True, start_date=start.isoformat(), months=12)
        jobs = _jobs(database_url)
        for wanted in (start + relativedelta(months=1, days=3), start, start + relativedelta(months=13)):
            answer = client.post(f"/v1/cases/{case_id}/plans", json={"start_date": wanted.isoformat()},
                                 headers=world.counsellor.headers)
            assert answer.status_code == 422, answer.text
            problem = answer.json()
            assert problem["code"] == "variation_start_invalid"
            assert [e["pointer"] for e in problem["errors"]] == ["/start_date"]
        assert _jobs(database_url) == jobs and case_state(client, world, case_id) == "active"
        # A later start of a month is fine, with a term of its own.
        later = min(start + relativedelta(months=m) for m in range(1, 12)
                    if start + relativedelta(months=m) > today()) + relativedelta(months=1)
        answer = client.post(f"/v1/cases/{case_id}/plans", json={"start_date": later.isoformat(), "months": 14,
                                                                  "time_limit_seconds": 5},
                             headers=world.counsellor.headers)
        assert answer.status_code == 202, answer.text
        varied = plan(client, world, wait_for_plan(client, answer.headers["location"], world.counsellor.headers))
        assert (varied["request"]["start_date"], varied["request"]["months"]) == (later.isoformat(), 14)
        assert varied["proposal"]["status"] in ("optimal", "feasible")


def _jobs(database_url: str) -> int:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Job)) or 0)
    finally:
        engine.dispose()
