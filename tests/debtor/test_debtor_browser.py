"""The debtor's page in a real browser: Debian's Chromium driven by Playwright, against a real server process.

A six-creditor plan, agreed and active. The test reads the page as a debtor would: the next payment
first, every creditor, the totals, the QR code (decoded from the browser's own rendering), the
language switch, a page that works without JavaScript, basic accessibility, and what a revoked or
expired link shows. Screenshots at 360 and 1280 px go to $DEBT_COORD_TEST_ARTIFACTS (default
test-artifacts/ in the repository).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, update

from debt_coord.debtor.models import DebtorLink
from debt_coord.kernel.database import sync_url
from debt_coord.organisations.models import Organisation
from tests.conftest import REQUIRE_SERVICES
from tests.debtor.checks import cents, decode_qr_png, parse_epc
from tests.debtor.flow import CREDITORS, EXTRA, debtor_link, planned_case
from tests.live import ROOT, live_server
from tests.support import api_client, build_world

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("DEBT_COORD_TEST_ARTIFACTS") or ROOT / "test-artifacts")
PHONE, DESKTOP = {"width": 360, "height": 780}, {"width": 1280, "height": 900}
COUNSELLOR_PHONE, COUNSELLOR_EMAIL = "+31501234567", "hulp@schuldhulp-noord.nl"  # stored in E.164
DIALLED = "050 123 4567"  # as the page shows it to a Dutch debtor

# Runs in the page: the things a screen reader user and a phone user run into first.
ACCESSIBILITY = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("no lang attribute on <html>");
  for (const img of document.querySelectorAll("img")) {
    if (!(img.getAttribute("alt") || "").trim()) problems.push("img without alt: " + img.src.slice(0, 40));
  }
  for (const svg of document.querySelectorAll("svg")) {
    const ids = (svg.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    const named = ids.map(id => (document.getElementById(id) || {}).textContent || "").join(" ").trim()
      || (svg.getAttribute("aria-label") || "").trim() || (svg.querySelector("title") || {}).textContent;
    if (svg.getAttribute("role") !== "img" || !named) problems.push("svg without role=img and a name");
  }
  const levels = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(h => Number(h.tagName[1]));
  if (levels[0] !== 1 || levels.filter(l => l === 1).length !== 1) problems.push("not exactly one h1, first");
  levels.forEach((level, i) => { if (i && level > levels[i - 1] + 1) problems.push("heading jumps to h" + level); });
  for (const link of document.querySelectorAll("a")) {
    if (!link.textContent.trim() && !link.getAttribute("aria-label")) problems.push("link without text");
  }
  const luminance = rgb => {
    const [r, g, b] = rgb.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => v / 255)
      .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = el => {
    for (let node = el; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      if (bg && !bg.endsWith(", 0)") && bg !== "transparent") return bg;
    }
    return "rgb(255, 255, 255)";
  };
  for (const el of document.querySelectorAll("p, li, dt, dd, a, h1, h2, h3, summary, span")) {
    if (!el.textContent.trim() || !el.offsetParent) continue;
    const [a, b] = [luminance(getComputedStyle(el).color), luminance(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) problems.push("contrast " + ratio.toFixed(2) + " on: " + el.textContent.trim().slice(0, 30));
  }
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) problems.push("horizontal scroll: " + width + " > " + window.innerWidth);
  return problems;
}"""


def set_counsellor_contact(database_url: str, organisation_id: str) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(update(Organisation).where(Organisation.id == uuid.UUID(organisation_id))
                               .values(contact_phone=COUNSELLOR_PHONE, contact_email=COUNSELLOR_EMAIL))
    finally:
        engine.dispose()


