"""The Celery app: broker and result backend on DEBT_COORD_REDIS_URL, one task that runs a job.

Delivery is at least once (`acks_late`, `reject_on_worker_lost`: a message whose worker dies
is delivered again); the runner makes the effect exactly once (see debt_coord.jobs.runner).
Time limits: the solver stops itself at `policy.time_limit_seconds` (at most 600 s); the
task's soft limit is above that, the hard limit above the soft one, and both well below the
Redis visibility timeout, after which Redis would hand a still-running message to a second worker.

Start a worker with `debt-coord worker`; `celery -A debt_coord.worker inspect ping` checks it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from celery import Celery, bootsteps
from celery.signals import setup_logging, worker_process_init, worker_process_shutdown
from opentelemetry.instrumentation.celery import CeleryInstrumentor

from debt_coord.jobs.chores import Chore, chores_running
from debt_coord.jobs.runner import RETRYABLE, JobWiring, run_job
from debt_coord.jobs.sweeper import Sweeper
from debt_coord.kernel.database import create_engine, session_factory
from debt_coord.kernel.settings import Settings
from debt_coord.observability.logs import configure_json_logging
from debt_coord.observability.tracing import configure_tracing, flush_traces
from debt_coord.observability.worker_metrics import serve_worker_metrics
from debt_coord.webhooks.delivery import run_delivery_loop

log = logging.getLogger(__name__)

RUN_JOB_TASK = "debt_coord.jobs.run_job"
QUEUE = "debt_coord.jobs"
SOLVER_MAX_SECONDS = 600
"""The largest policy.time_limit_seconds a PlanRequest accepts."""
RETRY_BACKOFF_MAX_SECONDS = 300
MAX_RETRIES = 10
"""Retries of one message for a database outage (backoff 1 s, 2 s, 4 s ... 5 min); then the sweeper."""


def make_celery(settings: Settings, wiring: JobWiring | None = None, chores: Sequence[Chore] = ()) -> Celery:
    """The Celery app; with `wiring` a worker's (it runs jobs, sweeps, delivers webhooks), without only a sender."""
    transport = {"visibility_timeout": settings.redis_visibility_timeout_seconds}
    app = Celery("debt_coord", broker=settings.redis_url, backend=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.job_soft_time_limit_seconds,
        task_time_limit=settings.job_hard_time_limit_seconds,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        task_ignore_result=True,  # the job row holds the result
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
    )
    app.debt_coord_settings = settings

    # shared=False: a shared task joins every app made later in the process, which would then run
    # this app's callable with this app's settings under the same name.
    @app.task(
        name=RUN_JOB_TASK, shared=False, acks_late=True, reject_on_worker_lost=True,
        autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
        retry_jitter=True, max_retries=MAX_RETRIES,
        soft_time_limit=settings.job_soft_time_limit_seconds, time_limit=settings.job_hard_time_limit_seconds,
    )  # type: ignore[untyped-decorator]
    def run_job_task(job_id: str) -> str:
        if wiring is None:
            raise RuntimeError("this Celery app only sends jobs; `debt-coord worker` runs them")
        return run_job(uuid.UUID(job_id), settings, wiring).value

    app.debt_coord_chores = tuple(chores)
    app.steps["worker"].add(SweeperStep)
    app.steps["worker"].add(WebhookDeliveryStep)
    app.steps["worker"].add(MetricsServerStep)
    instrument_celery()
    if wiring is not None:
        observe_worker(settings)
    return app


