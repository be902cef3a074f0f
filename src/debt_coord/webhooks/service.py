"""Webhook endpoints: an organisation registers, lists and deletes its own, and reads their deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import func, select, update

from debt_coord.kernel.actors import Actor, require_role
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.paging import Page, PageRequest, fetch_page
from debt_coord.kernel.service import Service
from debt_coord.kernel.snapshot import snapshot
from debt_coord.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from debt_coord.webhooks.outbox import EVENT_TYPES
from debt_coord.webhooks.signing import SECRET_PREFIX, new_secret

MAX_URL_LENGTH = 2000
MAX_ACTIVE_ENDPOINTS = 25
"""Per organisation: enough for test, staging and production receivers, not a fan-out amplifier."""


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
    return {key: value for key, value in snapshot(endpoint).items() if key != "secret"}


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
        self.record(event(EventKind.WEBHOOK_REGISTERED, actor, endpoint, case_id=None,
                          after=endpoint_snapshot(endpoint)))
        await self.uow.commit()
        return endpoint

    async def own_endpoints(self, actor: Actor, page: PageRequest) -> Page[WebhookEndpoint]:
        self._require_owner_role(actor, "list webhooks")
        query = select(WebhookEndpoint).where(
            WebhookEndpoint.organisation_id == actor.organisation_id, WebhookEndpoint.active.is_(True))
        return await fetch_page(self.session, query, (WebhookEndpoint.created_at, WebhookEndpoint.id), page)

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
        self.record(event(EventKind.WEBHOOK_DELETED, actor, endpoint, case_id=None,
                          before=before, after=endpoint_snapshot(endpoint)))
        await self.uow.commit()

    async def deliveries(
        self, actor: Actor, endpoint_id: uuid.UUID, page: PageRequest, *, status: DeliveryStatus | None = None,
    ) -> Page[WebhookDelivery]:
        """A page of the endpoint's deliveries, newest first."""
        endpoint = await self.find_own(actor, endpoint_id)
        query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        return await fetch_page(self.session, query, (WebhookDelivery.created_at, WebhookDelivery.id), page,
                                descending=True)
