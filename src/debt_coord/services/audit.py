"""Audit events, written in the caller's transaction so they commit or roll back with the change."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.models import AuditEvent
from debt_coord.services.actors import Actor

_NOT_AUDITED = {"sa_orm_sentinel", "created_at", "updated_at"}


def json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def snapshot(model: Any) -> dict[str, Any]:
    """The model's column values as JSON-safe data."""
    columns = inspect(model).mapper.column_attrs
    return {
        attr.key: json_value(getattr(model, attr.key))
        for attr in columns
        if attr.key not in _NOT_AUDITED
    }


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    target: Any,
    *,
    case_id: uuid.UUID | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(AuditEvent(
        case_id=case_id,
        organisation_id=actor.organisation_id,
        api_key_id=actor.api_key_id,
        actor=actor.name,
        action=action,
        target_type=type(target).__name__,
        target_id=str(target.id),
        before=before,
        after=after,
    ))
