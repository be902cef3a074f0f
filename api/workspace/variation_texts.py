"""The workspace's words on varying a running plan, Dutch first, English second; same keys in both. Each page's
table takes in its part (plan_texts, negotiation_texts, case_texts), so a template says `t.changes_heading` as it
says any other of its words."""

from __future__ import annotations

PLANS_NL: dict[str, str] = {
    "variation_ask_heading": "De lopende regeling wijzigen",
    "variation_ask_intro": "Dit dossier heeft een lopende regeling: versie {number}, tot en met {end}. Een plan dat "
                           "u nu laat berekenen, is een wijziging van die regeling. Wat de schuldeisers al kregen, en "
                           "de afgesproken betalingen die vóór de start nog komen, blijven staan. De wijziging "
                           "verdeelt de rest van de looptijd opnieuw, zo dicht mogelijk bij de afspraak. De regeling "
                           "loopt door zolang de schuldeisers over de wijziging beslissen.",
    "variation_ask_hint": "Laat de looptijd leeg voor de rest van de looptijd, een ander veld voor de standaardwaarde.",
    "variation_start": "Start van de wijziging (een maandstart van de looptijd)",
    "variation_start_option": "{date} (nog {months} maanden)",
    "variation_start_option_one": "{date} (nog 1 maand)",
    "variation_months": "Looptijd vanaf de start in maanden (leeg: tot en met {end})",
    "variation_ask_button": "Wijziging berekenen",
    "variation_none_left": "De looptijd van de regeling eindigt deze maand: er is geen maand meer over om te wijzigen.",
    "variation_of": "Dit is een wijziging van versie {number} vanaf {start}, tot en met {end}.",
    "variation_short": "wijziging van {number}",
    "variation_totals": "De wijziging betaalt {paid} van de {owed} die vanaf {start} nog openstaat ({percent}).",
    "variation_counted": "Vóór {start} telt {counted} als betaald: wat de schuldeisers ontvingen, en de afgesproken "
                         "betalingen die tot dan nog komen.",
    "variation_in_hand_direct": "Geld dat de schuldenaar bij de start al opzij heeft gezet voor het plan: {amount}. "
                                "Dat komt op de eerste dag binnen.",
    "variation_in_hand_via": "Geld dat bij de start al voor dit dossier in de reserve van uw organisatie staat: "
                             "{amount}. Dat komt op de eerste dag binnen.",
    "changes_heading": "Wat verandert er per schuldeiser",
    "changes_caption": "Vanaf {start}: de afgesproken betalingen tegenover de wijziging",
    "col_agreed": "Afgesproken vanaf de start",
    "col_varied": "Met de wijziging",
    "col_difference": "Verschil",
    "col_agreed_date": "Afgesproken",
    "col_agreed_end": "Laatste betaling volgens afspraak",
    "col_varied_end": "Laatste betaling met de wijziging",
    "changes_less": "{percent} minder",
    "changes_later": "later",
    "changes_later_hint": "later klaar dan afgesproken",
    "changes_no_end": "geen",
    "changes_dates_heading": "Welke betaaldata veranderen",
    "changes_dates": "{creditor}: {count} betaaldata veranderen",
    "changes_dates_caption": "Betaaldata van {creditor} die veranderen",
    "changes_no_dates": "Voor geen enkele schuldeiser verandert een betaaldatum.",
}

