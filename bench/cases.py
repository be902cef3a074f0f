"""Realistic Dutch debt cases for the benchmark, generated deterministically from a seed.

A case looks like what a Dutch debt counsellor sees: a salary or a benefit (Participatiewet,
WW, WIA) on a fixed day of the month, sometimes 4-weekly part-time pay, holiday pay
(vakantiegeld) in May, and the usual creditors: health insurer, energy, telecom, the
Belastingdienst and Toeslagen (preferent), CJIB fines, rent arrears with a housing
corporation, buy-now-pay-later, credit card, gemeente and waterschap (preferent),
collection agencies. Capacity for creditors is €50–€400 a month. Usually the debt is larger
than capacity × term (a real settlement, schuldbemiddeling); sometimes it is smaller (a
full repayment, betalingsregeling).

Usage: python bench/cases.py CLAIMS MONTHS [--seed N] > case.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from solver.models import ClaimClass, ClaimIn, IncomeStream, PlanRequest, Policy

BENCH_SIZES: tuple[tuple[int, int], ...] = ((6, 18), (14, 18), (20, 36), (40, 36), (60, 60))
"""(claims, months) of the benchmark cases named in issue 3."""
MANY_CLAIMS_SIZES: tuple[tuple[int, int], ...] = ((100, 60), (300, 36), (300, 18))
"""Issue 14's many claims: 100 x 60 and 300 x 36 (seed 0) get a plan; at 300 x 18 about 190 claims must each get a
payment and 20 payment dates with 6 transfers hold 120, so the answer is that conflict, named."""

MIN_MONTHLY_CAPACITY_CENTS = 5_000
MAX_MONTHLY_CAPACITY_CENTS = 40_000
FULL_REPAYMENT_SHARE = 0.2
"""Fraction of cases whose capacity over the term exceeds the debt."""


@dataclass(frozen=True, slots=True)
class CreditorKind:
    name: str
    low_euro: int
    high_euro: int
    preferent: bool = False
    frequency: int = 1
    """Relative chance of appearing in a case; the common creditors come first."""


CREDITORS: tuple[CreditorKind, ...] = (
    CreditorKind("Zorgverzekeraar Zuidkust (premieachterstand)", 300, 2_500, frequency=5),
    CreditorKind("Energieleverancier Stroomlijn", 400, 3_000, frequency=5),
    CreditorKind("Belastingdienst", 200, 5_000, preferent=True, frequency=4),
    CreditorKind("Dienst Toeslagen (terugvordering)", 500, 8_000, preferent=True, frequency=4),
    CreditorKind("Telecomaanbieder Belbundel", 150, 1_200, frequency=4),
    CreditorKind("CJIB (verkeersboete)", 100, 1_500, frequency=4),
    CreditorKind("Woningcorporatie Thuisstede (huurachterstand)", 500, 4_000, frequency=3),
    CreditorKind("Klarna-achtig achteraf betalen", 50, 600, frequency=3),
    CreditorKind("Creditcardmaatschappij Kaartplus", 500, 5_000, frequency=2),
    CreditorKind("Gemeente (terugvordering bijstand)", 100, 2_000, preferent=True, frequency=3),
    CreditorKind("Waterschap (waterschapsbelasting)", 100, 800, preferent=True, frequency=3),
    CreditorKind("Incassobureau Vesting", 100, 1_500, frequency=3),
    CreditorKind("Gerechtsdeurwaarder Rechtstreeks", 300, 2_000, frequency=2),
    CreditorKind("Ziekenhuis Maasoever (eigen bijdrage)", 100, 1_500, frequency=2),
    CreditorKind("Waterbedrijf Heldere Bron", 80, 700, frequency=2),
    CreditorKind("Postorderbedrijf Winkelgemak", 200, 1_500, frequency=2),
    CreditorKind("Kredietverstrekker Snelgeld (persoonlijke lening)", 1_000, 10_000, frequency=1),
    CreditorKind("Tandarts Glimlach", 100, 1_200, frequency=1),
    CreditorKind("Sportschool Fitvast", 50, 400, frequency=1),
    CreditorKind("Particuliere verhuurder", 500, 3_000, frequency=1),
    CreditorKind("Rechtsbijstandverzekeraar", 80, 600, frequency=1),
)

COLLECTORS = ("Incassobureau Vesting", "Incasso Noord", "Deurwaarderskantoor Van Dijk")


def make_case(n_claims: int, months: int, seed: int = 0) -> PlanRequest:
    """A realistic case with exactly n_claims claims over months months; same seed, same case."""
    if n_claims < 1 or months < 1:
        raise ValueError("a case needs at least one claim and one month")
    rng = random.Random(seed * 1_000_003 + n_claims * 1_009 + months)
    start = dt.date(2027, 1, 1) + relativedelta(months=rng.randrange(12))
    claims = _claims(rng, n_claims)
    if rng.random() < FULL_REPAYMENT_SHARE:
        monthly = rng.randrange(MIN_MONTHLY_CAPACITY_CENTS, MAX_MONTHLY_CAPACITY_CENTS, 500)
        claims = _shrink_to(claims, monthly * months * 100 // round(rng.uniform(105, 140)))
    else:
        debt = sum(claim.outstanding_cents for claim in claims)
        monthly = _monthly_capacity(rng, debt, months)
    return PlanRequest(
        start_date=start,
        months=months,
        income=_income(rng, start, months, monthly),
        claims=claims,
        policy=Policy(),
    )


def _claims(rng: random.Random, n_claims: int) -> list[ClaimIn]:
    kinds = _pick_creditors(rng, n_claims)
    seen: dict[str, int] = {}
    claims = []
    for number, kind in enumerate(kinds, start=1):
        seen[kind.name] = seen.get(kind.name, 0) + 1
        claims.append(
            _claim(rng, f"c{number:03d}", _creditor_name(rng, kind, seen[kind.name]), kind)
        )
    return claims


def _pick_creditors(rng: random.Random, n_claims: int) -> list[CreditorKind]:
    """Distinct creditors first (common ones likelier); beyond that, repeat dossiers."""
    pool = list(CREDITORS)
    picked: list[CreditorKind] = []
    while len(picked) < n_claims:
        if not pool:
            pool = list(CREDITORS)
        kind = rng.choices(pool, weights=[k.frequency for k in pool])[0]
        pool.remove(kind)
        picked.append(kind)
    return picked


def _creditor_name(rng: random.Random, kind: CreditorKind, occurrence: int) -> str:
    """A repeat of the same creditor is a second dossier, often handed to a collector."""
    if occurrence == 1:
        return kind.name
    if not kind.preferent and rng.random() < 0.5:
        return f"{rng.choice(COLLECTORS)} namens {kind.name} (dossier {occurrence})"
    return f"{kind.name} (dossier {occurrence})"


def _claim(rng: random.Random, claim_id: str, creditor: str, kind: CreditorKind) -> ClaimIn:
    euros = rng.triangular(
        kind.low_euro, kind.high_euro, kind.low_euro + (kind.high_euro - kind.low_euro) / 4
    )
    outstanding = round(euros * 100) + rng.randrange(100)
    own_minimum = rng.choice((1_500, 2_500, 5_000)) if rng.random() < 0.2 else None
    if own_minimum is not None and outstanding < 5 * own_minimum:
        own_minimum = None
    return ClaimIn(
        id=claim_id,
        creditor=creditor,
        outstanding_cents=outstanding,
        claim_class=ClaimClass.PREFERENT if kind.preferent else ClaimClass.CONCURRENT,
        min_payment_cents=own_minimum,
    )


def _shrink_to(claims: list[ClaimIn], debt_cents: int) -> list[ClaimIn]:
    """Scale the claims down so they add up to about debt_cents: a case that can be repaid."""
    total = sum(claim.outstanding_cents for claim in claims)
    if total <= debt_cents:
        return claims
    return [
        _with_outstanding(claim, claim.outstanding_cents * debt_cents // total) for claim in claims
    ]


def _with_outstanding(claim: ClaimIn, outstanding_cents: int) -> ClaimIn:
    """The same claim for a smaller amount; an own minimum only while it is at most a fifth."""
    outstanding = max(100, outstanding_cents)
    minimum = claim.min_payment_cents
    if minimum is not None and outstanding < 5 * minimum:
        minimum = None
    return claim.model_copy(update={"outstanding_cents": outstanding, "min_payment_cents": minimum})


def _monthly_capacity(rng: random.Random, debt_cents: int, months: int) -> int:
    """Cents a month for creditors in a settlement: a fraction of debt/term, within €50–€400."""
    wanted = round(debt_cents * rng.uniform(0.15, 0.8) / months / 100) * 100
    return max(MIN_MONTHLY_CAPACITY_CENTS, min(MAX_MONTHLY_CAPACITY_CENTS, wanted))


def _income(
    rng: random.Random, start: dt.date, months: int, monthly_cents: int
) -> list[IncomeStream]:
    """Main income on a day of the month, maybe 4-weekly part-time pay, holiday pay in May."""
    streams = []
    main_available = monthly_cents
    if rng.random() < 0.35:
        part_time = _part_time_pay(rng, start, monthly_cents)
        streams.append(part_time)
        main_available -= part_time.available_cents * 13 // 12
    main = _main_income(rng, main_available)
    streams.insert(0, main)
    holiday_pay = _holiday_pay(rng, start, months, main.amount_cents, monthly_cents)
    if holiday_pay is not None:
        streams.append(holiday_pay)
    return streams


MAIN_INCOMES: tuple[tuple[str, int, int, tuple[int, ...]], ...] = (
    # id, low and high net monthly amount in euro, usual days of payment
    ("salaris", 1_800, 3_200, (20, 23, 25, 28)),
    ("participatiewet", 1_300, 1_600, (1, 23, 28)),
    ("ww-uitkering", 1_500, 2_400, (8, 10, 12)),
    ("wia-uitkering", 1_500, 2_400, (20, 24)),
)


def _main_income(rng: random.Random, available_cents: int) -> IncomeStream:
    income_id, low, high, days = rng.choice(MAIN_INCOMES)
    amount = rng.randrange(low, high + 1) * 100
    return IncomeStream(
        id=income_id,
        amount_cents=amount,
        available_cents=max(0, min(available_cents, amount)),
        day_of_month=rng.choice(days),
    )


def _part_time_pay(rng: random.Random, start: dt.date, monthly_cents: int) -> IncomeStream:
    amount = rng.randrange(300, 800) * 100
    share = rng.uniform(0.15, 0.4)
    return IncomeStream(
        id="deeltijd-4-wekelijks",
        amount_cents=amount,
        available_cents=min(amount, round(monthly_cents * share / 100) * 100),
        every_weeks=4,
        first_date=start + dt.timedelta(days=rng.randrange(28)),
    )


def _holiday_pay(
    rng: random.Random, start: dt.date, months: int, main_cents: int, monthly_cents: int
) -> IncomeStream | None:
    """Vakantiegeld: 8% of a year's main income, late May; part of it goes to creditors."""
    end = start + relativedelta(months=months)
    day = rng.randrange(20, 29)
    dates = [
        may
        for year in range(start.year, end.year + 1)
        if start <= (may := dt.date(year, 5, day)) < end
    ]
    if not dates:
        return None
    amount = main_cents * 12 * 8 // 100
    available = min(amount, round(rng.uniform(1.0, 3.0) * monthly_cents / 100) * 100)
    return IncomeStream(
        id="vakantiegeld", amount_cents=amount, available_cents=available, dates=dates
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Print a realistic Dutch debt case as JSON.")
    parser.add_argument("claims", type=int)
    parser.add_argument("months", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    case = make_case(args.claims, args.months, args.seed)
    print(case.model_dump_json(by_alias=True, exclude_none=True, indent=2))


if __name__ == "__main__":
    main()
