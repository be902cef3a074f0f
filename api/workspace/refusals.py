"""Why the service said no, in the page's language: one sentence per refusal code (kernel/errors.py's `Refusal`),
its facts (states, dates, amounts, version numbers) in words. The service's own `detail` is English for the
API and never reaches a page: a refusal without a code, or without the facts its sentence needs, is a general
sentence here and a warning in the log, so that the raise site gets its code."""

from __future__ import annotations

import datetime as dt
import logging

from api.creditor_links.texts import day, money
from api.workspace.case_texts import CASE_TEXTS
from debt_coord.kernel.errors import Fact, Refusal, ServiceError

log = logging.getLogger(__name__)

NL: dict[Refusal, str] = {
    Refusal.CASE_CLOSED: "Het dossier is {state}. Er kan niets meer veranderen.",
    Refusal.CASE_STATE_NOT_ALLOWED: "Het dossier staat op ‘{state}’ en kan van daaruit niet naar ‘{wanted}’.",
    Refusal.CASE_CLOSE_STATE_INVALID: "Een dossier sluit u als afgerond, mislukt of ingetrokken, niet als "
                                      "‘{wanted}’.",
    Refusal.CASE_REFERENCE_IN_USE: "Uw organisatie heeft al een dossier met nummer {reference}.",
    Refusal.NOT_A_CREDITOR_ORGANISATION: "Alleen een geregistreerde schuldeiser kan worden uitgenodigd.",
    Refusal.CLAIMS_NOT_COLLECTING: "Vorderingen registreren of wijzigen kan alleen zolang het dossier vorderingen "
                                   "verzamelt. Het dossier staat nu op ‘{state}’.",
    Refusal.CLAIMS_DEADLINE_PASSED: "De uiterste datum voor vorderingen was {deadline}.",
    Refusal.CLAIM_OWES_NOTHING: "Hoofdsom, rente en kosten zijn samen nul: een vordering moet iets vorderen.",
    Refusal.CLAIM_OVER_LIMIT: "Hoofdsom, rente en kosten samen mogen hoogstens {limit_cents} zijn, anders kan er "
                              "geen plan voor worden gemaakt. Hier is het samen {total_cents}.",
    Refusal.CLAIM_VERSION_REQUIRED: "Een wijziging moet noemen welke versie van de vordering u het laatst zag.",
    Refusal.CLAIM_VERSION_CHANGED: "De vordering is intussen gewijzigd: ze is nu versie {version}, niet {sent}. "
                                   "Open haar opnieuw.",
    Refusal.PAYMENT_ROUTE_FIXED: "Hoe de schuldenaar betaalt, kan alleen veranderen voordat een plan is "
                                 "voorgesteld. Het dossier staat nu op ‘{state}’. Laat eerst een nieuw plan "
                                 "berekenen.",
    Refusal.NO_PAYOUT_ACCOUNT: "Uw organisatie heeft geen rekening om door te betalen. Leg het IBAN en de "
                               "betaaldag vast, of laat de schuldenaar zelf betalen.",
    Refusal.ROLE_NOT_ALLOWED: "Dit mag een {role} niet.",
    Refusal.PLAN_NEEDS_CLAIMS: "Het dossier heeft nog geen vorderingen: een plan heeft er minstens één nodig.",
    Refusal.PLAN_REQUEST_INVALID: "Zoals het dossier nu is, kan er geen plan voor worden gemaakt. Kijk de "
                                  "vorderingen en het inkomen na.",
    Refusal.PLAN_CASE_GONE: "Het dossier van deze planaanvraag bestaat niet meer.",
    Refusal.COUNTERS_NOT_ON_CASE: "Niet alle gekozen tegenvoorstellen horen bij dit dossier.",
    Refusal.COUNTERS_NOT_IN_PLAN: "Wensen kunnen alleen worden geprobeerd voor schuldeisers in dit plan.",
    Refusal.PLAN_VERSION_NOT_CURRENT: "Versie {number} staat hier niet (meer) voor open: de actuele versie is "
                                      "{current} ({current_status}). Open de actuele versie.",
    Refusal.PLAN_VERSION_MISMATCH: "Dit plan is versie {number}, niet {sent}.",
    Refusal.PLAN_VERSION_STATUS: "Versie {number} is {status}. Dit kan alleen bij een versie die {needed} is.",
    Refusal.PLAN_INFEASIBLE: "Deze versie is onhaalbaar. Pas de aanvraag aan en laat een nieuw plan berekenen.",
    Refusal.RESPONSE_DEADLINE_NOT_FUTURE: "Vul als reactietermijn een datum na vandaag in.",
    Refusal.RECONSIDER_NOT_REFUSED: "Alleen een schuldeiser die deze versie afwees of een tegenvoorstel deed, kan om "
                                    "heroverweging worden gevraagd.",
    Refusal.PLAN_NOT_AGREED: "Nog niet alle schuldeisers zijn akkoord ({waiting} nog niet: {creditors}). Wie niet "
                             "reageert, telt niet als akkoord.",
    Refusal.NOT_A_CREDITOR_IN_PLAN: "Die organisatie heeft geen vordering in dit plan.",
    Refusal.CREDITOR_LINK_NOT_PROPOSED: "Een link voor een schuldeiser hoort bij een voorgestelde versie; versie "
                                        "{number} is {status}.",
    Refusal.CASE_NOT_ACTIVE: "Geld wordt pas geboekt als de regeling loopt. Het dossier staat nu op ‘{state}’.",
    Refusal.UNKNOWN_CLAIM: "Die vordering hoort niet bij dit dossier.",
    Refusal.RECEIPT_DATE_OUT_OF_RANGE: "De datum van een ontvangst ligt tussen de peildatum ({reference_date}) en "
                                       "vandaag.",
    Refusal.RECEIPT_MORE_THAN_OWED: "Van de vordering staat nog {outstanding_cents} open; een ontvangst kan niet "
                                    "meer zijn.",
    Refusal.RECEIPT_ALREADY_REVERSED: "Deze ontvangst is al teruggedraaid.",
    Refusal.DISCHARGE_NOT_OWN_CLAIMS: "Finale kwijting geeft een schuldeiser alleen voor de eigen vorderingen in dit "
                                      "plan.",
    Refusal.FINAL_STATEMENT_NOT_ACTIVE: "Een eindafrekening is er voor een lopende of afgeronde regeling. Het dossier "
                                        "staat nu op ‘{state}’.",
    Refusal.VARIATION_START_INVALID: "Een wijziging van de lopende regeling begint op een maandstart van de "
    "looptijd na vandaag ({first} tot en met {last}), niet op {start}.",
    Refusal.NOTHING_LEFT_TO_VARY: "Elke vordering is al helemaal betaald: er valt niets meer te wijzigen.",
    Refusal.NO_ACTIVE_PLAN: "Het dossier heeft geen lopende regeling: er is geen eindafrekening.",
    Refusal.FINAL_STATEMENT_NOT_YET: "De eindafrekening is er vanaf {available_from}, de dag na de laatste "
                                     "betaaldatum ({term_end}), of zodra alles betaald is.",
    Refusal.STATEMENT_UNREADABLE: "Het bankafschrift is niet te lezen.",
    Refusal.STATEMENT_IMPORTED_DIFFERENTLY: "Een ander afschrift met berichtkenmerk {message_id} van {account} is "
                                            "al eerder ingelezen.",
    Refusal.STATEMENT_UNKNOWN_ACCOUNT: "Dit is een afschrift van {account}, een rekening die dit dossier nog niet "
                                       "kent, en geen boeking betaalt een termijn van het plan. Het lijkt niet de "
                                       "rekening van de schuldenaar.",
    Refusal.STATEMENT_CURRENCY: "Het afschrift is in {currency}; dit dossier is in {case_currency}.",
    Refusal.STATEMENT_ENTRY_IN_FUTURE: "Er staat een boeking op {booked_on}, na vandaag. Een afschrift laat zien "
                                       "wat er gebeurd is.",
    Refusal.STATEMENT_ENTRY_UNKNOWN: "Die boeking staat niet in dit afschrift.",
    Refusal.STATEMENT_CREDIT_NOT_MATCHED: "Een bijschrijving wordt niet aan een vordering gekoppeld. Stuurde de bank "
                                          "van een schuldeiser een betaling terug, draai dan die ontvangst terug.",
    Refusal.STATEMENT_ENTRY_OVERMATCHED: "Van deze boeking is nog {unmatched_cents} niet gekoppeld; meer kan niet.",
    Refusal.EMAIL_INVALID: "Dat is geen geldig e-mailadres.",
    Refusal.PHONE_INVALID: "Dat is geen geldig telefoonnummer.",
    Refusal.PHONE_NOT_MOBILE: "Dat is geen mobiel nummer. Sms en WhatsApp hebben er een nodig, bijvoorbeeld "
                              "06 1234 5678.",
    Refusal.CONSENT_IN_FUTURE: "Toestemming kan niet in de toekomst gegeven zijn.",
    Refusal.BREATHING_SPACE_NEEDS_REASON: "Een adempauze heeft een reden nodig.",
    Refusal.DEBTOR_UNREACHABLE: "De schuldenaar is niet te bereiken. Leg eerst een contactgegeven met toestemming "
                                "vast.",
    Refusal.MESSAGE_TOO_LONG: "Gebruik hoogstens {max_chars} tekens: de tekst gaat ook per sms of WhatsApp.",
}

