"""What the debtor sees, built from the combined schedule: page context, EPC QR codes, chart (calendar.py: ICS).

Formatting only: every number comes from `debt_coord.debtor.schedule`; nothing here adds cents.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

import phonenumbers
import segno
from babel.dates import format_date
from babel.numbers import format_decimal
from segno import helpers as segno_helpers

from api.debtor.texts import LOCALES, TEXTS, after_income, keep_back_text
from debt_coord.cases.states import CaseState
from debt_coord.debtor.schedule import CombinedSchedule, Deposit, PaymentDate, Transfer, together
from debt_coord.debtor.service import DebtorSchedule
from debt_coord.money_in.installments import Installment, InstallmentStatus
from solver.money import amount, format_money

_CREDITOR_REFERENCE = re.compile(r"^RF\d{2}[0-9A-Z]{1,21}$")  # ISO 11649: the EPC's structured reference


# Formatting by babel was most of a page's time once its QR codes were cached, and a plan repeats its amounts and
# dates: these are remembered (pure functions of their arguments; a few hundred bytes an entry).
@lru_cache(maxsize=65536)
def money(cents: int, currency: str, lang: str) -> str:
    return format_money(cents, currency, LOCALES[lang])


@lru_cache(maxsize=65536)
def plain_amount(cents: int, lang: str) -> str:
    """The amount as a banking app takes it pasted: no currency sign, no thousands separator ('1234,56')."""
    return str(format_decimal(amount(cents), "0.00", locale=LOCALES[lang]))


@lru_cache(maxsize=16384)
def long_date(day: dt.date, lang: str) -> str:
    return str(format_date(day, "EEEE d MMMM y", locale=LOCALES[lang]))


def short_date(day: dt.date, lang: str) -> str:
    return str(format_date(day, "d MMMM y", locale=LOCALES[lang]))


def grouped_iban(iban: str) -> str:
    compact = iban.replace(" ", "")
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


# --- EPC QR ("girocode"): the European Payments Council's SEPA credit transfer QR --------------


@dataclass(frozen=True)
class EpcFields:
    """The fields of one EPC QR code, as given to the generator."""

    name: str
    iban: str
    amount: Decimal
    text: str | None
    reference: str | None


def epc_fields(transfer: Transfer) -> EpcFields | None:
    """The QR's fields for a transfer in euro to a known account; None when a QR code cannot be made."""
    if not transfer.iban or transfer.amount_cents <= 0:
        return None
    reference = (transfer.payment_reference or "").strip()
    structured = reference.replace(" ", "").upper()
    is_structured = is_creditor_reference(structured)
    return EpcFields(
        name=transfer.creditor[:70],
        iban=transfer.iban.replace(" ", "").upper(),
        amount=amount(transfer.amount_cents),
        text=None if is_structured else (reference[:140] or transfer.creditor[:140]),
        reference=structured if is_structured else None,
    )


def epc_qr(fields: EpcFields) -> segno.QRCode:
    return segno_helpers.make_epc_qr(name=fields.name, iban=fields.iban, amount=fields.amount,
                                     text=fields.text, reference=fields.reference)


@lru_cache(maxsize=8192)
def epc_png_data_uri(fields: EpcFields) -> str:
    """One pixel per module with the quiet zone (about 500 bytes); the page scales it up without smoothing.

    Cached by the QR's fields (about 1 kB an entry): making one took about 10 ms, nearly all of a page's time
    (bench/README.md), and a plan's transfers repeat the same payee, amount and reference from date to date.
    """
    uri: str = epc_qr(fields).png_data_uri(scale=1, border=4)
    return uri


