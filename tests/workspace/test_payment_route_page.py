"""How the debtor pays, on the case page through the real app, signed in as a counsellor, on SQLite and PostgreSQL.

The choice is the API's own (`PUT /v1/cases/{id}/payment-route`): what the form saves is checked through the API
(the case's `payment_route`, its audit trail), and what it refuses is worded by the refusal's code and writes
nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, create_engine, update

from api.workspace.case_texts import CASE_TEXTS
from debt_coord.cases.models import Case
from debt_coord.cases.states import CaseState
from debt_coord.kernel.database import sync_url
from tests.payouts.flow import PAYOUT_DAY, set_payout_account_of
from tests.support import World, api_client, build_world, open_case_with_creditors, row_counts
from tests.workspace.support import HTML, post_form, signed_in, text

ACTION = "case.payment_route_chosen"


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(sync_url(database_url))
    yield engine
    engine.dispose()


def route_of(client: TestClient[Any], world: World, case_id: str) -> str:
    case = client.get(f"/v1/cases/{case_id}", headers=world.counsellor.headers)
    assert case.status_code == 200, case.text
    route: str = case.json()["payment_route"]
    return route


def trail(client: TestClient[Any], world: World, case_id: str) -> list[dict[str, Any]]:
    found = client.get(f"/v1/cases/{case_id}/audit", params={"action": ACTION}, headers=world.counsellor.headers)
    assert found.status_code == 200, found.text
    events: list[dict[str, Any]] = found.json()
    return events


def section(html: str) -> str:
    """The words of the page's "how does the debtor pay" section."""
    return text(html[html.index('<h2 id="payment-route">'):html.index('<h2 id="creditors">')])


def checked(html: str) -> list[str]:
    return re.findall(r'<input type="radio" id="payment-route-[a-z_]+" name="payment_route" value="([a-z_]+)" '
                      r"checked", html)


def choose(client: TestClient[Any], case_id: str, route: str) -> Any:
    return post_form(client, f"/app/cases/{case_id}/payment-route", {"payment_route": route})


def test_via_the_counsellor_without_a_payout_account_is_refused_in_words_and_changes_nothing(
    database_url: str, world: World, engine: Engine,
) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        by_api = client.put(f"/v1/cases/{case_id}/payment-route", json={"payment_route": "via_counsellor"},
                            headers=world.counsellor.headers)
        assert by_api.status_code == 409 and by_api.json()["code"] == "no_payout_account"
        signed_in(client, world)
        html = client.get(f"/app/cases/{case_id}", headers=HTML).text
        words = section(html)
        assert "Hoe betaalt de schuldenaar? Nu: Rechtstreeks: de schuldenaar betaalt elke schuldeiser zelf" in words
        assert "Kies hoe de schuldenaar betaalt" in words and checked(html) == ["direct"]
        assert "Uw organisatie heeft nog geen rekening om door te betalen." in words

        before = row_counts(engine)
        refused = choose(client, case_id, "via_counsellor")
        assert refused.status_code == 409, refused.text
        assert ("Niet gelukt: uw organisatie heeft geen rekening om door te betalen. Leg het IBAN en de betaaldag "
                "vast, of laat de schuldenaar zelf betalen.") in text(refused.text)
        assert "payout account" not in refused.text, "the API's English detail never reaches the page"
        assert "Nu: Rechtstreeks" in section(refused.text)
        assert row_counts(engine) == before
        assert route_of(client, world, case_id) == "direct" and trail(client, world, case_id) == []

        # Not a route at all: said beside the choice, and nothing changes either.
        wrong = choose(client, case_id, "by_carrier_pigeon")
        assert wrong.status_code == 422, wrong.text
        assert re.search(r'id="payment_route-error">Kies hoe de schuldenaar betaalt\.', wrong.text)
        assert row_counts(engine) == before


