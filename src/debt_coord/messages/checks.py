"""Whether a due message may still go out, asked at the moment it is sent (not when it was planned).

Between planning and sending the debtor may have opted out, the counsellor may have set a breathing space, the
plan may have been superseded or the case closed, and the payment a reminder is about may have come in.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.cases.models import Case, PaymentRoute
from debt_coord.cases.states import CaseState
from debt_coord.messages.models import DebtorContact, DebtorMessage, MessageKind, MessagePreferences, MessageStatus
from debt_coord.money_in import ledger
from debt_coord.money_in.completion import active_version
from debt_coord.money_in.deposits import case_deposits
from debt_coord.money_in.installments import InstallmentStatus, installments
from debt_coord.money_in.models import Account
from debt_coord.planning.models import PlanStatus, PlanVersion

ABOUT_A_PAYMENT = frozenset({MessageKind.PAYMENT_REMINDER, MessageKind.MISSED_PAYMENT})
"""Kinds about one payment date: held back by a breathing space, and pointless once it is paid."""


@dataclass(frozen=True)
class Verdict:
    """Why a due message is not sent: the status it ends in and the reason the counsellor reads."""

    status: MessageStatus
    reason: str


@dataclass(frozen=True)
class Cleared:
    """A due message that may go out, with what sending it needs."""

    contact: DebtorContact
    version: PlanVersion | None
    """The case's active plan version (None before activation)."""


def plan_id(message: DebtorMessage) -> uuid.UUID | None:
    """The plan version a message is about, when the planner noted one (`facts["plan_id"]`)."""
    raw = message.facts.get("plan_id") or message.facts.get("plan_version_id")
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


async def check(session: AsyncSession, message: DebtorMessage, case: Case, day: dt.date, grace: int
                ) -> Verdict | Cleared:
    """`day`: today in Amsterdam; `grace`: DEBT_COORD_ARREARS_GRACE_BANK_DAYS."""
    if case.closed and not (message.kind is MessageKind.PLAN_COMPLETED and case.state is CaseState.COMPLETED):
        return Verdict(MessageStatus.CANCELLED, f"case {case.state.value}")
    about = plan_id(message)
    if about is not None and await session.scalar(
            select(PlanVersion.status).where(PlanVersion.id == about)) == PlanStatus.SUPERSEDED:
        return Verdict(MessageStatus.CANCELLED, "plan superseded")
    contact = await session.scalar(select(DebtorContact).where(DebtorContact.case_id == case.id,
                                                               DebtorContact.channel == message.channel))
    if contact is None:
        return Verdict(MessageStatus.SKIPPED, "no consent for this channel")
    if contact.opted_out_at is not None:
        return Verdict(MessageStatus.SKIPPED, "opted out")
    version = await active_version(session, case.id)
    if message.kind in ABOUT_A_PAYMENT:
        held = await _about_a_payment(session, message, case, version, day, grace)
        if held is not None:
            return held
    return Cleared(contact, version)


async def _about_a_payment(session: AsyncSession, message: DebtorMessage, case: Case, version: PlanVersion | None,
                           day: dt.date, grace: int) -> Verdict | None:
    moratorium = await session.scalar(select(MessagePreferences.moratorium_until)
                                      .where(MessagePreferences.case_id == case.id))
    if moratorium is not None and day <= moratorium:
        return Verdict(MessageStatus.SKIPPED, f"breathing space until {moratorium.isoformat()}")
    if version is None or message.payment_date is None:
        return Verdict(MessageStatus.CANCELLED, "no active plan")
    on_date = [status for date, status in await _dues(session, case, version, day, grace)
               if date == message.payment_date]
    if not on_date:
        return Verdict(MessageStatus.CANCELLED, "no payment on this date in the active plan")
    if all(status is InstallmentStatus.PAID for status in on_date):
        return Verdict(MessageStatus.SKIPPED, "already paid")
    return None


async def _dues(session: AsyncSession, case: Case, version: PlanVersion, day: dt.date, grace: int
                ) -> list[tuple[dt.date, InstallmentStatus]]:
    """What the debtor pays, by date, with its status: via the counsellor the deposits into the organisation's
    account (the organisation's payouts are not the debtor's), directly each creditor's installments."""
    if case.payment_route is PaymentRoute.VIA_COUNSELLOR:
        return [(d.date, d.status) for d in await case_deposits(session, case, version, day, grace)]
    received = {str(k): v for k, v in (await ledger.balances(session, case.id, Account.RECEIVED)).items()}
    return [(i.date, i.status) for i in installments(version.schedule, received, day, grace_bank_days=grace,
                                                     country=case.country)]
