"""E-mail over SMTP (aiosmtplib): a multipart text + HTML message with a List-Unsubscribe to the stop link."""

from __future__ import annotations

import datetime as dt
from contextlib import suppress
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr

import aiosmtplib

from debt_coord.kernel.orm import utcnow
from debt_coord.kernel.settings import Settings
from debt_coord.messages.channels.base import ChannelNotConfigured, Outgoing, SendFailed, SendResult, SendUncertain

TIMEOUT_SECONDS = 30.0


class _WirePolicy(EmailPolicy):
    """SMTP's policy, but a List-Unsubscribe link stays one piece: folded at 78 characters, Python would turn a long
    link into RFC 2047 encoded words, which mail clients do not read as a link (RFC 2369 allows up to 998)."""

    def fold_binary(self, name: str, value: str) -> bytes:
        link = str(value).strip()
        if name.lower() == "list-unsubscribe" and link.isascii() and len(link) < 900:
            return f"{name}: {link}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


WIRE_POLICY = _WirePolicy(linesep="\r\n")


class EmailAdapter:
    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host or not settings.mail_from:
            raise ChannelNotConfigured("e-mail is not configured (DEBT_COORD_SMTP_HOST, DEBT_COORD_MAIL_FROM)")
        self.settings = settings

    async def send(self, message: Outgoing) -> SendResult:
        email = build_email(message, self.settings)
        settings = self.settings
        smtp = aiosmtplib.SMTP(
            hostname=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            use_tls=settings.smtp_security == "tls", start_tls=settings.smtp_security == "starttls",
            timeout=TIMEOUT_SECONDS)
        try:
            await _hand_over(smtp, parseaddr(str(email["From"]))[1], message.address,
                             email.as_bytes(policy=WIRE_POLICY))
        finally:
            smtp.close()
        return SendResult(provider_message_id=str(email["Message-ID"]), accepted_at=utcnow())


async def _hand_over(smtp: aiosmtplib.SMTP, sender: str, recipient: str, raw: bytes) -> None:
    """Connect (STARTTLS, login), MAIL, RCPT, DATA. Until DATA the server has nothing to send; once DATA went out,
    a lost connection or a timeout leaves it unknown whether the server took the message."""
    try:
        await smtp.connect()
        await smtp.mail(sender)
        await smtp.rcpt(recipient)
    except aiosmtplib.SMTPAuthenticationError as error:
        # Our login, not the message: sendable once the operator fixes the credentials.
        raise SendFailed(f"SMTP server refused our login ({error.code})", permanent=False) from None
    except aiosmtplib.SMTPRecipientRefused as error:
        raise SendFailed(f"recipient refused ({error.code})", permanent=error.code >= 500) from None
    except aiosmtplib.SMTPResponseException as error:
        raise SendFailed(f"SMTP server answered {error.code}", permanent=error.code >= 500) from None
    except (aiosmtplib.SMTPException, OSError) as error:
        raise SendFailed(f"SMTP server not reachable: {type(error).__name__}", permanent=False) from None
    try:
        await smtp.data(raw)
    except aiosmtplib.SMTPResponseException as error:
        raise SendFailed(f"SMTP server answered {error.code}", permanent=error.code >= 500) from None
    except (aiosmtplib.SMTPException, OSError) as error:
        raise SendUncertain(f"no answer to DATA from the SMTP server: {type(error).__name__}") from None
    with suppress(aiosmtplib.SMTPException, OSError):
        await smtp.quit()


def message_id_header(message_id: str, mail_from: str) -> str:
    """`<id@domain>` with the domain of the From address (RFC 5322 msg-id)."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "debt-coord.invalid"
    return f"<{message_id}@{domain}>"


def build_email(message: Outgoing, settings: Settings, *, now: dt.datetime | None = None) -> EmailMessage:
    """The message as it goes over the wire: plain text always, the HTML part when there is one."""
    assert settings.mail_from is not None
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now or utcnow())
    email["Message-ID"] = message_id_header(message.message_id, settings.mail_from)
    email["Auto-Submitted"] = "auto-generated"
    if message.stop_url:
        # RFC 2369 and RFC 8058: mail clients offer one-click unsubscribe, POSTing to the stop link.
        email["List-Unsubscribe"] = f"<{message.stop_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable: any relay takes it (no 8BITMIME needed), and text stays readable in the source.
    email.set_content(message.body, cte="quoted-printable")
    if message.html:
        email.add_alternative(message.html, subtype="html", cte="quoted-printable")
    email["Content-Language"] = message.language  # after the content: set_content drops Content-* headers
    return email
