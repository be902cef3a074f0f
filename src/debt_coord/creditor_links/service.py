"""Creditor links: a small creditor (a landlord, a gym, a dentist) answers a proposal without an integration.

The counsellor makes a link per creditor organisation per plan version, designed as the debtor's
links are (`debtor/service.py`): a long random token, stored only as its SHA-256 (the API keys'
helper), that expires and can be revoked. The token opens that creditor's own allocation on that
version and nothing else; a decision made with it is the negotiation service's decision, as that
creditor, so the audit trail, the webhooks, the versions and the 409 on a superseded version are
those of the API.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select

from debt_coord.creditor_links.models import CreditorLink
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, NotFoundError, Refusal
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.paging import Page, PageRequest, fetch_page
from debt_coord.kernel.service import Service
from debt_coord.negotiation.models import Answer, Decision
from debt_coord.negotiation.service import NegotiationService
from debt_coord.organisations.models import Organisation
from debt_coord.organisations.service import hash_key
from debt_coord.planning.allocations import CreditorAllocation
from debt_coord.planning.models import PlanStatus
from debt_coord.planning.service import LoadedPlan, PlanService
from solver.models import Payment

TOKEN_PREFIX = "crl_"
DEFAULT_VALID_DAYS = 30
MAX_VALID_DAYS = 366
DEAD_LINK = "This link does not work (any more): it is unknown, expired or revoked."


@dataclass(frozen=True)
class IssuedLink:
    link: CreditorLink
    token: str
    """Shown once, when the link is made; only its hash is stored."""


@dataclass(frozen=True)
class CreditorView:
    """What a creditor link opens: its version, the creditor's own part, everyone's totals, its current answer."""

    link: CreditorLink
    loaded: LoadedPlan
    creditor: Organisation
    counsellor: Organisation
    decision: Decision | None
    answerable: bool
    """The version is still the case's current proposal on an open case: the creditor can answer it."""
    newer: bool
    """A later version of the plan exists: this one was replaced."""

    @property
    def actor(self) -> Actor:
        return link_actor(self.link, self.creditor)

    @property
    def lines(self) -> list[CreditorAllocation]:
        return self.loaded.lines

    @property
    def own(self) -> CreditorAllocation:
        mine = str(self.link.organisation_id)
        return next(line for line in self.lines if line.organisation_id == mine)

    @property
    def payments(self) -> list[Payment]:
        claims = set(self.own.claim_ids)
        return [p for p in self.loaded.proposal.payments if p.claim_id in claims]


def link_actor(link: CreditorLink, creditor: Organisation) -> Actor:
    """The creditor, acting through its link (the audit trail names the link as the way it acted)."""
    return Actor(link.organisation_id, Role.CREDITOR, f"{creditor.name} (creditor link)"[:200])


def is_live(link: CreditorLink, now: dt.datetime) -> bool:
    return link.revoked_at is None and link.expires_at > now


