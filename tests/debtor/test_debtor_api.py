"""Debtor links and the debtor's schedule through the API, on SQLite and PostgreSQL.

The numbers the debtor gets (JSON, calendar, QR codes) are checked against the plan version the
counsellor sees and the claims the creditors registered: the same cents, the same accounts.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

from sqlalchemy import create_engine, update

from debt_coord.debtor.models import DebtorLink
from debt_coord.kernel.clock import today
from debt_coord.kernel.database import sync_url
from tests.api.test_authorization import EXPECTED, app_routes
from tests.debtor.checks import calendar_events, cents, page_qr_payloads
from tests.debtor.flow import CLAIMS, CREDITORS, EXTRA, debtor_link, planned_case
from tests.negotiation.flow import ask_for_plan
from tests.support import World, api_client, build_world

HTML = {"Accept": "text/html"}
DEBTOR_ROUTES = {("GET", "/debtor"), ("GET", "/v1/debtor/schedule"), ("GET", "/v1/debtor/schedule.ics"),
                 ("GET", "/v1/debtor/opt-out"), ("POST", "/v1/debtor/opt-out")}
"""What a debtor token opens: its schedule, and the stop link of its messages (tests/messages/test_contacts_api.py)."""


def expected_dates(client: Any, world: World, plan_id: str) -> dict[str, list[tuple[str, int, str, str]]]:
    """Per payment date, (creditor, cents, IBAN, reference) as the counsellor's view of the plan and the claims say."""
    plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
    claims = {c["id"]: c for c in client.get(f"/v1/cases/{plan['case_id']}/claims",
                                             headers=world.counsellor.headers).json()}
    names = {c["id"]: c["creditor"] for c in plan["request"]["claims"]}
    dates: dict[str, list[tuple[str, int, str, str]]] = {}
    for payment in plan["proposal"]["payments"]:
        claim = claims[payment["claim_id"]]
        dates.setdefault(payment["date"], []).append(
            (names[payment["claim_id"]], payment["amount_cents"], claim["iban"], claim["payment_reference"]))
    return dict(sorted(dates.items()))


def copy_fields(html: str) -> list[tuple[str, int, str]]:
    """(IBAN, cents, reference) of each transfer card in the list of all payments: the text a debtor copies into a
    banking app on the same phone, read as the app would take it pasted."""
    listed = html[html.index('id="all-heading"'):]
    texts = [unescape(re.sub(r"<[^>]+>", "", t)) for t in re.findall(r'<span class="copy">(.*?)</span>', listed)]
    return [(iban.replace(" ", ""), cents(amount), reference)
            for iban, amount, reference in zip(texts[::3], texts[1::3], texts[2::3], strict=True)]


def set_expiry(database_url: str, link_id: str, when: dt.datetime) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(update(DebtorLink).where(DebtorLink.id == __import__("uuid").UUID(link_id))
                               .values(expires_at=when))
    finally:
        engine.dispose()


