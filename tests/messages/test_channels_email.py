"""The e-mail adapter against a real SMTP server (aiosmtpd) the test starts: what arrives, and what is refused."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from debt_coord.kernel.settings import Settings
from debt_coord.messages.channels import adapter_for
from debt_coord.messages.channels.base import ChannelNotConfigured, Outgoing, SendFailed, SendResult, SendUncertain
from debt_coord.messages.models import Channel
from tests.messages.smtp import SmtpServer, self_signed_certificate

STOP = "https://schulden.example.nl/v1/debtor/3q2-7wEv1xN0aZ9k_T4yLmP8sQdRfUh6jKcB5vGn0oI/opt-out?channel=email"
"""A stop link as long as a real one (a 43-character token)."""


def settings(server: SmtpServer, **overrides: Any) -> Settings:
    return Settings(**{**server.settings(), **overrides})


def reminder(**overrides: Any) -> Outgoing:
    values: dict[str, Any] = {
        "message_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "address": "ayse.yilmaz@example.org", "language": "tr",
        "subject": "Ödeme hatırlatması: 26 Ocak", "body": "Merhaba Ayşe,\nbugün 25,00 € ödüyorsunuz.\n",
        "html": "<p>Merhaba Ayşe,</p><p>bugün <strong>25,00 €</strong> ödüyorsunuz.</p>", "stop_url": STOP}
    return Outgoing(**{**values, **overrides})


def send(settings: Settings, message: Outgoing) -> SendResult:
    return asyncio.run(adapter_for(Channel.EMAIL, settings).send(message))


def test_the_server_receives_one_multipart_message_with_its_headers(smtp_server: SmtpServer) -> None:
    result = send(settings(smtp_server), reminder())

    [mail] = smtp_server.wait_for(1)
    assert mail.mail_from == "noreply@schuldhulp.example.org"
    assert mail.rcpt_tos == ("ayse.yilmaz@example.org",)
    message = mail.message
    assert message["From"] == "Schuldhulp Utrecht <noreply@schuldhulp.example.org>"
    assert message["To"] == "ayse.yilmaz@example.org"
    assert message["Subject"] == "Ödeme hatırlatması: 26 Ocak"
    assert message["Message-ID"] == "<0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b@schuldhulp.example.org>"
    assert result.provider_message_id == message["Message-ID"]
    assert message["Content-Language"] == "tr"
    assert message["List-Unsubscribe"] == f"<{STOP}>"
    assert f"\r\nList-Unsubscribe: <{STOP}>\r\n".encode() in mail.raw  # one piece, as mail clients read it
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), text.get_content()) == ("text/plain", reminder().body)
    assert (html.get_content_type(), html.get_content().strip()) == ("text/html", reminder().html)
    assert mail.raw.isascii()  # quoted-printable: any relay takes it, 8BITMIME or not


def test_a_text_only_message_without_stop_link(smtp_server: SmtpServer) -> None:
    send(settings(smtp_server), reminder(html=None, stop_url=None))

    message = smtp_server.wait_for(1)[0].message
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == reminder().body
    assert "List-Unsubscribe" not in message


@pytest.mark.parametrize(("answer", "permanent"), [("550 5.1.1 No such user", True),
                                                   ("450 4.2.1 Mailbox busy, try later", False)])
def test_a_refused_recipient(smtp_server: SmtpServer, answer: str, permanent: bool) -> None:
    smtp_server.refuse["ayse.yilmaz@example.org"] = answer

    with pytest.raises(SendFailed) as failed:
        send(settings(smtp_server), reminder())

    assert failed.value.permanent is permanent
    assert answer[:3] in failed.value.reason
    assert "ayse" not in failed.value.reason
    assert smtp_server.messages == []


@pytest.mark.parametrize(("answer", "permanent"), [("554 5.7.1 Rejected as spam", True),
                                                   ("451 4.3.0 Local error, try later", False)])
def test_a_refused_message(smtp_server: SmtpServer, answer: str, permanent: bool) -> None:
    smtp_server.data_answer = answer

    with pytest.raises(SendFailed) as failed:
        send(settings(smtp_server), reminder())

    assert failed.value.permanent is permanent
    assert answer[:3] in failed.value.reason


def test_no_answer_to_data_is_uncertain_not_a_failure_to_retry(smtp_server: SmtpServer) -> None:
    smtp_server.drop_after_data = True

    with pytest.raises(SendUncertain) as uncertain:
        send(settings(smtp_server), reminder())

    assert len(smtp_server.messages) == 1  # the server has it: sending it again would send it twice
    assert uncertain.value.permanent


def test_a_held_message_is_sent_once_the_server_answers(smtp_server: SmtpServer) -> None:
    smtp_server.hold.set()
    sending = threading.Thread(target=send, args=(settings(smtp_server), reminder()))
    sending.start()

    assert smtp_server.data_started.wait(10)
    time.sleep(0.3)
    assert sending.is_alive() and smtp_server.messages == []  # the client waits for the answer to DATA
    smtp_server.hold.clear()
    sending.join(10)
    assert not sending.is_alive()
    assert len(smtp_server.wait_for(1)) == 1


def test_a_server_that_is_down_is_a_temporary_failure(smtp_server: SmtpServer) -> None:
    configured = settings(smtp_server)
    smtp_server.stop()

    with pytest.raises(SendFailed) as failed:
        send(configured, reminder())

    assert not failed.value.permanent


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_server_sees_our_login() -> None:
    server = SmtpServer(credentials=("schuldhulp", "s3cret")).start()
    try:
        send(settings(server), reminder())
        assert server.wait_for(1)[0].authenticated_as == "schuldhulp"

        with pytest.raises(SendFailed) as failed:
            send(settings(server, smtp_password="wrong"), reminder())
        assert not failed.value.permanent  # the operator fixes the password; the message itself is fine
        assert len(server.messages) == 1
    finally:
        server.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_encrypted_connections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, security: str) -> None:
    cert = self_signed_certificate(tmp_path)
    server = SmtpServer(tls=security, cert=cert, credentials=("schuldhulp", "s3cret")).start()
    try:
        with pytest.raises(SendFailed) as failed:  # a certificate nobody vouches for: not sent
            send(settings(server), reminder())
        assert not failed.value.permanent
        assert server.messages == []

        monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
        send(settings(server), reminder())
        assert server.wait_for(1)[0].authenticated_as == "schuldhulp"
    finally:
        server.stop()


def test_starttls_is_not_skipped_when_the_server_does_not_offer_it(smtp_server: SmtpServer) -> None:
    with pytest.raises(SendFailed) as failed:
        send(settings(smtp_server, smtp_security="starttls"), reminder())

    assert not failed.value.permanent
    assert smtp_server.messages == []


@pytest.mark.parametrize("missing", ["smtp_host", "mail_from"])
def test_email_without_its_settings_is_not_configured(smtp_server: SmtpServer, missing: str) -> None:
    with pytest.raises(ChannelNotConfigured, match=missing.upper()):
        adapter_for(Channel.EMAIL, settings(smtp_server, **{missing: None}))
