"""The counsellor's side of the debtor's messages through the API, on both databases: contacts with consent (GDPR),
validated addresses, preferences, free messages, the list, the plan's moves as messages, and the stop link."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import TestClient

from debt_coord.kernel.clock import AMSTERDAM
from tests.debtor.flow import EXTRA, debtor_link, planned_case
from tests.messages.planning_flow import EMAIL, PHONE, PHONE_E164, activate, add_contact, set_preferences
from tests.support import World, api_client, build_world, open_case_with_creditors

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url, extra_creditors=EXTRA)


def messages(client: TestClient[Any], world: World, case_id: str, **query: Any) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/cases/{case_id}/messages", params={"limit": 200, **query},
                        headers=world.counsellor.headers)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def allowed_moment(text: str) -> bool:
    here = dt.datetime.fromisoformat(text).astimezone(AMSTERDAM)
    return dt.time(8) <= here.time() < dt.time(21) and here.weekday() != 6


def test_contacts_are_validated_stored_with_their_consent_and_hidden_from_creditors(database_url: str,
                                                                                    world: World) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        consent = "2026-11-30T14:05:00+01:00"
        body = {"channel": "sms", "address": PHONE, "consent_source": "intake form, signed", "consent_at": consent}
        answer = client.put(f"/v1/cases/{case_id}/contacts", json=body, headers=world.counsellor.headers)
        assert answer.status_code == 200, answer.text
        sms = answer.json()
        assert (sms["address"], sms["consent_source"], sms["reachable"]) == (PHONE_E164, "intake form, signed", True)
        assert dt.datetime.fromisoformat(sms["consent_at"]) == dt.datetime.fromisoformat(consent)
        add_contact(client, world, case_id, "whatsapp", "+31 6 1234 5678")
        add_contact(client, world, case_id, "email", EMAIL)

        for channel, bad in (("sms", "12345"), ("whatsapp", "06 1234"), ("email", "jan at example.org"),
                             ("sms", "020 123 4567")):  # a fixed line gets no text messages
            refused = client.put(f"/v1/cases/{case_id}/contacts", headers=world.counsellor.headers,
                                 json={"channel": channel, "address": bad, "consent_source": "by phone"})
            assert refused.status_code == 422, refused.text
            assert [e["pointer"] for e in refused.json()["errors"]] == ["/address"]
        future = {**body, "consent_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()}
        refused = client.put(f"/v1/cases/{case_id}/contacts", json=future, headers=world.counsellor.headers)
        assert refused.status_code == 422, refused.text

        listed = client.get(f"/v1/cases/{case_id}/contacts", headers=world.counsellor.headers).json()
        assert [(c["channel"], c["address"]) for c in listed] == [
            ("sms", PHONE_E164), ("whatsapp", PHONE_E164), ("email", EMAIL)]
        for path in ("contacts", "messages", "message-preferences"):
            assert client.get(f"/v1/cases/{case_id}/{path}", headers=world.c1.headers).status_code == 403
        trail = client.get(f"/v1/cases/{case_id}/audit?action=message.contact_recorded",
                           headers=world.counsellor.headers).json()
        assert len(trail) == 3 and all(e["actor"].startswith(world.counsellor.name) for e in trail)
        assert PHONE_E164 not in str(trail) and EMAIL not in str(trail), "the trail keeps the consent, not the address"
        assert {e["after"]["consent_source"] for e in trail} == {"intake form, signed",
                                                                 "intake form, signed by the debtor"}


def test_preferences_have_defaults_and_are_checked(database_url: str, world: World) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        path = f"/v1/cases/{case_id}/message-preferences"
        assert client.get(path, headers=world.counsellor.headers).json() == {
            "language": "nl", "tone": "warm", "reminder_anchor": "payment_date", "reminder_time": "09:00",
            "moratorium_until": None, "moratorium_reason": ""}
        without_reason = client.put(path, json={"moratorium_until": "2027-03-31"}, headers=world.counsellor.headers)
        assert without_reason.status_code == 422
        for wrong in ("09:00:30", "9:00", "24:00", "09:00+01:00"):
            assert client.put(path, json={"reminder_time": wrong}, headers=world.counsellor.headers).status_code == 422
        assert client.put(path, json={"tone": "threatening"}, headers=world.counsellor.headers).status_code == 422
        changed = set_preferences(client, world, case_id, language="tr", reminder_anchor="income_date",
                                  reminder_time="19:00", moratorium_until="2027-03-31",
                                  moratorium_reason="breathing space")
        assert (changed["language"], changed["reminder_time"], changed["moratorium_until"]) == (
            "tr", "19:00", "2027-03-31")
        assert set_preferences(client, world, case_id, moratorium_until=None)["moratorium_reason"] == ""
        assert client.get(path, headers=world.counsellor.headers).json()["language"] == "tr"


def test_a_free_message_goes_to_every_reachable_channel_and_firm_is_never_the_first(database_url: str,
                                                                                   world: World) -> None:
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        write = f"/v1/cases/{case_id}/messages"
        nobody = client.post(write, json={"text": "Bel me even."}, headers=world.counsellor.headers)
        assert nobody.status_code == 409, "no contact with consent yet"
        add_contact(client, world, case_id, "email", EMAIL)
        add_contact(client, world, case_id, "sms", PHONE)
        too_long = client.post(write, json={"text": "Wilt u mij bellen? " * 10}, headers=world.counsellor.headers)
        assert too_long.status_code == 422 and too_long.json()["errors"][0]["pointer"] == "/text", "SMS: 3 segments"
        set_preferences(client, world, case_id, tone="firm")
        first = client.post(write, json={"text": "Bel me even."}, headers=world.counsellor.headers)
        assert first.status_code == 201, first.text
        assert sorted(m["channel"] for m in first.json()) == ["email", "sms"]
        assert {m["tone"] for m in first.json()} == {"neutral"}, "firm is never a case's first message"
        assert all(m["status"] == "planned" and allowed_moment(m["due_at"]) for m in first.json())
        second = client.post(write, json={"text": "Ik wacht op uw antwoord."}, headers=world.counsellor.headers)
        assert {m["tone"] for m in second.json()} == {"firm"}

        stopped = client.post(f"/v1/cases/{case_id}/contacts/opt-out", json={"channel": "sms"},
                              headers=world.counsellor.headers)
        assert stopped.status_code == 200 and stopped.json()["reachable"] is False
        listed = messages(client, world, case_id)
        assert [(m["channel"], m["status"]) for m in listed] == [
            ("email", "planned"), ("sms", "skipped"), ("email", "planned"), ("sms", "skipped")]
        long = {"text": "Wilt u mij bellen? " * 10}
        assert client.post(write, json=long, headers=world.counsellor.headers).status_code == 201, "e-mail only now"
        third = client.post(write, json={"text": "Tot ziens."}, headers=world.counsellor.headers)
        assert [m["channel"] for m in third.json()] == ["email"]

        page = client.get(write, params={"limit": 2}, headers=world.counsellor.headers)
        assert len(page.json()) == 2 and 'rel="next"' in page.headers["link"]
        rest = client.get(write, params={"limit": 10, "cursor": page.headers["x-next-cursor"]},
                          headers=world.counsellor.headers)
        assert len(rest.json()) == 4 and "link" not in rest.headers


def test_the_plan_s_moves_become_messages_and_the_debtor_s_stop_link_ends_a_channel(database_url: str,
                                                                                   world: World) -> None:
    with api_client(database_url) as client:
        case_id, plan_id = planned_case(client, world, activate=False, start_date="2027-01-01")
        add_contact(client, world, case_id, "email", EMAIL)
        add_contact(client, world, case_id, "sms", PHONE)
        assert messages(client, world, case_id) == [], "the proposal went out before there was a contact"
        activate(client, world, plan_id)
        activated = messages(client, world, case_id)
        assert sorted((m["kind"], m["channel"]) for m in activated) == [
            ("plan_active", "email"), ("plan_active", "sms")]
        assert all(m["amount_cents"] and m["payment_date"] and allowed_moment(m["due_at"]) for m in activated)

        # The stop link: a debtor token only; unknown tokens and API keys are one and the same 404.
        assert client.post("/v1/debtor/opt-out?channel=sms").status_code == 401
        assert client.post("/v1/debtor/opt-out?token=dtl_nothing&channel=sms").status_code == 404
        assert client.post("/v1/debtor/opt-out?channel=sms", headers=world.counsellor.headers).status_code == 404
        token = debtor_link(client, world, case_id)["token"]
        # A click opens a page with a button and changes nothing (mail scanners follow links); the button stops.
        page = client.get(f"/v1/debtor/opt-out?token={token}&channel=sms", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "<form method=\"post\"" in page.text and "sms" in page.text
        assert "form-action 'self'" in page.headers["content-security-policy"]
        assert {m["status"] for m in messages(client, world, case_id)} == {"planned"}
        assert client.get("/v1/debtor/opt-out?token=dtl_nothing", headers={"Accept": "text/html"}).status_code == 404
        for _ in range(2):  # stopping twice is the same as once
            stopped = client.post(f"/v1/debtor/opt-out?token={token}&channel=sms")
            assert stopped.status_code == 200, stopped.text
            assert stopped.json()["stopped"] == ["sms"] and PHONE_E164 not in stopped.text
        by_browser = client.post(f"/v1/debtor/opt-out?token={token}&channel=sms&lang=en",
                                 headers={"Accept": "text/html"})
        assert by_browser.status_code == 200 and "no more messages by sms" in by_browser.text
        after = {m["channel"]: m for m in messages(client, world, case_id)}
        assert (after["sms"]["status"], after["email"]["status"]) == ("skipped", "planned")
        assert "stop link" in after["sms"]["status_reason"]
        trail = client.get(f"/v1/cases/{case_id}/audit?action=message.opted_out",
                           headers=world.counsellor.headers).json()
        assert [e["actor"] for e in trail] == ["the debtor (stop link)"]

        closed = client.post(f"/v1/cases/{case_id}/close", json={"state": "withdrawn", "reason": "moved abroad"},
                             headers=world.counsellor.headers)
        assert closed.status_code == 200, closed.text
        final = {m["channel"]: m for m in messages(client, world, case_id)}
        assert final["email"]["status"] == "cancelled" and "closed" in final["email"]["status_reason"]
        assert final["sms"]["status"] == "skipped"
        refused = client.put(f"/v1/cases/{case_id}/contacts", headers=world.counsellor.headers,
                             json={"channel": "email", "address": EMAIL, "consent_source": "again"})
        assert refused.status_code == 409
