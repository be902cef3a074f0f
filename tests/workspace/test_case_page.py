"""The case page through the real app, signed in as a counsellor, on SQLite and PostgreSQL.

What the page shows is checked against what the API answers for the same case (the overview, the income,
the installments, the messages); what its forms do is checked through the API, as the counsellor's own
systems would see it: the same rows, the same audit trail, the same refusals.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import textstat
from babel.dates import format_date
from litestar.testing import TestClient

from api.creditor_links.texts import percent
from api.workspace.case_texts import CASE_TEXTS
from debt_coord.cases.models import DebtType, IncomeKind
from debt_coord.cases.states import CaseState
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.messages.models import Channel, MessageKind, MessageStatus
from debt_coord.money_in.installments import InstallmentStatus
from solver.models import ClaimClass
from solver.money import format_money
from tests.creditor_links.flow import table_rows
from tests.money_in.statement_flow import recent_plan_case
from tests.money_in.test_receipts import receipt
from tests.support import World, api_client, build_world, claim_body, open_case_with_creditors
from tests.workspace.case_checks import income_form, svg_qr_text
from tests.workspace.support import HTML, post_form, signed_in, text


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url)


def euros(cents: int, lang: str = "nl") -> str:
    """As the page's words read (a non-breaking space read as a space)."""
    return " ".join(format_money(cents, "EUR", "nl_NL" if lang == "nl" else "en_GB").split())


def page(client: TestClient[Any], case_id: str, **params: str) -> Any:
    answer = client.get(f"/app/cases/{case_id}", params=params, headers=HTML)
    assert answer.status_code == 200, answer.text
    return answer


def audit(client: TestClient[Any], world: World, case_id: str, action: str) -> list[dict[str, Any]]:
    trail = client.get(f"/v1/cases/{case_id}/audit", params={"action": action, "limit": 200},
                       headers=world.counsellor.headers)
    assert trail.status_code == 200, trail.text
    found: list[dict[str, Any]] = trail.json()
    return found


def register(client: TestClient[Any], world: World, case_id: str, handle: str, body: dict[str, Any]) -> None:
    answer = client.post(f"/v1/cases/{case_id}/claims", json=body, headers=world.parties[handle].headers)
    assert answer.status_code == 201, answer.text


