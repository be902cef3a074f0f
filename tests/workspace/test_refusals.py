"""The service's refusals as the workspace says them: in the page's language, worded by the refusal's code with its
facts, never the API's English `detail`; and the API's problem for the same refusal carries that code. Real app,
SQLite and PostgreSQL; the wording tables are checked against every code there is."""

from __future__ import annotations

import ast
import datetime as dt
import logging
import re
import string
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from litestar.testing import TestClient

from api.workspace.refusals import GENERAL, WORDS, why
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import ConflictError, InvalidInputError, Refusal
from tests.debtor.flow import CREDITORS
from tests.negotiation.flow import decide
from tests.support import World, api_client, build_world, claim_body, open_case_with_creditors
from tests.workspace.plan_flow import ask, case_with_claims, plan_id_of
from tests.workspace.support import HTML, post_form, signed_in, text

SRC = Path(__file__).resolve().parents[2] / "src" / "debt_coord"
WORKSPACE_AREAS = ("cases", "planning", "negotiation", "creditor_links", "money_in", "messages", "debtor")
REFUSALS = {"ConflictError", "InvalidInputError", "PreconditionFailedError", "PreconditionRequiredError"}
COMMAND_LINE_ONLY = {"messages/preview.py"}
"""The message preview's CLI: its refusals are read in a terminal, never on a page."""
EXTRA = ("c4", "c5", "c6")
PLAN = {"months": "12", "start_date": "2027-01-01", "time_limit_seconds": "5"}


def placeholders(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name}


def sample(name: str) -> str | int:
    """A value of the kind a raise site gives for a fact of this name."""
    if name.endswith("_cents") or name in ("number", "current", "sent", "version", "waiting", "max_chars"):
        return 12_345
    values = {"state": "withdrawn", "wanted": "active", "status": "superseded", "needed": "proposed",
              "current_status": "draft", "role": "creditor"}
    dates = ("deadline", "reference_date", "available_from", "term_end", "booked_on", "start", "first", "last")
    return "2027-01-31" if name in dates else values.get(name, "NL91ABNA0417164300")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_refusal_code_has_words_that_take_its_facts(lang: str) -> None:
    assert set(WORDS[lang]) == set(Refusal), "a code without words (or words for a code that is gone)"
    for code in Refusal:
        sentence = WORDS[lang][code]
        assert placeholders(sentence) == placeholders(WORDS["en" if lang == "nl" else "nl"][code]), code
        facts = {name: sample(name) for name in placeholders(sentence)}
        said = why(ConflictError("in English", code=code, facts=facts), lang)
        assert said != GENERAL[lang] and "{" not in said and "_" not in said, (code, said)
    assert all(WORDS["nl"][code] != WORDS["en"][code] for code in Refusal), "a Dutch sentence left in English"


def test_a_refusal_without_a_code_or_its_facts_is_general_words_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="api.workspace.refusals"):
        assert why(ConflictError("The frobnicator is busy."), "nl") == GENERAL["nl"]
        assert why(InvalidInputError("x", code=Refusal.CLAIMS_DEADLINE_PASSED), "en") == GENERAL["en"]
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 2 and "The frobnicator is busy." in logged[0] and "claims_deadline_passed" in logged[1]


def test_every_refusal_the_workspace_can_meet_is_raised_with_a_code() -> None:
    """Every ConflictError, InvalidInputError and Precondition*Error raised in the areas the workspace's actions
    call names its code: without one, a counsellor reads only the general sentence."""
    uncoded = []
    for area in WORKSPACE_AREAS:
        for path in (p for p in (SRC / area).rglob("*.py") if str(p.relative_to(SRC)) not in COMMAND_LINE_ONLY):
            raised = [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Raise)]
            for node in raised:
                call = node.exc
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in REFUSALS
                        and not any(k.arg == "code" for k in call.keywords)):
                    uncoded.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert uncoded == []


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url, extra_creditors=EXTRA)


def long_day(value: dt.date, lang: str = "nl") -> str:
    return format_date(value, "d MMMM y", locale="nl_NL" if lang == "nl" else "en_GB")


def refused_by_api(answer: Any, status: int, code: str) -> str:
    """The API's problem for a refusal: its status and code; returns its English detail."""
    assert answer.status_code == status, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == code, problem
    detail: str = problem["detail"]
    return detail


