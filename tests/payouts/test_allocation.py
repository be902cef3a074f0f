"""What a run pays a case's claims (payouts/allocation.py): the oldest due first, never more than the reserve, a
part only when it reaches the claim's minimum payment or is all the claim is still owed."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from debt_coord.payouts.allocation import ClaimDue, allocate

JAN, FEB = dt.date(2026, 10, 26), dt.date(2026, 11, 25)
C1, C2 = uuid.UUID(int=1), uuid.UUID(int=2)


def two_claims(paid_c1: int = 0, room_c1: int = 100_000) -> list[ClaimDue]:
    return [ClaimDue(C1, [(JAN, 3_000), (FEB, 3_000)], paid_c1, room_c1, 1_000),
            ClaimDue(C2, [(FEB, 2_000), (JAN, 2_000)], 0, 100_000, 1_000)]


def test_the_oldest_installments_are_paid_first_across_claims() -> None:
    assert allocate(12_000, two_claims()) == {C1: 6_000, C2: 4_000}
    assert allocate(5_000, two_claims()) == {C1: 3_000, C2: 2_000}, "both January installments, nothing of February"
    assert allocate(6_500, two_claims()) == {C1: 4_500, C2: 2_000}, "then a part of the oldest left, and no further"


def test_a_part_below_the_minimum_stays_in_the_reserve_unless_it_finishes_the_claim() -> None:
    assert allocate(500, two_claims()) == {}
    assert allocate(900, two_claims(room_c1=400)) == {C1: 400}, "400 is all the claim is still owed"
    assert allocate(0, two_claims()) == {}


def test_what_earlier_runs_paid_counts_against_the_oldest_installments() -> None:
    assert allocate(12_000, two_claims(paid_c1=3_000)) == {C1: 3_000, C2: 4_000}
    assert allocate(12_000, two_claims(paid_c1=6_000)) == {C2: 4_000}


@settings(max_examples=300, deadline=None, derandomize=True)
@given(reserve=st.integers(0, 50_000),
       claims=st.lists(st.tuples(st.lists(st.tuples(st.integers(0, 90), st.integers(5_000, 9_000)), max_size=6),
                                 st.integers(0, 20_000), st.integers(-500, 30_000), st.integers(1, 5_000)),
                       min_size=1, max_size=4))
def test_never_more_than_the_reserve_what_is_due_or_what_is_owed(
        reserve: int, claims: list[tuple[list[tuple[int, int]], int, int, int]]) -> None:
    """Installments of at least any minimum (as a plan makes them): a payment below it can only be a part."""
    dues = [ClaimDue(uuid.UUID(int=i + 1), [(JAN + dt.timedelta(days=d), c) for d, c in installments], paid, room,
                     minimum) for i, (installments, paid, room, minimum) in enumerate(claims)]
    pay = allocate(reserve, dues)
    assert sum(pay.values()) <= reserve
    for due in dues:
        cents = pay.get(due.claim_id, 0)
        assert 0 <= cents <= max(0, sum(c for _, c in due.installments) - due.paid_out_cents)
        assert cents <= max(0, due.room_cents)
        assert cents == 0 or cents >= min(due.minimum_cents, due.room_cents) or cents == sum(
            c for _, c in due.installments) - due.paid_out_cents
