"""The channels a message leaves by: e-mail over SMTP, SMS through a gateway, WhatsApp through the Business Cloud
API. Each adapter takes an `Outgoing` and answers a `SendResult`, or raises `ChannelNotConfigured` (skipped, and
says so) or `SendFailed` (the provider refused: `permanent` says whether trying again can help)."""

from __future__ import annotations

import httpx

from debt_coord.kernel.settings import Settings
from debt_coord.messages.channels.base import ChannelAdapter
from debt_coord.messages.channels.email import EmailAdapter
from debt_coord.messages.channels.sms import SmsAdapter
from debt_coord.messages.channels.whatsapp import WhatsAppAdapter
from debt_coord.messages.models import Channel


def adapter_for(channel: Channel, settings: Settings, *, http: httpx.AsyncClient | None = None) -> ChannelAdapter:
    """The adapter that sends on `channel`; ChannelNotConfigured when its settings are missing.

    `http` (SMS, WhatsApp) is a client to reuse across sends; without one each send opens its own.
    """
    if channel is Channel.EMAIL:
        return EmailAdapter(settings)
    if channel is Channel.SMS:
        return SmsAdapter(settings, http=http)
    return WhatsAppAdapter(settings, http=http)
