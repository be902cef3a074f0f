"""Every text we render goes through its channel's adapter and is accepted by the provider's stand-in: WhatsApp
parameters fit the template definitions we would submit to Meta, SMS texts fit Twilio's limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest

from debt_coord.kernel.settings import Settings
from debt_coord.messages.channels import adapter_for
from debt_coord.messages.channels.base import Outgoing
from debt_coord.messages.models import Channel, Language, MessageKind, Tone
from debt_coord.messages.texts import TEMPLATES_DIR, MessageFacts, render, whatsapp_names
from tests.messages.providers import FakeCloudApi, FakeTwilio

COMBINATIONS = list(itertools.product(MessageKind, Tone, Language))


def facts(kind: MessageKind) -> MessageFacts:
    token = "dtl_3q2-7wEv1xN0aZ9k_T4yLmP8sQdRfUh6jKcB5vGn0oI"
    return MessageFacts(
        debtor_name="Ayşe Yılmaz-van den Berg", case_reference="SHU-2027-00412", currency="EUR",
        amount_cents=12_345, payment_date=dt.date(2027, 1, 26),
        page_url=f"https://schulden.example.nl/debtor?token={token}&lang=nl",
        stop_url=f"https://schulden.example.nl/v1/debtor/opt-out?token={token}&channel=whatsapp",
        counsellor_name="Schuldhulp Utrecht", counsellor_contact="030 123 45 67 / schuldhulp@utrecht.example.nl",
        creditor_count=7, payments_left=34, end_date=dt.date(2029, 12, 26),
        free_text="Ik ben volgende week met vakantie.\nBel dan mijn collega Anna." if kind is MessageKind.FREE
        else None)


def test_every_whatsapp_text_fits_its_approved_template() -> None:
    api = FakeCloudApi.approving(TEMPLATES_DIR / "whatsapp")
    api.start()
    try:
        assert len(api.templates or {}) == len(whatsapp_names()) * len(Language)  # one definition per language
        adapter = adapter_for(Channel.WHATSAPP, Settings(**api.settings()))

        async def send_all() -> None:
            for number, (kind, tone, language) in enumerate(COMBINATIONS):
                rendered = render(kind, tone, language, facts(kind))
                await adapter.send(Outgoing(
                    message_id=f"m{number}", address="+31612345678", language=language.value, subject="",
                    body=rendered.short, template=rendered.whatsapp_template,
                    parameters=rendered.whatsapp_parameters))

        asyncio.run(send_all())
    finally:
        api.stop()
    assert len(api.sent) == len(COMBINATIONS)
    assert {(m.template, m.language) for m in api.sent} == set(api.templates or {})


@pytest.mark.parametrize("language", list(Language))
def test_every_sms_text_is_accepted_by_the_gateway(twilio: FakeTwilio, language: Language) -> None:
    adapter = adapter_for(Channel.SMS, Settings(public_url="https://schulden.example.nl", **twilio.settings()))

    async def send_all() -> None:
        for kind, tone in itertools.product(MessageKind, Tone):
            rendered = render(kind, tone, language, facts(kind))
            await adapter.send(Outgoing(message_id=f"{kind}-{tone}", address="+31612345678",
                                        language=language.value, subject="", body=rendered.short))

    asyncio.run(send_all())
    assert [m.body for m in twilio.sent] == [render(k, t, language, facts(k)).short
                                            for k, t in itertools.product(MessageKind, Tone)]
