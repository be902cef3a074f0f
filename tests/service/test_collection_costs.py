"""The WIK scale, checked against amounts worked out by hand from the Besluit."""

from __future__ import annotations

import pytest

from debt_coord.cases.collection_costs import wik_maximum_cents


@pytest.mark.parametrize(
    ("principal_cents", "maximum_cents"),
    [
        (0, 4_000),  # the minimum of EUR 40
        (26_666, 4_000),  # 15% of 266.66 = 40.00 (39.999 rounds up)
        (100_000, 15_000),  # 15% of 1,000
        (250_000, 37_500),  # 15% of 2,500
        (300_000, 42_500),  # 375 + 10% of 500
        (500_000, 62_500),  # 375 + 250
        (1_000_000, 87_500),  # 375 + 250 + 250
        (1_234_567, 89_846),  # 875 + 1% of 2,345.67 = 898.4567 -> 898.46
        (20_000_000, 277_500),  # 875 + 1,900
        (50_000_000, 427_500),  # 2,775 + 0.5% of 300,000
        (100_000_000, 677_500),  # reaches the maximum of EUR 6,775 exactly
        (900_000_000, 677_500),  # capped
    ],
)
def test_wik_maximum(principal_cents: int, maximum_cents: int) -> None:
    assert wik_maximum_cents(principal_cents) == maximum_cents


def test_negative_principal_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        wik_maximum_cents(-1)
