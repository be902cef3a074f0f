"""Idempotency-Key for writes a creditor's system may retry.

The first answer is stored in the same transaction as the write; a replay returns it. Two
concurrent requests with one key collide on the unique constraint: the loser rolls back and
replays the winner's answer, so there is never a second write.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from debt_coord.kernel.actors import Actor
from debt_coord.kernel.errors import InvalidInputError
from debt_coord.kernel.uow import UnitOfWork


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


Write = Callable[[], Awaitable[tuple[int, dict[str, Any]]]]
Answer = Callable[[Any], tuple[int, dict[str, Any]]]
"""How the caller answers the written row: status and body, stored for replays."""


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _stored(session: AsyncSession, actor: Actor, scope: str, key: str) -> IdempotencyRecord | None:
    query = select(IdempotencyRecord).where(
        IdempotencyRecord.organisation_id == actor.organisation_id,
        IdempotencyRecord.scope == scope,
        IdempotencyRecord.key == key,
    )
    result: IdempotencyRecord | None = (await session.execute(query)).scalar_one_or_none()
    return result


def _replay(record: IdempotencyRecord, fingerprint: str) -> Outcome:
    if record.request_hash != fingerprint:
        raise InvalidInputError(
            "This Idempotency-Key was already used for a different request. "
            "Use a new key for a new request."
        )
    return Outcome(record.status_code, record.response_body, replayed=True)


async def commit_once(
    uow: UnitOfWork, actor: Actor, scope: str, key: str | None, payload: Any, write: Write
) -> Outcome:
    """Run `write` and commit, unless this key already has an answer: then replay that."""
    session = uow.session
    if key is None:
        status, body = await write()
        await uow.commit()
        return Outcome(status, body)
    fingerprint = request_hash(payload)
    if (existing := await _stored(session, actor, scope, key)) is not None:
        return _replay(existing, fingerprint)
    status, body = await write()
    session.add(IdempotencyRecord(
        organisation_id=actor.organisation_id, scope=scope, key=key,
        request_hash=fingerprint, status_code=status, response_body=body,
    ))
    try:
        await uow.commit()
    except IntegrityError:
        await uow.rollback()
        if (winner := await _stored(session, actor, scope, key)) is None:
            raise
        return _replay(winner, fingerprint)
    return Outcome(status, body)


class IdempotencyRecord(UUIDv7AuditBase):
    """The first answer to a write sent with an Idempotency-Key, replayed for retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("organisation_id", "scope", "key"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any]] = mapped_column(JSON)
