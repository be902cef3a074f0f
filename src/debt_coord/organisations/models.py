"""Organisations (counselling, creditor, platform) and their API keys."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from debt_coord.kernel.actors import Role
from debt_coord.kernel.orm import enum_column


class OrganisationKind(StrEnum):
    COUNSELLING = "counselling"
    CREDITOR = "creditor"
    PLATFORM = "platform"


class Organisation(UUIDv7AuditBase):
    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "organisation_kind"))
    contact_email: Mapped[str | None] = mapped_column(String(320), default=None)
    contact_phone: Mapped[str | None] = mapped_column(String(40), default=None)
    payout_iban: Mapped[str | None] = mapped_column(String(34), default=None)
    """A counselling organisation's account that debtors pay into and payout runs pay creditors from."""
    payout_bic: Mapped[str | None] = mapped_column(String(11), default=None)
    payout_day_of_month: Mapped[int | None] = mapped_column(Integer, default=None)
    """Its payout runs: monthly, on the first bank day on or after this day (1-28)."""

    @property
    def payout_day(self) -> int | None:
        """The payout day, when the organisation has a payout account to take the debtors' money (else None)."""
        return self.payout_day_of_month if self.payout_iban else None


class ApiKey(UUIDv7AuditBase):
    """An API key: only its SHA-256 is stored; the key itself is shown once when created."""

    __tablename__ = "api_keys"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "api_key_role"))
    label: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
