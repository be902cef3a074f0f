"""A due message's text at the moment it is sent: the facts from its row, its case, the counsellor and the plan,
rendered by texts.render (with the organisation's own templates, if any) into what the channel's adapter takes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.cases.models import Case
from debt_coord.kernel.settings import Settings
from debt_coord.messages.channels.base import Outgoing
from debt_coord.messages.checks import Cleared
from debt_coord.messages.models import Channel, DebtorMessage, Language
from debt_coord.messages.texts import MessageFacts, Rendered, overrides_for, render, whatsapp_text
from debt_coord.organisations.models import Organisation

PAGE_PATH = "/debtor"
"""The debtor's page (api/debtor/routes.py PAGE_PATH): the core builds the link, the API serves it."""
STOP_PATH = "/v1/debtor/opt-out"
"""Where a debtor stops a channel's messages with the link's token (the debtor routes, api/debtor)."""
PAGE_LANGUAGES = frozenset({Language.NL, Language.EN})
"""The languages the debtor's page speaks; other messages link to its default (Dutch)."""


def page_url(settings: Settings, token: str, language: Language) -> str:
    query = {"token": token, **({"lang": language.value} if language in PAGE_LANGUAGES else {})}
    return f"{settings.effective_public_url}{PAGE_PATH}?{urlencode(query)}"


def stop_url(settings: Settings, token: str, channel: Channel, language: Language) -> str:
    query = {"token": token, "channel": channel.value, **({"lang": language.value} if language in PAGE_LANGUAGES
                                                          else {})}
    return f"{settings.effective_public_url}{STOP_PATH}?{urlencode(query)}"


def _date(raw: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def _int(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def facts_of(settings: Settings, message: DebtorMessage, case: Case, counsellor: Organisation, token: str
             ) -> MessageFacts:
    noted = message.facts
    contact = " / ".join(c for c in (counsellor.contact_phone, counsellor.contact_email) if c)
    free = noted.get("free_text") or noted.get("text")
    return MessageFacts(
        debtor_name=case.debtor_name, case_reference=case.reference, currency=case.currency,
        amount_cents=message.amount_cents, payment_date=message.payment_date,
        page_url=page_url(settings, token, message.language),
        stop_url=stop_url(settings, token, message.channel, message.language),
        counsellor_name=counsellor.name, counsellor_contact=contact or counsellor.name,
        creditor_count=_int(noted.get("creditor_count")), payments_left=_int(noted.get("payments_left")),
        end_date=_date(noted.get("end_date")), free_text=str(free) if free else None,
    )


def outgoing(message: DebtorMessage, address: str, rendered: Rendered, facts: MessageFacts) -> Outgoing:
    """What the adapter of the message's channel takes; `body` is what the debtor reads there (kept as sent)."""
    base = Outgoing(message_id=str(message.id), address=address, language=message.language.value, subject="",
                    body=rendered.short)
    if message.channel is Channel.EMAIL:
        return replace(base, subject=rendered.subject, body=rendered.body, html=rendered.html, stop_url=facts.stop_url)
    if message.channel is Channel.SMS:
        return base
    text = whatsapp_text(message.kind, message.tone, message.language, rendered.whatsapp_parameters)
    return replace(base, body=text, template=rendered.whatsapp_template, parameters=rendered.whatsapp_parameters)


async def render_message(session: AsyncSession, settings: Settings, message: DebtorMessage, case: Case,
                         cleared: Cleared, token: str) -> Outgoing:
    counsellor = await session.get_one(Organisation, case.organisation_id)
    facts = facts_of(settings, message, case, counsellor, token)
    rendered = render(message.kind, message.tone, message.language, facts,
                      overrides=overrides_for(settings, case.organisation_id))
    return outgoing(message, cleared.contact.address, rendered, facts)
