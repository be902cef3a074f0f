"""Defects found by testing the service from outside, as a new user and as an attacker would (issue 17).

One test per defect, on SQLite and PostgreSQL; each failed before its fix.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from litestar.routes import HTTPRoute
from pydantic import ValidationError
from sqlalchemy import create_engine

from debt_coord.jobs.models import Job
from debt_coord.jobs.store import payload_problem
from debt_coord.kernel.clock import today
from debt_coord.kernel.database import create_engine as create_engine_async
from debt_coord.kernel.database import session_factory, sync_url
from debt_coord.kernel.uow import UnitOfWork
from debt_coord.planning.solve_job import solve_plan_job
from solver.models import ClaimIn
from tests.negotiation.flow import ask_for_plan
from tests.support import api_client, build_world, case_body, claim_body, open_case_with_creditors, row_counts

SOME_ID = "01a23b6b-865c-7306-be7c-3c436a779ee2"
INCOME = {"streams": [{"id": "salaris", "amount_cents": 180_000, "available_cents": 20_000, "day_of_month": 24}]}
INTERNAL = ("scope", "AuthMiddleware", "Traceback", "litestar")


def engine_limit() -> int:
    """The most the planning engine takes as one claim's outstanding amount, read from its own field."""
    return next(int(m.le) for m in ClaimIn.model_fields["outstanding_cents"].metadata if getattr(m, "le", None))


def pointers(answer: Any) -> list[str]:
    return [error.get("pointer") for error in answer.json().get("errors", [])]


def counts(database_url: str) -> dict[str, int]:
    engine = create_engine(sync_url(database_url))
    try:
        return row_counts(engine)
    finally:
        engine.dispose()


def test_options_on_every_route_is_answered_without_a_key_and_never_a_500(database_url: str) -> None:
    """Found: OPTIONS on 23 routes answered 500 with Litestar's internal "'user' is not defined in scope": the
    controllers' role guards ran on the OPTIONS handler, which the key middleware (rightly) lets through."""
    with api_client(database_url) as client:
        paths = sorted({re.sub(r"\{[^}]+\}", SOME_ID, route.path_format)
                        for route in client.app.routes if isinstance(route, HTTPRoute)})
        assert len(paths) > 25
        preflight = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization, content-type"}
        for path in paths:
            for headers in ({}, preflight):
                answer = client.options(path, headers=headers)
                assert answer.status_code < 500, (path, answer.status_code, answer.text)  # /metrics: 404 when off
                assert not any(word in answer.text for word in INTERNAL), (path, answer.text)
                if answer.status_code == 204:
                    assert "OPTIONS" in answer.headers["allow"], path


def test_a_claim_over_what_a_plan_can_hold_is_refused_and_a_plan_request_never_a_500(database_url: str) -> None:
    """Found: principal, interest and costs may each be the engine's limit, so a claim over it was registered,
    and every plan request for the case then answered 500. Now the claim is refused (and its correction); claims
    that are together over the limit make the plan request a 422, and a claim at the limit is planned."""
    limit = engine_limit()
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", "c2")
        assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=world.counsellor.headers).is_success
        claims = f"/v1/cases/{case_id}/claims"
        before = counts(database_url)
        over = client.post(claims, json=claim_body("BIG-1", limit, interest_cents=1), headers=world.c1.headers)
        assert over.status_code == 422, over.text
        assert str(limit) in over.json()["detail"]
        assert pointers(over) == ["/principal_cents", "/interest_cents", "/costs_cents"]
        assert counts(database_url) == before  # nothing half-written

        at_limit = client.post(claims, json=claim_body("BIG-1", limit), headers=world.c1.headers)
        assert at_limit.status_code == 201, at_limit.text
        claim_url = f"{claims}/{at_limit.json()['id']}"
        patch = client.patch(claim_url, json={"costs_cents": 500}, headers={**world.c1.headers,
                                                                              "If-Match": at_limit.headers["etag"]})
        assert patch.status_code == 422, patch.text
        assert pointers(patch) == ["/costs_cents"] and str(limit) in patch.json()["detail"]

        other = client.post(claims, json=claim_body("BIG-2", limit), headers=world.c2.headers)
        assert other.status_code == 201, other.text
        together = client.post(f"/v1/cases/{case_id}/plans", json={"time_limit_seconds": 3},
                               headers=world.counsellor.headers)
        assert together.status_code == 422, together.text
        assert "together" in together.text and str(limit) in together.text

        gone = client.delete(f"{claims}/{other.json()['id']}", headers={**world.c2.headers,
                                                                         "If-Match": other.headers["etag"]})
        assert gone.status_code == 204, gone.text
        plan_id = ask_for_plan(client, world, case_id, time_limit_seconds=3)
        plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
        assert plan["request"]["claims"][0]["outstanding_cents"] == limit
        assert plan["proposal"]["metrics"]["total_paid_cents"] > 0


