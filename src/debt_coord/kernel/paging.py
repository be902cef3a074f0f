"""Keyset paging, the one way every list is read: a page of rows after an opaque cursor, in a stable unique order.

sqlakeyset does the paging (it orders by the key columns, fetches one row more to know whether a
next page exists, and compares the keyset, not an offset, so rows inserted meanwhile never shift
a page). What clients see of it is the cursor: the last row's key as base64url JSON, read back
with the key columns' own types, so a forged or garbled cursor is a 400 and never reaches the
database as a value of the wrong type.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlakeyset.asyncio import select_page
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from debt_coord.kernel.errors import ServiceError
from debt_coord.kernel.snapshot import json_value

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
T = TypeVar("T")
Key = InstrumentedAttribute[Any]
Query = Select[*tuple[Any, ...]]
"""A SELECT of any number of entities or columns."""


class InvalidCursorError(ServiceError):
    """The cursor was not one this service gave out (garbled, forged, or for another list)."""

    status = 400


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    """Where the previous page ended, as that page's `next_cursor`; none for the first page."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None
    """None on the last page."""


def encode_cursor(place: Sequence[Any]) -> str:
    text = json.dumps([json_value(value) for value in place], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _typed(key: Key, value: Any) -> Any:
    wanted = key.type.python_type
    if wanted is dt.datetime and isinstance(value, str):
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a time without zone")
        moment.astimezone(dt.UTC)  # raises OverflowError at the ends of the calendar
        return moment
    if wanted is dt.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if wanted is uuid.UUID and isinstance(value, str):
        return uuid.UUID(value)
    if wanted is str and isinstance(value, str) and "\x00" not in value:
        return value
    raise ValueError(f"not a {wanted.__name__}")


def decode_cursor(cursor: str, keys: Sequence[Key]) -> tuple[Any, ...]:
    """The keyset a cursor stands for, typed as `keys`; InvalidCursorError for anything else."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(keys):
            raise ValueError("wrong shape")
        return tuple(_typed(key, value) for key, value in zip(keys, raw, strict=True))
    except (ValueError, TypeError, OverflowError, binascii.Error, RecursionError):
        raise InvalidCursorError(
            "The cursor is not one this list gave out: start again without it, and pass on each "
            "answer's next cursor unchanged."
        ) from None


async def fetch_page(
    session: AsyncSession, query: Query, keys: Sequence[Key], page: PageRequest, *,
    descending: bool = False, keep: Callable[[Any], bool] | None = None,
) -> Page[Any]:
    """One page of `query`'s rows (a row's first entity when it selects one) in the order of `keys`.

    `keys` must identify a row (end with its id). `keep` filters rows in Python, for a rule SQL
    cannot say; pages stay full: more rows are read until `page.limit` are kept or none are left.
    """
    place = decode_cursor(page.cursor, keys) if page.cursor else None
    ordered = query.order_by(*(key.desc() if descending else key.asc() for key in keys))
    single = len(query.column_descriptions) == 1
    kept: list[tuple[Any, Any]] = []
    while True:
        wanted = page.limit + 1 - len(kept)
        found = await select_page(session, ordered, per_page=wanted, after=place)
        rows = [(marker.place, row[0] if single else tuple(row)) for marker, row in found.paging.items()]
        kept += [(at, item) for at, item in rows if keep is None or keep(item)]
        if len(kept) > page.limit or not found.paging.has_next:
            break
        place = rows[-1][0]
    items = [item for _, item in kept[:page.limit]]
    more = len(kept) > page.limit
    return Page(items, encode_cursor(kept[page.limit - 1][0]) if more else None)
