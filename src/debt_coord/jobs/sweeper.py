"""The sweeper: sends again the jobs whose message or worker was lost, found by their rows."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

from debt_coord.jobs import store
from debt_coord.jobs.runner import sync_engine
from debt_coord.kernel.settings import Settings
from debt_coord.observability.metrics import JOBS_RESENT

log = logging.getLogger(__name__)


class Sweeper:
    """Every `job_sweep_interval_seconds`: send again the jobs whose message or worker was lost."""

    def __init__(self, settings: Settings, send: Callable[[uuid.UUID], None], *, sweep_all_first: bool) -> None:
        self.settings, self.send = settings, send
        self.sweep_all_first = sweep_all_first
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="debt-coord-job-sweeper", daemon=True)

    def start(self) -> Sweeper:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout=10)

    def sweep_once(self, *, requeue_after_seconds: float | None = None) -> list[uuid.UUID]:
        settings = self.settings
        after = settings.job_requeue_after_seconds if requeue_after_seconds is None else requeue_after_seconds
        with sync_engine(settings).begin() as connection:
            due = store.sweep(connection, requeue_after_seconds=after, max_attempts=settings.job_max_attempts)
        for job_id in due:
            self.send(job_id)
        if due:
            JOBS_RESENT.inc(len(due))
            log.info("sweeper sent %d job(s) again", len(due))
        return due

    def _loop(self) -> None:
        # The first round at once: jobs left over from before this process started.
        first, wait = True, 0.0
        while not self.stopped.wait(wait):
            try:
                self.sweep_once(requeue_after_seconds=0 if first and self.sweep_all_first else None)
            except Exception as error:  # the database may be down or not migrated yet: next round
                log.warning("job sweeper: %s", error)
            first, wait = False, self.settings.job_sweep_interval_seconds
