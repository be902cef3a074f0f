"""Completion: the final statement to the cent, creditors' discharge of the remainder, the case completed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from litestar.testing import TestClient
from sqlalchemy import create_engine

from debt_coord.kernel.clock import today
from debt_coord.kernel.database import sync_url
from tests.debtor.flow import CREDITORS, EXTRA, planned_case
from tests.money_in.chores import deliveries, run_chore
from tests.money_in.test_receipts import claims_of, ledger_sums, receipt
from tests.support import World, api_client, build_world, row_counts

HOOK = {"url": "http://127.0.0.1:9/hooks", "events": ["plan.completed"]}  # refused at once: the rows stay pending


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url, extra_creditors=EXTRA)


def statement(client: TestClient[Any], headers: dict[str, str], case_id: str) -> Any:
    return client.get(f"/v1/cases/{case_id}/final-statement", headers=headers)


def discharge(client: TestClient[Any], headers: dict[str, str], case_id: str, *claim_ids: str) -> Any:
    return client.post(f"/v1/cases/{case_id}/final-statement/discharges", json={"claim_ids": list(claim_ids)},
                       headers=headers)


def owed(claim: dict[str, Any]) -> int:
    return int(claim["principal_cents"] + claim["interest_cents"] + claim["costs_cents"])


def ended_plan() -> dict[str, Any]:
    """A twelve-month plan whose last payment date lies a few months back."""
    return {"start_date": (today() - relativedelta(months=15)).replace(day=1).isoformat(), "months": 12}


def audit(client: TestClient[Any], world: World, case_id: str, action: str) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/cases/{case_id}/audit?action={action}", headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def test_before_the_end_of_the_term_the_final_statement_says_when_it_will_be_there(
        database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True)
        claims = claims_of(client, world, case_id)
        installments = client.get(f"/v1/cases/{case_id}/installments", headers=world.counsellor.headers).json()
        last = max(dt.date.fromisoformat(i["date"]) for i in installments["installments"])
        engine = create_engine(sync_url(database_url))
        before = row_counts(engine)
        for party in (world.counsellor, world.c1):
            early = statement(client, party.headers, case_id)
            assert early.status_code == 409, early.text
            assert early.headers["content-type"].startswith("application/problem+json")
            assert (last + dt.timedelta(days=1)).isoformat() in early.json()["detail"]
        refused = discharge(client, world.c1.headers, case_id, claims["c1"]["id"])
        assert refused.status_code == 409 and "available from" in refused.json()["detail"]
        assert row_counts(engine) == before
        engine.dispose()


def test_after_the_term_the_statement_adds_up_and_discharges_complete_the_case(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        for party in (*(world.parties[h] for h in CREDITORS), world.counsellor):
            assert client.post("/v1/webhooks", json=HOOK, headers=party.headers).status_code == 201
        case_id, plan_id = planned_case(client, world, activate=True, **ended_plan())
        claims = claims_of(client, world, case_id)
        paid = {"c1": 12_345, "c2": owed(claims["c2"]), "c3": 1}  # c2 in full; c4..c6 nothing
        for handle, cents in paid.items():
            assert receipt(client, world.counsellor.headers, case_id, claims[handle]["id"], cents).status_code == 201

        answer = statement(client, world.counsellor.headers, case_id)
        assert answer.status_code == 200, answer.text
        full = answer.json()
        assert (full["available"], full["case_state"], full["plan_id"]) == ("term_ended", "active", plan_id)
        lines = {line["claim_id"]: line for line in full["claims"]}
        assert set(lines) == {claim["id"] for claim in claims.values()}
        for handle, claim in claims.items():
            line = lines[claim["id"]]
            received = paid.get(handle, 0)
            assert (line["owed_cents"], line["received_cents"]) == (owed(claim), received)
            assert line["owed_cents"] == line["received_cents"] + line["remainder_cents"], "to the cent"
            assert line["outstanding_cents"] == line["remainder_cents"] and line["discharged_cents"] == 0
            assert line["received_bp"] == received * 10_000 // owed(claim)
        assert lines[claims["c2"]["id"]]["received_bp"] == 10_000 and lines[claims["c3"]["id"]]["received_bp"] == 0
        for total in full["creditors"]:
            own = [line for line in full["claims"] if line["organisation_id"] == total["organisation_id"]]
            for figure in ("owed_cents", "received_cents", "remainder_cents", "outstanding_cents"):
                assert total[figure] == sum(line[figure] for line in own)

        # A creditor sees its own claims only, and discharges those only.
        mine = statement(client, world.c1.headers, case_id).json()
        assert [line["claim_id"] for line in mine["claims"]] == [claims["c1"]["id"]]
        assert [total["organisation_id"] for total in mine["creditors"]] == [world.c1.organisation_id]
        engine = create_engine(sync_url(database_url))
        before = row_counts(engine)
        others = discharge(client, world.c1.headers, case_id, claims["c1"]["id"], claims["c3"]["id"])
        assert others.status_code == 422 and [e["pointer"] for e in others.json()["errors"]] == ["/claim_ids/1"]
        assert discharge(client, world.outsider.headers, case_id, claims["c1"]["id"]).status_code == 404
        assert discharge(client, world.counsellor.headers, case_id, claims["c1"]["id"]).status_code == 403
        assert row_counts(engine) == before, "refused discharges write nothing"

        first = discharge(client, world.c1.headers, case_id, claims["c1"]["id"])
        assert first.status_code == 200, first.text
        [line] = first.json()["claims"]
        remainder = owed(claims["c1"]) - 12_345
        assert (line["discharged_cents"], line["outstanding_cents"]) == (remainder, 0)
        assert line["remainder_cents"] == remainder, "the statement stands: the remainder is now discharged"
        after_first = row_counts(engine)
        again = discharge(client, world.c1.headers, case_id, claims["c1"]["id"])
        assert again.status_code == 200 and again.json() == first.json()
        assert row_counts(engine) == after_first, "discharging twice changes nothing"
        [discharged] = audit(client, world, case_id, "claims.discharged")
        assert discharged["after"]["claims"] == {claims["c1"]["id"]: remainder}
        balances = client.get(f"/v1/cases/{case_id}/installments", headers=world.c1.headers).json()["balances"]
        assert (balances[0]["discharged_cents"], balances[0]["outstanding_cents"]) == (remainder, 0)

        # c2 was paid in full: nothing to discharge. The others discharge; the last one completes the case.
        for handle in ("c2", "c3", "c4", "c5"):
            answer = discharge(client, world.parties[handle].headers, case_id, claims[handle]["id"])
            assert answer.status_code == 200 and answer.json()["case_state"] == "active", answer.text
        assert deliveries(database_url, "plan.completed") == []
        last = discharge(client, world.c6.headers, case_id, claims["c6"]["id"])
        assert last.status_code == 200 and last.json()["case_state"] == "completed", last.text
        assert client.get(f"/v1/cases/{case_id}", headers=world.counsellor.headers).json()["state"] == "completed"
        assert ledger_sums(database_url) == (0, {0})

        final = statement(client, world.counsellor.headers, case_id).json()
        assert final["available"] == "term_ended" and final["case_state"] == "completed"
        assert all(line["outstanding_cents"] == 0 and line["owed_cents"] == line["received_cents"]
                   + line["discharged_cents"] for line in final["claims"])
        told = deliveries(database_url, "plan.completed")
        assert sorted(org for org, _ in told) == sorted(
            [world.parties[h].organisation_id for h in CREDITORS] + [world.counsellor.organisation_id])
        assert {data["case_id"] for _, data in told} == {case_id}
        [completed] = audit(client, world, case_id, "plan.completed")
        assert completed["after"]["state"] == "completed" and completed["actor"].startswith(world.c6.name)

        # Closed: a repeated discharge still answers the statement; money can no longer be recorded.
        assert discharge(client, world.c6.headers, case_id, claims["c6"]["id"]).status_code == 200
        late = receipt(client, world.counsellor.headers, case_id, claims["c4"]["id"], 100)
        assert late.status_code == 409 and "completed" in late.json()["detail"]
        engine.dispose()


def test_a_plan_paid_in_full_has_its_statement_at_once_and_the_daily_chore_completes_it(
        database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        assert client.post("/v1/webhooks", json=HOOK, headers=world.counsellor.headers).status_code == 201
        case_id, _ = planned_case(client, world, activate=True)
        claims = claims_of(client, world, case_id)
        for handle, claim in list(claims.items())[:-1]:
            assert receipt(client, world.parties[handle].headers, case_id, claim["id"], owed(claim)).is_success
        assert statement(client, world.counsellor.headers, case_id).status_code == 409, "one claim still owes"
        handle, claim = list(claims.items())[-1]
        assert receipt(client, world.parties[handle].headers, case_id, claim["id"], owed(claim)).is_success

        answer = statement(client, world.counsellor.headers, case_id)
        assert answer.status_code == 200, answer.text
        assert answer.json()["available"] == "settled"
        assert {(line["received_bp"], line["remainder_cents"]) for line in answer.json()["claims"]} == {(10_000, 0)}

        assert run_chore(database_url, today() + dt.timedelta(days=1)) == 1, "the case completed"
        assert client.get(f"/v1/cases/{case_id}", headers=world.counsellor.headers).json()["state"] == "completed"
        assert [org for org, _ in deliveries(database_url, "plan.completed")] == [world.counsellor.organisation_id]
        [completed] = audit(client, world, case_id, "plan.completed")
        assert completed["actor"] == "debt-coord (daily arrears chore)"


def test_a_case_the_counsellor_ends_early_tells_every_creditor_that_it_is_closed(
        database_url: str, world: World) -> None:
    """A failed plan frees the creditors to collect again: their systems must hear of it, not only the audit."""
    closed_hook = {**HOOK, "events": ["case.closed"]}
    with api_client(database_url) as client:
        for party in (*(world.parties[h] for h in CREDITORS), world.counsellor, world.outsider):
            assert client.post("/v1/webhooks", json=closed_hook, headers=party.headers).status_code == 201
        case_id, _ = planned_case(client, world, activate=True)
        answer = client.post(f"/v1/cases/{case_id}/close", json={"state": "failed", "reason": "debtor moved abroad"},
                             headers=world.counsellor.headers)
        assert answer.status_code == 200, answer.text

        told = deliveries(database_url, "case.closed")
        assert sorted(org for org, _ in told) == sorted(
            [world.parties[h].organisation_id for h in CREDITORS] + [world.counsellor.organisation_id])
        assert {(data["case_id"], data["state"], data["previous_state"], data["reason"]) for _, data in told} == {
            (case_id, "failed", "active", "debtor moved abroad")}
        assert deliveries(database_url, "plan.completed") == [], "a failed plan is not a completed one"
