"""Webhooks for creditors' and counsellors' systems: endpoints, a durable outbox, signed delivery.

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
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from debt_coord.db import create_engine, session_factory
from debt_coord.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from debt_coord.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from debt_coord.services import audit
from debt_coord.services.actors import Actor
from debt_coord.services.base import Service
from debt_coord.services.cases import require_role
from debt_coord.settings import Settings

log = logging.getLogger(__name__)

EVENT_TYPES: tuple[str, ...] = (
    "plan.proposed",
    "plan.activated",
    "plan.superseded",
    "decision.recorded",
    "plan.reminder",
)
SECRET_PREFIX = "whsec_"
Chore = Callable[[async_sessionmaker[AsyncSession]], Awaitable[object]]
SECRET_BYTES = 32
MAX_URL_LENGTH = 2000
MAX_ACTIVE_ENDPOINTS = 25
"""Per organisation: enough for test, staging and production receivers, not a fan-out amplifier."""

DEFAULT_MAX_ATTEMPTS = 10
BACKOFF_SECONDS: tuple[int, ...] = (5, 30, 120, 600, 3600, 3 * 3600, 6 * 3600)
"""Wait after the 1st, 2nd, ... failed attempt; the last value repeats (the cap)."""
JITTER = 0.25
"""Each wait is stretched by a random 0..25%, so failed deliveries do not retry in lockstep."""
ERROR_SNIPPET = 300


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        return _utcnow()
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


# Secrets and signatures


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form: 'whsec_' + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key: the base64-decoded part after 'whsec_'."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The webhook-signature header value for one attempt."""
    digest = hmac.new(secret_key(secret), f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """How long to wait after `attempts` failed attempts (1-based), with jitter."""
    base = BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]
    return dt.timedelta(seconds=base * (1 + (rng or random).uniform(0, JITTER)))


# Endpoint management


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials in it, or InvalidInputError at /url."""

    def bad(why: str) -> InvalidInputError:
        return InvalidInputError(f"The webhook URL is not usable: {why}.", [FieldError("/url", why)])

    if not url or len(url) > MAX_URL_LENGTH:
        raise bad(f"must be 1 to {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise bad("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise bad("must be an absolute http or https URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise bad("must be an absolute http or https URL")
    if not parts.hostname:
        raise bad("must name a host")
    if parts.username is not None or parts.password is not None:
        raise bad("must not contain credentials; verify the webhook-signature header instead")
    if port == 0:
        raise bad("must not use port 0")
    if parts.fragment:
        raise bad("must not contain a fragment (#...)")
    return url


def check_events(events: Sequence[str]) -> list[str]:
    """Known event types, duplicates dropped in order, or InvalidInputError pointing at each bad one."""
    known = ", ".join(EVENT_TYPES)
    if not events:
        raise InvalidInputError("Subscribe to at least one event type.",
                                [FieldError("/events", f"name at least one of: {known}")])
    errors = [FieldError(f"/events/{index}", f"unknown event type; known are: {known}")
              for index, name in enumerate(events) if name not in EVENT_TYPES]
    if errors:
        raise InvalidInputError("Unknown webhook event type.", errors)
    return list(dict.fromkeys(events))


def endpoint_snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The endpoint for the audit trail: never the secret."""
    return {key: value for key, value in audit.snapshot(endpoint).items() if key != "secret"}


