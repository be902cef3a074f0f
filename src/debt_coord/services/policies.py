"""Acceptance policies: the terms a creditor publishes once and accepts on every case."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository

from debt_coord.errors import NotFoundError
from debt_coord.models import AcceptancePolicy
from debt_coord.services import audit
from debt_coord.services.actors import Actor
from debt_coord.services.base import Service
from debt_coord.services.cases import require_role


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
        before = audit.snapshot(policy) if policy else None
        if policy is None:
            policy = AcceptancePolicy(organisation_id=actor.organisation_id, **terms)
            self.session.add(policy)
        else:
            for name, value in terms.items():
                setattr(policy, name, value)
        await self.session.flush()
        audit.record(self.session, actor, "policy.published", policy, case_id=None,
                     before=before, after=audit.snapshot(policy))
        return policy

    async def withdraw(self, actor: Actor) -> None:
        policy = await self.own(actor)
        audit.record(self.session, actor, "policy.withdrawn", policy, case_id=None,
                     before=audit.snapshot(policy))
        await self.session.delete(policy)
        await self.session.flush()
