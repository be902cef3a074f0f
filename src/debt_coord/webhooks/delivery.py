"""Webhook delivery: the outbox rows sent to their endpoints, signed, retried with backoff.

Events are written as outbox rows (`WebhookDelivery`) in the transaction of the change they
announce (`emit`), so an event exists exactly when its change was committed. A delivery loop
(`deliver_due`, in the API process in the embedded default, or called periodically by a worker)
POSTs each due row, signed the Standard Webhooks way (https://www.standardwebhooks.com):

    webhook-id:        the delivery id, the same on every retry, so a receiver can de-duplicate
    webhook-timestamp: unix seconds of this attempt
    webhook-signature: "v1," + base64(HMAC-SHA256(secret, f"{id}.{timestamp}.{body}"))

A delivery is marked only once the POST's outcome is known, and committed per delivery: a crash
in between re-sends it later (at least once, never lost). Failures are retried with exponential
backoff and jitter until `max_attempts`, then the row is `failed`, visible to its owner.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from debt_coord.kernel.database import create_engine, session_factory
from debt_coord.kernel.orm import aware
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import units_of_work
from debt_coord.observability.metrics import WEBHOOK_ATTEMPTS
from debt_coord.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from debt_coord.webhooks.signing import sign

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 10
BACKOFF_SECONDS: tuple[int, ...] = (5, 30, 120, 600, 3600, 3 * 3600, 6 * 3600)
"""Wait after the 1st, 2nd, ... failed attempt; the last value repeats (the cap)."""
JITTER = 0.25
"""Each wait is stretched by a random 0..25%, so failed deliveries do not retry in lockstep."""
ERROR_SNIPPET = 300


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """How long to wait after `attempts` failed attempts (1-based), with jitter."""
    base = BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]
    return dt.timedelta(seconds=base * (1 + (rng or random).uniform(0, JITTER)))


# Delivery


@dataclass(frozen=True)
class _Outcome:
    delivered: bool
    status_code: int | None
    error: str | None


async def _post(client: httpx.AsyncClient, endpoint: WebhookEndpoint, delivery: WebhookDelivery,
                timeout: float) -> _Outcome:
    body = json.dumps(delivery.payload, separators=(",", ":"))
    message_id = str(delivery.id)
    timestamp = int(time.time())  # the wall clock, as receivers check it against theirs
    headers = {
        "content-type": "application/json",
        "user-agent": "debt-coord-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(endpoint.secret, message_id, timestamp, body),
    }
    try:
        async with asyncio.timeout(timeout):
            async with client.stream("POST", endpoint.url, content=body.encode(), headers=headers) as response:
                if 200 <= response.status_code < 300:
                    return _Outcome(True, response.status_code, None)
                snippet = b""
                async for chunk in response.aiter_bytes():
                    snippet += chunk
                    if len(snippet) >= ERROR_SNIPPET:
                        break
                text = snippet[:ERROR_SNIPPET].decode("utf-8", "replace").strip()
                detail = f"HTTP {response.status_code}" + (f": {text}" if text else "")
                return _Outcome(False, response.status_code, detail)
    except TimeoutError:
        return _Outcome(False, None, f"no answer within {timeout:g} s")
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        return _Outcome(False, None, f"{type(error).__name__}: {reason}"[:ERROR_SNIPPET])


async def _attempt(
    factory: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, delivery_id: uuid.UUID,
    moment: dt.datetime, *, timeout: float, max_attempts: int,
) -> bool:
    """Send one due delivery and record the outcome; False if another loop has it or it is no longer due."""
    async with units_of_work(factory)() as uow:
        session = uow.session
        query = (
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id == delivery_id,
                   WebhookDelivery.status == DeliveryStatus.PENDING,
                   WebhookDelivery.next_attempt_at <= moment,
                   WebhookEndpoint.active.is_(True))
        )
        if session.get_bind().dialect.name == "postgresql":
            # Held until the commit below: a second loop skips this row instead of sending it again.
            query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
        row = (await session.execute(query)).first()
        if row is None:
            return False
        delivery, endpoint = row
        outcome = await _post(client, endpoint, delivery, timeout)
        delivery.attempts += 1
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        if outcome.delivered:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = moment
        elif delivery.attempts >= max_attempts:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = moment + backoff(delivery.attempts)
        await uow.commit()
        WEBHOOK_ATTEMPTS.labels("delivered" if outcome.delivered else
                                "failed" if delivery.status is DeliveryStatus.FAILED else "retry").inc()
        return True


async def deliver_due(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    now: dt.datetime | None = None,
    limit: int = 50,
    timeout: float = 10,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    concurrency: int = 8,
) -> int:
    """POST up to `limit` pending deliveries that are due at `now`; returns how many were attempted.

    Each delivery is locked (PostgreSQL: FOR UPDATE SKIP LOCKED), sent, marked and committed on
    its own, so several loops can run side by side and a crash loses nothing.
    """
    moment = aware(now)
    async with session_factory() as session:
        query = (
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.status == DeliveryStatus.PENDING,
                   WebhookDelivery.next_attempt_at <= moment,
                   WebhookEndpoint.active.is_(True))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
        due = list((await session.execute(query)).scalars())
        await session.rollback()
    if not due:
        return 0
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(delivery_id: uuid.UUID) -> bool:
        async with gate:
            try:
                return await _attempt(session_factory, client, delivery_id, moment,
                                      timeout=timeout, max_attempts=max_attempts)
            except Exception as error:  # one broken row must not stop the others
                log.warning("webhook delivery %s could not be processed: %s", delivery_id, type(error).__name__)
                return False

    async with httpx.AsyncClient(follow_redirects=False, timeout=timeout) as client:
        results = await asyncio.gather(*(one(delivery_id) for delivery_id in due))
    return sum(results)


async def run_delivery_loop(
    session_factory: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    interval: float,
    *,
    limit: int = 50,
    timeout: float = 10,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> None:
    """Deliver due webhooks every `interval` seconds (at once again while there is a backlog) until `stop`."""
    while not stop.is_set():
        attempted = 0
        try:
            attempted = await deliver_due(session_factory, limit=limit, timeout=timeout, max_attempts=max_attempts)
        except Exception as error:  # the loop must survive a database hiccup; log no data, only the kind
            log.warning("webhook delivery round failed: %s", type(error).__name__)
        if attempted >= limit:
            continue
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


@asynccontextmanager
async def delivery_loop_running(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> AsyncIterator[asyncio.Task[None]]:
    """Run the delivery loop as a background task for the duration of the block (the API's lifespan)."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_delivery_loop(session_factory, stop, settings.webhook_poll_seconds,
                          timeout=settings.webhook_timeout_seconds, max_attempts=settings.webhook_max_attempts),
        name="webhook-delivery-loop",
    )
    try:
        yield task
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=settings.webhook_timeout_seconds + 5)
        except TimeoutError:
            # Cancelled mid-POST: the row was not marked, so it is sent again later (same webhook-id).
            log.warning("webhook delivery loop did not stop in time; cancelled")


async def deliver_pending(settings: Settings, *, now: dt.datetime | None = None, limit: int = 50) -> int:
    """One delivery round on its own engine, for a periodic worker task (Celery) or the CLI."""
    engine = create_engine(settings.effective_database_url, echo=settings.sql_echo)
    try:
        return await deliver_due(session_factory(engine), now=now, limit=limit,
                                 timeout=settings.webhook_timeout_seconds,
                                 max_attempts=settings.webhook_max_attempts)
    finally:
        await engine.dispose()
