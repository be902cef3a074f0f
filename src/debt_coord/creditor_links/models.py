"""Creditor links: a creditor's way to answer one plan version without an API integration."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from debt_coord.kernel.orm import enum_column, utcnow


class CreditorLink(UUIDv7AuditBase):
    """One creditor organisation's way in to one plan version: a long random token, only its SHA-256 stored;
    expiring, revocable. It opens that creditor's own allocation and its decision on that version, nothing else."""

    __tablename__ = "creditor_links"

    plan_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"),
                                                       index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class MailStatus(StrEnum):
    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    """Not sent, and never will be: the version was replaced or answered, the creditor got an integration..."""
    SKIPPED = "skipped"
    """E-mail is not configured (DEBT_COORD_SMTP_HOST, DEBT_COORD_MAIL_FROM)."""
    UNCERTAIN = "uncertain"
    """Taken for sending and no outcome recorded (a worker died mid-send): perhaps sent, never sent again."""


class CreditorLinkMail(UUIDv7AuditBase):
    """The outbox of the e-mails that bring a proposed version's creditor link to a creditor without an integration.

    Written in the transaction of `plan.proposed`, one per creditor and version (the unique key: at most once); the
    link itself is made by the worker when it sends (`creditor_links/mailer.py`), so its token exists only in the
    e-mail, never in a row."""

    __tablename__ = "creditor_link_mails"
    __table_args__ = (
        UniqueConstraint("plan_version_id", "organisation_id"),
        Index("ix_creditor_link_mails_due", "status", "due_at"),
    )

    plan_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus, "creditor_mail_status"),
                                               default=MailStatus.PLANNED)
    status_reason: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str | None] = mapped_column(String(320), default=None)
    """Where it went (the creditor's contact e-mail when it was sent)."""
    due_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    link_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("creditor_links.id", ondelete="SET NULL"),
                                                      default=None)
    """The link the e-mail carries (made when it was sent)."""
    provider_message_id: Mapped[str | None] = mapped_column(String(200), default=None)
