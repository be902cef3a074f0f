"""A small creditor answers through its link's page, on SQLite and PostgreSQL, through the real app.

What the page shows is checked against the counsellor's view of the plan; what the form does is checked
through the API (the decision, its audit row, its webhook), as the counsellor would see it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date
from litestar.testing import TestClient

from solver.money import format_money
from tests.creditor_links.flow import creditor_link, open_page, submit, table_rows, text
from tests.debtor.flow import CLAIMS, EXTRA, planned_case
from tests.negotiation.flow import ask_for_plan
from tests.support import World, api_client, build_world

WEBHOOK = {"url": "http://127.0.0.1:9/counsellor", "events": ["decision.recorded"]}  # refused at once: stays


def euros(cents: int) -> str:
    """As the page's words read (a non-breaking space read as a space)."""
    return " ".join(format_money(cents, "EUR", "nl_NL").split())


def counsellor_view(client: TestClient[Any], world: World, plan_id: str, handle: str) -> dict[str, Any]:
    plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
    org = world.parties[handle].organisation_id
    [line] = [a for a in plan["allocations"] if a["organisation_id"] == org]
    claims = {c["id"] for c in plan["request"]["claims"] if c["creditor"] == line["creditor"]}
    payments = sorted((p["date"], p["amount_cents"]) for p in plan["proposal"]["payments"] if p["claim_id"] in claims)
    return {"plan": plan, "line": line, "payments": payments}


def test_a_creditor_sees_its_own_allocation_counters_through_the_form_and_a_replan_closes_the_link(
    database_url: str,
) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        hook = client.post("/v1/webhooks", json=WEBHOOK, headers=world.counsellor.headers)
        assert hook.status_code == 201, hook.text
        case_id, plan_id = planned_case(client, world, activate=False, months=12)
        issued = creditor_link(client, world, plan_id, "c6")  # Woonstichting Zes, the landlord
        assert issued["page_url"].endswith(f"/creditor?token={issued['token']}")

        opened = open_page(client, issued["token"])
        assert opened.status_code == 200 and opened.headers["content-type"].startswith("text/html")
        assert opened.headers["cache-control"] == "no-store" and "csrftoken" in opened.cookies
        page = opened.text
        seen = counsellor_view(client, world, plan_id, "c6")
        line = seen["line"]
        words = text(page)
        assert "Voor Woonstichting Zes" in words
        assert f"U vordert {euros(line['outstanding_cents'])}" in words
        assert f"U krijgt in totaal {euros(line['paid_cents'])}" in words
        percent = f"{line['paid_bp'] / 100:.1f}".rstrip("0").rstrip(".").replace(".", ",")
        assert f"Dat is {percent}% van uw vordering" in words
        expected = [[format_date(dt.date.fromisoformat(d), "d MMMM y", locale="nl_NL").replace("\xa0", " "), euros(c)]
                    for d, c in seen["payments"]]
        assert table_rows(page, "own-payments-table") == expected and expected
        deadline = dt.date.fromisoformat(seen["plan"]["response_deadline"])
        assert f"Geef uw antwoord vóór {format_date(deadline, 'd MMMM y', locale='nl_NL')}" in words
        # everyone's totals, as the counsellor's allocations say; nobody's account or payment reference
        everyone = [[row[0].removesuffix(" (u)"), row[1], row[2]] for row in table_rows(page, "all-table")[:-1]]
        assert everyone == [[a["creditor"], euros(a["outstanding_cents"]), euros(a["paid_cents"])]
                            for a in seen["plan"]["allocations"]]
        for claim in CLAIMS.values():
            assert claim["iban"] not in page and claim["payment_reference"] not in page

        countered = submit(client, page, "counter", min_payment="75,00", latest_end_date="2027-12-31",
                           reason="De huur gaat voor")
        assert countered.status_code == 200, countered.text
        assert "Uw tegenvoorstel is opgeslagen" in text(countered.text)
        assert "U heeft een tegenvoorstel gedaan." in text(countered.text)

        # The counsellor sees the same decision as one made through the API, with its audit row and webhook.
        [decision] = client.get(f"/v1/plans/{plan_id}/decisions", headers=world.counsellor.headers).json()
        assert decision["organisation_id"] == world.c6.organisation_id and decision["kind"] == "counter"
        assert decision["counter"] == {"min_payment_cents": 7_500, "latest_end_date": "2027-12-31"}
        assert decision["reason"] == "De huur gaat voor" and decision["automatic"] is False
        trail = client.get(f"/v1/cases/{case_id}/audit", params={"action": "decision.recorded"},
                           headers=world.counsellor.headers).json()
        assert [(e["actor"], e["organisation_id"], e["target_id"]) for e in trail] == [
            ("Woonstichting Zes (creditor link)", world.c6.organisation_id, decision["id"])]
        deliveries = client.get(f"/v1/webhooks/{hook.json()['id']}/deliveries",
                                headers=world.counsellor.headers).json()
        assert [(d["event_type"], d["payload"]["data"]["creditor_organisation_id"], d["payload"]["data"]["decision"])
                for d in deliveries] == [("decision.recorded", world.c6.organisation_id, "counter")]

        # The counsellor re-plans with the counter: the link's version is replaced, and the page says so.
        second = ask_for_plan(client, world, case_id, time_limit_seconds=5, months=12, apply_counters=True)
        again = open_page(client, issued["token"])
        assert again.status_code == 200
        assert "Dit voorstel is vervangen door een nieuw voorstel" in text(again.text)
        assert 'id="accept-form"' not in again.text  # nothing left to answer on it
        late = submit(client, page, "accept")  # the form still open in another tab
        assert late.status_code == 409
        assert "Uw antwoord is niet opgeslagen. Dit voorstel is vervangen" in text(late.text)
        assert client.get(f"/v1/plans/{plan_id}/decisions", headers=world.counsellor.headers).json() == [decision]
        assert len(client.get(f"/v1/cases/{case_id}/audit", params={"action": "decision.recorded"},
                              headers=world.counsellor.headers).json()) == 1
        assert second != plan_id