def said(page: Any, status: int, sentence: str, english: str) -> None:
    """The page answered `status` and says `sentence`, and not a word of the API's English detail."""
    assert page.status_code == status, page.text
    words = text(page.text)
    assert sentence in words, words
    assert english not in words and english.split(":")[0] not in words


def english(client: TestClient[Any], case_id: str) -> None:
    switched = client.get("/app/language", params={"lang": "en", "next": f"/app/cases/{case_id}"}, headers=HTML,
                          follow_redirects=False)
    assert switched.status_code in (302, 303), switched.text


def test_the_case_page_says_a_refused_claim_invite_or_letter_in_dutch_and_in_english(
    database_url: str, world: World,
) -> None:
    deadline = today() - dt.timedelta(days=1)
    letter = {"creditor": world.c1.organisation_id, "creditor_reference": "ZZ-1", "principal": "100",
              "iban": "NL91ABNA0417164300", "payment_reference": "Polis 4471", "arose_on": "15-01-2026",
              "claim_class": "concurrent", "debt_type": "overig"}
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", reference_date=(deadline - dt.timedelta(days=30))
                                           .isoformat(), claims_deadline=deadline.isoformat())
        by_api = client.post(f"/v1/cases/{case_id}/claims", json=claim_body("ZZ-1", 10_000), headers=world.c1.headers)
        detail = refused_by_api(by_api, 409, "claims_deadline_passed")
        signed_in(client, world)

        late = post_form(client, f"/app/cases/{case_id}/claims", letter)
        said(late, 409, f"Niet gelukt: de uiterste datum voor vorderingen was {long_day(deadline)}.", detail)
        english(client, case_id)
        late = post_form(client, f"/app/cases/{case_id}/claims", letter)
        said(late, 409, f"Not done: the deadline for claims was {long_day(deadline, 'en')}.", detail)
        assert client.get(f"/v1/cases/{case_id}/claims", headers=world.counsellor.headers).json() == []

        closed = client.post(f"/v1/cases/{case_id}/close", json={"state": "withdrawn", "reason": "verhuisd"},
                             headers=world.counsellor.headers)
        assert closed.status_code == 200, closed.text
        client.get("/app/language", params={"lang": "nl", "next": "/app/cases"}, headers=HTML)
        invite = {"organisation_id": world.c2.organisation_id}
        detail = refused_by_api(client.post(f"/v1/cases/{case_id}/creditors", json=invite,
                                            headers=world.counsellor.headers), 409, "case_closed")
        invited = post_form(client, f"/app/cases/{case_id}/creditors", {"creditor": world.c2.organisation_id})
        said(invited, 409, "Niet gelukt: het dossier is ingetrokken. Er kan niets meer veranderen.", detail)
        printed = post_form(client, f"/app/cases/{case_id}/letter", {"letter_lang": "nl"})
        said(printed, 409, "Niet gelukt: het dossier is ingetrokken. Er kan niets meer veranderen.", detail)

        by_api = client.post(f"/v1/cases/{case_id}/claims", json=claim_body("ZZ-1", 10_000), headers=world.c1.headers)
        detail = refused_by_api(by_api, 409, "claims_not_collecting")
        late = post_form(client, f"/app/cases/{case_id}/claims", letter)
        said(late, 409, "Niet gelukt: vorderingen registreren of wijzigen kan alleen zolang het dossier vorderingen "
                        "verzamelt. Het dossier staat nu op ‘ingetrokken’.", detail)


