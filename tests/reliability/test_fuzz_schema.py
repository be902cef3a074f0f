"""Schemathesis against the app's own OpenAPI document, in-process, on PostgreSQL.

Every operation the document lists (read from the app, so routes added later are fuzzed too),
with the key of every role (admin, counsellor, creditor), with valid and invalid data: no
answer may be a 5xx, and every answer must be one the document describes (status, content
type, headers, body schema); invalid data must be refused. Most examples use the ids
of real objects (a case with claims and income, a proposed plan, a webhook, ...) instead of
random UUIDs (three in four), so that the requests get past the 404 into the handlers.

Examples per operation and role: DEBT_COORD_FUZZ_EXAMPLES (default 20), derandomized, so a
run is repeatable; a finding becomes a named regression test in test_fuzz_findings.py.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.python import asgi
from schemathesis.specs.openapi import checks as openapi_checks

from api.app import create_app
from debt_coord import migrate
from debt_coord.kernel.clock import today
from debt_coord.kernel.settings import Settings
from tests.conftest import POSTGRES_URL, _unavailable, create_postgres_database, drop_postgres_database
from tests.money_in.statement_flow import CAMT, paying, recent_plan_case
from tests.payouts.flow import made_run
from tests.support import World, api_client, build_world, claim_body, open_case_with_creditors

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

EXAMPLES = int(os.environ.get("DEBT_COORD_FUZZ_EXAMPLES", "20"))
ROLES = {"admin": "admin", "counsellor": "counsellor", "creditor": "c1"}
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
    openapi_checks.missing_required_header,
]


def negative(case: Any, location: ParameterLocation) -> bool:
    component = case.meta.components.get(location) if case.meta else None
    return component is not None and component.mode.is_negative


def _consumes(method: str, path: str) -> bool:
    return method == "DELETE" or path.endswith(("/close", "/activate"))


def document_operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation in the document, those that use up shared objects last."""
    app = create_app(Settings(database_url="sqlite:///:memory:", seed_demo=False))
    found = [(method.upper(), path) for path, item in (app.openapi_schema.paths or {}).items()
             for method in ("get", "put", "post", "delete", "patch") if getattr(item, method) is not None]
    return sorted(found, key=lambda op: (_consumes(*op), op[1], op[0]))


OPERATIONS = document_operations()
INCOME = {"streams": [{"id": "salaris", "amount_cents": 180_000, "available_cents": 15_000, "day_of_month": 24}]}
PLAN_ASK = {"start_date": "2027-01-01", "months": 6, "time_limit_seconds": 2}
WEBHOOK = {"url": "http://127.0.0.1:9/fuzz", "events": ["plan.proposed"]}  # refused at once on loopback


def created(answer: Any, status: int = 201) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    return body


def real_objects(client: TestClient[Any], world: World) -> dict[str, str]:
    """A case of `counsellor` with c1's claim, c2 invited and income; two plans, the second proposed; a key, a
    webhook. The ids by path parameter name."""
    counsellor, c1 = world.counsellor.headers, world.c1.headers
    case_id = open_case_with_creditors(client, world, "c1", "c2")
    created(client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=counsellor), 200)
    claim_id = created(client.post(f"/v1/cases/{case_id}/claims", json=claim_body("FUZZ-1", 40_000), headers=c1))["id"]
    plans, job_id = [], ""
    for _ in range(2):
        job = client.post(f"/v1/cases/{case_id}/plans", json=PLAN_ASK, headers=counsellor)
        job_id = created(job, 202)["id"]
        deadline = time.monotonic() + 120
        while (state := client.get(job.headers["location"], headers=counsellor).json())["status"] != "succeeded":
            assert state["status"] in ("queued", "running") and time.monotonic() < deadline, state
            time.sleep(0.2)
        plans.append(state["result"]["plan_id"])
    created(client.post(f"/v1/plans/{plans[1]}/propose", json={}, headers=counsellor), 200)
    key = created(client.post("/v1/api-keys", headers=world.admin.headers,
                              json={"organisation_id": world.c3.organisation_id, "role": "creditor"}))
    webhook = created(client.post("/v1/webhooks", json=WEBHOOK, headers=c1))
    ids = {"case_id": case_id, "claim_id": claim_id, "plan_id": plans[1], "other_id": plans[0], "job_id": job_id,
           "key_id": key["id"], "webhook_id": webhook["id"]}
    if ("POST", "/v1/cases/{case_id}/receipts") in OPERATIONS:  # a receipt needs a case with an active plan
        ids["receipt_id"] = active_receipt(client, world)
    if ("POST", "/v1/cases/{case_id}/debtor-links") in OPERATIONS:  # the debtor's link: an id and a token
        link = created(client.post(f"/v1/cases/{case_id}/debtor-links", json={}, headers=counsellor))
        ids |= {"link_id": link["id"], "token": link["token"]}
    if ("POST", "/v1/plans/{plan_id}/creditor-links") in OPERATIONS:  # c1's link to the proposed plan's page
        link = created(client.post(f"/v1/plans/{plans[1]}/creditor-links", headers=counsellor,
                                   json={"organisation_id": world.c1.organisation_id}))
        ids |= {"creditor_link_id": link["id"], "creditor_token": link["token"]}
    if ("POST", "/v1/cases/{case_id}/statements") in OPERATIONS:  # a statement needs a plan begun months ago
        ids["statement_id"] = imported_statement(client, world)
    if ("GET", "/v1/payout-runs/{run_id}") in OPERATIONS:  # a run needs a via_counsellor case with money in it
        ids["run_id"] = made_run(client, world, client.app.state.settings.database_url, "FUZZ-PAYOUT")
    return ids


