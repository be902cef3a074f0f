"""The steps of a negotiation through the API, shared by the negotiation tests."""

from __future__ import annotations

import time
from typing import Any

from litestar.testing import TestClient

from tests.support import Party, World, claim_body, open_case_with_creditors

CREDITORS = ["c1", "c2", "c3", "c4", "c5"]
INCOME = {"streams": [
    {"id": "uitkering", "amount_cents": 140_000, "available_cents": 15_000, "day_of_month": 23},
    {"id": "vakantiegeld", "amount_cents": 80_000, "available_cents": 40_000, "dates": ["2027-05-22"]},
]}
CLAIMS = {
    "c1": claim_body("ZZ-1", 180_000),
    "c2": claim_body("EN-2", 95_000, costs_cents=14_000),
    "c3": claim_body("BD-3", 240_000, claim_class="preferent", debt_type="publiek"),
    "c4": claim_body("TEL-4", 31_000),
    "c5": claim_body("BNPL-5", 12_500),
}


def wait_for_plan(client: TestClient[Any], job_location: str, headers: dict[str, str]) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job = client.get(job_location, headers=headers).json()
        if job["status"] == "succeeded":
            return str(job["result"]["plan_id"])
        assert job["status"] in ("queued", "running"), job
        time.sleep(0.2)
    raise AssertionError(f"the plan job did not finish: {job}")


def ask_for_plan(client: TestClient[Any], world: World, case_id: str, **options: Any) -> str:
    answer = client.post(f"/v1/cases/{case_id}/plans", json=options, headers=world.counsellor.headers)
    assert answer.status_code == 202, answer.text
    return wait_for_plan(client, answer.headers["location"], world.counsellor.headers)


def decide(client: TestClient[Any], party: Party, plan_id: str, number: int, decision: str, **extra: Any) -> Any:
    body = {"plan_version": number, "decision": decision, **extra}
    return client.post(f"/v1/plans/{plan_id}/decisions", json=body, headers=party.headers)


PLAN = {"start_date": "2027-01-01", "months": 12, "time_limit_seconds": 3}


def proposed_case(client: TestClient[Any], world: World) -> tuple[str, str]:
    case_id = open_case_with_creditors(client, world, *CREDITORS)
    assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=world.counsellor.headers).is_success
    for handle, body in CLAIMS.items():
        assert client.post(f"/v1/cases/{case_id}/claims", json=body, headers=world.parties[handle].headers).is_success
    plan_id = ask_for_plan(client, world, case_id, **PLAN)
    assert client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=world.counsellor.headers).is_success
    return case_id, plan_id
