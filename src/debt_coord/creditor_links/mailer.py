"""The worker that sends the creditor-link e-mails (`creditor_link_mails`), each at most once.

Run as a periodic chore beside webhook delivery (bootstrap.chores: in the API process without Redis, in every
worker with it). As messages/delivery.py does for the debtor's messages: a due row is locked (PostgreSQL: FOR
UPDATE SKIP LOCKED) and moved from `planned` to `sending` by a conditional UPDATE, checked again as things are now,
and COMMITTED before anything leaves; the e-mail then goes out over SMTP (the debtor e-mails' settings, smtp_* and
mail_from), and a second unit records the outcome. A worker that dies in between leaves the row `sending`; after
message_uncertain_after_seconds it is `uncertain`: perhaps sent, never sent again.

The token: the link is made in that first unit (a long random token, only its SHA-256 stored, as every creditor
link), so the token exists only in the worker's memory and in the e-mail, never in a row; there is no secret to
derive it from, to keep or to rotate. A send refused for now revokes its link; the next attempt makes a new one.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from debt_coord.cases.models import Case
from debt_coord.creditor_links.mails import MailFacts, integrated, mail_text
from debt_coord.creditor_links.models import CreditorLink, CreditorLinkMail, MailStatus
from debt_coord.creditor_links.service import DEFAULT_VALID_DAYS, MAX_VALID_DAYS, CreditorLinkService
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.clock import today
from debt_coord.kernel.events import EventKind, MessageBus, event
from debt_coord.kernel.orm import utcnow
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import UnitOfWork, UnitsOfWork, units_of_work
from debt_coord.messages.channels.base import ChannelNotConfigured, Outgoing, SendFailed, SendUncertain
from debt_coord.messages.channels.email import EmailAdapter
from debt_coord.negotiation.models import Decision
from debt_coord.organisations.models import Organisation
from debt_coord.planning.models import PlanStatus, PlanVersion
from debt_coord.planning.service import LoadedPlan
from debt_coord.webhooks.delivery import backoff

log = logging.getLogger(__name__)
SYSTEM = "debt-coord (creditor link e-mail)"
PAGE_PATH = "/creditor"
MAX_ATTEMPTS = 5
ROUND_LIMIT = 100
LINK_DAYS_AFTER_DEADLINE = 14
"""A mailed link works at least DEFAULT_VALID_DAYS, and this long after the response deadline."""


@dataclass(frozen=True)
class Ready:
    mail_id: uuid.UUID
    link_id: uuid.UUID
    outgoing: Outgoing


async def _take(session: AsyncSession, mail_id: uuid.UUID, now: dt.datetime) -> CreditorLinkMail | None:
    query = select(CreditorLinkMail).where(CreditorLinkMail.id == mail_id, CreditorLinkMail.due_at <= now,
                                           CreditorLinkMail.status == MailStatus.PLANNED)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    if (await session.execute(query)).scalar_one_or_none() is None:
        return None
    taken = await session.execute(
        update(CreditorLinkMail)
        .where(CreditorLinkMail.id == mail_id, CreditorLinkMail.status == MailStatus.PLANNED)
        .values(status=MailStatus.SENDING, taken_at=now, attempts=CreditorLinkMail.attempts + 1)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return (await session.execute(select(CreditorLinkMail).where(CreditorLinkMail.id == mail_id)
                                  .execution_options(populate_existing=True))).scalar_one()


async def _why_not(session: AsyncSession, mail: CreditorLinkMail, version: PlanVersion, case: Case,
                   creditor: Organisation) -> str:
    """Why this e-mail must not go out now ('' when it may)."""
    newest = await session.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.case_id == case.id))
    if version.status is not PlanStatus.PROPOSED or newest != version.number:
        return f"plan version {version.number} is no longer the proposal out for answers"
    if case.closed:
        return "the case is closed"
    if version.response_deadline is not None and version.response_deadline < today():
        return "the response deadline has passed"
    if not creditor.contact_email:
        return "the creditor has no e-mail address any more"
    if await integrated(session, {creditor.id}):
        return "the creditor has an integration (a webhook endpoint) now"
    answered = await session.execute(select(Decision.id).where(Decision.plan_version_id == version.id,
                                                               Decision.organisation_id == mail.organisation_id))
    if answered.first() is not None:
        return "the creditor has already answered"
    return ""


def _valid_days(deadline: dt.date | None) -> int:
    wanted = (deadline - today()).days + LINK_DAYS_AFTER_DEADLINE if deadline else 0
    return min(MAX_VALID_DAYS, max(DEFAULT_VALID_DAYS, wanted))


def _end(mail: CreditorLinkMail, status: MailStatus, reason: str) -> None:
    mail.status, mail.status_reason = status, reason[:300]
    log.info("creditor link e-mail %s %s: %s", mail.id, status.value, reason)


async def prepare(uow: UnitOfWork, settings: Settings, mail_id: uuid.UUID, now: dt.datetime) -> Ready | None:
    """Take one due e-mail, check it, make its link and commit it as `sending`; None when nothing is to be sent."""
    session = uow.session
    mail = await _take(session, mail_id, now)
    if mail is None:
        return None
    version = await session.get_one(PlanVersion, mail.plan_version_id)
    case = await session.get_one(Case, version.case_id)
    creditor = await session.get_one(Organisation, mail.organisation_id)
    counsellor = await session.get_one(Organisation, case.organisation_id)
    reason = await _why_not(session, mail, version, case, creditor)
    if reason:
        _end(mail, MailStatus.CANCELLED, reason)
        await uow.commit()
        return None
    try:
        EmailAdapter(settings)
    except ChannelNotConfigured:
        _end(mail, MailStatus.SKIPPED, "e-mail is not configured (DEBT_COORD_SMTP_HOST, DEBT_COORD_MAIL_FROM)")
        await uow.commit()
        return None
    system = Actor(case.organisation_id, Role.COUNSELLOR, SYSTEM)
    issued = await CreditorLinkService(uow).make(system, LoadedPlan(version, case), creditor.id,
                                                 _valid_days(version.response_deadline))
    url = f"{settings.effective_public_url}{PAGE_PATH}?{urlencode({'token': issued.token})}"
    contact = " / ".join(c for c in (counsellor.contact_phone, counsellor.contact_email) if c)
    subject, body = mail_text(MailFacts(creditor.name, counsellor.name, contact, case, version.response_deadline,
                                        url, issued.link.expires_at.date()))
    assert creditor.contact_email is not None
    mail.address, mail.link_id = creditor.contact_email, issued.link.id
    await uow.commit()
    return Ready(mail.id, issued.link.id, Outgoing(str(mail.id), creditor.contact_email, "nl", subject, body))


@dataclass(frozen=True)
class Outcome:
    status: MailStatus
    reason: str = ""
    provider_message_id: str | None = None
    permanent: bool = True


async def send(settings: Settings, ready: Ready) -> Outcome:
    try:
        result = await EmailAdapter(settings).send(ready.outgoing)
    except ChannelNotConfigured:
        return Outcome(MailStatus.SKIPPED, "e-mail is not configured")
    except SendUncertain as error:
        return Outcome(MailStatus.UNCERTAIN, f"perhaps sent, not sent again: {error.reason}")
    except SendFailed as error:
        return Outcome(MailStatus.FAILED, error.reason, permanent=error.permanent)
    return Outcome(MailStatus.SENT, provider_message_id=result.provider_message_id)


async def record(units: UnitsOfWork, ready: Ready, outcome: Outcome, now: dt.datetime) -> None:
    """Write what the send did; a link whose e-mail did not leave is revoked (a retry makes a new one)."""
    async with units() as uow:
        mail = (await uow.session.execute(
            select(CreditorLinkMail).where(CreditorLinkMail.id == ready.mail_id,
                                           CreditorLinkMail.status.in_([MailStatus.SENDING, MailStatus.UNCERTAIN]))
            .execution_options(populate_existing=True))).scalar_one_or_none()
        if mail is None:
            return
        if outcome.status is MailStatus.SENT:
            mail.status, mail.status_reason, mail.sent_at = MailStatus.SENT, "", now
            mail.provider_message_id = (outcome.provider_message_id or "")[:200]
        else:
            if outcome.status is not MailStatus.UNCERTAIN:
                await _revoke(uow, ready.link_id, now)
            retry = outcome.status is MailStatus.FAILED and not outcome.permanent and mail.attempts < MAX_ATTEMPTS
            if retry:
                mail.status, mail.status_reason = MailStatus.PLANNED, f"retrying: {outcome.reason}"[:300]
                mail.due_at, mail.taken_at = now + backoff(mail.attempts), None
            else:
                mail.status, mail.status_reason = outcome.status, outcome.reason[:300]
        await uow.commit()
    log.info("creditor link e-mail %s: %s", ready.mail_id, outcome.status.value)


async def _revoke(uow: UnitOfWork, link_id: uuid.UUID, now: dt.datetime) -> None:
    link = await uow.session.get(CreditorLink, link_id)
    if link is None or link.revoked_at is not None:
        return
    link.revoked_at = now
    version = await uow.session.get_one(PlanVersion, link.plan_version_id)
    case = await uow.session.get_one(Case, version.case_id)
    uow.record(event(EventKind.CREDITOR_LINK_REVOKED, Actor(case.organisation_id, Role.COUNSELLOR, SYSTEM), link,
                     case_id=case.id, before={"revoked_at": None},
                     after={"revoked_at": now.isoformat(), "why": "its e-mail was not sent"}))


async def mark_uncertain(units: UnitsOfWork, now: dt.datetime, after_seconds: float) -> int:
    async with units() as uow:
        done = await uow.session.execute(
            update(CreditorLinkMail)
            .where(CreditorLinkMail.status == MailStatus.SENDING,
                   CreditorLinkMail.taken_at < now - dt.timedelta(seconds=after_seconds))
            .values(status=MailStatus.UNCERTAIN,
                    status_reason="taken for sending without an outcome: perhaps sent, not sent again"))
        await uow.commit()
    count: int = done.rowcount  # type: ignore[attr-defined]
    return count


async def deliver_one(units: UnitsOfWork, settings: Settings, mail_id: uuid.UUID, now: dt.datetime) -> bool:
    async with units() as uow:
        ready = await prepare(uow, settings, mail_id, now)
    if ready is None:
        return False
    await record(units, ready, await send(settings, ready), utcnow())
    return True


async def deliver_due(units: UnitsOfWork, settings: Settings, now: dt.datetime) -> int:
    """Every e-mail due at `now` (one after the other: there are a few per proposal); how many went to SMTP."""
    async with units() as uow:
        due = (await uow.session.execute(
            select(CreditorLinkMail.id)
            .where(CreditorLinkMail.status == MailStatus.PLANNED, CreditorLinkMail.due_at <= now)
            .order_by(CreditorLinkMail.due_at, CreditorLinkMail.id).limit(ROUND_LIMIT))).scalars().all()
    sent = 0
    for mail_id in due:
        try:
            sent += await deliver_one(units, settings, mail_id, now)
        except Exception as error:  # one broken row must not stop the others; no data in the log
            log.warning("creditor link e-mail %s could not be sent: %s", mail_id, type(error).__name__)
    return sent


class CreditorLinkMailer:
    """A periodic chore (jobs/chores.py): each round, mark the uncertain and send what is due."""

    def __init__(self, settings: Settings, bus: MessageBus) -> None:
        self.settings = settings
        self.bus = bus

    async def __call__(self, sessions: async_sessionmaker[AsyncSession], now: dt.datetime | None = None) -> int:
        moment = now or utcnow()
        units = units_of_work(sessions, self.bus)
        await mark_uncertain(units, moment, self.settings.message_uncertain_after_seconds)
        return await deliver_due(units, self.settings, moment)
