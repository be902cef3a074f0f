"""The negotiation board through the real app, signed in as a counsellor, on SQLite and PostgreSQL: propose,
the creditors answer (through the API and through a creditor link made on the board), re-plan with a counter,
remind, ask a refuser to reconsider, activate. Each move is checked as the API sees it (the version, the
decisions, the audit trail with the workspace user as actor)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date
from litestar.testing import TestClient

from debt_coord.kernel.clock import today
from tests.creditor_links.flow import open_page, submit
from tests.debtor.flow import CREDITORS
from tests.negotiation.flow import decide
from tests.support import World, api_client, build_world
from tests.workspace.plan_flow import ask, case_with_claims, plan_id_of, rows
from tests.workspace.support import HTML, post_form, signed_in, text

EXTRA = ("c4", "c5", "c6")
PLAN = {"months": "12", "start_date": "2027-01-01", "time_limit_seconds": "5"}


def board(client: TestClient[Any], case_id: str, path: str = "") -> Any:
    page = client.get(path or f"/app/cases/{case_id}/negotiation", headers=HTML)
    assert page.status_code == 200, page.text
    return page


def move(client: TestClient[Any], case_id: str, name: str, plan_id: str, **fields: str) -> Any:
    """A board form sent as a browser does; a move that was done answers 303 to the board (Post/Redirect/Get: a
    reload does not do it again), which is then opened. A refusal is the board at once, with its status."""
    answer = post_form(client, f"/app/cases/{case_id}/negotiation/{name}", {"plan_id": plan_id, **fields})
    if answer.status_code != 303:
        return answer
    assert answer.headers["location"].startswith(f"/app/cases/{case_id}/negotiation?plan={plan_id}&done=")
    return board(client, case_id, answer.headers["location"])


def answers(html: str) -> dict[str, str]:
    """Creditor -> its answer as the board's table says it."""
    return {row[0]: row[4] for row in rows(html, "creditors-table")}


def api_version(client: TestClient[Any], world: World, plan_id: str) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
    return found


