"""The plan builder through the real app, signed in as a counsellor, on SQLite and PostgreSQL: ask for a plan,
follow its job, read the chart and the tables, ask again with a conflict's remedy, compare two versions.

What the page shows is checked against the API's own view of the same version (GET /v1/plans/{id}, compare)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from string import Formatter
from typing import Any

from babel.dates import format_date
from litestar.testing import TestClient
from sqlalchemy import create_engine, update

from api.workspace.plan_notes import NOTES
from api.workspace.plan_views import explained
from debt_coord.jobs.models import JobKind
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.errors import InvalidInputError
from debt_coord.planning.models import PlanVersion
from debt_coord.planning.solve_job import solve_plan_job
from solver.models import Note, PlanProposal
from solver.money import format_money
from solver.wording import WORDS
from tests.support import World, api_client, build_world
from tests.workspace.plan_flow import SVG, ask, case_with_claims, chart, chart_blocks, follow_job, plan_id_of, rows
from tests.workspace.support import HTML, post_form, signed_in, text

EXTRA = ("c4", "c5", "c6")


def signed(cents: int) -> str:
    return ("+" if cents > 0 else "") + euros(cents)


def euros(cents: int) -> str:
    return " ".join(format_money(cents, "EUR", "nl_NL").split())


def nl_day(value: str) -> str:
    return format_date(dt.date.fromisoformat(value), "d MMMM y", locale="nl_NL")


def explanation_of(html: str) -> tuple[str | None, list[str]]:
    """The explanation list's language (None: the page's own) and its sentences."""
    found = re.search(r'<ul id="explanation"(?: lang="(\w+)")?>(.*?)</ul>', html, re.S)
    assert found, "no explanation on the page"
    return found.group(1), [text(item) for item in re.findall(r"<li>(.*?)</li>", found.group(2), re.S)]


def api_plan(client: TestClient[Any], world: World, plan_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    plan: dict[str, Any] = answer.json()
    return plan


def per_date_and_creditor(plan: dict[str, Any]) -> dict[str, dict[str, int]]:
    owner = {c["id"]: c["creditor"] for c in plan["request"]["claims"]}
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for payment in plan["proposal"]["payments"]:
        sums[payment["date"]][owner[payment["claim_id"]]] += payment["amount_cents"]
    return sums


def test_a_counsellor_asks_for_a_plan_follows_the_job_and_reads_the_chart_and_tables(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id = case_with_claims(client, world)
        signed_in(client, world)
        empty = client.get(f"/app/cases/{case_id}/plans", headers=HTML)
        assert empty.status_code == 200 and "Er is nog geen plan" in text(empty.text)

        shown = ask(client, case_id, months="12", start_date="2027-01-01", time_limit_seconds="5")
        plan_id = plan_id_of(shown)
        page = client.get(shown, headers=HTML)
        assert page.status_code == 200, page.text
        plan = api_plan(client, world, plan_id)
        assert plan["request"]["months"] == 12 and plan["request"]["start_date"] == "2027-01-01"
        assert plan["created_by"].endswith("workspace)")  # asked as the signed-in user, through the service
        words = text(page.text)
        assert "Versie 1: concept" in words
        paid = plan["proposal"]["metrics"]["total_paid_cents"]
        owed = sum(a["outstanding_cents"] for a in plan["allocations"])
        assert f"Het plan betaalt {euros(paid)} van {euros(owed)}" in words

        # The chart: one bar per payment date, one block per creditor paid that day, as the API's payments say.
        sums = per_date_and_creditor(plan)
        creditors = [a["creditor"] for a in plan["allocations"]]
        assert chart_blocks(page.text) == {
            day: [sums[day][name] for name in creditors if sums[day].get(name)] for day in sorted(sums)}
        svg = chart(page.text)
        assert svg.get("role") == "img" and svg.find(f"{SVG}desc") is not None
        assert f"{len(sums)} betaaldata" in (svg.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]

        # The same numbers as a table (the chart's text alternative), and the plan per creditor.
        table = rows(page.text, "schedule-table")
        assert table[:-1] == [[" ".join(nl_day(day).split())]
                              + [euros(sums[day][name]) if sums[day].get(name) else "" for name in creditors]
                              + [euros(sum(sums[day].values()))] for day in sorted(sums)]
        assert table[-1][-1] == euros(paid)
        allocations = rows(page.text, "allocations-table")
        assert [r[:4] for r in allocations[:-1]] == [
            [a["creditor"], ", ".join(a["claim_classes"]), euros(a["outstanding_cents"]), euros(a["paid_cents"])]
            for a in plan["allocations"]]

        # The engine's explanation in Dutch, with Dutch amounts; the API keeps its English sentences.
        reachable = plan["proposal"]["metrics"]["reachable_cents"]
        english = plan["proposal"]["explanation"]
        assert english[0].startswith("The debtor has €") and (
            f"the plan pays {format_money(reachable)} of the {format_money(owed)} debt") in english[0]
        lang, explanation = explanation_of(page.text)
        assert lang is None and len(explanation) == len(english)
        assert f"Het plan betaalt {euros(reachable)} van de schuld van {euros(owed)}" in explanation[0]
        assert explanation[-1].startswith("Berekend met OR-Tools")
        assert not any(" ".join(sentence.split()) in words for sentence in english)
        assert "in het Engels" not in words

        # A second version with a longer term; side by side per creditor as the API compares them.
        second_path = ask(client, case_id, months="18", start_date="2027-01-01", time_limit_seconds="5")
        second = plan_id_of(second_path)
        compared = client.get(f"/app/cases/{case_id}/plans", params={"plan": second, "compare": plan_id},
                              headers=HTML)
        assert compared.status_code == 200
        changes = client.get(f"/v1/plans/{plan_id}/compare/{second}", headers=world.counsellor.headers).json()
        assert rows(compared.text, "compare-table") == [
            [c["creditor"], euros(c["before"]["paid_cents"]), euros(c["after"]["paid_cents"]),
             signed(c["paid_change_cents"])] for c in changes["changes"]]
        assert any(c["paid_change_cents"] for c in changes["changes"])  # a longer term pays more
        assert "Versie 2: concept" in text(compared.text)
        versions = rows(compared.text, "versions-table")
        assert [(r[0], r[1]) for r in versions] == [("1", "vervangen"), ("2", "concept")]

        # In English the page says the same notes in its English, amounts written the English way.
        english_page = client.get("/app/language", params={"lang": "en", "next": shown}, headers=HTML)
        assert english_page.status_code == 200 and 'lang="en"' in english_page.text
        lang, explanation = explanation_of(english_page.text)
        assert lang is None and len(explanation) == len(english)
        assert (f"The plan pays {format_money(reachable, 'EUR', 'en_GB')} of the "
                f"{format_money(owed, 'EUR', 'en_GB')} debt") in explanation[0]
        assert "The explanation comes from the planning engine." not in text(english_page.text)


def test_an_infeasible_request_shows_its_conflict_and_a_remedy_asks_again_with_only_that_changed(
    database_url: str,
) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id = case_with_claims(client, world)
        signed_in(client, world)
        shown = ask(client, case_id, months="12", start_date="2027-01-01", min_payment="5000,00",
                    time_limit_seconds="5")
        page = client.get(shown, headers=HTML)
        plan = api_plan(client, world, plan_id_of(shown))
        assert plan["solver_status"] == "infeasible"
        words = text(page.text)
        (conflict,) = plan["proposal"]["conflicts"]
        assert "Waarom er geen plan is" in words
        # The conflict and what may help, in Dutch; the API keeps the English.
        reachable = euros(plan["proposal"]["metrics"]["reachable_cents"])
        assert conflict["message"].startswith("The plan must pay the €") and conflict["message"] not in words
        assert conflict["remedy"] not in words
        assert f"Het plan moet de {reachable} betalen die de schuldenaar kan opbrengen" in words
        assert "policy.min_payment_cents" in conflict["items"]
        assert "elke betaling minstens de algemene kleinste betaling van € 5.000,00" in words
        assert "Wat kan helpen: Verlaag de algemene kleinste betaling." in words
        assert 'lang="en"' not in page.text[page.text.index("Waarom er geen plan is"):]
        assert 'id="plan-chart"' not in page.text  # no payments, no chart
        assert "Opnieuw berekenen met Looptijd 12 → 18 maanden" in words
        assert "Kleinste betaling € 5.000,00 → € 2.500,00" in words

        # The "12 -> 18 months" button: its form is the same request with the term changed, nothing else.
        form = page.text[page.text.index('class="remedy"'):]
        form = form[:form.index("</form>")]
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
        assert fields.pop("_csrf_token")
        assert fields == {"months": "18", "start_date": "2027-01-01", "rule": "proportional",
                          "min_payment": "5000,00", "max_transfers_per_date": "6", "time_limit_seconds": "5"}
        again = api_plan(client, world, plan_id_of(ask(client, case_id, **fields)))
        assert again["number"] == 2 and again["request"]["months"] == 18
        assert {k: again["request"][k] for k in ("start_date", "currency")} == {"start_date": "2027-01-01",
                                                                               "currency": "EUR"}
        assert again["request"]["policy"] == plan["request"]["policy"]

        # A version stored before the engine gave notes: its English as it is, said to be English.
        with create_engine(sync_url(database_url)).begin() as connection:
            stored = {key: value for key, value in plan["proposal"].items() if key != "notes"}
            stored["conflicts"] = [{k: c[k] for k in ("items", "message", "remedy")} for c in stored["conflicts"]]
            connection.execute(update(PlanVersion).where(PlanVersion.id == uuid.UUID(plan["id"]))
                               .values(proposal=stored))
        older = client.get(shown, headers=HTML)
        words = text(older.text)
        assert conflict["message"] in words and conflict["remedy"] in words
        assert "De uitleg komt uit de rekenmodule en is in het Engels." in words
        assert explanation_of(older.text) == ("en", [" ".join(s.split()) for s in plan["proposal"]["explanation"]])


def test_bad_input_is_the_form_again_and_another_organisations_case_is_not_found(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id = case_with_claims(client, world)
        signed_in(client, world)
        bad = post_form(client, f"/app/cases/{case_id}/plans", {"months": "veel", "min_payment": "-3"})
        assert bad.status_code == 422
        words = text(bad.text)
        assert "Vul een heel getal in van 1 tot en met 120." in words and "Vul een bedrag in" in words
        assert 'value="veel"' in bad.text and 'aria-invalid="true"' in bad.text
        too_long = post_form(client, f"/app/cases/{case_id}/plans", {"months": "121"})
        assert too_long.status_code == 422 and "Vul een heel getal in van 1 tot en met 120." in text(too_long.text)
        forged = client.post(f"/app/cases/{case_id}/plans", data={"months": "12"}, headers=HTML,
                             follow_redirects=False)  # no CSRF token: refused before anything is done
        assert forged.status_code == 403
        assert client.get(f"/app/cases/{case_id}/plans/jobs/{uuid.uuid4()}", headers=HTML).status_code == 404
        jobs = client.get(f"/v1/cases/{case_id}/plans", headers=world.counsellor.headers).json()
        assert jobs == []  # nothing was asked

        htmx = client.get("/app/static/htmx.min.js")  # from our own origin, as the pages' CSP allows
        assert htmx.status_code == 200 and htmx.headers["content-type"].startswith("text/javascript")
        assert htmx.text.startswith("var htmx=")

        switched = client.get("/app/language", params={"lang": "en", "next": f"/app/cases/{case_id}/plans"},
                              headers=HTML)
        assert switched.status_code == 200 and 'lang="en"' in switched.text
        words = text(switched.text)
        assert "Plans for case 2026-0001" in words and "There is no plan yet. Ask for one above." in words

        with api_client(database_url) as other:
            signed_in(other, world, "other_counsellor")
            assert other.get(f"/app/cases/{case_id}/plans", headers=HTML).status_code == 404
            refused = post_form(other, f"/app/cases/{case_id}/plans", {"months": "12"})
            assert refused.status_code == 404
        assert client.get(f"/v1/cases/{case_id}/plans", headers=world.counsellor.headers).json() == []


def test_what_if_works_a_creditors_wishes_out_as_the_api_does_without_a_new_version(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id = case_with_claims(client, world)
        signed_in(client, world)
        plan_id = plan_id_of(ask(client, case_id, months="12", start_date="2027-01-01", time_limit_seconds="5"))
        path = f"/app/cases/{case_id}/plans/what-if"
        tried = post_form(client, path, {"plan_id": plan_id, "organisation_id": world.c6.organisation_id,
                                         "min_payment": "75,00", "max_transfers": "4"})
        assert tried.status_code == 200, tried.text
        body = {"counters": [{"organisation_id": world.c6.organisation_id, "min_payment_cents": 7_500,
                              "max_transfers": 4}]}
        api = client.post(f"/v1/plans/{plan_id}/what-if", json=body, headers=world.counsellor.headers).json()
        assert rows(tried.text, "what-if-table") == [
            [c["creditor"], euros(c["before"]["paid_cents"]), euros(c["after"]["paid_cents"]),
             signed(c["paid_change_cents"])] for c in api["changes"]]
        assert (f"het plan betaalt dan {euros(api['total_paid_after_cents'])} in plaats van "
                f"{euros(api['total_paid_before_cents'])}") in text(tried.text).lower()
        assert 'value="75,00"' in tried.text  # the wishes stay in the form

        empty = post_form(client, path, {"plan_id": plan_id, "organisation_id": world.c6.organisation_id})
        assert empty.status_code == 422 and "Vul ten minste één wens in" in text(empty.text)
        bad = post_form(client, path, {"plan_id": plan_id, "organisation_id": world.c6.organisation_id,
                                       "min_payment": "veel"})
        assert bad.status_code == 422 and "Vul een bedrag in" in text(bad.text)
        versions = client.get(f"/v1/cases/{case_id}/plans", headers=world.counsellor.headers).json()
        assert [v["id"] for v in versions] == [plan_id]  # trying changes nothing


def test_the_job_page_shows_progress_with_a_way_on_without_javascript_and_a_failure_in_words(
    database_url: str,
) -> None:
    gate = threading.Event()

    async def held(uow: Any, job: Any) -> dict[str, Any]:  # the solve waits until the test has seen the page
        await asyncio.to_thread(gate.wait, 60)
        if job.payload["request"]["months"] == 13:
            raise InvalidInputError("Thirteen months cannot be planned here.")
        return await solve_plan_job(uow, job)

    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url, job_handlers={JobKind.SOLVE_PLAN: held}) as client:
        case_id = case_with_claims(client, world)
        signed_in(client, world)
        asked = post_form(client, f"/app/cases/{case_id}/plans", {"months": "12", "time_limit_seconds": "5"})
        job_page = asked.headers["location"]
        waiting = client.get(job_page, headers=HTML, follow_redirects=False)
        assert waiting.status_code == 200
        words = text(waiting.text)
        assert "Het plan wordt berekend" in words
        assert "Het verzoek staat in de wachtrij." in words or "Het plan wordt nu berekend." in words
        assert f'href="{job_page}" id="job-refresh"' in waiting.text  # without JavaScript: look again
        assert f'hx-get="{job_page}"' in waiting.text and 'src="/app/static/htmx.min.js"' in waiting.text
        fragment = client.get(job_page, headers={**HTML, "HX-Request": "true"}, follow_redirects=False)
        assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="job-status"' in fragment.text
        gate.set()
        plan_id = plan_id_of(follow_job(client, job_page))
        assert client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()["number"] == 1

        failing = post_form(client, f"/app/cases/{case_id}/plans", {"months": "13"}).headers["location"]
        deadline = time.monotonic() + 60
        while 'data-status="failed"' not in (page := client.get(failing, headers=HTML).text):
            assert time.monotonic() < deadline, page
            time.sleep(0.2)
        words = text(page)
        assert "Het plan kon niet worden berekend." in words and "Thirteen months cannot be planned here." in words
        assert "hx-get" not in page  # nothing left to poll


def placeholders(words: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(words) if name}


def test_every_note_the_engine_can_give_has_dutch_and_english_words_with_facts_the_engine_gives() -> None:
    for lang, table in NOTES.items():
        assert table.keys() == WORDS.keys(), lang
        for key, words in table.items():
            assert placeholders(words) <= placeholders(WORDS[key]), (lang, key)


def test_a_note_the_page_has_no_words_for_leaves_the_english_marked_as_english() -> None:
    golden = Path(__file__).resolve().parents[1] / "golden" / "settlement_proportional.proposal.json"
    proposal = PlanProposal.model_validate_json(golden.read_text())
    assert explained(proposal, "EUR", "nl")["explanation_english"] is False
    later = proposal.model_copy(update={"notes": [Note(key="from_a_later_engine"), *proposal.notes[1:]]})
    shown = explained(later, "EUR", "nl")
    assert shown["explanation_english"] is True and shown["explanation"] == proposal.explanation