EN: dict[Refusal, str] = {
    Refusal.CASE_CLOSED: "The case is {state}. Nothing can change any more.",
    Refusal.CASE_STATE_NOT_ALLOWED: "The case is at ‘{state}’ and cannot go from there to ‘{wanted}’.",
    Refusal.CASE_CLOSE_STATE_INVALID: "A case is closed as completed, failed or withdrawn, not as ‘{wanted}’.",
    Refusal.CASE_REFERENCE_IN_USE: "Your organisation already has a case with reference {reference}.",
    Refusal.NOT_A_CREDITOR_ORGANISATION: "Only a registered creditor can be invited.",
    Refusal.CLAIMS_NOT_COLLECTING: "Claims can be registered or changed only while the case is collecting claims. "
                                   "The case is now at ‘{state}’.",
    Refusal.CLAIMS_DEADLINE_PASSED: "The deadline for claims was {deadline}.",
    Refusal.CLAIM_OWES_NOTHING: "Principal, interest and costs are zero together: a claim must claim something.",
    Refusal.CLAIM_OVER_LIMIT: "Principal, interest and costs together may be at most {limit_cents}, or no plan can "
                              "be made. Here they add up to {total_cents}.",
    Refusal.CLAIM_VERSION_REQUIRED: "A change must name the version of the claim you last read.",
    Refusal.CLAIM_VERSION_CHANGED: "The claim was changed meanwhile: it is now version {version}, not {sent}. "
                                   "Open it again.",
    Refusal.PAYMENT_ROUTE_FIXED: "How the debtor pays can change only before a plan is proposed. The case is now "
                                 "at ‘{state}’. Ask for a new plan first.",
    Refusal.NO_PAYOUT_ACCOUNT: "Your organisation has no account to pay the creditors from. Set its IBAN and payout "
                               "day, or let the debtor pay directly.",
    Refusal.ROLE_NOT_ALLOWED: "A {role} may not do this.",
    Refusal.PLAN_NEEDS_CLAIMS: "The case has no claims yet: a plan needs at least one.",
    Refusal.PLAN_REQUEST_INVALID: "The case cannot be planned as it stands. Check the claims and the income.",
    Refusal.PLAN_CASE_GONE: "The case of this plan request no longer exists.",
    Refusal.COUNTERS_NOT_ON_CASE: "Not every chosen counter-proposal belongs to this case.",
    Refusal.COUNTERS_NOT_IN_PLAN: "Wishes can be tried only for creditors in this plan.",
    Refusal.PLAN_VERSION_NOT_CURRENT: "Version {number} is not open for this (any more): the current version is "
                                      "{current} ({current_status}). Open the current version.",
    Refusal.PLAN_VERSION_MISMATCH: "This plan is version {number}, not {sent}.",
    Refusal.PLAN_VERSION_STATUS: "Version {number} is {status}. This can only be done with a version that is "
                                 "{needed}.",
    Refusal.PLAN_INFEASIBLE: "This version is infeasible. Change the request and ask for a new plan.",
    Refusal.RESPONSE_DEADLINE_NOT_FUTURE: "Fill in a date after today as the deadline.",
    Refusal.RECONSIDER_NOT_REFUSED: "Only a creditor that rejected this version or made a counter-proposal can be "
                                    "asked to reconsider.",
    Refusal.PLAN_NOT_AGREED: "Not every creditor has accepted yet ({waiting} not yet: {creditors}). Silence does not "
                             "count as accepting.",
    Refusal.NOT_A_CREDITOR_IN_PLAN: "That organisation has no claim in this plan.",
    Refusal.CREDITOR_LINK_NOT_PROPOSED: "A creditor link goes with a proposed version; version {number} is "
                                        "{status}.",
    Refusal.CASE_NOT_ACTIVE: "Money is recorded once the plan is running. The case is now at ‘{state}’.",
    Refusal.UNKNOWN_CLAIM: "That claim does not belong to this case.",
    Refusal.RECEIPT_DATE_OUT_OF_RANGE: "The date of a receipt lies between the reference date ({reference_date}) "
                                       "and today.",
    Refusal.RECEIPT_MORE_THAN_OWED: "The claim still owes {outstanding_cents}; a receipt cannot be more.",
    Refusal.RECEIPT_ALREADY_REVERSED: "This receipt was reversed already.",
    Refusal.DISCHARGE_NOT_OWN_CLAIMS: "A creditor grants discharge only for its own claims in this plan.",
    Refusal.FINAL_STATEMENT_NOT_ACTIVE: "A final statement is made for a running or completed plan. The case is now "
                                        "at ‘{state}’.",
    Refusal.VARIATION_START_INVALID: "A variation of the running plan starts on a start of a month of its term "
    "after today ({first} to {last}), not on {start}.",
    Refusal.NOTHING_LEFT_TO_VARY: "Every claim is paid in full: there is nothing left to vary.",
    Refusal.NO_ACTIVE_PLAN: "The case has no running plan: there is no final statement.",
    Refusal.FINAL_STATEMENT_NOT_YET: "The final statement is available from {available_from}, the day after the "
                                     "last payment date ({term_end}), or as soon as everything is paid.",
    Refusal.STATEMENT_UNREADABLE: "The bank statement cannot be read.",
    Refusal.STATEMENT_IMPORTED_DIFFERENTLY: "A different statement with message id {message_id} of {account} was "
                                            "imported before.",
    Refusal.STATEMENT_UNKNOWN_ACCOUNT: "This is a statement of {account}, an account this case does not know yet, "
                                       "and none of its entries pays an installment of the plan. It does not look "
                                       "like the debtor's account.",
    Refusal.STATEMENT_CURRENCY: "The statement is in {currency}; this case is in {case_currency}.",
    Refusal.STATEMENT_ENTRY_IN_FUTURE: "An entry is booked on {booked_on}, after today. A statement shows what "
                                       "happened.",
    Refusal.STATEMENT_ENTRY_UNKNOWN: "That entry is not in this statement.",
    Refusal.STATEMENT_CREDIT_NOT_MATCHED: "A credit is not matched to a claim. When a creditor's bank returned a "
                                          "payment, reverse that receipt.",
    Refusal.STATEMENT_ENTRY_OVERMATCHED: "This entry has {unmatched_cents} left to match; no more.",
    Refusal.EMAIL_INVALID: "That is not a valid e-mail address.",
    Refusal.PHONE_INVALID: "That is not a valid phone number.",
    Refusal.PHONE_NOT_MOBILE: "That is not a mobile number. Texts and WhatsApp need one, for example 06 1234 5678.",
    Refusal.CONSENT_IN_FUTURE: "Consent cannot be given in the future.",
    Refusal.BREATHING_SPACE_NEEDS_REASON: "A breathing space needs its reason.",
    Refusal.DEBTOR_UNREACHABLE: "The debtor cannot be reached. Record a contact with consent first.",
    Refusal.MESSAGE_TOO_LONG: "Use at most {max_chars} characters: the text also goes by SMS or WhatsApp.",
}

