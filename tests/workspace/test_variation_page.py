"""Varying a running plan in the workspace, on SQLite and PostgreSQL: the plan builder says that asking for a plan
on an active case varies it (from which start, for the rest of the term), refuses a start that is no start of a month
of the term in words, and shows a variation's changes per creditor as the API's `variation` gives them; the
negotiation board says what the version varies and which answers a policy's tolerance gave; the case page says a
variation is under way while the plan runs on.

The case is the API's own variation case (tests/planning/test_variations.py): six creditors, a plan started three
months ago, one creditor paid up, the benefit cut."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from babel.dates import format_date
from dateutil.relativedelta import relativedelta
from litestar.testing import TestClient

from api.creditor_links.texts import percent
from debt_coord.kernel.clock import today
from solver.money import format_money
from tests.debtor.flow import CREDITORS, EXTRA, planned_case
from tests.money_in.test_receipts import claims_of, receipt
from tests.planning.test_variations import LOWER_INCOME, installments
from tests.support import World, api_client, build_world
from tests.workspace.plan_flow import ask, plan_id_of, rows
from tests.workspace.support import HTML, post_form, signed_in, text

LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def euros(cents: int, lang: str = "nl") -> str:
    return " ".join(format_money(cents, "EUR", LOCALES[lang]).split())


def signed(cents: int, lang: str = "nl") -> str:
    return ("+" if cents > 0 else "") + euros(cents, lang)


def long_day(value: dt.date | str | None, lang: str = "nl") -> str:
    if value is None:
        return "geen" if lang == "nl" else "none"
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, "d MMMM y", locale=LOCALES[lang])


def months_between(first: dt.date, later: dt.date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def api_plan(client: TestClient[Any], world: World, plan_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def versions(client: TestClient[Any], world: World, case_id: str) -> dict[int, str]:
    listed = client.get(f"/v1/cases/{case_id}/plans", headers=world.counsellor.headers).json()
    return {v["number"]: v["status"] for v in listed}


def page(client: TestClient[Any], path: str) -> str:
    answer = client.get(path, headers=HTML)
    assert answer.status_code == 200, answer.text
    return str(answer.text)


def by_id(html: str, element_id: str) -> str:
    found = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"no #{element_id} on the page"
    return text(found.group(2))


def change_rows(variation: list[dict[str, Any]], lang: str = "nl") -> list[list[str]]:
    """The 'what changes' table as the API's figures say it should read."""
    less = "{} minder" if lang == "nl" else "{} less"
    later = " later"
    return [[c["creditor"], euros(c["agreed_cents"], lang), euros(c["varied_cents"], lang),
             signed(c["change_cents"], lang) + (f" ({less.format(percent(c['cut_bp'], lang))})" if c["cut_bp"] else ""),
             long_day(c["agreed_end"], lang), long_day(c["varied_end"], lang) + (later if c["later"] else "")]
            for c in variation]


