"""How the debtor pays, on the case: `direct` or `via_counsellor` (openCase, setPaymentRoute), SQLite and PostgreSQL.

Via the counsellor needs the organisation's payout account; the route is part of the plan's terms, so it changes only
before a plan is proposed. Every refusal is a problem document and writes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine

from debt_coord.kernel.database import sync_url
from tests.debtor.flow import EXTRA, planned_case
from tests.debtor.test_via_counsellor import PAYOUT_IBAN, payout_account
from tests.support import api_client, build_world, case_body, open_case_with_creditors, row_counts


def refused(answer: Any, status: int, words: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert words in answer.json()["detail"]


def answer_pointer(answer: Any) -> list[str]:
    return [e["pointer"] for e in answer.json()["errors"]]


def route_path(case_id: str) -> str:
    return f"/v1/cases/{case_id}/payment-route"


def test_the_route_needs_the_payout_account_and_is_shown_and_audited(database_url: str) -> None:
    world = build_world(database_url)
    counsellor = world.counsellor.headers
    engine = create_engine(sync_url(database_url))
    try:
        with api_client(database_url) as client:
            case_id = open_case_with_creditors(client, world, "c1")
            assert client.get(f"/v1/cases/{case_id}", headers=counsellor).json()["payment_route"] == "direct"

            # Without a payout account: 409 on the case and on a new case, and nothing written.
            before = row_counts(engine)
            refused(client.put(route_path(case_id), json={"payment_route": "via_counsellor"}, headers=counsellor),
                    409, "payout account")
            refused(client.post("/v1/cases", json=case_body("R-VIA", payment_route="via_counsellor"),
                                headers=counsellor), 409, "payout account")
            assert row_counts(engine) == before
            refused(client.put(route_path(case_id), json={"payment_route": "by_carrier_pigeon"}, headers=counsellor),
                    422, "not valid")
            assert answer_pointer(client.put(route_path(case_id), json={"payment_route": "by_carrier_pigeon"},
                                             headers=counsellor)) == ["/payment_route"]

            payout_account(database_url, world.counsellor.organisation_id, PAYOUT_IBAN, 1)
            chosen = client.put(route_path(case_id), json={"payment_route": "via_counsellor"}, headers=counsellor)
            assert chosen.status_code == 200, chosen.text
            assert chosen.json()["payment_route"] == "via_counsellor"
            assert client.get(f"/v1/cases/{case_id}", headers=counsellor).json()["payment_route"] == "via_counsellor"
            # The same route again changes nothing and records nothing.
            assert client.put(route_path(case_id), json={"payment_route": "via_counsellor"},
                              headers=counsellor).status_code == 200
            trail = client.get(f"/v1/cases/{case_id}/audit", headers=counsellor,
                               params={"action": "case.payment_route_chosen"}).json()
            assert [(e["before"], e["after"]) for e in trail] == [
                ({"payment_route": "direct"}, {"payment_route": "via_counsellor"})]
            assert trail[0]["actor"]

            opened = client.post("/v1/cases", json=case_body("R-VIA-2", payment_route="via_counsellor"),
                                 headers=counsellor)
            assert opened.status_code == 201 and opened.json()["payment_route"] == "via_counsellor"
            # Another organisation's case does not exist for this counsellor.
            assert client.put(route_path(case_id), json={"payment_route": "direct"},
                              headers=world.other_counsellor.headers).status_code == 404
    finally:
        engine.dispose()


def test_the_route_cannot_change_once_a_plan_is_proposed(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    payout_account(database_url, world.counsellor.organisation_id, PAYOUT_IBAN, 1)
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=False)
        refused(client.put(route_path(case_id), json={"payment_route": "via_counsellor"},
                           headers=world.counsellor.headers), 409, "before a plan is proposed")
        case = client.get(f"/v1/cases/{case_id}", headers=world.counsellor.headers).json()
        assert (case["state"], case["payment_route"]) == ("proposed", "direct")
        active_id, _ = planned_case(client, world, activate=True, payment_route="via_counsellor", reference="R-2")
        refused(client.put(route_path(active_id), json={"payment_route": "direct"},
                           headers=world.counsellor.headers), 409, "The case is active")
