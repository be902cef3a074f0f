"""The Prometheus series the code counts as it goes, in this process's default registry.

In a worker (`debt-coord worker`) prometheus-client runs in multiprocess mode, so that what the pool
processes count is served by the worker's main process (see `worker_metrics`).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

JOB_RUNS = Counter("debt_coord_job_runs",
                   "Job runs by outcome: succeeded, failed, skipped (not ours: done or running elsewhere), "
                   "lost (lease taken over), given_back (the database failed: run again later).", ["outcome"])
JOBS_RESENT = Counter("debt_coord_jobs_resent", "Jobs the sweeper sent again (message or worker lost).")
SOLVE_SECONDS = Histogram("debt_coord_solve_seconds", "Time the planning engine took per solve, in seconds.",
                          buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600))
WEBHOOK_ATTEMPTS = Counter("debt_coord_webhook_delivery_attempts",
                           "Webhook POSTs by outcome: delivered, retry (failed, tried again later), failed (gave up).",
                           ["outcome"])
RATE_LIMIT_REFUSALS = Counter("debt_coord_rate_limit_refusals",
                              "Requests refused with 429, by what was over its limit: key, address, refused_keys.",
                              ["limit"])
