"""What every channel adapter takes and answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One rendered message to one address.

    `message_id` is the row's id: the e-mail's Message-ID and the providers' client reference, so a provider's
    callback finds the row even before `provider_message_id` is stored.
    """

    message_id: str
    address: str
    """An e-mail address, or an E.164 phone number for SMS and WhatsApp."""
    language: str
    subject: str
    body: str
    html: str | None = None
    """E-mail only: the HTML part (the plain `body` is always sent too)."""
    template: str | None = None
    """WhatsApp only: the approved template's name; `parameters` fill its {{1}}, {{2}}, ..."""
    parameters: tuple[str, ...] = field(default_factory=tuple)
    stop_url: str | None = None
    """E-mail: the List-Unsubscribe (RFC 8058 one-click) target, the debtor's opt-out link for this channel."""


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    accepted_at: dt.datetime


@dataclass(frozen=True)
class StatusUpdate:
    """What a provider's signed callback says about a message it was given."""

    provider_message_id: str
    status: str
    """One of "delivered", "read", "failed"."""
    at: dt.datetime
    reason: str = ""
    message_id: str = ""
    """Our `Outgoing.message_id` when the provider echoes it back (the SMS status callback URL carries it, the
    Cloud API's biz_opaque_callback_data): finds the row even before its provider_message_id is stored."""


class ChannelNotConfigured(Exception):
    """No credentials or server for this channel: the message is skipped, and its row says so."""


class SendFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class SendUncertain(SendFailed):
    """The message was handed over but no answer came (timeout or connection lost after the request or DATA):
    perhaps sent. Never resend it: the row becomes `uncertain` for a person to check. Permanent, so code that
    only knows SendFailed does not retry it either."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)


class BadCallback(Exception):
    """A callback whose signature does not verify, or that is not the provider's documented shape."""


class ChannelAdapter(Protocol):
    async def send(self, message: Outgoing) -> SendResult: ...
