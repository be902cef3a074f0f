"""The audit trail: one append-only row per domain event, written in the event's own transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.audit.models import AuditEvent
from debt_coord.kernel.events import Event


async def write_audit(session: AsyncSession, happened: Event) -> None:
    """The bus's handler for every audited event: who, what, when, before and after."""
    actor = happened.actor
    session.add(AuditEvent(
        case_id=happened.case_id, organisation_id=actor.organisation_id, api_key_id=actor.api_key_id,
        actor=actor.name, action=happened.kind.value, target_type=happened.target_type,
        target_id=str(happened.target_id), before=happened.before, after=happened.after,
    ))


async def case_trail(session: AsyncSession, case_id: uuid.UUID) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.at, AuditEvent.id)
    return list((await session.execute(query)).scalars())
