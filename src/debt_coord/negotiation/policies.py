"""Acceptance policies: the terms a creditor publishes once and accepts on every case."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.kernel.actors import Actor, require_role
from debt_coord.kernel.errors import NotFoundError
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.service import Service
from debt_coord.kernel.snapshot import snapshot
from debt_coord.negotiation.acceptance import PolicyTerms
from debt_coord.negotiation.models import AcceptancePolicy


def policy_terms(policy: AcceptancePolicy) -> PolicyTerms:
    return PolicyTerms(
        max_term_months=policy.max_term_months,
        min_percentage_bp=policy.min_percentage_bp,
        min_payment_cents=policy.min_payment_cents,
        rules=tuple(policy.rules) if policy.rules is not None else None,
        variation_tolerance_bp=policy.variation_tolerance_bp,
    )


async def published_terms(session: AsyncSession, organisation_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PolicyTerms]:
    """The published policy of each of these organisations that has one."""
    query = select(AcceptancePolicy).where(AcceptancePolicy.organisation_id.in_(set(organisation_ids)))
    return {p.organisation_id: policy_terms(p) for p in (await session.execute(query)).scalars()}


class PolicyService(Service[AcceptancePolicy]):
    class Repo(SQLAlchemyAsyncRepository[AcceptancePolicy]):
        model_type = AcceptancePolicy

    repository_type = Repo

    async def own(self, actor: Actor) -> AcceptancePolicy:
        require_role(actor, actor.is_creditor, "have an acceptance policy")
        policy = await self.get_one_or_none(organisation_id=actor.organisation_id)
        if policy is None:
            raise NotFoundError("Your organisation has not published an acceptance policy.")
        return policy

    async def publish(self, actor: Actor, terms: dict[str, Any]) -> AcceptancePolicy:
        require_role(actor, actor.is_creditor, "publish an acceptance policy")
        policy = await self.get_one_or_none(organisation_id=actor.organisation_id)
        before = snapshot(policy) if policy else None
        if policy is None:
            policy = AcceptancePolicy(organisation_id=actor.organisation_id, **terms)
            self.session.add(policy)
        else:
            for name, value in terms.items():
                setattr(policy, name, value)
        await self.session.flush()
        self.record(event(EventKind.POLICY_PUBLISHED, actor, policy, case_id=None, before=before,
                          after=snapshot(policy)))
        await self.uow.commit()
        return policy

    async def withdraw(self, actor: Actor) -> None:
        policy = await self.own(actor)
        self.record(event(EventKind.POLICY_WITHDRAWN, actor, policy, case_id=None, before=snapshot(policy)))
        await self.session.delete(policy)
        await self.uow.commit()
