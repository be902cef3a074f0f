"""SMS through Twilio Programmable Messaging, and its signed status callbacks.

Send: POST {sms_api_base}/2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From (or
MessagingServiceSid for an MG... sender), Body, StatusCallback; HTTP Basic AccountSid:AuthToken. Twilio answers 201
with the Message resource ("sid": "SM..."), or an error {"code", "message", "more_info", "status"}.

Status callback: Twilio POSTs form fields (MessageSid, MessageStatus, ErrorCode, ...) to the StatusCallback URL,
signed in X-Twilio-Signature: base64(HMAC-SHA1(AuthToken, full URL + each POST field's name and value, sorted by
name)) (https://www.twilio.com/docs/usage/security#validating-requests). Our StatusCallback URL carries the row's
id (?message=...), so a callback finds its row even before the provider's sid is stored.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qs, urlencode, urlsplit

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

CALLBACK_PATH = "/v1/callbacks/sms"
SIGNATURE_HEADER = "X-Twilio-Signature"
_STATUSES = {"delivered": "delivered", "read": "read", "undelivered": "failed", "failed": "failed"}
"""Twilio's MessageStatus values that change a row; queued, sending, sent, accepted, scheduled do not."""
_TEMPORARY_HTTP = {401, 403, 429}
"""Our credentials (fixable by the operator, not the message's fault) or Twilio's rate limit: try again later."""

Params = Mapping[str, str] | Iterable[tuple[str, str]]


def _credentials(settings: Settings) -> tuple[str, str]:
    if not settings.sms_account_sid or not settings.sms_auth_token:
        raise ChannelNotConfigured("SMS is not configured (DEBT_COORD_SMS_ACCOUNT_SID, DEBT_COORD_SMS_AUTH_TOKEN)")
    return settings.sms_account_sid, settings.sms_auth_token.get_secret_value()


def status_callback_url(settings: Settings, message_id: str) -> str:
    """The URL Twilio posts this message's status to, and signs: our public address, never a request's Host."""
    return f"{settings.effective_public_url}{CALLBACK_PATH}?{urlencode({'message': message_id})}"


def signed_url(settings: Settings, query_string: str) -> str:
    """The URL a status callback that reached CALLBACK_PATH with this query string was signed over (what
    `read_status_callback` needs): our public address, as Twilio was given it, never the request's Host."""
    return f"{settings.effective_public_url}{CALLBACK_PATH}" + (f"?{query_string}" if query_string else "")


class SmsAdapter:
    def __init__(self, settings: Settings, *, http: httpx.AsyncClient | None = None) -> None:
        self.account_sid, self.auth_token = _credentials(settings)
        if not settings.sms_from:
            raise ChannelNotConfigured("SMS is not configured (DEBT_COORD_SMS_FROM)")
        self.settings = settings
        self.http = http

    def request_fields(self, message: Outgoing) -> dict[str, str]:
        sender = self.settings.sms_from or ""
        fields = {"To": message.address, "Body": message.body,
                  "StatusCallback": status_callback_url(self.settings, message.message_id)}
        fields["MessagingServiceSid" if sender.startswith("MG") else "From"] = sender
        return fields

    async def send(self, message: Outgoing) -> SendResult:
        url = f"{self.settings.sms_api_base.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        return _result(await post("SMS gateway", self.http, lambda client: self._post(client, url, message)))

    async def _post(self, client: httpx.AsyncClient, url: str, message: Outgoing) -> httpx.Response:
        return await client.post(url, data=self.request_fields(message), auth=(self.account_sid, self.auth_token),
                                 headers={"Accept": "application/json"}, timeout=TIMEOUT_SECONDS)


def _result(response: httpx.Response) -> SendResult:
    body = _json(response)
    sid = body.get("sid")
    if response.status_code in (200, 201) and isinstance(sid, str):
        return SendResult(provider_message_id=sid, accepted_at=utcnow())
    # Twilio's message names the number; keep only its code (no phone numbers in rows or logs).
    code = body.get("code")
    reason = f"SMS gateway answered {response.status_code}" + (f" (Twilio error {code})" if code else "")
    temporary = response.status_code >= 500 or response.status_code in _TEMPORARY_HTTP
    raise SendFailed(reason, permanent=not temporary)


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# Status callbacks


def _pairs(params: Params) -> list[tuple[str, str]]:
    return list(params.items()) if isinstance(params, Mapping) else list(params)


def twilio_signature(url: str, params: Params, auth_token: str) -> str:
    """X-Twilio-Signature of a POST to `url` with form fields `params`."""
    data = url + "".join(name + value for name, value in sorted(_pairs(params)))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_signature(url: str, params: Params, signature: str | None, auth_token: str) -> None:
    """BadCallback unless `signature` is Twilio's for this URL and these fields."""
    if not signature or not hmac.compare_digest(twilio_signature(url, params, auth_token).encode(), signature.encode()):
        raise BadCallback("X-Twilio-Signature does not verify")


def parse_status_callback(url: str, params: Params, *, now: dt.datetime | None = None) -> StatusUpdate | None:
    """The update a verified callback reports; None for a status that changes nothing (queued, sent, ...)."""
    fields = dict(_pairs(params))
    sid = fields.get("MessageSid") or fields.get("SmsSid")
    status = fields.get("MessageStatus") or fields.get("SmsStatus")
    if not sid or not status:
        raise BadCallback("not a Twilio status callback (MessageSid and MessageStatus missing)")
    mapped = _STATUSES.get(status)
    if mapped is None:
        return None
    reason = f"Twilio error {fields['ErrorCode']}" if mapped == "failed" and fields.get("ErrorCode") else ""
    if mapped == "failed" and not reason:
        reason = status
    message_id = parse_qs(urlsplit(url).query).get("message", [""])[0]
    return StatusUpdate(provider_message_id=sid, status=mapped, at=now or utcnow(), reason=reason,
                        message_id=message_id)


def read_status_callback(settings: Settings, url: str, params: Params, signature: str | None, *,
                         now: dt.datetime | None = None) -> StatusUpdate | None:
    """Verify and parse one status callback. `url` is the callback's URL as Twilio called it: `signed_url(settings,
    request's query string)`. ChannelNotConfigured without an auth token; BadCallback when the
    signature does not verify or the fields are not Twilio's."""
    _, auth_token = _credentials(settings)
    verify_signature(url, params, signature, auth_token)
    return parse_status_callback(url, params, now=now)