def is_creditor_reference(value: str) -> bool:
    """An ISO 11649 'RF' creditor reference with valid check digits (mod 97, as an IBAN)."""
    if not _CREDITOR_REFERENCE.match(value):
        return False
    moved = value[4:] + value[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


# --- the page -------------------------------------------------------------------------------


def _t(lang: str) -> dict[str, str]:
    return TEXTS[lang]


def _transfer_view(transfer: Transfer, currency: str, lang: str, with_qr: bool) -> dict[str, Any]:
    t = _t(lang)
    shown = money(transfer.amount_cents, currency, lang)
    fields = epc_fields(transfer) if with_qr and currency == "EUR" else None
    return {
        "creditor": transfer.creditor,
        "amount": shown,
        "amount_cents": transfer.amount_cents,
        "amount_plain": plain_amount(transfer.amount_cents, lang),
        "iban": grouped_iban(transfer.iban) if transfer.iban else "",
        "reference": transfer.payment_reference or "",
        "left_after": t["left_after"].format(creditor=transfer.creditor,
                                             amount=money(transfer.creditor_left_cents, currency, lang)),
        "qr": epc_png_data_uri(fields) if fields else None,
        "qr_alt": t["qr_alt"].format(amount=shown, creditor=transfer.creditor),
    }


def _date_view(date: PaymentDate, view: DebtorSchedule, lang: str, today: dt.date,
               with_qr: bool) -> dict[str, Any]:
    t = _t(lang)
    schedule = view.schedule
    assert schedule is not None
    count = len(date.bank_transfers())
    return {
        "anchor": f"betaling-{date.number}",
        "number": date.number,
        "heading": t["payment_n"].format(n=date.number, count=len(schedule.dates)),
        "date": long_date(date.date, lang),
        "iso": date.date.isoformat(),
        "total": money(date.total_cents, schedule.currency, lang),
        "total_cents": date.total_cents,
        "after_income": after_income([view.income(i) for i in date.after_income], lang),
        "count_text": t["transfer_one"] if count == 1 else t["transfers"].format(n=count),
        "past": date.date < today,
        "left_total": t["left_total"].format(amount=money(date.left_cents, schedule.currency, lang)),
        "keep_back": keep_back_text(date.keep_cents, date.keep_for, schedule.currency, lang),
        "keep_cents": date.keep_cents,
        "transfers": [_bank_transfer_view(group, date.date, view, lang, with_qr) for group in date.bank_transfers()],
    }


def _bank_transfer_view(group: Sequence[Transfer], day: dt.date, view: DebtorSchedule, lang: str,
                        with_qr: bool) -> dict[str, Any]:
    """One transfer to make: one claim's, or several claims of a creditor to one account, with one QR code for the
    sum and every reference, and below it what each claim gets and whether it came in."""
    currency = view.schedule.currency if view.schedule else "EUR"
    if len(group) == 1:
        return {**_transfer_view(group[0], currency, lang, with_qr),
                **_paid_view(view.installment(day, group[0].claim_id), view, currency, lang), "parts": []}
    parts = [{"reference": x.payment_reference or "", "amount": money(x.amount_cents, currency, lang),
              **_paid_view(view.installment(day, x.claim_id), view, currency, lang)} for x in group]
    return {**_transfer_view(together(group), currency, lang, with_qr), "status": None, "status_text": "",
            "parts": parts, "parts_text": _t(lang)["parts"].format(n=len(group))}


def deposit_transfer(deposit: Deposit, view: DebtorSchedule) -> Transfer:
    """Via the counsellor a deposit is one transfer to the organisation's payout account, the case's reference."""
    organisation = view.counsellor
    return Transfer(claim_id="", creditor_id=str(organisation.id), creditor=organisation.name,
                    amount_cents=deposit.amount_cents, iban=organisation.payout_iban,
                    payment_reference=view.case.reference, creditor_left_cents=0)


def _deposit_view(deposit: Deposit, view: DebtorSchedule, lang: str, today: dt.date,
                  with_qr: bool) -> dict[str, Any]:
    """A deposit in the shape of a payment date (one transfer), so the page shows it the same way; of an active plan
    with what came in for it (`status`, `status_text`), on the date as on its transfer."""
    t = _t(lang)
    schedule = view.schedule
    assert schedule is not None
    organisation = view.counsellor.name
    total = money(deposit.amount_cents, schedule.currency, lang)
    transfer = _transfer_view(deposit_transfer(deposit, view), schedule.currency, lang, with_qr)
    paid = _paid_view(view.deposit(deposit.date), view, schedule.currency, lang)
    return {
        "anchor": f"betaling-{deposit.number}",
        "number": deposit.number,
        "heading": t["payment_n"].format(n=deposit.number, count=len(schedule.deposits)),
        "date": long_date(deposit.date, lang),
        "iso": deposit.date.isoformat(),
        "total": total,
        "total_cents": deposit.amount_cents,
        "sentence": t["deposit_sentence"].format(date=short_date(deposit.date, lang), amount=total,
                                                 organisation=organisation),
        "after_income": after_income([view.income(i) for i in deposit.after_income], lang),
        "count_text": t["deposit_count"].format(organisation=organisation),
        "past": deposit.date < today,
        "left_total": "",
        "keep_back": "",
        "keep_cents": 0,
        **paid,
        "transfers": [{**transfer, "left_after": "", **paid}],
    }


def _paid_view(installment: Installment | None, view: DebtorSchedule, currency: str, lang: str
               ) -> dict[str, Any]:
    """Paid items ticked; an overdue one with a calm word on what to do now, and who to call. Never a threat.
    The same for a transfer to a creditor and, via the counsellor, a deposit into the organisation's account."""
    if installment is None:
        return {"status": None, "status_text": ""}
    t = _t(lang)
    status = installment.status
    texts = {
        InstallmentStatus.PAID: t["status_paid"],
        InstallmentStatus.PARTLY_PAID: t["status_partly_paid"].format(amount=money(installment.received_cents, currency,
                                                                              lang)),
        InstallmentStatus.OVERDUE: t["status_overdue"].format(
            amount=money(installment.missing_cents, currency, lang),
            counsellor=view.counsellor.name),
        InstallmentStatus.SCHEDULED: "",
    }
    return {"status": status.value, "status_text": texts[status]}


def chart(schedule: CombinedSchedule, lang: str) -> dict[str, Any]:
    """A step line of the total debt over time, as SVG path data in a 320 x 160 box."""
    t, currency = _t(lang), schedule.currency
    left, right, top, bottom = 8.0, 312.0, 10.0, 150.0
    first = schedule.start_date
    last = schedule.last_payment_date or first
    span = max((last - first).days, 1)
    high = max(schedule.owed_cents, 1)

    def x(day: dt.date) -> float:
        return left + (right - left) * min(max((day - first).days, 0), span) / span

    def y(cents: int) -> float:
        return bottom - (bottom - top) * cents / high

    points = [(left, y(schedule.owed_cents))]
    current = schedule.owed_cents
    for date in schedule.dates:
        points += [(x(date.date), y(current)), (x(date.date), y(date.left_cents))]
        current = date.left_cents
    points.append((right, y(current)))
    line = " ".join(f"{'M' if i == 0 else 'L'}{px:.1f},{py:.1f}" for i, (px, py) in enumerate(points))
    area = f"{line} L{right:.1f},{bottom:.1f} L{left:.1f},{bottom:.1f} Z"
    start_amount, end_amount = money(schedule.owed_cents, currency, lang), money(schedule.left_cents, currency, lang)
    return {
        "line": line, "area": area, "baseline": f"{bottom:.1f}",
        "title": t["chart_title"],
        "desc": t["chart_desc"].format(start=start_amount, start_date=short_date(first, lang), end=end_amount,
                                       end_date=short_date(last, lang)),
        "start_label": t["chart_start"], "start_amount": start_amount,
        "end_label": t["chart_end"], "end_amount": end_amount,
    }


def shown_phone(stored: str) -> str:
    """A Dutch number as the debtor dials it (020 123 4567), any other internationally; as stored if unreadable."""
    try:
        number = phonenumbers.parse(stored, "NL")
    except phonenumbers.NumberParseException:
        return stored
    dutch = phonenumbers.region_code_for_number(number) == "NL"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL if dutch
                                      else phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def counsellor_view(view: DebtorSchedule) -> dict[str, str]:
    phone = view.counsellor.contact_phone or ""
    return {
        "name": view.counsellor.name,
        "phone": shown_phone(phone) if phone else "",
        "phone_href": "tel:" + re.sub(r"[^0-9+]", "", phone) if phone else "",
        "email": view.counsellor.contact_email or "",
    }


def status_text(view: DebtorSchedule, t: dict[str, str]) -> str:
    if view.case.state is CaseState.COMPLETED:
        return t["status_completed"]
    if view.case.closed:
        return t["status_ended"]
    return t["status_active"] if view.payable else t["status_proposed"]


def _via_context(view: DebtorSchedule, lang: str) -> dict[str, str]:
    t, organisation = _t(lang), view.counsellor.name
    return {
        "organisation": organisation,
        "intro": t["intro_via"].format(organisation=organisation),
        "distributions_intro": t["distributions_intro"].format(organisation=organisation),
    }


def page_context(view: DebtorSchedule, lang: str, today: dt.date, urls: dict[str, str]) -> dict[str, Any]:
    t = _t(lang)
    context: dict[str, Any] = {
        "lang": lang, "t": t, "urls": urls, "debtor_name": t["for_name"].format(name=view.case.debtor_name),
        "counsellor": counsellor_view(view), "schedule": None, "via": None,
    }
    schedule, version = view.schedule, view.version
    if schedule is None or version is None:
        return context
    active = view.payable
    currency = schedule.currency
    if schedule.via_counsellor:
        context["via"] = _via_context(view, lang)
        next_deposit = schedule.next_deposit(today)
        upcoming = _deposit_view(next_deposit, view, lang, today, active) if next_deposit else None
        shown = [_deposit_view(d, view, lang, today, active and d is not next_deposit) for d in schedule.deposits]
        last_day = schedule.deposits[-1].date if schedule.deposits else None
    else:
        next_date = schedule.next_date(today)
        upcoming = _date_view(next_date, view, lang, today, active) if next_date else None
        shown = [_date_view(d, view, lang, today, active and d is not next_date) for d in schedule.dates]
        last_day = schedule.last_payment_date
    accounts: dict[str, list[dict[str, str]]] = {}
    for date in schedule.dates:
        for transfer in date.transfers:
            account = {"iban": grouped_iban(transfer.iban) if transfer.iban else "",
                       "reference": transfer.payment_reference or ""}
            if account not in accounts.setdefault(transfer.creditor_id, []):
                accounts[transfer.creditor_id].append(account)
    context["status"] = {"active": active, "text": status_text(view, t), "closed": view.case.closed,
                         "case_state": view.case.state.value}
    context["schedule"] = {
        # Each transfer's QR code once: the next payment's at the top, the other dates' in the list.
        "next": upcoming,
        "dates": shown,
        "creditors": [
            {"name": c.creditor, "owed": money(c.owed_cents, currency, lang),
             "paid": money(c.paid_cents, currency, lang), "left": money(c.left_cents, currency, lang),
             "payments": len(c.after_each_payment),
             # Via the counsellor the organisation pays the creditors: their accounts are not the debtor's concern.
             "accounts": [] if schedule.via_counsellor else accounts.get(c.creditor_id, []),
             "distributions": [
                 {"iso": p.date.isoformat(), "cents": p.paid_cents,
                  "text": t["distribution_on"].format(date=short_date(p.date, lang),
                                                      amount=money(p.paid_cents, currency, lang))}
                 for p in c.after_each_payment] if schedule.via_counsellor else []}
            for c in schedule.creditors
        ],
        "facts": [
            (t["fact_start"], short_date(schedule.start_date, lang)),
            (t["fact_end"], short_date(last_day, lang) if last_day else "-"),
            (t["fact_dates"], str(len(shown))),
            (t["fact_owed"], money(schedule.owed_cents, currency, lang)),
            (t["fact_paid"], money(schedule.paid_cents, currency, lang)),
            (t["fact_left"], money(schedule.left_cents, currency, lang)),
        ],
        "chart": chart(schedule, lang),
        "left_text": t["left_forgiven"].format(amount=money(schedule.left_cents, currency, lang))
        if schedule.left_cents else t["all_paid_off"],
        "qr": active and currency == "EUR",
    }
    return context
