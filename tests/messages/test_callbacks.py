"""The providers' signed callbacks move a sent message forward (sent -> delivered -> read, or failed), never
back; a wrong signature is refused and writes nothing; an unknown message is answered 200 and changes nothing.
Messages are sent through the local Twilio and Cloud API stand-ins, which sign their callbacks as documented."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, update

from api.app import create_app
from debt_coord.kernel.database import sync_url
from debt_coord.messages.models import Channel, DebtorMessage, MessageKind, MessageStatus
from tests.messages.delivery_support import PUBLIC_URL, add_contact, add_message, deliver, delivery_settings, messages
from tests.messages.providers import Callback, FakeCloudApi, FakeTwilio
from tests.support import World, api_client, build_world, open_case_with_creditors

PHONE = "+31612345678"


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url)


@pytest.fixture
def case_id(database_url: str, world: World) -> str:
    with api_client(database_url) as client:
        found = open_case_with_creditors(client, world, "c1")
    add_contact(database_url, found, Channel.SMS, PHONE)
    add_contact(database_url, found, Channel.WHATSAPP, PHONE)
    return found


@pytest.fixture
def client(database_url: str, twilio: FakeTwilio, cloud_api: FakeCloudApi) -> Iterator[TestClient[Any]]:
    """The API taking callbacks; its own chores do not run (the test sends, as a worker would)."""
    settings = delivery_settings(database_url, **twilio.settings(), **cloud_api.settings(),
                                 whatsapp_verify_token="verify-me-please", webhook_in_process_delivery=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def sent(database_url: str, twilio: FakeTwilio, cloud_api: FakeCloudApi, case_id: str, channel: Channel) -> str:
    message_id = add_message(database_url, case_id, MessageKind.FREE, channel, facts={"free_text": "Hallo Jan."})
    settings = delivery_settings(database_url, **twilio.settings(), **cloud_api.settings())
    delivered = deliver(settings)
    row = messages(database_url)[message_id]
    assert (delivered, row.status) == (1, MessageStatus.SENT), row.status_reason
    return message_id


def forget_the_outcome(database_url: str, message_id: str) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(update(DebtorMessage).where(DebtorMessage.id == uuid.UUID(message_id)).values(
                status=MessageStatus.UNCERTAIN, provider_message_id=None, sent_at=None))
    finally:
        engine.dispose()


def post(client: TestClient[Any], callback: Callback) -> Any:
    return client.post(callback.path_and_query, content=callback.body, headers=callback.headers)


def state(database_url: str, message_id: str) -> tuple[MessageStatus, bool, bool]:
    row = messages(database_url)[message_id]
    return row.status, row.delivered_at is not None, row.read_at is not None


def test_sms_status_callbacks_move_a_message_forward_only(
        database_url: str, case_id: str, client: TestClient[Any], twilio: FakeTwilio, cloud_api: FakeCloudApi) -> None:
    message_id = sent(database_url, twilio, cloud_api, case_id, Channel.SMS)
    [message] = twilio.sent
    assert message.status_callback is not None and message.status_callback.startswith(PUBLIC_URL)
    assert messages(database_url)[message_id].provider_message_id == message.sid

    forged = twilio.status_callback(message, "delivered", auth_token="not-the-token")
    refused = post(client, forged)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    assert state(database_url, message_id) == (MessageStatus.SENT, False, False), "nothing written"
    unsigned = post(client, Callback(forged.url, forged.body, {"Content-Type": forged.headers["Content-Type"]}))
    assert unsigned.status_code == 403

    assert post(client, twilio.status_callback(message, "sent")).json() == {"moved": 0}
    assert post(client, twilio.status_callback(message, "delivered")).json() == {"moved": 1}
    assert state(database_url, message_id) == (MessageStatus.DELIVERED, True, False)
    again = post(client, twilio.status_callback(message, "delivered"))
    assert (again.status_code, again.json()) == (200, {"moved": 0}), "a retried callback changes nothing"
    assert post(client, twilio.status_callback(message, "undelivered", error_code=30003)).json() == {"moved": 0}
    assert state(database_url, message_id) == (MessageStatus.DELIVERED, True, False), "never backwards"
    assert post(client, twilio.status_callback(message, "read")).json() == {"moved": 1}
    assert state(database_url, message_id) == (MessageStatus.READ, True, True)


def test_an_sms_that_could_not_be_delivered_fails_with_the_gateway_error(
        database_url: str, case_id: str, client: TestClient[Any], twilio: FakeTwilio, cloud_api: FakeCloudApi) -> None:
    message_id = sent(database_url, twilio, cloud_api, case_id, Channel.SMS)
    [message] = twilio.sent
    assert post(client, twilio.status_callback(message, "undelivered", error_code=30003)).json() == {"moved": 1}
    row = messages(database_url)[message_id]
    assert (row.status, row.status_reason) == (MessageStatus.FAILED, "Twilio error 30003")


def test_whatsapp_webhooks_move_a_message_forward_and_wrong_signatures_are_refused(
        database_url: str, case_id: str, client: TestClient[Any], twilio: FakeTwilio, cloud_api: FakeCloudApi) -> None:
    message_id = sent(database_url, twilio, cloud_api, case_id, Channel.WHATSAPP)
    [message] = cloud_api.sent
    assert messages(database_url)[message_id].provider_message_id == message.id

    assert post(client, cloud_api.webhook(message, "read", app_secret="0" * 32)).status_code == 403
    assert state(database_url, message_id) == (MessageStatus.SENT, False, False)
    assert post(client, cloud_api.webhook(message, "delivered")).json() == {"moved": 1}
    assert post(client, cloud_api.webhook(message, "read")).json() == {"moved": 1}
    assert post(client, cloud_api.webhook(message, "delivered")).json() == {"moved": 0}
    assert state(database_url, message_id) == (MessageStatus.READ, True, True)


def test_a_callback_about_an_unknown_message_is_answered_and_changes_nothing(
        database_url: str, case_id: str, client: TestClient[Any], twilio: FakeTwilio, cloud_api: FakeCloudApi) -> None:
    message_id = sent(database_url, twilio, cloud_api, case_id, Channel.WHATSAPP)
    [message] = cloud_api.sent
    stranger = type(message)(id="wamid.unknown", to=message.to, template=message.template,
                             language=message.language, parameters=(), callback_data=None)
    answer = post(client, cloud_api.webhook(stranger, "delivered"))
    assert (answer.status_code, answer.json()) == (200, {"moved": 0})
    assert state(database_url, message_id) == (MessageStatus.SENT, False, False)


def test_the_whatsapp_verification_handshake_echoes_the_challenge_only_for_our_token(client: TestClient[Any]) -> None:
    ok = client.get("/v1/callbacks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "verify-me-please",
                                                      "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = client.get("/v1/callbacks/whatsapp",
                       params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"})
    assert wrong.status_code == 403 and "1158201444" not in wrong.text


def test_callbacks_of_a_channel_without_its_secrets_are_not_taken(database_url: str) -> None:
    bare_settings = delivery_settings(database_url, webhook_in_process_delivery=False)
    with TestClient(create_app(bare_settings), raise_server_exceptions=False) as bare:
        answer = bare.post("/v1/callbacks/whatsapp", content=b"{}", headers={"X-Hub-Signature-256": "sha256=00"})
        assert answer.status_code == 404
        assert bare.get("/v1/callbacks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "x",
                                                          "hub.challenge": "1"}).status_code == 404


def test_a_callback_settles_a_message_left_uncertain_by_a_dead_worker(
        database_url: str, case_id: str, client: TestClient[Any], twilio: FakeTwilio, cloud_api: FakeCloudApi) -> None:
    message_id = sent(database_url, twilio, cloud_api, case_id, Channel.SMS)
    [message] = twilio.sent
    # As if the worker died after the gateway took the message and before it recorded that: no provider id yet.
    forget_the_outcome(database_url, message_id)
    assert post(client, twilio.status_callback(message, "delivered")).json() == {"moved": 1}
    row = messages(database_url)[message_id]
    assert (row.status, row.provider_message_id) == (MessageStatus.DELIVERED, message.sid)
    assert row.sent_at is not None and row.delivered_at is not None
