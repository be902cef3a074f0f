"""What would go out for a case at a given moment, rendered, without sending or keeping anything.

The planner's own code runs as the daily chore would on that day, inside a transaction that is rolled back: the
preview is what the chore and delivery would do, not a second idea of it. Every message due by that moment and
still planned is checked as delivery checks it (consent, opt-out, breathing space, already paid) and rendered as
the debtor would read it on its channel; the debtor link in it is a placeholder (delivery makes a fresh one).
A case without a contact with consent is previewed on every channel, marked as not going out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.cases.models import Case
from debt_coord.cases.states import CaseState
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.kernel.errors import ConflictError, NotFoundError
from debt_coord.kernel.settings import Settings
from debt_coord.messages import checks
from debt_coord.messages.models import Channel, DebtorContact, DebtorMessage, MessageStatus
from debt_coord.messages.planner import plan_nudges, plan_reminders
from debt_coord.messages.rendering import facts_of, outgoing
from debt_coord.messages.rows import reachable, wishes
from debt_coord.messages.texts import overrides_for, render
from debt_coord.money_in.completion import active_version
from debt_coord.organisations.models import Organisation

PLACEHOLDER_TOKEN = "PREVIEW-a-new-link-is-made-when-sent"


async def find_case(session: AsyncSession, reference: str, organisation: str | None = None) -> Case:
    query = select(Case).where(Case.reference == reference)
    if organisation:
        query = query.join(Organisation, Organisation.id == Case.organisation_id).where(
            Organisation.name == organisation)
    found = list((await session.execute(query)).scalars())
    if not found:
        raise NotFoundError(f"No case {reference!r}.")
    if len(found) > 1:
        raise ConflictError(f"{len(found)} organisations have a case {reference!r}: name one with --organisation.")
    return found[0]


async def preview(session: AsyncSession, settings: Settings, case: Case, at: dt.datetime) -> list[dict[str, Any]]:
    """The messages due for `case` by `at` (aware), as the debtor would get them. Rolls the session back."""
    try:
        return await _preview(session, settings, case, at)
    finally:
        await session.rollback()


async def _preview(session: AsyncSession, settings: Settings, case: Case, at: dt.datetime) -> list[dict[str, Any]]:
    day = at.astimezone(AMSTERDAM).date()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=AMSTERDAM).astimezone(dt.UTC)
    contacts = await reachable(session, case.id)
    stand_ins = not contacts
    if stand_ins:
        contacts = [DebtorContact(case_id=case.id, channel=channel, address="") for channel in Channel]
    version = await active_version(session, case.id)
    if version is not None and case.state is CaseState.ACTIVE:
        prefs = await wishes(session, case.id)
        await plan_reminders(session, case, version, start, contacts, prefs)
        await plan_nudges(session, case, version, start, settings.arrears_grace_bank_days, contacts, prefs)
    due = (await session.execute(select(DebtorMessage).where(
        DebtorMessage.case_id == case.id, DebtorMessage.status == MessageStatus.PLANNED,
        DebtorMessage.due_at <= at).order_by(DebtorMessage.due_at, DebtorMessage.channel))).scalars().all()
    counsellor = await session.get_one(Organisation, case.organisation_id)
    return [await _shown(session, settings, case, counsellor, message, day, stand_ins) for message in due]


async def _shown(session: AsyncSession, settings: Settings, case: Case, counsellor: Organisation,
                 message: DebtorMessage, day: dt.date, stand_ins: bool) -> dict[str, Any]:
    verdict = await checks.check(session, message, case, day, settings.arrears_grace_bank_days)
    address = verdict.contact.address if isinstance(verdict, checks.Cleared) else None
    facts = facts_of(settings, message, case, counsellor, PLACEHOLDER_TOKEN)
    rendered = render(message.kind, message.tone, message.language, facts,
                      overrides=overrides_for(settings, case.organisation_id))
    sent = outgoing(message, address or "", rendered, facts)
    shown: dict[str, Any] = {
        "kind": message.kind.value, "channel": message.channel.value, "language": message.language.value,
        "tone": message.tone.value, "due_at": message.due_at.astimezone(AMSTERDAM).isoformat(),
        "payment_date": message.payment_date.isoformat() if message.payment_date else None,
        "amount_cents": message.amount_cents, "address": address, "subject": sent.subject, "text": sent.body,
        "goes_out": isinstance(verdict, checks.Cleared),
    }
    if isinstance(verdict, checks.Verdict):
        shown["not_sent_because"] = ("no contact with consent on this channel yet" if stand_ins
                                     else f"{verdict.status.value}: {verdict.reason}")
    return shown
