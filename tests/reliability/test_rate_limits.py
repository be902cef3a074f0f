"""Rate limits per API key: 429 with Retry-After and an RFC 9457 body; shared by API processes through Redis."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import redis
from litestar.testing import TestClient

from api.app import create_app
from api.rate_limit import REDIS_PREFIX
from bench.processes import free_port
from debt_coord.kernel.settings import Settings
from tests.live import live_server
from tests.support import build_world

WINDOW = 3600  # long enough that no window ends during a test: no timing in the assertions


def assert_limited(answer: httpx.Response, limit: int) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert body["status"] == 429 and body["title"] == "Too Many Requests" and str(limit) in body["detail"]
    retry_after = int(answer.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW


def limited_client(database_url: str, limit: int, **settings: Any) -> TestClient[Any]:
    app = create_app(Settings(database_url=database_url, seed_demo=False, rate_limit_requests=limit,
                              rate_limit_window_seconds=WINDOW, **settings))
    return TestClient(app, raise_server_exceptions=False)


def test_a_key_over_its_limit_gets_429_with_retry_after_and_others_do_not(database_url: str) -> None:
    world = build_world(database_url)
    with limited_client(database_url, 3) as client:
        for _ in range(3):
            assert client.get("/v1/cases", headers=world.counsellor.headers).status_code == 200
        assert_limited(client.get("/v1/cases", headers=world.counsellor.headers), 3)
        assert_limited(client.post("/v1/cases", json={}, headers=world.counsellor.headers), 3)  # every route
        # Another key of another organisation has its own count; health checks are never limited.
        assert client.get("/v1/cases", headers=world.c1.headers).status_code == 200
        for _ in range(5):
            assert client.get("/health").status_code == 200
        # Unknown and revoked keys are counted too (before the database is asked), and requests without a key
        # by their address.
        for _ in range(3):
            assert client.get("/v1/cases", headers={"Authorization": "Bearer dck_guess"}).status_code == 401
        assert_limited(client.get("/v1/cases", headers={"Authorization": "Bearer dck_guess"}), 3)
        for _ in range(3):
            assert client.get("/v1/cases").status_code == 401
        assert_limited(client.get("/v1/cases"), 3)


def test_guessing_keys_is_limited_per_address_and_then_no_key_gets_in_from_there(database_url: str) -> None:
    """Each guess is a key of its own, so counting per key alone would let guessing go on without end."""
    world = build_world(database_url)
    with limited_client(database_url, 3) as client:
        for guess in range(3):
            answer = client.get("/v1/cases", headers={"Authorization": f"Bearer dck_guess{guess}"})
            assert answer.status_code == 401
        assert_limited(client.get("/v1/cases", headers={"Authorization": "Bearer dck_guess3"}), 3)
        # The address is locked out until its window ends, whatever key it shows: no guess gets through.
        assert_limited(client.get("/v1/cases", headers=world.c1.headers), 3)
    with limited_client(database_url, 3) as client:  # refusals are counted, good keys are not
        for _ in range(2):
            assert client.get("/v1/cases", headers={"Authorization": "Bearer dck_wrong"}).status_code == 401
        for party in (world.c1, world.c2, world.counsellor):
            assert client.get("/v1/cases", headers=party.headers).status_code == 200


def test_the_default_limit_is_off_the_path_of_normal_use() -> None:
    settings = Settings()
    assert settings.rate_limit_requests >= 600 and settings.rate_limit_window_seconds == 60


def test_zero_turns_the_limit_off(database_url: str) -> None:
    world = build_world(database_url)
    with limited_client(database_url, 0) as client:
        for _ in range(20):
            assert client.get("/v1/cases", headers=world.c1.headers).status_code == 200


def test_api_processes_share_the_count_in_redis(database_url: str, redis_url: str) -> None:
    """Two API server processes on one Redis: the key's requests to either count against one limit."""
    world = build_world(database_url)
    settings = {"rate_limit_requests": "4", "rate_limit_window_seconds": str(WINDOW),
                "rate_limit_redis_url": redis_url}
    headers = world.c1.headers
    try:
        with live_server(database_url, **settings) as first, live_server(database_url, **settings) as second:
            answers = [httpx.get(f"{base}/v1/cases", headers=headers, timeout=30)
                       for base in (first, second, first, second)]
            assert [a.status_code for a in answers] == [200, 200, 200, 200]
            assert_limited(httpx.get(f"{first}/v1/cases", headers=headers, timeout=30), 4)
            assert_limited(httpx.get(f"{second}/v1/cases", headers=headers, timeout=30), 4)
            assert httpx.get(f"{second}/v1/cases", headers=world.c2.headers, timeout=30).status_code == 200
        # Redis holds the key's hash and a count; never the key.
        store = redis.Redis.from_url(redis_url)
        stored = [k.decode() for k in store.scan_iter(f"{REDIS_PREFIX}*")]
        assert stored and not any(world.c1.key in k or world.c1.key[4:] in k for k in stored)
    finally:
        store = redis.Redis.from_url(redis_url)
        for party in world.parties.values():
            store.delete(REDIS_PREFIX + "key:" + hashlib.sha256(party.key.encode()).hexdigest())


def test_requests_pass_when_redis_does_not_answer(database_url: str) -> None:
    """A broken limiter must not take the API down: while Redis is away the limit is not checked (and logged)."""
    world = build_world(database_url)
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    with limited_client(database_url, 1, rate_limit_redis_url=nowhere) as client:
        for _ in range(3):
            assert client.get("/v1/cases", headers=world.c1.headers).status_code == 200
