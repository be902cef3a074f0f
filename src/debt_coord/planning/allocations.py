"""What each creditor gets from a plan version, side by side with another version or its policy.

Pure arithmetic over the solver's request and proposal; a creditor organisation may hold
several claims, so everything is summed per organisation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from debt_coord.cases.overview import largest_remainder
from solver.models import PlanProposal, PlanRequest


@dataclass(frozen=True)
class CreditorAllocation:
    organisation_id: str
    creditor: str
    claim_ids: tuple[str, ...]
    claim_classes: tuple[str, ...]
    outstanding_cents: int
    award_cents: int
    paid_cents: int
    share_bp: int
    """Share of everything the plan pays, in basis points (all creditors add up to 10,000)."""
    payments: int
    first_date: dt.date | None
    last_date: dt.date | None

    @property
    def paid_bp(self) -> int:
        """Paid as a part of what is owed, in basis points (rounded down)."""
        return self.paid_cents * 10_000 // self.outstanding_cents if self.outstanding_cents else 0


def allocations(request: PlanRequest, proposal: PlanProposal, owners: Mapping[str, str]) -> list[CreditorAllocation]:
    """One line per creditor organisation, in the order its first claim appears in the request."""
    results = {r.claim_id: r for r in proposal.claims}
    grouped: dict[str, list[str]] = {}
    for claim in request.claims:
        grouped.setdefault(owners[claim.id], []).append(claim.id)
    claims = {c.id: c for c in request.claims}
    paid = [sum(results[cid].paid_cents for cid in ids if cid in results) for ids in grouped.values()]
    shares = largest_remainder(paid, 10_000 if sum(paid) else 0)
    lines = []
    for (organisation_id, ids), paid_cents, share in zip(grouped.items(), paid, shares, strict=True):
        found = [results[cid] for cid in ids if cid in results]
        dates = [d for r in found for d in (r.first_date, r.last_date) if d is not None]
        lines.append(CreditorAllocation(
            organisation_id=organisation_id,
            creditor=claims[ids[0]].creditor,
            claim_ids=tuple(ids),
            claim_classes=tuple(sorted({claims[cid].claim_class.value for cid in ids})),
            outstanding_cents=sum(claims[cid].outstanding_cents for cid in ids),
            award_cents=sum(r.award_cents for r in found),
            paid_cents=paid_cents,
            share_bp=share,
            payments=sum(r.transfers for r in found),
            first_date=min(dates, default=None),
            last_date=max(dates, default=None),
        ))
    return lines


@dataclass(frozen=True)
class AllocationChange:
    organisation_id: str
    creditor: str
    before: CreditorAllocation | None
    after: CreditorAllocation | None

    @property
    def paid_change_cents(self) -> int:
        return (self.after.paid_cents if self.after else 0) - (self.before.paid_cents if self.before else 0)


def compare(before: Sequence[CreditorAllocation], after: Sequence[CreditorAllocation]) -> list[AllocationChange]:
    old = {a.organisation_id: a for a in before}
    new = {a.organisation_id: a for a in after}
    order = [*old, *(k for k in new if k not in old)]
    return [
        AllocationChange(key, (new.get(key) or old[key]).creditor, old.get(key), new.get(key))
        for key in order
    ]
