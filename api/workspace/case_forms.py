"""The case page's forms read into what the API's own bodies take (`IncomeIn`'s streams, `ClaimCreate`), so a form
is held to the API's rules; what is wrong comes back per form field as a key of case_texts.py's error words."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from api.cases.schemas import ClaimCreate, IncomeStream
from api.creditor_links.forms import cents, date
from debt_coord.cases.models import IncomeKind
from debt_coord.cases.service import NamedIncome
from debt_coord.kernel.errors import Refusal, ServiceError
from solver import models as engine

FormErrors = dict[str, str]
"""Form field -> key of the words shown beside it."""

MAX_STREAMS = 50  # what a plan takes (engine.PlanRequest.income)
_ROW = re.compile(r"^stream-(\d{1,3})-")
_INCOME_FIELDS = ("amount", "available", "day", "weeks", "first", "dates")
_SCHEDULE_WORDS = {"give exactly one": "error_schedule", "every_weeks needs": "error_weeks_first",
                   "available_cents cannot": "error_available_more"}
CLAIM_AMOUNTS = ("principal", "interest", "costs")
CLAIM_TEXTS = ("creditor_reference", "claim_class", "debt_type", "iban", "payment_reference")


@dataclass
class IncomeForm:
    """What the income form sent, row by row, and what was wrong with it."""

    rows: list[dict[str, str]] = field(default_factory=list)
    streams: list[NamedIncome] = field(default_factory=list)
    errors: FormErrors = field(default_factory=dict)


def _whole(text: str, low: int, high: int) -> int | None:
    return int(text) if text.isdecimal() and low <= int(text) <= high else None


def _new_id(kind: str, taken: set[str]) -> str:
    found, n = kind, 2
    while found in taken:
        found, n = f"{kind}-{n}", n + 1
    return found


def _income_row(row: dict[str, str], taken: set[str], lang: str, errors: FormErrors) -> NamedIncome | None:
    name = row["name"]
    body: dict[str, Any] = {"id": row["id"] or _new_id(row["kind"] or "other", taken)}
    for key, low, high, target in (("day", 1, 31, "day_of_month"), ("weeks", 1, 52, "every_weeks")):
        if row[key]:
            body[target] = _whole(row[key], low, high)
            if body[target] is None:
                errors[f"{name}-{key}"] = f"error_{key}"
    for key, target in (("amount", "amount_cents"), ("available", "available_cents")):
        value = cents(row[key], lang) if row[key] else None
        if not isinstance(value, int) or value < 0:
            errors[f"{name}-{key}"] = "error_amount"
        body[target] = value
    if row["first"]:
        body["first_date"] = date(row["first"])
        if not hasattr(body["first_date"], "isoformat"):
            errors[f"{name}-first"] = "error_date"
    if row["dates"]:
        body["dates"] = [date(part) for part in re.split(r"[\s,;]+", row["dates"].strip()) if part]
        if not all(hasattr(d, "isoformat") for d in body["dates"]):
            errors[f"{name}-dates"] = "error_dates"
    if any(key.startswith(f"{name}-") for key in errors):
        return None
    try:
        stream = IncomeStream.model_validate({**body, "kind": row["kind"] or "other", "label": row["label"]})
    except ValidationError as invalid:
        errors.update(_income_errors(name, invalid))
        return None
    taken.add(stream.id)
    return NamedIncome(engine.IncomeStream.model_validate(stream.model_dump(exclude={"kind", "label"})),
                       IncomeKind(stream.kind), stream.label)


def _income_errors(name: str, invalid: ValidationError) -> FormErrors:
    errors: FormErrors = {}
    fields = {"kind": "kind", "label": "label", "dates": "dates", "first_date": "first", "id": "kind"}
    for error in invalid.errors():
        place = str(error["loc"][0]) if error["loc"] else ""
        message = str(error.get("msg", ""))
        if place in fields:
            errors[f"{name}-{fields[place]}"] = "error_text" if place in ("label", "kind", "id") else "error_dates"
            continue
        key = next((words for start, words in _SCHEDULE_WORDS.items() if start in message), "error_schedule")
        errors[f"{name}-schedule"] = key
    return errors


def read_income(form: Mapping[str, str], lang: str) -> IncomeForm:
    """The income form's rows (`stream-<n>-<field>`) as the income streams to save, in the order shown."""
    found = IncomeForm()
    numbers = sorted({int(m.group(1)) for key in form if (m := _ROW.match(key))})
    taken = {form.get(f"stream-{n}-id", "").strip() for n in numbers} - {""}
    for n in numbers:
        name = f"stream-{n}"
        row = {key: str(form.get(f"{name}-{key}", "")).strip()
               for key in ("id", "kind", "label", *_INCOME_FIELDS)}
        row["name"] = name
        found.rows.append(row)
        if form.get(f"{name}-remove") or not any(row[key] for key in _INCOME_FIELDS):
            continue
        stream = _income_row(row, taken, lang, found.errors)
        if stream is not None:
            found.streams.append(stream)
    if len(found.streams) > MAX_STREAMS:
        found.errors["income"] = "error_too_many"
    return found


