"""Workspace users: counsellors who sign in to the browser workspace with an e-mail address and a password."""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class WorkspaceAccount(UUIDv7AuditBase):
    """A counsellor of one counselling organisation. The password is kept only as its argon2 hash; until one is
    set, a one-time set-password token (only its SHA-256, expiring) lets the user choose it. Failed sign-ins are
    counted, and too many lock the account for a while.

    `session_epoch` is the account's credential stamp: a session remembers it at sign-in, and every request
    compares it, so raising it (a new password, disabling the user) ends every open session at once."""

    __tablename__ = "workspace_users"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                       index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    """Lower-cased; the sign-in name."""
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    set_password_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    set_password_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    language: Mapped[str] = mapped_column(String(2), default="nl")
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """Set: the user cannot sign in (`debt-coord users disable`)."""
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
