"""A refusal's problem carries its stable reason as the extension member `code` (RFC 9457 §3.2), beside the English
`detail` and the field pointers; problems that are not a refusal of the service's (an unknown id, a schema error)
carry none. The OpenAPI document lists every code. Real app, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar.testing import TestClient

from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import Refusal
from tests.support import World, api_client, build_world, case_body, claim_body, open_case_with_creditors


def problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert body["status"] == status and body["detail"]
    return body


def case_with_deadline(client: TestClient[Any], world: World, deadline: dt.date) -> str:
    reference_date = (deadline - dt.timedelta(days=30)).isoformat()
    return open_case_with_creditors(client, world, "c1", "c2", reference_date=reference_date,
                                    claims_deadline=deadline.isoformat())


def test_refusals_carry_their_code_beside_the_detail_and_the_pointers(database_url: str) -> None:
    world = build_world(database_url)
    counsellor = world.counsellor.headers
    with api_client(database_url) as client:
        case_id = case_with_deadline(client, world, today() + dt.timedelta(days=10))
        claims = f"/v1/cases/{case_id}/claims"
        nothing = problem(client.post(claims, json=claim_body("Z-1", 0), headers=world.c1.headers), 422)
        assert nothing["code"] == "claim_owes_nothing"
        assert {e["pointer"] for e in nothing["errors"]} == {"/principal_cents", "/interest_cents", "/costs_cents"}

        made = client.post(claims, json=claim_body("C-1", 50_000), headers=world.c1.headers)
        assert made.status_code == 201, made.text
        claim_url = f"{claims}/{made.json()['id']}"
        change = {"principal_cents": 40_000}
        assert problem(client.patch(claim_url, json=change, headers=world.c1.headers), 428)["code"] == (
            "claim_version_required")
        stale = {**world.c1.headers, "If-Match": f'"{made.json()["version"] + 1}"'}
        assert problem(client.patch(claim_url, json=change, headers=stale), 412)["code"] == "claim_version_changed"

        again = problem(client.post("/v1/cases", json=case_body(), headers=counsellor), 409)
        assert again["code"] == "case_reference_in_use" and again["errors"][0]["pointer"] == "/reference"
        invite = {"organisation_id": world.other_counsellor.organisation_id}
        not_creditor = problem(client.post(f"/v1/cases/{case_id}/creditors", json=invite, headers=counsellor), 422)
        assert not_creditor["code"] == "not_a_creditor_organisation"

        closed = client.post(f"/v1/cases/{case_id}/close", json={"state": "withdrawn", "reason": "verhuisd"},
                             headers=counsellor)
        assert closed.status_code == 200, closed.text
        assert problem(client.put(f"/v1/cases/{case_id}/income", json={"streams": []}, headers=counsellor),
                       409)["code"] == "case_closed"
        assert problem(client.post(claims, json=claim_body("C-2", 10_000), headers=world.c2.headers),
                       409)["code"] == "claims_not_collecting"


def test_a_claim_after_the_deadline_is_coded_and_problems_that_are_no_refusal_have_no_code(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        deadline = today() - dt.timedelta(days=1)
        case_id = case_with_deadline(client, world, deadline)
        late = problem(client.post(f"/v1/cases/{case_id}/claims", json=claim_body("L-1", 10_000),
                                   headers=world.c1.headers), 409)
        assert late["code"] == "claims_deadline_passed" and deadline.isoformat() in late["detail"]

        unknown = problem(client.get(f"/v1/cases/{uuid.uuid4()}", headers=world.counsellor.headers), 404)
        schema = problem(client.post(f"/v1/cases/{case_id}/claims", json=claim_body("L-2", -5),
                                     headers=world.c1.headers), 422)
        assert "code" not in unknown and "code" not in schema


def test_the_openapi_problem_lists_every_code(database_url: str) -> None:
    with api_client(database_url) as client:
        document = client.get("/schema/openapi.json").json()
    code = document["components"]["schemas"]["Problem"]["properties"]["code"]
    assert code["type"] == "string" and sorted(code["enum"]) == sorted(r.value for r in Refusal)
