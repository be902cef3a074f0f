"""The creditor page's words, Dutch first (plain language, 'u'), English second. Same keys in both tables."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel.dates import format_date
from babel.numbers import format_percent

from api.debtor.texts import LOCALES, language
from solver.money import format_money

NL: dict[str, str] = {
    "title": "Voorstel betalingsregeling",
    "for": "Voor {creditor}",
    "switch": "English",
    "switch_lang": "en",
    "switch_label": "Read this page in English",
    "intro": "{counsellor} helpt {debtor} met de schulden. Alle schuldeisers krijgen samen één voorstel. "
             "Hieronder ziet u wat u krijgt. Laat weten of u akkoord gaat.",
    "case": "Dossier {reference}, voorstel {number}",
    "deadline": "Geef uw antwoord vóór {date}.",
    "no_deadline": "Geef uw antwoord zo snel mogelijk.",
    "own_heading": "Wat u krijgt",
    "owed": "U vordert",
    "paid": "U krijgt in totaal",
    "percentage": "Dat is",
    "percentage_value": "{percent} van uw vordering",
    "payments": "Aantal betalingen",
    "first": "Eerste betaling",
    "last": "Laatste betaling",
    "dates_heading": "Uw betalingen",
    "date": "Datum",
    "amount": "Bedrag",
    "none_paid": "Dit voorstel betaalt u niets.",
    "all_heading": "Alle schuldeisers samen",
    "all_intro": "Zo verdeelt het voorstel het geld over alle schuldeisers. Rekeningnummers van anderen ziet u niet.",
    "owed_all": "Vordering",
    "paid_all": "Krijgt in totaal",
    "creditor": "Schuldeiser",
    "you": "(u)",
    "total": "Totaal",
    "term": "Looptijd: {months} maanden, vanaf {start}.",
    "answer_heading": "Uw antwoord",
    "now_accept": "U heeft dit voorstel geaccepteerd.",
    "now_reject": "U heeft dit voorstel afgewezen.",
    "now_counter": "U heeft een tegenvoorstel gedaan.",
    "now_none": "U heeft nog niet geantwoord.",
    "now_reason": "Uw toelichting: {reason}",
    "change": "U kunt uw antwoord nog veranderen tot de schuldhulpverlener het plan start.",
    "accept_heading": "Akkoord",
    "accept_button": "Ik ga akkoord",
    "reject_heading": "Niet akkoord",
    "reject_reason": "Waarom niet? (verplicht)",
    "reject_button": "Ik ga niet akkoord",
    "counter_heading": "Tegenvoorstel",
    "counter_intro": "Vul in wat u minimaal nodig heeft. Eén veld is genoeg. De schuldhulpverlener kan dan een "
                     "nieuw voorstel maken.",
    "min_payment": "Elke betaling aan u minstens (bedrag, bijvoorbeeld 25,00)",
    "fixed_installment": "Elke betaling aan u precies (bedrag)",
    "latest_end_date": "Uiterlijk klaar op (datum)",
    "max_transfers": "Hoogstens zoveel betalingen",
    "counter_reason": "Toelichting (mag leeg)",
    "counter_button": "Tegenvoorstel versturen",
    "saved_accept": "Dank u. Uw antwoord is opgeslagen: u gaat akkoord.",
    "saved_reject": "Dank u. Uw antwoord is opgeslagen: u gaat niet akkoord.",
    "saved_counter": "Dank u. Uw tegenvoorstel is opgeslagen. De schuldhulpverlener neemt het mee.",
    "unchanged": "Dit antwoord had u al gegeven. Er is niets veranderd.",
    "form_error": "Er klopt iets niet in het formulier. Kijk bij de rode tekst.",
    "error_decision": "Kies: akkoord, niet akkoord of een tegenvoorstel.",
    "error_reason": "Schrijf op waarom u niet akkoord gaat.",
    "error_too_long": "Deze tekst is te lang. Houd het korter (hoogstens 4000 tekens).",
    "error_counter_empty": "Vul minstens één veld in voor uw tegenvoorstel.",
    "error_amount": "Vul een bedrag in boven nul, bijvoorbeeld 25,00.",
    "error_date": "Vul een datum in, bijvoorbeeld 31-12-2027.",
    "error_number": "Vul een heel getal in, 1 of meer.",
    "replaced": "Dit voorstel is vervangen door een nieuw voorstel. U kunt op dit voorstel niet meer antwoorden. "
                "U krijgt een nieuwe link van {counsellor}.",
    "closed": "Op dit voorstel kunt u niet meer antwoorden: {state}.",
    "state_active": "het plan is gestart",
    "state_closed": "het dossier is gesloten",
    "state_other": "het staat niet meer open",
    "too_late": "Uw antwoord is niet opgeslagen. {reason}",
    "race": "Er veranderde net op hetzelfde moment iets aan dit voorstel. Probeer het nog eens.",
    "contact": "Vragen? Neem contact op met {counsellor}.",
    "dead_title": "Deze link werkt niet",
    "dead_text": "De link is verlopen of ingetrokken, of hij is niet helemaal gekopieerd. "
                 "Vraag de schuldhulpverlener om een nieuwe link.",
    "missing_text": "Open deze pagina met de link die u van de schuldhulpverlener kreeg.",
    "csrf_title": "Uw antwoord is niet opgeslagen",
    "csrf_text": "Het formulier is verlopen. Open de link opnieuw en probeer het nog eens.",
}

EN: dict[str, str] = {
    "title": "Payment plan proposal",
    "for": "For {creditor}",
    "switch": "Nederlands",
    "switch_lang": "nl",
    "switch_label": "Lees deze pagina in het Nederlands",
    "intro": "{counsellor} is helping {debtor} with their debts. All creditors get one joint proposal. "
             "Below you see what you get. Please tell us whether you agree.",
    "case": "Case {reference}, proposal {number}",
    "deadline": "Please answer before {date}.",
    "no_deadline": "Please answer as soon as you can.",
    "own_heading": "What you get",
    "owed": "You are owed",
    "paid": "You get in total",
    "percentage": "That is",
    "percentage_value": "{percent} of what you are owed",
    "payments": "Number of payments",
    "first": "First payment",
    "last": "Last payment",
    "dates_heading": "Your payments",
    "date": "Date",
    "amount": "Amount",
    "none_paid": "This proposal pays you nothing.",
    "all_heading": "All creditors together",
    "all_intro": "This is how the proposal shares the money among all creditors. You do not see other creditors' "
                 "account numbers.",
    "owed_all": "Owed",
    "paid_all": "Gets in total",
    "creditor": "Creditor",
    "you": "(you)",
    "total": "Total",
    "term": "Term: {months} months, from {start}.",
    "answer_heading": "Your answer",
    "now_accept": "You accepted this proposal.",
    "now_reject": "You rejected this proposal.",
    "now_counter": "You made a counter-proposal.",
    "now_none": "You have not answered yet.",
    "now_reason": "Your note: {reason}",
    "change": "You can still change your answer until the counsellor starts the plan.",
    "accept_heading": "I agree",
    "accept_button": "I agree",
    "reject_heading": "I do not agree",
    "reject_reason": "Why not? (required)",
    "reject_button": "I do not agree",
    "counter_heading": "Counter-proposal",
    "counter_intro": "Fill in what you need at least. One field is enough. The counsellor can then make a "
                     "new proposal.",
    "min_payment": "Each payment to me at least (amount, for example 25.00)",
    "fixed_installment": "Each payment to me exactly (amount)",
    "latest_end_date": "Finished by (date)",
    "max_transfers": "At most this many payments",
    "counter_reason": "Note (optional)",
    "counter_button": "Send counter-proposal",
    "saved_accept": "Thank you. Your answer is saved: you agree.",
    "saved_reject": "Thank you. Your answer is saved: you do not agree.",
    "saved_counter": "Thank you. Your counter-proposal is saved. The counsellor will take it into account.",
    "unchanged": "You had given this answer already. Nothing changed.",
    "form_error": "Something in the form is not right. Look at the red text.",
    "error_decision": "Choose: agree, do not agree, or a counter-proposal.",
    "error_reason": "Write down why you do not agree.",
    "error_too_long": "This text is too long. Please keep it shorter (at most 4000 characters).",
    "error_counter_empty": "Fill in at least one field for your counter-proposal.",
    "error_amount": "Fill in an amount above zero, for example 25.00.",
    "error_date": "Fill in a date, for example 31-12-2027.",
    "error_number": "Fill in a whole number, 1 or more.",
    "replaced": "This proposal was replaced by a new one. You can no longer answer this proposal. "
                "{counsellor} will send you a new link.",
    "closed": "You can no longer answer this proposal: {state}.",
    "state_active": "the plan has started",
    "state_closed": "the case is closed",
    "state_other": "it is no longer open",
    "too_late": "Your answer was not saved. {reason}",
    "race": "Something about this proposal changed at the same moment. Please try again.",
    "contact": "Questions? Contact {counsellor}.",
    "dead_title": "This link does not work",
    "dead_text": "The link has expired or was withdrawn, or it was not copied completely. "
                 "Ask the debt counsellor for a new link.",
    "missing_text": "Open this page with the link the debt counsellor sent you.",
    "csrf_title": "Your answer was not saved",
    "csrf_text": "The form has expired. Open the link again and try once more.",
}

TEXTS = {"nl": NL, "en": EN}
__all__ = ["TEXTS", "day", "language", "money", "percent"]


# Cached: babel's formatting is most of a page's time when a plan shows hundreds of amounts and dates (issue 15's
# bench: the plan builder, 40 claims), and the same few values recur.
@lru_cache(maxsize=8192)
def money(cents: int, currency: str, lang: str) -> str:
    return format_money(cents, currency, LOCALES[lang])


@lru_cache(maxsize=4096)
def day(value: dt.date | None, lang: str) -> str:
    return format_date(value, "d MMMM y", locale=LOCALES[lang]) if value else ""


@lru_cache(maxsize=4096)
def percent(basis_points: int, lang: str) -> str:
    """'42,5 %' from 4250 basis points."""
    return format_percent(basis_points / 10_000, "#,##0.#%", locale=LOCALES[lang])
