"""What the providers' signed callbacks report about a sent message: delivered, read, or failed after all.

A message only moves forward (sent -> delivered -> read; failed only before it was delivered): providers send
callbacks more than once and out of order. A callback about a message we do not know changes nothing (the
providers retry on errors, so it is answered as done).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select

from debt_coord.kernel.service import Service
from debt_coord.messages.channels.base import StatusUpdate
from debt_coord.messages.models import Channel, DebtorMessage, MessageStatus

RANK = {MessageStatus.SENDING: 0, MessageStatus.UNCERTAIN: 0, MessageStatus.SENT: 1, MessageStatus.DELIVERED: 2,
        MessageStatus.READ: 3}
"""How far along a message is; a callback never moves it back. A sending or uncertain one that a provider reports
on was sent after all."""
REPORTED = {"delivered": MessageStatus.DELIVERED, "read": MessageStatus.READ, "failed": MessageStatus.FAILED}


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def advance(message: DebtorMessage, update: StatusUpdate) -> bool:
    """Move `message` as `update` reports, if that is forward; whether it moved."""
    wanted = REPORTED.get(update.status)
    now = RANK.get(message.status)
    if wanted is None or now is None:
        return False
    if wanted is MessageStatus.FAILED:
        if now >= RANK[MessageStatus.DELIVERED]:
            return False
        message.status, message.status_reason = wanted, (update.reason or "the provider could not deliver it")[:300]
    else:
        if RANK[wanted] <= now:
            return False
        message.status, message.status_reason = wanted, ""
        message.delivered_at = message.delivered_at or update.at
        if wanted is MessageStatus.READ:
            message.read_at = update.at
    message.sent_at = message.sent_at or update.at
    message.provider_message_id = message.provider_message_id or update.provider_message_id[:200]
    return True


class MessageStatusService(Service[DebtorMessage]):
    class Repo(SQLAlchemyAsyncRepository[DebtorMessage]):
        model_type = DebtorMessage

    repository_type = Repo

    async def _find(self, channel: Channel, update: StatusUpdate) -> DebtorMessage | None:
        found = await self.session.scalar(
            select(DebtorMessage).where(DebtorMessage.channel == channel,
                                        DebtorMessage.provider_message_id == update.provider_message_id)
            .with_for_update())
        ours = _uuid(update.message_id)
        if found is None and ours is not None:
            found = await self.session.scalar(
                select(DebtorMessage).where(DebtorMessage.id == ours, DebtorMessage.channel == channel)
                .with_for_update())
        return found

    async def report(self, channel: Channel, updates: Sequence[StatusUpdate]) -> int:
        """Apply verified callbacks; how many messages moved (unknown ones and steps back change nothing)."""
        moved = 0
        for update in updates:
            message = await self._find(channel, update)
            if message is not None and advance(message, update):
                moved += 1
        await self.uow.commit()
        return moved
