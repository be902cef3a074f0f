"""Claims: creditors register and correct their own while the case collects claims."""

from __future__ import annotations

import uuid
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select

from debt_coord.cases.models import Claim
from debt_coord.cases.service import CaseScopedService
from debt_coord.kernel.actors import Actor, require_role
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import (
    FieldError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
    Refusal,
)
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.idempotency import Answer, Outcome, commit_once
from debt_coord.kernel.paging import Page, PageRequest, fetch_page
from debt_coord.kernel.snapshot import snapshot
from solver.models import ClaimIn
from solver.money import format_money

AMOUNTS = ("principal_cents", "interest_cents", "costs_cents")


def ensure_owes_something(amounts: dict[str, Any], sent: set[str]) -> None:
    """A claim must owe something: refuse principal, interest and costs all zero, pointing at what was sent."""
    if sum(amounts.get(name) or 0 for name in AMOUNTS) > 0:
        return
    pointers = [name for name in AMOUNTS if name in sent] or ["principal_cents"]
    raise InvalidInputError(
        "A claim must owe something: principal, interest and costs are all zero.",
        [FieldError(f"/{name}", "principal, interest and costs are all zero") for name in pointers],
        code=Refusal.CLAIM_OWES_NOTHING,
    )


def engine_limit_cents() -> int:
    """The most one claim may owe in total: what the planning engine takes as a claim's outstanding amount."""
    return next(int(m.le) for m in ClaimIn.model_fields["outstanding_cents"].metadata if getattr(m, "le", None))


def ensure_within_engine_limit(amounts: dict[str, Any], sent: set[str]) -> None:
    """Principal, interest and costs together within what a plan can be made for, pointing at what was sent."""
    total, limit = sum(amounts.get(name) or 0 for name in AMOUNTS), engine_limit_cents()
    if total <= limit:
        return
    pointers = [name for name in AMOUNTS if name in sent] or ["principal_cents"]
    detail = (f"Principal, interest and costs together may be at most {format_money(limit)} ({limit} cents): "
              f"a plan cannot be made for more. These add up to {format_money(total)}.")
    raise InvalidInputError(detail, [FieldError(f"/{name}", f"together at most {limit} cents") for name in pointers],
                            code=Refusal.CLAIM_OVER_LIMIT, facts={"limit_cents": limit, "total_cents": total})


class ClaimService(CaseScopedService[Claim]):
    class Repo(SQLAlchemyAsyncRepository[Claim]):
        model_type = Claim

    repository_type = Repo


    async def register(self, actor: Actor, case_id: uuid.UUID, data: dict[str, Any]) -> Claim:
        claim = await self._register(actor, case_id, data)
        await self.uow.commit()
        return claim

    async def _register(self, actor: Actor, case_id: uuid.UUID, data: dict[str, Any]) -> Claim:
        case = await self.cases.find_visible(actor, case_id)
        require_role(actor, actor.is_creditor, "register a claim")
        case.require_collecting_claims(today())
        ensure_owes_something(data, set(AMOUNTS))
        ensure_within_engine_limit(data, set(AMOUNTS))
        if data.get("balance_date") is None:
            data = {**data, "balance_date": case.reference_date}
        claim = await self.create(Claim(case_id=case.id, organisation_id=actor.organisation_id, **data))
        self.record(event(EventKind.CLAIM_REGISTERED, actor, claim, case_id=case.id, after=snapshot(claim)))
        return claim

    async def register_once(
        self, actor: Actor, case_id: uuid.UUID, data: dict[str, Any], key: str | None, answer: Answer
    ) -> Outcome:
        """Register and commit, unless this Idempotency-Key already has an answer: then that answer, unwritten."""

        async def write() -> tuple[int, dict[str, Any]]:
            return answer(await self._register(actor, case_id, data))

        return await commit_once(self.uow, actor, f"registerClaim:{case_id}", key, data, write)

    async def visible_claims(self, actor: Actor, case_id: uuid.UUID, page: PageRequest) -> Page[Claim]:
        """A page of the case's claims in the order registered: all for the counsellor, a creditor's own for it."""
        case = await self.cases.find_visible(actor, case_id)
        query = select(Claim).where(Claim.case_id == case.id)
        if not actor.is_counsellor:
            query = query.where(Claim.organisation_id == actor.organisation_id)
        return await fetch_page(self.session, query, (Claim.created_at, Claim.id), page)

    async def find_visible(self, actor: Actor, case_id: uuid.UUID, claim_id: uuid.UUID) -> Claim:
        case = await self.cases.find_visible(actor, case_id)
        claim = await self.get_one_or_none(id=claim_id, case_id=case.id)
        if claim is None or not (actor.is_counsellor or claim.organisation_id == actor.organisation_id):
            raise NotFoundError(f"No claim {claim_id} on this case.")
        return claim

    async def _own_changeable(
        self, actor: Actor, case_id: uuid.UUID, claim_id: uuid.UUID, expected_version: int | None, action: str
    ) -> Claim:
        claim = await self.find_visible(actor, case_id, claim_id)
        require_role(actor, actor.is_creditor, action)
        (await self.cases.find_visible(actor, case_id)).require_collecting_claims(today())
        if expected_version is None:  # optimistic concurrency: a change names the version it was made on
            raise PreconditionRequiredError(
                f"To {action}, send If-Match with the ETag you last read of it (GET the claim): "
                "then no change made meanwhile is overwritten unseen.", code=Refusal.CLAIM_VERSION_REQUIRED,
            )
        if expected_version != claim.version:
            raise PreconditionFailedError(
                f"The claim is at version {claim.version}, not {expected_version}: fetch it again.",
                code=Refusal.CLAIM_VERSION_CHANGED, facts={"version": claim.version, "sent": expected_version},
            )
        return claim

    async def correct(
        self, actor: Actor, case_id: uuid.UUID, claim_id: uuid.UUID, changes: dict[str, Any],
        expected_version: int | None,
    ) -> Claim:
        claim = await self._own_changeable(actor, case_id, claim_id, expected_version, "change a claim")
        amounts = {name: changes.get(name, getattr(claim, name)) for name in AMOUNTS}
        ensure_owes_something(amounts, set(changes))
        ensure_within_engine_limit(amounts, set(changes))
        before = snapshot(claim)
        for name, value in changes.items():
            setattr(claim, name, value)
        await self.session.flush()
        self.record(event(EventKind.CLAIM_CORRECTED, actor, claim, case_id=claim.case_id,
                          before=before, after=snapshot(claim)))
        await self.uow.commit()
        return claim

    async def withdraw(
        self, actor: Actor, case_id: uuid.UUID, claim_id: uuid.UUID, expected_version: int | None
    ) -> None:
        claim = await self._own_changeable(actor, case_id, claim_id, expected_version, "withdraw a claim")
        self.record(event(EventKind.CLAIM_WITHDRAWN, actor, claim, case_id=claim.case_id, before=snapshot(claim)))
        await self.session.delete(claim)
        await self.uow.commit()
