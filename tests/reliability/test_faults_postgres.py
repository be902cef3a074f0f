"""PostgreSQL restarted while creditors register claims: nothing lost, nothing written twice, never a 500.

A real API server process on a PostgreSQL cluster of the test's own (tests/reliability/servers.py;
the machine's shared server is never touched). Creditor clients, each on its own thread,
register claims, each with its own Idempotency-Key, until the test tells them to finish; a
client retries with the same key on an answer that says "retry" (503 with Retry-After, a
retryable 409) until it gets its 201. In the middle of the burst the cluster is restarted
(`pg_ctl restart -m fast`), later stopped and, once the clients have seen it gone, started
again; the burst goes on until the clients have registered more claims after the restart.

What must hold: every answer is a 201 or a problem document the client can retry; the API
recovers by itself; and the claims in the database are exactly the distinct keys answered 201.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from debt_coord.audit.models import AuditEvent
from debt_coord.cases.models import Claim
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.idempotency import IdempotencyRecord
from tests.live import live_server
from tests.reliability.servers import PrivatePostgres
from tests.support import World, api_client, build_world, claim_body, open_case_with_creditors

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.timeout(300)]

CREDITORS = ("c1", "c2", "c3")
CLIENTS = 6
RESTART_AFTER, STOP_AFTER, FINISH_AFTER = 40, 100, 40
"""Claims in before the restart, before the stop, and after the database is back."""
RETRYABLE = {503, 409}
"""Answers that tell a client to send the same request again (with the same Idempotency-Key)."""
GIVE_UP_SECONDS = 120


@dataclass
class Answer:
    key: str
    status: int | None
    """None: no HTTP answer at all (the connection failed)."""
    content_type: str = ""
    retry_after: str | None = None
    body: dict[str, object] = field(default_factory=dict)


class Burst:
    """CLIENTS creditor clients registering claims at once, retrying with the same key until a 201."""

    def __init__(self, base: str, world: World, case_id: str) -> None:
        self.base, self.world, self.case_id = base, world, case_id
        self.answers: list[Answer] = []
        self.finish = threading.Event()
        """Set: each client completes the claim it is on (retrying until its 201) and stops."""
        self.abort = threading.Event()
        """Set: stop at once (the test failed; no client may keep retrying after it)."""
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(CLIENTS)]

    def start(self) -> Burst:
        for thread in self.threads:
            thread.start()
        return self

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=GIVE_UP_SECONDS + 30)
        assert not any(t.is_alive() for t in self.threads), "a client is still retrying"

    def created(self) -> int:
        return self.count(lambda a: a.status == 201)

    def count(self, predicate: Callable[[Answer], bool]) -> int:
        with self.lock:
            return sum(1 for answer in self.answers if predicate(answer))

    def _client(self, number: int) -> None:
        creditor = self.world.parties[CREDITORS[number % len(CREDITORS)]]
        with httpx.Client(base_url=self.base, timeout=30) as http:
            index = 0
            while not self.finish.is_set() and not self.abort.is_set():
                index += 1
                key = f"burst-{number}-{index}-{uuid.uuid4().hex[:8]}"
                body = claim_body(f"B{number}-{index:03d}", 10_000 + 100 * index)
                headers = {**creditor.headers, "Idempotency-Key": key}
                deadline = time.monotonic() + GIVE_UP_SECONDS
                while time.monotonic() < deadline and not self.abort.is_set():
                    answer = self._send(http, key, body, headers)
                    with self.lock:
                        self.answers.append(answer)
                    if answer.status not in RETRYABLE and answer.status is not None:
                        break  # 201, or an answer the test rejects below
                    # Retry-After says 2 s; a test client keeps it short to keep the run short.
                    time.sleep(0.05 if answer.retry_after is None else min(float(answer.retry_after), 0.25))

    def _send(self, http: httpx.Client, key: str, body: dict[str, object], headers: dict[str, str]) -> Answer:
        try:
            response = http.post(f"/v1/cases/{self.case_id}/claims", json=body, headers=headers)
        except httpx.TransportError:
            return Answer(key, None)
        content_type = response.headers.get("content-type", "")
        parsed = response.json() if "json" in content_type else {}
        return Answer(key, response.status_code, content_type, response.headers.get("retry-after"), parsed)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.02)


def stored(url: str, case_id: str) -> dict[str, int]:
    engine = create_engine(sync_url(url))
    case = uuid.UUID(case_id)
    try:
        with engine.connect() as connection:
            def count(table: object, *where: object) -> int:
                return int(connection.scalar(select(func.count()).select_from(table).where(*where)) or 0)

            return {
                "claims": count(Claim.__table__, Claim.__table__.c.case_id == case),
                "audit": count(AuditEvent.__table__, AuditEvent.__table__.c.case_id == case,
                               AuditEvent.__table__.c.action == "claim.registered"),
                "keys": count(IdempotencyRecord.__table__, IdempotencyRecord.__table__.c.scope.like("registerClaim:%")),
            }
    finally:
        engine.dispose()


def every_claim(http: httpx.Client, case_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every claim of the case, page after page (each answer must be a 200)."""
    claims: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 200}
    while True:
        page = http.get(f"/v1/cases/{case_id}/claims", params=params, headers=headers)
        assert page.status_code == 200, page.text
        claims += page.json()
        if not (cursor := page.headers.get("x-next-cursor")):
            return claims
        params = {"limit": 200, "cursor": cursor}


