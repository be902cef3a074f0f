"""GET /metrics: Prometheus series after a real flow, and who may read them.

The flow runs through the API in the embedded default (jobs on the API's threads, webhooks delivered
by its loop) on SQLite and PostgreSQL: a case, claims, a plan asked and solved, a webhook delivered
and one refused by its receiver, a job that fails, a client over its rate limit. Counters are
compared with a scrape taken before the flow (they are the process's, shared by the tests).
"""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from api.app import create_app
from debt_coord.kernel.settings import Settings
from tests.observability.support import METRICS_TOKEN, Samples, plan_case, queue_job, scrape, value, wait_for
from tests.support import World, build_world, open_case_with_creditors
from tests.webhooks.receiver import Receiver

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def settings_for(database_url: str, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, seed_demo=False, metrics_token=METRICS_TOKEN,
                    webhook_poll_seconds=0.2, **overrides)


def the_flow(client: TestClient[Any], world: World, settings: Settings, good: Receiver, bad: Receiver) -> None:
    for receiver in (good, bad):
        made = client.post("/v1/webhooks", json={"url": receiver.url, "events": ["plan.proposed"]},
                           headers=world.c1.headers)
        assert made.status_code == 201, made.text
    case_id, plan_id = plan_case(client, world)
    assert client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=world.counsellor.headers).is_success
    wait_for(lambda: good.received and bad.received, "a delivery to each receiver")
    queue_job(settings, world, case_id, {})  # written without a message: stays queued (the sweeper waits 120 s)
    for _ in range(settings.rate_limit_requests + 1):  # without a key: counted by address
        last = client.get("/v1/cases")
    assert last.status_code == 429, last.text


def test_after_a_flow_metrics_has_every_series_with_counts(database_url: str) -> None:
    world = build_world(database_url)
    settings = settings_for(database_url, rate_limit_requests=60)
    with TestClient(create_app(settings)) as client:  # a first start, to open a case for a job that breaks
        case_id = open_case_with_creditors(client, world, "c1", reference="OBS-BROKEN")
        before = scrape(client)
    queue_job(settings, world, case_id, {})  # no request in it: it can never run
    good, bad = Receiver().start(), Receiver(answer=lambda n: 500).start()
    try:
        with TestClient(create_app(settings)) as client:  # the sweeper runs the left-over job at start: it fails
            the_flow(client, world, settings, good, bad)
            assert client.get("/metrics", headers=world.counsellor.headers).status_code == 401
            after = scrape(client)
    finally:
        good.stop()
        bad.stop()

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    plans = {"path": "/v1/cases/{case_id}/plans", "method": "POST", "status_code": "202"}
    assert grew("debt_coord_request_duration_seconds_count", **plans) >= 1
    assert grew("debt_coord_request_duration_seconds_sum", **plans) > 0
    assert grew("debt_coord_requests_total", path="/v1/cases/{case_id}/claims", status_code="201") >= 1
    assert grew("debt_coord_requests_total", status_code="429") >= 1
    assert grew("debt_coord_requests_total", path="/metrics", status_code="401") >= 1
    paths = {labels for name, labels in after if name.startswith("debt_coord_request")}
    assert not [p for p in paths if UUID.search(str(p))], "a raw path with an id as a label"

    assert grew("debt_coord_job_runs_total", outcome="succeeded") >= 1
    assert grew("debt_coord_job_runs_total", outcome="failed") >= 1
    assert grew("debt_coord_solve_seconds_count") >= 1 and grew("debt_coord_solve_seconds_sum") > 0
    assert value(after, "debt_coord_jobs", status="failed") >= 1
    assert value(after, "debt_coord_jobs", status="queued") >= 1
    assert value(after, "debt_coord_jobs_oldest_queued_seconds") > 0
    assert ("debt_coord_jobs", frozenset({("status", "running")})) in after

    assert grew("debt_coord_webhook_delivery_attempts_total", outcome="delivered") >= 1
    assert grew("debt_coord_webhook_delivery_attempts_total", outcome="retry") >= 1
    assert value(after, "debt_coord_webhook_outbox_pending") >= 1  # the refused one waits for its retry

    assert grew("debt_coord_rate_limit_refusals_total", limit="address") >= 1
    assert value(after, "debt_coord_db_pool_connections", state="size") >= 1


def test_metrics_need_their_token_and_without_one_there_are_none(database_url: str) -> None:
    world = build_world(database_url)
    with TestClient(create_app(Settings(database_url=database_url, seed_demo=False))) as client:
        for headers in ({}, world.admin.headers, {"Authorization": f"Bearer {METRICS_TOKEN}"}):
            answer = client.get("/metrics", headers=headers)
            assert answer.status_code == 404, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
        assert "/metrics" not in (client.app.openapi_schema.paths or {})

    # A limit of 2 requests: scrapes are never limited, and never counted against anyone.
    with TestClient(create_app(settings_for(database_url, rate_limit_requests=2))) as client:
        for headers in ({}, world.admin.headers, {"Authorization": "Bearer not-the-metrics-token-at-all"}):
            answer = client.get("/metrics", headers=headers)
            assert answer.status_code == 401, answer.text
            assert "bearer" in answer.headers["www-authenticate"].lower()
            assert METRICS_TOKEN not in answer.text
        for _ in range(3):
            samples: Samples = scrape(client)
        assert value(samples, "debt_coord_jobs", status="queued") == 0
        assert client.get("/v1/cases", headers=world.counsellor.headers).status_code == 200
