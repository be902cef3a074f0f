"""WhatsApp through the Business Cloud API: pre-approved template messages, and the signed status webhooks.

Send: POST {whatsapp_api_base}/{phone_number_id}/messages with a Bearer token and JSON
{"messaging_product": "whatsapp", "recipient_type": "individual", "to": ..., "type": "template",
 "template": {"name": ..., "language": {"code": ...}, "components": [{"type": "body", "parameters": [...]}]},
 "biz_opaque_callback_data": <our message id>}; the answer names the message: {"messages": [{"id": "wamid..."}]};
an error is {"error": {"code": ..., "message": ..., "error_data": {"details": ...}}}.

Webhook: Meta POSTs {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",
"value": {"statuses": [{"id", "status", "timestamp", "biz_opaque_callback_data", "errors"}]}}]}]}, signed in
X-Hub-Signature-256: "sha256=" + hex(HMAC-SHA256(app secret, raw body)).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import httpx

from debt_coord.kernel.orm import utcnow
from debt_coord.kernel.settings import Settings
from debt_coord.messages.channels.base import (
    BadCallback,
    ChannelNotConfigured,
    Outgoing,
    SendFailed,
    SendResult,
    StatusUpdate,
)
from debt_coord.messages.channels.http import TIMEOUT_SECONDS, post

CALLBACK_PATH = "/v1/callbacks/whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
_STATUSES = {"delivered": "delivered", "read": "read", "failed": "failed"}
"""The webhook statuses that change a row; "sent" (in transit at WhatsApp) does not: the row already is sent."""
_TEMPORARY_CODES = frozenset({0, 1, 2, 4, 10, 190, 80007, 130429, 131000, 131016, 131048, 131056, 133004})
"""Graph API codes where trying later can help: our token or permissions (the operator fixes them, not the
message), throughput and rate limits, service unavailable. Any other code (131026 undeliverable, 132001 template
missing, 131009 bad parameter, ...) is the message's own."""


class WhatsAppAdapter:
    def __init__(self, settings: Settings, *, http: httpx.AsyncClient | None = None) -> None:
        if not settings.whatsapp_phone_number_id or not settings.whatsapp_access_token:
            raise ChannelNotConfigured(
                "WhatsApp is not configured (DEBT_COORD_WHATSAPP_PHONE_NUMBER_ID, DEBT_COORD_WHATSAPP_ACCESS_TOKEN)")
        self.url = f"{settings.whatsapp_api_base.rstrip('/')}/{settings.whatsapp_phone_number_id}/messages"
        self.token = settings.whatsapp_access_token.get_secret_value()
        self.http = http

    async def send(self, message: Outgoing) -> SendResult:
        payload = request_body(message)
        return _result(await post("WhatsApp Cloud API", self.http, lambda client: self._post(client, payload)))

    async def _post(self, client: httpx.AsyncClient, payload: dict[str, Any]) -> httpx.Response:
        return await client.post(self.url, json=payload, headers={"Authorization": f"Bearer {self.token}"},
                                 timeout=TIMEOUT_SECONDS)


def request_body(message: Outgoing) -> dict[str, Any]:
    """The Cloud API's template message; `to` without the "+" of E.164, as its examples write it."""
    if not message.template:
        raise SendFailed("WhatsApp needs an approved template; the message names none", permanent=True)
    template: dict[str, Any] = {"name": message.template, "language": {"code": message.language}}
    if message.parameters:
        template["components"] = [{"type": "body", "parameters": [
            {"type": "text", "text": _one_line(value)} for value in message.parameters]}]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": message.address.lstrip("+"),
            "type": "template", "template": template, "biz_opaque_callback_data": message.message_id}


def _one_line(value: str) -> str:
    # The Cloud API refuses a parameter with a new line, a tab or more than four spaces in a row (error 132018).
    return " ".join(value.split())


def _result(response: httpx.Response) -> SendResult:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict):
        messages = body.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict) \
                and isinstance(messages[0].get("id"), str):
            return SendResult(provider_message_id=messages[0]["id"], accepted_at=utcnow())
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    reason = f"WhatsApp Cloud API answered {response.status_code}" + (f" (error {code})" if code is not None else "")
    temporary = response.status_code >= 500 or response.status_code == 429 or code in _TEMPORARY_CODES
    raise SendFailed(reason, permanent=not temporary)


# Webhooks


def hub_signature(raw_body: bytes, app_secret: str) -> str:
    """X-Hub-Signature-256 of a webhook with this raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_signature(raw_body: bytes, signature: str | None, app_secret: str) -> None:
    """BadCallback unless `signature` is Meta's for exactly these bytes."""
    expected = hub_signature(raw_body, app_secret).encode()
    if not signature or not hmac.compare_digest(expected, signature.strip().encode()):
        raise BadCallback("X-Hub-Signature-256 does not verify")


def parse_webhook(raw_body: bytes) -> list[StatusUpdate]:
    """The status updates a verified webhook carries (none for inbound messages and other fields)."""
    try:
        payload = json.loads(raw_body)
    except ValueError:
        raise BadCallback("webhook body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise BadCallback("not a WhatsApp Business Account webhook (entry missing)")
    updates: list[StatusUpdate] = []
    for entry in payload["entry"]:
        for change in _list(entry, "changes"):
            value = change.get("value") if isinstance(change, dict) else None
            for status in _list(value, "statuses"):
                update = _update(status)
                if update is not None:
                    updates.append(update)
    return updates


def _list(container: object, key: str) -> list[Any]:
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, list) else []


def _update(status: object) -> StatusUpdate | None:
    if not isinstance(status, dict) or not isinstance(status.get("id"), str):
        raise BadCallback("a status without an id")
    mapped = _STATUSES.get(str(status.get("status")))
    if mapped is None:
        return None
    try:
        at = dt.datetime.fromtimestamp(int(status["timestamp"]), dt.UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        raise BadCallback("a status without a valid timestamp") from None
    reason = ""
    if mapped == "failed":
        codes = [str(error.get("code")) for error in _list(status, "errors") if isinstance(error, dict)]
        reason = f"WhatsApp error {', '.join(codes)}" if codes else "failed"
    callback_data = status.get("biz_opaque_callback_data")
    return StatusUpdate(provider_message_id=status["id"], status=mapped, at=at, reason=reason,
                        message_id=callback_data if isinstance(callback_data, str) else "")


def handshake_challenge(mode: str | None, token: str | None, challenge: str | None, verify_token: str | None) -> str:
    """The answer to Meta's GET verification (hub.mode=subscribe, hub.verify_token, hub.challenge): the challenge,
    when the token is ours; BadCallback otherwise (ChannelNotConfigured when we have no verify token)."""
    if not verify_token:
        raise ChannelNotConfigured("WhatsApp webhooks are not configured (no verify token)")
    if mode != "subscribe" or not token or not challenge:
        raise BadCallback("webhook verification with a wrong mode or without token or challenge")
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        raise BadCallback("webhook verification with a wrong mode or token")
    return challenge


def read_webhook(settings: Settings, raw_body: bytes, signature: str | None) -> list[StatusUpdate]:
    """Verify and parse one webhook POST. ChannelNotConfigured without an app secret; BadCallback when the
    signature does not verify or the body is not the Cloud API's."""
    if not settings.whatsapp_app_secret:
        raise ChannelNotConfigured("WhatsApp webhooks are not configured (DEBT_COORD_WHATSAPP_APP_SECRET)")
    verify_signature(raw_body, signature, settings.whatsapp_app_secret.get_secret_value())
    return parse_webhook(raw_body)
