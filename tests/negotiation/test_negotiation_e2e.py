"""Issue 4's story end to end: five creditors, a counter, a re-plan, agreement, activation."""

from __future__ import annotations

import time
from typing import Any

from litestar.testing import TestClient

from tests.negotiation.flow import CLAIMS, CREDITORS, INCOME, ask_for_plan, decide
from tests.negotiation.receiver import webhook_receiver
from tests.support import World, api_client, build_world, open_case_with_creditors


def wait_until_delivered(client: TestClient[Any], world: World, endpoints: dict[str, str], expected: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = [
            d["status"]
            for handle, endpoint in endpoints.items()
            for d in client.get(f"/v1/webhooks/{endpoint}/deliveries", headers=world.parties[handle].headers).json()
        ]
        if len(states) == expected and set(states) == {"delivered"}:
            return
        time.sleep(0.3)
    raise AssertionError(f"deliveries not done: {states}")


def test_counter_replan_agree_activate_with_audit_and_webhooks(database_url: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("DEBT_COORD_WEBHOOK_POLL_SECONDS", "0.2")
    world = build_world(database_url, extra_creditors=("c4", "c5"))
    with webhook_receiver() as (receiver_url, inbox), api_client(database_url) as client:
        endpoints = {}
        for handle in ["counsellor", *CREDITORS]:
            made = client.post("/v1/webhooks", headers=world.parties[handle].headers,
                               json={"url": f"{receiver_url}/{handle}", "events": [
                                   "plan.proposed", "plan.activated", "plan.superseded", "decision.recorded"]})
            assert made.status_code == 201, made.text
            endpoints[handle] = made.json()["id"]

        case_id = open_case_with_creditors(client, world, *CREDITORS)
        assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=world.counsellor.headers).is_success
        for handle, body in CLAIMS.items():
            registered = client.post(f"/v1/cases/{case_id}/claims", json=body, headers=world.parties[handle].headers)
            assert registered.status_code == 201, registered.text

        first = ask_for_plan(client, world, case_id, start_date="2027-01-01", time_limit_seconds=5)
        assert client.post(f"/v1/plans/{first}/propose", json={}, headers=world.counsellor.headers).is_success
        view = client.get(f"/v1/plans/{first}", headers=world.c4.headers).json()
        assert view["own"]["creditor"] == "Telecom Vier" and view["installments"]
        assert "iban" not in str(view).lower() and "TEL-4" not in str(view)
        smallest = min(p["amount_cents"] for p in view["installments"])

        for handle in ["c1", "c2", "c3", "c5"]:
            assert decide(client, world.parties[handle], first, 1, "accept").status_code == 201
        counter = {"min_payment_cents": smallest + 2_500}
        countered = decide(client, world.c4, first, 1, "counter", reason="Te kleine bedragen", counter=counter)
        assert countered.status_code == 201, countered.text
        assert decide(client, world.c4, first, 1, "counter", reason="Te kleine bedragen",
                      counter=counter).status_code == 200  # the same answer again changes nothing
        report = client.get(f"/v1/plans/{first}/acceptance", headers=world.counsellor.headers).json()
        assert not report["agreed"] and report["counts"] == {"accept": 4, "reject": 0, "counter": 1, "no_answer": 0}
        [refusal] = report["refusals"]
        assert refusal["creditor"] == "Telecom Vier" and refusal["stands_alone"] is True

        second = ask_for_plan(client, world, case_id, start_date="2027-01-01", time_limit_seconds=5,
                              apply_counters=True)
        stale = decide(client, world.c1, first, 1, "accept")
        assert stale.status_code == 409 and "current version is 2" in stale.json()["detail"]
        assert client.post(f"/v1/plans/{second}/propose", json={}, headers=world.counsellor.headers).is_success
        new_view = client.get(f"/v1/plans/{second}", headers=world.c4.headers).json()
        assert min(p["amount_cents"] for p in new_view["installments"]) >= smallest + 2_500 or (
            len(new_view["installments"]) == 1)
        for handle in CREDITORS:
            assert decide(client, world.parties[handle], second, 2, "accept").status_code == 201
        activated = client.post(f"/v1/plans/{second}/activate", headers=world.counsellor.headers)
        assert activated.status_code == 200 and activated.json()["status"] == "active", activated.text
        case = client.get(f"/v1/cases/{case_id}", headers=world.counsellor.headers).json()
        assert case["state"] == "active"

        trail = [e["action"] for e in client.get(f"/v1/cases/{case_id}/audit", headers=world.counsellor.headers).json()]
        story = ["case.opened", *["creditor.invited"] * 5, "income.replaced", *["claim.registered"] * 5,
                 "plan.requested", "plan.created", "plan.proposed", *["decision.recorded"] * 5,
                 "plan.requested", "plan.created", "plan.proposed", *["decision.recorded"] * 5, "plan.activated"]
        assert trail == story

        # proposed v1 (5) + decisions on v1 (5, to the counsellor) + superseded v1 (5) + proposed v2 (5)
        # + decisions on v2 (5) + activated v2 (5)
        wait_until_delivered(client, world, endpoints, expected=30)
    got = inbox.snapshot()
    ids = [r.headers["webhook-id"] for r in got]
    assert len(ids) == len(set(ids)) == 30
    by_path: dict[str, list[str]] = {}
    for r in got:
        by_path.setdefault(r.path.strip("/"), []).append(r.body["type"])
    assert sorted(by_path["counsellor"]) == ["decision.recorded"] * 10
    for handle in CREDITORS:
        assert sorted(by_path[handle]) == ["plan.activated", "plan.proposed", "plan.proposed", "plan.superseded"]
