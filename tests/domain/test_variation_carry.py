"""What a variation carries over from the agreed plan, and what it changes per creditor: plain arithmetic."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from debt_coord.planning.variations import Carried, ClaimThen, carry, changes, within_tolerance
from solver.models import Payment

TODAY, START = dt.date(2027, 3, 10), dt.date(2027, 4, 1)


def pay(day: str, claim: str, cents: int) -> Payment:
    return Payment(date=dt.date.fromisoformat(day), claim_id=claim, amount_cents=cents)


AGREED = [pay("2027-01-25", "a", 100_00), pay("2027-02-25", "a", 100_00), pay("2027-03-25", "a", 100_00),
          pay("2027-04-26", "a", 100_00), pay("2027-01-25", "b", 50_00), pay("2027-03-25", "b", 50_00),
          pay("2027-04-26", "b", 50_00)]


def test_missed_installments_go_to_the_variation_and_those_still_due_before_it_stay() -> None:
    carried, counted = carry(AGREED, {"a": 150_00, "b": 50_00}, TODAY, START)
    # a paid January and half of February: February's rest is the variation's; March stays due as agreed.
    assert [(p.date.isoformat(), p.claim_id, p.amount_cents) for p in carried] == [
        ("2027-01-25", "a", 100_00), ("2027-01-25", "b", 50_00), ("2027-02-25", "a", 50_00),
        ("2027-03-25", "a", 100_00), ("2027-03-25", "b", 50_00)]
    assert counted == {"a": 250_00, "b": 100_00}


def test_money_paid_ahead_is_counted_and_joins_the_last_installment_before_the_variation() -> None:
    carried, counted = carry(AGREED, {"a": 350_00}, TODAY, START)
    assert counted["a"] == 350_00
    assert [p.amount_cents for p in carried if p.claim_id == "a"] == [100_00, 100_00, 150_00]
    assert "b" in counted and counted["b"] == 50_00, "b paid nothing: only what is still due before the start counts"


def test_a_claim_paid_without_a_schedule_before_the_start_still_has_its_money_counted() -> None:
    carried, counted = carry([pay("2027-04-26", "c", 10_00)], {"c": 7_00}, TODAY, START)
    assert counted == {"c": 7_00}
    assert [(p.date, p.amount_cents) for p in carried] == [(TODAY, 7_00)]


@given(st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 600_00)))
def test_received_money_always_meets_the_carried_schedule_and_counted_is_its_sum(received: dict[str, int]) -> None:
    carried, counted = carry(AGREED, received, TODAY, START)
    for claim in ("a", "b"):
        rows = [p.amount_cents for p in carried if p.claim_id == claim]
        assert sum(rows) == counted.get(claim, 0)
        due = sum(p.amount_cents for p in AGREED if p.claim_id == claim and TODAY <= p.date < START)
        assert counted.get(claim, 0) >= max(received.get(claim, 0), due)  # never less than paid, nor than still due
        assert all(p.date < START for p in carried)


def test_the_changes_per_creditor_and_the_tolerance_of_a_policy() -> None:
    owners = {"a": "org-a", "b": "org-b"}
    varied = [pay("2027-04-26", "a", 90_00), pay("2027-05-25", "b", 50_00)]
    found = {c.organisation_id: c for c in changes(AGREED, varied, owners, {"org-a": "A", "org-b": "B"}, START)}
    a, b = found["org-a"], found["org-b"]
    assert (a.agreed_cents, a.varied_cents, a.change_cents, a.cut_bp, a.later) == (100_00, 90_00, -10_00, 1000, False)
    assert [(d.date.isoformat(), d.agreed_cents, d.varied_cents) for d in a.dates] == [("2027-04-26", 100_00, 90_00)]
    assert (b.cut_bp, b.agreed_end, b.varied_end, b.later) == (0, dt.date(2027, 4, 26), dt.date(2027, 5, 25), True)
    assert within_tolerance(a, 1000) and not within_tolerance(a, 999)
    assert not within_tolerance(b, 10_000), "a later end is never within the tolerance"


def test_what_a_version_carries_reads_back_as_it_was_written() -> None:
    carried, counted = carry(AGREED, {"a": 150_00}, TODAY, START)
    written = Carried(plan_id="p", number=1, start=START, counted=counted, payments=tuple(carried), in_hand_cents=12,
                      deposits=((TODAY, 5_00),), claims={"a": ClaimThen("A", "org-a", 400_00)})
    assert Carried.from_json(written.as_json()) == written