def test_the_debtor_link_opens_the_active_plan_as_json_calendar_and_page_with_payable_qr_codes(
    database_url: str,
) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id, plan_id = planned_case(client, world, activate=True)
        link = debtor_link(client, world, case_id, valid_days=30)
        assert link["token"].startswith("dtl_") and link["revoked_at"] is None
        assert link["page_url"].endswith(f"/debtor?token={link['token']}")
        expected = expected_dates(client, world, plan_id)

        # JSON: per date the total and the transfers, exactly the plan's payments and the claims' accounts.
        answer = client.get("/v1/debtor/schedule", params={"token": link["token"]})
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        schedule = answer.json()
        assert schedule == client.get("/v1/debtor/schedule",
                                      headers={"Authorization": f"Bearer {link['token']}"}).json()
        assert schedule["debtor_name"] == "Jan de Vries"
        assert schedule["plan"]["status"] == "active" and schedule["plan"]["number"] == 1
        assert [d["date"] for d in schedule["dates"]] == list(expected)
        for date in schedule["dates"]:
            got = [(p["creditor"], p["amount_cents"], p["iban"], p["payment_reference"]) for p in date["payments"]]
            assert sorted(got) == sorted(expected[date["date"]])
            assert date["total_cents"] == sum(p["amount_cents"] for p in date["payments"])
        owed = sum(c["principal_cents"] + c["interest_cents"] + c["costs_cents"] for c in CLAIMS.values())
        paid = sum(amount for lines in expected.values() for _, amount, _, _ in lines)
        plan = schedule["plan"]
        assert (plan["owed_cents"], plan["paid_cents"], plan["left_cents"]) == (owed, paid, owed - paid)
        assert schedule["dates"][-1]["left_cents"] == owed - paid
        assert plan["end_date"] == schedule["dates"][-1]["date"]
        assert schedule["next_payment_date"] == min(d for d in expected if d >= today().isoformat())
        assert {c["creditor"] for c in schedule["creditors"]} == {world.parties[h].name for h in CREDITORS}
        for creditor in schedule["creditors"]:
            points = creditor["after_each_payment"]
            assert points and points[-1]["left_cents"] == creditor["left_cents"]
            assert creditor["owed_cents"] - sum(p["paid_cents"] for p in points) == creditor["left_cents"]
        assert schedule["counsellor"]["name"] == "Schuldhulp Noord"

        # Calendar: one event per payment date, same dates and totals, a reminder the evening before.
        feed = client.get("/v1/debtor/schedule.ics", params={"token": link["token"]})
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
        events = calendar_events(feed.content)
        assert [e["date"] for e in events] == [dt.date.fromisoformat(d) for d in expected]
        for event, date in zip(events, schedule["dates"], strict=True):
            assert cents(str(event["summary"])) == date["total_cents"]
            amounts = [cents(m) for m in re.findall(r"€\s?[\d.]+,\d{2}", str(event["description"]))]
            assert amounts == [date["total_cents"], *(p["amount_cents"] for p in date["payments"])]
            assert event["alarm"] == -dt.timedelta(hours=5)  # all-day event: 19:00 the evening before
            assert event["uid"] == f"debt-coord-{case_id}-payment-{date['number']}@debt-coord"
        assert len({e["uid"] for e in events}) == len(events)

        # Page: every transfer has an EPC QR code that pays the right account, amount and reference.
        page = client.get("/debtor", params={"token": link["token"]}, headers=HTML)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
        decoded = page_qr_payloads(page.text)
        transfers = [p for d in schedule["dates"] for p in d["payments"]]
        next_date = next(d for d in schedule["dates"] if d["date"] == schedule["next_payment_date"])
        others = [p for d in schedule["dates"] if d is not next_date for p in d["payments"]]
        assert len(decoded) == len(transfers)  # each transfer's QR code once: the next payment's first
        # Beside each QR code the account, amount and reference as text to copy into a banking app on the same phone.
        assert copy_fields(page.text) == [(p["iban"], p["amount_cents"], p["payment_reference"]) for p in transfers]
        for qr, transfer in zip(decoded, [*next_date["payments"], *others], strict=True):
            assert (qr.name, qr.iban, qr.amount_cents) == (transfer["creditor"], transfer["iban"],
                                                           transfer["amount_cents"])
            if transfer["payment_reference"].startswith("RF"):
                assert (qr.reference, qr.text) == (transfer["payment_reference"], "")
            else:
                assert (qr.reference, qr.text) == ("", transfer["payment_reference"])

        # Revoked: the same clear 404 everywhere, with nobody's data in it.
        assert [x["id"] for x in client.get(f"/v1/cases/{case_id}/debtor-links",
                                            headers=world.counsellor.headers).json()] == [link["id"]]
        revoked = client.delete(f"/v1/cases/{case_id}/debtor-links/{link['id']}", headers=world.counsellor.headers)
        assert revoked.status_code == 204
        assert client.delete(f"/v1/cases/{case_id}/debtor-links/{link['id']}",
                             headers=world.counsellor.headers).status_code == 204  # again: no change
        for path in ("/v1/debtor/schedule", "/v1/debtor/schedule.ics", "/debtor"):
            gone = client.get(path, params={"token": link["token"]})
            assert gone.status_code == 404 and gone.headers["content-type"].startswith("application/problem+json")
        gone_page = client.get("/debtor", params={"token": link["token"]}, headers=HTML)
        assert gone_page.status_code == 404 and "Deze link werkt niet" in gone_page.text
        assert not any(name in gone_page.text for name in ("Jan de Vries", "Zilverzorg", "Schuldhulp Noord"))
        listed = client.get(f"/v1/cases/{case_id}/debtor-links", headers=world.counsellor.headers).json()
        assert listed[0]["revoked_at"] is not None

        trail = client.get(f"/v1/cases/{case_id}/audit", headers=world.counsellor.headers).json()
        link_events = [(e["action"], e["target_id"]) for e in trail if e["action"].startswith("debtor_link.")]
        assert link_events == [("debtor_link.created", link["id"]), ("debtor_link.revoked", link["id"])]


