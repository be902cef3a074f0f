"""`debt-coord messages preview`: what would go out for a case at a moment, as the debtor would read it, through the
real command on both databases; it sends nothing and writes nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from babel.dates import format_date
from sqlalchemy import create_engine

from debt_coord.kernel.database import sync_url
from solver.money import format_money
from tests.debtor.flow import EXTRA
from tests.messages.planning_flow import EMAIL, PHONE_E164, payment_dates, reachable_case, set_preferences
from tests.service.test_cli_and_audit import cli
from tests.support import World, api_client, build_world, row_counts


@pytest.fixture
def world(database_url: str) -> World:
    return build_world(database_url, extra_creditors=EXTRA)


def plain(text: str) -> str:
    """SMS has no non-breaking space: compare money with ordinary spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def previewed(database_url: str, reference: str, at: str) -> list[dict[str, Any]]:
    engine = create_engine(sync_url(database_url))
    before = row_counts(engine)
    shown = cli(database_url, "messages", "preview", "--case", reference, "--at", at)
    assert shown.returncode == 0, shown.stderr
    assert row_counts(engine) == before, "a preview writes nothing"
    engine.dispose()
    found = json.loads(shown.stdout)
    assert found["case"] == reference
    messages: list[dict[str, Any]] = found["messages"]
    return messages


def test_the_preview_shows_the_reminders_due_at_that_moment_as_the_debtor_reads_them(database_url: str,
                                                                                   world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = reachable_case(client, world, reference="2026-0042")
        totals = payment_dates(client, world, case_id)
    first = min(totals)
    at_nine = f"{first.isoformat()}T09:00"

    shown = previewed(database_url, "2026-0042", at_nine)
    assert sorted((m["kind"], m["channel"]) for m in shown) == [
        ("payment_reminder", "email"), ("payment_reminder", "sms"), ("plan_active", "email"), ("plan_active", "sms")]
    reminders = {m["channel"]: m for m in shown if m["kind"] == "payment_reminder"}
    amount = format_money(totals[first], "EUR", "nl_NL")
    for channel, address in (("email", EMAIL), ("sms", PHONE_E164)):
        reminder = reminders[channel]
        assert (reminder["language"], reminder["tone"], reminder["address"]) == ("nl", "warm", address)
        assert dt.datetime.fromisoformat(reminder["due_at"]) == dt.datetime.fromisoformat(at_nine + "+01:00")
        assert reminder["goes_out"] is True and reminder["amount_cents"] == totals[first]
        assert plain(amount) in plain(reminder["text"]), reminder["text"]
        assert "/v1/debtor/opt-out" in reminder["text"] or "STOP" in reminder["text"].upper()
    assert format_date(first, "full", locale="nl_NL") in reminders["email"]["text"]
    assert reminders["email"]["subject"] and reminders["sms"]["subject"] == ""

    # A minute earlier the reminder is not due yet; the plan's news (due since activation) is.
    assert {m["kind"] for m in previewed(database_url, "2026-0042", f"{first.isoformat()}T08:59")} == {"plan_active"}


def test_the_preview_follows_the_preferences_and_shows_what_would_not_go_out(database_url: str,
                                                                          world: World) -> None:
    with api_client(database_url) as client:
        case_id, _ = reachable_case(client, world, reference="2026-0043")
        totals = payment_dates(client, world, case_id)
        first, second = sorted(totals)[:2]
        set_preferences(client, world, case_id, language="en", tone="firm", moratorium_until=first.isoformat(),
                        moratorium_reason="breathing space")
    assert [m["kind"] for m in previewed(database_url, "2026-0043", f"{first.isoformat()}T20:00")] == [
        "plan_active", "plan_active"], "no reminder in the breathing space"
    later = [m for m in previewed(database_url, "2026-0043", f"{second.isoformat()}T09:00")
             if m["kind"] == "payment_reminder"]
    assert len(later) == 2
    assert {(m["language"], m["tone"]) for m in later} == {("en", "firm")}, "not the first message: firm may be"
    assert all(plain(format_money(totals[second], "EUR", "en")) in plain(m["text"]) for m in later)


def test_a_case_without_contacts_is_previewed_on_every_channel_as_not_going_out(database_url: str,
                                                                              world: World) -> None:
    with api_client(database_url) as client:
        from tests.debtor.flow import planned_case

        case_id, _ = planned_case(client, world, activate=True, reference="2026-0044", start_date="2027-01-01")
        first = min(payment_dates(client, world, case_id))
    shown = previewed(database_url, "2026-0044", f"{first.isoformat()}T09:00")
    assert sorted(m["channel"] for m in shown) == ["email", "sms", "whatsapp"]
    assert all(m["goes_out"] is False and "no contact" in m["not_sent_because"] and m["text"] for m in shown)
    missing = cli(database_url, "messages", "preview", "--case", "NOPE", "--at", "2027-01-26T09:00")
    assert missing.returncode != 0 and "No case" in missing.stderr
