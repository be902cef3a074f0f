"""Debtor links and the debtor's schedule.

A counsellor gives the debtor a link instead of an account: a long random token, stored only
as its SHA-256 (the same helper as API keys), that expires and can be revoked. The token opens
the schedule of its own case and nothing else; it is never an API key, and no API key is one.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import case as sql_case
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, defer
from sqlalchemy.sql.selectable import ScalarSelect

from debt_coord.cases.models import Case, Claim, IncomeKind
from debt_coord.cases.service import CaseScopedService
from debt_coord.debtor.models import DebtorLink
from debt_coord.debtor.schedule import CombinedSchedule, Payee, combined_schedule, deposits
from debt_coord.kernel.actors import Actor
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import NotFoundError
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.paging import Page, PageRequest, fetch_page
from debt_coord.kernel.uow import UnitOfWork
from debt_coord.money_in import ledger
from debt_coord.money_in.deposits import deposit_statuses, deposited
from debt_coord.money_in.installments import Installment, installments
from debt_coord.money_in.models import Account
from debt_coord.organisations.models import Organisation
from debt_coord.organisations.service import hash_key
from debt_coord.planning.models import PlanStatus, PlanVersion, schedule_of
from solver.models import Payment, PlanProposal, PlanRequest


class _Recent:
    """The last `size` schedules by plan version.

    Safe to keep: a version is immutable, its claims are frozen once a plan is asked for (the
    case left `collecting`), and earlier versions never change; a new version is a new key.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[uuid.UUID, tuple[CombinedSchedule, int]] = OrderedDict()

    def get(self, key: uuid.UUID) -> tuple[CombinedSchedule, int] | None:
        if key in self.items:
            self.items.move_to_end(key)
        return self.items.get(key)

    def put(self, key: uuid.UUID, value: tuple[CombinedSchedule, int]) -> tuple[CombinedSchedule, int]:
        self.items[key] = value
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


_SCHEDULES = _Recent(2048)


