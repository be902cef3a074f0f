"""Sending jobs to be run: Celery on Redis, or a thread pool of this process without Redis.

The database is the system of record; a dispatch is only a nudge. If one is lost (Redis
flushed or restarted, the process killed between commit and send), the sweeper finds the job
by its row and sends it again, so every queued job runs.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from typing import Protocol

from opentelemetry import context as otel_context
from opentelemetry.context import Context

from debt_coord.jobs.celery_app import make_celery, send_job
from debt_coord.jobs.runner import RETRYABLE, JobRunner, JobWiring
from debt_coord.jobs.sweeper import Sweeper
from debt_coord.kernel.settings import Settings

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    def start(self) -> None:
        """Start whatever runs in the background (threads, the sweeper); dispatch() starts it too."""

    def dispatch(self, job_id: uuid.UUID) -> None:
        """Send a committed job to be run. Never raises: a job that is not sent is swept later."""

    def close(self) -> None: ...


class InProcessDispatcher:
    """The embedded default: `job_threads` threads of this process run jobs, each with its own event loop.

    Same rows, states and runner as the Celery workers. At start the sweeper sends every job
    left queued (or running with a lapsed lease) when the process last stopped.
    """

    def __init__(self, settings: Settings, wiring: JobWiring) -> None:
        self.settings, self.wiring = settings, wiring
        self.queue: queue.SimpleQueue[uuid.UUID | None] = queue.SimpleQueue()
        self.threads: list[threading.Thread] = []
        self.timers: set[threading.Timer] = set()
        self.retries: dict[uuid.UUID, int] = {}
        self.lock = threading.Lock()
        self.started = self.closed = False
        self.sweeper = Sweeper(settings, self.dispatch, sweep_all_first=True)

    def start(self) -> None:
        with self.lock:
            if self.started or self.closed:
                return
            self.started = True
            for number in range(self.settings.job_threads):
                thread = threading.Thread(target=self._work, name=f"debt-coord-job-{number}", daemon=True)
                thread.start()
                self.threads.append(thread)
        self.sweeper.start()

    def dispatch(self, job_id: uuid.UUID) -> None:
        if self.closed:
            log.info("job %s not sent: shutting down; it runs at the next start", job_id)
            return
        self.start()
        self.queue.put(job_id)

    def _work(self) -> None:
        runner = JobRunner(self.settings, self.wiring)
        try:
            while (job_id := self.queue.get()) is not None:
                try:
                    runner.run(job_id)
                    self.retries.pop(job_id, None)
                except RETRYABLE as error:
                    self._retry_later(job_id, error)
                except Exception:
                    log.exception("job %s: the runner failed", job_id)
                if runner.broken:
                    runner.close()
                    runner = JobRunner(self.settings, self.wiring)
        finally:
            runner.close()

    def _retry_later(self, job_id: uuid.UUID, error: Exception) -> None:
        with self.lock:
            tries = self.retries[job_id] = self.retries.get(job_id, 0) + 1
            delay = min(2.0**tries, 300.0)
            log.warning("job %s: %s; retrying in %.0f s", job_id, type(error).__name__, delay)
            timer = threading.Timer(delay, self._retry, args=(job_id,))
            timer.daemon = True
            self.timers.add(timer)
        timer.start()

    def _retry(self, job_id: uuid.UUID) -> None:
        with self.lock:
            self.timers = {t for t in self.timers if t.is_alive() and t is not threading.current_thread()}
        self.dispatch(job_id)

    def close(self, timeout: float = 30.0) -> None:
        """Stop taking jobs; wait up to `timeout` for running ones. Queued ones stay queued for the next start."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            for timer in self.timers:
                timer.cancel()
        self.sweeper.stop()
        while True:  # what is waiting here stays queued in the database
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join(timeout=timeout)


class CeleryDispatcher:
    """With Redis: each dispatch becomes a Celery message to the workers (`debt-coord worker`).

    Messages are sent by a thread of this dispatcher, so that a request never waits on Redis
    (nor hangs while Redis is down: the job is committed, and the workers' sweepers send it).
    """

    def __init__(self, settings: Settings) -> None:
        self.app = make_celery(settings)
        # With the sender's trace context, so that the message's publish span is in the request's trace.
        self.outbox: queue.SimpleQueue[tuple[uuid.UUID, Context] | None] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send, name="debt-coord-job-sender", daemon=True)
        self.lock = threading.Lock()
        self.started = self.closed = False

    def start(self) -> None:
        with self.lock:
            if not self.started and not self.closed:
                self.started = True
                self.sender.start()

    def dispatch(self, job_id: uuid.UUID) -> None:
        self.start()
        self.outbox.put((job_id, otel_context.get_current()))

    def _send(self) -> None:
        while (item := self.outbox.get()) is not None:
            job_id, context = item
            token = otel_context.attach(context)
            try:
                send_job(self.app, job_id)
            except Exception as error:
                log.warning("job %s could not be sent to Redis (%s); the sweeper will send it", job_id, error)
            finally:
                otel_context.detach(token)

    def close(self, timeout: float = 10.0) -> None:
        """Send what is waiting (for up to `timeout`), then release the connections."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
        if self.started:
            self.outbox.put(None)
            self.sender.join(timeout=timeout)
        self.app.close()


def make_dispatcher(settings: Settings, wiring: JobWiring) -> Dispatcher:
    """Celery on Redis with DEBT_COORD_REDIS_URL (the workers run the jobs), otherwise threads of this process."""
    if settings.redis_url:
        return CeleryDispatcher(settings)
    return InProcessDispatcher(settings, wiring)