def audit(client: TestClient[Any], world: World, case_id: str, action: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(f"/v1/cases/{case_id}/audit", params={"action": action},
                                             headers=world.counsellor.headers).json()
    return found


def test_propose_a_counter_through_a_link_replan_with_it_and_activate_when_all_accept(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    names = {handle: world.parties[handle].name for handle in CREDITORS}
    with api_client(database_url) as client:
        case_id = case_with_claims(client, world)
        user = signed_in(client, world)
        first = plan_id_of(ask(client, case_id, **PLAN))

        drafted = board(client, case_id)
        assert "Versie 1: concept, nog niet voorgesteld." in text(drafted.text)
        assert 'id="propose-form"' in drafted.text and 'id="activate-form"' not in drafted.text
        assert set(answers(drafted.text).values()) == {"nog geen reactie"}

        late = move(client, case_id, "propose", first, response_deadline=today().isoformat())
        assert late.status_code == 422 and "Vul als reactietermijn een datum na vandaag in" in text(late.text)
        assert api_version(client, world, first)["status"] == "draft"
        deadline = today() + dt.timedelta(days=10)
        proposed = move(client, case_id, "propose", first, response_deadline=deadline.isoformat())
        assert proposed.status_code == 200, proposed.text
        words = text(proposed.text)
        assert "Versie 1 is voorgesteld aan de schuldeisers." in words
        assert f"Reactietermijn: tot en met {format_date(deadline, 'd MMMM y', locale='nl_NL')}." in words
        version = api_version(client, world, first)
        assert version["status"] == "proposed" and version["response_deadline"] == deadline.isoformat()
        [event] = audit(client, world, case_id, "plan.proposed")
        assert event["actor"] == f"{world.counsellor.name} ({user.email}, workspace)"

        # Five accept through the API; the landlord counters through the link the counsellor makes on the board.
        for handle in CREDITORS[:-1]:
            assert decide(client, world.parties[handle], first, 1, "accept").status_code == 201
        made = move(client, case_id, "links", first, organisation_id=world.c6.organisation_id)
        assert made.status_code == 200 and f"De link voor {names['c6']}" in text(made.text)
        link = made.text.split('id="creditor-link">')[1].split("<")[0]
        token = link.split("token=")[1]
        page = open_page(client, token)
        assert page.status_code == 200 and f"Voor {names['c6']}" in text(page.text)
        assert submit(client, page.text, "counter", min_payment="75,00", reason="De huur gaat voor").status_code == 200

        countered = board(client, case_id)
        shown = answers(countered.text)
        assert shown[names["c6"]] == "tegenvoorstel elke betaling minstens € 75,00"
        assert all(shown[names[h]] == "akkoord" for h in CREDITORS[:-1])
        report = text(countered.text.split('id="report"')[1])
        assert "5 akkoord, 0 afgewezen, 1 tegenvoorstel, 0 geen reactie; 6 schuldeisers." in report
        assert 'id="activate-form"' not in countered.text
        refused = move(client, case_id, "activate", first)  # a form from before, or a hand-made request
        assert refused.status_code == 409 and "Dat kan nu niet." in text(refused.text)
        assert api_version(client, world, first)["status"] == "proposed"

        # Re-plan with the counter applied; propose the new version; everyone accepts; activate.
        second = plan_id_of(ask(client, case_id, **PLAN, apply_counters="on"))
        assert api_version(client, world, second)["applied_counters"] != []
        assert "Versie 2: concept" in text(board(client, case_id).text)
        assert move(client, case_id, "propose", second).status_code == 200
        for handle in CREDITORS:
            assert decide(client, world.parties[handle], second, 2, "accept").status_code == 201
        agreed = board(client, case_id)
        assert "Alle schuldeisers zijn akkoord." in text(agreed.text) and 'id="activate-form"' in agreed.text
        activated = move(client, case_id, "activate", second)
        assert activated.status_code == 200 and "Het plan is gestart: versie 2 loopt nu." in text(activated.text)
        assert api_version(client, world, second)["status"] == "active"
        case = client.get(f"/v1/cases/{case_id}", headers=world.counsellor.headers).json()
        assert case["state"] == "active"
        assert [e["actor"] for e in audit(client, world, case_id, "plan.activated")] == [
            f"{world.counsellor.name} ({user.email}, workspace)"]


def test_remind_the_silent_ask_a_refuser_to_reconsider_and_refusals_in_words(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    names = {handle: world.parties[handle].name for handle in CREDITORS}
    with api_client(database_url) as client:
        case_id = case_with_claims(client, world)
        signed_in(client, world)
        plan_id = plan_id_of(ask(client, case_id, **PLAN))
        assert move(client, case_id, "propose", plan_id).status_code == 200
        assert decide(client, world.c1, plan_id, 1, "accept").status_code == 201
        assert decide(client, world.c2, plan_id, 1, "reject", reason="Te weinig").status_code == 201

        before = board(client, case_id)
        silent = text(before.text.split('id="remind-form"')[1].split("</p>")[0].split("<p>")[1])
        assert sorted(name.strip() for name in silent.split(",")) == sorted(names[h] for h in ("c3", "c4", "c5", "c6"))
        reminded = move(client, case_id, "remind", plan_id)
        assert reminded.status_code == 200
        assert "Aantal schuldeisers herinnerd: 4." in text(reminded.text)
        [event] = audit(client, world, case_id, "plan.reminded")
        assert sorted(event["after"]["organisations"]) == sorted(world.parties[h].organisation_id
                                                                 for h in ("c3", "c4", "c5", "c6"))

        page = board(client, case_id)
        refusals = rows(page.text, "refusals-table")
        assert [r[:3] for r in refusals][:1] == [[names["c2"], "afgewezen", "Te weinig"]]
        assert {r[0] for r in refusals} == {names[h] for h in ("c2", "c3", "c4", "c5", "c6")}

        empty = move(client, case_id, "reconsider", plan_id, organisation_id=world.c2.organisation_id, reason=" ")
        assert empty.status_code == 422 and "Schrijf op waarom" in text(empty.text)
        wrong = move(client, case_id, "reconsider", plan_id, organisation_id=world.c1.organisation_id,
                     reason="Graag nog eens")
        assert wrong.status_code == 409  # c1 accepted: nothing to reconsider
        asked = move(client, case_id, "reconsider", plan_id, organisation_id=world.c2.organisation_id,
                     reason="Het inkomen is gedaald")
        assert asked.status_code == 200, asked.text
        assert f"{names['c2']} is gevraagd het voorstel opnieuw te bekijken." in text(asked.text)
        assert answers(asked.text)[names["c2"]] == "nog geen reactie"
        decisions = client.get(f"/v1/plans/{plan_id}/decisions", headers=world.counsellor.headers).json()
        assert [d["organisation_id"] for d in decisions] == [world.c1.organisation_id]
        [reopened] = audit(client, world, case_id, "decision.reopened")
        assert reopened["after"] == {"reconsideration": "Het inkomen is gedaald"}


def test_names_are_escaped_and_another_organisation_sees_nothing(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id = case_with_claims(client, world)
        signed_in(client, world)
        plan_id = plan_id_of(ask(client, case_id, **PLAN))
        assert move(client, case_id, "propose", plan_id).status_code == 200
        hostile = '<img src=x onerror="alert(1)">'
        assert decide(client, world.c2, plan_id, 1, "reject", reason=hostile).status_code == 201
        page = board(client, case_id)
        assert hostile not in page.text and "&lt;img src=x" in page.text

        with api_client(database_url) as other:
            signed_in(other, world, "other_counsellor")
            assert other.get(f"/app/cases/{case_id}/negotiation", headers=HTML).status_code == 404
            for name in ("propose", "remind", "activate"):
                assert move(other, case_id, name, plan_id).status_code == 404
            assert move(other, case_id, "links", plan_id,
                        organisation_id=world.c3.organisation_id).status_code == 404
        links = client.get(f"/v1/plans/{plan_id}/creditor-links", headers=world.counsellor.headers).json()
        assert links == [] and audit(client, world, case_id, "plan.reminded") == []
