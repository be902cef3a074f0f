"""What every area's request and response bodies share: the base models and value types."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypedDict, cast

import msgspec
from dateutil.relativedelta import relativedelta
from litestar._signature.types import ExtendedMsgSpecValidationError
from litestar.plugins import InitPlugin
from litestar.plugins.pydantic import PydanticDIPlugin, PydanticInitPlugin, PydanticSchemaPlugin
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from debt_coord.kernel.clock import today
from debt_coord.kernel.validation import check_country, check_currency, normalise_iban

Text64 = Annotated[str, Field(min_length=1, max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Iban = Annotated[str, Field(min_length=5, max_length=42), AfterValidator(normalise_iban)]
Currency = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(check_currency)]
Country = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(check_country)]


EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
"""Any date a request gives: far enough from year 9999 that every sum of months and days over it stays a date."""
PLAN_START_YEARS = 5
"""A plan starts at most this many years before or after today."""


def _reckonable(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}")
    return value


def _not_future(value: dt.date) -> dt.date:
    if value > today():
        raise ValueError("cannot be in the future")
    return value


def _near_today(value: dt.date) -> dt.date:
    now, years = today(), relativedelta(years=PLAN_START_YEARS)
    if not now - years <= value <= now + years:
        raise ValueError(f"must be within {PLAN_START_YEARS} years of today ({(now - years).isoformat()} to "
                         f"{(now + years).isoformat()})")
    return value


Date = Annotated[dt.date, AfterValidator(_reckonable)]
PastDate = Annotated[dt.date, AfterValidator(_reckonable), AfterValidator(_not_future)]
PlanStart = Annotated[dt.date, AfterValidator(_near_today)]


class Bounds(TypedDict, total=False):
    gt: float
    ge: float
    lt: float
    le: float
    min_length: int
    max_length: int


_BOUNDS: tuple[Literal["gt", "ge", "lt", "le", "min_length", "max_length"], ...] = (
    "gt", "ge", "lt", "le", "min_length", "max_length")


def bounds(model: type[BaseModel], field: str) -> Bounds:
    """The bounds of another layer's field, read from its metadata at import time: `Field(**bounds(Policy, "seed"))`.

    For an API field that must accept exactly what the solver accepts, so no number is repeated by hand.
    """
    found = Bounds()
    for constraint in model.model_fields[field].metadata:
        for kind in _BOUNDS:
            value = getattr(constraint, kind, None)
            if value is not None:
                found[kind] = value
    if not found:
        raise LookupError(f"{model.__name__}.{field} has no bounds to take")
    return found


def _has_nul(value: Any) -> bool:
    # A loop, not recursion: a field may hold JSON nested thousands deep (that was a RecursionError, a 500).
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, BaseModel):
            pending.extend(vars(item).values())
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
    return False


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; refuse it here, with a pointer, instead of failing on write. After the
        # field's own validation: a validator before it would hand the field a Python value, not strict JSON.
        if _has_nul(value):
            raise ValueError("text cannot contain NUL characters")
        return value


def _is_body(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, Body)


def _deeper_than(value: Any, levels: int) -> bool:
    pending = [(value, 0)]
    while pending:  # a loop: the value may be nested thousands deep
        item, depth = pending.pop()
        if depth > levels:
            return True
        if isinstance(item, list | dict):
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _strict_body(model: type[Body], value: Any) -> Body:
    try:
        return model.model_validate_json(msgspec.json.encode(value), strict=True)
    except ValidationError as error:
        errors = cast("list[dict[str, Any]]", error.errors())
        if isinstance(value, dict) and any(e["type"] == "json_invalid" for e in errors):  # pydantic's depth limit
            errors = [{"loc": (key,), "msg": "nested too deeply", "type": "value_error"}
                      for key, item in value.items() if _deeper_than(item, 64)] or errors
        # What Litestar's own pydantic decoder raises: its errors become the problem's pointers.
        raise ExtendedMsgSpecValidationError(errors=errors) from error


class StrictBodies(PydanticInitPlugin):
    """Request bodies (`Body`) in pydantic's strict mode for JSON: an integer is not a date, `true` is not a number
    and `"12"` is not 12, while a JSON string "2026-11-01" still is a date.

    Litestar validates a body already decoded to Python values with strict=False, which overrides any strictness
    a model or field declares, and strict validation of Python values would refuse date strings; so a body is
    validated from its JSON again, strictly.
    """

    @classmethod
    def decoders(cls, validate_strict: bool = False) -> list[tuple[Callable[[Any], bool], Callable[[Any, Any], Any]]]:
        return [(_is_body, _strict_body), *super().decoders(validate_strict)]


def pydantic_plugins(prefer_alias: bool) -> list[InitPlugin]:
    """What Litestar's PydanticPlugin installs, with strict request bodies."""
    return [StrictBodies(prefer_alias=prefer_alias), PydanticSchemaPlugin(prefer_alias=prefer_alias),
            PydanticDIPlugin()]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)
