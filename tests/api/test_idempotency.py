"""Idempotency-Key on POST /v1/cases/{case_id}/claims: a retry never makes a second claim.

The concurrency tests run a real API server process (uvicorn) on SQLite and PostgreSQL and
fire requests at it from threads, as a creditor's system with retries and parallel workers does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from debt_coord.audit.models import AuditEvent
from debt_coord.cases.models import Claim
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.idempotency import IdempotencyRecord
from tests.live import fire, live_server
from tests.support import World, api_client, build_world, claim_body, open_case_with_creditors

PARALLEL = 10


def stored(database_url: str, case_id: str) -> dict[str, int]:
    """What the database holds for the case: claims, their audit events, idempotency records."""
    case = uuid.UUID(case_id)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            def count(query: Any) -> int:
                return int(connection.execute(query).scalar_one())
            return {
                "claims": count(select(func.count()).select_from(Claim).where(Claim.case_id == case)),
                "audit": count(select(func.count()).select_from(AuditEvent).where(
                    AuditEvent.case_id == case, AuditEvent.action == "claim.registered")),
                "keys": count(select(func.count()).select_from(IdempotencyRecord).where(
                    IdempotencyRecord.scope == f"registerClaim:{case}")),
            }
    finally:
        engine.dispose()


def with_key(world: World, handle: str, key: str) -> dict[str, str]:
    return {**world.parties[handle].headers, "Idempotency-Key": key}


def test_a_replay_returns_the_first_answer_and_makes_no_second_claim(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", "c2")
        url, body = f"/v1/cases/{case_id}/claims", claim_body("ZZ-1001", 123_456, costs_cents=4_000)
        first = client.post(url, json=body, headers=with_key(world, "c1", "retry-1"))
        assert first.status_code == 201, first.text
        assert "idempotent-replayed" not in first.headers

        again = client.post(url, json=body, headers=with_key(world, "c1", "retry-1"))
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["etag"] == first.headers["etag"]

        # The same request written differently (key order, spacing) is the same request.
        reordered = json.dumps(dict(reversed(list(body.items()))), indent=2).encode()
        third = client.post(url, content=reordered,
                            headers={**with_key(world, "c1", "retry-1"), "content-type": "application/json"})
        assert third.status_code == 201 and third.json()["id"] == first.json()["id"]
        assert third.headers["idempotent-replayed"] == "true"

        mine = client.get(url, headers=world.c1.headers).json()
        assert [c["id"] for c in mine] == [first.json()["id"]]
    assert stored(database_url, case_id) == {"claims": 1, "audit": 1, "keys": 1}


def test_the_same_key_with_another_body_is_refused(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        url = f"/v1/cases/{case_id}/claims"
        first = client.post(url, json=claim_body("ZZ-1", 10_000), headers=with_key(world, "c1", "k-1"))
        assert first.status_code == 201
        other = client.post(url, json=claim_body("ZZ-1", 10_001), headers=with_key(world, "c1", "k-1"))
        assert other.status_code == 422
        assert other.headers["content-type"].startswith("application/problem+json")
        assert other.json()["status"] == 422 and "Idempotency-Key" in other.json()["detail"]
        # The first answer still stands for its own body.
        replay = client.post(url, json=claim_body("ZZ-1", 10_000), headers=with_key(world, "c1", "k-1"))
        assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    assert stored(database_url, case_id) == {"claims": 1, "audit": 1, "keys": 1}


def test_a_refused_request_does_not_use_up_its_key(database_url: str) -> None:
    """A creditor's system fixes a rejected payload and retries with the same key: that goes through."""
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        url = f"/v1/cases/{case_id}/claims"
        bad = client.post(url, json=claim_body("ZZ-2", 10_000, iban="NL00BOGUS"), headers=with_key(world, "c1", "k"))
        assert bad.status_code == 422
        fixed = client.post(url, json=claim_body("ZZ-2", 10_000), headers=with_key(world, "c1", "k"))
        assert fixed.status_code == 201 and "idempotent-replayed" not in fixed.headers
    assert stored(database_url, case_id) == {"claims": 1, "audit": 1, "keys": 1}


def test_keys_belong_to_one_organisation(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", "c2")
        url, body = f"/v1/cases/{case_id}/claims", claim_body("SAME-1", 20_000)
        by_c1 = client.post(url, json=body, headers=with_key(world, "c1", "invoice-2026-17"))
        by_c2 = client.post(url, json=body, headers=with_key(world, "c2", "invoice-2026-17"))
        assert by_c1.status_code == by_c2.status_code == 201
        assert "idempotent-replayed" not in by_c2.headers
        assert by_c1.json()["id"] != by_c2.json()["id"]
        assert by_c2.json()["organisation_id"] == world.c2.organisation_id
        # Without a key, nothing is deduplicated: two posts are two claims.
        assert client.post(url, json=body, headers=world.c1.headers).status_code == 201
    assert stored(database_url, case_id) == {"claims": 3, "audit": 3, "keys": 2}


# A real server process, for real concurrency.

@pytest.fixture(scope="module")
def server(migrated_url: str) -> Iterator[str]:
    """An API server process on the backend's database; terminated whatever happens."""
    with live_server(migrated_url) as base:
        yield base


def test_concurrent_duplicates_make_one_claim_and_all_get_its_answer(database_url: str, server: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
    path, body = f"/v1/cases/{case_id}/claims", claim_body("RACE-1", 77_700)
    answers = fire(server, [(path, body, with_key(world, "c1", "one-key"))] * PARALLEL)

    assert [a.status_code for a in answers] == [201] * PARALLEL, [a.text for a in answers if a.status_code != 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert all(a.json() == answers[0].json() for a in answers)
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == PARALLEL - 1
    assert stored(database_url, case_id) == {"claims": 1, "audit": 1, "keys": 1}


def test_concurrent_claims_with_their_own_keys_are_all_written(database_url: str, server: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", "c2")
    path = f"/v1/cases/{case_id}/claims"
    requests = [(path, claim_body(f"PAR-{i}", 1_000 + i), with_key(world, ("c1", "c2")[i % 2], f"key-{i}"))
                for i in range(PARALLEL)]
    answers = fire(server, requests)

    assert [a.status_code for a in answers] == [201] * PARALLEL, [a.text for a in answers if a.status_code != 201]
    assert len({a.json()["id"] for a in answers}) == PARALLEL
    assert not any("idempotent-replayed" in a.headers for a in answers)
    assert sorted(a.json()["principal_cents"] for a in answers) == [1_000 + i for i in range(PARALLEL)]
    assert stored(database_url, case_id) == {"claims": PARALLEL, "audit": PARALLEL, "keys": PARALLEL}
