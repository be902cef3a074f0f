"""What every area's tables share: enums stored as strings, UTC timestamps."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Enum,
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(moment: dt.datetime | None) -> dt.datetime:
    """`moment` as an aware time (a naive one is UTC, as SQLite hands timestamps back), or now when None."""
    if moment is None:
        return utcnow()
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def enum_column(kind: type[StrEnum], name: str) -> Enum:
    # Stored as plain strings without a CHECK (SQLAlchemy adds none for a non-native enum unless asked), so a new
    # value needs no DDL on either backend; the ORM refuses values outside the enum on the way in and out.
    return Enum(kind, name=name, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
