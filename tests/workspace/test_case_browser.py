"""The case page and the debtor letter in a real browser: Debian's Chromium driven by Playwright, against a real
server process. A counsellor signs in, fills in the income, invites a creditor and registers its claim from its
letter, then makes a debtor link and prints the letter: one A4 page whose QR code (decoded from the browser's own
rendering) opens the debtor's page. Basic accessibility at 360 and 1280 px; screenshots in test-artifacts/.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

from tests.debtor.test_debtor_browser import ACCESSIBILITY, ARTIFACTS, DESKTOP, PHONE, chromium  # noqa: F401
from tests.live import live_server
from tests.support import api_client, build_world, open_case_with_creditors
from tests.workspace.axe import axe_violations
from tests.workspace.support import make_user

playwright_api = pytest.importorskip("playwright.sync_api")


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def decode(png_path: Any) -> str:
    image = Image.open(png_path).convert("L")
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return str(found[0].text)


def test_a_counsellor_fills_in_the_case_and_prints_a_one_page_debtor_letter_in_chromium(
    database_url: str, chromium: str,  # noqa: F811
) -> None:
    backend = database_url.split(":", 1)[0]
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, debtor_name="Fatma Yılmaz", reference="BR-2026-7")
        user = make_user(client, world)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with live_server(database_url) as base, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_context(bypass_csp=True, viewport=DESKTOP).new_page()  # axe is injected
            page.goto(f"{base}/app/cases/{case_id}")  # not signed in: to the sign-in page, and back afterwards
            page.fill("#email", user.email)
            page.fill("#password", user.password)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/app/cases/{case_id}")
            assert page.locator("h1").inner_text() == "Dossier BR-2026-7"

            page.locator("#income-form").evaluate("form => form.closest('details').open = true")
            page.fill("#stream-0-amount", "1.850,00")
            page.fill("#stream-0-available", "250,00")
            page.fill("#stream-0-day", "24")
            page.locator("#income-form button[type=submit]").click()
            page.wait_for_url(re.compile(r".*saved=income.*"))
            assert page.locator("#notice").inner_text() == "Het inkomen is opgeslagen."
            assert "elke maand op de 24e" in page.locator("#income-table").inner_text()

            page.select_option("#invite-creditor", world.c1.organisation_id)
            page.locator("#invite-form button[type=submit]").click()
            page.wait_for_url(re.compile(r".*saved=invite.*"))
            for field, value in (("creditor_reference", "ZZ-17"), ("principal", "1.234,56"),
                                 ("iban", "NL91ABNA0417164300"), ("payment_reference", "Polis 4471"),
                                 ("arose_on", "15-01-2026")):
                page.fill(f"#claim-{field}", value)
            page.locator("#claim-form button[type=submit]").click()
            page.wait_for_url(re.compile(r".*saved=claim.*"))
            row = " ".join(page.locator("#claims-table tbody tr").first.inner_text().split())
            assert row.startswith("Zilverzorg ZZ-17 concurrent € 1.234,56")

            assert page.evaluate(ACCESSIBILITY) == [] and axe_violations(page) == []
            page.screenshot(path=ARTIFACTS / f"workspace-case-1280-{backend}.png", full_page=True)
            page.set_viewport_size(PHONE)
            assert page.evaluate(ACCESSIBILITY) == [] and axe_violations(page) == []
            page.screenshot(path=ARTIFACTS / f"workspace-case-360-{backend}.png", full_page=True)

            # Keyboard only: Tab from the top of the page to the letter's button, Enter.
            page.set_viewport_size(DESKTOP)
            page.goto(f"{base}/app/cases/{case_id}")
            for _ in range(200):
                page.keyboard.press("Tab")
                if page.evaluate("() => document.activeElement.closest('#letter-form') !== null "
                                 "&& document.activeElement.type === 'submit'"):
                    break
            else:
                pytest.fail("the letter's button cannot be reached with Tab")
            page.keyboard.press("Enter")
            page.wait_for_selector("#letter")
            assert page.evaluate(ACCESSIBILITY) == [] and axe_violations(page) == []
            url = page.locator("#letter-url").inner_text()
            qr = ARTIFACTS / f"workspace-letter-qr-{backend}.png"
            page.locator("#letter svg.qr").screenshot(path=qr)
            assert decode(qr) == url and "/debtor?token=" in url
            page.screenshot(path=ARTIFACTS / f"workspace-letter-1280-{backend}.png", full_page=True)
            page.emulate_media(media="print")
            assert page.locator("header.bar").is_hidden() and page.locator("#letter").is_visible()
            pdf = page.pdf(format="A4", print_background=False)
            (ARTIFACTS / f"workspace-letter-{backend}.pdf").write_bytes(pdf)
            assert pdf_pages(pdf) == 1, "the letter prints on one A4 page"

            debtor = browser.new_page(viewport=PHONE)
            link = urlsplit(url)  # on the configured public URL; this server listens elsewhere
            opened = debtor.goto(f"{base}{link.path}?{link.query}")
            assert opened is not None and opened.status == 200
            assert "Fatma Yılmaz" in debtor.locator("header").inner_text()
        finally:
            browser.close()
