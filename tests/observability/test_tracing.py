"""One trace from the plan request to the solver, in the embedded default (jobs on the API's threads).

An in-memory span exporter on the process's tracer provider sees the API's server span, the job's span
and the solver's span. The job continues the trace kept in its row (the W3C traceparent of the request),
so a job that the sweeper sends (its message lost, or the process stopped) continues it just the same.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar.testing import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.app import create_app
from debt_coord.kernel.settings import Settings
from tests.observability.support import plan_case, queue_job, wait_for
from tests.support import build_world, open_case_with_creditors

PLANS_ROUTE = "POST /v1/cases/{case_id}/plans"


def named(spans: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [span for span in spans.get_finished_spans() if span.name == name]


def test_a_plan_request_its_job_and_the_solve_are_one_trace(database_url: str, spans: InMemorySpanExporter) -> None:
    world = build_world(database_url)
    trace_id, parent = uuid.uuid4().hex, uuid.uuid4().hex[:16]  # the client's own trace, which we continue
    with TestClient(create_app(Settings(database_url=database_url, seed_demo=False))) as client:
        plan_case(client, world, headers={"traceparent": f"00-{trace_id}-{parent}-01"})

    [request] = named(spans, PLANS_ROUTE)
    assert request.kind is trace.SpanKind.SERVER and request.attributes is not None
    assert request.attributes["http.status_code"] == 202
    assert request.attributes["http.route"] == "/v1/cases/{case_id}/plans"
    assert f"{request.context.trace_id:032x}" == trace_id
    assert request.parent is not None and request.parent.span_id == int(parent, 16)
    [job] = named(spans, "job solve_plan")
    assert job.context.trace_id == request.context.trace_id
    assert job.parent is not None and job.parent.span_id == request.context.span_id
    assert job.attributes is not None and job.attributes["debt_coord.job.outcome"] == "succeeded"
    [solve] = named(spans, "solver.solve")
    assert solve.context.trace_id == request.context.trace_id
    assert solve.parent is not None and solve.parent.span_id == job.context.span_id
    assert solve.attributes is not None and solve.attributes["debt_coord.solver.claims"] == 1
    # Other requests are traces of their own, named by route template, never by a path with ids.
    claims = named(spans, "POST /v1/cases/{case_id}/claims")
    assert claims and all(span.context.trace_id != request.context.trace_id for span in claims)


def test_a_job_the_sweeper_sends_continues_the_trace_kept_in_its_row(
    database_url: str, spans: InMemorySpanExporter
) -> None:
    world = build_world(database_url)
    settings = Settings(database_url=database_url, seed_demo=False)
    with TestClient(create_app(settings)) as client:
        case_id = open_case_with_creditors(client, world, "c1")
    # Written inside a span while no API runs (as if its message was lost): the next start's sweeper sends it.
    with trace.get_tracer("tests").start_as_current_span("asked before a restart") as asked:
        queue_job(settings, world, case_id, {})
    with TestClient(create_app(settings)):
        [job] = wait_for(lambda: named(spans, "job solve_plan"), "the swept job's span")
    assert job.context.trace_id == asked.get_span_context().trace_id
    assert job.parent is not None and job.parent.span_id == asked.get_span_context().span_id
    assert job.attributes is not None and job.attributes["debt_coord.job.outcome"] == "failed"  # no request in it


def test_every_answer_carries_a_request_id_the_clients_when_it_is_sane(database_url: str) -> None:
    with TestClient(create_app(Settings(database_url=database_url, seed_demo=False))) as client:
        def request_id(path: str, sent: str | None = None) -> Any:
            answer = client.get(path, headers={"X-Request-ID": sent} if sent is not None else {})
            return answer.headers.get("x-request-id")

        assert request_id("/v1/cases", "trace-me.42:abc") == "trace-me.42:abc"  # 401, from the key middleware
        assert request_id("/health", "0f1e2d3c-aaaa-bbbb-cccc-000000000001") == "0f1e2d3c-aaaa-bbbb-cccc-000000000001"
        generated = {request_id("/health"), request_id("/no/such/route"), request_id("/v1/cases", "two words"),
                     request_id("/v1/cases", "x" * 200), request_id("/v1/cases", "<script>")}
        assert len(generated) == 5 and all(g and len(g) == 32 and int(g, 16) >= 0 for g in generated)