def imported_statement(client: TestClient[Any], world: World) -> str:
    """A bank statement paying c1, imported on a case of its own whose plan began three months ago."""
    case_id, claim = recent_plan_case(client, world, reference="FUZZ-PAYING")
    answer = client.post(f"/v1/cases/{case_id}/statements", content=paying(claim, 100, 1),
                         headers={**world.counsellor.headers, "Content-Type": CAMT})
    statement_id: str = created(answer)["statement_id"]
    return statement_id


def active_receipt(client: TestClient[Any], world: World) -> str:
    """c1's receipt on a case of its own whose plan c1 accepted and the counsellor activated."""
    counsellor, c1 = world.counsellor.headers, world.c1.headers
    case_id = open_case_with_creditors(client, world, "c1", reference="FUZZ-ACTIVE")
    created(client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=counsellor), 200)
    claim_id = created(client.post(f"/v1/cases/{case_id}/claims", json=claim_body("FUZZ-A", 40_000), headers=c1))["id"]
    job = client.post(f"/v1/cases/{case_id}/plans", json=PLAN_ASK, headers=counsellor)
    created(job, 202)
    deadline = time.monotonic() + 120
    while (state := client.get(job.headers["location"], headers=counsellor).json())["status"] != "succeeded":
        assert state["status"] in ("queued", "running") and time.monotonic() < deadline, state
        time.sleep(0.2)
    plan_id = state["result"]["plan_id"]
    created(client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=counsellor), 200)
    created(client.post(f"/v1/plans/{plan_id}/decisions", json={"plan_version": 1, "decision": "accept"},
                        headers=c1))
    created(client.post(f"/v1/plans/{plan_id}/activate", headers=counsellor), 200)
    body = {"claim_id": claim_id, "amount_cents": 100, "date": today().isoformat()}
    receipt_id: str = created(client.post(f"/v1/cases/{case_id}/receipts", json=body, headers=c1))["id"]
    return receipt_id


@dataclass
class Target:
    schema: Any
    world: World
    ids: dict[str, str]
    statuses: Counter[int] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    try:
        url = create_postgres_database()
    except psycopg.Error as error:  # conftest's rule: skip, or fail under DEBT_COORD_TEST_REQUIRE_SERVICES=1
        _unavailable("PostgreSQL", POSTGRES_URL, error)
    try:
        migrate.upgrade(url)
        world = build_world(url)
        with api_client(url) as client:
            ids = real_objects(client, world)
        # One solver thread: a fuzzed plan request must not take both cores from the fuzzing.
        app = create_app(Settings(database_url=url, seed_demo=False, job_threads=1))
        schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
        target = Target(schema, world, ids)
        yield target
        print(f"\nschemathesis: {len(OPERATIONS)} operations x {EXAMPLES} examples x {len(ROLES)} roles: "
              f"{target.statuses.total()} requests, statuses {dict(sorted(target.statuses.items()))}")
    finally:
        asgi.shutdown_lifespans()
        drop_postgres_database(url)


def test_the_document_lists_every_route_of_the_app() -> None:
    """Fuzzing reads the document: a route missing from it would never be fuzzed."""
    app = create_app(Settings(database_url="sqlite:///:memory:", seed_demo=False))
    routes = {(method, re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)) for route in app.routes
              for method in getattr(route, "methods", ()) if method not in ("HEAD", "OPTIONS")}
    # /metrics is for Prometheus with its own token, not part of the API (README, "Metrics, traces and logs").
    # The workspace under /app is pages and forms for a signed-in browser, not the API: its routes are in the
    # authorization contract (tests/api/test_authorization.py) and its forms' bad input in tests/workspace.
    undocumented = {("GET", "/"), ("GET", "/metrics")} | {
        op for op in routes if op[1] == "/schema" or op[1].startswith(("/schema/", "/app/")) or op[1] == "/app"}
    assert routes - undocumented == set(OPERATIONS)


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz(target: Target, method: str, path: str, role: str) -> None:
    operation = target.schema[path][method]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    headers = target.world.parties[ROLES[role]].headers

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(case=cases, real_ids=st.sampled_from([True, True, True, False]))
    def run(case: Any, real_ids: bool) -> None:
        # Real ids and the role's key only where they do not undo what makes a negative case invalid.
        if real_ids and case.path_parameters and not negative(case, ParameterLocation.PATH):
            for name in list(case.path_parameters):
                case.path_parameters[name] = target.ids.get(name, case.path_parameters[name])
        if real_ids and case.query and "token" in case.query and not negative(case, ParameterLocation.QUERY):
            case.query["token"] = target.ids["creditor_token" if path == "/creditor" else "token"]
        sent = {} if negative(case, ParameterLocation.HEADER) else headers
        response = case.call(headers=sent)
        target.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=sent)

    run()


def test_every_path_parameter_has_a_real_object(target: Target) -> None:
    """Most examples reach a real object: teach `real_objects` about a new kind of id."""
    names = {name for _, path in OPERATIONS for name in re.findall(r"\{(\w+)\}", path)}
    assert names <= set(target.ids), f"teach real_objects() about {names - set(target.ids)}"
