"""The case board (/app/cases): the organisation's own cases by state with the dates that matter, search,
pages, and opening a new case with the form. Through the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from litestar.testing import TestClient

from debt_coord.kernel.clock import today
from solver.money import format_money
from tests.money_in.statement_flow import recent_plan_case
from tests.negotiation.flow import proposed_case
from tests.support import api_client, build_world, case_body
from tests.workspace.support import HTML, post_form, signed_in, text


def sections(html: str) -> dict[str, str]:
    """The board's words per state heading."""
    parts = re.split(r'<h2 id="state-(\w+)">', html.split('<h2 id="new-case">')[0])
    return {parts[i]: text(parts[i + 1]) for i in range(1, len(parts), 2)}


def board(client: TestClient[Any], query: str = "") -> Any:
    answer = client.get(f"/app/cases{query}", headers=HTML)
    assert answer.status_code == 200, answer.text
    return answer


def test_the_board_shows_each_state_with_its_dates_and_only_the_own_organisations_cases(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=("c4", "c5"))
    with api_client(database_url) as client:
        deadline = today() + dt.timedelta(days=20)
        body = case_body("VERZ-1", debtor_name="Fatma Yılmaz", claims_deadline=deadline.isoformat())
        assert client.post("/v1/cases", json=body, headers=world.counsellor.headers).status_code == 201
        proposed_id, plan_id = proposed_case(client, world)
        plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
        active_id, claim = recent_plan_case(client, world, "ACTIEF-1")
        paid = {"claim_id": claim["id"], "amount_cents": 1_234, "date": today().isoformat()}  # a part came in
        assert client.post(f"/v1/cases/{active_id}/receipts", json=paid, headers=world.c1.headers).status_code == 201
        arrears = client.get(f"/v1/cases/{active_id}/installments", headers=world.counsellor.headers).json()
        foreign = case_body("ZUID-1", debtor_name="Geheime Schuldenaar")
        assert client.post("/v1/cases", json=foreign, headers=world.other_counsellor.headers).status_code == 201
        signed_in(client, world)
        page = board(client).text
        shown = sections(page)
        assert set(shown) == {"collecting", "proposed", "active"}
        assert "VERZ-1" in shown["collecting"] and "Fatma Yılmaz" in shown["collecting"]
        assert f"{deadline.day} " in shown["collecting"] and str(deadline.year) in shown["collecting"]
        response = dt.date.fromisoformat(plan["response_deadline"])
        assert f'href="/app/cases/{proposed_id}"' in page and str(response.year) in shown["proposed"]
        assert arrears["arrears"]["cents"] > 0  # the plan began three months ago and nothing came in
        assert " ".join(format_money(arrears["arrears"]["cents"], "EUR", "nl_NL").split()) in shown["active"]
        assert "ZUID-1" not in page and "Geheime" not in page  # another organisation's case is never on it
        assert "Regeling loopt (1)" in text(page) and "Vorderingen verzamelen (1)" in text(page)
        assert "ZUID-1" not in text(board(client, "?q=ZUID-1").text)


def test_search_by_reference_or_part_of_the_name_and_filter_by_state(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        for reference, name in (("2026-0101", "Jan de Vries"), ("2026-0102", "Émile Janssen"),
                                ("2026-0103", "Piet Bakker")):
            body = case_body(reference, debtor_name=name)
            assert client.post("/v1/cases", json=body, headers=world.counsellor.headers).status_code == 201
        signed_in(client, world)
        by_reference = text(board(client, "?q=2026-0103").text)
        assert "Piet Bakker" in by_reference and "Jan de Vries" not in by_reference
        by_name = text(board(client, "?q=emile").text)  # accents and case ignored, as the API's search
        assert "Émile Janssen" in by_name and "Piet" not in by_name
        part = text(board(client, "?q=jan").text)
        assert "Jan de Vries" in part and "Émile Janssen" in part and "Piet" not in part
        assert "Geen zaken gevonden" in text(board(client, "?status=active").text)
        assert "Piet Bakker" in text(board(client, "?status=collecting").text)


def test_the_board_is_paged_and_a_bad_page_link_starts_again(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        for number in range(30):
            body = case_body(f"P-{number:03}", debtor_name=f"Schuldenaar {number:03}")
            assert client.post("/v1/cases", json=body, headers=world.counsellor.headers).status_code == 201
        signed_in(client, world)
        first = board(client).text
        seen = set(re.findall(r"P-\d{3}", text(first)))
        assert len(seen) == 25
        link = re.search(r'href="(/app/cases\?cursor=[^"]+)"', first)
        assert link is not None
        second = board(client, link.group(1).removeprefix("/app/cases").replace("&amp;", "&")).text
        rest = set(re.findall(r"P-\d{3}", text(second)))
        assert len(rest) == 5 and not rest & seen and "Volgende pagina" not in text(second)
        assert "Eerste pagina" in text(second)
        restarted = board(client, "?cursor=not-a-cursor").text
        assert set(re.findall(r"P-\d{3}", text(restarted))) == seen


def test_the_new_case_form_opens_a_case_like_the_api_and_says_what_is_wrong(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        signed_in(client, world)
        form = {"reference": "NIEUW-1", "debtor_name": "Sanne de Boer", "debtor_contact_channel": "email",
                "debtor_contact": "sanne@example.nl", "currency": "EUR", "country": "NL",
                "reference_date": "2026-11-01"}
        made = post_form(client, "/app/cases", form)
        assert made.status_code == 303
        case_id = made.headers["location"].removeprefix("/app/cases/")
        case = client.get(f"/v1/cases/{case_id}", headers=world.counsellor.headers)
        assert case.status_code == 200  # the same case, of the user's organisation, seen through the API
        assert {k: case.json()[k] for k in ("reference", "debtor_name", "reference_date", "state")} == {
            "reference": "NIEUW-1", "debtor_name": "Sanne de Boer", "reference_date": "2026-11-01",
            "state": "collecting"}
        trail = client.get(f"/v1/cases/{case_id}/audit", headers=world.counsellor.headers).json()
        assert any("workspace" in event["actor"] for event in trail), trail  # the audit names the user's way in
        again = post_form(client, "/app/cases", form)
        assert again.status_code == 422 and "al een zaak met dit dossiernummer" in text(again.text)
        bad = post_form(client, "/app/cases", {**form, "reference": "NIEUW-2", "debtor_name": "",
                                               "country": "XX", "reference_date": "morgen"})
        words = text(bad.text)
        assert bad.status_code == 422 and "Vul de naam van de schuldenaar in" in words
        assert "geldige landcode" in words and "geldige datum" in words
        assert 'value="NIEUW-2"' in bad.text  # what was typed stays
        listed = client.get("/v1/cases", headers=world.counsellor.headers).json()
        assert [c["reference"] for c in listed] == ["NIEUW-1"]


def test_the_board_in_english(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        signed_in(client, world)
        dutch = board(client).text
        switch = re.search(r'class="lang" href="([^"]+)"', dutch)
        assert switch is not None and '<html lang="nl">' in dutch
        english = client.get(switch.group(1).replace("&amp;", "&"), headers=HTML)
        assert english.status_code == 200 and '<html lang="en">' in english.text
        assert "Cases" in text(english.text) and "New case" in text(english.text)
        assert '<html lang="en">' in board(client).text  # the choice stays for the session
