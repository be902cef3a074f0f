"""Every `debt-coord` command that needs the database works on a fresh one: it migrates first, as `serve` does.

Found (issue 17): `debt-coord orgs create` on a fresh data dir printed a 178-line traceback ending in
`no such table: organisations`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import POSTGRES_URL, _unavailable, create_postgres_database, drop_postgres_database

DEBT_COORD = Path(sys.executable).parent / "debt-coord"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a fresh installation: an empty data dir, or an empty PostgreSQL database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBT_COORD_")}
    if request.param == "sqlite":
        yield env  # the default: var/debt_coord.db under the working directory, which does not exist yet
        return
    try:
        url = create_postgres_database()
    except psycopg.Error as error:
        _unavailable("PostgreSQL", POSTGRES_URL, error)
    yield {**env, "DEBT_COORD_DATABASE_URL": url}
    drop_postgres_database(url)


def cli(env: dict[str, str], folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DEBT_COORD), *args], env=env, cwd=folder, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("first", ["orgs", "keys", "seed-demo"])
def test_the_first_command_on_a_fresh_database_migrates_it_and_works(
    fresh_database: dict[str, str], tmp_path: Path, first: str,
) -> None:
    if first == "orgs":
        made = cli(fresh_database, tmp_path, "orgs", "create", "--name", "Kredietbank Oost", "--kind", "counselling")
        assert made.returncode == 0 and "Traceback" not in made.stderr, made.stderr
        key = cli(fresh_database, tmp_path, "keys", "create", "--org", "Kredietbank Oost", "--role", "counsellor")
        assert key.returncode == 0 and key.stdout.startswith("dck_"), key.stderr
    elif first == "keys":  # an empty database: the one-line answer, not a traceback
        key = cli(fresh_database, tmp_path, "keys", "create", "--org", "Kredietbank Oost", "--role", "counsellor")
        assert key.returncode == 1 and "Traceback" not in key.stderr, key.stderr
        assert key.stderr.strip() == ("Error: no organisation named 'Kredietbank Oost'; create it with "
                                      "`debt-coord orgs create`")
    else:
        seeded = cli(fresh_database, tmp_path, "seed-demo")
        assert seeded.returncode == 0 and "Traceback" not in seeded.stderr, seeded.stderr
        assert "debtor page of DEMO-002: /debtor?token=dtl_" in seeded.stdout
