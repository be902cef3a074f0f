"""Reading imported statements: each entry with what it was matched to and what is still unmatched.

An entry's matched cents are those of its matches, except a receipt the counsellor or creditor reversed by
hand (the match was wrong, so its money is unmatched again); a receipt reversed because the bank returned
the payment stays matched: the money did go out, and the return is matched on its own entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from debt_coord.money_in.models import Journal
from debt_coord.money_in.statements.matching import PaidTransfer
from debt_coord.money_in.statements.models import Statement, StatementEntry, StatementMatch


@dataclass(frozen=True)
class MatchView:
    match: StatementMatch
    reversed_by: uuid.UUID | None
    counts: bool
    """False for a receipt reversed by hand."""


@dataclass(frozen=True)
class EntryView:
    entry: StatementEntry
    matches: list[MatchView]

    @property
    def matched_cents(self) -> int:
        return sum(abs(m.match.amount_cents) for m in self.matches if m.counts)

    @property
    def unmatched_cents(self) -> int:
        return abs(self.entry.amount_cents) - self.matched_cents


@dataclass(frozen=True)
class StatementView:
    statement: Statement
    entries: list[EntryView]

    @property
    def matched(self) -> int:
        """Entries matched to the cent."""
        return sum(1 for e in self.entries if e.unmatched_cents == 0)

    @property
    def unmatched(self) -> int:
        """Entries with cents left to match (nothing matched, or not all)."""
        return len(self.entries) - self.matched


async def entry_views(session: AsyncSession, entries: Sequence[StatementEntry]) -> list[EntryView]:
    reversal, by_return = aliased(Journal), aliased(StatementMatch)
    rows = (await session.execute(
        select(StatementMatch, reversal.id, by_return.id)
        .outerjoin(reversal, reversal.reverses_id == StatementMatch.journal_id)
        .outerjoin(by_return, by_return.journal_id == reversal.id)
        .where(StatementMatch.entry_id.in_([e.id for e in entries]))
        .order_by(StatementMatch.created_at, StatementMatch.id)
    )).all()
    found: dict[uuid.UUID, list[MatchView]] = {e.id: [] for e in entries}
    for match, reversed_by, returned in rows:
        counts = reversed_by is None or returned is not None or match.amount_cents < 0
        found[match.entry_id].append(MatchView(match, reversed_by, counts))
    return [EntryView(e, found[e.id]) for e in entries]


async def statement_views(session: AsyncSession, statements: Sequence[Statement]) -> list[StatementView]:
    entries = (await session.execute(
        select(StatementEntry).where(StatementEntry.statement_id.in_([s.id for s in statements]))
        .order_by(StatementEntry.position)
    )).scalars().all()
    views = await entry_views(session, entries)
    return [StatementView(s, [v for v in views if v.entry.statement_id == s.id]) for s in statements]


@dataclass(frozen=True)
class Receipted:
    journal: Journal
    claim_id: uuid.UUID
    amount_cents: int


async def paid_transfers(session: AsyncSession, case_id: uuid.UUID
                         ) -> tuple[list[PaidTransfer], dict[Hashable, list[Receipted]]]:
    """The case's debit transactions matched to receipts not reversed yet (what a returned payment may reverse),
    oldest first, and the receipts of each."""
    reversal = aliased(Journal)
    rows = (await session.execute(
        select(StatementMatch, StatementEntry.transactions, Journal)
        .join(StatementEntry, StatementEntry.id == StatementMatch.entry_id)
        .join(Journal, Journal.id == StatementMatch.journal_id)
        .outerjoin(reversal, reversal.reverses_id == Journal.id)
        .where(StatementEntry.case_id == case_id, StatementMatch.amount_cents > 0, reversal.id.is_(None))
        .order_by(StatementEntry.booked_on, StatementEntry.position, StatementMatch.created_at)
    )).all()
    receipts: dict[Hashable, list[Receipted]] = {}
    details: dict[Hashable, dict[str, object]] = {}
    for match, transactions, journal in rows:
        transfer = (match.entry_id, match.transaction)
        receipts.setdefault(transfer, []).append(Receipted(journal, match.claim_id, match.amount_cents))
        details[transfer] = transactions[match.transaction]
    transfers = []
    for key, found in receipts.items():
        by_claim: dict[str, int] = {}
        for receipt in found:
            by_claim[str(receipt.claim_id)] = by_claim.get(str(receipt.claim_id), 0) + receipt.amount_cents
        tx = details[key]
        transfers.append(PaidTransfer(key, by_claim, _text(tx.get("counterparty_iban")),
                                      _text(tx.get("end_to_end_id"))))
    return transfers, receipts


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
