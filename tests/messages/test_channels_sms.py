"""The SMS adapter against a local Twilio that checks the documented request; its status callbacks verified."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
import pytest

from debt_coord.kernel.settings import Settings
from debt_coord.messages.channels import adapter_for
from debt_coord.messages.channels.base import (
    BadCallback,
    ChannelNotConfigured,
    Outgoing,
    SendFailed,
    SendResult,
    SendUncertain,
)
from debt_coord.messages.channels.sms import read_status_callback, signed_url, twilio_signature
from debt_coord.messages.models import Channel
from tests.messages.providers import Answer, FakeTwilio, twilio_error

PUBLIC = "https://schulden.example.nl"
DEBTOR = "+31612345678"


def settings(twilio: FakeTwilio, **overrides: Any) -> Settings:
    return Settings(public_url=PUBLIC, **{**twilio.settings(), **overrides})


def reminder(message_id: str = "0193a1b2-reminder", address: str = DEBTOR) -> Outgoing:
    return Outgoing(message_id=message_id, address=address, language="nl", subject="Betaaldag",
                    body="Hoi Anna, vandaag betaalt u € 25,00. Betaal hier: https://schulden.example.nl/d/abc. "
                         "Stoppen? Antwoord STOP.")


def send(settings: Settings, message: Outgoing) -> SendResult:
    return asyncio.run(adapter_for(Channel.SMS, settings).send(message))


def test_a_message_is_the_documented_create_request(twilio: FakeTwilio) -> None:
    result = send(settings(twilio), reminder())

    [request] = twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    credentials = base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {credentials}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form() == {
        "To": DEBTOR, "From": twilio.number, "Body": reminder().body,
        "StatusCallback": f"{PUBLIC}/v1/callbacks/sms?message=0193a1b2-reminder"}
    [sent] = twilio.sent
    assert result.provider_message_id == sent.sid
    assert sent.sid.startswith("SM")


def test_a_shared_client_carries_every_send(twilio: FakeTwilio) -> None:
    seen: list[str] = []

    async def note(request: httpx.Request) -> None:
        seen.append(request.url.path)

    async def send_two() -> None:
        async with httpx.AsyncClient(event_hooks={"request": [note]}) as client:
            adapter = adapter_for(Channel.SMS, settings(twilio), http=client)
            await adapter.send(reminder("m1"))
            await adapter.send(reminder("m2"))

    asyncio.run(send_two())
    assert len(seen) == 2 and len(twilio.sent) == 2


def test_a_messaging_service_sends_instead_of_a_number(twilio: FakeTwilio) -> None:
    send(Settings(public_url=PUBLIC, **twilio.settings(service=True)), reminder())

    form = twilio.requests[0].form()
    assert form["MessagingServiceSid"] == twilio.messaging_service_sid
    assert "From" not in form
    assert twilio.sent[0].sender == twilio.messaging_service_sid


def test_an_invalid_number_fails_for_good_without_the_number_in_the_reason(twilio: FakeTwilio) -> None:
    twilio.invalid_numbers.add("+31600000000")

    with pytest.raises(SendFailed) as failed:
        send(settings(twilio), reminder(address="+31600000000"))

    assert failed.value.permanent
    assert "21211" in failed.value.reason
    assert "+316" not in failed.value.reason
    assert twilio.sent == []


@pytest.mark.parametrize(("answer", "permanent"), [
    (twilio_error(429, 20429, "Too Many Requests"), False),
    (twilio_error(500, 20500, "An internal server error has occurred"), False),
    (twilio_error(503, 20503, "Service unavailable"), False),
    (twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"), True),
    (twilio_error(400, 21408, "Permission to send an SMS has not been enabled for the region"), True),
])
def test_errors_say_whether_trying_again_can_help(twilio: FakeTwilio, answer: Answer, permanent: bool) -> None:
    twilio.script.append(answer)

    with pytest.raises(SendFailed) as failed:
        send(settings(twilio), reminder())

    assert failed.value.permanent is permanent
    assert str(answer.body["code"]) in failed.value.reason
    assert twilio.sent == []


def test_wrong_credentials_are_refused_and_retried_later(twilio: FakeTwilio) -> None:
    with pytest.raises(SendFailed) as failed:
        send(settings(twilio, sms_auth_token="not-the-token"), reminder())

    assert not failed.value.permanent  # the operator fixes the token; the message itself is fine
    assert "401" in failed.value.reason and "20003" in failed.value.reason
    assert twilio.sent == []


def test_a_gateway_that_is_down_is_a_temporary_failure(twilio: FakeTwilio) -> None:
    configured = settings(twilio)
    twilio.stop()

    with pytest.raises(SendFailed) as failed:
        send(configured, reminder())

    assert not failed.value.permanent


def test_a_lost_answer_is_uncertain_not_a_failure_to_retry(twilio: FakeTwilio) -> None:
    twilio.lose_answers = 1

    with pytest.raises(SendUncertain) as uncertain:
        send(settings(twilio), reminder())

    assert len(twilio.sent) == 1  # Twilio has it: sending it again would send it twice
    assert uncertain.value.permanent


@pytest.mark.parametrize("missing", ["sms_account_sid", "sms_auth_token", "sms_from"])
def test_sms_without_its_settings_is_not_configured(twilio: FakeTwilio, missing: str) -> None:
    with pytest.raises(ChannelNotConfigured, match=missing.upper()):
        adapter_for(Channel.SMS, settings(twilio, **{missing: None}))
    assert twilio.requests == []


# Status callbacks


def test_the_signature_is_twilios_documented_example() -> None:
    # https://www.twilio.com/docs/usage/security#validating-requests
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030",
              "To": "+18005551212"}
    assert twilio_signature("https://mycompany.com/myapp.php?foo=1&bar=2", params, "12345") == \
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


@pytest.mark.parametrize(("status", "error_code", "expected", "reason"), [
    ("delivered", None, "delivered", ""),
    ("read", None, "read", ""),
    ("undelivered", 30003, "failed", "Twilio error 30003"),
    ("failed", 30008, "failed", "Twilio error 30008"),
])
def test_a_signed_callback_reports_the_status(twilio: FakeTwilio, status: str, error_code: int | None,
                                              expected: str, reason: str) -> None:
    configured = settings(twilio)
    send(configured, reminder())
    callback = twilio.status_callback(twilio.sent[0], status, error_code=error_code)

    query = callback.path_and_query.partition("?")[2]  # what the callback route sees of the URL

    update = read_status_callback(configured, signed_url(configured, query), callback.form(),
                                  callback.headers["X-Twilio-Signature"])

    assert update is not None
    assert (update.provider_message_id, update.status, update.reason) == (twilio.sent[0].sid, expected, reason)
    assert update.message_id == "0193a1b2-reminder"


@pytest.mark.parametrize("status", ["queued", "sending", "sent", "accepted"])
def test_a_callback_on_the_way_changes_nothing(twilio: FakeTwilio, status: str) -> None:
    configured = settings(twilio)
    send(configured, reminder())
    callback = twilio.status_callback(twilio.sent[0], status)

    assert read_status_callback(configured, PUBLIC + callback.path_and_query, callback.form(),
                                callback.headers["X-Twilio-Signature"]) is None


def test_callbacks_with_a_wrong_signature_are_refused(twilio: FakeTwilio) -> None:
    configured = settings(twilio)
    send(configured, reminder())
    send(configured, reminder("0193a1b2-other"))
    good = twilio.status_callback(twilio.sent[0], "delivered")
    url, form, signature = PUBLIC + good.path_and_query, good.form(), good.headers["X-Twilio-Signature"]
    other = twilio.status_callback(twilio.sent[1], "delivered")
    forged = twilio.status_callback(twilio.sent[0], "delivered", auth_token="someone-elses-token")

    attempts = {
        "other key": (url, form, forged.headers["X-Twilio-Signature"]),
        "field changed": (url, {**form, "MessageStatus": "read"}, signature),
        "field added": (url, {**form, "ErrorCode": "30003"}, signature),
        "other message's url": (PUBLIC + other.path_and_query, form, signature),
        "other host": ("https://evil.example" + good.path_and_query, form, signature),
        "no signature": (url, form, None),
        "empty signature": (url, form, ""),
        "not base64": (url, form, "ümlaut"),
    }
    for name, (attempt_url, attempt_form, attempt_signature) in attempts.items():
        with pytest.raises(BadCallback):
            read_status_callback(configured, attempt_url, attempt_form, attempt_signature)
            pytest.fail(f"accepted: {name}")
    assert read_status_callback(configured, url, form, signature) is not None


def test_a_signed_body_that_is_not_a_status_callback_is_refused(twilio: FakeTwilio) -> None:
    configured = settings(twilio)
    fields = {"AccountSid": twilio.account_sid, "Body": "STOP"}
    url = f"{PUBLIC}/v1/callbacks/sms"

    with pytest.raises(BadCallback):
        read_status_callback(configured, url, fields, twilio_signature(url, fields, twilio.auth_token))


def test_callbacks_without_an_auth_token_are_not_configured(twilio: FakeTwilio) -> None:
    with pytest.raises(ChannelNotConfigured):
        read_status_callback(settings(twilio, sms_auth_token=None), f"{PUBLIC}/v1/callbacks/sms",
                             {"MessageSid": "SM1", "MessageStatus": "delivered"}, "x")
