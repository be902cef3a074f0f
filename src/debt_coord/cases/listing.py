"""Which cases a list shows: the caller's, filtered as the caller asks, in a stable order with an index behind it.

A counsellor's cases come in the order they were opened (index: organisation, created_at, id), a
creditor's in the order it was invited to them (index on case_participants: organisation,
created_at, id), so either list pages by walking its own index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import false, select

from debt_coord.cases.models import Case, CaseParticipant
from debt_coord.cases.states import CaseState
from debt_coord.kernel.actors import Actor
from debt_coord.kernel.paging import Key, Query
from debt_coord.kernel.search import like_pattern


@dataclass(frozen=True)
class CaseFilter:
    states: frozenset[CaseState] = field(default_factory=frozenset)
    """Any of these states; none given is every state."""
    reference: str | None = None
    """Exactly this case reference."""
    name: str | None = None
    """Part of the debtor's name, case and accents ignored."""
    updated_since: dt.datetime | None = None
    """Changed at or after this moment (UTC)."""


def _filtered(query: Query, wanted: CaseFilter) -> Query:
    if wanted.states:
        query = query.where(Case.state.in_(sorted(wanted.states)))
    if wanted.reference is not None:
        query = query.where(Case.reference == wanted.reference)
    if wanted.name is not None:
        query = query.where(Case.debtor_search.like(like_pattern(wanted.name), escape="\\"))
    if wanted.updated_since is not None:
        query = query.where(Case.updated_at >= wanted.updated_since)
    return query


def visible_cases(actor: Actor, wanted: CaseFilter) -> tuple[Query, Sequence[Key]]:
    """The query of the cases `actor` may see that match `wanted`, and the keys to page it by."""
    if actor.is_counsellor:
        query = select(Case).where(Case.organisation_id == actor.organisation_id)
        return _filtered(query, wanted), (Case.created_at, Case.id)
    if actor.is_creditor:
        query = select(Case).join(CaseParticipant, CaseParticipant.case_id == Case.id).where(
            CaseParticipant.organisation_id == actor.organisation_id)
        return _filtered(query, wanted), (CaseParticipant.created_at, CaseParticipant.id)
    return select(Case).where(false()), (Case.created_at, Case.id)
