"""Posting journals and reading balances: the only way money moves, and the only way to know where it is."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.kernel.events import Event
from debt_coord.money_in.models import Account, Entry, Journal, JournalKind


class UnbalancedJournalError(Exception):
    """A journal whose entries do not sum to zero: a bug, never a user's mistake."""


@dataclass(frozen=True)
class Line:
    account: Account
    amount_cents: int
    claim_id: uuid.UUID | None = None


async def post(session: AsyncSession, case_id: uuid.UUID, kind: JournalKind, booked_on: dt.date,
               lines: Sequence[Line], *, created_by: str, reference: str = "",
               reverses: Journal | None = None) -> Journal:
    """Write a journal and its entries in the caller's transaction; its lines must sum to zero."""
    if sum(line.amount_cents for line in lines) != 0 or not lines:
        raise UnbalancedJournalError(f"a {kind.value} journal must have entries that sum to zero")
    journal = Journal(case_id=case_id, kind=kind, booked_on=booked_on, reference=reference,
                      reverses_id=reverses.id if reverses else None, created_by=created_by)
    session.add(journal)
    await session.flush()
    session.add_all(Entry(journal_id=journal.id, case_id=case_id, claim_id=line.claim_id, account=line.account,
                          amount_cents=line.amount_cents) for line in lines)
    await session.flush()
    return journal


async def reverse(session: AsyncSession, journal: Journal, booked_on: dt.date, *, created_by: str,
                  reference: str) -> Journal:
    """The correction of a journal: the same entries with the opposite sign, never an update."""
    entries = (await session.execute(select(Entry).where(Entry.journal_id == journal.id))).scalars()
    lines = [Line(e.account, -e.amount_cents, e.claim_id) for e in entries]
    return await post(session, journal.case_id, JournalKind.REVERSAL, booked_on, lines, created_by=created_by,
                      reference=reference, reverses=journal)


async def balances(session: AsyncSession, case_id: uuid.UUID, account: Account) -> dict[uuid.UUID, int]:
    """Per claim of the case, the balance of `account`."""
    rows = (await session.execute(
        select(Entry.claim_id, func.sum(Entry.amount_cents))
        .where(Entry.case_id == case_id, Entry.account == account, Entry.claim_id.is_not(None))
        .group_by(Entry.claim_id)
    )).all()
    return {claim_id: int(total) for claim_id, total in rows if claim_id is not None}


async def case_balance(session: AsyncSession, case_id: uuid.UUID, account: Account) -> int:
    """The case-level balance of `account` (entries without a claim), e.g. what the organisation holds for the case
    in RESERVE."""
    total = await session.scalar(select(func.coalesce(func.sum(Entry.amount_cents), 0)).where(
        Entry.case_id == case_id, Entry.account == account, Entry.claim_id.is_(None)))
    return int(total or 0)


def deposit_lines(amount_cents: int) -> list[Line]:
    """Via the counsellor: the debtor's money reached the organisation's account."""
    return [Line(Account.RESERVE, amount_cents), Line(Account.CONTRIBUTED, -amount_cents)]


def payout_lines(claim_id: uuid.UUID, amount_cents: int) -> list[Line]:
    """Via the counsellor: a payout run's transfer to a claim's creditor, out of the case's reserve."""
    return [Line(Account.RESERVE, -amount_cents), Line(Account.IN_TRANSIT, amount_cents, claim_id)]


def settlement_lines(claim_id: uuid.UUID, amount_cents: int) -> list[Line]:
    """Via the counsellor: the organisation's statement shows the transfer left; the claim received it."""
    return [Line(Account.IN_TRANSIT, -amount_cents, claim_id), Line(Account.CONTRIBUTED, amount_cents),
            *receipt_lines(claim_id, amount_cents)]


async def opened_claims(session: AsyncSession, case_id: uuid.UUID) -> set[uuid.UUID]:
    query = select(Entry.claim_id).join(Journal, Journal.id == Entry.journal_id).where(
        Journal.case_id == case_id, Journal.kind == JournalKind.OPENING, Entry.claim_id.is_not(None))
    return {claim_id for claim_id in (await session.execute(query)).scalars() if claim_id is not None}


async def check_balanced(session: AsyncSession, happened: Event) -> None:
    """The bus's check before every commit that posted a journal (SQLite has no constraint trigger)."""
    total = await session.scalar(select(func.coalesce(func.sum(Entry.amount_cents), 0))
                                 .where(Entry.journal_id == happened.target_id))
    if total != 0:
        raise UnbalancedJournalError(f"ledger journal {happened.target_id} sums to {total}, not zero")


def receipt_lines(claim_id: uuid.UUID, amount_cents: int) -> list[Line]:
    """Money that reached a claim's creditor: its outstanding goes down by what it received."""
    return [Line(Account.OUTSTANDING, -amount_cents, claim_id), Line(Account.RECEIVED, amount_cents, claim_id)]


def opening_lines(owed: Iterable[tuple[uuid.UUID, int]]) -> list[Line]:
    """What each claim is owed when its plan starts, against the case's opening account."""
    lines = [Line(Account.OUTSTANDING, cents, claim_id) for claim_id, cents in owed]
    return [*lines, Line(Account.OPENING, -sum(line.amount_cents for line in lines))]