def test_plan_and_case_dates_are_bounded_and_an_accepted_date_is_planned(database_url: str) -> None:
    """Found: start_date 9999-01-01 was accepted (202) and the job failed with an internal error ('year 10000');
    a case's reference date in year 9999 broke its overview. Dates are bounded in the schemas now, and a plan at
    the far end of what is accepted (start in 5 years, the longest term) is solved."""
    world = build_world(database_url)
    with api_client(database_url) as client:
        for reference_date in ("9999-12-31", "0001-01-01"):
            answer = client.post("/v1/cases", json=case_body("D-9", reference_date=reference_date),
                                 headers=world.counsellor.headers)
            assert answer.status_code == 422 and pointers(answer) == ["/reference_date"], answer.text
        case_id = open_case_with_creditors(client, world, "c1")
        assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=world.counsellor.headers).is_success
        late = client.post(f"/v1/cases/{case_id}/claims", json=claim_body("D-1", 40_000, balance_date="9999-12-31"),
                           headers=world.c1.headers)
        assert late.status_code == 422 and pointers(late) == ["/balance_date"], late.text
        assert client.post(f"/v1/cases/{case_id}/claims", json=claim_body("D-1", 40_000),
                           headers=world.c1.headers).status_code == 201
        plans = f"/v1/cases/{case_id}/plans"
        for start in ("9999-01-01", "0001-01-01", (today() + relativedelta(years=6)).isoformat()):
            answer = client.post(plans, json={"start_date": start}, headers=world.counsellor.headers)
            assert answer.status_code == 422 and pointers(answer) == ["/start_date"], (start, answer.text)
        farthest = today() + relativedelta(years=5) - dt.timedelta(days=1)
        plan_id = ask_for_plan(client, world, case_id, start_date=farthest.isoformat(), months=120,
                               time_limit_seconds=3)
        plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
        assert plan["request"]["start_date"] == farthest.isoformat()
        assert plan["proposal"]["payments"], plan["proposal"]["explanation"]


def test_a_solve_job_queued_before_the_bounds_fails_as_a_422_not_an_internal_error(database_url: str) -> None:
    """A plan request stored by a job before dates and totals were bounded at the request: the job fails with a
    422 problem that says why, never with an internal error."""
    request = {"start_date": "9999-01-01", "months": 18, "income": INCOME["streams"],
               "claims": [{"id": "a", "creditor": "A", "outstanding_cents": engine_limit()},
                          {"id": "b", "creditor": "B", "outstanding_cents": 1}]}
    job = Job(kind="solve_plan", payload={"request": request, "claim_owners": {}})

    async def run() -> None:
        engine = create_engine_async(database_url)
        try:
            async with session_factory(engine)() as session:
                await solve_plan_job(UnitOfWork(session), job)
        finally:
            await engine.dispose()

    with pytest.raises(ValidationError) as refused:
        asyncio.run(run())
    problem = payload_problem(refused.value)  # what the job runner answers for such a payload
    assert problem["status"] == 422 and "not valid" in problem["detail"]
    assert any("together owe more than one plan can hold" in e["detail"] for e in problem["errors"])


