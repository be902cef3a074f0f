"""Gauges read when Prometheus scrapes, not kept in memory: jobs by status and the webhook outbox backlog
from the database (one cheap indexed query each), and the use of the process's connection pool.

`refresh(engine)` reads them (the API's /metrics handler calls it before the registry is rendered); the
collector registered in the default registry serves the last reading. A database that does not answer
leaves its gauges out of that scrape rather than showing stale numbers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from debt_coord.jobs.models import Job, JobStatus
from debt_coord.webhooks.models import DeliveryStatus, WebhookDelivery

log = logging.getLogger(__name__)
JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED)
QUERY_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Reading:
    jobs: dict[str, int] | None = None
    oldest_queued_seconds: float | None = None
    outbox_pending: int | None = None
    pool: dict[str, int] = field(default_factory=dict)


async def _database(engine: AsyncEngine) -> tuple[dict[str, int], float | None, int]:
    async with engine.connect() as connection:
        counted = dict((await connection.execute(
            select(Job.status, func.count()).where(Job.status.in_(JOB_STATUSES)).group_by(Job.status)
        )).all())
        oldest = await connection.scalar(select(func.min(Job.created_at)).where(Job.status == JobStatus.QUEUED))
        pending = await connection.scalar(
            select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.PENDING)
        )
    jobs = {status.value: int(counted.get(status, 0)) for status in JOB_STATUSES}
    waited = None
    if oldest is not None:
        oldest = oldest if oldest.tzinfo is not None else oldest.replace(tzinfo=dt.UTC)
        waited = max((dt.datetime.now(dt.UTC) - oldest).total_seconds(), 0.0)
    return jobs, waited, int(pending or 0)


def _pool(engine: AsyncEngine) -> dict[str, int]:
    pool = engine.sync_engine.pool
    if not isinstance(pool, QueuePool):  # SQLite in memory (StaticPool) keeps no counts
        return {}
    return {"size": pool.size(), "checked_out": pool.checkedout(), "checked_in": pool.checkedin(),
            "overflow": max(pool.overflow(), 0)}


class ScrapeTimeGauges(Collector):
    def __init__(self) -> None:
        self.reading = Reading()

    async def refresh(self, engine: AsyncEngine) -> None:
        pool = _pool(engine)
        try:
            async with asyncio.timeout(QUERY_TIMEOUT_SECONDS):
                jobs, waited, pending = await _database(engine)
        except Exception as error:  # the database is away: its gauges are left out, the rest is served
            log.warning("metrics: database gauges not read: %s", type(error).__name__)
            self.reading = Reading(pool=pool)
            return
        self.reading = Reading(jobs, waited, pending, pool)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return self._families(Reading())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        return self._families(self.reading)

    @staticmethod
    def _families(reading: Reading) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily("debt_coord_jobs", "Jobs by status (queued, running, failed), from the database.",
                                 labels=["status"])
        for status, count in (reading.jobs or {}).items():
            jobs.add_metric([status], count)
        yield jobs
        oldest = GaugeMetricFamily("debt_coord_jobs_oldest_queued_seconds",
                                   "Age of the oldest queued job (0 when none waits).")
        if reading.jobs is not None:
            oldest.add_metric([], reading.oldest_queued_seconds or 0.0)
        yield oldest
        outbox = GaugeMetricFamily("debt_coord_webhook_outbox_pending",
                                   "Webhook deliveries waiting in the outbox (pending), from the database.")
        if reading.outbox_pending is not None:
            outbox.add_metric([], reading.outbox_pending)
        yield outbox
        pool = GaugeMetricFamily("debt_coord_db_pool_connections",
                                 "The API's database connection pool: size, checked_out, checked_in, overflow.",
                                 labels=["state"])
        for state, count in reading.pool.items():
            pool.add_metric([state], count)
        yield pool


SCRAPE_TIME_GAUGES = ScrapeTimeGauges()
REGISTRY.register(SCRAPE_TIME_GAUGES)
