"""The fairness rules against textbook examples, their defining axioms, and exact cents."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.models import ClaimClass, ClaimIn, Rule
from solver.rules import awards, exact_awards, largest_remainder


def claims_of(*amounts: int, preferent: tuple[int, ...] = ()) -> list[ClaimIn]:
    return [
        ClaimIn(
            id=f"c{i}",
            creditor=f"creditor {i}",
            outstanding_cents=amount,
            claim_class=ClaimClass.PREFERENT if i in preferent else ClaimClass.CONCURRENT,
        )
        for i, amount in enumerate(amounts)
    ]


def award_list(total: int, claims: list[ClaimIn], rule: Rule, factor: int = 2) -> list[int]:
    return list(awards(total, claims, rule, factor).values())


# Aumann & Maschler (1985), the Talmud's estate division: claims 100, 200, 300.
@pytest.mark.parametrize(
    ("estate", "expected"),
    [
        (10_000, [3_334, 3_333, 3_333]),  # 33 1/3 each; the odd cent goes to the first claim
        (20_000, [5_000, 7_500, 7_500]),
        (30_000, [5_000, 10_000, 15_000]),
    ],
)
def test_talmud_matches_the_mishna_table(estate: int, expected: list[int]) -> None:
    assert award_list(estate, claims_of(10_000, 20_000, 30_000), Rule.TALMUD) == expected


def test_talmud_beyond_half_the_debt_shares_the_losses_on_half_claims() -> None:
    # Estate 400 of 600: the loss of 200 is shared equally on the half-claims 50/100/150,
    # at most each half: losses 50, 75, 75.
    assert award_list(40_000, claims_of(10_000, 20_000, 30_000), Rule.TALMUD) == [
        5_000,
        12_500,
        22_500,
    ]


# Thomson (2003), "Axiomatic and game-theoretic analysis of bankruptcy": claims 100/200/300.
@pytest.mark.parametrize(
    ("rule", "estate", "expected"),
    [
        (Rule.CONSTRAINED_EQUAL_AWARDS, 30_000, [10_000, 10_000, 10_000]),
        (Rule.CONSTRAINED_EQUAL_AWARDS, 40_000, [10_000, 15_000, 15_000]),
        (Rule.CONSTRAINED_EQUAL_AWARDS, 20_000, [6_667, 6_667, 6_666]),
        (Rule.CONSTRAINED_EQUAL_LOSSES, 20_000, [0, 5_000, 15_000]),
        (Rule.CONSTRAINED_EQUAL_LOSSES, 30_000, [0, 10_000, 20_000]),
        (Rule.CONSTRAINED_EQUAL_LOSSES, 45_000, [5_000, 15_000, 25_000]),
        (Rule.PROPORTIONAL, 30_000, [5_000, 10_000, 15_000]),
        (Rule.PROPORTIONAL, 20_000, [3_333, 6_667, 10_000]),
    ],
)
def test_textbook_examples(rule: Rule, estate: int, expected: list[int]) -> None:
    assert award_list(estate, claims_of(10_000, 20_000, 30_000), rule) == expected


def test_preferent_gets_twice_the_percentage() -> None:
    # Weights 2*100 and 300: level 100/500 = 20% concurrent, 40% preferent.
    claims = claims_of(10_000, 30_000, preferent=(0,))
    assert award_list(10_000, claims, Rule.PROPORTIONAL) == [4_000, 6_000]


def test_preferent_is_capped_at_its_claim_and_the_surplus_goes_to_the_others() -> None:
    # Twice the percentage would give the preferent claim 120%; it gets 100%, the rest the 200.
    claims = claims_of(10_000, 30_000, preferent=(0,))
    assert award_list(30_000, claims, Rule.PROPORTIONAL) == [10_000, 20_000]


def test_a_total_beyond_the_debt_pays_every_claim_in_full() -> None:
    claims = claims_of(1_000, 2_000)
    for rule in Rule:
        assert award_list(10_000, claims, rule) == [1_000, 2_000]


def test_largest_remainder_breaks_ties_by_claim_order() -> None:
    thirds = [Fraction(1, 3)] * 3
    assert largest_remainder(thirds, 1) == [1, 0, 0]
    assert largest_remainder([Fraction(5, 2), Fraction(3, 2)], 4) == [3, 1]


claim_amounts = st.lists(st.integers(min_value=1, max_value=5_000_000), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    amounts=claim_amounts,
    total=st.integers(min_value=0, max_value=80_000_000),
    rule=st.sampled_from(list(Rule)),
    factor=st.integers(min_value=1, max_value=4),
    preferent_mask=st.integers(min_value=0, max_value=4095),
)
def test_awards_add_up_exactly_and_never_exceed_a_claim(
    amounts: list[int], total: int, rule: Rule, factor: int, preferent_mask: int
) -> None:
    preferent = tuple(i for i in range(len(amounts)) if preferent_mask >> i & 1)
    claims = claims_of(*amounts, preferent=preferent)
    result = award_list(total, claims, rule, factor)
    assert sum(result) == min(total, sum(amounts))
    assert all(0 <= award <= amount for award, amount in zip(result, amounts, strict=True))


@settings(max_examples=100, deadline=None)
@given(amounts=claim_amounts, total=st.integers(min_value=0, max_value=60_000_000))
def test_proportional_shares_are_equal_per_weight(amounts: list[int], total: int) -> None:
    claims = claims_of(*amounts)
    result = award_list(total, claims, Rule.PROPORTIONAL)
    level = Fraction(min(total, sum(amounts)), sum(amounts))
    for award, amount in zip(result, amounts, strict=True):
        assert abs(award - level * amount) < 1


@settings(max_examples=100, deadline=None)
@given(amounts=claim_amounts, total=st.integers(min_value=0, max_value=60_000_000))
def test_equal_awards_and_equal_losses_axioms(amounts: list[int], total: int) -> None:
    claims = claims_of(*amounts)
    cea = award_list(total, claims, Rule.CONSTRAINED_EQUAL_AWARDS)
    uncapped = [a for a, c in zip(cea, amounts, strict=True) if a < c]
    assert not uncapped or max(uncapped) - min(uncapped) <= 1
    assert all(a <= min(uncapped, default=c) + 1 for a, c in zip(cea, amounts, strict=True))
    cel = award_list(total, claims, Rule.CONSTRAINED_EQUAL_LOSSES)
    losses = [c - a for a, c in zip(cel, amounts, strict=True) if a > 0]
    assert not losses or max(losses) - min(losses) <= 1


COMPOSABLE = [Rule.PROPORTIONAL, Rule.CONSTRAINED_EQUAL_AWARDS, Rule.CONSTRAINED_EQUAL_LOSSES]


@settings(max_examples=100, deadline=None)
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=500_000), min_size=1, max_size=8),
    paydays=st.lists(st.integers(min_value=0, max_value=400_000), min_size=1, max_size=12),
    rule=st.sampled_from(COMPOSABLE),
)
def test_paying_payday_by_payday_against_what_remains_adds_up_to_the_one_shot_award(
    amounts: list[int], paydays: list[int], rule: Rule
) -> None:
    remaining = list(amounts)
    received = [0] * len(amounts)
    for money in paydays:
        money = min(money, sum(remaining))
        if money == 0 or sum(remaining) == 0:
            continue
        open_claims = [i for i, r in enumerate(remaining) if r > 0]
        step = award_list(money, claims_of(*(remaining[i] for i in open_claims)), rule)
        for i, award in zip(open_claims, step, strict=True):
            received[i] += award
            remaining[i] -= award
    one_shot = award_list(sum(received), claims_of(*amounts), rule)
    # Exact in rationals (composition); each payday's rounding can move a claim by a cent.
    for got, award in zip(received, one_shot, strict=True):
        assert abs(got - award) <= len(paydays)


def test_composition_holds_exactly_in_rationals() -> None:
    claims = [Fraction(c) for c in (100, 200, 300)]
    for rule in COMPOSABLE:
        first = exact_awards(Fraction(150), claims, rule, [1, 1, 1])
        rest = [c - a for c, a in zip(claims, first, strict=True)]
        second = exact_awards(Fraction(200), rest, rule, [1, 1, 1])
        together = exact_awards(Fraction(350), claims, rule, [1, 1, 1])
        assert [a + b for a, b in zip(first, second, strict=True)] == together
