"""ISO 20022 camt.053 (BankToCustomerStatement, versions 001.02 and 001.08) read safely and checked against its XSD.

The XML parser resolves no entities, loads no DTD and touches no network; a document that declares a DTD at
all (how an entity expansion bomb or an external entity arrives) is refused before anything is read from it.
The official schema (xsd/, shipped with the package) is the first judge of the structure: a document it does
not accept is refused with the line and element it names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Protocol, cast

from lxml import etree

from debt_coord.kernel.clock import AMSTERDAM
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

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:"
VERSIONS = ("camt.053.001.02", "camt.053.001.08")
SCHEMAS = Path(__file__).parent / "xsd"
Element = etree._Element


@cache
def schema(version: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / f"{version}.xsd"), _safe_parser()))


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def where(element: Element) -> str:
    """An XPath of local names with positions: /Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt."""
    steps = []
    node: Element | None = element
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        same = [sibling for sibling in parent if sibling.tag == node.tag] if parent is not None else [node]
        steps.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 else name)
        node = parent
    return "/" + "/".join(reversed(steps))


def read(body: bytes) -> Element:
    """The document's root, from a body that declares no DTD and is well-formed XML; otherwise StatementError."""
    try:
        tree = etree.ElementTree(etree.fromstring(body, _safe_parser()))
    except etree.XMLSyntaxError as error:
        line = getattr(error, "lineno", 0) or 0
        raise StatementError(f"not well-formed XML: {error.msg}", f"line {line}") from None
    if tree.docinfo.internalDTD is not None:  # any <!DOCTYPE ...>, with or without entities
        raise StatementError("a document type declaration (DTD) is not allowed in a bank statement", "/")
    return tree.getroot()


def parse_camt(body: bytes) -> ParsedStatement:
    root = read(body)
    namespace = etree.QName(root).namespace or ""
    version = namespace.removeprefix(NAMESPACE)
    if etree.QName(root).localname != "Document" or version not in VERSIONS:
        raise StatementError(f"not a camt.053 statement of a version we read ({', '.join(VERSIONS)}); "
                             f"its root is {{{namespace}}}{etree.QName(root).localname}", "/")
    checker = schema(version)
    if not checker.validate(root):
        raise _refusal(root, next(iter(cast(Iterable[_Objection], checker.error_log))), namespace)
    return _statement(_Camt(namespace), root)


class _Objection(Protocol):
    """An entry of lxml's error log."""

    line: int
    message: str
    path: str | None


def _refusal(root: Element, error: _Objection, namespace: str) -> StatementError:
    """The schema's first objection, with the element it names as a path of names (libxml2 gives /*/*[2]/...)."""
    found = root.getroottree().xpath(error.path) if error.path else []
    at = where(found[0]) if isinstance(found, list) and found and isinstance(found[0], Element) else "/"
    message = error.message.replace(f"{{{namespace}}}", "")
    return StatementError(f"not a valid {namespace.removeprefix(NAMESPACE)} document (line {error.line}): {message}",
                          at)


class _Camt:
    """Paths in the document's namespace."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.paths: dict[str, str] = {}

    def _clark(self, path: str) -> str:
        """A/B as {namespace}A/{namespace}B, made once per path."""
        if (found := self.paths.get(path)) is None:
            found = self.paths[path] = "/".join(f"{{{self.namespace}}}{step}" for step in path.split("/"))
        return found

    def all(self, element: Element, path: str) -> list[Element]:
        return element.findall(self._clark(path))

    def one(self, element: Element, path: str) -> Element | None:
        return element.find(self._clark(path))

    def text(self, element: Element, *paths: str) -> str | None:
        """The text of the first of `paths` that is there."""
        for path in paths:
            found = self.one(element, path)
            if found is not None and found.text is not None and found.text.strip():
                return found.text.strip()
        return None


def _statement(camt: _Camt, root: Element) -> ParsedStatement:
    message_id = camt.text(root, "BkToCstmrStmt/GrpHdr/MsgId") or ""
    statements = camt.all(root, "BkToCstmrStmt/Stmt")
    own = _account(camt, statements)
    entries: list[BankEntry] = []
    currencies: dict[str, str] = {}
    for stmt in statements:
        if (account_currency := camt.one(stmt, "Acct/Ccy")) is not None and account_currency.text:
            currencies.setdefault(account_currency.text, where(account_currency))
        for ntry, at in _numbered(camt.all(stmt, "Ntry"), where(stmt) + "/Ntry"):
            amount = camt.one(ntry, "Amt")
            if (currency := amount.get("Ccy", "") if amount is not None else "") not in currencies:
                currencies[currency] = at + "/Amt/@Ccy"
            if (camt.text(ntry, "Sts", "Sts/Cd") or "BOOK") == "BOOK":  # pending and information-only: not booked
                entries.append(_entry(camt, ntry, at, len(entries) + 1, own))
    if len(currencies) > 1:
        at = list(currencies.values())[1]
        raise StatementError(f"the file mixes currencies: {', '.join(currencies)}", at)
    currency, at = next(iter(currencies.items()), ("", "/Document/BkToCstmrStmt/Stmt/Acct/Ccy"))
    return ParsedStatement(StatementFormat.CAMT053, message_id, own, "/Document/BkToCstmrStmt/Stmt/Acct/Id/IBAN",
                           currency, at, distinct_references(entries))


def _numbered(elements: list[Element], at: str) -> list[tuple[Element, str]]:
    """Each element with its path (`at`, with its position when it has siblings of its name), as `where` says it."""
    if len(elements) == 1:
        return [(elements[0], at)]
    return [(element, f"{at}[{number}]") for number, element in enumerate(elements, start=1)]


def _account(camt: _Camt, statements: list[Element]) -> str:
    """The one account the file's statements are of."""
    ibans: set[str] = set()
    for stmt in statements:
        iban = camt.one(stmt, "Acct/Id/IBAN")
        if iban is None:
            raise StatementError("the statement's account has no IBAN", where(stmt) + "/Acct/Id")
        ibans.add(account_iban(iban.text or "", where(iban)))
    if len(ibans) != 1:
        raise StatementError(f"the file holds statements of several accounts ({', '.join(sorted(ibans))})",
                             "/Document/BkToCstmrStmt")
    return ibans.pop()