def read_claim(form: Mapping[str, str], lang: str) -> tuple[dict[str, Any] | None, uuid.UUID | None, FormErrors]:
    """The claim form as `ClaimCreate`'s body, and the creditor it is registered for; or the errors per field."""
    errors: FormErrors = {}
    try:
        creditor: uuid.UUID | None = uuid.UUID(str(form.get("creditor", "")).strip())
    except ValueError:
        creditor, errors["creditor"] = None, "error_creditor"
    body: dict[str, Any] = {key: str(form.get(key, "")).strip() for key in CLAIM_TEXTS}
    for key in CLAIM_AMOUNTS:
        text = str(form.get(key, "")).strip()
        value = cents(text, lang) if text else 0
        if not isinstance(value, int) or value < 0:
            errors[key] = "error_amount"
        body[f"{key}_cents"] = value
    for key in ("arose_on", "balance_date"):
        text = str(form.get(key, "")).strip()
        body[key] = date(text) if text else None
        if text and not hasattr(body[key], "isoformat"):
            errors[key] = "error_date"
    if errors:
        return None, creditor, errors
    try:
        claim = ClaimCreate.model_validate(body)
    except ValidationError as invalid:
        return None, creditor, {_claim_field(str(e["loc"][0]) if e["loc"] else ""): _claim_words(e)
                                for e in invalid.errors()}
    return claim.model_dump(), creditor, {}


def _claim_field(name: str) -> str:
    return name.removesuffix("_cents") if name else "claim"


def _claim_words(error: Any) -> str:
    place = _claim_field(str(error["loc"][0]) if error["loc"] else "")
    if place in CLAIM_AMOUNTS:
        return "error_amount"
    if place in ("arose_on", "balance_date"):
        return "error_past_date" if place == "arose_on" else "error_date"
    return {"iban": "error_iban"}.get(place, "error_text")


_FIELD_WORDS = {Refusal.CLAIM_OWES_NOTHING: "error_owes_nothing", Refusal.CLAIM_OVER_LIMIT: "error_too_much"}
"""The claim form's refusals that belong beside the amounts they point at."""


def service_errors(refused: ServiceError, form: str) -> FormErrors:
    """A refusal's field errors as the form's fields, in its words: those the form has words for. The others
    (and the service's English) stay off the page: the problem line says why, by the refusal's code."""
    if form == "invite" and refused.code is Refusal.NOT_A_CREDITOR_ORGANISATION:
        return {"invite_creditor": "error_creditor"}
    words = _FIELD_WORDS.get(refused.code) if form == "claim" and refused.code else None
    if words is None:
        return {}
    return {_claim_field(e.pointer.lstrip("/").split("/")[0]): words for e in refused.errors}
