"""Workers export theirs too: a real `debt-coord worker` (Celery prefork) with Redis and PostgreSQL.

Its metrics port serves what its pool process counted (prometheus-client's multiprocess mode), behind
the metrics token; its spans go over OTLP to a receiver of the test's own, and the job's span continues
the trace of the API request that asked for the plan (seen by the API's in-memory exporter), as do the
job's JSON log lines.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from bench.processes import free_port
from tests.jobs.support import flush, jobs_redis_url, settings_for, workers
from tests.observability.otlp import OtlpReceiver
from tests.observability.support import METRICS_TOKEN, plan_case, wait_for
from tests.support import build_world

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(180)]


def test_a_worker_serves_its_pool_processes_metrics_and_continues_the_requests_trace(
    postgres_database_url: str, redis_url: str, tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    broker = jobs_redis_url(redis_url)
    flush(broker)
    world = build_world(postgres_database_url)
    receiver = OtlpReceiver().start()
    port = free_port()
    api = settings_for(postgres_database_url, broker)  # the API's spans: the in-memory exporter of this process
    worker = api.model_copy(update={"metrics_token": METRICS_TOKEN, "worker_metrics_port": port,
                                    "otel_endpoint": receiver.endpoint, "log_format": "json"})
    try:
        with TestClient(create_app(api)) as client, workers(worker, tmp_path, concurrency=2):
            plan_case(client, world)
            metrics = f"http://127.0.0.1:{port}/metrics"
            assert httpx.get(metrics).status_code == 401
            assert httpx.get(metrics, headers={"Authorization": "Bearer wrong"}).status_code == 401

            def counted() -> dict[tuple[str, tuple[tuple[str, str], ...]], float] | None:
                answer = httpx.get(metrics, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
                assert answer.status_code == 200, answer.text
                found = {(s.name, tuple(sorted(s.labels.items()))): s.value
                         for family in text_string_to_metric_families(answer.text) for s in family.samples}
                return found if ("debt_coord_job_runs_total", (("outcome", "succeeded"),)) in found else None

            # The run is counted just after its commit, which the API may see first.
            samples = wait_for(counted, "the job's run on the worker's metrics port", timeout=10)
            job_spans = wait_for(lambda: [s for s in receiver.spans() if s.name == "job solve_plan"],
                                 "the worker's job span, over OTLP")
    finally:
        receiver.stop()
        flush(broker)

    assert samples[("debt_coord_job_runs_total", (("outcome", "succeeded"),))] == 1
    assert samples[("debt_coord_solve_seconds_count", ())] == 1

    [request] = [s for s in spans.get_finished_spans() if s.name == "POST /v1/cases/{case_id}/plans"]
    trace_id = f"{request.context.trace_id:032x}"
    [job] = job_spans
    assert (job.trace_id, job.parent_id, job.service) == (trace_id, f"{request.context.span_id:016x}",
                                                          "debt-coord-worker")
    assert job.attributes["debt_coord.job.outcome"] == "succeeded"
    in_trace = {s.name: s for s in receiver.spans() if s.trace_id == trace_id}
    assert in_trace["solver.solve"].parent_id == job.span_id
    # The Celery message carried the request's context too: its run span is in the same trace.
    assert "run/debt_coord.jobs.run_job" in in_trace, sorted(in_trace)
    # And the worker's JSON log lines of the job carry the request's trace id.
    lines = [json.loads(line) for line in (tmp_path / "worker-0-0.log").read_text().splitlines()
             if line.startswith("{")]
    [solved] = [r for r in lines if r["logger"] == "debt_coord.jobs.runner" and "succeeded" in r["message"]]
    assert solved["trace_id"] == trace_id