def expire(database_url: str, link_id: str) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(update(DebtorLink).where(DebtorLink.id == uuid.UUID(link_id))
                               .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    finally:
        engine.dispose()


def texts(page: Any, selector: str) -> list[str]:
    return [" ".join(t.split()) for t in page.locator(selector).all_inner_texts()]


@pytest.fixture(scope="module")
def chromium() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Debian's chromium is not installed at {CHROMIUM} (.ci/run installs it)"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message}; DEBT_COORD_TEST_REQUIRE_SERVICES=1 makes it mandatory")
        pytest.skip(message)
    return CHROMIUM


def test_the_debtor_reads_and_pays_the_six_creditor_schedule_in_chromium(database_url: str, chromium: str) -> None:
    backend = database_url.split(":", 1)[0]
    world = build_world(database_url, extra_creditors=EXTRA)
    set_counsellor_contact(database_url, world.counsellor.organisation_id)
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True)
        link = debtor_link(client, world, case_id)
        other = debtor_link(client, world, case_id)
        schedule = client.get("/v1/debtor/schedule", params={"token": link["token"]}).json()
    creditor_names = {world.parties[h].name for h in CREDITORS}
    assert len(creditor_names) == 6
    next_date = next(d for d in schedule["dates"] if d["date"] == schedule["next_payment_date"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with live_server(database_url) as base, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            url = f"{base}/debtor?token={link['token']}"
            page = browser.new_page(viewport=PHONE)
            answer = page.goto(url)
            assert answer is not None and answer.status == 200

            # The next payment first, large: its date, its total, and each transfer in it.
            assert page.locator("html").get_attribute("lang") == "nl"
            assert page.locator("h1").inner_text() == "Uw betaalschema"
            assert "Jan de Vries" in page.locator("header").inner_text()
            card = page.locator("#next-payment")
            assert card.get_attribute("data-date") == next_date["date"]
            assert cents(card.locator(".big.total").inner_text()) == next_date["total_cents"]
            first_heading = page.locator("h2").first.inner_text()
            assert first_heading == "Uw volgende betaling"
            shown = [(c.locator(".creditor").inner_text(), cents(c.locator(".amt").inner_text()))
                     for c in card.locator(".transfer").all()]
            assert shown == [(p["creditor"], p["amount_cents"]) for p in next_date["payments"]]
            assert next_date["after_income_text"] in " ".join(card.inner_text().split())  # "uw uitkering"
            font_size = card.locator(".big.total").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
            assert font_size >= 32, "the next payment's total is the largest thing on the page"

            # The QR code as the browser shows it decodes to the right account, amount and reference.
            for transfer, qr in zip(next_date["payments"], card.locator("img.qr").all(), strict=True):
                epc = parse_epc(decode_qr_png(qr.screenshot()))
                assert (epc.name, epc.iban, epc.amount_cents) == (transfer["creditor"], transfer["iban"],
                                                                  transfer["amount_cents"])
                assert transfer["payment_reference"] in (epc.reference, epc.text)

            # Each transfer's QR code once (the next payment's at the top, not again in the list), and beside each
            # the account, amount and reference as text a tap selects whole, to copy into a banking app.
            transfers = [p for d in schedule["dates"] for p in d["payments"]]
            assert page.locator("img.qr").count() == len(transfers)
            fields = card.locator(".transfer").first.locator(".copy")
            first = next_date["payments"][0]
            assert fields.nth(0).inner_text().replace(" ", "") == first["iban"]
            assert cents(fields.nth(1).inner_text()) == first["amount_cents"]
            assert fields.nth(2).inner_text() == first["payment_reference"]
            assert {f.evaluate("el => getComputedStyle(el).userSelect") for f in fields.all()} == {"all"}
            fields.nth(0).click()
            assert page.evaluate("() => window.getSelection().toString()").replace(" ", "") == first["iban"]

            # Every creditor, every date, the right totals.
            assert set(texts(page, ".creditor-balance h3")) == creditor_names
            dates = page.locator("li.payment-date")
            assert dates.count() == len(schedule["dates"])
            for item, date in zip(dates.all(), schedule["dates"], strict=True):
                assert item.get_attribute("data-date") == date["date"]
                assert cents(item.locator("li.total span").last.inner_text()) == date["total_cents"]
            facts = dict(zip(texts(page, "dl.facts >> nth=0 >> dt"), texts(page, "dl.facts >> nth=0 >> dd"),
                             strict=True))
            plan = schedule["plan"]
            assert cents(facts["Uw schuld nu"]) == plan["owed_cents"]
            assert cents(facts["U betaalt in totaal"]) == plan["paid_cents"]
            assert cents(facts["Blijft over"]) == plan["left_cents"] == plan["owed_cents"] - plan["paid_cents"]
            change = page.locator("#when-things-change").inner_text()
            assert "Verandert er iets?" in change and DIALLED in change and COUNSELLOR_EMAIL in change
            call = page.locator("#when-things-change a[href^='tel:']")
            assert call.get_attribute("href") == f"tel:{COUNSELLOR_PHONE}"

            assert page.evaluate(ACCESSIBILITY) == []
            page.screenshot(path=ARTIFACTS / f"debtor-page-360-{backend}.png", full_page=True)
            page.locator("#next-payment").screenshot(path=ARTIFACTS / f"debtor-next-payment-360-{backend}.png")

            # The language switch, and back.
            page.locator("a.lang").click()
            assert page.locator("html").get_attribute("lang") == "en"
            assert page.locator("h1").inner_text() == "Your payment schedule"
            assert "lang=en" in page.url and link["token"] in page.url
            assert cents(page.locator("#next-payment .big.total").inner_text()) == next_date["total_cents"]
            assert "€" in page.locator("#next-payment .big.total").inner_text()
            assert page.evaluate(ACCESSIBILITY) == []
            page.screenshot(path=ARTIFACTS / f"debtor-page-360-en-{backend}.png", full_page=True)
            page.locator("a.lang").click()
            assert page.locator("h1").inner_text() == "Uw betaalschema"

            desktop = browser.new_page(viewport=DESKTOP)
            desktop.goto(url)
            assert desktop.evaluate(ACCESSIBILITY) == []
            desktop.screenshot(path=ARTIFACTS / f"debtor-page-1280-{backend}.png", full_page=True)

            # Without JavaScript the page is the same page: it is rendered on the server.
            plain = browser.new_context(java_script_enabled=False, viewport=PHONE).new_page()
            plain.goto(url)
            assert plain.locator("#next-payment").get_attribute("data-date") == next_date["date"]

            # A revoked link and an expired one: a clear page, and no one's data.
            with httpx.Client(base_url=base) as http:
                revoked = http.delete(f"/v1/cases/{case_id}/debtor-links/{link['id']}",
                                      headers=world.counsellor.headers)
                assert revoked.status_code == 204
                expire(database_url, other["id"])
                for token in (link["token"], other["token"]):
                    gone = http.get("/v1/debtor/schedule", params={"token": token})
                    assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"
                    assert "Jan de Vries" not in gone.text
            for token, name in ((link["token"], "revoked"), (other["token"], "expired")):
                answer = page.goto(f"{base}/debtor?token={token}")
                assert answer is not None and answer.status == 404
                body = page.locator("body").inner_text()
                assert page.locator("h1").inner_text() == "Deze link werkt niet"
                assert "nieuwe link" in body
                assert not any(n in body for n in [*creditor_names, "Jan de Vries", "€"])
                assert page.evaluate(ACCESSIBILITY) == []
                page.screenshot(path=ARTIFACTS / f"debtor-link-{name}-360-{backend}.png", full_page=True)
        finally:
            browser.close()
