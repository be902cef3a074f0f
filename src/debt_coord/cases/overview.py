"""The counsellor's consolidated claims overview: shares, totals, capacity and warnings.

Pure arithmetic over plain values; shares are basis points that add up to exactly 10,000.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Protocol

from dateutil.relativedelta import relativedelta

from debt_coord.cases.collection_costs import wik_maximum_cents
from debt_coord.kernel.text import comparable
from solver import rules
from solver.calendar import payment_day_for
from solver.calendar import stream_dates as income_dates
from solver.models import IncomeStream
from solver.money import format_money


class ClaimFacts(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def organisation_id(self) -> uuid.UUID: ...
    @property
    def creditor_reference(self) -> str: ...
    @property
    def principal_cents(self) -> int: ...
    @property
    def interest_cents(self) -> int: ...
    @property
    def costs_cents(self) -> int: ...
    @property
    def claim_class(self) -> str: ...
    @property
    def arose_on(self) -> dt.date: ...
    @property
    def balance_date(self) -> dt.date: ...
    @property
    def total_cents(self) -> int: ...


@dataclass(frozen=True)
class Warning:
    code: str
    message: str
    claim_ids: tuple[uuid.UUID, ...] = ()
    organisation_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ClassTotals:
    claim_class: str
    claims: int
    principal_cents: int
    interest_cents: int
    costs_cents: int
    total_cents: int


@dataclass(frozen=True)
class Capacity:
    """What the income streams leave for creditors, counted by payment date."""

    first_12_months_cents: int
    monthly_average_cents: int
    term_months: int
    term_cents: int


@dataclass(frozen=True)
class Overview:
    total_cents: int
    shares_bp: dict[uuid.UUID, int]
    class_totals: list[ClassTotals]
    capacity: Capacity
    warnings: list[Warning]


def largest_remainder(weights: Sequence[int], total: int) -> list[int]:
    """Split `total` in proportion to `weights`; integer parts that add up exactly, ties to the earlier weight."""
    weight_sum = sum(weights)
    if weight_sum == 0:
        return [0] * len(weights)
    return rules.largest_remainder([Fraction(total * w, weight_sum) for w in weights], total)


def capacity(streams: Sequence[IncomeStream], start: dt.date, term_months: int, lag_days: int,
             country: str) -> Capacity:
    def available_until(end: dt.date) -> int:
        return sum(
            stream.available_cents
            for stream in streams
            for day in income_dates(stream, start, end)
            if payment_day_for(day, lag_days, country) >= start
        )

    first_year = available_until(start + relativedelta(months=12))
    return Capacity(
        first_12_months_cents=first_year,
        monthly_average_cents=first_year // 12,
        term_months=term_months,
        term_cents=available_until(start + relativedelta(months=term_months)),
    )


def _class_totals(claims: Sequence[ClaimFacts]) -> list[ClassTotals]:
    totals = []
    for claim_class in ("concurrent", "preferent"):
        group = [c for c in claims if str(c.claim_class) == claim_class]
        totals.append(ClassTotals(
            claim_class=claim_class,
            claims=len(group),
            principal_cents=sum(c.principal_cents for c in group),
            interest_cents=sum(c.interest_cents for c in group),
            costs_cents=sum(c.costs_cents for c in group),
            total_cents=sum(c.total_cents for c in group),
        ))
    return totals


def _wik_warnings(claims: Sequence[ClaimFacts]) -> list[Warning]:
    warnings = []
    for claim in claims:
        allowed = wik_maximum_cents(claim.principal_cents)
        if claim.costs_cents > allowed:
            warnings.append(Warning(
                code="collection_costs_above_wik",
                message=(
                    f"Claim {claim.creditor_reference} charges {format_money(claim.costs_cents)} collection "
                    f"costs; the WIK scale allows at most {format_money(allowed)} on a principal of "
                    f"{format_money(claim.principal_cents)}. Ask the creditor to lower them by "
                    f"{format_money(claim.costs_cents - allowed)}."
                ),
                claim_ids=(claim.id,),
                organisation_id=claim.organisation_id,
            ))
    return warnings


def _looks_duplicate(a: ClaimFacts, b: ClaimFacts) -> bool:
    same_reference = comparable(a.creditor_reference) == comparable(b.creditor_reference)
    same_debt = a.principal_cents == b.principal_cents and a.arose_on == b.arose_on
    return same_reference or same_debt


def _duplicate_warnings(claims: Sequence[ClaimFacts]) -> list[Warning]:
    return [
        Warning(
            code="possible_duplicate",
            message=(
                f"Claims {a.creditor_reference} and {b.creditor_reference} from the same creditor look "
                f"like the same debt (same reference, or same principal {format_money(a.principal_cents)} "
                f"arising on the same day). Ask the creditor to confirm or withdraw one."
            ),
            claim_ids=(a.id, b.id),
            organisation_id=a.organisation_id,
        )
        for a, b in combinations(claims, 2)
        if a.organisation_id == b.organisation_id and _looks_duplicate(a, b)
    ]


def _balance_date_warnings(claims: Sequence[ClaimFacts], reference_date: dt.date) -> list[Warning]:
    return [
        Warning(
            code="balance_date_differs",
            message=(
                f"Claim {c.creditor_reference} states its balance as of {c.balance_date.isoformat()}, "
                f"not the case's reference date {reference_date.isoformat()}: interest and costs may "
                f"not be comparable. Ask for the balance as of the reference date."
            ),
            claim_ids=(c.id,),
            organisation_id=c.organisation_id,
        )
        for c in claims
        if c.balance_date != reference_date
    ]


def _missing_claim_warnings(invited: dict[uuid.UUID, str], claims: Sequence[ClaimFacts]) -> list[Warning]:
    answered = {c.organisation_id for c in claims}
    return [
        Warning(
            code="no_claim_yet",
            message=f"{name} was asked for its balance but has not registered a claim yet.",
            organisation_id=org_id,
        )
        for org_id, name in invited.items()
        if org_id not in answered
    ]


def build_overview(
    claims: Sequence[ClaimFacts],
    streams: Sequence[IncomeStream],
    *,
    reference_date: dt.date,
    country: str,
    invited: dict[uuid.UUID, str],
    term_months: int = 18,
    payment_lag_days: int = 1,
) -> Overview:
    total = sum(c.total_cents for c in claims)
    shares = largest_remainder([c.total_cents for c in claims], 10_000 if total else 0)
    room = capacity(streams, reference_date, term_months, payment_lag_days, country)
    warnings = [
        *_wik_warnings(claims),
        *_duplicate_warnings(claims),
        *_balance_date_warnings(claims, reference_date),
        *_missing_claim_warnings(invited, claims),
    ]
    if claims and room.term_cents == 0:
        warnings.append(Warning(
            code="no_capacity",
            message="The income leaves nothing for creditors: only a zero offer (nul-aanbod) is possible.",
        ))
    return Overview(
        total_cents=total,
        shares_bp={c.id: share for c, share in zip(claims, shares, strict=True)},
        class_totals=_class_totals(claims),
        capacity=room,
        warnings=warnings,
    )