WORDS = {"nl": NL, "en": EN}

GENERAL = {
    "nl": "Er is niets veranderd. Laad de pagina opnieuw en probeer het nog eens; lukt het dan nog niet, neem "
          "contact op met de beheerder.",
    "en": "Nothing was changed. Reload the page and try again; if it still does not work, contact the administrator.",
}
"""For a refusal this module has no words for: never the service's English."""

LEAD = {"nl": "Dat kan nu niet.", "en": "That is not possible now."}

PLAN_STATUSES = {
    "nl": {"draft": "nog een concept", "proposed": "voorgesteld", "superseded": "vervangen door een nieuwere",
           "active": "gestart"},
    "en": {"draft": "still a draft", "proposed": "proposed", "superseded": "replaced by a newer one",
           "active": "started"},
}
ROLES = {
    "nl": {"counsellor": "schuldhulpverlener", "creditor": "schuldeiser", "admin": "beheerder"},
    "en": {"counsellor": "counsellor", "creditor": "creditor", "admin": "administrator"},
}
_CASE_STATES = frozenset({"state", "wanted"})
_PLAN_STATUSES = frozenset({"status", "needed", "current_status"})
_DATES = frozenset({"deadline", "reference_date", "available_from", "term_end", "booked_on", "start", "first", "last"})


