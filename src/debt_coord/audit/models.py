"""The audit trail's table.

Money columns are BigInteger cents. Aggregates that several parties write (cases, claims)
carry a version number that SQLAlchemy checks on every UPDATE (optimistic concurrency).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from debt_coord.kernel.orm import utcnow


class AuditEvent(UUIDv7AuditBase):
    """Append-only: written in the same transaction as the change it records."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_case_at", "case_id", "at", "id"),)  # a case's trail, in order

    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"), default=None)
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id"), default=None)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
