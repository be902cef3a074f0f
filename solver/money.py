"""Money as people read it: the one formatter of cents, for the engine's explanations, the service's
messages and the debtor's page alike (babel, so each language writes amounts its own way)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency


def amount(cents: int) -> Decimal:
    """Cents as an exact decimal amount: 102000 -> Decimal('1020.00')."""
    return Decimal(cents).scaleb(-2)


def format_money(cents: int, currency: str = "EUR", locale: str = "en") -> str:
    """'€1,025.27' in English, '€ 1.025,27' in Dutch (locale 'nl_NL')."""
    return str(format_currency(amount(cents), currency, locale=locale))
