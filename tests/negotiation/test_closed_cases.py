"""A closed case refuses everything but reading, through the API: 409 problems that name its state.

Found by testing from outside: after `withdrawn` a proposed plan still took counters, the
counsellor could still remind and make debtor links; after `failed` the debtor page still showed
QR codes to pay.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import create_engine

from debt_coord.kernel.database import sync_url
from tests.debtor.checks import calendar_events, page_qr_payloads
from tests.debtor.flow import EXTRA, debtor_link, planned_case
from tests.negotiation.flow import decide, proposed_case
from tests.support import World, api_client, build_world, row_counts


def close(client: TestClient[Any], world: World, case_id: str, state: str) -> None:
    answer = client.post(f"/v1/cases/{case_id}/close", json={"state": state, "reason": "Debtor moved abroad."},
                         headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == state


def refused(answer: Any, state: str) -> None:
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert f"The case is {state}: it is closed" in answer.json()["detail"]


def test_a_withdrawn_case_refuses_counters_reminders_links_and_every_other_move(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=("c4", "c5"))
    with api_client(database_url) as client:
        case_id, plan_id = proposed_case(client, world)
        assert decide(client, world.c1, plan_id, 1, "reject", reason="Too little.").status_code == 201
        close(client, world, case_id, "withdrawn")
        counsellor = world.counsellor.headers
        engine = create_engine(sync_url(database_url))
        before = row_counts(engine)

        refused(decide(client, world.c2, plan_id, 1, "counter", counter={"min_payment_cents": 5_000}), "withdrawn")
        refused(decide(client, world.c3, plan_id, 1, "accept"), "withdrawn")
        refused(client.post(f"/v1/plans/{plan_id}/reminders", headers=counsellor), "withdrawn")
        refused(client.post(f"/v1/plans/{plan_id}/reconsiderations", headers=counsellor,
                            json={"organisation_id": world.c1.organisation_id, "reason": "Please look again."}),
                "withdrawn")
        refused(client.post(f"/v1/plans/{plan_id}/activate", headers=counsellor), "withdrawn")
        refused(client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=counsellor), "withdrawn")
        refused(client.post(f"/v1/cases/{case_id}/debtor-links", json={}, headers=counsellor), "withdrawn")
        refused(client.put(f"/v1/cases/{case_id}/income", json={"streams": []}, headers=counsellor), "withdrawn")
        refused(client.post(f"/v1/cases/{case_id}/creditors", json={"organisation_id": world.outsider.organisation_id},
                            headers=counsellor), "withdrawn")
        asked = client.post(f"/v1/cases/{case_id}/plans", json={}, headers=counsellor)
        assert asked.status_code == 409 and "withdrawn" in asked.json()["detail"], asked.text
        closed_again = client.post(f"/v1/cases/{case_id}/close", json={"state": "failed", "reason": "x"},
                                   headers=counsellor)
        assert closed_again.status_code == 409 and "withdrawn" in closed_again.json()["detail"]

        assert row_counts(engine) == before, "nothing was written by a refused move"
        engine.dispose()
        # Reading goes on: the plan, its decisions, the acceptance report, the audit trail.
        assert client.get(f"/v1/plans/{plan_id}", headers=counsellor).status_code == 200
        assert client.get(f"/v1/plans/{plan_id}/acceptance", headers=counsellor).status_code == 200
        trail = client.get(f"/v1/cases/{case_id}/audit", headers=counsellor).json()
        assert trail[-1]["action"] == "case.withdrawn"
        assert [d["kind"] for d in client.get(f"/v1/plans/{plan_id}/decisions", headers=counsellor).json()] == [
            "reject"]


def test_after_a_plan_failed_the_debtor_page_stops_asking_for_money(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True)
        link = debtor_link(client, world, case_id)
        page = client.get("/debtor", params={"token": link["token"]}, headers={"Accept": "text/html"})
        assert page_qr_payloads(page.text), "an active plan shows QR codes to pay"
        plan = client.get("/v1/debtor/schedule", params={"token": link["token"]}).json()["plan"]
        assert (plan["case_state"], plan["payable"]) == ("active", True)

        close(client, world, case_id, "failed")
        page = client.get("/debtor", params={"token": link["token"]}, headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert page_qr_payloads(page.text) == [], "no QR code asks a debtor to pay into a failed plan"
        assert 'data-case-state="failed"' in page.text and "Betaal niets meer" in page.text
        english = client.get("/debtor", params={"token": link["token"], "lang": "en"},
                             headers={"Accept": "text/html"})
        assert "Do not pay anything more" in english.text
        plan = client.get("/v1/debtor/schedule", params={"token": link["token"]}).json()["plan"]
        assert (plan["status"], plan["case_state"], plan["payable"]) == ("active", "failed", False)

        events = calendar_events(client.get("/v1/debtor/schedule.ics", params={"token": link["token"]}).content)
        upcoming = [e for e in events if isinstance(e["date"], dt.date) and e["date"] >= dt.date.today()]
        assert upcoming and all(e["status"] == "CANCELLED" for e in upcoming), "calendars drop what is not due"

        # The counsellor can still take the debtor's access away after the end.
        revoked = client.delete(f"/v1/cases/{case_id}/debtor-links/{link['id']}", headers=world.counsellor.headers)
        assert revoked.status_code in (200, 204), revoked.text
