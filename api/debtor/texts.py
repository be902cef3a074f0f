"""The debtor's words, Dutch first (B1: short sentences, everyday words, 'u'), English second.

One table per language with the same keys; `{name}` fields are filled in by the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from babel.dates import format_date
from babel.lists import format_list

from solver.money import format_money

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LOCALES = {"nl": "nl_NL", "en": "en_GB"}

NL: dict[str, str] = {
    "title": "Uw betaalschema",
    "for_name": "Voor {name}",
    "switch": "English",
    "switch_lang": "en",
    "switch_label": "Read this page in English",
    "status_active": "Dit plan is gestart. Alle schuldeisers doen mee.",
    "status_completed": "Deze regeling is afgerond. U hoeft via deze pagina niets meer te betalen.",
    "status_ended": "Deze regeling is gestopt. Betaal niets meer via deze pagina. "
                    "Bel of mail uw schuldhulpverlener: die vertelt u wat u nu moet doen.",
    "status_proposed": "Dit is nog een voorstel. De schuldeisers moeten nog ja zeggen. Betaal nog niets. "
                       "Uw schuldhulpverlener laat weten wanneer u kunt beginnen.",
    "intro": "U betaalt niet meer aan elke schuldeiser apart. U volgt alleen dit schema. "
             "Het geld is verdeeld over al uw schuldeisers.",
    "next_heading": "Uw volgende betaling",
    "pay_on": "Betaal op",
    "total": "Totaal",
    "transfers": "Dit zijn {n} overschrijvingen:",
    "transfer_one": "Dit is 1 overschrijving:",
    "parts": "Deze ene overschrijving betaalt {n} vorderingen tegelijk. Zet alle kenmerken in de omschrijving:",
    "after_income": "Dat is vlak nadat {income} binnenkomt.",
    "after_incomes": "Dat is vlak nadat {income} binnenkomen.",
    "income_salary": "uw salaris",
    "income_benefit": "uw uitkering",
    "income_holiday_pay": "uw vakantiegeld",
    "income_allowance": "uw toeslag",
    "income_other": "uw {label}",
    "income_unknown": "uw inkomen",
    "to": "Aan",
    "amount": "Bedrag",
    "iban": "Rekening (IBAN)",
    "reference": "Omschrijving",
    "left_after": "Daarna nog open bij {creditor}: {amount}",
    "status_paid": "✓ Betaald. Dank u wel.",
    "status_partly_paid": "Er is al {amount} binnen voor deze betaling.",
    "status_overdue": "Deze betaling is nog niet (helemaal) binnen: er mist {amount}. Dat kan gebeuren. "
               "Betaal het als het lukt. Lukt het niet? Bel of mail {counsellor}. Samen zoeken we een oplossing.",
    "qr_alt": "QR-code: betaal {amount} aan {creditor}",
    "qr_help": "Scan de QR-code met de app van uw bank. Kijk of het bedrag klopt voordat u betaalt.",
    "qr_later": "Zodra het plan gestart is, staan hier QR-codes. Daarmee betaalt u makkelijk met de app van uw bank.",
    "qr_none_closed": "Er staan hier geen QR-codes meer: deze regeling loopt niet meer.",
    "qr_none": "Voor deze betaling is geen QR-code. Typ de gegevens over in de app van uw bank.",
    "qr_above": "De QR-codes voor deze betaling staan bovenaan, bij 'Uw volgende betaling'.",
    "copy_hint": "Betaalt u met de bank-app op deze telefoon? Houd uw vinger op het rekeningnummer, het bedrag of "
                 "de omschrijving. Kies dan 'Kopiëren' en plak het in de app van uw bank.",
    "done": "Alle betalingen van dit plan zijn geweest. Goed gedaan!",
    "chart_heading": "Zo wordt uw schuld kleiner",
    "chart_title": "Uw totale schuld in de loop van het plan",
    "chart_desc": "Uw schuld gaat van {start} op {start_date} naar {end} na de laatste betaling op {end_date}.",
    "chart_start": "Nu",
    "chart_end": "Einde",
    "left_forgiven": "Houdt u zich aan het plan? Dan hoeft u de rest ({amount}) daarna niet meer te betalen.",
    "all_paid_off": "Na de laatste betaling is al uw schuld in dit plan betaald.",
    "facts_heading": "Het plan in het kort",
    "fact_start": "Start",
    "fact_end": "Laatste betaling",
    "fact_owed": "Uw schuld nu",
    "fact_paid": "U betaalt in totaal",
    "fact_left": "Blijft over",
    "fact_dates": "Aantal betaaldagen",
    "all_heading": "Alle betalingen",
    "payment_n": "Betaling {n} van {count}",
    "past": "Deze datum is voorbij.",
    "left_total": "Daarna is uw totale schuld: {amount}",
    "keep_back": "Zet na deze betaling {amount} opzij. Dat geld heeft u nodig voor de betaling op {date}.",
    "creditors_heading": "Uw schuldeisers",
    "owed": "Schuld nu",
    "paid": "U betaalt in dit plan",
    "left": "Blijft over",
    "payments_count": "Aantal betalingen",
    "change_heading": "Verandert er iets?",
    "change_intro": "Neem dan meteen contact op met uw schuldhulpverlener. Wacht niet tot u een betaling mist. "
                    "Bijvoorbeeld:",
    "change_income": "U krijgt minder geld, of u verliest uw werk of uitkering.",
    "change_debt": "Er komt een nieuwe schuld of een rekening bij die u niet kunt betalen.",
    "change_missed": "U kunt een betaling niet op tijd doen.",
    "change_life": "U gaat verhuizen, of er verandert iets in uw gezin.",
    "change_promise": "Samen zoeken we een oplossing. Het plan kan worden aangepast.",
    "contact_counsellor": "Uw schuldhulpverlener",
    "contact_phone": "Bel",
    "contact_email": "Mail",
    "contact_none": "Gebruik het telefoonnummer of e-mailadres uit de brief van uw schuldhulpverlener.",
    "calendar_heading": "Zet de betalingen in uw agenda",
    "calendar_text": "Met deze link komt elke betaaldag in de agenda van uw telefoon. "
                     "U krijgt de avond ervoor een herinnering.",
    "calendar_link": "Betaaldagen in mijn agenda zetten",
    "print_tip": "U kunt deze pagina ook printen.",
    "no_plan_heading": "Er is nog geen betaalschema",
    "no_plan_text": "Uw schuldhulpverlener maakt het plan nog. Kijk later nog eens op deze pagina.",
    "dead_title": "Deze link werkt niet",
    "dead_text": "De link is verlopen of ingetrokken, of hij is niet helemaal goed overgenomen. "
                 "Vraag uw schuldhulpverlener om een nieuwe link.",
    "missing_text": "Open deze pagina met de link die u van uw schuldhulpverlener kreeg.",
    "ics_summary": "Betalen: {amount}",
    "ics_description": "Betaal vandaag {amount} volgens uw betaalschema:",
    "ics_alarm": "Morgen betalen: {amount}",
    "ics_cancelled": "Vervallen: deze betaling staat niet meer in uw schema.",
    "ics_name": "Betaalschema",
    "intro_via": "U betaalt niet meer aan elke schuldeiser apart. U betaalt op elke betaaldag één bedrag aan "
                 "{organisation}. {organisation} betaalt daarmee uw schuldeisers.",
    "deposit_sentence": "Betaal op {date} {amount} aan {organisation}.",
    "deposit_count": "Dit is 1 overschrijving, naar {organisation}:",
    "deposit_lines": "Gebruik altijd deze rekening en deze omschrijving:",
    "distributions_heading": "Wat uw schuldeisers krijgen",
    "distributions_intro": "{organisation} betaalt uw schuldeisers van het geld dat u stuurt. "
                           "U hoeft uw schuldeisers zelf niets te betalen. Dit krijgen ze, en wanneer:",
    "distribution_paid": "Krijgt in dit plan",
    "distribution_on": "Op {date}: {amount}",
    "ics_description_via": "Betaal vandaag {amount} aan {organisation}, volgens uw betaalschema:",
}

EN: dict[str, str] = {
    "title": "Your payment schedule",
    "for_name": "For {name}",
    "switch": "Nederlands",
    "switch_lang": "nl",
    "switch_label": "Lees deze pagina in het Nederlands",
    "status_active": "This plan has started. All creditors take part.",
    "status_completed": "This arrangement is finished. You do not need to pay anything more through this page.",
    "status_ended": "This arrangement has stopped. Do not pay anything more through this page. "
                    "Call or e-mail your debt counsellor: they will tell you what to do now.",
    "status_proposed": "This is still a proposal. The creditors still have to agree. Do not pay anything yet. "
                       "Your debt counsellor will tell you when to start.",
    "intro": "You no longer pay each creditor on their own. You only follow this schedule. "
             "The money is shared between all your creditors.",
    "next_heading": "Your next payment",
    "pay_on": "Pay on",
    "total": "Total",
    "transfers": "These are {n} transfers:",
    "transfer_one": "This is 1 transfer:",
    "parts": "This one transfer pays {n} claims at once. Put all the references in the description:",
    "after_income": "That is just after {income} comes in.",
    "after_incomes": "That is just after {income} come in.",
    "income_salary": "your salary",
    "income_benefit": "your benefit",
    "income_holiday_pay": "your holiday pay",
    "income_allowance": "your allowance",
    "income_other": "your {label}",
    "income_unknown": "your income",
    "to": "To",
    "amount": "Amount",
    "iban": "Account (IBAN)",
    "reference": "Reference",
    "left_after": "Left to pay {creditor} after this: {amount}",
    "status_paid": "✓ Paid. Thank you.",
    "status_partly_paid": "{amount} of this payment has arrived already.",
    "status_overdue": "This payment has not (fully) arrived: {amount} is missing. That can happen. "
               "Pay it when you can. If you cannot, call or e-mail {counsellor}. Together we will find a way.",
    "qr_alt": "QR code: pay {amount} to {creditor}",
    "qr_help": "Scan the QR code with your banking app. Check the amount before you pay.",
    "qr_later": "When the plan has started, you will find QR codes here. They make paying with your banking app easy.",
    "qr_none_closed": "There are no QR codes here any more: this arrangement no longer runs.",
    "qr_none": "There is no QR code for this payment. Type the details into your banking app.",
    "qr_above": "The QR codes for this payment are at the top, under 'Your next payment'.",
    "copy_hint": "Paying with the banking app on this phone? Press and hold the account number, the amount or the "
                 "reference. Then choose 'Copy' and paste it into your banking app.",
    "done": "All payments of this plan are done. Well done!",
    "chart_heading": "How your debt goes down",
    "chart_title": "Your total debt during the plan",
    "chart_desc": "Your debt goes from {start} on {start_date} to {end} after the last payment on {end_date}.",
    "chart_start": "Now",
    "chart_end": "End",
    "left_forgiven": "If you keep to the plan, you will not have to pay the rest ({amount}) afterwards.",
    "all_paid_off": "After the last payment, all your debt in this plan is paid.",
    "facts_heading": "The plan in short",
    "fact_start": "Start",
    "fact_end": "Last payment",
    "fact_owed": "Your debt now",
    "fact_paid": "You pay in total",
    "fact_left": "Left over",
    "fact_dates": "Number of payment days",
    "all_heading": "All payments",
    "payment_n": "Payment {n} of {count}",
    "past": "This date has passed.",
    "left_total": "After this, your total debt is: {amount}",
    "keep_back": "After this payment, put {amount} aside. You need that money for the payment on {date}.",
    "creditors_heading": "Your creditors",
    "owed": "Debt now",
    "paid": "You pay in this plan",
    "left": "Left over",
    "payments_count": "Number of payments",
    "change_heading": "Has something changed?",
    "change_intro": "Contact your debt counsellor straight away. Do not wait until you miss a payment. For example:",
    "change_income": "You get less money, or you lose your job or benefit.",
    "change_debt": "There is a new debt or a bill you cannot pay.",
    "change_missed": "You cannot make a payment on time.",
    "change_life": "You are moving house, or something changes in your family.",
    "change_promise": "Together we will find a solution. The plan can be changed.",
    "contact_counsellor": "Your debt counsellor",
    "contact_phone": "Call",
    "contact_email": "Email",
    "contact_none": "Use the phone number or email address in your debt counsellor's letter.",
    "calendar_heading": "Put the payments in your calendar",
    "calendar_text": "With this link, every payment day goes into your phone's calendar. "
                     "You get a reminder the evening before.",
    "calendar_link": "Add the payment days to my calendar",
    "print_tip": "You can also print this page.",
    "no_plan_heading": "There is no payment schedule yet",
    "no_plan_text": "Your debt counsellor is still making the plan. Please look at this page again later.",
    "dead_title": "This link does not work",
    "dead_text": "The link has expired or was withdrawn, or it was not copied completely. "
                 "Ask your debt counsellor for a new link.",
    "missing_text": "Open this page with the link your debt counsellor gave you.",
    "ics_summary": "Pay: {amount}",
    "ics_description": "Pay {amount} today, as in your payment schedule:",
    "ics_alarm": "Payment tomorrow: {amount}",
    "ics_cancelled": "Cancelled: this payment is no longer in your schedule.",
    "ics_name": "Payment schedule",
    "intro_via": "You no longer pay each creditor on their own. On each payment day you pay one amount to "
                 "{organisation}. {organisation} uses it to pay your creditors.",
    "deposit_sentence": "Pay {amount} to {organisation} on {date}.",
    "deposit_count": "This is 1 transfer, to {organisation}:",
    "deposit_lines": "Always use this account and this reference:",
    "distributions_heading": "What your creditors get",
    "distributions_intro": "{organisation} pays your creditors from the money you send. "
                           "You do not need to pay your creditors yourself. This is what they get, and when:",
    "distribution_paid": "Gets in this plan",
    "distribution_on": "On {date}: {amount}",
    "ics_description_via": "Pay {amount} to {organisation} today, as in your payment schedule:",
}

TEXTS = {"nl": NL, "en": EN}


def income_words(kind: str, label: str, lang: str) -> str:
    """An income as the debtor says it: 'uw salaris'; for kind 'other' the counsellor's label ('uw pensioen')."""
    t = TEXTS[lang]
    if kind == "other":
        return t["income_other"].format(label=label) if label else t["income_unknown"]
    return t[f"income_{kind}"]


def after_income(incomes: Sequence[tuple[str, str]], lang: str) -> str:
    """'Dat is vlak nadat uw salaris en uw vakantiegeld binnenkomen.' from (kind, label) pairs; '' for none."""
    words = list(dict.fromkeys(income_words(kind, label, lang) for kind, label in incomes))
    if not words:
        return ""
    return TEXTS[lang]["after_income" if len(words) == 1 else "after_incomes"].format(
        income=format_list(words, locale=LOCALES[lang]))


def keep_back_text(cents: int, later: dt.date | None, currency: str, lang: str) -> str:
    """'Zet na deze betaling € 90,83 opzij. Dat geld heeft u nodig voor de betaling op 26 februari 2027.'; ''
    when nothing needs to wait."""
    if not cents or later is None:
        return ""
    return TEXTS[lang]["keep_back"].format(amount=format_money(cents, currency, LOCALES[lang]),
                                           date=format_date(later, "d MMMM y", locale=LOCALES[lang]))


def language(wanted: str | None) -> str:
    """The page's language: `?lang=en` for English, Dutch otherwise."""
    return wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE
