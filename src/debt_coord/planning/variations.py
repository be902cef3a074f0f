"""A variation of an active plan: where the agreed schedule stands, and what the variation changes.

Pure: no database. A variation solves the rest of the term from `start` (solver.variation.vary). What comes before
`start` is carried over from the agreed schedule as it will stand: per claim, what the ledger shows received, and the
agreed payments still to come before `start` (they stay due). Installments before today that were missed are not
carried: their money is in what the variation spreads over the rest of the term (Fineract's rescheduling from the
current state), so the same arrears never count twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from solver.models import Payment


@dataclass(frozen=True)
class ClaimThen:
    """A claim of the plan as a whole: its creditor's name and organisation, and all it was owed in the plan."""

    creditor: str
    organisation_id: str
    owed_cents: int


@dataclass(frozen=True)
class Carried:
    """The part of a varied plan that stays as agreed: the schedule before the variation starts."""

    plan_id: str
    """The active version this one varies."""
    number: int
    start: dt.date
    counted: dict[str, int]
    """Per claim, the money counted as paid before `start`: received, plus the agreed payments still due before it."""
    payments: tuple[Payment, ...]
    """The schedule before `start` as it will stand (missed installments left out); per claim it sums to `counted`."""
    in_hand_cents: int
    """Money the debtor (directly) or the organisation (via the counsellor) holds for the plan on `start`."""
    deposits: tuple[tuple[dt.date, int], ...] = ()
    """Via the counsellor: the agreed deposits before `start`."""
    claims: dict[str, ClaimThen] = field(default_factory=dict)
    """Every claim of the plan as a whole (also those the variation leaves out, paid in full before `start`)."""

    def as_json(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "number": self.number, "start_date": self.start.isoformat(),
                "counted": self.counted, "in_hand_cents": self.in_hand_cents,
                "payments": [p.model_dump(mode="json") for p in self.payments],
                "deposits": [[day.isoformat(), cents] for day, cents in self.deposits],
                "claims": {claim: [c.creditor, c.organisation_id, c.owed_cents] for claim, c in self.claims.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Carried:
        return cls(plan_id=data["plan_id"], number=data["number"], start=dt.date.fromisoformat(data["start_date"]),
                   counted=dict(data["counted"]), in_hand_cents=data["in_hand_cents"],
                   payments=tuple(Payment.model_validate(p) for p in data["payments"]),
                   deposits=tuple((dt.date.fromisoformat(day), cents) for day, cents in data.get("deposits", [])),
                   claims={claim: ClaimThen(*then) for claim, then in data.get("claims", {}).items()})


def carry(agreed: Sequence[Payment], received: Mapping[str, int], today: dt.date, start: dt.date
          ) -> tuple[list[Payment], dict[str, int]]:
    """The agreed schedule before `start` as it will stand, and per claim what it counts as paid.

    Per claim: the installments before today keep what `received` covers of them, oldest first (a missed one goes,
    its money is the variation's); those from today to `start` stay due as agreed; money received beyond all of
    that (paid ahead) joins the last carried installment, so received money always meets the schedule it paid.
    """
    by_claim: dict[str, list[Payment]] = defaultdict(list)
    for payment in sorted(agreed, key=lambda p: (p.date, p.claim_id)):
        if payment.date < start:
            by_claim[payment.claim_id].append(payment)
    carried: list[Payment] = []
    counted: dict[str, int] = {}
    for claim_id in sorted(set(by_claim) | {c for c, cents in received.items() if cents > 0}):
        rows, left = _covered(by_claim[claim_id], received.get(claim_id, 0), today)
        if left > 0 and rows:
            rows[-1] = rows[-1].model_copy(update={"amount_cents": rows[-1].amount_cents + left})
        elif left > 0:
            rows.append(Payment(date=min(today, start - dt.timedelta(days=1)), claim_id=claim_id, amount_cents=left))
        carried.extend(rows)
        counted[claim_id] = sum(p.amount_cents for p in rows)
    return sorted(carried, key=lambda p: (p.date, p.claim_id)), {c: cents for c, cents in counted.items() if cents}


def _covered(rows: Sequence[Payment], received: int, today: dt.date) -> tuple[list[Payment], int]:
    """The claim's installments before today cut to what `received` covers, those still to come whole; and what
    `received` leaves over once every one of them is covered."""
    kept: list[Payment] = []
    left = received
    for payment in rows:
        got = min(payment.amount_cents, max(0, left))
        left -= got
        amount = payment.amount_cents if payment.date >= today else got
        if amount:
            kept.append(payment.model_copy(update={"amount_cents": amount}))
    return kept, max(0, left)


@dataclass(frozen=True)
class DateChange:
    date: dt.date
    agreed_cents: int
    varied_cents: int


@dataclass(frozen=True)
class CreditorChange:
    """What a variation changes for one creditor, against the agreed schedule from the variation's start."""

    organisation_id: str
    creditor: str
    agreed_cents: int
    varied_cents: int
    agreed_end: dt.date | None
    varied_end: dt.date | None
    dates: tuple[DateChange, ...]
    """Only the dates whose amount changes."""

    @property
    def change_cents(self) -> int:
        return self.varied_cents - self.agreed_cents

    @property
    def cut_bp(self) -> int:
        """How much less than agreed it gets, in basis points of what was agreed (0 when not less)."""
        if self.agreed_cents <= 0 or self.varied_cents >= self.agreed_cents:
            return 0
        return -(-(self.agreed_cents - self.varied_cents) * 10_000 // self.agreed_cents)

    @property
    def later(self) -> bool:
        return self.varied_end is not None and (self.agreed_end is None or self.varied_end > self.agreed_end)


def changes(agreed: Iterable[Payment], varied: Iterable[Payment], owners: Mapping[str, str],
            names: Mapping[str, str], start: dt.date) -> list[CreditorChange]:
    """Per creditor in the variation: its totals, end dates and the dates that change, from `start` on."""
    before: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    after: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for payments, into in ((agreed, before), (varied, after)):
        for payment in payments:
            if payment.date >= start and payment.claim_id in owners:
                into[owners[payment.claim_id]][payment.date] += payment.amount_cents
    found = []
    for organisation in sorted(set(owners.values()), key=lambda o: (names.get(o, ""), o)):
        old, new = before[organisation], after[organisation]
        dates = tuple(DateChange(day, old.get(day, 0), new.get(day, 0))
                      for day in sorted(set(old) | set(new)) if old.get(day, 0) != new.get(day, 0))
        found.append(CreditorChange(organisation, names.get(organisation, ""), sum(old.values()), sum(new.values()),
                                    max(old, default=None), max(new, default=None), dates))
    return found


def within_tolerance(change: CreditorChange, tolerance_bp: int) -> bool:
    """An acceptance policy's tolerance: at most `tolerance_bp` less than agreed, and no later end."""
    return change.cut_bp <= tolerance_bp and not change.later
