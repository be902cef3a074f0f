"""The payout run's file: an ISO 20022 pain.001.001.03 credit transfer initiation, written by `sepaxml` and checked
against the XSD that `sepaxml` ships before anything of the run is committed.

One payment information block per transfer (no batch booking), so the organisation's bank books each transfer as
an entry of its own, with its end-to-end id, on the statement that settles it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Protocol, cast

from lxml import etree
from sepaxml import SepaTransfer

SCHEMA = "pain.001.001.03"
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"


class InvalidPaymentFileError(Exception):
    """The written file is not valid against the schema: a bug or data the file cannot carry, never committed."""


@dataclass(frozen=True)
class Debtor:
    """Who pays: the counselling organisation's payout account."""

    name: str
    iban: str
    bic: str | None


@dataclass(frozen=True)
class CreditTransfer:
    end_to_end_id: str
    amount_cents: int
    creditor_name: str
    creditor_iban: str
    remittance: str


class _Objection(Protocol):
    line: int
    message: str


@cache
def schema() -> etree.XMLSchema:
    """sepaxml's own copy of the official schema, read as a package resource."""
    with files("sepaxml").joinpath("schemas", f"{SCHEMA}.xsd").open("rb") as xsd:
        return etree.XMLSchema(etree.parse(xsd, etree.XMLParser(resolve_entities=False, no_network=True)))


def write_pain001(debtor: Debtor, execution_date: dt.date, transfers: Sequence[CreditTransfer]) -> tuple[str, bytes]:
    """(message id, document) of a file paying `transfers` from the debtor's account on `execution_date`."""
    config: dict[str, Any] = {"name": debtor.name, "IBAN": debtor.iban, "currency": "EUR", "batch": False}
    if debtor.bic:
        config["BIC"] = debtor.bic
    sepa = SepaTransfer(config, schema=SCHEMA, clean=True)
    for transfer in transfers:
        sepa.add_payment({"name": transfer.creditor_name, "IBAN": transfer.creditor_iban,
                          "amount": transfer.amount_cents, "description": transfer.remittance,
                          "execution_date": execution_date, "endtoend_id": transfer.end_to_end_id})
    document = cast(bytes, sepa.export(validate=False))
    check(document)
    return str(sepa.msg_id), document


def check(document: bytes) -> None:
    """InvalidPaymentFileError unless `document` is valid against the pain.001.001.03 schema."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(document, parser)
    checker = schema()
    if not checker.validate(root):
        first = next(iter(cast(Iterable[_Objection], checker.error_log)))
        raise InvalidPaymentFileError(f"line {first.line}: {first.message.replace('{' + NAMESPACE + '}', '')}")