def test_the_claims_table_is_the_api_overview_with_its_warnings_highlighted(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", "c2", "c3", debtor_name="Jan <script>x</script> Vries")
        register(client, world, case_id, "c1", claim_body("ZZ-1", 100_000, costs_cents=50_000))  # above the WIK
        register(client, world, case_id, "c2", claim_body("EN-2", 95_000))
        register(client, world, case_id, "c2", claim_body("EN-2", 20_000, arose_on="2026-03-01"))  # same reference
        register(client, world, case_id, "c1", claim_body("ZZ-9", 40_000, claim_class="preferent",
                                                          balance_date="2026-10-01"))
        overview = client.get(f"/v1/cases/{case_id}/overview", headers=world.counsellor.headers).json()
        signed_in(client, world)
        html = page(client, case_id).text

        rows = table_rows(html, "claims-table")
        claims = overview["claims"]
        assert rows[:len(claims)] == [
            [c["creditor_name"], c["creditor_reference"] + "".join(_flags(overview, c["claim_id"])),
             "preferent" if c["claim_class"] == "preferent" else "concurrent",
             euros(c["principal_cents"]), euros(c["interest_cents"]), euros(c["costs_cents"]),
             euros(c["total_cents"]), " ".join(percent(c["share_bp"], "nl").split())]
            for c in claims
        ]
        totals = {t["claim_class"]: t for t in overview["class_totals"]}
        assert rows[len(claims):] == [
            [f"Totaal concurrent ({totals['concurrent']['claims']})", *(euros(totals["concurrent"][k]) for k in
                                                                       ("principal_cents", "interest_cents",
                                                                        "costs_cents", "total_cents")), ""],
            [f"Totaal preferent ({totals['preferent']['claims']})", *(euros(totals["preferent"][k]) for k in
                                                                     ("principal_cents", "interest_cents",
                                                                      "costs_cents", "total_cents")), ""],
            ["Totaal alle vorderingen", euros(overview["total_cents"]), ""],
        ]
        flagged = set(re.findall(r'<tr id="claim-([0-9a-f-]+)" class="warn"', html))
        assert flagged == {claim_id for w in overview["warnings"] for claim_id in w["claim_ids"]}
        assert {w["code"] for w in overview["warnings"]} == {
            "collection_costs_above_wik", "possible_duplicate", "balance_date_differs", "no_claim_yet", "no_capacity"}
        warnings = text(html[html.index('id="warnings"'):html.index('id="capacity-heading"')])
        wik = next(w for w in overview["warnings"] if w["code"] == "collection_costs_above_wik")
        allowed = re.findall(r"€\s?[\d.,]+", wik["message"])  # costs, allowed, principal, excess as the API says
        assert "Vordering ZZ-1 rekent € 500,00 incassokosten" in warnings
        assert f"hoogstens {euros(_cents(allowed[1]))} toe" in warnings
        assert "Vorderingen EN-2 en EN-2 van dezelfde schuldeiser lijken dezelfde schuld" in warnings
        assert "Vordering ZZ-9 geeft het saldo per 1 oktober 2026, niet per de peildatum 1 november 2026" in warnings
        assert "Belastingdienst is om het saldo gevraagd, maar heeft nog geen vordering geregistreerd." in warnings
        assert "Het inkomen laat niets over voor de schuldeisers: alleen een nul-aanbod is mogelijk." in warnings
        capacity = text(html[html.index('id="capacity"'):html.index('id="income"')])
        assert f"Gemiddeld per maand {euros(overview['capacity']['monthly_average_cents'])}" in capacity

        ids = re.findall(r'\sid="([^"]+)"', html)
        assert sorted({i for i in ids if ids.count(i) > 1}) == [], "every id once: labels and errors point at one field"
        # The debtor's name is shown as text, never as markup.
        assert "Jan &lt;script&gt;x&lt;/script&gt; Vries" in html and "<script>x" not in html

        # In English, the same table in English words.
        english = client.get(f"/app/language?lang=en&next=/app/cases/{case_id}", headers=HTML)
        assert english.status_code == 200, english.text
        assert "Points to check" in english.text and "Total of all claims" in text(english.text)


def _cents(shown: str) -> int:
    digits = re.sub(r"[^\d]", "", shown)
    return int(digits)


def _flags(overview: dict[str, Any], claim_id: str) -> list[str]:
    words = {"collection_costs_above_wik": "kosten boven WIK", "possible_duplicate": "mogelijk dubbel",
             "balance_date_differs": "andere saldodatum"}
    return [f" Let op: {words[w['code']]}" for w in overview["warnings"] if claim_id in w["claim_ids"]]


def test_another_organisations_case_is_not_found_and_nothing_of_it_is_shown(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", debtor_name="Geheime Naam")
        signed_in(client, world, "other_counsellor")
        answer = client.get(f"/app/cases/{case_id}", headers=HTML)
        assert answer.status_code == 404 and "Geheime Naam" not in answer.text
        assert "Deze zaak bestaat niet of hoort niet bij uw organisatie." in text(answer.text)
        income = {"stream-0-kind": "salary", "stream-0-amount": "100,00", "stream-0-available": "10,00",
                  "stream-0-day": "1"}
        for path, form in (("income", income), ("creditors", {"creditor": world.c2.organisation_id}),
                           ("letter", {})):
            refused = post_form(client, f"/app/cases/{case_id}/{path}", form)
            assert refused.status_code == 404, (path, refused.text)
        assert client.get(f"/v1/cases/{case_id}/income", headers=world.counsellor.headers).json() == {"streams": []}
        assert len(client.get(f"/v1/cases/{case_id}/creditors", headers=world.counsellor.headers).json()) == 1
        assert client.get(f"/v1/cases/{case_id}/debtor-links", headers=world.counsellor.headers).json() == []


def test_the_income_form_replaces_the_income_as_the_api_does_and_says_what_is_wrong(
    database_url: str, world: World,
) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        user = signed_in(client, world)
        sent = {"stream-0-kind": "salary", "stream-0-amount": "1.850,00", "stream-0-available": "250,00",
                "stream-0-day": "24",
                "stream-1-kind": "holiday_pay", "stream-1-amount": "900,00", "stream-1-available": "300,00",
                "stream-1-dates": "21-05-2027, 2028-05-19"}
        saved = post_form(client, f"/app/cases/{case_id}/income", sent)
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == f"/app/cases/{case_id}?saved=income#income"
        income = client.get(f"/v1/cases/{case_id}/income", headers=world.counsellor.headers).json()["streams"]
        assert income == [
            {"id": "salary", "kind": "salary", "label": "", "amount_cents": 185_000, "available_cents": 25_000,
             "day_of_month": 24, "every_weeks": None, "first_date": None, "dates": None},
            {"id": "holiday_pay", "kind": "holiday_pay", "label": "", "amount_cents": 90_000,
             "available_cents": 30_000, "day_of_month": None, "every_weeks": None, "first_date": None,
             "dates": ["2027-05-21", "2028-05-19"]},
        ]
        [replaced] = audit(client, world, case_id, "income.replaced")
        assert user.email in replaced["actor"]

        html = client.get(saved.headers["location"], headers=HTML).text
        assert "Het inkomen is opgeslagen." in text(html)
        assert table_rows(html, "income-table") == [
            ["salaris", "", "€ 1.850,00", "€ 250,00", "elke maand op de 24e"],
            ["vakantiegeld", "", "€ 900,00", "€ 300,00", "op 21 mei 2027, 19 mei 2028"],
        ]

        # The form shows the income as it is; changed, one removed and a weekly one added, it replaces it all.
        form = income_form(html)
        assert (form["stream-0-id"], form["stream-0-amount"], form["stream-0-day"]) == ("salary", "1850,00", "24")
        assert form["stream-1-dates"] == "21-05-2027, 19-05-2028" and form["stream-2-amount"] == ""
        form.update({"stream-0-available": "275,50", "stream-1-remove": "1", "stream-2-kind": "other",
                     "stream-2-label": "Alimentatie <i>", "stream-2-amount": "120,00", "stream-2-available": "20,00",
                     "stream-2-weeks": "4", "stream-2-first": "2026-12-04"})
        assert post_form(client, f"/app/cases/{case_id}/income", form).status_code == 303
        income = client.get(f"/v1/cases/{case_id}/income", headers=world.counsellor.headers).json()["streams"]
        assert [(s["id"], s["kind"], s["label"], s["available_cents"], s["every_weeks"], s["first_date"])
                for s in income] == [("salary", "salary", "", 27_550, None, None),
                                     ("other", "other", "Alimentatie <i>", 2_000, 4, "2026-12-04")]
        shown = client.get(f"/app/cases/{case_id}", headers=HTML).text
        assert "Alimentatie &lt;i&gt;" in shown and "Alimentatie <i>" not in shown, "a label is text, not markup"

        # What is wrong is said beside the field, and nothing changes.
        wrong = {"stream-0-kind": "salary", "stream-0-amount": "veel", "stream-0-available": "10,00",
                 "stream-0-day": "24",
                 "stream-1-kind": "benefit", "stream-1-amount": "100,00", "stream-1-available": "200,00",
                 "stream-1-day": "1",
                 "stream-2-kind": "benefit", "stream-2-amount": "100,00", "stream-2-available": "20,00",
                 "stream-2-day": "1", "stream-2-dates": "01-01-2027"}
        refused = post_form(client, f"/app/cases/{case_id}/income", wrong)
        assert refused.status_code == 422, refused.text
        said = refused.text
        assert re.search(r'id="stream-0-amount-error">Vul een bedrag in', said)
        assert 'id="stream-0-amount" name="stream-0-amount" type="text" value="veel"' in said
        assert re.search(r'id="stream-1-schedule-error">Beschikbaar voor aflossing kan niet meer zijn', said)
        assert re.search(r'id="stream-2-schedule-error">Kies één schema', said)
        assert 'aria-invalid="true" aria-describedby="stream-0-amount-error"' in said
        after = client.get(f"/v1/cases/{case_id}/income", headers=world.counsellor.headers).json()["streams"]
        assert after == income

        # Without the page's CSRF token the form is refused and nothing changes.
        forged = client.post(f"/app/cases/{case_id}/income", data=sent, headers=HTML, follow_redirects=False)
        assert forged.status_code == 403
        assert client.get(f"/v1/cases/{case_id}/income", headers=world.counsellor.headers).json()["streams"] == income


def test_a_creditor_is_invited_and_its_claim_registered_from_its_letter_as_its_own(
    database_url: str, world: World,
) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world)
        user = signed_in(client, world)
        html = page(client, case_id).text
        assert "Er zijn nog geen schuldeisers uitgenodigd." in text(html) and "Nodig eerst een schuldeiser uit." in html
        assert f'<option value="{world.c1.organisation_id}">Zilverzorg</option>' in html

        invited = post_form(client, f"/app/cases/{case_id}/creditors",
                            {"creditor": world.c1.organisation_id, "message": "Graag uw saldo per 1 november."})
        assert invited.status_code == 303, invited.text
        [creditor] = client.get(f"/v1/cases/{case_id}/creditors", headers=world.counsellor.headers).json()
        assert (creditor["organisation_id"], creditor["message"]) == (world.c1.organisation_id,
                                                                     "Graag uw saldo per 1 november.")
        html = client.get(invited.headers["location"], headers=HTML).text
        assert "Zilverzorg is uitgenodigd en gevraagd om het saldo per de peildatum." in text(html)
        assert table_rows(html, "creditors-table")[0][:2] == ["Zilverzorg", "1 november 2026"]
        again = post_form(client, f"/app/cases/{case_id}/creditors", {"creditor": world.c1.organisation_id})
        assert "Zilverzorg was al uitgenodigd." in text(client.get(again.headers["location"], headers=HTML).text)

        letter = {"creditor": world.c1.organisation_id, "creditor_reference": "ZZ-2026-17", "principal": "1.234,56",
                  "interest": "12,30", "costs": "", "claim_class": "concurrent", "debt_type": "zorg",
                  "iban": "NL91 ABNA 0417 1643 00", "payment_reference": "Polis 4471", "arose_on": "15-01-2026",
                  "balance_date": ""}
        registered = post_form(client, f"/app/cases/{case_id}/claims", letter)
        assert registered.status_code == 303, registered.text
        [claim] = client.get(f"/v1/cases/{case_id}/claims", headers=world.counsellor.headers).json()
        assert (claim["organisation_id"], claim["creditor_reference"], claim["principal_cents"],
                claim["interest_cents"], claim["costs_cents"], claim["debt_type"], claim["iban"],
                claim["arose_on"], claim["balance_date"]) == (world.c1.organisation_id, "ZZ-2026-17", 123_456, 1_230,
                                                              0, "zorg", "NL91ABNA0417164300", "2026-01-15",
                                                              "2026-11-01")
        # The creditor's own claim: it sees it with its key and may correct it; the trail says who typed it.
        own = client.get(f"/v1/cases/{case_id}/claims", headers=world.c1.headers).json()
        assert [c["id"] for c in own] == [claim["id"]]
        [trail] = audit(client, world, case_id, "claim.registered")
        assert trail["organisation_id"] == world.c1.organisation_id
        assert trail["actor"].startswith("Zilverzorg (registered by") and user.email in trail["actor"]
        html = client.get(registered.headers["location"], headers=HTML).text
        assert "De vordering ZZ-2026-17 van Zilverzorg is geregistreerd." in text(html)
        assert table_rows(html, "claims-table")[0][:4] == ["Zilverzorg", "ZZ-2026-17", "concurrent", "€ 1.234,56"]

        # A creditor that was not invited, a bad IBAN, a claim that owes nothing: refused, nothing registered.
        outsider = post_form(client, f"/app/cases/{case_id}/claims", {**letter, "creditor": world.c3.organisation_id})
        assert outsider.status_code == 422 and "Kies een uitgenodigde schuldeiser." in outsider.text
        bad_iban = post_form(client, f"/app/cases/{case_id}/claims", {**letter, "iban": "NL00 FOUT"})
        assert bad_iban.status_code == 422 and re.search(r'id="iban-error">Vul een geldig IBAN in', bad_iban.text)
        assert 'value="ZZ-2026-17"' in bad_iban.text, "the form keeps what was typed"
        nothing = post_form(client, f"/app/cases/{case_id}/claims", {**letter, "principal": "0", "interest": "0"})
        assert nothing.status_code == 422
        assert re.search(r'id="principal-error">Hoofdsom, rente en kosten zijn samen nul', nothing.text)
        assert len(client.get(f"/v1/cases/{case_id}/claims", headers=world.counsellor.headers).json()) == 1


def test_installments_arrears_and_messages_are_the_money_in_and_messages_apis(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        counsellor = world.counsellor.headers
        case_id, claim = recent_plan_case(client, world, "ARR-1")
        listed = client.get(f"/v1/cases/{case_id}/installments", headers=counsellor).json()
        first = listed["installments"][0]
        assert receipt(client, counsellor, case_id, claim["id"], first["amount_cents"] // 2).status_code == 201
        contact = {"channel": "email", "address": "jan@example.nl", "consent_source": "intake form, signed"}
        assert client.put(f"/v1/cases/{case_id}/contacts", json=contact, headers=counsellor).status_code == 200
        written = client.post(f"/v1/cases/{case_id}/messages", json={"text": "Bel me even."}, headers=counsellor)
        assert written.status_code == 201, written.text
        listed = client.get(f"/v1/cases/{case_id}/installments", headers=counsellor).json()
        messages = client.get(f"/v1/cases/{case_id}/messages", headers=counsellor).json()
        signed_in(client, world)
        html = page(client, case_id).text
        words = {"scheduled": "gepland", "paid": "betaald", "partly_paid": "deels betaald", "overdue": "achterstallig"}
        assert table_rows(html, "installments-table") == [
            [format_date(dt.date.fromisoformat(i["date"]), "d MMMM y", locale="nl_NL"),
             "Zilverzorg", "ARR-1-C1", euros(i["amount_cents"]), euros(i["received_cents"]), words[i["status"]]]
            for i in listed["installments"]
        ]
        assert listed["arrears"]["cents"] > 0 and {"overdue", "partly_paid"} & {i["status"] for i in
                                                                              listed["installments"]}
        arrears = text(html[html.index('<p id="arrears"'):].split("</p>")[0])
        assert arrears == (f"Achterstand: {euros(listed['arrears']['cents'])} over "
                           f"{listed['arrears']['dates_behind']} betaaldatum(s)")
        suggestion = f"{listed['arrears']['dates_behind']} betaaldatums lopen achter"
        assert listed["suggest_failure"] and suggestion in text(html), "as the API suggests ending the plan"
        kinds = {"free": "eigen bericht", "plan_active": "regeling gestart"}
        shown = table_rows(html, "messages-table")
        assert [(row[1], row[2], row[3]) for row in shown] == [
            (kinds.get(m["kind"], m["kind"]), "e-mail", "gepland") for m in messages]
        assert any(m["kind"] == "free" for m in messages)

        # A closed case only answers reads: no forms, and a form sent anyway is the service's 409, in words.
        closed = client.post(f"/v1/cases/{case_id}/close", json={"state": "failed", "reason": "verhuisd"},
                             headers=counsellor)
        assert closed.status_code == 200, closed.text
        html = page(client, case_id).text
        assert 'id="income-form"' not in html and 'id="letter-form"' not in html and suggestion not in text(html)
        assert "Het dossier is gesloten: de achterstand vraagt niets meer." in text(html)
        late = post_form(client, f"/app/cases/{case_id}/income", {"stream-0-kind": "salary", "stream-0-amount": "1,00",
                                                                  "stream-0-available": "1,00", "stream-0-day": "1"})
        assert late.status_code == 409
        assert "Niet gelukt: het dossier is mislukt. Er kan niets meer veranderen." in text(late.text)


def test_the_debtor_letter_makes_a_link_whose_qr_code_opens_the_debtors_page(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", debtor_name="Fatma Yılmaz", reference="BR-7")
        signed_in(client, world)
        assert "Werkende links: 0." in text(page(client, case_id).text)
        letter = post_form(client, f"/app/cases/{case_id}/letter", {"letter_lang": "nl"})
        assert letter.status_code == 200, letter.text
        assert letter.headers["cache-control"] == "no-store"
        html = letter.text
        url = text(html[html.index('id="letter-url"'):].split(">", 1)[1].split("</span>")[0])
        assert re.fullmatch(r"http://[^/]+/debtor\?token=[A-Za-z0-9_\-]+", url), url
        assert svg_qr_text(html) == url
        [link] = client.get(f"/v1/cases/{case_id}/debtor-links", headers=world.counsellor.headers).json()
        opened = urlsplit(url)
        debtor_page = client.get(f"{opened.path}?{opened.query}", headers=HTML)
        assert debtor_page.status_code == 200 and "Fatma Yılmaz" in debtor_page.text
        expires = format_date(dt.datetime.fromisoformat(link["expires_at"]).astimezone(AMSTERDAM).date(),
                              "d MMMM y", locale="nl_NL")
        words = text(html[html.index('id="letter"'):])
        assert "Aan Fatma Yılmaz" in words and "Dossier BR-7" in words and "Schuldhulp Noord helpt u" in words
        assert f"De link werkt tot {expires}." in words
        assert "@media print" in html and "@page" in html, "a print stylesheet: the letter alone on A4"
        body = words.split("Beste Fatma Yılmaz,", 1)[1].replace(url, "")
        textstat.set_lang("nl")
        try:
            assert textstat.flesch_reading_ease(body) >= 60, body  # B1, as the debtor's messages (Flesch-Douma)
        finally:
            textstat.set_lang("en")
        assert "Werkende links: 1." in text(page(client, case_id).text)

        english = post_form(client, f"/app/cases/{case_id}/letter", {"letter_lang": "en"})
        assert "Your payment schedule is online" in english.text and svg_qr_text(english.text).endswith("&lang=en")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_state_status_and_kind_the_page_shows_has_words_in_both_languages(lang: str) -> None:
    wanted = [f"{prefix}_{member.value}" for prefix, kind in (
        ("state", CaseState), ("msg", MessageStatus), ("kind", MessageKind), ("channel", Channel),
        ("inst", InstallmentStatus), ("kind", IncomeKind), ("debt", DebtType), ("class", ClaimClass))
        for member in kind]
    assert [key for key in wanted if not CASE_TEXTS[lang].get(key)] == []
    assert CASE_TEXTS["nl"].keys() == CASE_TEXTS["en"].keys()


def test_a_claim_after_the_claims_deadline_is_refused_in_words_as_the_api_refuses_it(
    database_url: str, world: World,
) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1", claims_deadline="2026-11-15")
        by_api = client.post(f"/v1/cases/{case_id}/claims", json=claim_body("ZZ-1", 10_000), headers=world.c1.headers)
        assert by_api.status_code == 409, by_api.text
        signed_in(client, world)
        letter = {"creditor": world.c1.organisation_id, "creditor_reference": "ZZ-1", "principal": "100,00",
                  "iban": "NL91ABNA0417164300", "payment_reference": "Polis 4471", "arose_on": "15-01-2026",
                  "claim_class": "concurrent", "debt_type": "overig"}
        late = post_form(client, f"/app/cases/{case_id}/claims", letter)
        assert late.status_code == 409
        assert "Niet gelukt: de uiterste datum voor vorderingen was 15 november 2026." in text(late.text)
        assert client.get(f"/v1/cases/{case_id}/claims", headers=world.counsellor.headers).json() == []
