"""The whole journey of issue 15 in a real browser (Debian's Chromium driven by Playwright, against a real server).

A counsellor chooses a password from the link `debt-coord users create` prints, signs in, builds a case from
nothing (the case, its income, three creditors invited, their claims registered from their letters), asks for a
plan (the job page without htmx: its refresh button), reads the chart and the tables, proposes, makes a creditor
link; the creditor counters on its page; the counsellor re-plans with the counter (htmx follows the job),
proposes again, everyone accepts (one through its link, two through the API), the counsellor activates and prints
the debtor letter. At each step the page's numbers are the API's for the same plan. axe-core finds no serious or
critical violation on any page, at 360 and 1280 px; screenshots in test-artifacts/journey-*.png.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from api.workspace.texts import money
from debt_coord.kernel.clock import today
from tests.debtor.test_debtor_browser import ACCESSIBILITY, ARTIFACTS, DESKTOP, PHONE, chromium  # noqa: F401
from tests.live import ROOT, live_server
from tests.support import IBANS, World, build_world
from tests.workspace.axe import axe_violations
from tests.workspace.test_case_browser import decode, pdf_pages

playwright_api = pytest.importorskip("playwright.sync_api")
PASSWORD = "een lang en geheim wachtwoord"
CASE = re.compile(r".*/app/cases/([0-9a-f-]{36})$")
JOB_PAGE = re.compile(r".*/plans/jobs/[0-9a-f-]{36}$")
PLAN_PAGE = re.compile(r".*/plans\?plan=([0-9a-f-]{36})$")
CREDITORS = ("c1", "c2", "c3")
TOO_WIDE = """() => [...document.querySelectorAll("body *")].filter(el => el.getBoundingClientRect().right > innerWidth)
  .slice(0, 5).map(el => el.tagName + "#" + el.id + "." + el.className + " " + el.textContent.trim().slice(0, 30))"""
LETTERS = {  # what each creditor's letter says: reference, principal, interest, costs, IBAN, payment reference
    "c1": ("ZZ-2026-17", "1.800,00", "", "", IBANS[0], "Zorgpolis 4471-22"),
    "c2": ("EN-881230", "950,00", "", "140,00", IBANS[1], "Klantnummer 881230"),
    "c3": ("WS-12", "640,00", "31,50", "", IBANS[2], "Huurachterstand Kerkstraat 12"),
}


def check(page: Any, name: str, backend: str) -> None:
    """What a screen reader and a phone user run into: no problem at 360 or 1280 px; a screenshot each."""
    for width, viewport in (("360", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(viewport)
        assert page.evaluate(ACCESSIBILITY) == [], (name, width, page.evaluate(TOO_WIDE))
        assert axe_violations(page) == [], (name, width)
        page.screenshot(path=ARTIFACTS / f"journey-{name}-{width}-{backend}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def cli_link(database_url: str, organisation: str, email: str) -> str:
    """`debt-coord users create`, as an administrator runs it; returns the link it prints (path and query)."""
    env = {**os.environ, "DEBT_COORD_DATABASE_URL": database_url, "DEBT_COORD_SEED_DEMO": "false"}
    done = subprocess.run([sys.executable, "-m", "debt_coord.cli", "users", "create", "--org", organisation,
                           "--email", email], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    found = re.search(r"https?://\S+(/app/set-password\?token=\S+)", done.stdout)
    assert found, done.stdout
    return found.group(1)


def local(url: str) -> str:
    """A link on the configured public URL, as a path on this test server."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def euros(cents: int, currency: str, lang: str) -> str:
    """An amount as the page shows it, read with its spaces collapsed (as `words` reads it)."""
    return " ".join(money(cents, currency, lang).split())


def words(page: Any, selector: str) -> str:
    return " ".join(page.locator(selector).inner_text().split())


def table(page: Any, selector: str) -> list[list[str]]:
    """The rows of a table's body, cell by cell (the row header included)."""
    return [[" ".join(c.split()) for c in row.locator("th, td").all_inner_texts()]
            for row in page.locator(f"{selector} tbody tr").all()]


@contextmanager
def api(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=60) as client:
        yield client


