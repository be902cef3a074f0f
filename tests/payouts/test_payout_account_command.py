"""`debt-coord orgs payout-account`: a counselling organisation's payout account, checked, with clear refusals."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from debt_coord import service_commands
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.organisations.models import Organisation
from tests.support import World, build_world


@pytest.fixture
def world(database_url: str, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(service_commands, "get_settings", lambda: Settings(database_url=database_url,
                                                                            seed_demo=False))
    return build_world(database_url)


def account_of(database_url: str, name: str) -> tuple[str | None, str | None, int | None]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        row = connection.execute(select(Organisation.payout_iban, Organisation.payout_bic,
                                        Organisation.payout_day_of_month).where(Organisation.name == name)).one()
    engine.dispose()
    return row[0], row[1], row[2]


def payout_account(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(service_commands.orgs, ["payout-account", *arguments])
    return result.exit_code, result.output


def test_the_account_is_set_in_compact_form(database_url: str, world: World) -> None:
    code, output = payout_account("--org", "Schuldhulp Noord", "--iban", "nl20 ingb 0001 2345 67", "--bic",
                                  "INGBNL2A", "--day", "25")
    assert code == 0, output
    assert "NL20INGB0001234567" in output and "25" in output
    assert account_of(database_url, "Schuldhulp Noord") == ("NL20INGB0001234567", "INGBNL2A", 25)


@pytest.mark.parametrize(("arguments", "said"), [
    (["--org", "Schuldhulp Noord", "--iban", "NL20INGB0001234568", "--day", "25"], "not a valid IBAN"),
    (["--org", "Schuldhulp Noord", "--iban", "NL20INGB0001234567", "--bic", "XX", "--day", "25"], "not a valid BIC"),
    (["--org", "Schuldhulp Noord", "--iban", "NL20INGB0001234567", "--day", "29"], "from 1 to 28"),
    (["--org", "Schuldhulp Noord", "--iban", "NL20INGB0001234567", "--day", "0"], "from 1 to 28"),
    (["--org", "Zilverzorg", "--iban", "NL20INGB0001234567", "--day", "25"], "only a counselling organisation"),
    (["--org", "Nobody", "--iban", "NL20INGB0001234567", "--day", "25"], "no organisation named 'Nobody'"),
])
def test_bad_input_is_refused_with_status_1_and_changes_nothing(database_url: str, world: World,
                                                                arguments: list[str], said: str) -> None:
    code, output = payout_account(*arguments)
    assert code == 1 and said in output, output
    assert account_of(database_url, "Schuldhulp Noord") == (None, None, None)
