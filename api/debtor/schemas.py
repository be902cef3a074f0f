"""Bodies of the debtor link routes and of the debtor's schedule as JSON."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from babel.dates import format_date
from pydantic import BaseModel, BeforeValidator, Field

from api.common import Body, Out
from api.debtor.texts import DEFAULT_LANGUAGE, LOCALES, TEXTS, after_income, keep_back_text
from debt_coord.cases.models import IncomeKind, PaymentRoute
from debt_coord.cases.states import CaseState
from debt_coord.debtor.schedule import CombinedSchedule, Deposit, Transfer
from debt_coord.debtor.service import DEFAULT_VALID_DAYS, MAX_VALID_DAYS, DebtorSchedule
from debt_coord.money_in.installments import InstallmentStatus
from solver.money import format_money


def whole_number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number (a JSON integer)")
    return value


class DebtorLinkCreate(Body):
    valid_days: Annotated[int, BeforeValidator(whole_number), Field(ge=1, le=MAX_VALID_DAYS)] = DEFAULT_VALID_DAYS
    """How long the link works, in days from now."""


class DebtorLinkOut(Out):
    id: uuid.UUID
    case_id: uuid.UUID
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


class DebtorLinkIssued(DebtorLinkOut):
    token: str
    """Shown once: give it to the debtor inside the URLs below. Only its hash is stored."""
    page_url: str
    schedule_url: str
    calendar_url: str


class TransferOut(BaseModel):
    creditor: str
    amount_cents: int
    iban: str | None
    payment_reference: str | None
    creditor_left_cents: int
    """What is left of this creditor's debt after this date's payments."""
    status: InstallmentStatus | None = None
    """Of an active plan: scheduled, paid, partly_paid or overdue (null for a proposal)."""
    received_cents: int | None = None
    transfer: int = 1
    """Which of the date's bank transfers carries this payment (1, 2, ...): a creditor's claims to one account
    travel together, so payments with the same number are one transfer of their sum, with all their references."""


class IncomeNameOut(BaseModel):
    id: str
    kind: IncomeKind
    label: str


class PaymentDateOut(BaseModel):
    number: int
    date: dt.date
    total_cents: int
    after_income: list[str]
    """The ids of the income streams this date follows."""
    incomes: list[IncomeNameOut]
    """Those streams: their kind and label."""
    after_income_text: str
    """The same in the debtor's words, in the language asked ('Dat is vlak nadat uw salaris binnenkomt.'), or ''."""
    left_cents: int
    """The total debt left after this date."""
    keep_cents: int
    """Of the money in hand after this date's payments, what a later date needs: put it aside (0: nothing)."""
    keep_for: dt.date | None
    """The later payment date that needs it."""
    keep_text: str
    """The same in the debtor's words ('Zet na deze betaling € 90,83 opzij. ...'), or ''."""
    payments: list[TransferOut]


class CreditorPointOut(BaseModel):
    date: dt.date
    paid_cents: int
    left_cents: int


class CreditorOut(BaseModel):
    creditor: str
    owed_cents: int
    paid_cents: int
    left_cents: int
    after_each_payment: list[CreditorPointOut]


class PlanFacts(BaseModel):
    number: int
    status: str
    """'active', or 'proposed' while the creditors have not all agreed: do not pay yet."""
    case_state: CaseState
    """The case's state: once it is closed (completed, failed, withdrawn) nothing more is to be paid here."""
    payable: bool
    """Pay now: the plan is active and the case still runs."""
    currency: str
    start_date: dt.date
    end_date: dt.date | None
    """The last payment date."""
    term_end: dt.date
    owed_cents: int
    paid_cents: int
    left_cents: int


class CounsellorOut(BaseModel):
    name: str
    phone: str | None
    email: str | None


class PayToOut(BaseModel):
    """Via the counsellor: the one account the debtor pays into."""

    name: str
    iban: str | None
    """The counselling organisation's payout account (null if it has none any more: ask the counsellor)."""
    payment_reference: str
    """The case's reference: put it on every deposit."""


class DepositOut(BaseModel):
    number: int
    date: dt.date
    """The day the money comes in (after the plan's lag, a bank day): pay the organisation then."""
    amount_cents: int
    after_income: list[str]
    incomes: list[IncomeNameOut]
    after_income_text: str
    text: str
    """In the debtor's words: 'Betaal op 26 januari 2027 € 250,00 aan Stichting ...'."""
    status: InstallmentStatus | None = None
    """Of an active plan: scheduled, paid, partly_paid or overdue (null for a proposal)."""
    received_cents: int | None = None
    """Of an active plan: what came in for it (deposits pay the oldest first)."""


