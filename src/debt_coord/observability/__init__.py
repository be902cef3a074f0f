"""Observability: Prometheus metrics, OpenTelemetry traces and structured logs, for the API and the workers.

- `metrics`: the counters and histograms that the code increments (jobs, solves, webhooks, rate limits).
- `gauges`: what is read at scrape time (jobs by status and the webhook outbox from the database, the pool).
- `tracing`: the tracer provider (OTLP when DEBT_COORD_OTEL_ENDPOINT is set) and a job's trace context.
- `logs`: JSON log lines with request_id and trace_id (DEBT_COORD_LOG_FORMAT=json).
- `worker_metrics`: a worker's metrics port, serving its pool processes' metrics (multiprocess mode).
"""
