"""What the debtor is shown and sent, from outside (issue 17): names and references that cannot rearrange the page,
and links built from the configured public address, never from the request's Host header."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar.testing import TestClient

from api.app import create_app
from debt_coord.kernel.settings import Settings
from tests.negotiation.flow import ask_for_plan, decide
from tests.support import World, build_world, claim_body, open_case_with_creditors

INCOME = {"streams": [{"id": "salaris", "amount_cents": 180_000, "available_cents": 20_000, "day_of_month": 24}]}
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
FORGED = {"Host": "evil.example"}


@contextmanager
def client_for(database_url: str, **settings: Any) -> Iterator[TestClient[Any]]:
    app = create_app(Settings(database_url=database_url, seed_demo=False, **settings))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def active_case(client: TestClient[Any], world: World, debtor_name: str, payment_reference: str) -> str:
    """A case of c1's one claim with an active plan; returns its id."""
    case_id = open_case_with_creditors(client, world, "c1", debtor_name=debtor_name)
    assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=world.counsellor.headers).is_success
    claim = claim_body("R-1", 60_000, payment_reference=payment_reference)
    assert client.post(f"/v1/cases/{case_id}/claims", json=claim, headers=world.c1.headers).status_code == 201
    plan_id = ask_for_plan(client, world, case_id, start_date="2027-01-01", months=6, time_limit_seconds=3)
    assert client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=world.counsellor.headers).is_success
    assert decide(client, world.c1, plan_id, 1, "accept").status_code == 201
    assert client.post(f"/v1/plans/{plan_id}/activate", headers=world.counsellor.headers).status_code == 200
    return case_id


def new_link(client: TestClient[Any], world: World, case_id: str, **headers: str) -> dict[str, Any]:
    answer = client.post(f"/v1/cases/{case_id}/debtor-links", json={},
                         headers={**world.counsellor.headers, **headers})
    assert answer.status_code == 201, answer.text
    issued: dict[str, Any] = answer.json()
    return issued


def test_right_to_left_overrides_in_names_and_references_cannot_reorder_the_debtor_page(database_url: str) -> None:
    """Found: a right-to-left override in a payment reference or name was shown as it was: '\\u202e1-VNI' reads
    'INV-1' on the page while the debtor must type '1-VNI', and the override reorders what follows it. Now the
    page shows no bidirectional controls, and an Arabic name, isolated in <bdi>, still reads as written."""
    world = build_world(database_url)
    with client_for(database_url) as client:
        case_id = active_case(client, world, debtor_name="سارة \u202e\u200fبكر", payment_reference="\u202e1-VNI")
        token = new_link(client, world, case_id)["token"]
        page = client.get("/debtor", params={"token": token}, headers={"Accept": "text/html"})
        assert page.status_code == 200, page.text
        assert not BIDI_CONTROLS.search(page.text)
        assert "سارة بكر" in page.text
        assert "<bdi>1-VNI</bdi>" in page.text and f"<bdi>{world.c1.name}</bdi>" in page.text
        calendar = client.get("/v1/debtor/schedule.ics", params={"token": token})
        assert calendar.status_code == 200 and "1-VNI" in calendar.text
        assert not BIDI_CONTROLS.search(calendar.text)


def test_debtor_links_are_built_from_the_public_url_never_from_the_host_header(database_url: str) -> None:
    """Found: a debtor link's URLs were built from the request's Host header, so `Host: evil.example` gave
    http://evil.example/... links that a counsellor would then send to a debtor."""
    world = build_world(database_url)
    public = "https://schulden.example.nl/dc"
    with client_for(database_url, public_url=public + "/") as client:
        case_id = active_case(client, world, debtor_name="Jan de Vries", payment_reference="Dossier 1")
        link = new_link(client, world, case_id, **FORGED)
        token = link["token"]
        assert link["page_url"] == f"{public}/debtor?token={token}"
        assert link["schedule_url"] == f"{public}/v1/debtor/schedule?token={token}"
        assert link["calendar_url"] == f"{public}/v1/debtor/schedule.ics?token={token}"
        page = client.get("/debtor", params={"token": token}, headers={"Accept": "text/html", **FORGED})
        assert f'href="{public}/v1/debtor/schedule.ics?token={token}&amp;lang=nl"' in page.text
        calendar = client.get("/v1/debtor/schedule.ics", params={"token": token}, headers=FORGED)
        assert f"{public}/debtor?token={token}" in calendar.text.replace("\r\n ", "")
        for answer in (page, calendar):
            assert "evil.example" not in answer.text

    with client_for(database_url, host="127.0.0.1", port=8123) as client:  # no setting: the serve address
        link = new_link(client, world, case_id, **FORGED)
        assert link["page_url"] == f"http://127.0.0.1:8123/debtor?token={link['token']}"
