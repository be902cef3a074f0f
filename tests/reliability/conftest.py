"""Fixtures of the fault tests: a PostgreSQL server of a test's own, to restart and kill."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from debt_coord import migrate
from tests.reliability.servers import PrivatePostgres


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A migrated PostgreSQL cluster of this test's own (initdb on a free port), removed afterwards."""
    server = PrivatePostgres()
    try:
        migrate.upgrade(server.url)
        yield server
    finally:
        server.close()
