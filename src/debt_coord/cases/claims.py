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
)
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.idempotency import Answer, Outcome, commit_once
from debt_coord.kernel.snapshot import snapshot

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
        (await self.cases.find_visible(actor, case_id)).require_collecting_claims(today())
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
