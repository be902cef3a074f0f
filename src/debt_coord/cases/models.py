"""Cases and what they hold: the creditors invited, their claims, the debtor's income.

The case is the aggregate: it decides which moves are allowed, and every action on a case asks
it first (a closed case refuses everything but reading). Money columns are BigInteger cents.
Rows that several parties write carry a version number that SQLAlchemy checks on every UPDATE
(optimistic concurrency).
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from debt_coord.cases.states import FINISHED, MANUAL, CaseState, refusal
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, Refusal
from debt_coord.kernel.orm import enum_column
from debt_coord.kernel.search import search_key
from solver.models import ClaimClass


class ContactChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    POST = "post"
    APP = "app"


class DebtType(StrEnum):
    """Schuldenknooppunt categories."""

    HEALTH = "zorg"
    PUBLIC = "publiek"
    UTILITIES = "nuts"
    OTHER = "overig"


class PaymentRoute(StrEnum):
    """How the debtor's money reaches the creditors."""

    DIRECT = "direct"
    """The debtor pays each creditor on the plan's dates, from their own account."""
    VIA_COUNSELLOR = "via_counsellor"
    """The debtor pays one amount each payday into the counselling organisation's account; the organisation pays
    the creditors in its payout runs (payouts/), from the money the ledger shows it holds for the case."""


