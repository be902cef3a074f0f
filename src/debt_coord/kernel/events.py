"""Domain events: what a use case changed, recorded in its transaction and handled where bootstrap says.

A use case records events on its unit of work; at commit the bus runs the handlers that write in
the same transaction (the audit trail, the webhook outbox), then, once committed, those that act
outside it (sending a queued job to a worker). No use case calls a side effect by hand.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.kernel.actors import Actor


class EventKind(StrEnum):
    CASE_OPENED = "case.opened"
    CREDITOR_INVITED = "creditor.invited"
    INCOME_REPLACED = "income.replaced"
    CASE_COMPLETED = "case.completed"
    CASE_FAILED = "case.failed"
    CASE_WITHDRAWN = "case.withdrawn"
    PAYMENT_ROUTE_CHOSEN = "case.payment_route_chosen"
    CLAIM_REGISTERED = "claim.registered"
    CLAIM_CORRECTED = "claim.corrected"
    CLAIM_WITHDRAWN = "claim.withdrawn"
    PLAN_REQUESTED = "plan.requested"
    PLAN_CREATED = "plan.created"
    PLAN_SUPERSEDED = "plan.superseded"
    PLAN_PROPOSED = "plan.proposed"
    PLAN_ACTIVATED = "plan.activated"
    CREDITORS_REMINDED = "plan.reminded"
    DEADLINE_REMINDED = "plan.deadline_reminder"
    DECISION_RECORDED = "decision.recorded"
    DECISION_REOPENED = "decision.reopened"
    POLICY_PUBLISHED = "policy.published"
    POLICY_WITHDRAWN = "policy.withdrawn"
    WEBHOOK_REGISTERED = "webhook.registered"
    WEBHOOK_DELETED = "webhook.deleted"
    DEBTOR_LINK_CREATED = "debtor_link.created"
    DEBTOR_LINK_REVOKED = "debtor_link.revoked"
    CREDITOR_LINK_CREATED = "creditor_link.created"
    CREDITOR_LINK_REVOKED = "creditor_link.revoked"
    RECEIPT_RECORDED = "receipt.recorded"
    RECEIPT_REVERSED = "receipt.reversed"
    LEDGER_POSTED = "ledger.posted"
    STATEMENT_IMPORTED = "statement.imported"
    PLAN_ARREARS = "plan.arrears"
    CLAIMS_DISCHARGED = "claims.discharged"
    PLAN_COMPLETED = "plan.completed"
    MESSAGE_CONTACT_RECORDED = "message.contact_recorded"
    MESSAGE_OPTED_OUT = "message.opted_out"
    MESSAGE_PREFERENCES_CHANGED = "message.preferences_changed"
    MESSAGE_WRITTEN = "message.written"
    PAYOUT_RUN_CREATED = "payout_run.created"
    PAYOUT_TRANSFERRED = "payout.transferred"
    PAYOUT_SETTLED = "payout.settled"
    PAYOUT_RETURNED = "payout.returned"
    DEPOSIT_RECORDED = "deposit.recorded"
    ACCOUNT_STATEMENT_IMPORTED = "account_statement.imported"
    JOB_QUEUED = "job.queued"


class Row(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


@dataclass(frozen=True, kw_only=True)
class Event:
    kind: EventKind
    actor: Actor
    case_id: uuid.UUID | None
    target_type: str
    target_id: uuid.UUID
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    told: frozenset[uuid.UUID] = frozenset()
    """Organisations whose systems are told of it (webhooks)."""
    message: Mapping[str, Any] = field(default_factory=dict)
    """What they are told."""


def event(kind: EventKind, actor: Actor, target: Row, *, case_id: uuid.UUID | None,
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
          told: Iterable[uuid.UUID] = (), message: Mapping[str, Any] | None = None) -> Event:
    """An event about `target`, a row that has its id (flushed)."""
    return Event(kind=kind, actor=actor, case_id=case_id, target_type=type(target).__name__, target_id=target.id,
                 before=before, after=after, told=frozenset(told), message=message or {})


Handler = Callable[[AsyncSession, Event], Awaitable[None]]
"""Runs inside the transaction, before the commit: may add rows, must not commit."""
AfterCommit = Callable[[Event], None]
"""Runs once the transaction is committed; must not raise (what it starts is recovered from rows)."""


@dataclass(frozen=True)
class MessageBus:
    in_transaction: Mapping[EventKind, Sequence[Handler]] = field(default_factory=dict)
    after_commit: Mapping[EventKind, Sequence[AfterCommit]] = field(default_factory=dict)

    async def publish(self, session: AsyncSession, events: Sequence[Event]) -> None:
        for happened in events:
            for handler in self.in_transaction.get(happened.kind, ()):
                await handler(session, happened)

    def committed(self, events: Sequence[Event]) -> None:
        for happened in events:
            for handler in self.after_commit.get(happened.kind, ()):
                handler(happened)