def test_with_the_payout_account_the_choice_is_saved_shown_and_audited(
    database_url: str, world: World,
) -> None:
    set_payout_account_of(database_url, world.counsellor.name)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        user = signed_in(client, world)
        assert "nog geen rekening" not in section(client.get(f"/app/cases/{case_id}", headers=HTML).text)

        saved = choose(client, case_id, "via_counsellor")
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == f"/app/cases/{case_id}?saved=payment_route#payment-route"
        assert route_of(client, world, case_id) == "via_counsellor"
        [chosen] = trail(client, world, case_id)
        assert (chosen["before"], chosen["after"]) == ({"payment_route": "direct"}, {"payment_route": "via_counsellor"})
        assert user.email in chosen["actor"] and "workspace" in chosen["actor"]

        html = client.get(saved.headers["location"], headers=HTML).text
        assert "Hoe de schuldenaar betaalt, is opgeslagen." in text(html)
        words = section(html)
        assert ("Nu: Via uw organisatie: de schuldenaar betaalt op elke dag dat het inkomen binnenkomt één bedrag op "
                "de rekening van uw organisatie.") in words
        assert f"Uw organisatie betaalt door op de eerste bankdag vanaf de {PAYOUT_DAY}e van de maand." in words
        assert checked(html) == ["via_counsellor"]

        # In English, the same section in English words; and back to direct, audited again.
        client.get(f"/app/language?lang=en&next=/app/cases/{case_id}", headers=HTML)
        english = section(client.get(f"/app/cases/{case_id}", headers=HTML).text)
        assert "How does the debtor pay? Now: Via your organisation: on each day income comes in" in english
        assert f"on or after day {PAYOUT_DAY} of the month" in english and "Choose how the debtor pays" in english
        assert choose(client, case_id, "direct").status_code == 303
        assert route_of(client, world, case_id) == "direct"
        assert [e["after"] for e in trail(client, world, case_id)] == [
            {"payment_route": "via_counsellor"}, {"payment_route": "direct"}]
        shown = client.get(f"/app/cases/{case_id}?saved=payment_route", headers=HTML).text
        assert "How the debtor pays is saved." in text(shown)
        assert "Now: Directly: the debtor pays each creditor" in section(shown)

        # Another organisation's counsellor gets the case's absence, and the route stays.
        signed_in(client, world, "other_counsellor")
        assert choose(client, case_id, "via_counsellor").status_code == 404
        assert route_of(client, world, case_id) == "direct"


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(database_url: str, world: World) -> None:
    set_payout_account_of(database_url, world.counsellor.name)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        signed_in(client, world)
        for token in (None, "f" * 128):
            data = {"payment_route": "via_counsellor"} | ({} if token is None else {"_csrf_token": token})
            forged = client.post(f"/app/cases/{case_id}/payment-route", data=data, headers=HTML,
                                 follow_redirects=False)
            assert forged.status_code == 403 and "Het formulier is verlopen" in text(forged.text)
        assert route_of(client, world, case_id) == "direct" and trail(client, world, case_id) == []


@pytest.mark.parametrize(("state", "why"), [
    ("proposed", "Het plan is zo aan de schuldeisers voorgesteld, dus dit kan nu niet veranderen"),
    ("active", "De regeling loopt zo, dus dit kan nu niet veranderen"),
])
def test_once_a_plan_is_proposed_or_running_the_route_is_shown_without_a_form(
    database_url: str, world: World, engine: Engine, state: str, why: str,
) -> None:
    set_payout_account_of(database_url, world.counsellor.name)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        with engine.begin() as connection:  # as proposing (activating) a plan leaves it
            connection.execute(update(Case).where(Case.id == uuid.UUID(case_id)).values(state=CaseState(state)))
        signed_in(client, world)
        html = client.get(f"/app/cases/{case_id}", headers=HTML).text
        assert 'id="payment-route-form"' not in html and 'name="payment_route"' not in html
        words = section(html)
        assert "Nu: Rechtstreeks: de schuldenaar betaalt elke schuldeiser zelf" in words and why in words

        # A form sent anyway (an old tab) is refused as the API refuses it.
        refused = choose(client, case_id, "via_counsellor")
        assert refused.status_code == 409, refused.text
        assert (f"Niet gelukt: hoe de schuldenaar betaalt, kan alleen veranderen voordat een plan is voorgesteld. "
                f"Het dossier staat nu op ‘{CASE_TEXTS['nl'][f'state_{state}']}’.") in text(refused.text)
        assert route_of(client, world, case_id) == "direct" and trail(client, world, case_id) == []