class DebtorScheduleOut(BaseModel):
    debtor_name: str
    payment_route: PaymentRoute
    """'direct': pay each creditor on `dates`. 'via_counsellor': pay `deposits` to `pay_to`; the organisation
    pays the creditors (`dates` are then its distributions, not transfers for the debtor)."""
    plan: PlanFacts
    next_payment_date: dt.date | None
    """The next date the debtor pays: a payment date, or via the counsellor a deposit."""
    pay_to: PayToOut | None = None
    deposits: list[DepositOut] = Field(default_factory=list)
    """Via the counsellor: the debtor's payments into the organisation's account (they add up to plan.paid_cents)."""
    dates: list[PaymentDateOut]
    creditors: list[CreditorOut]
    counsellor: CounsellorOut


def transfer_out(view: DebtorSchedule, day: dt.date, x: Transfer, number: int = 1) -> TransferOut:
    paid = view.installment(day, x.claim_id)
    # Via the counsellor these are the organisation's payouts: no account for the debtor to pay into by mistake.
    payable = view.schedule is None or not view.schedule.via_counsellor
    return TransferOut(creditor=x.creditor, amount_cents=x.amount_cents, iban=x.iban if payable else None,
                       payment_reference=x.payment_reference if payable else None,
                       creditor_left_cents=x.creditor_left_cents,
                       status=paid.status if paid else None, received_cents=paid.received_cents if paid else None,
                       transfer=number)


def deposit_out(view: DebtorSchedule, deposit: Deposit, lang: str) -> DepositOut:
    assert view.schedule is not None
    incomes = [view.income(i) for i in deposit.after_income]
    got = view.deposit(deposit.date)
    amount = format_money(deposit.amount_cents, view.schedule.currency, LOCALES[lang])
    day = format_date(deposit.date, "d MMMM y", locale=LOCALES[lang])
    return DepositOut(
        number=deposit.number, date=deposit.date, amount_cents=deposit.amount_cents,
        after_income=list(deposit.after_income),
        incomes=[IncomeNameOut(id=i, kind=kind, label=label) for i, (kind, label) in zip(deposit.after_income, incomes,
                                                                                         strict=True)],
        after_income_text=after_income(incomes, lang),
        text=TEXTS[lang]["deposit_sentence"].format(date=day, amount=amount, organisation=view.counsellor.name),
        status=got.status if got else None, received_cents=got.received_cents if got else None,
    )


def schedule_out(view: DebtorSchedule, today: dt.date, lang: str = DEFAULT_LANGUAGE) -> DebtorScheduleOut:
    schedule: CombinedSchedule | None = view.schedule
    assert schedule is not None and view.version is not None
    next_date = schedule.next_deposit(today) if schedule.via_counsellor else schedule.next_date(today)
    return DebtorScheduleOut(
        debtor_name=view.case.debtor_name,
        payment_route=PaymentRoute.VIA_COUNSELLOR if schedule.via_counsellor else PaymentRoute.DIRECT,
        pay_to=PayToOut(name=view.counsellor.name, iban=view.counsellor.payout_iban,
                        payment_reference=view.case.reference) if schedule.via_counsellor else None,
        deposits=[deposit_out(view, d, lang) for d in schedule.deposits],
        plan=PlanFacts(
            number=view.version.number, status=view.version.status.value, case_state=view.case.state,
            payable=view.payable, currency=schedule.currency,
            start_date=schedule.start_date, end_date=schedule.last_payment_date, term_end=schedule.term_end,
            owed_cents=schedule.owed_cents, paid_cents=schedule.paid_cents, left_cents=schedule.left_cents,
        ),
        next_payment_date=next_date.date if next_date else None,
        dates=[
            PaymentDateOut(
                number=d.number, date=d.date, total_cents=d.total_cents, after_income=list(d.after_income),
                incomes=[IncomeNameOut(id=i, kind=kind, label=label)
                         for i in d.after_income for kind, label in [view.income(i)]],
                after_income_text=after_income([view.income(i) for i in d.after_income], lang),
                left_cents=d.left_cents, keep_cents=d.keep_cents, keep_for=d.keep_for,
                keep_text=keep_back_text(d.keep_cents, d.keep_for, schedule.currency, lang),
                payments=[transfer_out(view, d.date, x, number) for number, group in enumerate(d.bank_transfers(), 1)
                          for x in group],
            )
            for d in schedule.dates
        ],
        creditors=[
            CreditorOut(creditor=c.creditor, owed_cents=c.owed_cents, paid_cents=c.paid_cents, left_cents=c.left_cents,
                        after_each_payment=[CreditorPointOut(date=p.date, paid_cents=p.paid_cents,
                                                             left_cents=p.left_cents) for p in c.after_each_payment])
            for c in schedule.creditors
        ],
        counsellor=CounsellorOut(name=view.counsellor.name, phone=view.counsellor.contact_phone,
                                 email=view.counsellor.contact_email),
    )
