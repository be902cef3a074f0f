"""What every area's tables share: enums stored as checked strings, UTC timestamps."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Enum,
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def enum_column(kind: type[StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK, so adding a value is a simple migration on both backends.
    return Enum(kind, name=name, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
