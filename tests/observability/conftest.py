"""An in-memory span exporter on the process's tracer provider (the one create_app sets up)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from debt_coord.kernel.settings import Settings
from debt_coord.observability.tracing import configure_tracing

_EXPORTER = InMemorySpanExporter()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    if not getattr(_EXPORTER, "attached", False):
        configure_tracing(Settings(), "debt-coord-tests")
        provider = trace.get_tracer_provider()
        assert isinstance(provider, TracerProvider)
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        _EXPORTER.attached = True  # type: ignore[attr-defined]
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()
