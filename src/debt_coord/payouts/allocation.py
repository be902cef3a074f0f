"""What a payout run pays a case's claims: pure, no database.

A claim is due what its active plan's payments dated on or before the execution date add up to, minus what earlier
runs paid out to it (transfers not returned), and never more than it is still owed (outstanding, minus what is in
transit to it). The case's reserve (the debtor's money the organisation holds for it, not yet paid out) pays the
installments still missing, the oldest first (on one date in the order of the claims).

A partial amount: when the reserve runs out in the middle of an installment, what is left of the reserve goes to
that installment only if the claim's transfer then reaches the claim's minimum payment (the plan's, or the policy's)
or the amount is all the claim is still owed; otherwise it stays in the reserve. Either way the run stops there for
the case: a later installment never goes before an older one, and the next run starts again at the oldest. A
claim's transfer below its minimum is left for a later run unless it finishes what the claim is behind or is all
it is still owed (the rest of an installment paid in part before can be a few cents).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ClaimDue:
    claim_id: uuid.UUID
    installments: Sequence[tuple[dt.date, int]]
    """The plan's payments to the claim dated on or before the execution date: (date, cents)."""
    paid_out_cents: int
    """What earlier runs paid out to the claim and was not returned."""
    room_cents: int
    """The most the claim can still get: its outstanding minus what is in transit to it."""
    minimum_cents: int


def allocate(reserve_cents: int, claims: Sequence[ClaimDue]) -> dict[uuid.UUID, int]:
    """Cents per claim to pay now (claims getting nothing are left out); together never more than the reserve."""
    missing: list[tuple[dt.date, int, uuid.UUID, int]] = []
    for order, claim in enumerate(claims):
        paid = claim.paid_out_cents
        for day, cents in sorted(claim.installments):
            got = min(cents, max(0, paid))
            paid -= got
            if got < cents:
                missing.append((day, order, claim.claim_id, cents - got))
    room = {claim.claim_id: claim.room_cents for claim in claims}
    owed_now = dict(room)
    minimum = {claim.claim_id: claim.minimum_cents for claim in claims}
    behind: dict[uuid.UUID, int] = {}
    for _, _, claim_id, cents in missing:
        behind[claim_id] = behind.get(claim_id, 0) + cents
    pay: dict[uuid.UUID, int] = {}
    left = reserve_cents
    for _, _, claim_id, cents in sorted(missing, key=lambda m: (m[0], m[1])):
        wanted = min(cents, room[claim_id])
        if wanted <= 0:
            continue
        take = min(wanted, left)
        so_far = pay.get(claim_id, 0)
        if take < wanted and (take <= 0 or (so_far + take < minimum[claim_id] and take < room[claim_id])):
            break
        pay[claim_id] = so_far + take
        left -= take
        room[claim_id] -= take
        if take < wanted:
            break
    # The rest of an installment that earlier runs paid in part can be a few cents: such a transfer waits until it
    # reaches the minimum, finishes what the claim is behind, or is all it is still owed.
    return {claim_id: cents for claim_id, cents in pay.items()
            if cents >= minimum[claim_id] or cents in (behind[claim_id], owed_now[claim_id])}
