"""The creditors' answers: decisions on plan versions, published acceptance policies, reconsideration asks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from debt_coord.kernel.orm import enum_column


class DecisionKind(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    COUNTER = "counter"


@dataclass(frozen=True)
class Answer:
    """What a creditor says on a plan version: accept, reject with a reason, or counter with its terms."""

    kind: DecisionKind
    reason: str = ""
    counter: dict[str, Any] | None = None


class Decision(UUIDv7AuditBase):
    """A creditor's current answer on one plan version; earlier answers live in the audit trail."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("plan_version_id", "organisation_id"),)

    plan_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[DecisionKind] = mapped_column(enum_column(DecisionKind, "decision_kind"))
    reason: Mapped[str] = mapped_column(Text, default="")
    counter: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    automatic: Mapped[bool] = mapped_column(default=False)
    """Accepted on the creditor's behalf because the plan met its published acceptance policy."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def answer(self) -> Answer:
        return Answer(self.kind, self.reason, self.counter)


class AcceptancePolicy(UUIDv7AuditBase):
    """Terms a creditor accepts in advance, as in a collective settlement agreement."""

    __tablename__ = "acceptance_policies"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    max_term_months: Mapped[int | None] = mapped_column(Integer, default=None)
    min_percentage_bp: Mapped[int | None] = mapped_column(Integer, default=None)
    min_payment_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    rules: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    """Distribution rules accepted; none means any."""
    variation_tolerance_bp: Mapped[int | None] = mapped_column(Integer, default=None)
    """A variation of an agreed plan is accepted at once when it pays each of the creditor's claims at most this
    much less (basis points of what was agreed from the variation's start) and ends no later; none: decide each."""


class ReconsiderationRequest(UUIDv7AuditBase):
    """A counsellor's reasoned ask to a refusing creditor; it reopens that creditor's decision."""

    __tablename__ = "reconsideration_requests"

    plan_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    reason: Mapped[str] = mapped_column(Text)
    previous_decision: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
