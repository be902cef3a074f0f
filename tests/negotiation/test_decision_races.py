"""Real concurrent requests on a real server: no decision is lost, none lands on a superseded plan."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from tests.live import fire, live_server
from tests.negotiation.flow import CREDITORS, PLAN, proposed_case, wait_for_plan
from tests.support import api_client, build_world


def test_creditors_deciding_at_the_same_moment_are_all_recorded(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=("c4", "c5"))
    with api_client(database_url) as client:
        case_id, plan_id = proposed_case(client, world)
    with live_server(database_url) as base:
        accepts = [(f"/v1/plans/{plan_id}/decisions", {"plan_version": 1, "decision": "accept"},
                    world.parties[h].headers) for h in CREDITORS]
        # c1 also changes its mind at the same moment: one of its two answers wins, neither is half-written.
        change = (f"/v1/plans/{plan_id}/decisions", {"plan_version": 1, "decision": "reject", "reason": "te laag"},
                  world.c1.headers)
        answers = fire(base, [*accepts, change])
        assert [a.status_code for a in answers[1:5]] == [201] * 4, [a.text for a in answers]
        assert {answers[0].status_code, answers[5].status_code} <= {200, 201, 409}, [a.text for a in answers]
        counsellor = httpx.Client(base_url=base, headers=world.counsellor.headers)
        report = counsellor.get(f"/v1/plans/{plan_id}/acceptance").json()
        decisions = {d["organisation_id"]: d["kind"] for d in counsellor.get(f"/v1/plans/{plan_id}/decisions").json()}
        trail = [e for e in counsellor.get(f"/v1/cases/{case_id}/audit").json() if e["action"] == "decision.recorded"]
    assert len(decisions) == 5
    assert all(decisions[world.parties[h].organisation_id] == "accept" for h in CREDITORS[1:])
    c1_final = decisions[world.c1.organisation_id]
    assert c1_final in ("accept", "reject")
    assert report["counts"]["accept"] == 4 + (c1_final == "accept")
    # one audit event per change: 5 first answers, and c1's second answer if it changed the first
    c1_events = [e for e in trail if e["organisation_id"] == world.c1.organisation_id]
    assert len(trail) == 4 + len(c1_events) and c1_events[-1]["after"]["kind"] == c1_final


def test_a_decision_racing_a_new_version_never_lands_on_the_superseded_plan(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=("c4", "c5"))
    with api_client(database_url) as client:
        case_id, first = proposed_case(client, world)
    with live_server(database_url) as base:
        outcomes: dict[str, list[tuple[str, int]]] = {h: [] for h in CREDITORS}
        stop = threading.Event()

        def keep_deciding(handle: str) -> None:
            kinds = ["accept", "counter"]
            with httpx.Client(base_url=base, headers=world.parties[handle].headers, timeout=60) as creditor:
                for turn in range(10_000):
                    kind = kinds[turn % 2]
                    body: dict[str, Any] = {"plan_version": 1, "decision": kind}
                    if kind == "counter":
                        body["counter"] = {"min_payment_cents": 5_000 + turn}
                    answer = creditor.post(f"/v1/plans/{first}/decisions", json=body)
                    outcomes[handle].append((kind if answer.status_code in (200, 201) else "-", answer.status_code))
                    if answer.status_code == 409 or stop.is_set():
                        return

        threads = [threading.Thread(target=keep_deciding, args=(h,)) for h in CREDITORS]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        with httpx.Client(base_url=base, headers=world.counsellor.headers, timeout=60) as counsellor:
            asked = counsellor.post(f"/v1/cases/{case_id}/plans", json=PLAN)
            assert asked.status_code == 202, asked.text
            second = wait_for_plan(counsellor, asked.headers["location"], world.counsellor.headers)  # type: ignore[arg-type]
            time.sleep(0.5)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            decisions = {d["organisation_id"]: d for d in counsellor.get(f"/v1/plans/{first}/decisions").json()}
            activate = counsellor.post(f"/v1/plans/{first}/activate")
            versions = {p["number"]: p["status"] for p in counsellor.get(f"/v1/cases/{case_id}/plans").json()}
    assert versions == {1: "superseded", 2: "draft"} and second
    assert activate.status_code == 409
    for handle, answers in outcomes.items():
        codes = [code for _, code in answers]
        assert set(codes) <= {200, 201, 409}, answers
        assert codes[-1] == 409, f"{handle} never saw the new version: {answers[-3:]}"
        successes = [kind for kind, code in answers if code in (200, 201)]
        stored = decisions.get(world.parties[handle].organisation_id)
        # the last answer the creditor was told was recorded is the one that stands: nothing lost, nothing after
        assert (stored["kind"] if stored else None) == (successes[-1] if successes else None), (handle, answers)
