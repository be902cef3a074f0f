"""The workspace's own words (the layout, sign-in and the case board), Dutch first, English second.

Each table has the same keys in both languages. W2/W3's pages keep their words in modules of their own.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from api.debtor.texts import LOCALES, language
from solver.money import format_money

__all__ = ["BASE", "BOARD", "CHANNELS", "FIELD_ERRORS", "LOCALES", "SIGN_IN", "STATES", "day", "language", "money"]

BASE: dict[str, dict[str, str]] = {
    "nl": {
        "product": "Schuldregeling werkplek",
        "skip": "Naar de inhoud",
        "nav_label": "Hoofdmenu",
        "nav_cases": "Zaken",
        "switch": "English",
        "switch_lang": "en",
        "switch_label": "Deze pagina in het Engels",
        "signed_in_as": "Ingelogd als {email} ({organisation})",
        "sign_out": "Uitloggen",
        "csrf_title": "Het formulier is verlopen",
        "csrf_text": "Het formulier is verlopen of kwam niet van deze pagina. Er is niets veranderd. "
                     "Open de pagina opnieuw en probeer het nog eens.",
        "back_to_board": "Terug naar de zaken",
        "not_found_title": "Niet gevonden",
        "not_found_text": "Deze zaak bestaat niet of hoort niet bij uw organisatie.",
    },
    "en": {
        "product": "Debt arrangement workspace",
        "skip": "Skip to content",
        "nav_label": "Main menu",
        "nav_cases": "Cases",
        "switch": "Nederlands",
        "switch_lang": "nl",
        "switch_label": "This page in Dutch",
        "signed_in_as": "Signed in as {email} ({organisation})",
        "sign_out": "Sign out",
        "csrf_title": "The form has expired",
        "csrf_text": "The form has expired or did not come from this page. Nothing was changed. "
                     "Open the page again and try once more.",
        "back_to_board": "Back to the cases",
        "not_found_title": "Not found",
        "not_found_text": "This case does not exist or does not belong to your organisation.",
    },
}

SIGN_IN: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Inloggen",
        "email": "E-mailadres",
        "password": "Wachtwoord",
        "submit": "Inloggen",
        "failed": "Het e-mailadres of het wachtwoord klopt niet.",
        "locked": "Te vaak een verkeerd wachtwoord. Probeer het na {time} opnieuw.",
        "signed_out": "U bent uitgelogd.",
        "set_title": "Wachtwoord kiezen",
        "set_intro": "Kies een wachtwoord voor {email}. Gebruik minstens {min} tekens.",
        "new_password": "Nieuw wachtwoord",
        "repeat_password": "Herhaal het wachtwoord",
        "set_submit": "Wachtwoord opslaan",
        "too_short": "Gebruik minstens {min} en hoogstens {max} tekens.",
        "different": "De twee wachtwoorden zijn niet gelijk.",
        "dead_link": "Deze link werkt niet (meer): hij is onbekend, al gebruikt of verlopen. "
                     "Vraag een nieuwe link aan bij de beheerder.",
        "password_set": "Uw wachtwoord is opgeslagen. U kunt nu inloggen.",
    },
    "en": {
        "title": "Sign in",
        "email": "E-mail address",
        "password": "Password",
        "submit": "Sign in",
        "failed": "The e-mail address or the password is not right.",
        "locked": "Too many wrong passwords. Try again after {time}.",
        "signed_out": "You are signed out.",
        "set_title": "Choose a password",
        "set_intro": "Choose a password for {email}. Use at least {min} characters.",
        "new_password": "New password",
        "repeat_password": "Repeat the password",
        "set_submit": "Save password",
        "too_short": "Use at least {min} and at most {max} characters.",
        "different": "The two passwords are not the same.",
        "dead_link": "This link does not work (any more): it is unknown, used or expired. "
                     "Ask the administrator for a new one.",
        "password_set": "Your password is saved. You can sign in now.",
    },
}

BOARD: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Zaken",
        "search_label": "Zoek op dossiernummer of naam",
        "search": "Zoeken",
        "state": "Stand",
        "reference": "Dossier",
        "debtor": "Schuldenaar",
        "claims_deadline": "Vorderingen uiterlijk",
        "response_deadline": "Antwoord uiterlijk",
        "arrears": "Achterstand",
        "none": "Geen zaken gevonden.",
        "next": "Volgende pagina",
        "first": "Eerste pagina",
        "pages": "Pagina's",
        "new_title": "Nieuwe zaak",
        "debtor_name": "Naam schuldenaar",
        "channel": "Contact via",
        "contact": "E-mailadres of telefoonnummer",
        "currency": "Munteenheid",
        "country": "Land (twee letters, bv. NL)",
        "reference_date": "Peildatum",
        "create": "Zaak aanmaken",
        "created": "Zaak {reference} is aangemaakt.",
        "form_error": "Het formulier is niet goed ingevuld. Zie de meldingen bij de velden.",
        "count": "{count} zaken op deze pagina",
    },
    "en": {
        "title": "Cases",
        "search_label": "Search by reference or name",
        "search": "Search",
        "state": "State",
        "reference": "Reference",
        "debtor": "Debtor",
        "claims_deadline": "Claims due by",
        "response_deadline": "Answers due by",
        "arrears": "Arrears",
        "none": "No cases found.",
        "next": "Next page",
        "first": "First page",
        "pages": "Pages",
        "new_title": "New case",
        "debtor_name": "Debtor's name",
        "channel": "Contact by",
        "contact": "E-mail address or phone number",
        "currency": "Currency",
        "country": "Country (two letters, e.g. NL)",
        "reference_date": "Reference date",
        "create": "Create case",
        "created": "Case {reference} was created.",
        "form_error": "The form is not filled in correctly. See the messages at the fields.",
        "count": "{count} cases on this page",
    },
}


def day(value: dt.date | None, lang: str) -> str:
    return "" if value is None else format_date(value, "d MMM y", locale=LOCALES[lang])


def money(cents: int, currency: str, lang: str) -> str:
    return format_money(cents, currency, LOCALES[lang])

STATES: dict[str, dict[str, str]] = {
    "nl": {"collecting": "Vorderingen verzamelen", "planning": "Plan maken", "proposed": "Voorstel ligt voor",
           "active": "Regeling loopt", "completed": "Afgerond", "failed": "Mislukt", "withdrawn": "Ingetrokken"},
    "en": {"collecting": "Collecting claims", "planning": "Planning", "proposed": "Proposal out",
           "active": "Plan running", "completed": "Completed", "failed": "Failed", "withdrawn": "Withdrawn"},
}

CHANNELS: dict[str, dict[str, str]] = {
    "nl": {"email": "E-mail", "sms": "Sms", "post": "Post", "app": "App"},
    "en": {"email": "E-mail", "sms": "Text message", "post": "Post", "app": "App"},
}

FIELD_ERRORS: dict[str, dict[str, str]] = {
    "nl": {"reference": "Vul een dossiernummer in (hoogstens 64 tekens).",
           "reference_in_use": "Uw organisatie heeft al een zaak met dit dossiernummer.",
           "debtor_name": "Vul de naam van de schuldenaar in (hoogstens 200 tekens).",
           "debtor_contact_channel": "Kies hoe de schuldenaar bereikt wordt.",
           "debtor_contact": "Vul een geldig e-mailadres of telefoonnummer in.",
           "currency": "Vul een geldige munteenheid in, bijvoorbeeld EUR.",
           "country": "Vul een geldige landcode in, bijvoorbeeld NL.",
           "reference_date": "Vul een geldige datum in (jjjj-mm-dd).",
           "all_states": "Alle standen"},
    "en": {"reference": "Enter a reference (at most 64 characters).",
           "reference_in_use": "Your organisation already has a case with this reference.",
           "debtor_name": "Enter the debtor's name (at most 200 characters).",
           "debtor_contact_channel": "Choose how the debtor is reached.",
           "debtor_contact": "Enter a valid e-mail address or phone number.",
           "currency": "Enter a valid currency, for example EUR.",
           "country": "Enter a valid country code, for example NL.",
           "reference_date": "Enter a valid date (yyyy-mm-dd).",
           "all_states": "All states"},
}