def test_the_plan_builder_says_why_it_cannot_ask_for_a_plan(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        detail = refused_by_api(client.post(f"/v1/cases/{case_id}/plans", json={},
                                            headers=world.counsellor.headers), 422, "plan_needs_claims")
        signed_in(client, world)
        empty = post_form(client, f"/app/cases/{case_id}/plans", {"months": "12"})
        said(empty, 422, "Dat kan nu niet. Het dossier heeft nog geen vorderingen: een plan heeft er minstens één "
                         "nodig.", detail)

        assert client.post(f"/v1/cases/{case_id}/close", json={"state": "withdrawn", "reason": "verhuisd"},
                           headers=world.counsellor.headers).status_code == 200
        detail = refused_by_api(client.post(f"/v1/cases/{case_id}/plans", json={},
                                            headers=world.counsellor.headers), 409, "case_closed")
        closed = post_form(client, f"/app/cases/{case_id}/plans", {"months": "12"})
        said(closed, 409, "Dat kan nu niet. Het dossier is ingetrokken. Er kan niets meer veranderen.", detail)


def move(client: TestClient[Any], case_id: str, name: str, plan_id: str, **fields: str) -> Any:
    return post_form(client, f"/app/cases/{case_id}/negotiation/{name}", {"plan_id": plan_id, **fields})


def test_the_negotiation_board_says_each_refused_move_in_words_with_its_facts(database_url: str, world: World) -> None:
    counsellor = world.counsellor.headers
    with api_client(database_url) as client:
        case_id = case_with_claims(client, world)
        signed_in(client, world)
        first = plan_id_of(ask(client, case_id, **PLAN))
        assert move(client, case_id, "propose", first).status_code == 303

        # Proposed twice: the version is not open for proposing any more.
        detail = refused_by_api(client.post(f"/v1/plans/{first}/propose", json={}, headers=counsellor), 409,
                                "plan_version_not_current")
        again = move(client, case_id, "propose", first)
        said(again, 409, "Dat kan nu niet. Versie 1 staat hier niet (meer) voor open: de actuele versie is 1 "
                         "(voorgesteld).", detail)

        # Activated before everyone agreed: how many have not, and who.
        assert decide(client, world.c1, first, 1, "accept").status_code == 201
        waiting = client.get(f"/v1/plans/{first}/acceptance", headers=counsellor).json()["refusals"]
        detail = refused_by_api(client.post(f"/v1/plans/{first}/activate", headers=counsellor), 409,
                                "plan_not_agreed")
        early = move(client, case_id, "activate", first)
        said(early, 409, f"Dat kan nu niet. Nog niet alle schuldeisers zijn akkoord ({len(waiting)} nog niet:", detail)
        shown = re.search(r"nog niet: (.*?)\)\. Wie niet reageert", text(early.text))
        assert shown and sorted(shown.group(1).split(", ")) == sorted(r["creditor"] for r in waiting)
        assert len(waiting) == len(CREDITORS) - 1

        # c1 accepted: there is nothing for it to reconsider.
        ask_again = {"organisation_id": world.c1.organisation_id, "reason": "Graag nog eens"}
        detail = refused_by_api(client.post(f"/v1/plans/{first}/reconsiderations", json=ask_again,
                                            headers=counsellor), 409, "reconsider_not_refused")
        wrong = move(client, case_id, "reconsider", first, **ask_again)
        said(wrong, 409, "Dat kan nu niet. Alleen een schuldeiser die deze versie afwees of een tegenvoorstel deed, "
                         "kan om heroverweging worden gevraagd.", detail)

        # A new version supersedes the first: reminding on it, or a creditor deciding on it, is refused.
        second = plan_id_of(ask(client, case_id, **PLAN))
        detail = refused_by_api(client.post(f"/v1/plans/{first}/reminders", headers=counsellor), 409,
                                "plan_version_status")
        stale = move(client, case_id, "remind", first)
        said(stale, 409, "Dat kan nu niet. Versie 1 is vervangen door een nieuwere. Dit kan alleen bij een versie "
                         "die voorgesteld is.", detail)
        refused_by_api(decide(client, world.c2, first, 1, "accept"), 409, "plan_version_not_current")

        english(client, case_id)
        detail = refused_by_api(client.post(f"/v1/plans/{first}/propose", json={}, headers=counsellor), 409,
                                "plan_version_not_current")
        stale = move(client, case_id, "propose", first)
        said(stale, 409, "That is not possible now. Version 1 is not open for this (any more): the current version "
                         "is 2 (still a draft).", detail)
        assert client.get(f"/v1/plans/{second}", headers=counsellor).json()["status"] == "draft"
        assert client.post(f"/v1/plans/{second}/propose", json={}, headers=counsellor).status_code == 200
        refused_by_api(decide(client, world.c2, second, 1, "accept"), 409, "plan_version_mismatch")