def instrument_celery() -> None:
    """Spans for sending and running tasks, with the sender's trace context in the message's headers."""
    instrumentor = CeleryInstrumentor()  # type: ignore[no-untyped-call]
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def observe_worker(settings: Settings) -> None:
    """Traces in each pool process (its own exporter, set up after the fork); JSON logs when asked for."""

    def start_tracing(**_: Any) -> None:
        configure_tracing(settings, "debt-coord-worker")

    def flush(**_: Any) -> None:
        flush_traces()

    def json_logs(loglevel: Any = "INFO", **_: Any) -> None:
        configure_json_logging(logging.getLevelName(loglevel) if isinstance(loglevel, int) else str(loglevel))

    worker_process_init.connect(start_tracing, weak=False, dispatch_uid="debt_coord.start_tracing")
    worker_process_shutdown.connect(flush, weak=False, dispatch_uid="debt_coord.flush_traces")
    if settings.log_format == "json":  # a receiver here stops Celery from setting up logging its own way
        setup_logging.connect(json_logs, weak=False, dispatch_uid="debt_coord.json_logs")


def send_job(app: Celery, job_id: uuid.UUID) -> None:
    app.send_task(
        RUN_JOB_TASK, args=[str(job_id)], queue=QUEUE, ignore_result=True, retry=True,
        retry_policy={"max_retries": 3, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
    )


class SweeperStep(bootsteps.StartStopStep):  # type: ignore[misc]
    """The sweeper runs in every worker's main process, next to the pool, on a thread of its own."""

    requires = {"celery.worker.components:Pool"}  # noqa: RUF012

    def __init__(self, worker: Any, **options: Any) -> None:
        super().__init__(worker, **options)
        self.sweeper: Sweeper | None = None

    def start(self, worker: Any) -> None:
        app = worker.app
        settings: Settings = app.debt_coord_settings
        self.sweeper = Sweeper(settings, lambda job_id: send_job(app, job_id), sweep_all_first=False).start()

    def stop(self, worker: Any) -> None:
        if self.sweeper is not None:
            self.sweeper.stop()


class MetricsServerStep(bootsteps.StartStopStep):  # type: ignore[misc]
    """With DEBT_COORD_WORKER_METRICS_PORT the main process serves the metrics of the whole worker."""

    def __init__(self, worker: Any, **options: Any) -> None:
        super().__init__(worker, **options)
        self.server: Any = None

    def start(self, worker: Any) -> None:
        self.server = serve_worker_metrics(worker.app.debt_coord_settings)

    def stop(self, worker: Any) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


class WebhookDeliveryStep(bootsteps.StartStopStep):  # type: ignore[misc]
    """With Redis the API process does not deliver webhooks: every worker runs the delivery loop.

    The loop claims due deliveries with SKIP LOCKED on PostgreSQL, so any number of workers
    deliver each one once (see debt_coord.webhooks.delivery).
    """

    requires = {"celery.worker.components:Pool"}  # noqa: RUF012

    def __init__(self, worker: Any, **options: Any) -> None:
        super().__init__(worker, **options)
        self.thread: threading.Thread | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop_event: asyncio.Event | None = None

    def start(self, worker: Any) -> None:
        settings: Settings = worker.app.debt_coord_settings
        chores: Sequence[Chore] = worker.app.debt_coord_chores
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(settings, chores, ready), name="debt-coord-webhooks",
                                       daemon=True)
        self.thread.start()
        ready.wait(timeout=10)

    def _run(self, settings: Settings, chores: Sequence[Chore], ready: threading.Event) -> None:
        async def deliver() -> None:
            self.loop, self.stop_event = asyncio.get_running_loop(), asyncio.Event()
            ready.set()
            engine = create_engine(settings.effective_database_url, echo=settings.sql_echo)
            sessions = session_factory(engine)
            try:
                async with chores_running(sessions, chores, settings.webhook_poll_seconds):
                    await run_delivery_loop(sessions, self.stop_event, settings.webhook_poll_seconds,
                                            timeout=settings.webhook_timeout_seconds,
                                            max_attempts=settings.webhook_max_attempts)
            finally:
                await engine.dispose()

        try:
            asyncio.run(deliver())
        except Exception:
            log.exception("webhook delivery loop stopped")

    def stop(self, worker: Any) -> None:
        if self.loop is not None and self.stop_event is not None:
            with suppress(RuntimeError):  # the loop has ended already
                self.loop.call_soon_threadsafe(self.stop_event.set)
        if self.thread is not None:
            self.thread.join(timeout=20)