def test_an_expired_link_is_answered_like_an_unknown_one(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=False, months=6)
        link = debtor_link(client, world, case_id, valid_days=1)
        assert client.get("/v1/debtor/schedule", params={"token": link["token"]}).status_code == 200
        set_expiry(database_url, link["id"], dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        expired = client.get("/v1/debtor/schedule", params={"token": link["token"]})
        unknown = client.get("/v1/debtor/schedule", params={"token": link["token"] + "x"})
        assert expired.status_code == unknown.status_code == 404
        assert expired.json() == unknown.json()
        page = client.get("/debtor", params={"token": link["token"]}, headers=HTML)
        assert page.status_code == 404 and "Jan de Vries" not in page.text


def test_a_debtor_token_opens_its_own_schedule_and_no_other_route(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=False, months=6)
        other_case, _ = planned_case(client, world, activate=False, months=6, reference="2026-0002",
                                     debtor_name="Anouk Jansen")
        mine = debtor_link(client, world, case_id)["token"]
        theirs = debtor_link(client, world, other_case)["token"]
        seen = {token: client.get("/v1/debtor/schedule", params={"token": token}).json()["debtor_name"]
                for token in (mine, theirs)}
        assert seen == {mine: "Jan de Vries", theirs: "Anouk Jansen"}  # each link, its own case

        bearer = {"Authorization": f"Bearer {mine}"}
        wrong = []
        for method, path in sorted(app_routes() - DEBTOR_ROUTES):
            if path in ("/", "/health", "/ready", "/app/static/{file_path}"):  # public, for anybody: no case data
                continue
            url = re.sub(r"\{\w+\}", case_id, path)
            answer = client.request(method, url, headers=bearer, json={} if method in ("POST", "PUT", "PATCH")
                                    else None, follow_redirects=False)
            # To every other route it is a key that does not work: what the contract gives a revoked key (401; 404 where
            # a token of another kind is the key: /metrics without its own token, a creditor link's page; 403 for a
            # page form without its CSRF token)
            if answer.status_code != EXPECTED[(method, path)]["revoked"]:
                wrong.append(f"{method} {path}: {answer.status_code}")
        assert not wrong, "a debtor token opened an API route:\n" + "\n".join(wrong)
        # and an API key never opens the debtor's schedule, whatever its role
        for handle in ("admin", "counsellor", "c1"):
            key = world.parties[handle].key
            assert client.get("/v1/debtor/schedule", params={"token": key}).status_code == 404
            assert client.get("/v1/debtor/schedule", headers=world.parties[handle].headers).status_code == 404


def test_which_plan_the_debtor_sees_none_yet_then_the_proposal_and_a_re_plan_updates_calendar_events(
    database_url: str,
) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id, first = planned_case(client, world, activate=False, months=12)
        link = debtor_link(client, world, case_id)
        token = {"token": link["token"]}
        proposed = client.get("/v1/debtor/schedule", params=token).json()
        assert proposed["plan"]["status"] == "proposed" and proposed["plan"]["number"] == 1
        page = client.get("/debtor", params=token, headers=HTML).text
        assert "Dit is nog een voorstel" in page and "Betaal nog niets" in page
        assert page_qr_payloads(page) == []  # no QR codes before the creditors agreed
        first_events = calendar_events(client.get("/v1/debtor/schedule.ics", params=token).content)

        # A new draft does not replace the proposal on the debtor's page until it is proposed itself.
        second = ask_for_plan(client, world, case_id, time_limit_seconds=5, months=6)
        now = client.get("/v1/debtor/schedule", params=token)
        assert now.status_code == 404 and "no schedule yet" in now.json()["detail"]  # v1 superseded, v2 a draft
        assert "Er is nog geen betaalschema" in client.get("/debtor", params=token, headers=HTML).text
        assert client.post(f"/v1/plans/{second}/propose", json={}, headers=world.counsellor.headers).is_success
        replanned = client.get("/v1/debtor/schedule", params=token).json()
        assert replanned["plan"]["number"] == 2 and first != second

        # The same UIDs for the n-th payment date, a higher SEQUENCE; dates the new plan no longer has are cancelled.
        events = calendar_events(client.get("/v1/debtor/schedule.ics", params=token).content)
        live = [e for e in events if e["status"] != "CANCELLED"]
        cancelled = [e for e in events if e["status"] == "CANCELLED"]
        assert [e["date"] for e in live] == [dt.date.fromisoformat(d["date"]) for d in replanned["dates"]]
        assert len(live) < len(first_events)
        assert [e["uid"] for e in live + cancelled] == [e["uid"] for e in first_events]
        assert {e["sequence"] for e in events} == {2} and {e["sequence"] for e in first_events} == {1}


def test_no_schedule_yet_and_bad_input_are_clear_problems(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case = client.post("/v1/cases", json={"reference": "LEEG-1", "debtor_name": "Fatima El Amrani",
                                              "debtor_contact_channel": "sms", "debtor_contact": "0612345678",
                                              "currency": "EUR", "country": "NL"},
                           headers=world.counsellor.headers)
        case_id = case.json()["id"]
        link = debtor_link(client, world, case_id)
        none_yet = client.get("/v1/debtor/schedule", params={"token": link["token"]})
        assert none_yet.status_code == 404 and "no schedule yet" in none_yet.json()["detail"]
        assert client.get("/v1/debtor/schedule.ics", params={"token": link["token"]}).status_code == 404
        page = client.get("/debtor", params={"token": link["token"]}, headers=HTML)
        assert page.status_code == 200 and "Er is nog geen betaalschema" in page.text
        assert "Schuldhulp Noord" in page.text  # who to ask
        english = client.get("/debtor", params={"token": link["token"], "lang": "en"}, headers=HTML)
        assert '<html lang="en">' in english.text and "There is no payment schedule yet" in english.text
        missing = client.get("/v1/debtor/schedule")
        assert missing.status_code == 401 and "bearer" in missing.headers["www-authenticate"].lower()

        for bad in (0, 5000, "30", True, 1.5):
            answer = client.post(f"/v1/cases/{case_id}/debtor-links", json={"valid_days": bad},
                                 headers=world.counsellor.headers)
            assert answer.status_code == 422, (bad, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert [e["pointer"] for e in answer.json()["errors"]] == ["/valid_days"]
        extra = client.post(f"/v1/cases/{case_id}/debtor-links", json={"token": "mine"},
                            headers=world.counsellor.headers)
        assert extra.status_code == 422
        other = client.post(f"/v1/cases/{case_id}/debtor-links", json={}, headers=world.other_counsellor.headers)
        assert other.status_code == 404
        unknown = client.delete(f"/v1/cases/{case_id}/debtor-links/{world.c1.organisation_id}",
                                headers=world.counsellor.headers)
        assert unknown.status_code == 404
        listed = client.get(f"/v1/cases/{case_id}/debtor-links", headers=world.counsellor.headers).json()
        assert len(listed) == 1 and "token" not in listed[0]


def test_the_debtor_is_told_what_to_put_aside_for_a_later_payment_in_json_and_on_the_page(database_url: str) -> None:
    """The holiday pay of May pays creditors over the months after it: the page says, under the payment dates
    that keep money back, how much to put aside and for which date, as the plan's own figures say."""
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id, plan_id = planned_case(client, world, activate=True)
        link = debtor_link(client, world, case_id)
        plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
        kept = {d["date"]: (d["kept_back_cents"], d["kept_for"]) for d in plan["proposal"]["dates"]}
        schedule = client.get("/v1/debtor/schedule", params={"token": link["token"]}).json()
        keeping = [d for d in schedule["dates"] if d["keep_cents"] > 0]
        assert keeping, "this plan keeps money back"
        for date in schedule["dates"]:
            assert (date["keep_cents"], date["keep_for"]) == kept[date["date"]]
            assert bool(date["keep_text"]) == (date["keep_cents"] > 0)
        first = keeping[0]
        assert first["keep_text"].startswith("Zet na deze betaling €")
        later = dt.date.fromisoformat(first["keep_for"])
        assert f"{later.day} " in first["keep_text"] and str(later.year) in first["keep_text"]
        in_english = client.get("/v1/debtor/schedule", params={"token": link["token"], "lang": "en"}).json()
        assert in_english["dates"][first["number"] - 1]["keep_text"].startswith("After this payment, put ")

        page = client.get("/debtor", params={"token": link["token"]}, headers=HTML).text
        block = page[page.index(f'id="betaling-{first["number"]}"'):]
        after = f'id="betaling-{first["number"] + 1}"'
        block = block[:block.index(after)] if after in block else block[:block.index("</ol>")]
        assert f'data-cents="{first["keep_cents"]}"' in block
        assert unescape(first["keep_text"]) in unescape(re.sub(r"<[^>]+>", "", page))