class CreditorLinkService(Service[CreditorLink]):
    class Repo(SQLAlchemyAsyncRepository[CreditorLink]):
        model_type = CreditorLink

    repository_type = Repo

    @property
    def plans(self) -> PlanService:
        return PlanService(self.uow)

    # --- the counsellor's side ----------------------------------------------------------

    async def issue(self, actor: Actor, plan_id: uuid.UUID, organisation_id: uuid.UUID,
                    valid_days: int = DEFAULT_VALID_DAYS) -> IssuedLink:
        loaded = await self.plans.find_own(actor, plan_id, "make a creditor link")
        loaded.case.require_open("make a creditor link")
        if loaded.version.status is not PlanStatus.PROPOSED:
            raise ConflictError(f"A creditor link is made for a proposed version; version {loaded.version.number} "
                                f"is {loaded.version.status.value}.", code=Refusal.CREDITOR_LINK_NOT_PROPOSED,
                                facts={"number": loaded.version.number, "status": loaded.version.status.value})
        if organisation_id not in loaded.creditor_ids:
            raise InvalidInputError("That organisation has no claim in this plan.",
                                    [FieldError("/organisation_id", "not a creditor in this plan")],
                                    code=Refusal.NOT_A_CREDITOR_IN_PLAN)
        issued = await self.make(actor, loaded, organisation_id, valid_days)
        await self.uow.commit()
        return issued

    async def make(self, actor: Actor, loaded: LoadedPlan, organisation_id: uuid.UUID, valid_days: int) -> IssuedLink:
        """A new link and its event, not committed (the caller checked the version and the creditor)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        link = CreditorLink(plan_version_id=loaded.version.id, organisation_id=organisation_id,
                            token_hash=hash_key(token), created_by=actor.name,
                            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=valid_days))
        self.session.add(link)
        await self.session.flush()
        self.record(event(EventKind.CREDITOR_LINK_CREATED, actor, link, case_id=loaded.case.id,
                          after={"plan_id": str(loaded.version.id), "organisation_id": str(organisation_id),
                                 "expires_at": link.expires_at.isoformat(), "created_by": link.created_by}))
        return IssuedLink(link, token)

    async def links(self, actor: Actor, plan_id: uuid.UUID, page: PageRequest) -> Page[CreditorLink]:
        loaded = await self.plans.find_own(actor, plan_id, "list creditor links")
        query = select(CreditorLink).where(CreditorLink.plan_version_id == loaded.version.id)
        return await fetch_page(self.session, query, (CreditorLink.created_at, CreditorLink.id), page)

    async def revoke(self, actor: Actor, plan_id: uuid.UUID, link_id: uuid.UUID) -> CreditorLink:
        """Revoke at once; revoking a revoked link changes nothing. Allowed on any version and closed cases."""
        loaded = await self.plans.find_own(actor, plan_id, "revoke a creditor link")
        link = await self.get_one_or_none(id=link_id, plan_version_id=loaded.version.id)
        if link is None:
            raise NotFoundError(f"No creditor link {link_id}.")
        if link.revoked_at is None:
            link.revoked_at = dt.datetime.now(dt.UTC)
            await self.session.flush()
            self.record(event(EventKind.CREDITOR_LINK_REVOKED, actor, link, case_id=loaded.case.id,
                              before={"revoked_at": None}, after={"revoked_at": link.revoked_at.isoformat()}))
            await self.uow.commit()
        return link

    # --- the creditor's side ------------------------------------------------------------

    async def open(self, token: str) -> CreditorView:
        """The version behind a live link, as its creditor sees it. Unknown, expired and revoked links are one and
        the same NotFound; the plan is found as that creditor would find it through the API."""
        link = (await self.session.execute(
            select(CreditorLink).where(CreditorLink.token_hash == hash_key(token))
        )).scalar_one_or_none()
        if link is None or not is_live(link, dt.datetime.now(dt.UTC)):
            raise NotFoundError(DEAD_LINK)
        creditor = await self.session.get(Organisation, link.organisation_id)
        if creditor is None:
            raise NotFoundError(DEAD_LINK)
        loaded = await self.plans.find_visible(link_actor(link, creditor), link.plan_version_id)
        counsellor = await self.session.get(Organisation, loaded.case.organisation_id)
        assert counsellor is not None
        decision = (await self.session.execute(select(Decision).where(
            Decision.plan_version_id == loaded.version.id, Decision.organisation_id == link.organisation_id,
        ))).scalar_one_or_none()
        current = await self.plans.current_version(loaded.case.id)
        newer = current is not None and current.number > loaded.version.number
        answerable = not newer and loaded.version.status is PlanStatus.PROPOSED and not loaded.case.closed
        return CreditorView(link, loaded, creditor, counsellor, decision, answerable, newer)

    async def decide(self, token: str, number: int, answer: Answer) -> tuple[Decision, bool]:
        """The creditor's answer on the link's version `number`, through the negotiation service as that creditor.

        A form that names another version than its link's is refused like an unknown link: a token decides on its
        own version only."""
        view = await self.open(token)
        if number != view.loaded.version.number:
            raise NotFoundError(DEAD_LINK)
        return await NegotiationService(self.uow).decide(view.actor, view.loaded.version.id, number, answer)