def _word(name: str, value: Fact, lang: str, currency: str) -> str:
    """One fact as the sentence says it; KeyError or ValueError when the value is not one we have words for."""
    if name.endswith("_cents") and isinstance(value, int):
        return money(value, currency, lang)
    if name in _DATES:
        return day(dt.date.fromisoformat(str(value)), lang)
    if name in _CASE_STATES:
        return CASE_TEXTS[lang][f"state_{value}"]
    if name in _PLAN_STATUSES:
        return PLAN_STATUSES[lang][str(value)]
    if name == "role":
        return ROLES[lang][str(value)]
    return str(value)


def why(refused: ServiceError, lang: str, currency: str = "EUR") -> str:
    """The refusal in the page's language, as one or two sentences (each starting with a capital)."""
    if refused.code is not None:
        words = WORDS[lang]
        currency = str(refused.facts.get("currency", currency))
        try:
            facts = {name: _word(name, value, lang, currency) for name, value in refused.facts.items()}
            return words[refused.code].format(**facts)
        except (KeyError, ValueError, IndexError):
            log.warning("refusal %s without the facts its words need: %r", refused.code.value, refused.facts)
    else:
        log.warning("refusal without a code shown in general words: %s %d %r", type(refused).__name__,
                    refused.status, refused.detail)
    return GENERAL[lang]


def refused_text(refused: ServiceError, lang: str, currency: str = "EUR") -> str:
    """'That is not possible now.' and why: the plan builder's and the negotiation board's problem line."""
    return f"{LEAD[lang]} {why(refused, lang, currency)}"


def after_colon(sentence: str) -> str:
    """The sentence continuing a line that ends in a colon ('Niet gelukt: het dossier ...')."""
    return sentence[:1].lower() + sentence[1:]