def changed_dates(html: str) -> dict[str, list[list[str]]]:
    """Per collapsed block of changed dates: its summary and the rows of its table."""
    found = {}
    for block in re.findall(r'<details class="changed-dates">(.*?)</details>', html, re.S):
        summary = text(re.search(r"<summary>(.*?)</summary>", block, re.S).group(1))  # type: ignore[union-attr]
        body = block[block.index("<tbody>"):block.index("</tbody>")]
        found[summary] = [[text(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
                          for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    return found


def active_case(client: TestClient[Any], world: World) -> tuple[str, str, dt.date]:
    """(case id, agreed plan id, its start): started three months ago for a year; c1 paid what was due, the others
    nothing; then the benefit is cut."""
    start = (today() - relativedelta(months=3)).replace(day=1)
    case_id, first = planned_case(client, world, activate=True, start_date=start.isoformat(), months=12)
    c1 = claims_of(client, world, case_id)["c1"]["id"]
    due = sum(i["amount_cents"] for i in installments(client, world, case_id)["installments"]
              if i["claim_id"] == c1 and dt.date.fromisoformat(i["date"]) < today())
    if due:
        assert receipt(client, world.counsellor.headers, case_id, c1, due).status_code == 201
    assert client.put(f"/v1/cases/{case_id}/income", json=LOWER_INCOME, headers=world.counsellor.headers).is_success
    return case_id, first, start


def test_the_plan_builder_varies_a_running_plan_and_shows_what_changes_per_creditor(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id, first, start = active_case(client, world)
        signed_in(client, world)
        plans = f"/app/cases/{case_id}/plans"

        # On an active case the ask form varies the running plan: the starts it may take, the rest of the term.
        html = page(client, plans)
        starts = [start + relativedelta(months=m) for m in range(1, 12) if start + relativedelta(months=m) > today()]
        end = start + relativedelta(months=12) - dt.timedelta(days=1)
        assert by_id(html, "ask-heading") == "De lopende regeling wijzigen"
        intro = by_id(html, "variation-intro")
        assert f"lopende regeling: versie 1, tot en met {long_day(end)}" in intro and "wijziging" in intro
        select = html[html.index('<select id="ask-start_date"'):]
        select = select[:select.index("</select>")]
        assert re.findall(r'<option value="([0-9-]+)"', select) == [day.isoformat() for day in starts]
        assert f"{long_day(starts[0])} (nog {12 - months_between(start, starts[0])} maanden)" in text(select)
        assert re.search(r'<input id="ask-months" name="months" value=""', html), "the term is left to the rest of it"
        assert f"leeg: tot en met {long_day(end)}" in text(html)
        assert 'name="respect_policies"' not in html, "a variation is not solved within the policies: not offered"

        # A start that is no start of a month of the term: refused in words, nothing asked.
        wrong = starts[0] + dt.timedelta(days=3)
        refused = post_form(client, plans, {"start_date": wrong.isoformat(), "time_limit_seconds": "5"})
        assert refused.status_code == 422, refused.text
        words = text(refused.text)
        assert (f"Een wijziging van de lopende regeling begint op een maandstart van de looptijd na vandaag "
                f"({long_day(starts[0])} tot en met {long_day(starts[-1])}), niet op {long_day(wrong)}.") in words
        assert "not on" not in words
        assert versions(client, world, case_id) == {1: "active"}

        # Asked from the page: a variation, the case runs on.
        shown = ask(client, case_id, start_date=starts[0].isoformat(), time_limit_seconds="5")
        second = plan_id_of(shown)
        plan = api_plan(client, world, second)
        varies, variation = plan["varies"], plan["variation"]
        assert varies["plan_id"] == first and varies["start_date"] == starts[0].isoformat()
        assert plan["request"]["months"] == 12 - months_between(start, starts[0])
        assert client.get(f"/v1/cases/{case_id}", headers=world.counsellor.headers).json()["state"] == "active"

        html = page(client, shown)
        assert by_id(html, "variation-of") == (f"Dit is een wijziging van versie 1 vanaf {long_day(starts[0])}, "
                                               f"tot en met {long_day(end)}.")
        paid = plan["proposal"]["metrics"]["total_paid_cents"]
        owed = sum(a["outstanding_cents"] for a in plan["allocations"])
        assert by_id(html, "plan-totals").startswith(
            f"De wijziging betaalt {euros(paid)} van de {euros(owed)} die vanaf {long_day(starts[0])} nog openstaat")
        assert f"telt {euros(sum(varies['counted'].values()))} als betaald" in by_id(html, "variation-counted")
        assert f"voor het plan: {euros(varies['in_hand_cents'])}." in by_id(html, "variation-in-hand")
        table = rows(html, "changes-table")
        assert table[:-1] == change_rows(variation)
        assert table[-1][:4] == ["Totaal", euros(sum(c["agreed_cents"] for c in variation)),
                                 euros(sum(c["varied_cents"] for c in variation)),
                                 signed(sum(c["change_cents"] for c in variation))]
        assert any(c["change_cents"] for c in variation), "a lower income changes what creditors get"
        assert changed_dates(html) == {
            f"{c['creditor']}: {len(c['dates'])} betaaldata veranderen": [
                [long_day(d["date"]), euros(d["agreed_cents"]), euros(d["varied_cents"]),
                 signed(d["varied_cents"] - d["agreed_cents"])] for d in c["dates"]]
            for c in variation if c["dates"]}
        assert [r[:2] for r in rows(html, "versions-table")] == [["1", "actief"], ["2 (wijziging van 1)", "concept"]]

        # The same in English.
        english = client.get("/app/language", params={"lang": "en", "next": shown}, headers=HTML)
        assert english.status_code == 200 and 'lang="en"' in english.text
        assert by_id(english.text, "variation-of") == (
            f"This is a variation of version 1 from {long_day(starts[0], 'en')}, up to {long_day(end, 'en')}.")
        assert rows(english.text, "changes-table")[:-1] == change_rows(variation, "en")
        assert f"{euros(varies['in_hand_cents'], 'en')}." in by_id(english.text, "variation-in-hand")


def test_a_variation_on_the_board_and_the_case_page_while_the_plan_runs_on(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id, _, _ = active_case(client, world)
        signed_in(client, world)
        case_page = f"/app/cases/{case_id}"
        assert 'id="variation-line"' not in page(client, case_page)

        second = plan_id_of(ask(client, case_id, time_limit_seconds="5"))
        plan = api_plan(client, world, second)
        start = long_day(plan["varies"]["start_date"])
        html = page(client, case_page)
        assert by_id(html, "case-state") == "regeling loopt"
        line = by_id(html, "variation-line")
        assert line.startswith(f"Er wordt een wijziging van de regeling voorbereid: versie 2, vanaf {start}.")
        assert f'href="/app/cases/{case_id}/plans?plan={second}"' in html

        # A creditor whose tolerance this variation meets accepts at once: the board says so, in words.
        variation = {c["organisation_id"]: c for c in plan["variation"]}
        tolerant = next(h for h in CREDITORS if not variation[world.parties[h].organisation_id]["later"])
        assert client.put("/v1/acceptance-policy", json={"variation_tolerance_bp": 10_000},
                          headers=world.parties[tolerant].headers).is_success
        proposed = post_form(client, f"/app/cases/{case_id}/negotiation/propose", {"plan_id": second})
        assert proposed.status_code == 303, proposed.text
        html = page(client, proposed.headers["location"])
        assert by_id(html, "variation-of").startswith(
            f"Dit is een wijziging van de lopende regeling (versie 1) vanaf {start}.")
        decisions = client.get(f"/v1/plans/{second}/decisions", headers=world.counsellor.headers).json()
        automatic = {d["organisation_id"] for d in decisions if d["automatic"]}
        assert automatic == {world.parties[tolerant].organisation_id}
        names = {c["creditor"]: c for c in plan["variation"]}
        for row in rows(html, "creditors-table"):
            change = names[row[0]]
            assert row[4].startswith(signed(change["change_cents"])), row
            assert ("laatste betaling later" in row[4]) == change["later"]
            by_policy = "akkoord (binnen de marge voor wijzigingen uit het gepubliceerde beleid)"
            assert (row[5] == by_policy) == (change["organisation_id"] in automatic), row
            assert "published" not in row[6]

        html = page(client, case_page)
        deadline = long_day(api_plan(client, world, second)["response_deadline"])
        assert by_id(html, "variation-line").startswith(
            f"Een wijziging van de regeling ligt voor bij de schuldeisers: versie 2, vanaf {start}, reactietermijn "
            f"tot en met {deadline}.")
        assert f'href="/app/cases/{case_id}/negotiation?plan={second}"' in html

        # Everyone agrees and the counsellor starts the variation: the case page has nothing under way any more.
        for handle in CREDITORS:
            if world.parties[handle].organisation_id not in automatic:
                answer = client.post(f"/v1/plans/{second}/decisions", json={"plan_version": 2, "decision": "accept"},
                                     headers=world.parties[handle].headers)
                assert answer.status_code == 201, answer.text
        started = post_form(client, f"/app/cases/{case_id}/negotiation/activate", {"plan_id": second})
        assert started.status_code == 303, started.text
        assert versions(client, world, case_id) == {1: "superseded", 2: "active"}
        html = page(client, case_page)
        assert 'id="variation-line"' not in html and by_id(html, "case-state") == "regeling loopt"
        english = client.get("/app/language", params={"lang": "en", "next": f"{case_page}/plans"}, headers=HTML)
        assert "This case has a running plan: version 2," in by_id(english.text, "variation-intro")