def _entry(camt: _Camt, ntry: Element, at: str, position: int, own_iban: str) -> BankEntry:
    magnitude = cents(camt.text(ntry, "Amt") or "", at + "/Amt")
    amount = -magnitude if camt.text(ntry, "CdtDbtInd") == "DBIT" else magnitude
    booked = _date(camt.text(ntry, "BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm"), at + "/BookgDt")
    details = camt.all(ntry, "NtryDtls/TxDtls")
    transactions = tuple(_transaction(camt, tx, tx_at, own_iban, amount < 0)
                         for tx, tx_at in _numbered(details, at + "/NtryDtls/TxDtls"))
    if not transactions:
        transactions = (Transaction(magnitude, None, "", camt.text(ntry, "AddtlNtryInf") or "", None),)
    elif len(transactions) == 1:
        transactions = (_with_amount(transactions[0], magnitude),)
    elif any(t.amount_cents < 0 for t in transactions) or sum(t.amount_cents for t in transactions) != magnitude:
        raise StatementError(f"the entry's transactions do not add up to its amount ({magnitude} cents)",
                             at + "/NtryDtls")
    reference = (camt.text(ntry, "AcctSvcrRef", "NtryRef")
                 or (camt.text(details[0], "Refs/AcctSvcrRef") if len(details) == 1 else None)
                 or derived_reference(booked, amount, transactions))
    return BankEntry(position, at, reference, booked, amount, transactions)


def _transaction(camt: _Camt, tx: Element, at: str, own_iban: str, debit: bool) -> Transaction:
    """A transaction's counterparty is whichever party is not the account holder: the creditor of a debit,
    the debtor of a credit (banks differ in the roles they give the parties of a returned payment)."""
    first, second = ("Cdtr", "Dbtr") if debit else ("Dbtr", "Cdtr")
    iban, name = None, ""
    for role in (first, second):
        candidate = counterparty_iban(camt.text(tx, f"RltdPties/{role}Acct/Id/IBAN"))
        if candidate is not None and candidate != own_iban:
            iban, name = candidate, camt.text(tx, f"RltdPties/{role}/Nm", f"RltdPties/{role}/Pty/Nm") or ""
            break
    texts = [u.text.strip() for u in camt.all(tx, "RmtInf/Ustrd") if u.text]
    texts += [r.text.strip() for r in camt.all(tx, "RmtInf/Strd/CdtrRefInf/Ref") if r.text]
    remittance = " ".join(texts) or camt.text(tx, "AddtlTxInf") or ""
    amount = camt.text(tx, "Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt")
    return Transaction(cents(amount, at) if amount else -1, iban, name, remittance,
                       id_or_none(camt.text(tx, "Refs/EndToEndId")))


def _with_amount(transaction: Transaction, amount_cents: int) -> Transaction:
    return Transaction(amount_cents, transaction.counterparty_iban, transaction.counterparty_name,
                       transaction.remittance, transaction.end_to_end_id)


def _date(value: str | None, at: str) -> dt.date:
    if value is None:
        raise StatementError("the entry has no booking date", at)
    try:
        if "T" not in value:
            return dt.date.fromisoformat(value[:10])
        moment = dt.datetime.fromisoformat(value)
        return (moment.astimezone(AMSTERDAM) if moment.tzinfo else moment).date()
    except ValueError:
        raise StatementError(f"{value!r} is not a date", at) from None
