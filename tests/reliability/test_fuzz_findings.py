"""What the schemathesis run (test_fuzz_schema.py) found, one named test per finding, on both databases."""

from __future__ import annotations

import json
from typing import Any

import httpx
import schemathesis

from tests.support import World, api_client, build_world, case_body, claim_body, open_case_with_creditors


def documented(client: Any, method: str, path: str, answer: httpx.Response) -> None:
    """`answer` is one the document describes for (method, path): its status, content type and body."""
    document = client.get("/schema/openapi.json").json()
    responses = document["paths"][path][method.lower()]["responses"]
    assert str(answer.status_code) in responses, f"{method} {path}: {answer.status_code} not in {sorted(responses)}"
    media = answer.headers["content-type"].split(";")[0]
    assert media in responses[str(answer.status_code)].get("content", {media: None}), (method, path, media)
    schemathesis.openapi.from_dict(document)[path][method].validate_response(answer)


def scene(client: Any, world: World) -> str:
    case_id = open_case_with_creditors(client, world, "c1")
    answer = client.post(f"/v1/cases/{case_id}/claims", json=claim_body("F-1", 10_000), headers=world.c1.headers)
    assert answer.status_code == 201, answer.text
    return case_id


def test_error_answers_are_documented_as_rfc9457_problems(database_url: str) -> None:
    """Found: the document listed only 200 and a 400 with Litestar's own error body; the app answers 401, 403,
    404, 409, 413, 422 and 429 as application/problem+json."""
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = scene(client, world)
        claims = "/v1/cases/{case_id}/claims"
        url = f"/v1/cases/{case_id}/claims"
        documented(client, "GET", claims, client.get(url))  # 401
        documented(client, "POST", claims, client.post(url, json=claim_body("F-2", 1), headers=world.admin.headers))
        documented(client, "GET", claims, client.get(url, headers=world.outsider.headers))  # 404
        bad = claim_body("F-3", -5)
        documented(client, "POST", claims, client.post(url, json=bad, headers=world.c1.headers))  # 422
        documented(client, "POST", claims, client.post(url, content=b"{", headers={  # 400
            **world.c1.headers, "content-type": "application/json"}))
        documented(client, "POST", "/v1/cases", client.post("/v1/cases", json=case_body(),  # 409: reference in use
                                                             headers=world.counsellor.headers))


def test_no_acceptance_policy_is_a_documented_404(database_url: str) -> None:
    """Found: GET and DELETE /v1/acceptance-policy answer 404 before a creditor publishes one; undocumented."""
    world = build_world(database_url)
    with api_client(database_url) as client:
        for method in ("GET", "DELETE"):
            answer = client.request(method, "/v1/acceptance-policy", headers=world.c1.headers)
            assert answer.status_code == 404, answer.text
            documented(client, method, "/v1/acceptance-policy", answer)


def test_a_counsellors_case_matches_the_documented_schema(database_url: str) -> None:
    """Found: `CaseOut | CaseForCreditor` was documented as oneOf, and a counsellor's CaseOut is valid under both,
    so every case a counsellor read failed the document. It is anyOf now."""
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = scene(client, world)
        for party in (world.counsellor, world.c1):
            documented(client, "GET", "/v1/cases", client.get("/v1/cases", headers=party.headers))
            documented(client, "GET", "/v1/cases/{case_id}", client.get(f"/v1/cases/{case_id}", headers=party.headers))


def test_routes_without_a_key_are_documented_so(database_url: str) -> None:
    """Found: Litestar drops a handler's `security=[]`, so the document said /health needs a bearer key."""
    with api_client(database_url) as client:
        document = client.get("/schema/openapi.json").json()
        assert document["paths"]["/health"]["get"]["security"] == []
        assert "401" not in document["paths"]["/health"]["get"]["responses"]
        assert document["paths"]["/v1/cases"]["get"].get("security") is None  # the default: a bearer key
        assert client.get("/health").status_code == 200
        documented(client, "GET", "/health", client.get("/health"))


def test_readiness_documents_only_what_it_answers(database_url: str) -> None:
    """Found: /ready was documented with a 404 and a 429, as if it took a token and were rate-limited."""
    with api_client(database_url) as client:
        responses = client.get("/schema/openapi.json").json()["paths"]["/ready"]["get"]["responses"]
        assert sorted(responses) == ["200", "503"]
        assert [client.get("/ready").status_code for _ in range(3)] == [200, 200, 200]


def test_json_nested_deep_inside_a_field_is_a_422_not_a_500(database_url: str) -> None:
    """Found (hypothesis, test_fuzz_inputs.py): a field holding JSON nested 800 deep blew the NUL check's
    recursion (RecursionError, a 500). The check walks with a loop now; the field gets its type error."""
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = scene(client, world)
        head = json.dumps(claim_body("DEEP-1", 10_000))[:-1]
        for nested in ["[" * 800 + "]" * 800, '{"a":' * 800 + "1" + "}" * 800]:
            answer = client.post(f"/v1/cases/{case_id}/claims", content=f'{head}, "payment_reference": {nested}}}',
                                 headers={**world.c1.headers, "content-type": "application/json"})
            assert answer.status_code == 422, answer.text
            assert {e["pointer"] for e in answer.json()["errors"]} == {"/payment_reference"}
