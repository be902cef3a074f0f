"""Plan versions: each one the solver's answer to one snapshot of a case, immutable once solved."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from debt_coord.debtor.schedule import deposits
from debt_coord.kernel.orm import enum_column
from debt_coord.planning.variations import Carried
from solver.models import Payment, PlanProposal, PlanRequest, SolveStatus


def schedule_of(proposal: dict[str, Any], varies: dict[str, Any] | None) -> list[Payment]:
    """Every payment of a plan as it runs: a variation's carried schedule, then the solver's payments."""
    own = PlanProposal.model_validate(proposal).payments
    return [*Carried.from_json(varies).payments, *own] if varies is not None else list(own)


class PlanStatus(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    SUPERSEDED = "superseded"
    ACTIVE = "active"


class PlanVersion(UUIDv7AuditBase):
    """One immutable proposal: the exact PlanRequest it was solved from and the PlanProposal.

    Only `status` and the proposal's dates (proposed, deadline, activated) change after creation.
    """

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus, "plan_status"), default=PlanStatus.DRAFT)
    solver_status: Mapped[SolveStatus] = mapped_column(
        Enum(SolveStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    proposal: Mapped[dict[str, Any]] = mapped_column(JSON)
    claim_owners: Mapped[dict[str, str]] = mapped_column(JSON)
    """The creditor organisation of each claim in the request (the solver's claim id is the claim row's id)."""
    applied_counters: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Ids of the counter decisions this version was solved with."""
    income_kinds: Mapped[dict[str, dict[str, str]] | None] = mapped_column(JSON, default=None)
    """Per income stream id, its kind and label when the version was asked for (None before they existed)."""
    created_by: Mapped[str] = mapped_column(String(200))
    proposed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    response_deadline: Mapped[dt.date | None] = mapped_column(Date, default=None)
    activated_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    deadline_reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    """When the silent creditors were reminded, once, that the response deadline is near."""
    varies: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    """A variation of an active plan: what it carries over from it (planning/variations.py Carried); None for a
    plan of its own."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def creditor_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(uuid.UUID(owner) for owner in self.claim_owners.values())

    @property
    def carried(self) -> Carried | None:
        return Carried.from_json(self.varies) if self.varies is not None else None

    @property
    def schedule(self) -> list[Payment]:
        return schedule_of(self.proposal, self.varies)

    @property
    def deposits(self) -> list[tuple[dt.date, int]]:
        """Via the counsellor: every deposit of the plan as it runs, (day, cents), a variation's carried ones first."""
        carried = self.carried
        own = deposits(PlanRequest.model_validate(self.request), PlanProposal.model_validate(self.proposal))
        return [*(carried.deposits if carried is not None else ()), *((d.date, d.amount_cents) for d in own)]

    @property
    def infeasible(self) -> bool:
        return self.solver_status is SolveStatus.INFEASIBLE
