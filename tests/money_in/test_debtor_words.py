"""What the debtor's page says about an installment: paid ticked, overdue calm, with who to call; never a threat."""

from __future__ import annotations

import datetime as dt
import uuid

from api.debtor.views import _paid_view
from debt_coord.cases.models import Case
from debt_coord.debtor.service import DebtorSchedule
from debt_coord.money_in.installments import Installment, InstallmentStatus
from debt_coord.organisations.models import Organisation

DAY = dt.date(2027, 1, 25)


def view() -> DebtorSchedule:
    return DebtorSchedule(Case(id=uuid.uuid4(), reference="R"), Organisation(name="Schuldhulp Noord"), None, None)


def said(status: InstallmentStatus, received: int, lang: str = "nl") -> str:
    text: str = _paid_view(Installment(DAY, "c", 10_000, received, status), view(), "EUR", lang)["status_text"]
    return text


def test_overdue_is_calm_names_what_is_missing_and_who_to_call() -> None:
    text = said(InstallmentStatus.OVERDUE, 2_500)
    assert "€\xa075,00" in text and "Schuldhulp Noord" in text and "Dat kan gebeuren" in text
    assert not any(word in text.lower() for word in ("incasso", "deurwaarder", "boete", "rente", "direct", "moet"))
    english = said(InstallmentStatus.OVERDUE, 2_500, "en")
    assert "€75.00" in english and "Schuldhulp Noord" in english


def test_paid_and_partly_paid_and_scheduled() -> None:
    assert said(InstallmentStatus.PAID, 10_000).startswith("✓ Betaald")
    assert "€\xa025,00" in said(InstallmentStatus.PARTLY_PAID, 2_500)
    assert said(InstallmentStatus.SCHEDULED, 0) == ""
    assert _paid_view(None, view(), "EUR", "nl") == {"status": None, "status_text": ""}
