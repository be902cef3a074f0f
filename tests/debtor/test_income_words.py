"""The income behind a payment date reaches the debtor in words ("uw uitkering"), never as a stream's id."""

from __future__ import annotations

import re
from typing import Any

from tests.debtor.checks import calendar_events
from tests.debtor.flow import EXTRA, debtor_link, planned_case
from tests.support import api_client, build_world, open_case_with_creditors

HTML = {"Accept": "text/html"}
INCOME = {"streams": [
    {"id": "ww-uwv-2027", "kind": "benefit", "amount_cents": 140_000, "available_cents": 16_000, "day_of_month": 23},
    {"id": "vg-mei", "kind": "holiday_pay", "label": "Vakantiegeld UWV", "amount_cents": 80_000,
     "available_cents": 30_000, "every_weeks": 52, "first_date": "2027-05-21"},
    {"id": "abp", "kind": "other", "label": "pensioen", "amount_cents": 40_000, "available_cents": 2_000,
     "day_of_month": 9},
]}
IDS = ("ww-uwv-2027", "vg-mei", "abp")


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_income_streams_take_a_kind_and_a_label_and_old_bodies_still_work(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        url = f"/v1/cases/{case_id}/income"
        stored = client.put(url, json=INCOME, headers=world.counsellor.headers)
        assert stored.status_code == 200, stored.text
        assert [(s["id"], s["kind"], s["label"]) for s in stored.json()["streams"]] == [
            ("ww-uwv-2027", "benefit", ""), ("vg-mei", "holiday_pay", "Vakantiegeld UWV"), ("abp", "other", "pensioen")]
        assert client.get(url, headers=world.counsellor.headers).json() == stored.json()

        old_style = {"streams": [{"id": "salaris", "amount_cents": 200_000, "available_cents": 10_000,
                                  "day_of_month": 25}]}
        kept = client.put(url, json=old_style, headers=world.counsellor.headers)
        assert kept.status_code == 200, kept.text
        assert kept.json()["streams"] == [{**old_style["streams"][0], "every_weeks": None, "first_date": None,
                                           "dates": None, "kind": "other", "label": ""}]

        for bad, pointer in ((INCOME["streams"][0] | {"kind": "wages"}, "/streams/0/kind"),
                             (INCOME["streams"][0] | {"label": "x" * 65}, "/streams/0/label")):
            refused = client.put(url, json={"streams": [bad]}, headers=world.counsellor.headers)
            assert refused.status_code == 422, refused.text
            assert [e["pointer"] for e in refused.json()["errors"]] == [pointer]
        assert client.get(url, headers=world.counsellor.headers).json() == kept.json()


def test_the_debtor_reads_uw_uitkering_not_the_streams_id_on_the_page_in_json_and_in_the_calendar(
    database_url: str,
) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id, _ = planned_case(client, world, activate=True, income=INCOME)
        token = {"token": debtor_link(client, world, case_id)["token"]}
        schedule: dict[str, Any] = client.get("/v1/debtor/schedule", params=token).json()
        english: dict[str, Any] = client.get("/v1/debtor/schedule", params={**token, "lang": "en"}).json()
        page = visible_text(client.get("/debtor", params=token, headers=HTML).text)
        page_en = visible_text(client.get("/debtor", params={**token, "lang": "en"}, headers=HTML).text)
        events = calendar_events(client.get("/v1/debtor/schedule.ics", params=token).content)

    followed = [d for d in schedule["dates"] if d["after_income"]]
    assert followed, "the plan's payment dates follow the income"
    for date, date_en in zip(schedule["dates"], english["dates"], strict=True):
        kinds = {i["id"]: i["kind"] for i in date["incomes"]}
        assert list(kinds) == date["after_income"]
        assert kinds.get("ww-uwv-2027", "benefit") == "benefit" and kinds.get("abp", "other") == "other"
        if "ww-uwv-2027" in kinds:
            assert "uw uitkering" in date["after_income_text"] and "your benefit" in date_en["after_income_text"]
        if "abp" in kinds:
            assert "uw pensioen" in date["after_income_text"] and "your pensioen" in date_en["after_income_text"]
        if date["after_income"] == ["ww-uwv-2027"]:
            assert date["after_income_text"] == "Dat is vlak nadat uw uitkering binnenkomt."
            assert date_en["after_income_text"] == "That is just after your benefit comes in."
        assert not any(i in date["after_income_text"] for i in IDS)

    said = set(re.findall(r"Dat is vlak nadat [^.]+\.", page))
    assert said == {d["after_income_text"] for d in followed} and any("uw uitkering" in s for s in said)
    said_en = set(re.findall(r"That is just after [^.]+\.", page_en))
    assert said_en == {d["after_income_text"] for d in english["dates"] if d["after_income"]}
    assert any("your benefit" in s for s in said_en)
    for stream_id in IDS:
        assert stream_id not in page and stream_id not in page_en, stream_id
    with_income = [e for e in events if "vlak nadat" in str(e["description"])]
    assert len(with_income) == len(followed)
    assert all(stream_id not in str(e["description"]) for e in events for stream_id in IDS)
