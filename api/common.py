"""What every area's request and response bodies share: the base models and value types."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, TypedDict

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from debt_coord.kernel.clock import today
from debt_coord.kernel.validation import check_country, check_currency, normalise_iban

Text64 = Annotated[str, Field(min_length=1, max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Iban = Annotated[str, Field(min_length=5, max_length=42), AfterValidator(normalise_iban)]
Currency = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(check_currency)]
Country = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(check_country)]


def _not_future(value: dt.date) -> dt.date:
    if value > today():
        raise ValueError("cannot be in the future")
    return value


PastDate = Annotated[dt.date, AfterValidator(_not_future)]


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
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
    return False


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; refuse it here, with a pointer, instead of failing on write.
        if _has_nul(value):
            raise ValueError("text cannot contain NUL characters")
        return value


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)
