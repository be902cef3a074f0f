"""A row's column values as JSON-safe data: the before and after of events, and webhook payloads."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import inspect

_NOT_SNAPSHOT = {"sa_orm_sentinel", "created_at", "updated_at"}


def json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def snapshot(model: Any) -> dict[str, Any]:
    """The model's column values as JSON-safe data; not those derived from others (`info={"derived": True}`)."""
    columns = inspect(model).mapper.column_attrs
    return {attr.key: json_value(getattr(model, attr.key)) for attr in columns
            if attr.key not in _NOT_SNAPSHOT and not attr.columns[0].info.get("derived")}
