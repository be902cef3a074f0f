"""The system of record: SQLAlchemy 2 typed models.

Money columns are BigInteger cents. Aggregates that several parties write (cases, claims)
carry a version number that SQLAlchemy checks on every UPDATE (optimistic concurrency).
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from debt_coord.domain.case_states import State

CaseState = State  # the case's states live in the domain core; the model stores them


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _enum(kind: type[StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK, so adding a value is a simple migration on both backends.
    return Enum(kind, name=name, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class OrganisationKind(StrEnum):
    COUNSELLING = "counselling"
    CREDITOR = "creditor"
    PLATFORM = "platform"


class Role(StrEnum):
    ADMIN = "admin"
    COUNSELLOR = "counsellor"
    CREDITOR = "creditor"


class ContactChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    POST = "post"
    APP = "app"


class ClaimClass(StrEnum):
    CONCURRENT = "concurrent"
    PREFERENT = "preferent"


class DebtType(StrEnum):
    """Schuldenknooppunt categories."""

    HEALTH = "zorg"
    PUBLIC = "publiek"
    UTILITIES = "nuts"
    OTHER = "overig"


class Organisation(UUIDv7AuditBase):
    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    contact_email: Mapped[str | None] = mapped_column(String(320), default=None)
    contact_phone: Mapped[str | None] = mapped_column(String(40), default=None)


class ApiKey(UUIDv7AuditBase):
    """An API key: only its SHA-256 is stored; the key itself is shown once when created."""

    __tablename__ = "api_keys"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(_enum(Role, "api_key_role"))
    label: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class Case(UUIDv7AuditBase):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("organisation_id", "reference"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    debtor_name: Mapped[str] = mapped_column(String(200))
    debtor_contact_channel: Mapped[ContactChannel] = mapped_column(_enum(ContactChannel, "contact_channel"))
    debtor_contact: Mapped[str] = mapped_column(String(320), default="")
    currency: Mapped[str] = mapped_column(String(3))
    country: Mapped[str] = mapped_column(String(2))
    reference_date: Mapped[dt.date] = mapped_column(Date)
    claims_deadline: Mapped[dt.date | None] = mapped_column(Date, default=None)
    state: Mapped[CaseState] = mapped_column(_enum(CaseState, "case_state"), default=CaseState.COLLECTING)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CaseParticipant(UUIDv7AuditBase):
    """A creditor organisation invited to a case, with the balance request sent to it."""

    __tablename__ = "case_participants"
    __table_args__ = (UniqueConstraint("case_id", "organisation_id"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    balance_as_of: Mapped[dt.date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text, default="")


class Claim(UUIDv7AuditBase):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("principal_cents >= 0 AND interest_cents >= 0 AND costs_cents >= 0", name="claim_amounts"),
        Index("ix_claims_case_org", "case_id", "organisation_id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    creditor_reference: Mapped[str] = mapped_column(String(64))
    principal_cents: Mapped[int] = mapped_column(BigInteger)
    interest_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    costs_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    claim_class: Mapped[ClaimClass] = mapped_column(_enum(ClaimClass, "claim_class"))
    debt_type: Mapped[DebtType] = mapped_column(_enum(DebtType, "debt_type"), default=DebtType.OTHER)
    min_payment_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    iban: Mapped[str] = mapped_column(String(34))
    payment_reference: Mapped[str] = mapped_column(String(140))
    arose_on: Mapped[dt.date] = mapped_column(Date)
    balance_date: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.costs_cents


class IncomeStream(UUIDv7AuditBase):
    """One income of the debtor. Exactly one schedule: day_of_month, every_weeks from first_date, or dates."""

    __tablename__ = "income_streams"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(64))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    available_cents: Mapped[int] = mapped_column(BigInteger)
    day_of_month: Mapped[int | None] = mapped_column(Integer, default=None)
    every_weeks: Mapped[int | None] = mapped_column(Integer, default=None)
    first_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    dates: Mapped[list[str] | None] = mapped_column(JSON, default=None)


class AuditEvent(UUIDv7AuditBase):
    """Append-only: written in the same transaction as the change it records."""

    __tablename__ = "audit_events"

    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"), default=None)
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id"), default=None)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=_utcnow)


class IdempotencyRecord(UUIDv7AuditBase):
    """The first answer to a write sent with an Idempotency-Key, replayed for retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("organisation_id", "scope", "key"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any]] = mapped_column(JSON)


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
    status: Mapped[PlanStatus] = mapped_column(_enum(PlanStatus, "plan_status"), default=PlanStatus.DRAFT)
    solver_status: Mapped[str] = mapped_column(String(16))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    proposal: Mapped[dict[str, Any]] = mapped_column(JSON)
    claim_owners: Mapped[dict[str, str]] = mapped_column(JSON)
    """The creditor organisation of each claim in the request (the solver's claim id is the claim row's id)."""
    applied_counters: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Ids of the counter decisions this version was solved with."""
    created_by: Mapped[str] = mapped_column(String(200))
    proposed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    response_deadline: Mapped[dt.date | None] = mapped_column(Date, default=None)
    activated_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DecisionKind(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    COUNTER = "counter"


class Decision(UUIDv7AuditBase):
    """A creditor's current answer on one plan version; earlier answers live in the audit trail."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("plan_version_id", "organisation_id"),)

    plan_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[DecisionKind] = mapped_column(_enum(DecisionKind, "decision_kind"))
    reason: Mapped[str] = mapped_column(Text, default="")
    counter: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    automatic: Mapped[bool] = mapped_column(default=False)
    """Accepted on the creditor's behalf because the plan met its published acceptance policy."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AcceptancePolicy(UUIDv7AuditBase):
    """Terms a creditor accepts in advance, as in a collective settlement agreement."""

    __tablename__ = "acceptance_policies"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    max_term_months: Mapped[int | None] = mapped_column(Integer, default=None)
    min_percentage_bp: Mapped[int | None] = mapped_column(Integer, default=None)
    min_payment_cents: Mapped[int | None] = mapped_column(BigInteger, default=None)
    rules: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    """Distribution rules accepted; none means any."""


class ReconsiderationRequest(UUIDv7AuditBase):
    """A counsellor's reasoned ask to a refusing creditor; it reopens that creditor's decision."""

    __tablename__ = "reconsideration_requests"

    plan_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    reason: Mapped[str] = mapped_column(Text)
    previous_decision: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(UUIDv7AuditBase):
    """Long work (solving a plan, delivering webhooks): the row is the truth, a broker message only a nudge."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_lease", "status", "lease_until"),)

    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus, "job_status"), default=JobStatus.QUEUED)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"), default=None)
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id"), default=None)
    requested_by: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    worker: Mapped[str | None] = mapped_column(String(200), default=None)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class WebhookEndpoint(UUIDv7AuditBase):
    __tablename__ = "webhook_endpoints"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    """Signing secret (Standard Webhooks 'whsec_...'); needed in clear to sign, shown once."""
    events: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(UUIDv7AuditBase):
    """The outbox: written with the event's transaction, delivered and retried from here."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "delivery_status"),
                                                   default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True), default=_utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class DebtorLink(UUIDv7AuditBase):
    """The debtor's way in without an account: a long random token, only its SHA-256 stored; expiring, revocable.

    The token opens the debtor's own schedule (page, JSON, calendar) and nothing else.
    """

    __tablename__ = "debtor_links"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
