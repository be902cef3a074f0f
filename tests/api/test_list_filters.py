"""Filters where a user would: cases by debtor name (case and accents ignored), state, reference and update
time; the audit trail by time and kind. Filters combine with each other and with paging."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from debt_coord.kernel.search import search_key
from tests.api.lists import ids, walk
from tests.support import api_client, build_world, case_body, claim_body, open_case_with_creditors

NAMES = ["Çelik Öztürk", "Zoë de Vries", "ZOE DE VRIES-JANSEN", "Jan Jansen", "Łukasz Wróbel", "Bjørn Ødegaard",
         "Ana María Muñoz", "Straße 50% Rabatt", "Ĳsbrand van den Hoek"]


@pytest.mark.parametrize(("query", "found"), [
    ("zoe", ["Zoë de Vries", "ZOE DE VRIES-JANSEN"]),
    ("ZOË", ["Zoë de Vries", "ZOE DE VRIES-JANSEN"]),
    ("de vries", ["Zoë de Vries", "ZOE DE VRIES-JANSEN"]),
    ("jansen", ["ZOE DE VRIES-JANSEN", "Jan Jansen"]),
    ("celik", ["Çelik Öztürk"]),
    ("ÖZTÜRK", ["Çelik Öztürk"]),
    ("wrobel", ["Łukasz Wróbel"]),
    ("lukasz", ["Łukasz Wróbel"]),
    ("odegaard", ["Bjørn Ødegaard"]),
    ("munoz", ["Ana María Muñoz"]),
    ("strasse", ["Straße 50% Rabatt"]),
    ("50%", ["Straße 50% Rabatt"]),
    ("0%", ["Straße 50% Rabatt"]),
    ("%", ["Straße 50% Rabatt"]),
    ("_", []),
    ("ijsbrand", ["Ĳsbrand van den Hoek"]),
    ("  van   den ", ["Ĳsbrand van den Hoek"]),
    ("nobody", []),
])
def test_cases_are_found_by_part_of_the_name_whatever_the_case_or_accents(
        database_url: str, query: str, found: list[str]) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        for n, name in enumerate(NAMES):
            answer = client.post("/v1/cases", json=case_body(f"N-{n}", debtor_name=name),
                                 headers=world.counsellor.headers)
            assert answer.status_code == 201, answer.text
        pages = walk(client, "/v1/cases", world.counsellor.headers, q=query, limit=1)
    assert ids(pages, "debtor_name") == found


def test_the_search_form_of_a_name() -> None:
    assert search_key("  Çelik-Özdemir \t Zoë ") == "celik-ozdemir zoe"
    assert search_key("IN\u200bG") == "ing", "a zero-width space does not hide a name"
    assert search_key("ﬁnn") == "finn"


def test_cases_are_filtered_by_state_reference_and_update_time(database_url: str) -> None:
    world = build_world(database_url)
    counsellor = world.counsellor.headers
    with api_client(database_url) as client:
        opened = [open_case_with_creditors(client, world, "c1", reference=f"F-{n}") for n in range(5)]
        checkpoint = dt.datetime.now(dt.UTC)
        for case_id in opened[1:3]:
            closed = client.post(f"/v1/cases/{case_id}/close", json={"state": "withdrawn", "reason": "moved"},
                                 headers=counsellor)
            assert closed.status_code == 200, closed.text
        later = open_case_with_creditors(client, world, "c1", reference="F-later")

        def listed(headers: dict[str, str] = counsellor, **query: Any) -> list[str]:
            return ids(walk(client, "/v1/cases", headers, limit=2, **query))

        assert listed(state="withdrawn") == opened[1:3]
        assert listed(state="collecting") == [opened[0], *opened[3:], later]
        assert listed(state=["collecting", "withdrawn"]) == [*opened, later]
        assert listed(state="active") == []
        assert listed(reference="F-3") == [opened[3]]
        assert listed(reference="F-3", state="withdrawn") == []
        assert listed(reference="f-3") == [], "a reference is matched exactly"
        assert listed(updated_since=checkpoint.isoformat()) == [*opened[1:3], later]
        amsterdam = checkpoint.astimezone(ZoneInfo("Europe/Amsterdam")).replace(tzinfo=None)
        assert listed(updated_since=amsterdam.isoformat()) == [*opened[1:3], later], "no zone: Amsterdam time"
        assert listed(updated_since=checkpoint.isoformat(), state="collecting") == [later]
        assert listed(world.c1.headers, state="withdrawn") == opened[1:3], "a creditor filters its own cases"
        for bad in ({"state": "sleeping"}, {"updated_since": "yesterday"}, {"updated_since": "0001-01-01T00:00:00"}):
            answer = client.get("/v1/cases", params=bad, headers=counsellor)
            assert answer.status_code == 400, (bad, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert {"query": next(iter(bad))}.items() <= answer.json()["errors"][0].items(), answer.json()


def test_the_audit_trail_is_filtered_by_time_and_kind(database_url: str) -> None:
    world = build_world(database_url)
    counsellor = world.counsellor.headers
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", "c2")
        checkpoint = dt.datetime.now(dt.UTC)
        for handle in ("c1", "c2", "c1"):
            answer = client.post(f"/v1/cases/{case_id}/claims", json=claim_body(f"{handle}-{dt.datetime.now()}", 5_000),
                                 headers=world.parties[handle].headers)
            assert answer.status_code == 201, answer.text
        path = f"/v1/cases/{case_id}/audit"

        def actions(**query: Any) -> list[str]:
            return ids(walk(client, path, counsellor, limit=2, **query), "action")

        everything = actions()
        assert everything == ["case.opened", "creditor.invited", "creditor.invited", *["claim.registered"] * 3]
        assert actions(action="creditor.invited") == ["creditor.invited"] * 2
        assert actions(action=["case.opened", "claim.registered"]) == ["case.opened", *["claim.registered"] * 3]
        assert actions(**{"from": checkpoint.isoformat()}) == ["claim.registered"] * 3
        assert actions(to=checkpoint.isoformat()) == everything[:3]
        assert actions(**{"from": checkpoint.isoformat(), "to": checkpoint.isoformat()}) == []
        assert actions(**{"from": checkpoint.isoformat(), "action": "case.opened"}) == []
        at = [event["at"] for page in walk(client, path, counsellor) for event in page]
        assert actions(**{"from": at[4]}) == ["claim.registered"] * 2, "from is inclusive"
        assert actions(to=at[4]) == everything[:4], "to is exclusive"
        answer = client.get(path, params={"action": "case.deleted"}, headers=counsellor)
        assert answer.status_code == 400 and {"query": "action"}.items() <= answer.json()["errors"][0].items()
