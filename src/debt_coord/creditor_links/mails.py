"""The e-mails that bring a proposed version's creditor link to the creditors without an integration.

Bus handlers (wired in bootstrap.message_bus), in the proposal's own transaction: `plan.proposed` writes one outbox
row (`creditor_link_mails`) per creditor organisation on the version that has a contact e-mail address and no
active webhook endpoint (an organisation with one has an integration and hears of the proposal by its webhook);
`plan.superseded` cancels the rows of the replaced version that are not sent yet. Nothing leaves here: the worker
(`creditor_links/mailer.py`) makes the link and sends the e-mail, at most once, after the commit.

The text (`mail_text`): plain Dutch, then the same in English; the case reference, the debtor's name and the
counsellor (what the creditor page shows too), what is asked (accept, reject or counter), the deadline and the link.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from babel.dates import format_date
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from debt_coord.cases.models import Case
from debt_coord.creditor_links.models import CreditorLinkMail, MailStatus
from debt_coord.kernel.events import Event
from debt_coord.organisations.models import Organisation
from debt_coord.planning.models import PlanVersion
from debt_coord.webhooks.models import WebhookEndpoint


async def integrated(session: AsyncSession, organisation_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Those of the organisations that have an active webhook endpoint: an integration."""
    if not organisation_ids:
        return set()
    found = await session.execute(select(WebhookEndpoint.organisation_id).where(
        WebhookEndpoint.organisation_id.in_(organisation_ids), WebhookEndpoint.active.is_(True)))
    return set(found.scalars())


async def plan_proposed(session: AsyncSession, happened: Event) -> None:
    version = await session.get(PlanVersion, happened.target_id)
    if version is None:
        return
    creditors = set(version.creditor_ids) - await integrated(session, set(version.creditor_ids))
    with_address = (await session.execute(select(Organisation.id).where(
        Organisation.id.in_(creditors), Organisation.contact_email.is_not(None), Organisation.contact_email != "",
    ))).scalars().all() if creditors else []
    already = set((await session.execute(select(CreditorLinkMail.organisation_id).where(
        CreditorLinkMail.plan_version_id == version.id))).scalars())
    session.add_all(CreditorLinkMail(plan_version_id=version.id, organisation_id=organisation_id)
                    for organisation_id in sorted(with_address) if organisation_id not in already)
    await session.flush()


async def plan_superseded(session: AsyncSession, happened: Event) -> None:
    await session.execute(
        update(CreditorLinkMail)
        .where(CreditorLinkMail.plan_version_id == happened.target_id, CreditorLinkMail.status == MailStatus.PLANNED)
        .values(status=MailStatus.CANCELLED, status_reason="the proposal was replaced before it was sent")
        .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class MailFacts:
    creditor: str
    counsellor: str
    counsellor_contact: str
    case: Case
    deadline: dt.date | None
    page_url: str
    expires: dt.date


def _day(value: dt.date, locale: str) -> str:
    return str(format_date(value, "d MMMM y", locale=locale))


def mail_text(facts: MailFacts) -> tuple[str, str]:
    """(subject, body): Dutch first, then an English paragraph."""
    case, counsellor = facts.case, facts.counsellor
    contact = f" ({facts.counsellor_contact})" if facts.counsellor_contact else ""
    nl_deadline = f" Graag uw antwoord uiterlijk {_day(facts.deadline, 'nl_NL')}." if facts.deadline else ""
    en_deadline = f" and answer by {_day(facts.deadline, 'en_GB')}" if facts.deadline else ""
    subject = f"Betalingsvoorstel {case.reference}: graag uw antwoord / payment proposal: please answer"
    body = f"""Beste {facts.creditor},

{counsellor} doet een voorstel voor een betalingsregeling voor de schulden van {case.debtor_name} \
(dossier {case.reference}). Uw vordering hoort daarbij.

Wilt u het voorstel bekijken? U kunt het accepteren, afwijzen of een tegenvoorstel doen.{nl_deadline}

Bekijk het voorstel en geef uw antwoord via deze link:
{facts.page_url}

De link is alleen voor u: stuur hem niet door. Hij werkt tot {_day(facts.expires, 'nl_NL')}.
Vragen? Neem contact op met {counsellor}{contact}.

English: {counsellor} proposes a payment plan for the debts of {case.debtor_name} (case {case.reference}), \
which include your claim. Please look at the proposal{en_deadline}: you can accept it, reject it or make a \
counter-proposal. Open it with the link above; it is for you only and works until {_day(facts.expires, 'en_GB')}. \
Questions? Contact {counsellor}{contact}.
"""
    return subject, body
