"""Claims: creditors register and correct their own while the case collects claims."""

from __future__ import annotations

import uuid
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select

from debt_coord.domain.clock import today
from debt_coord.errors import (
    ConflictError,
    FieldError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
)
from debt_coord.models import Case, CaseState, Claim
from debt_coord.services import audit
from debt_coord.services.actors import Actor
from debt_coord.services.cases import CaseScopedService, require_role

AMOUNTS = ("principal_cents", "interest_cents", "costs_cents")


def ensure_owes_something(amounts: dict[str, Any], sent: set[str]) -> None:
    """A claim must owe something: refuse principal, interest and costs all zero, pointing at what was sent."""
    if sum(amounts.get(name) or 0 for name in AMOUNTS) > 0:
        return
    pointers = [name for name in AMOUNTS if name in sent] or ["principal_cents"]
    raise InvalidInputError(
        "A claim must owe something: principal, interest and costs are all zero.",
        [FieldError(f"/{name}", "principal, interest and costs are all zero") for name in pointers],
    )


def ensure_collecting(case: Case) -> None:
    if case.state is not CaseState.COLLECTING:
        raise ConflictError(
            f"The case is {case.state.value}, no longer collecting claims: claims cannot change now."
        )
    if case.claims_deadline is not None and today() > case.claims_deadline:
        raise ConflictError(
            f"The deadline for claims on this case was {case.claims_deadline.isoformat()}."
        )


class ClaimService(CaseScopedService[Claim]):
    class Repo(SQLAlchemyAsyncRepository[Claim]):
        model_type = Claim

    repository_type = Repo


    async def register(self, actor: Actor, case_id: uuid.UUID, data: dict[str, Any]) -> Claim:
        case = await self.cases.find_visible(actor, case_id)
        require_role(actor, actor.is_creditor, "register a claim")
        ensure_collecting(case)
        ensure_owes_something(data, set(AMOUNTS))
        if data.get("balance_date") is None:
            data = {**data, "balance_date": case.reference_date}
        claim = await self.create(Claim(case_id=case.id, organisation_id=actor.organisation_id, **data))
        audit.record(self.session, actor, "claim.registered", claim, case_id=case.id,
                     after=audit.snapshot(claim))
        return claim

    async def visible_claims(self, actor: Actor, case_id: uuid.UUID) -> list[Claim]:
        case = await self.cases.find_visible(actor, case_id)
        query = select(Claim).where(Claim.case_id == case.id).order_by(Claim.created_at, Claim.id)
        if not actor.is_counsellor:
            query = query.where(Claim.organisation_id == actor.organisation_id)
        return list((await self.session.execute(query)).scalars())

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
        ensure_collecting(await self.cases.find_visible(actor, case_id))
        if expected_version is not None and expected_version != claim.version:
            raise PreconditionFailedError(
                f"The claim is at version {claim.version}, not {expected_version}: fetch it again."
            )
        return claim

    async def correct(
        self, actor: Actor, case_id: uuid.UUID, claim_id: uuid.UUID, changes: dict[str, Any],
        expected_version: int | None,
    ) -> Claim:
        claim = await self._own_changeable(actor, case_id, claim_id, expected_version, "change a claim")
        ensure_owes_something({name: changes.get(name, getattr(claim, name)) for name in AMOUNTS}, set(changes))
        before = audit.snapshot(claim)
        for name, value in changes.items():
            setattr(claim, name, value)
        await self.session.flush()
        audit.record(self.session, actor, "claim.corrected", claim, case_id=claim.case_id,
                     before=before, after=audit.snapshot(claim))
        return claim

    async def withdraw(
        self, actor: Actor, case_id: uuid.UUID, claim_id: uuid.UUID, expected_version: int | None
    ) -> None:
        claim = await self._own_changeable(actor, case_id, claim_id, expected_version, "withdraw a claim")
        audit.record(self.session, actor, "claim.withdrawn", claim, case_id=claim.case_id,
                     before=audit.snapshot(claim))
        await self.session.delete(claim)
        await self.session.flush()
