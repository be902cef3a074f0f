"""The debtor's messages: who may be reached on which channel, how a case wants to be spoken to, and every
message planned, sent, delivered or skipped, kept as sent (the text too) for the counsellor and for attribution.

A message row is planned (status `planned`, with the moment it is due) in the transaction of what causes it: a
plan proposed, activated, varied or completed (bus handlers), a payment date coming up or an installment falling
overdue (the message chore), a counsellor's free message. Delivery sends each due row at most once: it is marked
`sending` and committed before anything leaves, so a worker that dies mid-send leaves it `uncertain` for a person
to check, never sent twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from debt_coord.kernel.orm import enum_column


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"


class MessageKind(StrEnum):
    PLAN_PROPOSED = "plan_proposed"
    PLAN_ACTIVE = "plan_active"
    PAYMENT_REMINDER = "payment_reminder"
    MISSED_PAYMENT = "missed_payment"
    PLAN_VARIED = "plan_varied"
    PLAN_COMPLETED = "plan_completed"
    FREE = "free"


class Tone(StrEnum):
    WARM = "warm"
    NEUTRAL = "neutral"
    FIRM = "firm"
    """Only for people who can pay and don't; never threatening, never a case's first message."""


class Language(StrEnum):
    NL = "nl"
    EN = "en"
    TR = "tr"


class ReminderAnchor(StrEnum):
    PAYMENT_DATE = "payment_date"
    """The reminder goes out on the payment date (default 09:00)."""
    INCOME_DATE = "income_date"
    """The reminder goes out on the day the income behind the payment date arrives (e.g. 19:00 that evening)."""


class MessageStatus(StrEnum):
    PLANNED = "planned"
    """Waiting for its moment (`due_at`)."""
    SENDING = "sending"
    """Taken by a delivery worker and committed before the send: a row left here by a dead worker becomes
    `uncertain`, never sent again."""
    SENT = "sent"
    """The provider (SMTP server, gateway) accepted it."""
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    """The provider refused it, or reported it undeliverable; `status_reason` says why."""
    UNCERTAIN = "uncertain"
    """A worker died between taking it and knowing the outcome: perhaps sent, so not sent again."""
    SKIPPED = "skipped"
    """Not sent, on purpose: channel not configured, no consent or opted out, breathing space, already paid;
    `status_reason` says which."""
    CANCELLED = "cancelled"
    """No longer true (the plan was superseded, the case closed) before it was due."""


FINAL_STATUSES = frozenset({MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.FAILED,
                            MessageStatus.UNCERTAIN, MessageStatus.SKIPPED, MessageStatus.CANCELLED})
"""Statuses delivery never leaves (callbacks still move sent -> delivered -> read, or to failed)."""


class DebtorContact(UUIDv7AuditBase):
    """A way to reach the debtor, with the consent the counsellor recorded (GDPR: when, how) and an opt-out.

    One address per channel per case; phone numbers are stored as E.164 (`phonenumbers`), e-mail as given.
    """

    __tablename__ = "debtor_contacts"
    __table_args__ = (UniqueConstraint("case_id", "channel"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "message_channel"))
    address: Mapped[str] = mapped_column(String(320))
    consent_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    consent_source: Mapped[str] = mapped_column(String(200))
    """How the consent was given and recorded, e.g. "intake form, signed" and by whom."""
    opted_out_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class MessagePreferences(UUIDv7AuditBase):
    """How a case's debtor is spoken to and when; a case without a row has the defaults."""

    __tablename__ = "message_preferences"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    language: Mapped[Language] = mapped_column(enum_column(Language, "message_language"), default=Language.NL)
    tone: Mapped[Tone] = mapped_column(enum_column(Tone, "message_tone"), default=Tone.WARM)
    reminder_anchor: Mapped[ReminderAnchor] = mapped_column(enum_column(ReminderAnchor, "reminder_anchor"),
                                                            default=ReminderAnchor.PAYMENT_DATE)
    reminder_time: Mapped[dt.time] = mapped_column(Time, default=dt.time(9, 0))
    """Local time (Europe/Amsterdam) on the anchor day."""
    moratorium_until: Mapped[dt.date | None] = mapped_column(Date, default=None)
    """Breathing space or moratorium: no reminders or nudges up to and including this day."""
    moratorium_reason: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DebtorMessage(UUIDv7AuditBase):
    """One message to the debtor on one channel: planned, then sent at most once, then followed by callbacks."""

    __tablename__ = "debtor_messages"
    __table_args__ = (
        UniqueConstraint("case_id", "channel", "dedupe_key"),
        Index("ix_debtor_messages_due", "status", "due_at"),
        Index("ix_debtor_messages_case_created", "case_id", "created_at", "id"),
        Index("ix_debtor_messages_provider", "channel", "provider_message_id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind, "message_kind"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "message_channel"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    """What makes it one message, e.g. "payment_reminder:2027-01-26": at most one reminder per payment date per
    channel, whatever runs twice."""
    language: Mapped[Language] = mapped_column(enum_column(Language, "message_language"))
    tone: Mapped[Tone] = mapped_column(enum_column(Tone, "message_tone"))
    due_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    """When it may go out (UTC; quiet hours, Sundays and holidays already applied)."""
    payment_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    """The payment date it is about (reminders and nudges): what attribution joins installments on."""
    amount_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """What it asks the debtor to pay on that date, in cents."""
    facts: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    """What the text needs beyond the columns (the free message's text, the creditors' count, ...)."""
    status: Mapped[MessageStatus] = mapped_column(enum_column(MessageStatus, "message_status"),
                                                  default=MessageStatus.PLANNED)
    status_reason: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(320), default="")
    """Where it was sent (filled at send time)."""
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    """The text as sent (filled at send time): the record of what the debtor was told."""
    provider_message_id: Mapped[str | None] = mapped_column(String(200), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Sends the provider refused for a passing reason (retried with backoff); a permanent refusal is `failed`."""
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    created_by: Mapped[str] = mapped_column(String(200))