PLANS_EN: dict[str, str] = {
    "variation_ask_heading": "Vary the running plan",
    "variation_ask_intro": "This case has a running plan: version {number}, up to {end}. A plan you ask for now is a "
                           "variation of that plan. What the creditors already received, and the agreed payments "
                           "still to come before the start, stay. The variation shares out the rest of the term "
                           "again, as close to the agreement as it can. The plan runs on while the creditors decide "
                           "on the variation.",
    "variation_ask_hint": "Leave the term empty for the rest of the term, any other field for its default.",
    "variation_start": "Start of the variation (a start of a month of the term)",
    "variation_start_option": "{date} ({months} months left)",
    "variation_start_option_one": "{date} (1 month left)",
    "variation_months": "Term from the start in months (empty: up to {end})",
    "variation_ask_button": "Work out a variation",
    "variation_none_left": "The plan's term ends this month: there is no month left to vary.",
    "variation_of": "This is a variation of version {number} from {start}, up to {end}.",
    "variation_short": "varies {number}",
    "variation_totals": "The variation pays {paid} of the {owed} still owed from {start} ({percent}).",
    "variation_counted": "Before {start}, {counted} counts as paid: what the creditors received, and the agreed "
                         "payments still to come until then.",
    "variation_in_hand_direct": "Money the debtor has already put aside for the plan at the start: {amount}. It "
                                "comes in on the first day.",
    "variation_in_hand_via": "Money already in your organisation's reserve for this case at the start: {amount}. It "
                             "comes in on the first day.",
    "changes_heading": "What changes per creditor",
    "changes_caption": "From {start}: the agreed payments against the variation",
    "col_agreed": "Agreed from the start",
    "col_varied": "With the variation",
    "col_difference": "Difference",
    "col_agreed_date": "Agreed",
    "col_agreed_end": "Last payment as agreed",
    "col_varied_end": "Last payment with the variation",
    "changes_less": "{percent} less",
    "changes_later": "later",
    "changes_later_hint": "ends later than agreed",
    "changes_no_end": "none",
    "changes_dates_heading": "Which payment dates change",
    "changes_dates": "{creditor}: {count} payment dates change",
    "changes_dates_caption": "Payment dates of {creditor} that change",
    "changes_no_dates": "No payment date changes for any creditor.",
}

BOARD_NL: dict[str, str] = {
    "variation_board": "Dit is een wijziging van de lopende regeling (versie {number}) vanaf {start}. De regeling "
                       "loopt door zolang de schuldeisers beslissen. Als iedereen akkoord is en u de wijziging start, "
                       "vervangt ze de afspraak vanaf {start}.",
    "automatic_tolerance": "(binnen de marge voor wijzigingen uit het gepubliceerde beleid)",
    "col_against_agreed": "Tegenover de afspraak",
    "change_less": "{percent} minder",
    "change_later": "laatste betaling later",
}

BOARD_EN: dict[str, str] = {
    "variation_board": "This is a variation of the running plan (version {number}) from {start}. The plan runs on "
                       "while the creditors decide. Once everyone has accepted and you start the variation, it "
                       "replaces the agreement from {start}.",
    "automatic_tolerance": "(within the tolerance for variations in its published policy)",
    "col_against_agreed": "Against the agreement",
    "change_less": "{percent} less",
    "change_later": "last payment later",
}

CASE_NL: dict[str, str] = {
    "variation_draft": "Er wordt een wijziging van de regeling voorbereid: versie {number}, vanaf {start}. Ze is nog "
                       "niet voorgesteld aan de schuldeisers; de regeling loopt door.",
    "variation_proposed": "Een wijziging van de regeling ligt voor bij de schuldeisers: versie {number}, vanaf "
                          "{start}, reactietermijn tot en met {deadline}. De regeling loopt door tot u de wijziging "
                          "start.",
    "variation_to_plans": "Naar de wijziging",
    "variation_to_negotiation": "Naar de onderhandeling over de wijziging",
}

CASE_EN: dict[str, str] = {
    "variation_draft": "A variation of the plan is being prepared: version {number}, from {start}. It has not been "
                       "proposed to the creditors yet; the plan runs on.",
    "variation_proposed": "A variation of the plan is out to the creditors: version {number}, from {start}, answers "
                          "due by {deadline}. The plan runs on until you start the variation.",
    "variation_to_plans": "To the variation",
    "variation_to_negotiation": "To the negotiation on the variation",
}
