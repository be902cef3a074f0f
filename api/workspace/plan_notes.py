"""The engine's notes (solver.wording) in the counsellor's words: Dutch first (professional, 'u'), English second.

The same keys as the solver's English table; a test checks that every key the solver can say has words here.
"""

from __future__ import annotations

from api.creditor_links.texts import day, money, percent
from solver.wording import Wording

_NL_SOLVED = ("Berekend met OR-Tools CP-SAT {ortools_version}, met één rekenkern, startwaarde {seed} en een vaste "
              "hoeveelheid rekenwerk: dezelfde aanvraag geeft dus hetzelfde plan. ")
_NL_PROVEN = "Van de spreiding in de tijd en daarna het aantal overboekingen is bewezen dat ze de beste zijn"
_NL_WORK_LIMIT = ("De berekening is gestopt bij de grens van het rekenwerk. Het plan is geldig; de spreiding in de "
                  "tijd en het aantal overboekingen liggen binnen {gap_bp} van het best mogelijke")
_NL_PATTERNS = ", binnen de gelijkmatige schema's die voor elke schuldeiser zijn bekeken"
_NL_SHARED = "Het geld wordt "
_NL_PRO_RATA = _NL_SHARED + ("naar rato verdeeld (pondspondsgewijs): elke schuldeiser krijgt hetzelfde percentage van "
                             "zijn vordering")
_NL_ZERO = "Nulaanbod: in de {months} maanden vanaf {start_date} is er geen geld beschikbaar voor de schuldeisers"
_NL_OFF_SHARE = "{creditor} krijgt {paid_cents} in plaats van precies zijn deel van {award_cents}: "
_NL_DIFFERENCE = "; het verschil wordt verrekend met de andere schuldeisers."

