"""Which adapter a channel gets, a channel without settings, and phone numbers as E.164."""

from __future__ import annotations

import pytest

from debt_coord.kernel.errors import InvalidInputError
from debt_coord.kernel.settings import Settings
from debt_coord.messages.channels import adapter_for
from debt_coord.messages.channels.base import ChannelNotConfigured
from debt_coord.messages.channels.email import EmailAdapter
from debt_coord.messages.channels.phone import to_e164
from debt_coord.messages.channels.sms import SmsAdapter
from debt_coord.messages.channels.whatsapp import WhatsAppAdapter
from debt_coord.messages.models import Channel

CONFIGURED = Settings(smtp_host="smtp.example.org", mail_from="Schuldhulp <noreply@example.org>",
                      sms_account_sid="AC" + "0" * 32, sms_auth_token="token", sms_from="+3197010203040",
                      whatsapp_phone_number_id="106540352242922", whatsapp_access_token="EAAtoken")


def test_each_channel_gets_its_adapter() -> None:
    assert isinstance(adapter_for(Channel.EMAIL, CONFIGURED), EmailAdapter)
    assert isinstance(adapter_for(Channel.SMS, CONFIGURED), SmsAdapter)
    assert isinstance(adapter_for(Channel.WHATSAPP, CONFIGURED), WhatsAppAdapter)


@pytest.mark.parametrize("channel", list(Channel))
def test_no_settings_means_not_configured_and_says_which(channel: Channel) -> None:
    bare = Settings(smtp_host=None, mail_from=None, sms_account_sid=None, sms_auth_token=None, sms_from=None,
                    whatsapp_phone_number_id=None, whatsapp_access_token=None)

    with pytest.raises(ChannelNotConfigured, match="DEBT_COORD_"):
        adapter_for(channel, bare)


@pytest.mark.parametrize(("raw", "e164"), [
    ("06 12345678", "+31612345678"),
    ("06-1234 5678", "+31612345678"),
    ("+31 6 1234 5678", "+31612345678"),
    ("0031612345678", "+31612345678"),
    ("020 123 4567", "+31201234567"),
    (" (020) 1234567 ", "+31201234567"),
    ("+32 470 12 34 56", "+32470123456"),  # a Belgian mobile keeps its country
    ("+90 532 123 45 67", "+905321234567"),  # a Turkish one too
])
def test_phone_numbers_become_e164(raw: str, e164: str) -> None:
    assert to_e164(raw) == e164


def test_a_number_without_country_code_is_read_in_the_region_given() -> None:
    assert to_e164("0470 12 34 56", region="BE") == "+32470123456"


@pytest.mark.parametrize("raw", ["", "12345", "06 1234", "+31 6 1234 56789", "not a number", "+999 123 456 789"])
def test_an_invalid_number_is_a_field_error(raw: str) -> None:
    with pytest.raises(InvalidInputError) as invalid:
        to_e164(raw, field="/phone")

    assert invalid.value.status == 422
    [error] = invalid.value.errors
    assert error.pointer == "/phone"
    assert "phone number" in error.detail


@pytest.mark.parametrize("raw", ["06 12345678", "+32 470 12 34 56", "+90 532 123 45 67"])
def test_a_mobile_number_can_be_required(raw: str) -> None:
    assert to_e164(raw, mobile=True) == to_e164(raw)


@pytest.mark.parametrize("raw", ["020 123 4567", "085 123 4567", "010 412 34 56"])
def test_a_fixed_line_is_refused_where_a_mobile_is_required(raw: str) -> None:
    assert to_e164(raw).startswith("+3")  # a valid number ...

    with pytest.raises(InvalidInputError) as invalid:  # ... that cannot receive a text
        to_e164(raw, mobile=True)

    [error] = invalid.value.errors
    assert (error.pointer, "mobile" in error.detail) == ("/address", True)
