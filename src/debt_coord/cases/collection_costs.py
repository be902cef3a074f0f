"""The Dutch WIK scale (Besluit vergoeding voor buitengerechtelijke incassokosten).

The most a creditor may charge a consumer in extrajudicial collection costs, by principal:
15% of the first EUR 2,500, 10% of the next 2,500, 5% of the next 5,000, 1% of the next
190,000 and 0.5% above, at least EUR 40 and at most EUR 6,775.
"""

from __future__ import annotations

WIK_MINIMUM_CENTS = 4_000
WIK_MAXIMUM_CENTS = 677_500

# (upper bound of the bracket in cents, rate in half-per-mille so every rate is an integer)
_BRACKETS: tuple[tuple[int | None, int], ...] = (
    (250_000, 300),
    (500_000, 200),
    (1_000_000, 100),
    (20_000_000, 20),
    (None, 10),
)


def wik_maximum_cents(principal_cents: int) -> int:
    """Maximum collection costs for a principal, rounded half up to the cent."""
    if principal_cents < 0:
        raise ValueError("principal cannot be negative")
    scaled = 0  # cents * 2000
    lower = 0
    for upper, rate in _BRACKETS:
        top = principal_cents if upper is None else min(principal_cents, upper)
        if top > lower:
            scaled += (top - lower) * rate
        if upper is None or principal_cents <= upper:
            break
        lower = upper
    cents = (scaled + 1000) // 2000
    return max(WIK_MINIMUM_CENTS, min(WIK_MAXIMUM_CENTS, cents))