class Case(UUIDv7AuditBase):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference"),
        # The lists: a counsellor's cases in order, and by state (kernel/paging.py).
        Index("ix_cases_org_created", "organisation_id", "created_at", "id"),
        Index("ix_cases_org_state_created", "organisation_id", "state", "created_at", "id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    reference: Mapped[str] = mapped_column(String(64))
    debtor_name: Mapped[str] = mapped_column(String(200))
    debtor_search: Mapped[str] = mapped_column(String(400), default="", info={"derived": True})
    """The debtor's name as searches compare it (kernel/search.py), kept in step by `_debtor_named`."""
    debtor_contact_channel: Mapped[ContactChannel] = mapped_column(enum_column(ContactChannel, "contact_channel"))
    debtor_contact: Mapped[str] = mapped_column(String(320), default="")
    currency: Mapped[str] = mapped_column(String(3))
    country: Mapped[str] = mapped_column(String(2))
    reference_date: Mapped[dt.date] = mapped_column(Date)
    claims_deadline: Mapped[dt.date | None] = mapped_column(Date, default=None)
    state: Mapped[CaseState] = mapped_column(enum_column(CaseState, "case_state"), default=CaseState.COLLECTING)
    payment_route: Mapped[PaymentRoute] = mapped_column(enum_column(PaymentRoute, "payment_route"),
                                                        default=PaymentRoute.DIRECT)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @validates("debtor_name")
    def _debtor_named(self, _: str, name: str) -> str:
        self.debtor_search = search_key(name)
        return name

    @property
    def closed(self) -> bool:
        return self.state in FINISHED

    def require_open(self, action: str) -> None:
        """Every change asks this first: a closed case (completed, failed, withdrawn) only answers reads."""
        if self.closed:
            raise ConflictError(f"The case is {self.state.value}: it is closed, so you cannot {action}.",
                                code=Refusal.CASE_CLOSED, facts={"state": self.state.value})

    def move_to(self, wanted: CaseState) -> None:
        if (reason := refusal(self.state, wanted)) is not None:
            code = Refusal.CASE_CLOSED if self.closed else Refusal.CASE_STATE_NOT_ALLOWED
            raise ConflictError(reason, code=code, facts={"state": self.state.value, "wanted": wanted.value})
        self.state = wanted

    def choose_payment_route(self, route: PaymentRoute, payout_day_of_month: int | None) -> None:
        """The route is part of the plan's terms: it may change until a plan is proposed, and going via the
        counsellor needs the organisation's payout account (its payout day) first."""
        self.require_open("change how the debtor pays")
        if route is self.payment_route:
            return
        if self.state not in (CaseState.COLLECTING, CaseState.PLANNING):
            raise ConflictError(f"The case is {self.state.value}: the payment route can change only before a plan "
                                "is proposed. Ask for a new plan first (the case goes back to planning).",
                                code=Refusal.PAYMENT_ROUTE_FIXED, facts={"state": self.state.value})
        if route is PaymentRoute.VIA_COUNSELLOR and payout_day_of_month is None:
            raise ConflictError("Your organisation has no payout account yet: set its IBAN and payout day first "
                                "(`debt-coord orgs payout-account`).", code=Refusal.NO_PAYOUT_ACCOUNT)
        self.payment_route = route

    def require_collecting_claims(self, today: dt.date) -> None:
        if self.state is not CaseState.COLLECTING:
            raise ConflictError(
                f"The case is {self.state.value}, no longer collecting claims: claims cannot change now.",
                code=Refusal.CLAIMS_NOT_COLLECTING, facts={"state": self.state.value},
            )
        if self.claims_deadline is not None and today > self.claims_deadline:
            raise ConflictError(f"The deadline for claims on this case was {self.claims_deadline.isoformat()}.",
                                code=Refusal.CLAIMS_DEADLINE_PASSED,
                                facts={"deadline": self.claims_deadline.isoformat()})

    def plan_arrived(self) -> None:
        """A new plan version was solved: a proposal under negotiation is back to planning; an active plan runs on."""
        self.require_open("store a new plan version")
        if self.state in (CaseState.COLLECTING, CaseState.PROPOSED):
            self.move_to(CaseState.PLANNING)

    def plan_proposed(self) -> None:
        """A version went to the creditors. A variation is negotiated while the agreed plan runs: the case stays
        active (money keeps coming in, arrears are watched, payouts go out)."""
        if self.state is not CaseState.ACTIVE:
            self.move_to(CaseState.PROPOSED)

    def plan_agreed(self) -> None:
        if self.state is not CaseState.ACTIVE:
            self.move_to(CaseState.ACTIVE)

    def close(self, state: CaseState) -> None:
        if state not in MANUAL:
            raise InvalidInputError(f"A case is closed as completed, failed or withdrawn, not {state.value}.",
                                    [FieldError("/state", "must be completed, failed or withdrawn")],
                                    code=Refusal.CASE_CLOSE_STATE_INVALID, facts={"wanted": state.value})
        self.move_to(state)


class CaseParticipant(UUIDv7AuditBase):
    """A creditor organisation invited to a case, with the balance request sent to it."""

    __tablename__ = "case_participants"
    __table_args__ = (
        UniqueConstraint("case_id", "organisation_id"),
        Index("ix_case_participants_org_created", "organisation_id", "created_at", "id"),  # a creditor's cases
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    balance_as_of: Mapped[dt.date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text, default="")


class Claim(UUIDv7AuditBase):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("principal_cents >= 0 AND interest_cents >= 0 AND costs_cents >= 0", name="claim_amounts"),
        Index("ix_claims_case_created", "case_id", "created_at", "id"),
        Index("ix_claims_case_org_created", "case_id", "organisation_id", "created_at", "id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    creditor_reference: Mapped[str] = mapped_column(String(64))
    principal_cents: Mapped[int] = mapped_column(BigInteger)
    interest_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    costs_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    claim_class: Mapped[ClaimClass] = mapped_column(enum_column(ClaimClass, "claim_class"))
    debt_type: Mapped[DebtType] = mapped_column(enum_column(DebtType, "debt_type"), default=DebtType.OTHER)
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


class IncomeKind(StrEnum):
    """What an income is, so the debtor's page can name it in the debtor's words ("uw salaris")."""

    SALARY = "salary"
    BENEFIT = "benefit"
    HOLIDAY_PAY = "holiday_pay"
    ALLOWANCE = "allowance"
    OTHER = "other"


class IncomeStream(UUIDv7AuditBase):
    """One income of the debtor. Exactly one schedule: day_of_month, every_weeks from first_date, or dates."""

    __tablename__ = "income_streams"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    stream_id: Mapped[str] = mapped_column(String(64))
    """The stream's id in plan requests (the solver's IncomeStream.id)."""
    kind: Mapped[IncomeKind] = mapped_column(enum_column(IncomeKind, "income_kind"), default=IncomeKind.OTHER)
    label: Mapped[str] = mapped_column(String(64), default="")
    """The counsellor's own name for it; the debtor's page uses it for kind 'other'."""
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    available_cents: Mapped[int] = mapped_column(BigInteger)
    day_of_month: Mapped[int | None] = mapped_column(Integer, default=None)
    every_weeks: Mapped[int | None] = mapped_column(Integer, default=None)
    first_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    dates: Mapped[list[str] | None] = mapped_column(JSON, default=None)