def plan_of(client: httpx.Client, world: World, plan_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def paid_by_creditor(plan: dict[str, Any]) -> dict[str, str]:
    return {a["creditor"]: euros(a["paid_cents"], "EUR", "nl") for a in plan["allocations"]}


def reads_the_plan(page: Any, client: httpx.Client, world: World, plan_id: str) -> dict[str, Any]:
    """The plan page says what the API says of the same version: per creditor what it gets, the chart's blocks
    add up to it, one bar per row of the schedule."""
    plan = plan_of(client, world, plan_id)
    shown = {row[0]: row[3] for row in table(page, "#allocations-table")}
    assert shown == paid_by_creditor(plan)
    bars = page.locator("svg#plan-chart g.bar")
    assert bars.count() == page.locator("#schedule-table tbody tr").count() > 0
    charted: dict[str, int] = {}
    for block in page.locator("svg#plan-chart g.bar rect").all():
        who = block.get_attribute("data-creditor") or ""
        charted[who] = charted.get(who, 0) + int(block.get_attribute("data-cents") or 0)
    assert sorted(charted.values()) == sorted(a["paid_cents"] for a in plan["allocations"])
    return plan


def sign_in_with_the_cli_link(page: Any, base: str, database_url: str, world: World, backend: str) -> str:
    email = f"ilse-{uuid.uuid4().hex[:8]}@example.nl"
    page.goto(base + cli_link(database_url, world.counsellor.name, email))
    assert page.locator("h1").count() == 1
    check(page, "set-password", backend)
    page.fill("#password", PASSWORD)
    page.fill("#repeat", PASSWORD)
    page.locator("#repeat").press("Enter")
    page.wait_for_url(re.compile(r".*/app/login\?password_set=1$"))
    assert page.locator("h1").inner_text() == "Inloggen"
    check(page, "login", backend)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(f"{base}/app/cases")
    assert page.locator("h1").inner_text() == "Zaken"
    return email


def builds_the_case(page: Any, base: str, client: httpx.Client, world: World, backend: str) -> str:
    check(page, "board", backend)
    page.fill("#new-reference", "RIJ-2026-15")
    page.fill("#new-debtor_name", "Fatma Yılmaz-Özdemir")
    page.fill("#new-debtor_contact", "fatma@example.nl")
    page.locator("#new-debtor_contact").press("Enter")
    page.wait_for_url(CASE)
    case_id = CASE.match(page.url).group(1)  # type: ignore[union-attr]
    assert page.locator("h1").inner_text() == "Dossier RIJ-2026-15"

    page.locator("#income-form").evaluate("form => form.closest('details').open = true")
    page.fill("#stream-0-amount", "1.400,00")
    page.fill("#stream-0-available", "250,00")
    page.fill("#stream-0-day", "23")
    page.locator("#income-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*saved=income.*"))
    assert "elke maand op de 23e" in page.locator("#income-table").inner_text()
    income = client.get(f"/v1/cases/{case_id}/income", headers=world.counsellor.headers).json()
    assert [(s["amount_cents"], s["available_cents"]) for s in income["streams"]] == [(140_000, 25_000)]

    for handle in CREDITORS:
        page.select_option("#invite-creditor", world.parties[handle].organisation_id)
        page.locator("#invite-form button[type=submit]").click()
        page.wait_for_url(re.compile(r".*saved=invite.*"))
    for handle in CREDITORS:  # each creditor's letter, typed in by the counsellor
        reference, principal, interest, costs, iban, payment_reference = LETTERS[handle]
        page.select_option("#claim-creditor", world.parties[handle].organisation_id)
        for field, value in (("creditor_reference", reference), ("principal", principal), ("interest", interest),
                             ("costs", costs), ("iban", iban), ("payment_reference", payment_reference),
                             ("arose_on", "15-01-2026")):
            page.fill(f"#claim-{field}", value)
        page.locator("#claim-form button[type=submit]").click()
        page.wait_for_url(re.compile(r".*saved=claim.*"))
    overview = client.get(f"/v1/cases/{case_id}/overview", headers=world.counsellor.headers).json()
    assert overview["total_cents"] == 180_000 + 95_000 + 14_000 + 64_000 + 3_150
    assert words(page, "#claims-total") == euros(overview["total_cents"], "EUR", "nl")
    shown = {row[1] for row in table(page, "#claims-table")}
    assert shown >= {LETTERS[h][0] for h in CREDITORS}
    check(page, "case", backend)
    return case_id


