"""OpenTelemetry traces: the process's tracer provider, and a job's trace carried in its row.

Every process has an SDK tracer provider, so trace ids exist (for the logs) even when nothing is exported;
with DEBT_COORD_OTEL_ENDPOINT its spans are sent over OTLP/HTTP to `<endpoint>/v1/traces`.

A plan request's trace goes on in the job that solves it: the job row is the truth (its Celery message may
be lost and sent again by the sweeper), so `enqueue` stores the request's W3C `traceparent` in the job's
payload and the runner continues it, whether a thread of the API or a worker runs the job.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from debt_coord.kernel.settings import Settings

TRACER = trace.get_tracer("debt_coord")
TRACE_FIELDS = ("traceparent", "tracestate")
_PROPAGATOR = TraceContextTextMapPropagator()  # W3C trace context only: no baggage from clients into job rows
_exporting: set[str] = set()
_lock = threading.Lock()


def traces_url(endpoint: str) -> str:
    return endpoint.rstrip("/") + "/v1/traces"


def configure_tracing(settings: Settings, service: str) -> TracerProvider | None:
    """Give this process an SDK tracer provider (once) and, with an endpoint, an OTLP exporter (once per endpoint)."""
    with _lock:
        provider = trace.get_tracer_provider()
        if not isinstance(provider, TracerProvider):
            provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
            trace.set_tracer_provider(provider)
            if trace.get_tracer_provider() is not provider:  # someone else's provider stands: leave it be
                return None
        endpoint = settings.otel_endpoint
        if endpoint and endpoint not in _exporting:
            _exporting.add(endpoint)
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces_url(endpoint))))
        return provider


def flush_traces() -> None:
    """Send what is batched now (a pool process may end without running exit handlers)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush(timeout_millis=5000)


def trace_carrier() -> dict[str, str]:
    """The current span's W3C `traceparent` (and `tracestate`), to keep with work done later; {} outside a span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


def continued(carrier: Mapping[str, Any]) -> Context:
    """The context to start a span in, continuing the trace kept by `trace_carrier` (a new trace without one)."""
    kept = {name: value for name in TRACE_FIELDS if isinstance(value := carrier.get(name), str)}
    return _PROPAGATOR.extract(kept, context=Context())