def test_a_zero_width_space_does_not_hide_a_duplicate_claim(database_url: str) -> None:
    """Found: 'INV-1' and 'INV\\u200b-1' (a zero-width space) were not flagged as the same reference."""
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        ids = []
        for reference, principal, arose in (("INV-1", 40_000, "2026-01-15"), ("INV\u200b-1", 41_000, "2026-02-15"),
                                            ("ＩＮＶ-2", 50_000, "2026-03-15"), ("inv-2\u2060", 52_000, "2026-04-15")):
            answer = client.post(f"/v1/cases/{case_id}/claims", headers=world.c1.headers,
                                 json=claim_body(reference, principal, arose_on=arose))
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
        overview = client.get(f"/v1/cases/{case_id}/overview", headers=world.counsellor.headers).json()
        flagged = {tuple(w["claim_ids"]) for w in overview["warnings"] if w["code"] == "possible_duplicate"}
        assert flagged == {(ids[0], ids[1]), (ids[2], ids[3])}


def test_the_schemas_are_strict_an_integer_is_no_date_and_true_no_number(database_url: str) -> None:
    """Found by schemathesis: an integer was accepted as a date (0 is 1970-01-01) and `true` as a whole number
    (`months: true` asked for a one-month plan). A JSON string still is a date."""
    world = build_world(database_url)
    with api_client(database_url) as client:
        for date in (0, 1_767_225_600, "2026-11-01T00:00:00", "20261101"):
            answer = client.post("/v1/cases", json=case_body("S-1", reference_date=date),
                                 headers=world.counsellor.headers)
            assert answer.status_code == 422 and pointers(answer) == ["/reference_date"], (date, answer.text)
        case_id = open_case_with_creditors(client, world, "c1", reference="S-1", reference_date="2026-11-01")
        claims = f"/v1/cases/{case_id}/claims"
        for field, value in (("principal_cents", True), ("interest_cents", True), ("arose_on", 20_260_115)):
            answer = client.post(claims, json=claim_body("S-1", 10_000, **{field: value}), headers=world.c1.headers)
            assert answer.status_code == 422 and pointers(answer) == [f"/{field}"], (field, answer.text)
        for body, pointer in (({"months": True}, "/months"), ({"months": "6"}, "/months"),
                              ({"preferent_factor": 2.0}, "/preferent_factor"), ({"start_date": 20_270_101},
                                                                                  "/start_date")):
            answer = client.post(f"/v1/cases/{case_id}/plans", json=body, headers=world.counsellor.headers)
            assert answer.status_code == 422 and pointers(answer) == [pointer], (body, answer.text)
        income = {"streams": [{**INCOME["streams"][0], "day_of_month": True}]}
        answer = client.put(f"/v1/cases/{case_id}/income", json=income, headers=world.counsellor.headers)
        assert answer.status_code == 422 and pointers(answer) == ["/streams/0/day_of_month"], answer.text
        assert client.post(claims, json=claim_body("S-2", 10_000), headers=world.c1.headers).status_code == 201


def test_the_document_lists_the_debtor_routes_401_and_types_the_registered_claim(database_url: str) -> None:
    """Found: GET /debtor, /v1/debtor/schedule and /v1/debtor/schedule.ics answer 401 without a token, which the
    document did not list; POST .../claims documented its 201 as a bare object."""
    with api_client(database_url) as client:
        document = client.get("/schema/openapi.json").json()
        for path in ("/debtor", "/v1/debtor/schedule", "/v1/debtor/schedule.ics"):
            assert "401" in document["paths"][path]["get"]["responses"], path
            answer = client.get(path)
            assert answer.status_code == 401, (path, answer.text)
        assert "text/html" in document["paths"]["/debtor"]["get"]["responses"]["401"]["content"]
        created = document["paths"]["/v1/cases/{case_id}/claims"]["post"]["responses"]["201"]
        assert created["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ClaimOut"}
