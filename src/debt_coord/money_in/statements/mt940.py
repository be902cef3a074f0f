"""SWIFT MT940 statements, as Dutch banks export them, read with the `mt-940` package.

The package reads the tags (:20:, :25:, :28C:, :60F:, :61:, :86:); the Dutch banks' structured :86: (the
subfields /EREF/, /CNTP/iban/bic/name/city/, /REMI/, /RTRN/, ... of ING and Rabobank, /IBAN/, /NAME/ of ABN
AMRO) is split here. The body is handed to the package as a stream, never as a str: given a str that names an
existing file, `mt940.parse` would read that file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import mt940

from debt_coord.kernel.validation import normalise_iban
from debt_coord.money_in.statements.parsed import (
    BankEntry,
    ParsedStatement,
    StatementError,
    StatementFormat,
    Transaction,
    account_iban,
    cents,
    counterparty_iban,
    derived_reference,
    distinct_references,
    id_or_none,
)

OPTIONS = mt940.Options(reversal_sign=True, case_insensitive_marks=True, strip_bom=True, unbounded_details=True)
SUBFIELDS = ("EREF", "CNTP", "REMI", "RTRN", "MARF", "CSID", "PREF", "BENM", "ORDP", "ULTC", "ULTD", "PURP",
             "IREF", "TRCD", "ISDT", "OCMT", "ATTN", "TRTP", "IBAN", "BIC", "NAME", "ADDR", "BUSP", "SVCL")
SUBFIELD = re.compile(r"/(" + "|".join(SUBFIELDS) + r")/")
IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b")


def decode(body: bytes, charset: str | None) -> str:
    for encoding in (charset, "utf-8-sig"):
        if encoding:
            try:
                return body.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
    return body.decode("latin-1")  # every byte is a character: what remains is for the tags to judge


def parse_mt940(body: bytes, charset: str | None = None) -> ParsedStatement:
    text = decode(body, charset)
    if "\x00" in text:  # no bank writes one, and no database column would take it
        line = text[:text.index("\x00")].count("\n") + 1
        raise StatementError("the file holds a NUL character", f"line {line}")
    try:
        blocks = mt940.parse_statements(io.StringIO(text), options=OPTIONS)
    except Exception as error:  # the package raises RuntimeError, ValueError, ... on a line it cannot read
        raise StatementError(f"not an MT940 statement that can be read: {error.args[0] if error.args else error}",
                             "/") from None
    if not blocks:
        raise StatementError("not an MT940 statement: it has no :20: tag", "/:20:")
    ids, ibans, currencies = [], set(), set()
    entries: list[BankEntry] = []
    for number, block in enumerate(blocks, start=1):
        ids.append(_statement_id(block.data, number))
        ibans.add(_account(block.data.get("account_identification"), number))
        currencies.add(_currency(block.data, number))
        for transaction in block:
            entries.append(_entry(transaction.data, len(entries) + 1))
    if len(ibans) != 1 or len(currencies) != 1:
        raise StatementError("the file holds statements of several accounts or currencies", "/:25:")
    message_id = ids[0] if len(ids) == 1 else f"{ids[0]}..{ids[-1]}"
    return ParsedStatement(StatementFormat.MT940, message_id, ibans.pop(), "/:25:", currencies.pop(), "/:60F:",
                           distinct_references(entries))


def _statement_id(data: dict[str, Any], number: int) -> str:
    reference, statement = data.get("transaction_reference"), data.get("statement_number")
    if not reference or not statement:
        raise StatementError("a statement needs its reference (:20:) and its number (:28C:)", f"/:28C:[{number}]")
    sequence = data.get("sequence_number")
    return f"{reference}/{statement}" + (f"/{sequence}" if sequence else "")


def _account(identification: str | None, number: int) -> str:
    """:25: is the IBAN, perhaps with the currency after it (NL69INGB0123456789EUR) or a BIC before it."""
    at = f"/:25:[{number}]" if number > 1 else "/:25:"
    for part in re.split(r"[/\s]+", identification or ""):
        for candidate in (part, part[:-3]) if part[-3:].isalpha() else (part,):
            try:
                return account_iban(candidate, at)
            except StatementError:
                continue
    raise StatementError(f"the account {identification!r} (:25:) is not an IBAN", at)


def _currency(data: dict[str, Any], number: int) -> str:
    balance = data.get("final_opening_balance") or data.get("intermediate_opening_balance")
    if balance is None:
        raise StatementError("a statement needs its opening balance (:60F: or :60M:)", f"/:60F:[{number}]")
    return str(balance.amount.currency)


def _entry(data: dict[str, Any], position: int) -> BankEntry:
    at = f"/:61:[{position}]"
    magnitude = abs(cents(data["amount"].amount, at))
    amount = -magnitude if str(data.get("status", "")).upper() in ("D", "RC") else magnitude
    day = data.get("entry_date") or data["date"]
    booked = dt.date(day.year, day.month, day.day)
    fields = _subfields(data.get("transaction_details") or "")
    transaction = Transaction(magnitude, *_counterparty(fields), _remittance(fields), id_or_none(fields.get("EREF")))
    reference = (id_or_none(data.get("bank_reference"))
                 or id_or_none(data.get("customer_reference") if data.get("customer_reference") != "EREF" else None)
                 or derived_reference(booked, amount, [transaction]))
    return BankEntry(position, at, reference, booked, amount, (transaction,))


def _subfields(details: str) -> dict[str, str]:
    """The structured :86: as {subfield: value}; free text as {"": text}."""
    text = "".join(details.splitlines())
    found = list(SUBFIELD.finditer(text))
    if not found:
        return {"": " ".join(details.split())}
    fields: dict[str, str] = {}
    for here, after in zip(found, [*found[1:], None], strict=True):
        fields.setdefault(here.group(1), text[here.end():after.start() if after else len(text)].strip("/ "))
    return fields


def _counterparty(fields: dict[str, str]) -> tuple[str | None, str]:
    if "CNTP" in fields:
        parts = [*fields["CNTP"].split("/"), "", "", ""]
        return counterparty_iban(parts[0]), parts[2]
    if "IBAN" in fields:
        return counterparty_iban(fields["IBAN"]), fields.get("NAME", "")
    for candidate in IBAN_LIKE.findall(fields.get("", "")):
        try:
            return normalise_iban(candidate), ""
        except ValueError:
            continue
    return None, ""


def _remittance(fields: dict[str, str]) -> str:
    remittance = fields.get("REMI", fields.get("", ""))
    for prefix in ("USTD//", "USTD/", "STRD/CUR/", "STRD/"):
        if remittance.startswith(prefix):
            return remittance.removeprefix(prefix).replace("//", " ").strip()
    return remittance
