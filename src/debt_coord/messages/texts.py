"""What the debtor's messages say: one Jinja template per kind x tone x language, as files an organisation can
override, rendered into an e-mail (subject, text, HTML), a short text for SMS and a WhatsApp template's parameters.

Texts are for people with little money, little time, low literacy or another first language: short sentences,
plain words (B1), warm by default. Every text says the amount, the date, where to pay, who to call and how to
stop the messages. Firm is never threatening; tests hold the texts to that and to a readability score.

Template files: templates/<language>/<kind>.<tone>.txt with the blocks `subject`, `text` and `sms`; the shared
footers templates/<language>/_footer.txt and _footer_sms.txt; the e-mail layout templates/email.html (autoescaped).
An organisation's own files live in <message_templates_dir>/<organisation id>/ with the same names and win.
The firm files of kinds outside FIRM_KINDS hold the neutral text: effective_tone never picks them, but every
combination renders. WhatsApp templates (templates/whatsapp/<language>/<name>.json) are the definitions as
submitted to Meta; their {{1}}, {{2}}, ... are filled in WHATSAPP_PARAMETERS order.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, Template, TemplateError, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from debt_coord.kernel.settings import Settings
from debt_coord.messages.models import Language, MessageKind, Tone
from debt_coord.messages.sms_length import fit_sms
from solver.money import format_money

TEMPLATES_DIR = Path(__file__).parent / "templates"

LOCALES: Mapping[Language, str] = {Language.NL: "nl_NL", Language.EN: "en_GB", Language.TR: "tr_TR"}

NEEDS_AMOUNT_AND_DATE = frozenset({MessageKind.PLAN_PROPOSED, MessageKind.PLAN_ACTIVE, MessageKind.PAYMENT_REMINDER,
                                   MessageKind.MISSED_PAYMENT, MessageKind.PLAN_VARIED, MessageKind.PLAN_COMPLETED})
"""Kinds whose text is about a payment: without an amount and a date they would tell the debtor nothing."""

FIRM_KINDS = frozenset({MessageKind.PAYMENT_REMINDER, MessageKind.FREE})
"""Where a firm tone may be used at all (and never in a case's first message): the payment-date reminder, for
people who can pay and don't, and the counsellor's own message. A missed-payment nudge stays calm (a missed
payment is most often a sign of trouble, and the issue asks for it calm); news about the plan is information."""

FREE_TEXT_MAX_CHARS = 120
"""The longest free message a counsellor may write (two short sentences): with the payment, links, contact and
stop it still fits three SMS segments in every language (tests hold it to that)."""

WHATSAPP_PARAMETERS: Mapping[MessageKind, tuple[str, ...]] = {
    MessageKind.FREE: ("debtor_name", "free_text", "counsellor", "page_url", "stop_url"),
    **{kind: ("debtor_name", "amount", "date", "page_url", "counsellor", "stop_url")
       for kind in NEEDS_AMOUNT_AND_DATE},
}
"""What fills {{1}}, {{2}}, ... of each kind's WhatsApp template, in order (same for every tone and language)."""


@dataclass(frozen=True)
class MessageFacts:
    """What a message is about. `amount_cents` and `payment_date`: what the debtor pays on the date the message is
    about (the first date for plan news, the last for a completed plan)."""

    debtor_name: str
    case_reference: str
    currency: str
    amount_cents: int | None
    payment_date: dt.date | None
    page_url: str
    stop_url: str
    counsellor_name: str
    counsellor_contact: str
    """The organisation's phone number or e-mail address."""
    creditor_count: int | None = None
    payments_left: int | None = None
    end_date: dt.date | None = None
    free_text: str | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    """Plain text: the e-mail's text part, and what is kept as sent."""
    html: str
    short: str
    """For SMS: at most 3 segments (Turkish falls back to GSM-7 letters when UCS-2 would not fit)."""
    whatsapp_template: str
    """The approved template's name; its language code is the message's language."""
    whatsapp_parameters: tuple[str, ...]


class MissingFact(ValueError):
    """A message kind needs a fact (an amount, a date, the free text) that was not given."""


class BrokenTemplate(MissingFact):
    """A template (most likely an organisation's own) that does not render: an unknown name, a missing block,
    bad syntax. Like a missing fact, the message cannot be written; the reason says which file."""


def effective_tone(kind: MessageKind, wanted: Tone, earlier_messages: int) -> Tone:
    """The tone a message is sent in: firm only where it may be (FIRM_KINDS) and never in a case's first
    message (`earlier_messages`: messages the case had before this one); otherwise neutral."""
    if wanted is Tone.FIRM and (kind not in FIRM_KINDS or earlier_messages <= 0):
        return Tone.NEUTRAL
    return wanted


def overrides_for(settings: Settings, organisation_id: uuid.UUID) -> Path | None:
    """The organisation's own template folder, when the setting names one and it exists."""
    if settings.message_templates_dir is None:
        return None
    folder = settings.message_templates_dir / str(organisation_id)
    return folder if folder.is_dir() else None


def render(kind: MessageKind, tone: Tone, language: Language, facts: MessageFacts, *,
           overrides: Path | None = None) -> Rendered:
    """The message in every form the channels need; `overrides`: an organisation's folder (`overrides_for`)."""
    _check(kind, facts)
    try:
        return _render(kind, tone, language, facts, overrides)
    except (TemplateError, LookupError) as error:
        raise BrokenTemplate(f"{language.value}/{kind.value}.{tone.value}.txt: {error}") from error


def _render(kind: MessageKind, tone: Tone, language: Language, facts: MessageFacts, overrides: Path | None
            ) -> Rendered:
    env = _environment(str(overrides) if overrides else None)
    values = {**_values(language, facts), "kind": kind.value, "tone": tone.value, "language": language.value}
    template = env.get_template(f"{language.value}/{kind.value}.{tone.value}.txt")
    subject = " ".join(_block(template, "subject", values).split())
    body = _tidy(_block(template, "text", values))
    short = fit_sms(" ".join(_block(template, "sms", values).split()), language.value)
    html = env.get_template("email.html").render(
        language=language.value, subject=subject, paragraphs=body.split("\n\n"),
        links=(facts.page_url, facts.stop_url))
    name = whatsapp_template_name(kind, tone)
    parameters = tuple(_whatsapp_value(values[key]) for key in WHATSAPP_PARAMETERS[kind])
    return Rendered(subject=subject, body=body, html=html, short=short, whatsapp_template=name,
                    whatsapp_parameters=parameters)


def whatsapp_template_name(kind: MessageKind, tone: Tone) -> str:
    """The approved template a message uses: a firm tone has templates only where it may be used (FIRM_KINDS);
    elsewhere the neutral one stands in, so fewer templates wait for Meta's approval."""
    used = Tone.NEUTRAL if tone is Tone.FIRM and kind not in FIRM_KINDS else tone
    return f"{kind.value}_{used.value}"


def whatsapp_names() -> list[str]:
    """Every template name to submit, once per language (templates/whatsapp/<language>/<name>.json)."""
    return sorted({whatsapp_template_name(kind, tone) for kind in MessageKind for tone in Tone})


def whatsapp_definition(kind: MessageKind, tone: Tone, language: Language) -> dict[str, Any]:
    """The WhatsApp template a message uses, as submitted to Meta for approval (name, language, category,
    components with the BODY text and its {{1}}, {{2}}, ... placeholders)."""
    name = whatsapp_template_name(kind, tone)
    path = TEMPLATES_DIR / "whatsapp" / language.value / f"{name}.json"
    definition: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return definition


def whatsapp_text(kind: MessageKind, tone: Tone, language: Language, parameters: Sequence[str]) -> str:
    """The approved template's body with its {{n}} filled: what the debtor reads on WhatsApp."""
    body = next(c["text"] for c in whatsapp_definition(kind, tone, language)["components"] if c["type"] == "BODY")
    return re.sub(r"\{\{(\d+)\}\}", lambda m: parameters[int(m.group(1)) - 1], str(body))


def _check(kind: MessageKind, facts: MessageFacts) -> None:
    if kind in NEEDS_AMOUNT_AND_DATE and (facts.amount_cents is None or facts.payment_date is None):
        raise MissingFact(f"a {kind.value} message needs the amount and the payment date")
    if kind is MessageKind.FREE and not (facts.free_text or "").strip():
        raise MissingFact("a free message needs its text")


def _values(language: Language, facts: MessageFacts) -> dict[str, Any]:
    locale = LOCALES[language]

    def day(value: dt.date | None) -> str:
        return str(format_date(value, "full", locale=locale)) if value else ""

    amount = format_money(facts.amount_cents, facts.currency, locale) if facts.amount_cents is not None else ""
    contact = facts.counsellor_contact.strip()
    return {
        "debtor_name": facts.debtor_name.strip(), "case_reference": facts.case_reference, "amount": amount,
        "date": day(facts.payment_date), "end_date": day(facts.end_date), "page_url": facts.page_url,
        "stop_url": facts.stop_url, "counsellor_name": facts.counsellor_name.strip(), "counsellor_contact": contact,
        "counsellor": f"{facts.counsellor_name.strip()} ({contact})" if contact else facts.counsellor_name.strip(),
        "creditor_count": facts.creditor_count, "payments_left": facts.payments_left,
        "free_text": (facts.free_text or "").strip(),
    }


@lru_cache(maxsize=64)
def _environment(overrides: str | None) -> ImmutableSandboxedEnvironment:
    loaders = [FileSystemLoader(overrides)] if overrides else []
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader([*loaders, FileSystemLoader(TEMPLATES_DIR)]),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined, lstrip_blocks=True, auto_reload=True)
    env.filters["linked"] = _linked
    return env


def _block(template: Template, name: str, values: Mapping[str, Any]) -> str:
    if name not in template.blocks:
        raise LookupError(f"template {template.name} has no block {name!r}")
    return "".join(template.blocks[name](template.new_context(dict(values))))


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _linked(paragraph: str, links: Sequence[str]) -> Markup:
    """A paragraph for HTML: escaped, line breaks kept, and the message's own links made clickable."""
    html = str(escape(paragraph)).replace("\n", "<br>\n")
    urls = sorted({str(escape(u)) for u in links if u}, key=len, reverse=True)
    if urls:
        pattern = "|".join(re.escape(url) for url in urls)
        html = re.sub(pattern, lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', html)
    return Markup(html)  # every part was escaped above


def _whatsapp_value(value: object) -> str:
    """Cloud API parameters may not hold new lines, tabs or more than four spaces in a row."""
    return " ".join(str(value).split())
