"""Bodies of the debtor's messages: contacts with consent, opt-outs, preferences, a free message, the list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from api.common import Body, Date, Out
from debt_coord.messages.models import (
    Channel,
    DebtorContact,
    Language,
    MessageKind,
    MessagePreferences,
    MessageStatus,
    ReminderAnchor,
    Tone,
)
from debt_coord.messages.service import masked

Source = Annotated[str, Field(min_length=3, max_length=200)]
LocalTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["09:00", "19:30"])]
"""A wall-clock time in Amsterdam, hours and minutes."""


class ContactIn(Body):
    channel: Channel
    address: Annotated[str, Field(min_length=3, max_length=320)]
    """An e-mail address, or a phone number (national Dutch or international; stored as E.164)."""
    consent_source: Source
    """How the debtor gave consent and where it is kept, e.g. "intake form, signed 2026-11-30"."""
    consent_at: AwareDatetime | None = None
    """When the debtor gave consent (with its UTC offset); now if left out. Not in the future."""

    @field_validator("consent_at")
    @classmethod
    def _plausible(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and not dt.datetime(2000, 1, 1, tzinfo=dt.UTC) <= value <= dt.datetime(
                2199, 12, 31, tzinfo=dt.UTC):
            raise ValueError("must be between 2000 and 2199")
        return value


class OptOutIn(Body):
    channel: Channel


class ContactOut(Out):
    id: uuid.UUID
    channel: Channel
    address: str
    consent_at: dt.datetime
    consent_source: str
    opted_out_at: dt.datetime | None
    reachable: bool
    """Consent and no opt-out: messages go to this address."""


def contact_out(contact: DebtorContact) -> ContactOut:
    return ContactOut(id=contact.id, channel=contact.channel, address=contact.address, consent_at=contact.consent_at,
                      consent_source=contact.consent_source, opted_out_at=contact.opted_out_at,
                      reachable=contact.opted_out_at is None)


class DebtorOptOutOut(BaseModel):
    stopped: list[Channel]
    """The channels on which no more messages go out."""
    addresses: list[str]
    """Partly hidden, so the debtor can tell which."""


def debtor_opt_out_out(contacts: list[DebtorContact]) -> DebtorOptOutOut:
    return DebtorOptOutOut(stopped=[c.channel for c in contacts], addresses=[masked(c.address) for c in contacts])


class PreferencesIn(Body):
    """Only the fields given change."""

    language: Language | None = None
    tone: Tone | None = None
    """warm (default), neutral, or firm: firm only for people who can pay and don't, never a first message."""
    reminder_anchor: ReminderAnchor | None = None
    reminder_time: LocalTime | None = None
    """Local time (Europe/Amsterdam) on the anchor day, "HH:MM"; quiet hours (21:00-08:00) move it to 08:00 the next
    allowed morning."""
    moratorium_until: Date | None = None
    """A breathing space or moratorium: no reminders or nudges up to and including this day (null ends it)."""
    moratorium_reason: Annotated[str, Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _no_null_but_the_breathing_space(self) -> PreferencesIn:
        for name in ("language", "tone", "reminder_anchor", "reminder_time"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null: leave it out to keep it")
        return self

    def changes(self) -> dict[str, object]:
        given = self.model_dump(exclude_unset=True)
        if given.get("reminder_time") is not None:
            given["reminder_time"] = dt.time.fromisoformat(given["reminder_time"])
        return given


class PreferencesOut(BaseModel):
    language: Language
    tone: Tone
    reminder_anchor: ReminderAnchor
    reminder_time: LocalTime
    moratorium_until: dt.date | None
    moratorium_reason: str


def preferences_out(row: MessagePreferences) -> PreferencesOut:
    return PreferencesOut(language=row.language, tone=row.tone, reminder_anchor=row.reminder_anchor,
                          reminder_time=row.reminder_time.strftime("%H:%M"), moratorium_until=row.moratorium_until,
                          moratorium_reason=row.moratorium_reason)


class FreeMessageIn(Body):
    text: Annotated[str, Field(min_length=1, max_length=1000)]
    """The counsellor's own words; the message adds the amount, the link to the page, the contact and how to stop."""


class MessageOut(Out):
    id: uuid.UUID
    kind: MessageKind
    channel: Channel
    language: Language
    tone: Tone
    status: MessageStatus
    status_reason: str
    due_at: dt.datetime
    payment_date: dt.date | None
    amount_cents: int | None
    address: str
    subject: str
    body: str
    """The text as sent (empty until it is)."""
    created_at: dt.datetime
    created_by: str
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    read_at: dt.datetime | None