class WebhookService(Service[WebhookEndpoint]):
    """An organisation's own endpoints and their deliveries; nobody sees another's."""

    class Repo(SQLAlchemyAsyncRepository[WebhookEndpoint]):
        model_type = WebhookEndpoint

    repository_type = Repo


    @staticmethod
    def _require_owner_role(actor: Actor, action: str) -> None:
        require_role(actor, actor.is_creditor or actor.is_counsellor, action)

    async def register(self, actor: Actor, url: str, events: Sequence[str]) -> WebhookEndpoint:
        """A new active endpoint with a fresh secret; the caller shows `endpoint.secret` once."""
        self._require_owner_role(actor, "register a webhook")
        url = check_url(url)
        subscribed = check_events(events)
        active = await self.session.scalar(
            select(func.count()).select_from(WebhookEndpoint)
            .where(WebhookEndpoint.organisation_id == actor.organisation_id, WebhookEndpoint.active.is_(True))
        )
        if (active or 0) >= MAX_ACTIVE_ENDPOINTS:
            raise ConflictError(
                f"Your organisation already has {MAX_ACTIVE_ENDPOINTS} active webhooks; delete one first."
            )
        endpoint = await self.create(WebhookEndpoint(
            organisation_id=actor.organisation_id, url=url, secret=new_secret(), events=subscribed, active=True,
        ))
        audit.record(self.session, actor, "webhook.registered", endpoint, case_id=None,
                     after=endpoint_snapshot(endpoint))
        return endpoint

    async def own_endpoints(self, actor: Actor) -> list[WebhookEndpoint]:
        self._require_owner_role(actor, "list webhooks")
        query = (
            select(WebhookEndpoint)
            .where(WebhookEndpoint.organisation_id == actor.organisation_id, WebhookEndpoint.active.is_(True))
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
        return list((await self.session.execute(query)).scalars())

    async def find_own(self, actor: Actor, endpoint_id: uuid.UUID) -> WebhookEndpoint:
        """The actor's active endpoint; unknown, deleted and foreign ones are one and the same 404."""
        self._require_owner_role(actor, "use webhooks")
        endpoint = await self.get_one_or_none(id=endpoint_id)
        if endpoint is None or not endpoint.active or endpoint.organisation_id != actor.organisation_id:
            raise NotFoundError(f"No webhook {endpoint_id}.")
        return endpoint

    async def delete_own(self, actor: Actor, endpoint_id: uuid.UUID) -> None:
        """Deactivate the endpoint: no new deliveries, pending ones are cancelled; the history stays."""
        endpoint = await self.find_own(actor, endpoint_id)
        before = endpoint_snapshot(endpoint)
        endpoint.active = False
        endpoint.secret = SECRET_PREFIX  # the secret is no longer needed: do not keep it
        await self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.PENDING)
            .values(status=DeliveryStatus.FAILED, last_error="cancelled: the webhook was deleted")
        )
        await self.session.flush()
        audit.record(self.session, actor, "webhook.deleted", endpoint, case_id=None,
                     before=before, after=endpoint_snapshot(endpoint))

    async def deliveries(
        self, actor: Actor, endpoint_id: uuid.UUID, *, status: DeliveryStatus | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        """The endpoint's deliveries, newest first."""
        endpoint = await self.find_own(actor, endpoint_id)
        query = (
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        return list((await self.session.execute(query)).scalars())


# The outbox


def _json_default(value: Any) -> Any:
    converted = audit.json_value(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable in a webhook payload")
    return converted


async def emit(
    session: AsyncSession,
    *,
    organisation_ids: Iterable[uuid.UUID],
    event_type: str,
    data: dict[str, Any],
) -> list[WebhookDelivery]:
    """Queue `event_type` for every active endpoint of these organisations that subscribed to it.

    Writes outbox rows in the caller's transaction (no commit, no network): they are delivered
    when, and only if, the caller commits. UUIDs, dates and enums in `data` become JSON strings.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    organisations = set(organisation_ids)
    if not organisations:
        return []
    body = json.dumps(
        {"type": event_type,
         "timestamp": _utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
         "data": data},
        default=_json_default,
    )
    query = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.organisation_id.in_(organisations), WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    endpoints = [e for e in (await session.execute(query)).scalars() if event_type in e.events]
    due = _utcnow()
    rows = [
        WebhookDelivery(endpoint_id=endpoint.id, event_type=event_type, payload=json.loads(body),
                        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=due)
        for endpoint in endpoints
    ]
    session.add_all(rows)
    await session.flush()
    return rows


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
    async with factory() as session:
        try:
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
            await session.commit()
            return True
        finally:
            await session.rollback()


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
    moment = _aware(now)
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
    chores: Sequence[Chore] = (),
) -> None:
    """Deliver due webhooks every `interval` seconds (at once again while there is a backlog) until `stop`.

    `chores` run before each round: periodic work that emits webhooks, such as deadline reminders.
    """
    while not stop.is_set():
        attempted = 0
        try:
            for chore in chores:
                await chore(session_factory)
            attempted = await deliver_due(session_factory, limit=limit, timeout=timeout, max_attempts=max_attempts)
        except Exception as error:  # the loop must survive a database hiccup; log no data, only the kind
            log.warning("webhook delivery round failed: %s", type(error).__name__)
        if attempted >= limit:
            continue
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


@asynccontextmanager
async def delivery_loop_running(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, chores: Sequence[Chore] = ()
) -> AsyncIterator[asyncio.Task[None]]:
    """Run the delivery loop as a background task for the duration of the block (the API's lifespan)."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_delivery_loop(session_factory, stop, settings.webhook_poll_seconds,
                          timeout=settings.webhook_timeout_seconds, max_attempts=settings.webhook_max_attempts,
                          chores=chores),
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