def asks_without_htmx(page: Any, base: str, case_id: str, backend: str) -> str:
    """The first plan, as a browser without htmx sees it: the job page, its refresh button, then the plan."""
    page.route("**/htmx.min.js", lambda route: route.abort())
    page.goto(f"{base}/app/cases/{case_id}/plans")
    assert page.locator("h1").inner_text() == "Plannen voor dossier RIJ-2026-15"
    check(page, "plans-empty", backend)
    page.fill("#ask-months", "12")
    page.fill("#ask-start_date", "2027-01-01")
    page.fill("#ask-time_limit_seconds", "5")
    page.locator("#ask-form button[type=submit]").click()
    page.wait_for_url(JOB_PAGE)
    check(page, "job", backend)  # no htmx: the page stays as it is while axe reads it
    for _ in range(150):
        if PLAN_PAGE.match(page.url):
            break
        page.locator("#job-status a").first.click()
        page.wait_for_load_state()
    page.unroute("**/htmx.min.js")
    found = PLAN_PAGE.match(page.url)
    assert found, page.url
    return found.group(1)


def answers_through_the_link(browser: Any, base: str, url: str, backend: str, name: str) -> Any:
    creditor = browser.new_context(bypass_csp=True, viewport=DESKTOP).new_page()
    opened = creditor.goto(base + local(url))
    assert opened is not None and opened.status == 200
    check(creditor, name, backend)
    return creditor


def make_link(page: Any, creditor_name: str) -> str:
    page.get_by_role("button", name=f"Link maken voor {creditor_name}").click()
    page.wait_for_load_state()
    assert f"De link voor {creditor_name}" in words(page, "#notice")
    return page.locator("#creditor-link").get_attribute("href") or ""


