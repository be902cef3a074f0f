"""The plan builder's ask form read into the API's own request (`PlanAsk`); what is wrong comes back per form
field as the key of its words in plan_texts.py."""

from __future__ import annotations

from collections.abc import Callable
from decimal import InvalidOperation
from typing import Annotated, Any

from babel.numbers import NumberFormatError, parse_decimal
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.creditor_links.forms import COUNTER_FIELDS, cents, counter, date, whole
from api.creditor_links.schemas import DecisionForm
from api.negotiation.schemas import Counter
from api.planning.schemas import PlanAsk
from api.workspace.plan_texts import LOCALES

FormErrors = dict[str, str]
Text = Annotated[str, Field(max_length=200)]

# PlanAsk's field -> the form's field and the words for a bad value in it.
FIELDS = {"months": ("months", "error_months"), "start_date": ("start_date", "error_date"),
          "rule": ("rule", "error_rule"), "min_payment_cents": ("min_payment", "error_amount"),
          "max_transfers_per_date": ("max_transfers_per_date", "error_number"),
          "time_limit_seconds": ("time_limit_seconds", "error_seconds")}
_NOT_READ = object()


class PlanAskForm(BaseModel):
    """The form as sent: every field text (an unticked box is not sent at all)."""

    model_config = ConfigDict(extra="ignore")

    months: Text = ""
    start_date: Text = ""
    rule: Text = ""
    min_payment: Text = ""
    max_transfers_per_date: Text = ""
    time_limit_seconds: Text = ""
    apply_counters: Text = ""
    respect_policies: Text = ""


def _seconds(text: str, lang: str) -> float | object:
    try:
        value = parse_decimal(text, locale=LOCALES[lang], strict=True)
    except (NumberFormatError, InvalidOperation):
        return _NOT_READ
    return float(value) if value.is_finite() else _NOT_READ


def read_ask(form: PlanAskForm, lang: str) -> tuple[PlanAsk | None, FormErrors]:
    readers: dict[str, Callable[[str], object]] = {
        "months": whole, "start_date": date, "rule": str, "min_payment_cents": lambda t: cents(t, lang),
        "max_transfers_per_date": whole, "time_limit_seconds": lambda t: _seconds(t, lang)}
    values: dict[str, object] = {}
    errors: FormErrors = {}
    for name, (field, words) in FIELDS.items():
        text = getattr(form, field).strip()
        if not text:
            continue
        value = readers[name](text)
        if value is _NOT_READ:
            errors[field] = words
        else:
            values[name] = value
    if errors:
        return None, errors
    values["apply_counters"] = bool(form.apply_counters)
    values["respect_policies"] = bool(form.respect_policies)
    try:
        return PlanAsk.model_validate(values), {}
    except ValidationError as invalid:
        for error in invalid.errors():
            field, words = FIELDS.get(str(error["loc"][0]) if error["loc"] else "", ("months", "error_other"))
            errors[field] = words
        return None, errors


class WhatIfForm(BaseModel):
    """The what-if form: the version, one creditor's wishes (the four counter kinds) and/or its counters."""

    model_config = ConfigDict(extra="ignore")

    plan_id: Text = ""
    organisation_id: Text = ""
    min_payment: Text = ""
    fixed_installment: Text = ""
    latest_end_date: Text = ""
    max_transfers: Text = ""
    use_counters: Text = ""


def read_wishes(form: WhatIfForm, lang: str) -> tuple[dict[str, Any] | None, FormErrors]:
    """One creditor's wishes as the API's counter (None when none is filled in), or the errors per field."""
    typed = DecisionForm(min_payment=form.min_payment, fixed_installment=form.fixed_installment,
                         latest_end_date=form.latest_end_date, max_transfers=form.max_transfers)
    values, errors = counter(typed, lang)
    if errors or not values:
        return None, errors
    try:
        return Counter.model_validate(values).model_dump(mode="json", exclude_none=True), {}
    except ValidationError as invalid:
        for error in invalid.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            field, words = COUNTER_FIELDS.get(name, ("min_payment", "error_other"))
            errors[field] = words
        return None, errors
