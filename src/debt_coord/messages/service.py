"""The counsellor's side of the debtor's messages, and the debtor's stop link.

Contacts carry the consent the counsellor recorded (when, how: GDPR); phone numbers are validated and stored as
E.164. An opt-out (by the counsellor, or by the debtor through the stop link every message carries) ends that
channel's messages at once: what was planned on it is skipped. Preferences (language, tone, when reminders go
out, a breathing space) re-time what is planned. Only the case's counsellor sees or changes any of it; a creditor
never sees the debtor's contacts or messages.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select

from debt_coord.cases.models import Case
from debt_coord.cases.service import CaseScopedService
from debt_coord.cases.states import CaseState
from debt_coord.debtor.models import DebtorLink
from debt_coord.debtor.service import is_live
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, NotFoundError, Refusal
from debt_coord.kernel.events import EventKind, event
from debt_coord.kernel.orm import utcnow
from debt_coord.kernel.paging import Page, PageRequest, fetch_page
from debt_coord.messages import timing
from debt_coord.messages.channels.phone import to_e164
from debt_coord.messages.models import (
    Channel,
    DebtorContact,
    DebtorMessage,
    MessageKind,
    MessagePreferences,
    MessageStatus,
)
from debt_coord.messages.planner import plan_reminders
from debt_coord.messages.rows import Planned, breathing_space, close_planned, plan, reachable, wishes
from debt_coord.messages.texts import FREE_TEXT_MAX_CHARS
from debt_coord.money_in.completion import active_version
from debt_coord.organisations.service import hash_key

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEBTOR = "the debtor (stop link)"
PREFERENCE_FIELDS = ("language", "tone", "reminder_anchor", "reminder_time", "moratorium_until", "moratorium_reason")


def checked_address(channel: Channel, raw: str) -> str:
    """An e-mail address as given (trimmed), or a phone number in E.164; a 422 naming /address if it is not one."""
    if channel is Channel.EMAIL:
        address = raw.strip()
        if not EMAIL.match(address) or len(address) > 320:
            raise InvalidInputError("Not a valid e-mail address.", [FieldError("/address", "not an e-mail address")],
                                    code=Refusal.EMAIL_INVALID)
        return address
    return to_e164(raw, "NL", field="/address", mobile=True)  # texts and WhatsApp reach mobile numbers only


def masked(address: str) -> str:
    """For the audit trail: enough to tell addresses apart, not the address."""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{address[:3]}******{address[-2:]}"


def contact_record(contact: DebtorContact) -> dict[str, Any]:
    return {"channel": contact.channel.value, "address": masked(contact.address),
            "consent_at": contact.consent_at.isoformat(), "consent_source": contact.consent_source,
            "opted_out_at": contact.opted_out_at.isoformat() if contact.opted_out_at else None}


class MessageService(CaseScopedService[DebtorMessage]):
    class Repo(SQLAlchemyAsyncRepository[DebtorMessage]):
        model_type = DebtorMessage

    repository_type = Repo

    # --- contacts and consent ---------------------------------------------------------------

    async def contacts(self, actor: Actor, case_id: uuid.UUID, page: PageRequest) -> Page[DebtorContact]:
        case = await self.cases.find_own(actor, case_id, "see the debtor's contacts")
        query = select(DebtorContact).where(DebtorContact.case_id == case.id)
        return await fetch_page(self.session, query, (DebtorContact.created_at, DebtorContact.id), page)

    async def record_contact(self, actor: Actor, case_id: uuid.UUID, channel: Channel, address: str,
                             consent_source: str, consent_at: dt.datetime | None = None) -> DebtorContact:
        """The debtor's address on `channel` with their consent; a new address or consent replaces the old one
        (and undoes an opt-out: the debtor said yes again)."""
        case = await self.cases.find_own(actor, case_id, "record the debtor's contact")
        case.require_open("record the debtor's contact")
        now = utcnow()
        given = consent_at or now
        if given > now + dt.timedelta(minutes=5):
            raise InvalidInputError("Consent cannot be given in the future.",
                                    [FieldError("/consent_at", "is in the future")], code=Refusal.CONSENT_IN_FUTURE)
        contact = (await self.session.execute(select(DebtorContact).where(
            DebtorContact.case_id == case.id, DebtorContact.channel == channel))).scalar_one_or_none()
        before = contact_record(contact) if contact else None
        if contact is None:
            contact = DebtorContact(case_id=case.id, channel=channel)
            self.session.add(contact)
        contact.address, contact.consent_source = checked_address(channel, address), consent_source
        contact.consent_at, contact.opted_out_at = given, None
        await self.session.flush()
        self.record(event(EventKind.MESSAGE_CONTACT_RECORDED, actor, contact, case_id=case.id, before=before,
                          after={**contact_record(contact), "recorded_by": actor.name}))
        await self._replan(case)
        await self.uow.commit()
        return contact

    async def opt_out(self, actor: Actor, case_id: uuid.UUID, channel: Channel) -> DebtorContact:
        case = await self.cases.find_own(actor, case_id, "record an opt-out")
        contact = (await self.session.execute(select(DebtorContact).where(
            DebtorContact.case_id == case.id, DebtorContact.channel == channel))).scalar_one_or_none()
        if contact is None:
            raise NotFoundError(f"The case has no {channel.value} contact.")
        await self._opt_out(actor, case, contact, "opted out (recorded by the counsellor)")
        await self.uow.commit()
        return contact

    async def debtor_opt_out(self, token: str, channel: Channel | None) -> list[DebtorContact]:
        """The debtor's stop link: `channel`, or every channel, stops at once. An unknown, expired or revoked
        link is a NotFound, as everywhere on the debtor's side; stopping twice changes nothing."""
        case = await self.debtor_case(token)
        query = select(DebtorContact).where(DebtorContact.case_id == case.id)
        if channel is not None:
            query = query.where(DebtorContact.channel == channel)
        contacts = list((await self.session.execute(query)).scalars())
        debtor = Actor(case.organisation_id, Role.COUNSELLOR, DEBTOR)
        for contact in contacts:
            await self._opt_out(debtor, case, contact, "opted out by the debtor (stop link)")
        await self.uow.commit()
        return contacts

    async def debtor_case(self, token: str) -> Case:
        """The case behind a live debtor link; unknown, expired and revoked links are one and the same NotFound."""
        link = (await self.session.execute(select(DebtorLink).where(DebtorLink.token_hash == hash_key(token)))
                ).scalar_one_or_none()
        if link is None or not is_live(link, utcnow()):
            raise NotFoundError("This link does not work (any more): it is unknown, expired or revoked.")
        return await self.session.get_one(Case, link.case_id)

    async def _opt_out(self, actor: Actor, case: Case, contact: DebtorContact, reason: str) -> None:
        if contact.opted_out_at is not None:
            return
        before = contact_record(contact)
        contact.opted_out_at = utcnow()
        await self.session.flush()
        await close_planned(self.session, case.id, MessageStatus.SKIPPED, reason, channel=contact.channel)
        self.record(event(EventKind.MESSAGE_OPTED_OUT, actor, contact, case_id=case.id, before=before,
                          after={**contact_record(contact), "by": actor.name}))

    # --- preferences ------------------------------------------------------------------------

    async def preferences(self, actor: Actor, case_id: uuid.UUID) -> MessagePreferences:
        """The case's row, or an unsaved one with the defaults."""
        case = await self.cases.find_own(actor, case_id, "see the message preferences")
        return await self._preferences(case)

    async def set_preferences(self, actor: Actor, case_id: uuid.UUID, data: dict[str, Any]) -> MessagePreferences:
        case = await self.cases.find_own(actor, case_id, "change the message preferences")
        case.require_open("change the message preferences")
        if data.get("moratorium_until") and not data.get("moratorium_reason"):
            raise InvalidInputError("A breathing space needs its reason.",
                                    [FieldError("/moratorium_reason", "required with moratorium_until")],
                                    code=Refusal.BREATHING_SPACE_NEEDS_REASON)
        row = await self._preferences(case)
        before = self._snapshot(row)
        for name in PREFERENCE_FIELDS:
            if name in data:
                setattr(row, name, "" if data[name] is None and name == "moratorium_reason" else data[name])
        if row.moratorium_until is None:
            row.moratorium_reason = ""
        self.session.add(row)
        await self.session.flush()
        self.record(event(EventKind.MESSAGE_PREFERENCES_CHANGED, actor, row, case_id=case.id, before=before,
                          after=self._snapshot(row)))
        await self._replan(case)
        await self.uow.commit()
        return row

    async def _preferences(self, case: Case) -> MessagePreferences:
        row = (await self.session.execute(select(MessagePreferences).where(MessagePreferences.case_id == case.id))
               ).scalar_one_or_none()
        if row is None:
            defaults = await wishes(self.session, case.id)
            row = MessagePreferences(case_id=case.id, language=defaults.language, tone=defaults.tone,
                                     reminder_anchor=defaults.anchor, reminder_time=defaults.reminder_time,
                                     moratorium_until=None, moratorium_reason="", version=1)
        return row

    @staticmethod
    def _snapshot(row: MessagePreferences) -> dict[str, Any]:
        values = {name: getattr(row, name) for name in PREFERENCE_FIELDS}
        return {name: value.isoformat() if isinstance(value, dt.date | dt.time) else value
                for name, value in values.items()}

    async def _replan(self, case: Case) -> None:
        """An active case's coming reminders on its contacts and preferences as they are now. The case row is
        locked first, as the message chore locks it, so the two never plan the same reminder at once."""
        version = await active_version(self.session, case.id) if case.state is CaseState.ACTIVE else None
        if version is not None:
            await self.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
            await plan_reminders(self.session, case, version, utcnow())
            prefs = await wishes(self.session, case.id)
            if prefs.moratorium_until is not None:
                await close_planned(self.session, case.id, MessageStatus.SKIPPED,
                                    breathing_space(prefs.moratorium_until),
                                    kinds=[MessageKind.PAYMENT_REMINDER, MessageKind.MISSED_PAYMENT],
                                    payment_until=prefs.moratorium_until)

    # --- messages ---------------------------------------------------------------------------

    async def write(self, actor: Actor, case_id: uuid.UUID, text: str) -> list[DebtorMessage]:
        """The counsellor's own message, on every channel the debtor can be reached on, at the next allowed moment."""
        case = await self.cases.find_own(actor, case_id, "write to the debtor")
        case.require_open("write to the debtor")
        contacts = await reachable(self.session, case.id)
        if not contacts:
            raise ConflictError("The debtor cannot be reached: record a contact with consent first.",
                                code=Refusal.DEBTOR_UNREACHABLE)
        if len(text) > FREE_TEXT_MAX_CHARS and any(c.channel is not Channel.EMAIL for c in contacts):
            raise InvalidInputError(
                f"At most {FREE_TEXT_MAX_CHARS} characters: the text also goes by SMS or WhatsApp, with the amount, "
                "the links, your contact and how to stop.", [FieldError("/text", "too long for a text message")],
                code=Refusal.MESSAGE_TOO_LONG, facts={"max_chars": FREE_TEXT_MAX_CHARS})
        wanted = Planned(MessageKind.FREE, f"free:{uuid.uuid4()}", timing.next_allowed(utcnow(), case.country),
                         facts={"free_text": text})
        made = await plan(self.session, case.id, wanted, contacts, await wishes(self.session, case.id), actor.name)
        self.record(*(event(EventKind.MESSAGE_WRITTEN, actor, row, case_id=case.id,
                            after={"channel": row.channel.value, "due_at": row.due_at.isoformat(),
                                   "length": len(text)}) for row in made))
        await self.uow.commit()
        return made

    async def messages(self, actor: Actor, case_id: uuid.UUID, page: PageRequest) -> Page[DebtorMessage]:
        case = await self.cases.find_own(actor, case_id, "see the debtor's messages")
        query = select(DebtorMessage).where(DebtorMessage.case_id == case.id)
        return await fetch_page(self.session, query, (DebtorMessage.created_at, DebtorMessage.id), page)

