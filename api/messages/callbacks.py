"""The SMS gateway's and the WhatsApp Cloud API's signed status callbacks.

No API key: the provider's signature is the authentication (X-Twilio-Signature over our public URL and the
form fields; X-Hub-Signature-256 over the raw body), checked by the channel's own functions before anything is
read. A wrong signature is a 403 problem and writes nothing; a channel without its secrets cannot check one and
answers 404. A callback about a message we do not know is answered 200 (the providers retry on errors).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from litestar import Controller, Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.status_codes import HTTP_200_OK
from pydantic import BaseModel, Field

from api.providers import service
from debt_coord.kernel.errors import ForbiddenError, NotFoundError
from debt_coord.kernel.settings import Settings
from debt_coord.messages.channels import sms, whatsapp
from debt_coord.messages.channels.base import BadCallback, ChannelNotConfigured, StatusUpdate
from debt_coord.messages.models import Channel
from debt_coord.messages.statuses import MessageStatusService

callback_services = {"statuses": service(MessageStatusService)}


class CallbackAnswer(BaseModel):
    moved: int = Field(description="Messages whose status moved on; unknown messages and steps back move none.")


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _verified(read: Any, *args: Any) -> Any:
    try:
        return read(*args)
    except ChannelNotConfigured as error:
        raise NotFoundError(f"{error}: status callbacks cannot be checked, so none are taken.") from None
    except BadCallback as error:
        raise ForbiddenError(f"The callback is refused: {error}.") from None


class CallbackController(Controller):
    tags = ["Callbacks"]  # noqa: RUF012
    dependencies = callback_services

    @post(sms.CALLBACK_PATH, operation_id="smsStatusCallback", status_code=HTTP_200_OK, exclude_from_auth=True,
          security=[], raises=[PermissionDeniedException],
          description="Twilio's message status callback (form-encoded, X-Twilio-Signature).")
    async def sms_status(self, request: Request[Any, Any, Any], statuses: MessageStatusService) -> CallbackAnswer:
        settings = _settings(request)
        query = request.scope.get("query_string", b"").decode("latin-1")
        url = f"{settings.effective_public_url}{sms.CALLBACK_PATH}" + (f"?{query}" if query else "")
        fields = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        found: StatusUpdate | None = _verified(sms.read_status_callback, settings, url, fields,
                                               request.headers.get("x-twilio-signature"))
        return CallbackAnswer(moved=await statuses.report(Channel.SMS, [found] if found else []))

    @post(whatsapp.CALLBACK_PATH, operation_id="whatsappWebhook", status_code=HTTP_200_OK, exclude_from_auth=True,
          security=[], raises=[PermissionDeniedException],
          description="The WhatsApp Cloud API's webhook (message statuses, X-Hub-Signature-256).")
    async def whatsapp_status(self, request: Request[Any, Any, Any], statuses: MessageStatusService
                              ) -> CallbackAnswer:
        found: list[StatusUpdate] = _verified(whatsapp.read_webhook, _settings(request), await request.body(),
                                              request.headers.get("x-hub-signature-256"))
        return CallbackAnswer(moved=await statuses.report(Channel.WHATSAPP, found))

    @get(whatsapp.CALLBACK_PATH, operation_id="whatsappWebhookVerification", exclude_from_auth=True, security=[],
         raises=[PermissionDeniedException],
         media_type="text/plain", description="Meta's verification handshake: hub.mode=subscribe, "
                                              "hub.verify_token (ours), hub.challenge (echoed).")
    async def whatsapp_verification(self, request: Request[Any, Any, Any]) -> str:
        token = _settings(request).whatsapp_verify_token
        query = request.query_params
        challenge: str = _verified(whatsapp.handshake_challenge, query.get("hub.mode"), query.get("hub.verify_token"),
                                   query.get("hub.challenge"), token.get_secret_value() if token else None)
        return challenge
