"""Webhooks: a creditor or counselling organisation registers its own endpoints and sees their deliveries."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, post
from litestar.params import QueryParameter

from api.auth import ActorRequest, requires
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, paged
from api.providers import service
from api.webhooks.schemas import WebhookCreate, WebhookCreated, WebhookDeliveryOut, WebhookOut
from debt_coord.kernel.actors import Role
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest
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

    @get("/", operation_id="listWebhooks", response_headers=NEXT_PAGE_HEADERS,
         description="Your organisation's active endpoints (without secrets), a page at a time.")
    async def list_webhooks(
        self, request: ActorRequest, webhooks: WebhookService, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
    ) -> Response[list[WebhookOut]]:
        found = await webhooks.own_endpoints(request.user, PageRequest(limit, cursor))
        return paged(request, found, WebhookOut.model_validate)

    @delete("/{webhook_id:uuid}", operation_id="deleteWebhook",
            description="Stop delivering to this endpoint; its pending deliveries are cancelled.")
    async def delete_webhook(self, request: ActorRequest, webhook_id: uuid.UUID, webhooks: WebhookService) -> None:
        await webhooks.delete_own(request.user, webhook_id)

    @get("/{webhook_id:uuid}/deliveries", operation_id="listWebhookDeliveries", response_headers=NEXT_PAGE_HEADERS,
         description="Deliveries to this endpoint, newest first, a page at a time: status, attempts and the last "
                     "error.")
    async def list_webhook_deliveries(
        self, request: ActorRequest, webhook_id: uuid.UUID, webhooks: WebhookService,
        limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
        status: Annotated[DeliveryStatus | None, QueryParameter(name="status", required=False,
                                                              description="Only deliveries in this status.")] = None,
    ) -> Response[list[WebhookDeliveryOut]]:
        found = await webhooks.deliveries(request.user, webhook_id, PageRequest(limit, cursor), status=status)
        return paged(request, found, WebhookDeliveryOut.of)
