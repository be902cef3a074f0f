"""The creditor page's decision form read into the API's own decision (`DecisionIn`): the same four counter kinds,
the same rules; what is wrong comes back per form field as words for the page (a key of texts.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, parse_decimal
from pydantic import ValidationError

from api.creditor_links.schemas import DecisionForm
from api.debtor.texts import LOCALES
from api.negotiation.schemas import DecisionIn
from debt_coord.negotiation.models import Answer

FormErrors = dict[str, str]
"""Form field -> text key of the error shown beside it."""

# The API's counter field -> the form's field, and the words for a bad value in it.
COUNTER_FIELDS = {"min_payment_cents": ("min_payment", "error_amount"),
                  "fixed_installment_cents": ("fixed_installment", "error_amount"),
                  "latest_end_date": ("latest_end_date", "error_date"),
                  "max_transfers": ("max_transfers", "error_number")}
_NOT_READ = object()


def cents(text: str, lang: str) -> int | object:
    """'25,00' (Dutch) or '25.00' (English) as 2500; a value the page cannot read stays as it is, for the API's
    own check to refuse."""
    try:
        amount = parse_decimal(text, locale=LOCALES[lang], strict=True)
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            return _NOT_READ
    except (NumberFormatError, InvalidOperation):  # not a number, or one too large to be an amount
        return _NOT_READ
    return int(amount * 100)


def date(text: str) -> dt.date | object:
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return _NOT_READ


def whole(text: str) -> int | object:
    return int(text) if text.isdecimal() else _NOT_READ


def counter(form: DecisionForm, lang: str) -> tuple[dict[str, object], FormErrors]:
    values: dict[str, object] = {}
    errors: FormErrors = {}
    read = {"min_payment_cents": lambda t: cents(t, lang), "fixed_installment_cents": lambda t: cents(t, lang),
            "latest_end_date": date, "max_transfers": whole}
    for name, (field, error) in COUNTER_FIELDS.items():
        text = getattr(form, field).strip()
        if not text:
            continue
        value = read[name](text)
        if value is _NOT_READ:
            errors[field] = error
        else:
            values[name] = value
    return values, errors


def read_decision(form: DecisionForm, number: int, lang: str) -> tuple[Answer | None, FormErrors]:
    """The form as the API's decision on version `number`, or the errors per form field."""
    kind = form.decision.strip()
    if kind not in ("accept", "reject", "counter"):
        return None, {"decision": "error_decision"}
    values, errors = counter(form, lang) if kind == "counter" else ({}, {})
    if errors:
        return None, errors
    body = {"plan_version": number, "decision": kind, "reason": form.reason.strip(),
            "counter": values if kind == "counter" else None}
    try:
        parsed = DecisionIn.model_validate(body)
    except ValidationError as invalid:
        return None, _form_errors(invalid)
    answer_counter = parsed.counter.model_dump(mode="json", exclude_none=True) if parsed.counter else None
    return Answer(parsed.decision, parsed.reason, answer_counter), {}


def _form_errors(invalid: ValidationError) -> FormErrors:
    errors: FormErrors = {}
    for error in invalid.errors():
        place = tuple(str(part) for part in error["loc"])
        message = str(error.get("msg", ""))
        if place[:1] == ("reason",):
            errors["reason"] = "error_too_long"
        elif len(place) >= 2 and place[0] == "counter" and place[1] in COUNTER_FIELDS:
            field, words = COUNTER_FIELDS[place[1]]
            errors[field] = words
        elif "reason" in message:
            errors["reason"] = "error_reason"
        elif "constraint" in message:
            errors["counter"] = "error_counter_empty"
        else:
            errors["decision"] = "error_decision"
    return errors
