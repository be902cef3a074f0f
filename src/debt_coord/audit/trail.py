"""The audit trail: one append-only row per domain event, written in the event's own transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.audit.models import AuditEvent
from debt_coord.kernel.events import Event
from debt_coord.kernel.paging import Page, PageRequest, fetch_page


async def write_audit(session: AsyncSession, happened: Event) -> None:
    """The bus's handler for every audited event: who, what, when, before and after."""
    actor = happened.actor
    session.add(AuditEvent(
        case_id=happened.case_id, organisation_id=actor.organisation_id, api_key_id=actor.api_key_id,
        actor=actor.name, action=happened.kind.value, target_type=happened.target_type,
        target_id=str(happened.target_id), before=happened.before, after=happened.after,
    ))


@dataclass(frozen=True)
class TrailFilter:
    since: dt.datetime | None = None
    """At or after this moment (UTC)."""
    until: dt.datetime | None = None
    """Before this moment (UTC)."""
    actions: frozenset[str] = field(default_factory=frozenset)
    """Any of these kinds of event (`case.opened`, ...); none given is every kind."""


async def case_trail(session: AsyncSession, case_id: uuid.UUID, wanted: TrailFilter, page: PageRequest
                     ) -> Page[AuditEvent]:
    """A page of the case's trail, oldest first."""
    query = select(AuditEvent).where(AuditEvent.case_id == case_id)
    if wanted.since is not None:
        query = query.where(AuditEvent.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEvent.at < wanted.until)
    if wanted.actions:
        query = query.where(AuditEvent.action.in_(sorted(wanted.actions)))
    return await fetch_page(session, query, (AuditEvent.at, AuditEvent.id), page)
