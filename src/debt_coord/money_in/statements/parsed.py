"""What a bank statement says, whatever its format: the account, the currency, and the booked entries.

An entry is one booking on the account (a debit: money out; a credit: money in). It holds one transaction,
or several when the bank booked a batch as one entry (camt.053 `TxDtls`), each with its own counterparty,
remittance information and amount.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache

from debt_coord.kernel.validation import normalise_iban


class StatementFormat(StrEnum):
    CAMT053 = "camt.053"
    MT940 = "mt940"


class StatementError(Exception):
    """The file cannot be taken: what is wrong, and where in the file (an XPath or an MT940 tag)."""

    def __init__(self, detail: str, where: str) -> None:
        super().__init__(detail)
        self.detail, self.where = detail, where


@dataclass(frozen=True)
class Transaction:
    amount_cents: int
    """Positive: this transaction's part of its entry."""
    counterparty_iban: str | None
    counterparty_name: str
    remittance: str
    end_to_end_id: str | None


@dataclass(frozen=True)
class BankEntry:
    position: int
    """1 for the file's first booked entry."""
    where: str
    bank_reference: str
    """The bank's own reference of the booking: the key that makes a second import of it a duplicate."""
    booked_on: dt.date
    amount_cents: int
    """Signed: negative for a debit (money out of the account), positive for a credit."""
    transactions: tuple[Transaction, ...]

    @property
    def debit(self) -> bool:
        return self.amount_cents < 0


@dataclass(frozen=True)
class ParsedStatement:
    format: StatementFormat
    message_id: str
    account_iban: str
    account_at: str
    currency: str
    currency_at: str
    """Where the file says its account and its currency, to point at them when they are not the case's."""
    entries: tuple[BankEntry, ...]


NOT_PROVIDED = {"", "NOTPROVIDED", "NONREF"}


def cents(amount: str | Decimal, where: str) -> int:
    """An amount of money as integer cents; more than two decimals is not money but a broken file."""
    try:
        value = Decimal(amount.replace(",", ".") if isinstance(amount, str) else amount)
    except InvalidOperation:
        raise StatementError(f"{amount!r} is not an amount", where) from None
    scaled = value * 100
    if not value.is_finite() or scaled != scaled.to_integral_value():
        raise StatementError(f"{amount} is not an amount in cents", where)
    return int(scaled)


def account_iban(value: str, where: str) -> str:
    try:
        return normalise_iban(value)
    except ValueError as error:
        raise StatementError(f"the statement's account {value!r} is {error}", where) from None


@lru_cache(maxsize=4096)  # a statement names the same few accounts over and over
def counterparty_iban(value: str | None) -> str | None:
    """A counterparty's IBAN in compact form; one that is not valid is kept as written (it matches no creditor)."""
    if not value or not value.strip():
        return None
    try:
        return normalise_iban(value)
    except ValueError:
        return re.sub(r"\s+", "", value).upper()


def id_or_none(value: str | None) -> str | None:
    return None if value is None or value.strip().upper() in NOT_PROVIDED else value.strip()


def derived_reference(booked_on: dt.date, amount_cents: int, transactions: Iterable[Transaction]) -> str:
    """For an entry without a bank reference: one from what it says, the same each time the file is read."""
    text = "|".join([booked_on.isoformat(), str(amount_cents),
                     *(f"{t.counterparty_iban}|{t.remittance}|{t.end_to_end_id}" for t in transactions)])
    return "derived:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def distinct_references(entries: list[BankEntry]) -> tuple[BankEntry, ...]:
    """A reference given twice in one file (a bank's placeholder) gets #2, #3, ... in file order."""
    seen: Counter[str] = Counter()
    distinct = []
    for entry in entries:
        seen[entry.bank_reference] += 1
        count = seen[entry.bank_reference]
        distinct.append(entry if count == 1 else replace(entry, bank_reference=f"{entry.bank_reference}#{count}"))
    return tuple(distinct)
