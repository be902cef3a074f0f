"""Signing in and the case board in a real browser: Debian's Chromium driven by Playwright, against a real server.

Keyboard only: the skip link first, the sign-in form, the search, a new case, signing out. On every page axe-core
finds no serious or critical violation and the basic checks of the debtor's page hold, at 360 and 1280 px;
sign-in works without JavaScript too. Screenshots in test-artifacts/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.debtor.test_debtor_browser import ACCESSIBILITY, ARTIFACTS, DESKTOP, PHONE, chromium  # noqa: F401
from tests.live import live_server
from tests.support import api_client, build_world, case_body
from tests.workspace.axe import axe_violations
from tests.workspace.support import make_user

playwright_api = pytest.importorskip("playwright.sync_api")
FOCUSED = "() => document.activeElement && (document.activeElement.id || document.activeElement.className)"
OUTLINE = "() => getComputedStyle(document.activeElement).outlineStyle"


def accessible(page: Any, name: str, backend: str) -> None:
    """Both widths: no problem found, a screenshot each."""
    for width, viewport in (("360", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(viewport)
        assert page.evaluate(ACCESSIBILITY) == [], (name, width)
        assert axe_violations(page) == [], (name, width)
        page.screenshot(path=ARTIFACTS / f"workspace-{name}-{width}-{backend}.png", full_page=True)


def tab_to(page: Any, element_id: str, most: int = 12) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == element_id:
            assert page.evaluate(OUTLINE) != "none", f"#{element_id} has no visible focus"
            return
    raise AssertionError(f"#{element_id} not reached with Tab")


def test_a_counsellor_signs_in_searches_opens_a_case_and_signs_out_with_the_keyboard_in_chromium(
    database_url: str, chromium: str,  # noqa: F811
) -> None:
    backend = database_url.split(":", 1)[0]
    world = build_world(database_url)
    with api_client(database_url) as client:
        for reference, name in (("2026-0201", "Piet Bakker"), ("2026-0202", "Fatma Yılmaz-Özdemir"),
                                ("2026-0203", "Jan de Vries")):
            body = case_body(reference, debtor_name=name)
            assert client.post("/v1/cases", json=body, headers=world.counsellor.headers).status_code == 201
        user = make_user(client, world)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with live_server(database_url) as base, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_context(bypass_csp=True, viewport=DESKTOP).new_page()  # axe is injected
            page.goto(f"{base}/app/cases")
            assert page.url.startswith(f"{base}/app/login")
            assert page.locator("h1").inner_text() == "Inloggen"
            accessible(page, "login", backend)

            page.keyboard.press("Tab")
            assert page.evaluate(FOCUSED) == "skip"  # the skip link comes first, and shows when focused
            assert page.locator("a.skip").bounding_box()["x"] >= 0
            tab_to(page, "email")
            page.keyboard.type(user.email)
            tab_to(page, "password", most=1)
            page.keyboard.type("not the password")
            page.keyboard.press("Enter")
            page.wait_for_load_state()
            assert page.locator("[role=alert]").inner_text() == "Het e-mailadres of het wachtwoord klopt niet."
            accessible(page, "login-failed", backend)
            page.fill("#password", user.password)
            page.locator("#password").press("Enter")
            page.wait_for_url(f"{base}/app/cases")
            assert page.locator("h1").inner_text() == "Zaken"
            assert "Fatma Yılmaz-Özdemir" in page.locator("main").inner_text()
            accessible(page, "board", backend)

            tab_to(page, "q", most=8)
            page.keyboard.type("bakker")
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r".*q=bakker.*"))
            rows = page.locator("main table tbody tr")
            assert rows.count() == 1 and "Piet Bakker" in rows.first.inner_text()

            page.goto(f"{base}/app/cases")
            page.fill("#new-reference", "2026-0204")
            page.fill("#new-debtor_name", "Sanne de Boer")
            page.fill("#new-debtor_contact", "sanne@example.nl")
            page.locator("#new-debtor_contact").press("Enter")  # the new-case form, sent with the keyboard
            page.wait_for_url(re.compile(r".*/app/cases/[0-9a-f-]{36}$"))
            page.goto(f"{base}/app/cases?q=2026-0204")
            assert "Sanne de Boer" in page.locator("main table").inner_text()

            page.locator("a.lang").click()
            assert page.locator("html").get_attribute("lang") == "en"
            assert page.locator("h1").inner_text() == "Cases"
            accessible(page, "board-en", backend)
            page.locator("a.lang").click()

            page.get_by_role("button", name="Uitloggen").focus()
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r".*/app/login\?signed_out=1$"))
            assert page.locator("[role=status]").inner_text() == "U bent uitgelogd."
            page.goto(f"{base}/app/cases")
            assert page.url.startswith(f"{base}/app/login")

            plain = browser.new_context(java_script_enabled=False, viewport=PHONE).new_page()
            plain.goto(f"{base}/app/login")
            plain.fill("#email", user.email)
            plain.fill("#password", user.password)
            plain.locator("form.card button[type=submit]").click()
            plain.wait_for_url(f"{base}/app/cases")
            assert plain.locator("h1").inner_text() == "Zaken"
        finally:
            browser.close()
