"""The WhatsApp adapter against a local Cloud API that checks the documented template request; webhooks verified."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

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
from debt_coord.messages.channels.whatsapp import handshake_challenge, read_webhook
from debt_coord.messages.models import Channel
from tests.messages.providers import Answer, FakeCloudApi, graph_error

DEBTOR = "+31612345678"
TEMPLATE = "payment_reminder_warm"


@pytest.fixture
def approved() -> Iterator[FakeCloudApi]:
    """A Cloud API where only the reminder template is approved, in Dutch and Turkish, with three parameters."""
    fake = FakeCloudApi(templates={(TEMPLATE, "nl"): 3, (TEMPLATE, "tr"): 3})
    fake.start()
    yield fake
    fake.stop()


def settings(api: FakeCloudApi, **overrides: Any) -> Settings:
    return Settings(**{**api.settings(), **overrides})


def reminder(*, language: str = "nl", template: str | None = TEMPLATE,
             parameters: tuple[str, ...] = ("Anna", "€ 25,00", "https://schulden.example.nl/d/abc")) -> Outgoing:
    return Outgoing(message_id="0193a1b2-reminder", address=DEBTOR, language=language, subject="Betaaldag",
                    body="Hoi Anna, ...", template=template, parameters=parameters)


def send(settings: Settings, message: Outgoing) -> SendResult:
    return asyncio.run(adapter_for(Channel.WHATSAPP, settings).send(message))


def test_a_message_is_the_documented_template_request(approved: FakeCloudApi) -> None:
    result = send(settings(approved), reminder())

    [request] = approved.requests
    assert (request.method, request.path) == ("POST", f"/v21.0/{approved.phone_number_id}/messages")
    assert request.headers["authorization"] == f"Bearer {approved.access_token}"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "31612345678", "type": "template",
        "template": {"name": TEMPLATE, "language": {"code": "nl"}, "components": [{"type": "body", "parameters": [
            {"type": "text", "text": "Anna"}, {"type": "text", "text": "€ 25,00"},
            {"type": "text", "text": "https://schulden.example.nl/d/abc"}]}]},
        "biz_opaque_callback_data": "0193a1b2-reminder"}
    [sent] = approved.sent
    assert result.provider_message_id == sent.id
    assert sent.id.startswith("wamid.")


def test_a_parameter_is_sent_on_one_line_as_the_api_demands(approved: FakeCloudApi) -> None:
    send(settings(approved), reminder(parameters=("Anna", "€ 25,00\n", "Utrecht\tBureau     Schuldhulp")))

    assert approved.sent[0].parameters == ("Anna", "€ 25,00", "Utrecht Bureau Schuldhulp")


@pytest.mark.parametrize(("message", "code"), [
    (reminder(template="no_such_template"), "132001"),
    (reminder(language="en"), "132001"),  # approved in Dutch and Turkish only
    (reminder(parameters=("Anna", "€ 25,00")), "132000"),
])
def test_a_template_the_api_does_not_know_fails_for_good(approved: FakeCloudApi, message: Outgoing,
                                                         code: str) -> None:
    with pytest.raises(SendFailed) as failed:
        send(settings(approved), message)

    assert failed.value.permanent
    assert code in failed.value.reason
    assert approved.sent == []


def test_a_message_without_a_template_is_not_sent(approved: FakeCloudApi) -> None:
    with pytest.raises(SendFailed) as failed:
        send(settings(approved), reminder(template=None))

    assert failed.value.permanent
    assert approved.requests == []


@pytest.mark.parametrize(("answer", "permanent"), [
    (graph_error(400, 130429, "Rate limit hit"), False),
    (graph_error(400, 131056, "(Business Account, Consumer Account) pair rate limit hit"), False),
    (graph_error(429, 80007, "Rate limit issues"), False),
    (graph_error(503, 131016, "Service unavailable"), False),
    (graph_error(500, 1, "An unknown error occurred"), False),
    (graph_error(400, 131026, "Message undeliverable"), True),
    (graph_error(400, 131009, "Parameter value is not valid"), True),
    (graph_error(400, 131051, "Unsupported message type"), True),
])
def test_errors_say_whether_trying_again_can_help(cloud_api: FakeCloudApi, answer: Answer, permanent: bool) -> None:
    cloud_api.script.append(answer)

    with pytest.raises(SendFailed) as failed:
        send(settings(cloud_api), reminder())

    assert failed.value.permanent is permanent
    assert str(answer.body["error"]["code"]) in failed.value.reason
    assert DEBTOR[1:] not in failed.value.reason


def test_an_expired_token_is_refused_and_retried_later(cloud_api: FakeCloudApi) -> None:
    with pytest.raises(SendFailed) as failed:
        send(settings(cloud_api, whatsapp_access_token="EAAexpired"), reminder())

    assert not failed.value.permanent
    assert "190" in failed.value.reason
    assert cloud_api.sent == []


def test_an_api_that_is_down_is_a_temporary_failure(cloud_api: FakeCloudApi) -> None:
    configured = settings(cloud_api)
    cloud_api.stop()

    with pytest.raises(SendFailed) as failed:
        send(configured, reminder())

    assert not failed.value.permanent


def test_a_lost_answer_is_uncertain_not_a_failure_to_retry(cloud_api: FakeCloudApi) -> None:
    cloud_api.lose_answers = 1

    with pytest.raises(SendUncertain) as uncertain:
        send(settings(cloud_api), reminder())

    assert len(cloud_api.sent) == 1
    assert uncertain.value.permanent


@pytest.mark.parametrize("missing", ["whatsapp_phone_number_id", "whatsapp_access_token"])
def test_whatsapp_without_its_settings_is_not_configured(cloud_api: FakeCloudApi, missing: str) -> None:
    with pytest.raises(ChannelNotConfigured, match=missing.upper()):
        adapter_for(Channel.WHATSAPP, settings(cloud_api, **{missing: None}))


# Webhooks


@pytest.mark.parametrize(("status", "expected"), [("delivered", "delivered"), ("read", "read"),
                                                  ("failed", "failed")])
def test_a_signed_webhook_reports_the_status(cloud_api: FakeCloudApi, status: str, expected: str) -> None:
    configured = settings(cloud_api)
    send(configured, reminder())
    at = dt.datetime(2027, 1, 26, 8, 0, 7, tzinfo=dt.UTC)
    errors = [{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
               "error_data": {"details": "Message Undeliverable."}}] if status == "failed" else None
    webhook = cloud_api.webhook(cloud_api.sent[0], status, at=at, errors=errors)

    [update] = read_webhook(configured, webhook.body, webhook.headers["X-Hub-Signature-256"])

    assert (update.provider_message_id, update.status, update.at) == (cloud_api.sent[0].id, expected, at)
    assert update.message_id == "0193a1b2-reminder"
    assert update.reason == ("WhatsApp error 131026" if status == "failed" else "")


def test_a_sent_status_changes_nothing(cloud_api: FakeCloudApi) -> None:
    configured = settings(cloud_api)
    send(configured, reminder())
    webhook = cloud_api.webhook(cloud_api.sent[0], "sent")

    assert read_webhook(configured, webhook.body, webhook.headers["X-Hub-Signature-256"]) == []


def test_webhooks_with_a_wrong_signature_are_refused(cloud_api: FakeCloudApi) -> None:
    configured = settings(cloud_api)
    send(configured, reminder())
    good = cloud_api.webhook(cloud_api.sent[0], "read")
    signature = good.headers["X-Hub-Signature-256"]
    forged = cloud_api.webhook(cloud_api.sent[0], "read", app_secret="someone-elses-secret")
    reformatted = json.dumps(json.loads(good.body), indent=1).encode()  # same JSON, other bytes

    attempts = {
        "other key": (good.body, forged.headers["X-Hub-Signature-256"]),
        "body changed": (good.body.replace(b'"read"', b'"failed"'), signature),
        "body reformatted": (reformatted, signature),
        "sha1 instead": (good.body, "sha1=" + hmac.new(cloud_api.app_secret.encode(), good.body,
                                                       hashlib.sha1).hexdigest()),
        "no prefix": (good.body, signature.removeprefix("sha256=")),
        "no signature": (good.body, None),
        "empty": (good.body, ""),
    }
    for name, (body, attempt) in attempts.items():
        with pytest.raises(BadCallback):
            read_webhook(configured, body, attempt)
            pytest.fail(f"accepted: {name}")
    assert len(read_webhook(configured, good.body, signature)) == 1


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"object": "page"}',
                                  b'{"entry": [{"changes": [{"value": {"statuses": [{"status": "read"}]}}]}]}',
                                  b'{"entry": [{"changes": [{"value": {"statuses": [{"id": "wamid.1", '
                                  b'"status": "read", "timestamp": "soon"}]}}]}]}'])
def test_a_signed_body_that_is_not_a_status_webhook_is_refused(cloud_api: FakeCloudApi, body: bytes) -> None:
    signature = "sha256=" + hmac.new(cloud_api.app_secret.encode(), body, hashlib.sha256).hexdigest()

    with pytest.raises(BadCallback):
        read_webhook(settings(cloud_api), body, signature)


def test_a_webhook_about_an_incoming_message_has_no_status(cloud_api: FakeCloudApi) -> None:
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp", "messages": [
            {"from": "31612345678", "id": "wamid.in", "timestamp": "1790000000", "type": "text",
             "text": {"body": "STOP"}}]}}]}]}).encode()
    signature = "sha256=" + hmac.new(cloud_api.app_secret.encode(), body, hashlib.sha256).hexdigest()

    assert read_webhook(settings(cloud_api), body, signature) == []


def test_webhooks_without_an_app_secret_are_not_configured(cloud_api: FakeCloudApi) -> None:
    webhook_body = b'{"entry": []}'
    with pytest.raises(ChannelNotConfigured):
        read_webhook(settings(cloud_api, whatsapp_app_secret=None), webhook_body, "sha256=00")


def test_the_verification_handshake_answers_the_challenge_only_to_our_token() -> None:
    assert handshake_challenge("subscribe", "our-token", "1158201444", "our-token") == "1158201444"
    for mode, token, challenge in [("subscribe", "their-token", "1"), ("unsubscribe", "our-token", "1"),
                                   (None, "our-token", "1"), ("subscribe", None, "1"), ("subscribe", "our-token", None),
                                   ("subscribe", "ünser-token", "1")]:
        with pytest.raises(BadCallback):
            handshake_challenge(mode, token, challenge, "our-token")
    with pytest.raises(ChannelNotConfigured):
        handshake_challenge("subscribe", "our-token", "1", None)