NL_NOTES: dict[str, str] = {
    "plan_capacity": "De schuldenaar heeft {capacity_cents} voor de schuldeisers op {days} betaaldagen in {months} "
                     "maanden. Het plan betaalt {paid_cents} van de schuld van {debt_cents} ({paid_permille}).",
    "paid_in_full": "Elke vordering wordt volledig betaald.",
    "variation_whole": "Dit is een wijziging van een afgesproken plan. De schuldeisers kregen al {received_cents}. "
                       "Met dit plan krijgen zij samen {whole_paid_cents} van de {whole_debt_cents} die zij te "
                       "vorderen hadden ({whole_permille}), verdeeld volgens de regel over het hele plan.",
    "variation_moved": "Van de {agreed_cents} aan afgesproken betalingen die nog komen, verandert {moved_cents} van "
                       "datum, schuldeiser of bedrag. De wijziging zelf maakt minstens {least_cents} nodig.",
    "shared_proportional": _NL_PRO_RATA + ", nooit meer dan 100%.",
    "shared_proportional_preferent": _NL_PRO_RATA + ", preferente schuldeisers {factor} keer dat percentage, nooit "
                                     "meer dan 100%.",
    "shared_constrained_equal_awards": _NL_SHARED + "in gelijke bedragen verdeeld: elke schuldeiser krijgt hetzelfde "
                                       "bedrag, nooit meer dan zijn vordering.",
    "shared_constrained_equal_losses": _NL_SHARED + "verdeeld naar gelijk verlies: elke schuldeiser ziet af van "
                                       "hetzelfde bedrag; kleine vorderingen krijgen mogelijk niets.",
    "shared_talmud": _NL_SHARED + "verdeeld volgens de Talmoedregel (Aumann–Maschler): gelijke bedragen tot de helft "
                     "van elke vordering, boven de helft van de schuld gelijk verlies.",
    "transfer_limit_reached": "Op {full_days} van de {days} betaaldagen is het maximum van {limit} overboekingen per "
                              "dag bereikt. Daarom krijgen de schuldeisers om de beurt geld, niet elke keer.",
    "money_kept_back": "Op {days} betaaldagen wordt een deel van het geld bewaard voor een latere dag. Zo krijgen de "
                       "schuldeisers minder betalingen, elk minstens hun minimum. Geld wordt nooit uitbetaald "
                       "voordat het binnen is.",
    "claim_off_share_fixed": _NL_OFF_SHARE + "deze vordering wordt betaald in vaste termijnen van {installment_cents}"
                             + _NL_DIFFERENCE,
    "claim_off_share_minimum": _NL_OFF_SHARE + "elke betaling aan deze schuldeiser moet minstens {minimum_cents} zijn"
                               + _NL_DIFFERENCE,
    "claim_nothing": "{creditor} krijgt niets: volgens de verdeling is zijn deel nul.",
    "claim_one_payment": "{creditor} krijgt zijn deel van {paid_cents} in één betaling: kleinere betalingen zouden "
                         "onder zijn minimum komen.",
    "solver_proven": _NL_SOLVED + _NL_PROVEN + ".",
    "solver_proven_patterns": _NL_SOLVED + _NL_PROVEN + _NL_PATTERNS + ".",
    "solver_work_limit": _NL_SOLVED + _NL_WORK_LIMIT + ".",
    "solver_work_limit_patterns": _NL_SOLVED + _NL_WORK_LIMIT + _NL_PATTERNS + ".",
    "zero_offer": _NL_ZERO + " ({income_days} inkomensdagen, op geen daarvan blijft geld over).",
    "zero_offer_no_income": _NL_ZERO + ".",
    "zero_offer_nothing_paid": "Geen enkele vordering krijgt iets in dit plan; er zijn geen betalingen gepland.",
    "limits_conflict": "Het plan moet de {reachable_cents} betalen die de schuldenaar kan opbrengen, maar deze "
                       "voorwaarden kunnen niet allemaal tegelijk gelden: {parts}.",
    "limits_conflict_join": "; ",
    "too_few_transfers": "Ook als de schuldeisers om de beurt geld krijgen, moeten {claims} vorderingen elk minstens "
                         "één betaling krijgen (hun deel is groter dan één kleinste betaling). {days} betaaldagen met "
                         "hoogstens {limit} overboekingen per dag geven maar {transfers} overboekingen.",
    "too_few_transfers_between": "Ook als de schuldeisers om de beurt geld krijgen, moeten {claims} vorderingen elk "
                                 "minstens één betaling krijgen tussen {first_date} en {last_date} (hun deel is groter "
                                 "dan één kleinste betaling). Die {days} betaaldagen met hoogstens {limit} "
                                 "overboekingen per dag geven maar {transfers} overboekingen.",
    "too_little_carried": "Van {first_date} tot en met {last_date} moet het plan {required_cents} betalen. Op die "
                          "{days} betaaldagen bereiken hoogstens {limit} overboekingen per dag hoogstens {transfers} "
                          "vorderingen, en zelfs de vorderingen die het meest kunnen krijgen (elk hoogstens één "
                          "kleinste betaling boven hun deel) krijgen samen maar {carried_cents}.",
    "no_plan_in_time": "Binnen de rekentijd is geen plan gevonden, en ook geen voorwaarden die elkaar uitsluiten.",
    "part_min_payment": "elke betaling minstens de algemene kleinste betaling van {minimum_cents}",
    "part_transfers_per_day": "hoogstens {limit} overboekingen op één betaaldag",
    "part_one_transfer_per_day": "hoogstens één overboeking op één betaaldag",
    "part_rule": "elke schuldeiser krijgt zijn eerlijke deel bij een verdeling {rule}",
    "part_claim_min_payment": "elke betaling aan {creditor} minstens {minimum_cents}",
    "part_claim_fixed_installment": "{creditor} betaald in vaste termijnen van {installment_cents}",
    "part_claim_max_transfers": "hoogstens {max_transfers} betalingen aan {creditor}",
    "part_claim_earliest_date": "geen betaling aan {creditor} vóór {earliest_date}",
    "part_claim_latest_end_date": "{creditor} heeft zijn deel uiterlijk op {latest_end_date} ontvangen",
    "part_other": "{item}",
    "remedies": "{parts}",
    "remedies_join": " Of: ",
    "remedy_more_time": "Geef meer rekentijd, of maak de voorwaarden eenvoudiger.",
    "remedy_min_payment": "Verlaag de algemene kleinste betaling.",
    "remedy_transfers_per_day": "Sta meer overboekingen per betaaldag toe.",
    "remedy_transfers_per_day_at_least": "Sta minstens {limit} overboekingen per betaaldag toe.",
    "remedy_longer_term": "Maak de looptijd langer: bij {limit} overboekingen per dag minstens {months} maanden.",
    "remedy_spread_dates": "Laat deze schuldeisers om de beurt geld krijgen op meer betaaldagen: laat hun betalingen "
                           "vóór {first_date} beginnen of na {last_date} eindigen.",
    "remedy_group_per_creditor": "Voeg de vorderingen van elke schuldeiser (zijn dossiers) samen tot één vordering, "
                                 "betaald met één overboeking: dan blijven er {creditors} over in plaats van {claims}.",
    "remedy_rule": "Spreek met de schuldeisers af dat u in dit dossier afwijkt van de gelijke behandeling.",
    "remedy_claim_min_payment": "Vraag {creditor} om kleinere betalingen te accepteren.",
    "remedy_claim_fixed_installment": "Laat de vaste termijn voor {creditor} vervallen, of maak hem kleiner.",
    "remedy_claim_max_transfers": "Sta meer betalingen aan {creditor} toe.",
    "remedy_claim_earliest_date": "Laat de betalingen aan {creditor} eerder beginnen.",
    "remedy_claim_latest_end_date": "Leg de einddatum voor {creditor} later (het eerste geld komt binnen op "
                                    "{first_money_date}).",
    "remedy_claim_latest_end_date_no_money": "Leg de einddatum voor {creditor} later.",
    "remedy_other": "Wijzig {item}.",
    "rule_proportional": "naar rato",
    "rule_constrained_equal_awards": "in gelijke bedragen",
    "rule_constrained_equal_losses": "naar gelijk verlies",
    "rule_talmud": "volgens de Talmoedregel",
}

