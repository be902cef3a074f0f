"""Webhooks: a creditor or counselling organisation registers its own endpoints and sees their deliveries."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, post
from litestar.params import QueryParameter

from api.auth import ActorRequest, requires
from api.providers import service
from api.webhooks.schemas import WebhookCreate, WebhookCreated, WebhookDeliveryOut, WebhookOut
from debt_coord.kernel.actors import Role
from debt_coord.webhooks.models import DeliveryStatus
from debt_coord.webhooks.service import WebhookService


class WebhookController(Controller):
    path = "/v1/webhooks"
    tags = ["Webhooks"]  # noqa: RUF012
    dependencies = {"webhooks": service(WebhookService)}  # noqa: RUF012
    guards = [requires(Role.COUNSELLOR, Role.CREDITOR)]  # noqa: RUF012

    @post("/", operation_id="registerWebhook", status_code=201,
          description="Register an endpoint of your organisation. The signing secret is in this answer only.")
    async def register_webhook(
        self, request: ActorRequest, data: WebhookCreate, webhooks: WebhookService
    ) -> Response[WebhookCreated]:
        endpoint = await webhooks.register(request.user, data.url, data.events)
        return Response(WebhookCreated.model_validate(endpoint), status_code=201,
                        headers={"Location": f"/v1/webhooks/{endpoint.id}"})

    @get("/", operation_id="listWebhooks", description="Your organisation's active endpoints (without secrets).")
    async def list_webhooks(self, request: ActorRequest, webhooks: WebhookService) -> list[WebhookOut]:
        return [WebhookOut.model_validate(e) for e in await webhooks.own_endpoints(request.user)]

    @delete("/{webhook_id:uuid}", operation_id="deleteWebhook",
            description="Stop delivering to this endpoint; its pending deliveries are cancelled.")
    async def delete_webhook(self, request: ActorRequest, webhook_id: uuid.UUID, webhooks: WebhookService) -> None:
        await webhooks.delete_own(request.user, webhook_id)

    @get("/{webhook_id:uuid}/deliveries", operation_id="listWebhookDeliveries",
         description="Deliveries to this endpoint, newest first: status, attempts and the last error.")
    async def list_webhook_deliveries(
        self, request: ActorRequest, webhook_id: uuid.UUID, webhooks: WebhookService,
        status: Annotated[DeliveryStatus | None, QueryParameter(name="status", required=False,
                                                              description="Only deliveries in this status.")] = None,
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=500)] = 100,
    ) -> list[WebhookDeliveryOut]:
        found = await webhooks.deliveries(request.user, webhook_id, status=status, limit=limit)
        return [WebhookDeliveryOut.of(d) for d in found]
