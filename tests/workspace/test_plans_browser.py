"""The plan builder and the negotiation board in a real browser (Debian's Chromium driven by Playwright, against a
real server): ask for a plan with the keyboard, htmx follows the job to the plan, the chart and table are read,
the version is proposed with the keyboard; axe-core finds no serious or critical violation on each page at 360
and 1280 px. Without JavaScript the job page's button leads on. Screenshots in test-artifacts/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.debtor.test_debtor_browser import ARTIFACTS, DESKTOP, PHONE, chromium  # noqa: F401
from tests.live import live_server
from tests.support import api_client, build_world
from tests.workspace.plan_flow import case_with_claims
from tests.workspace.support import make_user
from tests.workspace.test_board_browser import accessible, tab_to

playwright_api = pytest.importorskip("playwright.sync_api")
PLAN_PAGE = re.compile(r".*/plans\?plan=[0-9a-f-]{36}$")


def sign_in(page: Any, base: str, email: str, password: str, target: str) -> None:
    page.goto(f"{base}{target}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("#password").press("Enter")
    page.wait_for_url(f"{base}{target}")


def test_ask_read_and_propose_a_plan_with_the_keyboard_in_chromium(database_url: str,
                                                                   chromium: str) -> None:  # noqa: F811
    backend = database_url.split(":", 1)[0]
    world = build_world(database_url, extra_creditors=("c4", "c5", "c6"))
    with api_client(database_url) as client:
        case_id = case_with_claims(client, world)
        user = make_user(client, world)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    plans = f"/app/cases/{case_id}/plans"

    with live_server(database_url) as base, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_context(bypass_csp=True, viewport=DESKTOP).new_page()  # axe is injected
            sign_in(page, base, user.email, user.password, plans)
            assert page.locator("h1").inner_text() == "Plannen voor dossier 2026-0001"
            accessible(page, "plans-empty", backend)

            tab_to(page, "ask-months", most=20)
            page.keyboard.type("12")
            tab_to(page, "ask-start_date", most=1)
            page.fill("#ask-start_date", "2027-01-01")
            page.fill("#ask-time_limit_seconds", "5")
            page.locator("#ask-months").press("Enter")  # the ask form, sent with the keyboard
            page.wait_for_url(PLAN_PAGE, timeout=60_000)  # htmx polled the job and went on to the plan
            assert page.locator("#version-heading").inner_text() == "Versie 1: concept"
            bars = page.locator("svg#plan-chart g.bar")
            assert bars.count() == page.locator("#schedule-table tbody tr").count() > 0
            assert page.locator("svg#plan-chart").get_attribute("role") == "img"
            accessible(page, "plans-version", backend)

            page.goto(f"{base}/app/cases/{case_id}/negotiation")
            assert page.locator("h1").inner_text() == "Onderhandeling voor dossier 2026-0001"
            accessible(page, "negotiation-draft", backend)
            page.get_by_role("button", name="Voorstel versturen").focus()
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r".*done=proposed$"))
            assert page.locator("[role=status]").first.inner_text() == "Versie 1 is voorgesteld aan de schuldeisers."
            accessible(page, "negotiation-proposed", backend)

            plain = browser.new_context(java_script_enabled=False, viewport=PHONE).new_page()
            sign_in(plain, base, user.email, user.password, plans)
            plain.fill("#ask-months", "18")
            plain.fill("#ask-start_date", "2027-01-01")
            plain.fill("#ask-time_limit_seconds", "5")
            plain.locator("#ask-form button[type=submit]").click()
            plain.wait_for_url(re.compile(r".*/plans/jobs/[0-9a-f-]{36}$|" + PLAN_PAGE.pattern))
            for _ in range(100):  # without JavaScript: the button looks again until the plan is there
                if PLAN_PAGE.match(plain.url):
                    break
                plain.locator("#job-refresh").click()
                plain.wait_for_load_state()
            assert plain.locator("#version-heading").inner_text() == "Versie 2: concept"
        finally:
            browser.close()