def test_bad_input_is_the_form_again_with_its_error_in_words_and_english_on_request(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        _, plan_id = planned_case(client, world, activate=False, months=6)
        token = creditor_link(client, world, plan_id, "c4")["token"]
        page = open_page(client, token).text
        cases = [
            (("counter",), {"min_payment": "veel"}, "Vul een bedrag in boven nul, bijvoorbeeld 25,00."),
            (("counter",), {"min_payment": "-5"}, "Vul een bedrag in boven nul, bijvoorbeeld 25,00."),
            (("counter",), {"latest_end_date": "morgen"}, "Vul een datum in, bijvoorbeeld 31-12-2027."),
            (("counter",), {"max_transfers": "0"}, "Vul een heel getal in, 1 of meer."),
            (("counter",), {"max_transfers": "²"}, "Vul een heel getal in, 1 of meer."),
            (("counter",), {"fixed_installment": "1e400"}, "Vul een bedrag in boven nul, bijvoorbeeld 25,00."),
            (("counter",), {"fixed_installment": "NaN"}, "Vul een bedrag in boven nul, bijvoorbeeld 25,00."),
            (("counter",), {}, "Vul minstens één veld in voor uw tegenvoorstel."),
            (("reject",), {"reason": "   "}, "Schrijf op waarom u niet akkoord gaat."),
            (("reject",), {"reason": "x" * 4001}, "Deze tekst is te lang."),
            (("maybe",), {}, "Kies: akkoord, niet akkoord of een tegenvoorstel."),
        ]
        for (decision,), fields, error in cases:
            answer = submit(client, page, decision, **fields)
            assert answer.status_code == 422, (fields, answer.text[:200])
            shown = text(answer.text)
            assert error in shown and "Er klopt iets niet in het formulier" in shown, fields
            assert 'id="counter-form"' in answer.text  # the form again
        kept = submit(client, page, "counter", min_payment="veel", max_transfers="3")
        assert 'value="veel"' in kept.text and 'value="3"' in kept.text  # what was typed stays
        assert client.get(f"/v1/plans/{plan_id}/decisions", headers=world.counsellor.headers).json() == []

        english = open_page(client, token, lang="en")
        assert english.status_code == 200 and '<html lang="en">' in english.text
        assert "What you get" in english.text and "Please answer before" in text(english.text)
        assert 'action="/creditor?lang=en"' in english.text  # its forms answer in English too
        accepted = submit(client, english.text, "accept")
        assert accepted.status_code == 200 and "Thank you. Your answer is saved: you agree." in text(accepted.text)
        again = submit(client, english.text, "accept")
        assert "You had given this answer already. Nothing changed." in text(again.text)
        [decision] = client.get(f"/v1/plans/{plan_id}/decisions", headers=world.counsellor.headers).json()
        assert (decision["kind"], decision["organisation_id"]) == ("accept", world.c4.organisation_id)


def test_links_are_made_for_the_creditors_of_a_proposed_version_and_are_in_the_audit_trail(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id, plan_id = planned_case(client, world, activate=False, months=6)
        counsellor = world.counsellor.headers
        outsider = client.post(f"/v1/plans/{plan_id}/creditor-links", headers=counsellor,
                               json={"organisation_id": world.outsider.organisation_id})
        assert outsider.status_code == 422 and outsider.json()["errors"][0]["pointer"] == "/organisation_id"
        made = creditor_link(client, world, plan_id, "c2", valid_days=10)
        expires = dt.datetime.fromisoformat(made["expires_at"])
        assert dt.timedelta(days=9, hours=23) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=10)
        assert made["token"].startswith("crl_") and len(made["token"]) > 40
        gone = client.delete(f"/v1/plans/{plan_id}/creditor-links/{made['id']}", headers=counsellor)
        assert gone.status_code == 204
        draft = ask_for_plan(client, world, case_id, time_limit_seconds=5, months=6)
        for version in (draft, plan_id):  # a draft no creditor may see; a superseded version no one answers
            refused = client.post(f"/v1/plans/{version}/creditor-links", headers=counsellor,
                                  json={"organisation_id": world.c2.organisation_id})
            assert refused.status_code == 409, refused.text
        trail = client.get(f"/v1/cases/{case_id}/audit", headers=counsellor,
                           params={"action": ["creditor_link.created", "creditor_link.revoked"]}).json()
        assert [(e["action"], e["target_id"]) for e in trail] == [
            ("creditor_link.created", made["id"]), ("creditor_link.revoked", made["id"])]
        assert made["token"] not in str(trail)