def test_postgres_restarted_mid_burst_every_claim_is_committed_once_or_answered_retryable(
    private_postgres: PrivatePostgres,
) -> None:
    pg = private_postgres
    world = build_world(pg.url)
    with api_client(pg.url) as client:
        case_id = open_case_with_creditors(client, world, *CREDITORS)

    with live_server(pg.url) as base:
        burst = Burst(base, world, case_id).start()
        try:
            # A restart in the middle of the burst: the server kills every connection and comes back.
            wait_until(lambda: burst.created() >= RESTART_AFTER, f"{RESTART_AFTER} claims in")
            pg.restart("fast")

            # Then an outage the clients must notice: stopped until some request was answered 503.
            wait_until(lambda: burst.created() >= STOP_AFTER, f"{STOP_AFTER} claims in")
            before = burst.count(lambda a: a.status == 503)
            pg.stop("fast")
            wait_until(lambda: burst.count(lambda a: a.status == 503) > before, "a 503 while the database is down")
            with httpx.Client(base_url=base, timeout=30) as http:
                reading = http.get(f"/v1/cases/{case_id}/overview", headers=world.counsellor.headers)
                health, readiness = http.get("/health"), http.get("/ready")
            pg.start()
            back = burst.created()
            wait_until(lambda: burst.created() >= back + FINISH_AFTER, f"{FINISH_AFTER} claims in after the restart")
            burst.finish.set()
            burst.join()
        finally:
            burst.abort.set()

        # The API came back by itself: no restart of the API process.
        with httpx.Client(base_url=base, timeout=30) as http:
            listed = every_claim(http, case_id, world.counsellor.headers)
            ready_after = http.get("/ready")

    answers = burst.answers
    statuses = {a.status for a in answers}
    tally = {str(s): sum(a.status == s for a in answers) for s in sorted(statuses, key=str)}
    keys = {a.key for a in answers}
    print(f"{len(keys)} registrations, {len(answers)} answers: {tally}")  # shown with -s
    assert statuses <= {201, *RETRYABLE}, sorted(statuses, key=str)  # never a 500, never a dropped connection
    unavailable = [a for a in answers if a.status == 503]
    assert unavailable, "the clients saw the outage"
    for answer in (a for a in answers if a.status in RETRYABLE):
        assert answer.content_type.startswith("application/problem+json"), answer
        assert answer.body["status"] == answer.status, answer
    assert all(a.retry_after is not None and int(a.retry_after) > 0 for a in unavailable), unavailable[:3]

    # Reads during the outage: the same retryable problem, not a 500.
    assert reading.status_code == 503 and reading.headers["retry-after"], reading.text
    assert reading.headers["content-type"].startswith("application/problem+json")
    # Liveness stays up (restarting the API would not bring the database back); readiness says "not now".
    assert health.status_code == 200, health.text
    assert readiness.status_code == 503 and readiness.headers["retry-after"], readiness.text

    # Every key got its 201 in the end; a key answered twice (a retry after a lost answer) names one claim.
    created: dict[str, set[object]] = {}
    for answer in answers:
        if answer.status == 201:
            created.setdefault(answer.key, set()).add(answer.body["id"])
    assert set(created) == keys, f"{len(keys - set(created))} keys never got their 201"
    total = len(created)
    assert all(len(ids) == 1 for ids in created.values()), "a retried key created a second claim"

    # The database holds exactly the claims answered 201: none lost, none twice, no half writes.
    assert stored(pg.url, case_id) == {"claims": total, "audit": total, "keys": total}
    assert len(listed) == total
    assert {c["id"] for c in listed} == {next(iter(ids)) for ids in created.values()}
    assert ready_after.status_code == 200
