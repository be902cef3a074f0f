"""Phone numbers for SMS and WhatsApp: stored and sent as E.164 (+31612345678)."""

from __future__ import annotations

import phonenumbers

from debt_coord.kernel.errors import FieldError, InvalidInputError, Refusal
from debt_coord.kernel.validation import normalise_phone

_TEXTABLE = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})
"""Number types that can receive a text (where a country's plan cannot tell mobile from fixed, we let it)."""


def to_e164(raw: str, region: str = "NL", *, field: str = "/address", mobile: bool = False) -> str:
    """`raw` in E.164; a number without a country code is read as one in `region`.

    An invalid number raises InvalidInputError (422) naming `field` (a JSON pointer into the request body); with
    `mobile`, so does a number that cannot receive an SMS or WhatsApp message (a fixed line such as 020 ...).
    """
    try:
        number = normalise_phone(raw.strip(), region)
    except ValueError as error:
        raise InvalidInputError("Not a valid phone number.", [FieldError(field, str(error))],
                                code=Refusal.PHONE_INVALID) from None
    if mobile and phonenumbers.number_type(phonenumbers.parse(number)) not in _TEXTABLE:
        raise InvalidInputError("Not a mobile phone number.", [FieldError(
            field, "not a mobile number: texts and WhatsApp messages need one (e.g. 06 1234 5678)")],
            code=Refusal.PHONE_NOT_MOBILE)
    return number
