"""Validators for identifiers that come from outside: IBANs, currencies, countries, phone numbers."""

from __future__ import annotations

from functools import lru_cache

import holidays
import phonenumbers
from babel.numbers import list_currencies
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException


def normalise_iban(value: str) -> str:
    """The IBAN in its compact form, or ValueError with the reason it is not valid."""
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as error:
        raise ValueError(f"not a valid IBAN: {error}") from None


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def check_currency(value: str) -> str:
    code = value.upper()
    if code not in _currencies():
        raise ValueError(f"unknown ISO 4217 currency {value!r}")
    return code


def check_country(value: str) -> str:
    """An ISO 3166 alpha-2 country whose bank holidays we know."""
    code = value.upper()
    if code not in holidays.list_supported_countries():
        raise ValueError(f"unknown or unsupported country {value!r} (ISO 3166 alpha-2, e.g. NL)")
    return code


def normalise_phone(value: str, region: str = "NL") -> str:
    """The phone number in E.164 (+31201234567); a number without a country code is read as one in `region`."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number (e.g. 020 123 4567 or +31 20 123 4567)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
