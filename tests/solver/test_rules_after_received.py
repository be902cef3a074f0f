"""A variation shares the whole plan by the rule: what was received, and what is still to pay."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from solver.models import ClaimClass, ClaimIn, Rule
from solver.rules import awards, awards_after_received


def claim(i: int, outstanding: int, received: int = 0, preferent: bool = False) -> ClaimIn:
    return ClaimIn(id=f"c{i}", creditor=f"creditor {i}", outstanding_cents=outstanding, received_cents=received,
                   claim_class=ClaimClass.PREFERENT if preferent else ClaimClass.CONCURRENT)


def test_pro_rata_on_the_whole_evens_out_what_was_received_unevenly() -> None:
    # Two claims of 1,000 each; the first already received 300, the second 100 (it missed payments).
    # 400 more makes 800 on the whole: 400 each, so the first gets 100 and the second 300.
    claims = [claim(0, 70_000, 30_000), claim(1, 90_000, 10_000)]
    assert awards(40_000, claims, Rule.PROPORTIONAL) == {"c0": 10_000, "c1": 30_000}


def test_a_claim_paid_ahead_of_its_share_gets_nothing_more_and_the_others_share_the_rest() -> None:
    # The first received 600 of 1,000, the second nothing; 200 more: on the whole 800 would be 400 each, but
    # 600 was paid and is never taken back, so all 200 go to the second.
    claims = [claim(0, 40_000, 60_000), claim(1, 100_000, 0)]
    assert awards(20_000, claims, Rule.PROPORTIONAL) == {"c0": 0, "c1": 20_000}


def test_preferent_twice_the_percentage_on_the_whole() -> None:
    # Claims of 1,000 (preferent) and 2,000; received 100 and 100; 500 more: the whole 700 is shared 2:2 on
    # 1,000 and 2,000 weights 2 and 1, i.e. 350 / 350; still to pay 250 and 250.
    claims = [claim(0, 90_000, 10_000, preferent=True), claim(1, 190_000, 10_000)]
    assert awards(50_000, claims, Rule.PROPORTIONAL) == {"c0": 25_000, "c1": 25_000}


amounts = st.integers(min_value=1, max_value=500_000)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(amounts, st.integers(min_value=0, max_value=300_000), st.booleans()), min_size=1, max_size=8),
    st.integers(min_value=0, max_value=3_000_000),
    st.sampled_from(list(Rule)),
)
def test_parts_to_pay_add_up_never_negative_never_above_what_is_owed(
        rows: list[tuple[int, int, bool]], total: int, rule: Rule) -> None:
    claims = [claim(i, outstanding, received, preferent) for i, (outstanding, received, preferent) in enumerate(rows)]
    got = awards(total, claims, rule)
    assert sum(got.values()) == min(total, sum(c.outstanding_cents for c in claims))
    assert all(0 <= got[c.id] <= c.outstanding_cents for c in claims)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(amounts, st.integers(min_value=0, max_value=300_000)), min_size=2, max_size=8),
       st.integers(min_value=0, max_value=3_000_000))
def test_pro_rata_every_claim_still_paid_ends_on_one_percentage_of_the_whole(
        rows: list[tuple[int, int]], total: int) -> None:
    claims = [claim(i, outstanding, received) for i, (outstanding, received) in enumerate(rows)]
    owed = [Fraction(c.outstanding_cents) for c in claims]
    got = [Fraction(c.received_cents) for c in claims]
    pay = Fraction(min(total, sum(c.outstanding_cents for c in claims)))
    exact = awards_after_received(pay, owed, got, Rule.PROPORTIONAL, [1] * len(claims))
    assert sum(exact) == pay
    whole = [o + r for o, r in zip(owed, got, strict=True)]
    # Claims still paid and not in full end on one percentage of the whole; the ones paid nothing more were
    # already at or above it.
    level = {(r + e) / w for e, o, r, w in zip(exact, owed, got, whole, strict=True) if 0 < e < o}
    assert len(level) <= 1
    if level:
        assert all(r / w >= min(level) for e, r, w in zip(exact, got, whole, strict=True) if e == 0)
    rounded = awards(total, claims, Rule.PROPORTIONAL)
    assert all(abs(rounded[c.id] - e) < 1 for c, e in zip(claims, exact, strict=True))


def test_without_anything_received_it_is_the_plain_rule() -> None:
    plain = [claim(0, 123_456), claim(1, 80_000, preferent=True), claim(2, 15_000)]
    for rule in Rule:
        assert awards(100_000, plain, rule) == awards(100_000, [c.model_copy() for c in plain], rule)
        assert sum(awards(100_000, plain, rule).values()) == 100_000
