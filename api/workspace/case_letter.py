"""The debtor letter: one printed page with a QR code to the debtor's page and what that page is, in B1 Dutch.

The token exists only when the link is made (only its hash is stored), so the letter is the answer to the form
that makes the link; it is never cached and the address is never sent on as a referrer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from markupsafe import Markup, escape

from api.creditor_links.texts import day
from debt_coord.cases.models import Case
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.organisations.models import Organisation

NL: dict[str, str] = {
    "letter_title": "Uw betaalschema staat online",
    "letter_to": "Aan {debtor}",
    "letter_case": "Dossier {reference}",
    "letter_date": "Datum: {date}",
    "letter_hello": "Beste {debtor},",
    "letter_help": "{counsellor} helpt u met uw schulden. U heeft nu een eigen pagina op internet.",
    "letter_what": "Op die pagina staat wat u betaalt. U ziet het bedrag, de dag en aan wie.",
    "letter_scan": "Scan de QR-code met de camera van uw telefoon. Dan gaat uw pagina open.",
    "letter_type": "Lukt dat niet? Typ dan dit adres over:",
    "letter_proposal": "Staat er dat het een voorstel is? Betaal dan nog niets. Wij laten weten wanneer u begint.",
    "letter_own": "De link is alleen voor u. Geef hem niet aan anderen.",
    "letter_valid": "De link werkt tot {date}.",
    "letter_questions": "Heeft u vragen? Neem contact op met {counsellor}.",
    "letter_phone": "Telefoon: {phone}",
    "letter_email": "E-mail: {email}",
    "letter_qr": "QR-code naar uw betaalschema",
    "letter_print": "Brief printen",
    "letter_back": "Terug naar het dossier",
    "letter_made": "De link is gemaakt. Print deze brief nu: het adres staat later nergens meer.",
}

EN: dict[str, str] = {
    "letter_title": "Your payment schedule is online",
    "letter_to": "To {debtor}",
    "letter_case": "Case {reference}",
    "letter_date": "Date: {date}",
    "letter_hello": "Dear {debtor},",
    "letter_help": "{counsellor} is helping you with your debts. You now have your own page on the internet.",
    "letter_what": "That page shows what you pay. You see the amount, the day and who gets it.",
    "letter_scan": "Scan the QR code with your phone's camera. Your page then opens.",
    "letter_type": "Does that not work? Then type in this address:",
    "letter_proposal": "Does it say it is a proposal? Then do not pay yet. We will tell you when to start.",
    "letter_own": "The link is for you only. Do not give it to anyone else.",
    "letter_valid": "The link works until {date}.",
    "letter_questions": "Any questions? Contact {counsellor}.",
    "letter_phone": "Phone: {phone}",
    "letter_email": "E-mail: {email}",
    "letter_qr": "QR code to your payment schedule",
    "letter_print": "Print the letter",
    "letter_back": "Back to the case",
    "letter_made": "The link is made. Print this letter now: the address is not shown anywhere later.",
}

LETTER_TEXTS = {"nl": NL, "en": EN}


def qr_svg(url: str, label: str) -> Markup:
    """The address as a QR code, inline SVG (sharp in print at any size), named for screen readers."""
    svg = segno.make(url, error="m").svg_inline(scale=4, border=4, omitsize=True, svgclass="qr")
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def letter_context(case: Case, counsellor: Organisation, url: str, expires_at: dt.datetime, lang: str,
                   today: dt.date) -> dict[str, Any]:
    t = LETTER_TEXTS[lang]
    return {
        "lt": t, "lang": lang, "case_id": str(case.id), "url": url, "qr": qr_svg(url, t["letter_qr"]),
        "debtor": case.debtor_name, "reference": case.reference, "counsellor": counsellor.name,
        "phone": counsellor.contact_phone or "", "email": counsellor.contact_email or "",
        "date": day(today, lang), "valid_until": day(expires_at.astimezone(AMSTERDAM).date(), lang),
    }
