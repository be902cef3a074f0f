"""Standing acceptance policies and response deadlines: consent given in advance, silence chased, never assumed."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import httpx
from litestar.testing import TestClient

from debt_coord.kernel.clock import today
from tests.live import live_server
from tests.negotiation.flow import CLAIMS, CREDITORS, INCOME, PLAN, ask_for_plan, decide
from tests.negotiation.receiver import webhook_receiver
from tests.support import World, api_client, build_world, open_case_with_creditors


def case_with_claims(client: TestClient[Any], world: World) -> str:
    case_id = open_case_with_creditors(client, world, *CREDITORS)
    assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=world.counsellor.headers).is_success
    for handle, body in CLAIMS.items():
        assert client.post(f"/v1/cases/{case_id}/claims", json=body, headers=world.parties[handle].headers).is_success
    return case_id


def publish(client: TestClient[Any], world: World, handle: str, **terms: Any) -> None:
    answer = client.put("/v1/acceptance-policy", json=terms, headers=world.parties[handle].headers)
    assert answer.status_code == 200, answer.text


def checks_of(client: TestClient[Any], world: World, plan_id: str) -> dict[str, dict[str, Any]]:
    plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
    return {check["creditor"]: check for check in plan["policy_checks"]}


def installments(client: TestClient[Any], world: World, plan_id: str, handle: str) -> list[int]:
    plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
    owned = {c["id"] for c in plan["request"]["claims"] if c["creditor"] == world.parties[handle].name}
    return [p["amount_cents"] for p in plan["proposal"]["payments"] if p["claim_id"] in owned]


def test_policies_accept_on_the_creditors_behalf_and_name_what_blocks_agreement(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=("c4", "c5"))
    with api_client(database_url) as client:
        case_id = case_with_claims(client, world)
        publish(client, world, "c2", max_term_months=24, rules=["proportional"])
        publish(client, world, "c3", min_percentage_bp=9_000)  # more than this debtor can ever pay

        first = ask_for_plan(client, world, case_id, **PLAN)
        smallest = min(installments(client, world, first, "c4"))
        assert client.post(f"/v1/plans/{first}/propose", json={}, headers=world.counsellor.headers).is_success
        decisions = client.get(f"/v1/plans/{first}/decisions", headers=world.counsellor.headers).json()
        assert [(d["organisation_id"], d["kind"], d["automatic"]) for d in decisions] == [
            (world.c2.organisation_id, "accept", True)]

        checks = checks_of(client, world, first)
        assert set(checks) == {world.c2.name, world.c3.name}
        assert checks[world.c2.name]["met"] and not checks[world.c2.name]["blocking"]
        c3 = checks[world.c3.name]
        assert not c3["met"] and c3["blocking"] and "the policy asks at least 90.00%" in c3["reasons"][0]

        # c4 now asks for larger payments than the first plan makes it.
        publish(client, world, "c4", min_payment_cents=smallest + 100)
        c4 = checks_of(client, world, first)[world.c4.name]
        assert c4["blocking"] and c4["reasons"] == [f"the smallest payment is €{smallest / 100:.2f}; "
                                                     f"the policy asks at least €{(smallest + 100) / 100:.2f}"]

        second = ask_for_plan(client, world, case_id, **PLAN, respect_policies=True)
        assert min(installments(client, world, second, "c4")) >= smallest + 100
        checks = checks_of(client, world, second)
        assert checks[world.c4.name]["met"] and checks[world.c2.name]["met"] and checks[world.c3.name]["blocking"]
        assert client.post(f"/v1/plans/{second}/propose", json={}, headers=world.counsellor.headers).is_success
        decisions = client.get(f"/v1/plans/{second}/decisions", headers=world.counsellor.headers).json()
        assert {(d["organisation_id"], d["kind"], d["automatic"]) for d in decisions} == {
            (world.c2.organisation_id, "accept", True), (world.c4.organisation_id, "accept", True)}
        trail = client.get(f"/v1/cases/{case_id}/audit", headers=world.counsellor.headers).json()
        automatic = [e["actor"] for e in trail if e["action"] == "decision.recorded"]
        assert automatic == [f"{world.c2.name} (acceptance policy)", f"{world.c2.name} (acceptance policy)",
                             f"{world.c4.name} (acceptance policy)"]


def test_a_policy_that_makes_planning_impossible_is_named(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=("c4", "c5"))
    with api_client(database_url) as client:
        case_id = case_with_claims(client, world)
        # One month to be paid in full, when the first month brings in less than c2's share alone.
        publish(client, world, "c2", max_term_months=1)
        publish(client, world, "c1", min_payment_cents=2_000)
        plan_id = ask_for_plan(client, world, case_id, **PLAN, respect_policies=True)
        plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
        assert plan["solver_status"] == "infeasible"
        checks = {check["creditor"]: check for check in plan["policy_checks"]}
        assert checks[world.c2.name]["blocking"] and "maximum term" in checks[world.c2.name]["reasons"][0]
        assert not checks[world.c1.name]["blocking"] and not checks[world.c1.name]["met"]


def test_silent_creditors_are_reminded_once_before_the_deadline(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=("c4", "c5"))
    deadline = today() + dt.timedelta(days=2)
    with webhook_receiver() as (receiver_url, inbox):
        with api_client(database_url) as client:
            for handle in CREDITORS:
                made = client.post("/v1/webhooks", headers=world.parties[handle].headers,
                                   json={"url": f"{receiver_url}/{handle}", "events": ["plan.reminder"]})
                assert made.status_code == 201, made.text
            case_id = case_with_claims(client, world)
            plan_id = ask_for_plan(client, world, case_id, **PLAN)
            proposed = client.post(f"/v1/plans/{plan_id}/propose", json={"response_deadline": deadline.isoformat()},
                                   headers=world.counsellor.headers)
            assert proposed.is_success, proposed.text
            for handle in ["c1", "c2"]:
                assert decide(client, world.parties[handle], plan_id, 1, "accept").status_code == 201

        # A server whose loop looks for near deadlines five times a second, for a few seconds.
        with live_server(database_url, reminder_check_seconds="0.2", webhook_poll_seconds="0.2",
                         reminder_days_before_deadline="3") as base:
            waited = time.monotonic() + 30
            while len(inbox.snapshot()) < 3 and time.monotonic() < waited:
                time.sleep(0.2)
            time.sleep(2)  # ten more rounds of the loop: none may remind again
            trail = httpx.get(f"{base}/v1/cases/{case_id}/audit", headers=world.counsellor.headers).json()

    received = inbox.snapshot()
    assert sorted(r.path for r in received) == ["/c3", "/c4", "/c5"]
    assert {r.body["data"]["plan_id"] for r in received} == {plan_id}
    assert {r.body["data"]["response_deadline"] for r in received} == {deadline.isoformat()}
    [reminder] = [e for e in trail if e["action"] == "plan.deadline_reminder"]
    assert sorted(reminder["after"]["organisations"]) == sorted(
        world.parties[h].organisation_id for h in ["c3", "c4", "c5"])