def test_a_counsellor_takes_a_case_from_nothing_to_an_active_plan_and_a_printed_letter_in_chromium(
    database_url: str, chromium: str,  # noqa: F811
) -> None:
    backend = database_url.split(":", 1)[0]
    world = build_world(database_url)
    names = {h: world.parties[h].name for h in CREDITORS}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with live_server(database_url) as base, api(base) as client, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_context(bypass_csp=True, viewport=DESKTOP).new_page()  # axe is injected
            email = sign_in_with_the_cli_link(page, base, database_url, world, backend)
            case_id = builds_the_case(page, base, client, world, backend)

            first = asks_without_htmx(page, base, case_id, backend)
            assert words(page, "#version-heading") == "Versie 1: concept"
            plan = reads_the_plan(page, client, world, first)
            assert plan["status"] == "draft" and plan["number"] == 1
            check(page, "plan-1", backend)

            page.goto(f"{base}/app/cases/{case_id}/negotiation")
            assert page.locator("h1").inner_text() == "Onderhandeling voor dossier RIJ-2026-15"
            check(page, "negotiation-draft", backend)
            deadline = today() + dt.timedelta(days=14)
            page.fill("#response-deadline", deadline.isoformat())
            page.get_by_role("button", name="Voorstel versturen").click()
            page.wait_for_url(re.compile(r".*done=proposed$"))
            assert words(page, "#notice") == "Versie 1 is voorgesteld aan de schuldeisers."
            proposed = plan_of(client, world, first)
            assert proposed["status"] == "proposed" and proposed["response_deadline"] == deadline.isoformat()
            board = {row[0]: row for row in table(page, "#creditors-table")}
            assert {n: board[n][2] for n in board} == paid_by_creditor(proposed)
            assert {board[n][4] for n in board} == {"nog geen reactie"}

            # The landlord has no integration: a link, its page, a counter-proposal.
            url = make_link(page, names["c3"])
            check(page, "negotiation-link", backend)
            creditor = answers_through_the_link(browser, base, url, backend, "creditor-page")
            assert words(creditor, "#creditor-name") == f"Voor {names['c3']}"
            own = next(a for a in proposed["allocations"] if a["creditor"] == names["c3"])
            assert words(creditor, "#own-paid") == euros(own["paid_cents"], "EUR", "nl")
            creditor.fill("#min_payment", "40,00")
            creditor.fill("#counter-reason", "De huur gaat voor.")
            creditor.locator("#counter-form button[type=submit]").click()
            creditor.wait_for_load_state()
            assert "tegenvoorstel" in words(creditor, "#current-answer").lower()
            check(creditor, "creditor-countered", backend)
            decisions = client.get(f"/v1/plans/{first}/decisions", headers=world.counsellor.headers).json()
            [counter] = decisions
            assert counter["organisation_id"] == world.c3.organisation_id and counter["kind"] == "counter"
            assert counter["counter"] is not None and 4000 in counter["counter"].values()

            page.goto(f"{base}/app/cases/{case_id}/negotiation")
            board = {row[0]: row for row in table(page, "#creditors-table")}
            assert board[names["c3"]][4].startswith("tegenvoorstel elke betaling minstens € 40,00")
            assert "0 akkoord, 0 afgewezen, 1 tegenvoorstel, 2 geen reactie; 3 schuldeisers." in words(page, "#report")
            check(page, "negotiation-countered", backend)

            # Re-plan with the counter; htmx follows the job this time.
            page.goto(f"{base}/app/cases/{case_id}/plans?plan={first}")
            page.fill("#ask-months", "12")
            page.fill("#ask-start_date", "2027-01-01")
            page.fill("#ask-time_limit_seconds", "5")
            page.locator("#ask-form input[name=apply_counters]").check()
            page.locator("#ask-form button[type=submit]").click()
            page.wait_for_url(PLAN_PAGE, timeout=90_000)
            second = PLAN_PAGE.match(page.url).group(1)  # type: ignore[union-attr]
            assert second != first and words(page, "#version-heading") == "Versie 2: concept"
            replanned = reads_the_plan(page, client, world, second)
            assert replanned["applied_counters"] != []
            check(page, "plan-2", backend)

            page.goto(f"{base}/app/cases/{case_id}/negotiation")
            page.get_by_role("button", name="Voorstel versturen").click()
            page.wait_for_url(re.compile(r".*done=proposed$"))
            assert words(page, "#notice") == "Versie 2 is voorgesteld aan de schuldeisers."
            url = make_link(page, names["c3"])
            creditor = answers_through_the_link(browser, base, url, backend, "creditor-page-2")
            creditor.locator("#accept-form button[type=submit]").click()
            creditor.wait_for_load_state()
            assert words(creditor, "#current-answer") == "U heeft dit voorstel geaccepteerd."
            for handle in ("c1", "c2"):
                answer = client.post(f"/v1/plans/{second}/decisions", headers=world.parties[handle].headers,
                                     json={"plan_version": 2, "decision": "accept"})
                assert answer.status_code == 201, answer.text

            page.goto(f"{base}/app/cases/{case_id}/negotiation")
            assert "Alle schuldeisers zijn akkoord." in words(page, "main")
            assert {row[4] for row in table(page, "#creditors-table")} == {"akkoord"}
            check(page, "negotiation-agreed", backend)
            page.get_by_role("button", name="Plan starten").click()
            page.wait_for_load_state()
            assert "Het plan is gestart: versie 2 loopt nu." in words(page, "#notice")
            assert plan_of(client, world, second)["status"] == "active"
            case = client.get(f"/v1/cases/{case_id}", headers=world.counsellor.headers).json()
            assert case["state"] == "active"
            activated = client.get(f"/v1/cases/{case_id}/audit", params={"action": "plan.activated"},
                                   headers=world.counsellor.headers).json()
            assert [e["actor"] for e in activated] == [f"{world.counsellor.name} ({email}, workspace)"]
            check(page, "negotiation-active", backend)

            page.goto(f"{base}/app/cases/{case_id}")
            assert words(page, "#case-state") == "regeling loopt"
            page.locator("#letter-form button[type=submit]").click()
            page.wait_for_selector("#letter")
            check(page, "letter", backend)
            letter_url = page.locator("#letter-url").inner_text()
            qr = ARTIFACTS / f"journey-letter-qr-{backend}.png"
            page.locator("#letter svg.qr").screenshot(path=qr)
            assert decode(qr) == letter_url and "/debtor?token=" in letter_url
            page.emulate_media(media="print")
            assert page.locator("header.bar").is_hidden() and page.locator("#letter").is_visible()
            pdf = page.pdf(format="A4", print_background=False)
            (ARTIFACTS / f"journey-letter-{backend}.pdf").write_bytes(pdf)
            assert pdf_pages(pdf) == 1

            debtor = client.get(local(letter_url).replace("/debtor?", "/v1/debtor/schedule?"))
            assert debtor.status_code == 200, debtor.text
            schedule = debtor.json()
            assert schedule["debtor_name"] == "Fatma Yılmaz-Özdemir"
            assert sum(d["total_cents"] for d in schedule["dates"]) == sum(a["paid_cents"]
                                                                         for a in replanned["allocations"])
        finally:
            browser.close()
