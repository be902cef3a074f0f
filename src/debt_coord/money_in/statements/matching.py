"""Matching a statement's entries to the active plan's scheduled transfers. Pure: no database.

A debit transaction pays the claims whose creditor account (IBAN) it went to and whose payment reference
its remittance information names (or the one claim of that account, when that claim has no reference).
What it paid goes to those claims' installments not yet paid, the oldest first, as far as it goes: late
installments always, early ones only when they fall due within `window_days` of the booking. Whatever is
left over stays unmatched, for the counsellor to match by hand.

A credit transaction from a creditor's account is a returned payment when it comes back for a transfer
matched before: the one with its end-to-end id, or else the latest one to that account of the same amount.
Its receipts are reversed. Entries are matched in booking order, so a payment and its return in one file work.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from debt_coord.money_in.statements.parsed import BankEntry, Transaction
from solver.models import Payment


@dataclass(frozen=True)
class Payee:
    """Where a claim is paid: its creditor's account and the payment reference the creditor asked for."""

    claim_id: str
    iban: str
    reference: str


@dataclass(frozen=True)
class PaidTransfer:
    """A debit transaction matched to receipts before: what a returned payment reverses."""

    key: Hashable
    """The caller's handle on its receipts."""
    receipts: Mapping[str, int]
    """Cents per claim."""
    counterparty_iban: str | None
    end_to_end_id: str | None

    @property
    def total_cents(self) -> int:
        return sum(self.receipts.values())


@dataclass(frozen=True)
class Paid:
    transaction: int
    claim_id: str
    amount_cents: int


@dataclass(frozen=True)
class Returned:
    transaction: int
    transfer: PaidTransfer


@dataclass(frozen=True)
class EntryMatch:
    entry: BankEntry
    paid: tuple[Paid, ...] = ()
    returned: tuple[Returned, ...] = ()

    @property
    def matched_cents(self) -> int:
        return sum(p.amount_cents for p in self.paid) + sum(r.transfer.total_cents for r in self.returned)

    @property
    def unmatched_cents(self) -> int:
        return abs(self.entry.amount_cents) - self.matched_cents


def words(text: str) -> str:
    """Upper case, every run of other characters than letters and digits one space: how references compare."""
    return " ".join(re.split(r"[^0-9A-Z]+", text.upper())).strip()


def names(remittance: str, reference: str) -> bool:
    """Whether the remittance information names the reference: as whole words, or written without spaces."""
    wanted = words(reference)
    if not wanted:
        return False
    said = words(remittance)
    if f" {wanted} " in f" {said} ":
        return True
    return " " not in wanted and wanted in said.replace(" ", "")


@dataclass
class Matcher:
    payments: Sequence[Payment]
    payees: Sequence[Payee]
    received: dict[str, int]
    """What each claim received so far; the matcher adds what it matches."""
    paid: list[PaidTransfer]
    window_days: int
    returned: set[Hashable] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.schedule: dict[str, list[Payment]] = {}
        for payment in sorted(self.payments, key=lambda p: (p.date, p.claim_id)):
            self.schedule.setdefault(payment.claim_id, []).append(payment)

    def match(self, entry: BankEntry, key: Callable[[int], Hashable]) -> EntryMatch:
        """Match one entry; `key(i)` names its i-th transaction for the returns of later entries."""
        if entry.debit:
            paid = [p for i, tx in enumerate(entry.transactions) for p in self._pay(i, tx, entry.booked_on, key(i))]
            return EntryMatch(entry, paid=tuple(paid))
        returned = [r for i, tx in enumerate(entry.transactions) if (r := self._return(i, tx)) is not None]
        return EntryMatch(entry, returned=tuple(returned))

    def claims_for(self, tx: Transaction) -> list[str]:
        same_account = [p for p in self.payees if p.iban == tx.counterparty_iban]
        named = [p.claim_id for p in same_account if names(tx.remittance, p.reference)]
        if named:
            return named
        alone = len(same_account) == 1 and not words(same_account[0].reference)
        return [same_account[0].claim_id] if alone else []

    def _pay(self, index: int, tx: Transaction, booked_on: dt.date, key: Hashable) -> list[Paid]:
        horizon = booked_on + dt.timedelta(days=self.window_days)
        due = sorted(self._missing(self.claims_for(tx), horizon))
        left, paid = tx.amount_cents, dict[str, int]()
        for _, _, claim_id, missing in due:
            take = min(missing, left)
            if take <= 0:
                break
            paid[claim_id] = paid.get(claim_id, 0) + take
            left -= take
        for claim_id, cents in paid.items():
            self.received[claim_id] = self.received.get(claim_id, 0) + cents
        if paid:
            self.paid.append(PaidTransfer(key, paid, tx.counterparty_iban, tx.end_to_end_id))
        return [Paid(index, claim_id, cents) for claim_id, cents in paid.items()]

    def _missing(self, claims: Iterable[str], horizon: dt.date) -> Iterable[tuple[dt.date, int, str, int]]:
        """(date, order, claim, cents still missing) of the claims' installments due by `horizon`."""
        for order, claim_id in enumerate(claims):
            left = self.received.get(claim_id, 0)
            for payment in self.schedule.get(claim_id, []):
                got = min(payment.amount_cents, max(0, left))
                left -= got
                if got < payment.amount_cents and payment.date <= horizon:
                    yield payment.date, order, claim_id, payment.amount_cents - got

    def _return(self, index: int, tx: Transaction) -> Returned | None:
        if tx.counterparty_iban is None:
            return None
        open_ = [t for t in reversed(self.paid)
                 if t.key not in self.returned and t.counterparty_iban == tx.counterparty_iban]
        found = next((t for t in open_ if tx.end_to_end_id and t.end_to_end_id == tx.end_to_end_id
                      and t.total_cents <= tx.amount_cents), None)
        if found is None:
            found = next((t for t in open_ if t.total_cents == tx.amount_cents), None)
        if found is None:
            return None
        self.returned.add(found.key)
        for claim_id, cents in found.receipts.items():
            self.received[claim_id] = self.received.get(claim_id, 0) - cents
        return Returned(index, found)
