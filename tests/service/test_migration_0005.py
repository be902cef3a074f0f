"""Revision 0005 keeps every income stream's id through the upgrade and back (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import create_engine, text

from debt_coord import migrate
from debt_coord.kernel.database import sync_url
from tests.conftest import create_postgres_database, drop_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('migration_0005') / 'm.db'}"
        return
    request.getfixturevalue("postgres_url")  # skips or fails when PostgreSQL is absent
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


def rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()


def insert(connection: sa.Connection, table: str, **values: object) -> None:
    """A row as the table stands at revision 0004, with ids typed as the models type them."""
    now = dt.datetime.now(dt.UTC)
    values |= {"created_at": now, "updated_at": now}
    types = {c: GUID(length=16) if c == "id" or c.endswith("_id") else DateTimeUTC(timezone=True)
             if c.endswith("_at") else None for c in values}
    connection.execute(sa.insert(sa.table(table, *(sa.column(c, t) for c, t in types.items()))).values(**values))


def test_an_income_streams_id_survives_0005_up_and_down(empty_url: str) -> None:
    migrate.upgrade(empty_url, "0004")
    org, case = uuid.uuid4(), uuid.uuid4()
    engine = create_engine(sync_url(empty_url))
    try:
        with engine.begin() as connection:
            insert(connection, "organisations", id=org, name="Schuldhulp", kind="counselling")
            insert(connection, "cases", id=case, organisation_id=org, reference="M-1", debtor_name="A. de Vries",
                   debtor_contact_channel="post", debtor_contact="", currency="EUR", country="NL",
                   reference_date=dt.date(2026, 11, 1), state="collecting", version=1)
            insert(connection, "income_streams", id=uuid.uuid4(), case_id=case, position=0, label="salaris",
                   amount_cents=200_000, available_cents=10_000, day_of_month=25)
    finally:
        engine.dispose()

    migrate.upgrade(empty_url, "0005")
    assert rows(empty_url, "SELECT stream_id, kind, label FROM income_streams") == [("salaris", "other", "")]
    assert rows(empty_url, "SELECT count(*) FROM plan_versions WHERE income_kinds IS NOT NULL") == [(0,)]
    migrate.downgrade(empty_url, "0004")
    assert rows(empty_url, "SELECT label FROM income_streams") == [("salaris",)]
    migrate.upgrade(empty_url)
    assert rows(empty_url, "SELECT stream_id, kind, label FROM income_streams") == [("salaris", "other", "")]
