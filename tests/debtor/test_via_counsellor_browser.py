"""Via the counsellor in Debian's Chromium: the debtor's page shows one payment per payday, to the counselling
organisation, with one QR code that the browser's own rendering decodes to its account, the amount and the case's
reference; what each creditor gets is listed, not asked for. Screenshots at 360 and 1280 px; axe-core finds no
serious or critical violation."""

from __future__ import annotations

from typing import Any

from tests.debtor.checks import cents, decode_qr_png, parse_epc
from tests.debtor.flow import CLAIMS, CREDITORS, debtor_link, planned_case
from tests.debtor.test_debtor_browser import ACCESSIBILITY, ARTIFACTS, DESKTOP, PHONE, chromium, playwright_api, texts
from tests.debtor.test_via_counsellor import PAYOUT_IBAN, via_world
from tests.live import live_server
from tests.support import api_client
from tests.workspace.axe import axe_violations

__all__ = ["chromium"]  # the fixture, shared with the six-creditor browser test


def test_the_debtor_pays_the_organisation_once_per_payday_in_chromium(database_url: str, chromium: str) -> None:
    backend = database_url.split(":", 1)[0]
    world = via_world(database_url)
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True, payment_route="via_counsellor",
                                  reference="SR-2026-0042")
        link = debtor_link(client, world, case_id)
        schedule = client.get("/v1/debtor/schedule", params={"token": link["token"]}).json()
    deposits = schedule["deposits"]
    upcoming = next(d for d in deposits if d["date"] == schedule["next_payment_date"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with live_server(database_url) as base, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            url = f"{base}/debtor?token={link['token']}"
            page = browser.new_context(bypass_csp=True, viewport=PHONE).new_page()  # axe is injected
            answer = page.goto(url)
            assert answer is not None and answer.status == 200

            # The next payment: one transfer, to the organisation, in one sentence.
            card = page.locator("#next-payment")
            assert card.get_attribute("data-date") == upcoming["date"]
            assert cents(card.locator(".big.total").inner_text()) == upcoming["amount_cents"]
            assert " ".join(card.locator(".sentence").inner_text().split()) == " ".join(upcoming["text"].split())
            assert texts(card, ".transfer .creditor") == ["Schuldhulp Noord"]
            [qr] = card.locator("img.qr").all()
            epc = parse_epc(decode_qr_png(qr.screenshot()))
            assert (epc.name, epc.iban, epc.amount_cents, epc.text) == (
                "Schuldhulp Noord", PAYOUT_IBAN, upcoming["amount_cents"], "SR-2026-0042")

            # Every payday once, each one QR code; together what the plan pays.
            dates = page.locator("li.payment-date")
            assert dates.count() == len(deposits)
            assert page.locator("img.qr").count() == len(deposits)
            for item, deposit in zip(dates.all(), deposits, strict=True):
                assert item.get_attribute("data-date") == deposit["date"]
                assert " ".join(item.locator(".sentence").inner_text().split()) == " ".join(deposit["text"].split())
                assert int(item.get_attribute("data-cents") or 0) == deposit["amount_cents"]
            assert sum(d["amount_cents"] for d in deposits) == schedule["plan"]["paid_cents"]

            # The organisation pays the creditors: each listed with what it gets and when, none of their accounts.
            intro = page.locator("#distributions-intro").inner_text()
            assert "Schuldhulp Noord betaalt uw schuldeisers" in intro and "niets te betalen" in intro
            assert set(texts(page, ".creditor-balance h3")) == {world.parties[h].name for h in CREDITORS}
            for creditor in schedule["creditors"]:
                box = page.locator(".creditor-balance", has=page.locator("h3", has_text=creditor["creditor"]))
                listed = [int(c) for c in box.locator("ul.distributions li").evaluate_all(
                    "items => items.map(i => i.dataset.cents)")]
                assert listed == [p["paid_cents"] for p in creditor["after_each_payment"]]
            body = page.locator("body").inner_text()
            assert not any(claim["payment_reference"] in body for claim in CLAIMS.values())

            assert page.evaluate(ACCESSIBILITY) == [] and axe_violations(page) == []
            page.screenshot(path=ARTIFACTS / f"debtor-via-counsellor-360-{backend}.png", full_page=True)

            page.locator("a.lang").click()
            assert page.locator("#next-payment .sentence").inner_text().startswith("Pay €")
            assert page.evaluate(ACCESSIBILITY) == [] and axe_violations(page) == []

            desktop: Any = browser.new_context(bypass_csp=True, viewport=DESKTOP).new_page()
            desktop.goto(url)
            assert desktop.evaluate(ACCESSIBILITY) == [] and axe_violations(desktop) == []
            desktop.screenshot(path=ARTIFACTS / f"debtor-via-counsellor-1280-{backend}.png", full_page=True)
        finally:
            browser.close()
