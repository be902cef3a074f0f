"""The webhook outbox: a domain event's message, queued for each subscribed endpoint in the event's transaction.

An outbox row exists exactly when its change was committed; the delivery loop (`webhooks.delivery`)
sends it from there.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.kernel.events import Event, EventKind
from debt_coord.kernel.orm import utcnow
from debt_coord.kernel.snapshot import json_value
from debt_coord.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

WEBHOOK_TYPES: dict[EventKind, str] = {
    EventKind.PLAN_PROPOSED: "plan.proposed",
    EventKind.PLAN_ACTIVATED: "plan.activated",
    EventKind.PLAN_SUPERSEDED: "plan.superseded",
    EventKind.DECISION_RECORDED: "decision.recorded",
    EventKind.CREDITORS_REMINDED: "plan.reminder",
    EventKind.DEADLINE_REMINDED: "plan.reminder",
    EventKind.DECISION_REOPENED: "plan.reminder",
    EventKind.RECEIPT_RECORDED: "payment.received",
    EventKind.PLAN_ARREARS: "plan.arrears",
    EventKind.PLAN_COMPLETED: "plan.completed",
    EventKind.CASE_COMPLETED: "case.closed",
    EventKind.CASE_FAILED: "case.closed",
    EventKind.CASE_WITHDRAWN: "case.closed",
}
"""The domain events that other systems are told of, and the webhook type each is sent as."""
EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(WEBHOOK_TYPES.values()))


# The outbox


def _json_default(value: Any) -> Any:
    converted = json_value(value)
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
         "timestamp": utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
         "data": data},
        default=_json_default,
    )
    query = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.organisation_id.in_(organisations), WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    endpoints = [e for e in (await session.execute(query)).scalars() if event_type in e.events]
    due = utcnow()
    rows = [
        WebhookDelivery(endpoint_id=endpoint.id, event_type=event_type, payload=json.loads(body),
                        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=due)
        for endpoint in endpoints
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def queue_webhooks(session: AsyncSession, happened: Event) -> None:
    """The bus's handler for the events in WEBHOOK_TYPES: tell the organisations the event names."""
    await emit(session, organisation_ids=happened.told, event_type=WEBHOOK_TYPES[happened.kind],
               data=dict(happened.message))
