"""A variation of a plan paid via the counsellor: the reserve the organisation holds comes in on its first day,
what a payout run sent counts as paid, and the debtor's deposits are the agreed ones before it and the variation's
after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar.testing import TestClient

from debt_coord.kernel.clock import today
from debt_coord.money_in.models import Account
from tests.debtor.flow import debtor_link
from tests.negotiation.flow import ask_for_plan
from tests.payouts.flow import INCOME, balance, deposit, due_by_claim, execution_day, run, via_counsellor_case
from tests.support import World, api_client


def lower(income: dict[str, Any]) -> dict[str, Any]:
    return {"streams": [{**s, "available_cents": s["available_cents"] * 3 // 4} for s in income["streams"]]}


def accept_all(client: TestClient[Any], world: World, plan_id: str, handles: list[str]) -> None:
    automatic = {d["organisation_id"] for d in client.get(f"/v1/plans/{plan_id}/decisions",
                                                          headers=world.counsellor.headers).json()}
    for handle in handles:
        if world.parties[handle].organisation_id not in automatic:
            answer = client.post(f"/v1/plans/{plan_id}/decisions", json={"plan_version": 2, "decision": "accept"},
                                 headers=world.parties[handle].headers)
            assert answer.status_code == 201, answer.text


def test_a_variation_via_the_counsellor_starts_from_the_reserve_and_pays_nothing_twice(
        database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, claims = via_counsellor_case(client, world, database_url, "PV-1")
        token = {"token": debtor_link(client, world, case_id)["token"]}
        due = due_by_claim(client, world, case_id, execution_day())
        deposit(client, world, "PV-1", sum(due.values()) + 7_500, "1")
        assert run(client, world).status_code == 201
        reserve = balance(database_url, case_id, Account.RESERVE)
        assert reserve == 7_500
        agreed = client.get("/v1/debtor/schedule", params=token).json()
        rows = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers).json()

        assert client.put(f"/v1/cases/{case_id}/income", json=lower(INCOME),
                          headers=world.counsellor.headers).is_success
        second = ask_for_plan(client, world, case_id, time_limit_seconds=5)
        varied = client.get(f"/v1/plans/{second}", headers=world.counsellor.headers).json()
        start = dt.date.fromisoformat(varied["varies"]["start_date"])

        # In hand on the start: the reserve, plus the deposits still due before it, less the payouts still due.
        coming = sum(d["amount_cents"] for d in agreed["deposits"]
                     if today() <= dt.date.fromisoformat(d["date"]) < start)
        going = sum(i["amount_cents"] for i in rows["installments"]
                    if today() <= dt.date.fromisoformat(i["date"]) < start)
        assert varied["varies"]["in_hand_cents"] == max(0, reserve + coming - going)
        # What the run sent is counted as paid, though the bank has not confirmed it yet.
        for claim_id, cents in due.items():
            assert varied["varies"]["counted"][claim_id] >= cents
        in_hand = [i for i in varied["request"]["income"] if i["id"] == "in_hand"]
        assert [i["available_cents"] for i in in_hand] == ([varied["varies"]["in_hand_cents"]]
                                                            if varied["varies"]["in_hand_cents"] else [])
        assert varied["request"]["policy"]["payout_day_of_month"] is not None

        assert client.post(f"/v1/plans/{second}/propose", json={}, headers=world.counsellor.headers).is_success
        accept_all(client, world, second, list(claims))
        assert client.post(f"/v1/plans/{second}/activate", headers=world.counsellor.headers).status_code == 200

        # The debtor's deposits: the agreed ones before the start, then the variation's (its money in hand is not
        # asked again); together with what is held they cover every payout of the plan as it runs.
        schedule = client.get("/v1/debtor/schedule", params=token).json()
        deposits = [(d["date"], d["amount_cents"]) for d in schedule["deposits"]]
        assert [d for d in deposits if d[0] < start.isoformat()] == [
            (d["date"], d["amount_cents"]) for d in agreed["deposits"] if d["date"] < start.isoformat()]
        new = sum(c for day, c in deposits if day >= start.isoformat())
        payouts = sum(p["amount_cents"] for p in varied["proposal"]["payments"])
        assert new + varied["varies"]["in_hand_cents"] == payouts
        assert [d["number"] for d in schedule["deposits"]] == list(range(1, len(deposits) + 1))

        # A run on the same day after the variation finds nothing more due: what went out is not paid twice.
        again = run(client, world)
        assert again.status_code == 409, again.text
        for claim_id, cents in due.items():
            assert balance(database_url, case_id, Account.IN_TRANSIT, claim_id) == cents