def _shown_version(case_id: InstrumentedAttribute[uuid.UUID]) -> ScalarSelect[uuid.UUID]:
    """The version a debtor sees: the active one; before activation, the latest proposed; never a draft."""
    return (
        select(PlanVersion.id)
        .where(PlanVersion.case_id == case_id, PlanVersion.status.in_([PlanStatus.ACTIVE, PlanStatus.PROPOSED]))
        .order_by(sql_case((PlanVersion.status == PlanStatus.ACTIVE, 0), else_=1), PlanVersion.number.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
TOKEN_PREFIX = "dtl_"
DEFAULT_VALID_DAYS = 365
MAX_VALID_DAYS = 1100  # a 36-month plan and some slack


@dataclass(frozen=True)
class IssuedLink:
    link: DebtorLink
    token: str
    """Shown once, when the link is made; only its hash is stored."""


@dataclass(frozen=True)
class DebtorSchedule:
    """What the debtor's link opens: the case, who to call, and the schedule (None when there is no plan yet)."""

    case: Case
    counsellor: Organisation
    version: PlanVersion | None
    schedule: CombinedSchedule | None
    earlier_payment_dates: int = 0
    """The most payment dates any earlier proposed version of the case had: calendars cancel the surplus."""
    paid: Mapping[tuple[dt.date, str], Installment] = field(default_factory=dict)
    """Per (payment date, claim id) of an active plan: what it received and its status."""
    deposited: Mapping[dt.date, Installment] = field(default_factory=dict)
    """Via the counsellor, per deposit date of an active plan: what came in and its status."""

    def installment(self, day: dt.date, claim_id: str) -> Installment | None:
        return self.paid.get((day, claim_id))

    def deposit(self, day: dt.date) -> Installment | None:
        return self.deposited.get(day)

    @property
    def payable(self) -> bool:
        """Pay now: the plan is active and the case still runs (not a proposal, not a closed case)."""
        return self.version is not None and self.version.status is PlanStatus.ACTIVE and not self.case.closed

    def income(self, stream_id: str) -> tuple[IncomeKind, str]:
        """The kind and label of an income stream of the plan ('other' and no label if the version did not keep it)."""
        kept = ((self.version.income_kinds if self.version else None) or {}).get(stream_id, {})
        return IncomeKind(kept.get("kind", IncomeKind.OTHER)), kept.get("label", "")


def is_live(link: DebtorLink, now: dt.datetime) -> bool:
    return link.revoked_at is None and link.expires_at > now


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


async def new_link(uow: UnitOfWork, actor: Actor, case: Case, valid_days: int) -> IssuedLink:
    """A new link to `case` in `uow`'s transaction (the caller commits): only the token's hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    link = DebtorLink(case_id=case.id, token_hash=hash_key(token), created_by=actor.name,
                      expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=valid_days))
    uow.session.add(link)
    await uow.session.flush()
    uow.record(event(EventKind.DEBTOR_LINK_CREATED, actor, link, case_id=case.id,
                     after={"expires_at": link.expires_at.isoformat(), "created_by": link.created_by}))
    return IssuedLink(link, token)


class DebtorLinkService(CaseScopedService[DebtorLink]):
    class Repo(SQLAlchemyAsyncRepository[DebtorLink]):
        model_type = DebtorLink

    repository_type = Repo

    # --- the counsellor's side ----------------------------------------------------------

    async def issue(self, actor: Actor, case_id: uuid.UUID, valid_days: int = DEFAULT_VALID_DAYS) -> IssuedLink:
        case = await self.cases.find_own(actor, case_id, "make a debtor link")
        case.require_open("make a debtor link")
        issued = await new_link(self.uow, actor, case, valid_days)
        await self.uow.commit()
        return issued

    async def links(self, actor: Actor, case_id: uuid.UUID, page: PageRequest) -> Page[DebtorLink]:
        case = await self.cases.find_own(actor, case_id, "list debtor links")
        query = select(DebtorLink).where(DebtorLink.case_id == case.id)
        return await fetch_page(self.session, query, (DebtorLink.created_at, DebtorLink.id), page)

    async def revoke(self, actor: Actor, case_id: uuid.UUID, link_id: uuid.UUID) -> DebtorLink:
        """Revoke at once; revoking a revoked link changes nothing.

        Allowed on a closed case too: taking access away is how a counsellor ends a debtor's view.
        """
        case = await self.cases.find_own(actor, case_id, "revoke a debtor link")
        link = await self.get_one_or_none(id=link_id, case_id=case.id)
        if link is None:
            raise NotFoundError(f"No debtor link {link_id}.")
        if link.revoked_at is None:
            link.revoked_at = dt.datetime.now(dt.UTC)
            await self.session.flush()
            self.record(event(EventKind.DEBTOR_LINK_REVOKED, actor, link, case_id=case.id,
                              before={"revoked_at": None}, after={"revoked_at": link.revoked_at.isoformat()}))
            await self.uow.commit()
        return link

    # --- the debtor's side --------------------------------------------------------------

    async def open(self, token: str, grace_bank_days: int = 5) -> DebtorSchedule:
        """The schedule behind a live link. Unknown, expired and revoked links are one and the same NotFound.

        One round trip finds the link, its case, the counsellor and the version to show; the version's
        request and proposal are not loaded: the schedule made from them is cached per version.
        """
        found = (await self.session.execute(
            select(DebtorLink, Case, Organisation, PlanVersion)
            .join(Case, Case.id == DebtorLink.case_id)
            .join(Organisation, Organisation.id == Case.organisation_id)
            .outerjoin(PlanVersion, PlanVersion.id == _shown_version(Case.id))
            .options(defer(PlanVersion.request), defer(PlanVersion.proposal))
            .where(DebtorLink.token_hash == hash_key(token))
        )).one_or_none()
        if found is None or not is_live(found[0], dt.datetime.now(dt.UTC)):
            raise NotFoundError("This link does not work (any more): it is unknown, expired or revoked.")
        _, case, counsellor, version = found
        if version is None:
            return DebtorSchedule(case, counsellor, None, None)
        if (cached := _SCHEDULES.get(version.id)) is None:
            await self.session.refresh(version, ["request", "proposal", "varies"])
            cached = _SCHEDULES.put(version.id, (await self._schedule(version),
                                                 await self._earlier_payment_dates(case.id, version)))
        schedule, earlier = cached
        if version.status is not PlanStatus.ACTIVE:
            return DebtorSchedule(case, counsellor, version, schedule, earlier)
        # Via the counsellor the installments are the organisation's payouts: the debtor's to tick are the deposits.
        if schedule.via_counsellor:
            return DebtorSchedule(case, counsellor, version, schedule, earlier,
                                  deposited=await self._deposited(case, version, schedule, grace_bank_days))
        return DebtorSchedule(case, counsellor, version, schedule, earlier,
                              await self._paid(case, schedule, grace_bank_days))

    async def _paid(self, case: Case, schedule: CombinedSchedule, grace_bank_days: int
                    ) -> dict[tuple[dt.date, str], Installment]:
        """What each transfer of the active plan received so far, from the ledger (never cached: it moves)."""
        payments = [Payment(date=d.date, claim_id=x.claim_id, amount_cents=x.amount_cents)
                    for d in schedule.dates for x in d.transfers]
        received = {str(k): v for k, v in (await ledger.balances(self.session, case.id, Account.RECEIVED)).items()}
        found = installments(payments, received, today(), grace_bank_days=grace_bank_days, country=case.country)
        return {(i.date, i.claim_id): i for i in found}

    async def _deposited(self, case: Case, version: PlanVersion, schedule: CombinedSchedule, grace_bank_days: int
                         ) -> dict[dt.date, Installment]:
        """What came in for each deposit of the active plan so far, from the ledger (never cached: it moves)."""
        came_in = (await deposited(self.session, [case.id])).get(case.id, [])
        found = deposit_statuses([(d.date, d.amount_cents) for d in schedule.deposits], came_in, today(),
                                 grace_bank_days=grace_bank_days, country=case.country)
        return {d.date: d for d in found}

    async def _schedule(self, version: PlanVersion) -> CombinedSchedule:
        request = PlanRequest.model_validate(version.request)
        proposal = PlanProposal.model_validate(version.proposal)
        carried = version.carried
        every = [c.id for c in request.claims] + list(carried.claims if carried is not None else {})
        ids = [parsed for c in every if (parsed := _uuid(c)) is not None]
        rows = (await self.session.execute(select(Claim).where(Claim.id.in_(ids)))).scalars()
        payees = {str(c.id): Payee(c.iban, c.payment_reference) for c in rows}
        return combined_schedule(request, proposal, version.claim_owners, payees, carried)

    async def _earlier_payment_dates(self, case_id: uuid.UUID, version: PlanVersion) -> int:
        query = select(PlanVersion.request, PlanVersion.proposal, PlanVersion.varies).where(
            PlanVersion.case_id == case_id, PlanVersion.number < version.number,
            PlanVersion.proposed_at.is_not(None),
        )
        counts = [_payment_dates(*row) for row in (await self.session.execute(query)).all()]
        return max(counts, default=0)


def _payment_dates(request: Mapping[str, Any], proposal: Mapping[str, Any], varies: Mapping[str, Any] | None) -> int:
    """How many dates a version's calendar had: its deposits via the counsellor, else its payment dates (a
    variation's carried ones too)."""
    if request.get("policy", {}).get("payout_day_of_month") is not None:
        carried = len(varies.get("deposits", [])) if varies else 0
        return carried + len(deposits(PlanRequest.model_validate(request), PlanProposal.model_validate(proposal)))
    return len({p.date for p in schedule_of(dict(proposal), dict(varies) if varies else None)})
