"""Request and response bodies of the webhook routes (Pydantic)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import Field

from api.common import Body, Out
from debt_coord.webhooks.models import DeliveryStatus
from debt_coord.webhooks.outbox import EVENT_TYPES
from debt_coord.webhooks.service import MAX_URL_LENGTH

EVENTS_DOC = "Event types to receive: " + ", ".join(EVENT_TYPES) + "."


class WebhookCreate(Body):
    url: Annotated[str, Field(min_length=1, max_length=MAX_URL_LENGTH,
                              description="Absolute http(s) URL that receives signed POSTs.",
                              examples=["https://hooks.example.org/debt-coord"])]
    events: Annotated[list[Annotated[str, Field(max_length=64)]],
                      Field(max_length=len(EVENT_TYPES) * 2, description=EVENTS_DOC)]


class WebhookOut(Out):
    id: uuid.UUID
    organisation_id: uuid.UUID
    url: str
    events: list[str]
    active: bool
    created_at: dt.datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="Signing secret (Standard Webhooks 'whsec_…'). Shown only now: keep it to verify "
                    "the webhook-signature header of every delivery.",
    )


class WebhookDeliveryOut(Out):
    id: uuid.UUID = Field(description="The delivery id, sent as the webhook-id header on every attempt.")
    endpoint_id: uuid.UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: dt.datetime | None = Field(description="When the next attempt is due, while pending.")
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    payload: dict[str, Any] = Field(description="The body that is (or was) POSTed.")

    @classmethod
    def of(cls, delivery: Any) -> WebhookDeliveryOut:
        shaped = cls.model_validate(delivery)
        if shaped.status is not DeliveryStatus.PENDING:
            shaped.next_attempt_at = None
        return shaped
