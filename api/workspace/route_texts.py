"""The case page's words on how the debtor pays (its payment route), Dutch first, English second; same keys."""

from __future__ import annotations

ROUTE_NL: dict[str, str] = {
    "route_heading": "Hoe betaalt de schuldenaar?",
    "route_now": "Nu",
    "route_direct": "Rechtstreeks: de schuldenaar betaalt elke schuldeiser zelf, op de betaaldatums van het plan.",
    "route_via_counsellor": "Via uw organisatie: de schuldenaar betaalt op elke dag dat het inkomen binnenkomt één "
                            "bedrag op de rekening van uw organisatie. Uw organisatie betaalt de schuldeisers door "
                            "in de maandelijkse uitbetalingen.",
    "route_payout_day": "Uw organisatie betaalt door op de eerste bankdag vanaf de {day}e van de maand.",
    "route_legend": "Kies hoe de schuldenaar betaalt",
    "route_choice_direct": "Rechtstreeks aan elke schuldeiser",
    "route_choice_via_counsellor": "Via uw organisatie: één bedrag telkens als het inkomen binnenkomt",
    "route_hint": "Dit kan veranderen tot een plan aan de schuldeisers is voorgesteld. Het plan rekent met de "
                  "gekozen manier van betalen.",
    "route_no_account": "Uw organisatie heeft nog geen rekening om door te betalen. Via uw organisatie betalen kan "
                        "pas als de beheerder het IBAN en de betaaldag heeft vastgelegd.",
    "route_button": "Betaalwijze opslaan",
    "route_fixed_proposed": "Het plan is zo aan de schuldeisers voorgesteld, dus dit kan nu niet veranderen; "
                            "laat eerst een nieuw plan berekenen als het anders moet.",
    "route_fixed_active": "De regeling loopt zo, dus dit kan nu niet veranderen; alleen een nieuw plan voor de rest "
                          "van de looptijd kan het anders regelen.",
    "error_route": "Kies hoe de schuldenaar betaalt.",
}

ROUTE_EN: dict[str, str] = {
    "route_heading": "How does the debtor pay?",
    "route_now": "Now",
    "route_direct": "Directly: the debtor pays each creditor, on the plan's payment dates.",
    "route_via_counsellor": "Via your organisation: on each day income comes in, the debtor pays one amount into "
                            "your organisation's account. Your organisation pays the creditors in its monthly "
                            "payout runs.",
    "route_payout_day": "Your organisation pays out on the first bank day on or after day {day} of the month.",
    "route_legend": "Choose how the debtor pays",
    "route_choice_direct": "Directly to each creditor",
    "route_choice_via_counsellor": "Via your organisation: one amount each payday",
    "route_hint": "This can change until a plan is proposed to the creditors. The plan is made for the chosen way "
                  "of paying.",
    "route_no_account": "Your organisation has no account to pay the creditors from yet. Paying via your "
                        "organisation is possible once the administrator has set its IBAN and payout day.",
    "route_button": "Save how the debtor pays",
    "route_fixed_proposed": "The plan was proposed to the creditors this way, so this cannot change now; ask for a "
                            "new plan first if it must be different.",
    "route_fixed_active": "The plan runs this way, so this cannot change now; only a new plan for the rest of the "
                          "term can arrange it differently.",
    "error_route": "Choose how the debtor pays.",
}
