"""`debt-coord worker`: a Celery worker for jobs, with the sweeper and the webhook delivery loop.

`app` is the worker's Celery app, as bootstrap wires it: `celery -A debt_coord.worker inspect ping`.
"""

from __future__ import annotations

import click

from debt_coord.bootstrap import worker_app
from debt_coord.jobs.celery_app import QUEUE
from debt_coord.kernel.settings import get_settings

app = worker_app(get_settings())


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
    app.worker_main([
        "worker", f"--concurrency={concurrency or settings.worker_concurrency}", f"--hostname={name}",
        f"--loglevel={loglevel}", "--pool=prefork", f"--queues={QUEUE}", "--without-gossip", "--without-mingle",
    ])