_EN_SOLVED = ("Worked out with OR-Tools CP-SAT {ortools_version}, one worker, seed {seed} and a fixed amount of "
              "work, so the same request gives the same plan. ")
_EN_PROVEN = "Its timing and then its number of transfers are proven best"
_EN_WORK_LIMIT = ("The solver stopped at its work limit. The plan is valid; its timing and number of transfers are "
                  "within {gap_bp} of the best possible")
_EN_PATTERNS = ", among the level schedules looked at for each creditor"
_EN_SHARED = "The money is shared "
_EN_PRO_RATA = _EN_SHARED + "pro rata (pondspondsgewijs): every creditor gets the same percentage of its claim"
_EN_ZERO = "Zero offer (nul-aanbod): no money is available for creditors in the {months} months from {start_date}"
_EN_OFF_SHARE = "{creditor} gets {paid_cents} instead of its exact share of {award_cents}: "
_EN_DIFFERENCE = "; the other creditors make up the difference."

EN_NOTES: dict[str, str] = {
    "plan_capacity": "The debtor has {capacity_cents} for creditors on {days} payment days in {months} months. "
                     "The plan pays {paid_cents} of the {debt_cents} debt ({paid_permille}).",
    "paid_in_full": "Every claim is paid in full.",
    "variation_whole": "This changes an agreed plan. The creditors already received {received_cents}. With this "
                       "plan they get {whole_paid_cents} of the {whole_debt_cents} they were owed ({whole_permille}), "
                       "shared by the rule over the whole plan.",
    "variation_moved": "Of the {agreed_cents} in agreed payments still to come, {moved_cents} changes date, creditor "
                       "or amount. The change itself needs at least {least_cents}.",
    "shared_proportional": _EN_PRO_RATA + ", never more than 100%.",
    "shared_proportional_preferent": _EN_PRO_RATA + ", preferent creditors {factor} times that percentage, never "
                                     "more than 100%.",
    "shared_constrained_equal_awards": _EN_SHARED + "in equal amounts: every creditor gets the same amount, never "
                                       "more than its claim.",
    "shared_constrained_equal_losses": _EN_SHARED + "by equal losses: every creditor gives up the same amount; small "
                                       "claims may get nothing.",
    "shared_talmud": _EN_SHARED + "by the Talmud rule (Aumann–Maschler): equal amounts up to half of each claim, "
                     "beyond half the debt equal losses.",
    "transfer_limit_reached": "On {full_days} of the {days} payment days the limit of {limit} transfers a day is "
                              "reached, so creditors are paid in turns rather than every time.",
    "money_kept_back": "On {days} payment days some money is kept back for a later day, so that creditors get fewer "
                       "payments, each at least their minimum. Money is never paid out before it has come in.",
    "claim_off_share_fixed": _EN_OFF_SHARE + "it is paid in fixed installments of {installment_cents}"
                             + _EN_DIFFERENCE,
    "claim_off_share_minimum": _EN_OFF_SHARE + "every payment to it must be at least {minimum_cents}"
                               + _EN_DIFFERENCE,
    "claim_nothing": "{creditor} gets nothing: its share under the rule is zero.",
    "claim_one_payment": "{creditor} gets its share of {paid_cents} in one payment: smaller payments would fall below "
                         "its minimum.",
    "solver_proven": _EN_SOLVED + _EN_PROVEN + ".",
    "solver_proven_patterns": _EN_SOLVED + _EN_PROVEN + _EN_PATTERNS + ".",
    "solver_work_limit": _EN_SOLVED + _EN_WORK_LIMIT + ".",
    "solver_work_limit_patterns": _EN_SOLVED + _EN_WORK_LIMIT + _EN_PATTERNS + ".",
    "zero_offer": _EN_ZERO + " ({income_days} income days, none with money to spare).",
    "zero_offer_no_income": _EN_ZERO + ".",
    "zero_offer_nothing_paid": "No claim gets anything in this plan; no payments are scheduled.",
    "limits_conflict": "The plan must pay the {reachable_cents} the debtor can afford, but these limits cannot all "
                       "hold together: {parts}.",
    "limits_conflict_join": "; ",
    "too_few_transfers": "Even with creditors paid in turns, {claims} claims must each get at least one payment "
                         "(each one's share is more than one smallest payment). {days} payment days with at most "
                         "{limit} transfers a day give only {transfers} transfers.",
    "too_few_transfers_between": "Even with creditors paid in turns, {claims} claims must each get at least one "
                                 "payment between {first_date} and {last_date} (each one's share is more than one "
                                 "smallest payment). Those {days} payment days with at most {limit} transfers a day "
                                 "give only {transfers} transfers.",
    "too_little_carried": "From {first_date} to {last_date} the plan must pay {required_cents}. On those {days} "
                          "payment days, at most {limit} transfers a day reach at most {transfers} claims, and even "
                          "the claims that can take the most (each at most one smallest payment above its share) "
                          "take only {carried_cents} together.",
    "no_plan_in_time": "No plan was found within the solving time, and no limits that rule each other out either.",
    "part_min_payment": "every payment at least the general smallest payment of {minimum_cents}",
    "part_transfers_per_day": "at most {limit} transfers on one payment day",
    "part_one_transfer_per_day": "at most one transfer on one payment day",
    "part_rule": "every creditor gets its fair share when sharing {rule}",
    "part_claim_min_payment": "every payment to {creditor} at least {minimum_cents}",
    "part_claim_fixed_installment": "{creditor} paid in fixed installments of {installment_cents}",
    "part_claim_max_transfers": "at most {max_transfers} payments to {creditor}",
    "part_claim_earliest_date": "no payment to {creditor} before {earliest_date}",
    "part_claim_latest_end_date": "{creditor} has its share by {latest_end_date}",
    "part_other": "{item}",
    "remedies": "{parts}",
    "remedies_join": " Or: ",
    "remedy_more_time": "Allow more solving time, or make the limits simpler.",
    "remedy_min_payment": "Lower the general smallest payment.",
    "remedy_transfers_per_day": "Allow more transfers per payment day.",
    "remedy_transfers_per_day_at_least": "Allow at least {limit} transfers per payment day.",
    "remedy_longer_term": "Make the term longer: with {limit} transfers a day, at least {months} months.",
    "remedy_spread_dates": "Let these creditors take turns over more payment days: start their payments before "
                           "{first_date} or end them after {last_date}.",
    "remedy_group_per_creditor": "Combine the claims of each creditor (its dossiers) into one claim, paid in one "
                                 "transfer: that leaves {creditors} instead of {claims} claims.",
    "remedy_rule": "Agree with the creditors to depart from equal treatment in this case.",
    "remedy_claim_min_payment": "Ask {creditor} to accept smaller payments.",
    "remedy_claim_fixed_installment": "Drop the fixed installment for {creditor}, or make it smaller.",
    "remedy_claim_max_transfers": "Allow more payments to {creditor}.",
    "remedy_claim_earliest_date": "Let payments to {creditor} start earlier.",
    "remedy_claim_latest_end_date": "Move the end date for {creditor} later (the first money comes in on "
                                    "{first_money_date}).",
    "remedy_claim_latest_end_date_no_money": "Move the end date for {creditor} later.",
    "remedy_other": "Change {item}.",
    "rule_proportional": "pro rata",
    "rule_constrained_equal_awards": "in equal amounts",
    "rule_constrained_equal_losses": "by equal losses",
    "rule_talmud": "by the Talmud rule",
}

NOTES = {"nl": NL_NOTES, "en": EN_NOTES}


def note_wording(currency: str, lang: str) -> Wording:
    """The engine's notes as this page says them: its table, its amounts ('€ 1.234,56'), dates and percentages."""
    return Wording(NOTES[lang], lambda cents: money(cents, currency, lang), lambda value: day(value, lang),
                   lambda basis_points, _decimals: percent(basis_points, lang))
