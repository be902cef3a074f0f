"""Which claims travel as one bank transfer: a creditor's claims paid to the same account (CJIB fines, a
collection agency's dossiers), as long as their payment references fit together in one transfer's remittance
information. The engine then counts one transfer per account and date (``solver.models.ClaimIn.account``), the
debtor's page shows one transfer with one QR code, and the statement import splits it by the references it names
(``money_in.statements.matching``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

REMITTANCE_CHARACTERS = 140
"""SEPA's unstructured remittance information, and what an EPC QR code carries."""


@dataclass(frozen=True)
class Payee:
    claim_id: str
    creditor_id: str
    iban: str
    """Compact form (``kernel.validation.normalise_iban``)."""
    reference: str


def remittance(references: Sequence[str]) -> str:
    """The remittance of one transfer paying claims with these references: each reference, once, in order."""
    return " ".join(dict.fromkeys(r.strip() for r in references if r.strip()))


def shared_accounts(payees: Sequence[Payee]) -> dict[str, str]:
    """Per claim, in the plan's order, the account it travels with: its IBAN, followed by ``/2``, ``/3`` ... for the
    next group of the same creditor and IBAN once the references would no longer fit in one remittance, or when
    another creditor uses the same IBAN (each creditor's claims travel apart)."""
    groups: dict[tuple[str, str], list[list[str]]] = {}
    accounts: dict[str, str] = {}
    keys: dict[tuple[str, str, int], str] = {}
    used: dict[str, int] = {}
    for payee in payees:
        chunks = groups.setdefault((payee.creditor_id, payee.iban), [])
        if not chunks or len(remittance([*chunks[-1], payee.reference])) > REMITTANCE_CHARACTERS:
            chunks.append([])
            used[payee.iban] = used.get(payee.iban, 0) + 1
            number = used[payee.iban]
            keys[(payee.creditor_id, payee.iban, len(chunks))] = payee.iban if number == 1 else f"{payee.iban}/{number}"
        chunks[-1].append(payee.reference)
        accounts[payee.claim_id] = keys[(payee.creditor_id, payee.iban, len(chunks))]
    return accounts
