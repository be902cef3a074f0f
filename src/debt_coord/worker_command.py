"""`debt-coord worker`: a Celery worker for jobs, with the sweeper and the webhook delivery loop.

With DEBT_COORD_WORKER_METRICS_PORT the pool processes' metrics are gathered in prometheus-client's
multiprocess mode, which the library chooses when it is first imported: so this module imports the
worker's app (and with it prometheus-client) only after PROMETHEUS_MULTIPROC_DIR is set.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import click

from debt_coord.kernel.settings import get_settings

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_metrics() -> Path:
    """An empty folder for the metric files of this worker's processes: PROMETHEUS_MULTIPROC_DIR, emptied of a
    previous run's counts, or a new one that goes when the worker ends."""
    if given := os.environ.get(MULTIPROC_DIR):
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return folder
    folder = Path(tempfile.mkdtemp(prefix="debt-coord-metrics-"))
    owner = os.getpid()  # not a pool process, which inherits the exit handler

    def remove() -> None:
        if os.getpid() == owner:
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    os.environ[MULTIPROC_DIR] = str(folder)
    return folder


@click.command()
@click.option("--concurrency", type=int, default=None, help="Processes; overrides DEBT_COORD_WORKER_CONCURRENCY.")
@click.option("--name", default="debt-coord@%h", show_default=True, help="Celery node name (%h: host name).")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(concurrency: int | None, name: str, loglevel: str) -> None:
    """Run jobs (solving plans) from Redis: start as many workers as you like, on any machine."""
    settings = get_settings()
    if not settings.redis_url:
        raise click.ClickException(
            "set DEBT_COORD_REDIS_URL to run workers; without Redis, `debt-coord serve` runs the jobs itself"
        )
    if settings.worker_metrics_port is not None:
        prepare_multiprocess_metrics()
    from debt_coord.jobs.celery_app import QUEUE
    from debt_coord.worker import app

    quiet = ["--quiet"] if settings.log_format == "json" else []  # no banner: the output is JSON lines only
    app.worker_main([
        *quiet, "worker", f"--concurrency={concurrency or settings.worker_concurrency}", f"--hostname={name}",
        f"--loglevel={loglevel}", "--pool=prefork", f"--queues={QUEUE}", "--without-gossip", "--without-mingle",
    ])
