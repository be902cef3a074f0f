"""The schedule chart (pure): what each bar and block says against the payments it was drawn from."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from api.workspace.chart import (
    BOTTOM,
    HEIGHT,
    MAX_DATE_LABELS,
    TOP,
    ChartWords,
    Schedule,
    nice_step,
    schedule_of,
    stacked_bars,
)
from debt_coord.planning.allocations import CreditorAllocation
from solver.models import Payment

SVG = "{http://www.w3.org/2000/svg}"
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM


def line(org: str, name: str, *claims: str) -> CreditorAllocation:
    return CreditorAllocation(organisation_id=org, creditor=name, claim_ids=claims, claim_classes=("concurrent",),
                              outstanding_cents=100_000, award_cents=0, paid_cents=0, share_bp=0, payments=0,
                              first_date=None, last_date=None)


def words(title: str = "Schedule") -> ChartWords:
    return ChartWords(title=title, summary="What each creditor gets per payment date.",
                      money=lambda cents: f"EUR {cents / 100:.2f}", day=dt.date.isoformat,
                      short_day=lambda d: d.strftime("%b %y"))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_payments_are_summed_per_date_and_creditor_in_the_plans_order() -> None:
    lines = [line("o1", "Zilverzorg", "a", "b"), line("o2", "Energie Direct", "c")]
    jan, feb = dt.date(2027, 1, 25), dt.date(2027, 2, 23)
    payments = [Payment(date=feb, claim_id="c", amount_cents=700), Payment(date=jan, claim_id="a", amount_cents=1000),
                Payment(date=jan, claim_id="b", amount_cents=250), Payment(date=feb, claim_id="a", amount_cents=500)]
    schedule = schedule_of(lines, payments)
    assert schedule.creditors == ("Zilverzorg", "Energie Direct")
    assert schedule.dates == (jan, feb)
    assert schedule.cents == ((1250, 0), (500, 700))
    assert schedule.date_totals == (1250, 1200) and schedule.creditor_totals == (1750, 700)


def test_each_block_is_as_tall_as_its_amount_stacked_in_the_creditors_order_with_a_tooltip() -> None:
    days = [dt.date(2027, m, 23) for m in (1, 2, 3)]
    schedule = Schedule(("Zilverzorg", "Energie Direct", "Belastingdienst"), tuple(days),
                        ((12_000, 3_000, 0), (9_999, 0, 5_001), (0, 0, 17_321)))
    root = parse(stacked_bars(schedule, words()))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Schedule"  # type: ignore[union-attr]
    axis = [int(t.text.removeprefix("EUR ").replace(".", "")) for t in root.findall(f"{SVG}text")  # type: ignore[union-attr]
            if t.text and t.text.startswith("EUR")]
    top = max(axis)
    assert top >= max(schedule.date_totals) and axis[0] == 0
    bars = root.findall(f"{SVG}g")
    assert [b.get("data-date") for b in bars] == [d.isoformat() for d in days]
    for bar, row, day in zip(bars, schedule.cents, days, strict=True):
        rects = bar.findall(f"{SVG}rect")
        assert [int(r.get("data-cents")) for r in rects] == [c for c in row if c]  # type: ignore[arg-type]
        bottom = TOP + PLOT_HEIGHT
        for rect in rects:  # bottom-up, each block on top of the one before, as tall as its amount
            height, y = float(rect.get("height")), float(rect.get("y"))  # type: ignore[arg-type]
            assert height == pytest.approx(PLOT_HEIGHT * int(rect.get("data-cents")) / top, abs=0.01)  # type: ignore[arg-type]
            assert y + height == pytest.approx(bottom, abs=0.02)
            bottom = y
            who = schedule.creditors[int(rect.get("data-creditor"))]  # type: ignore[arg-type]
            assert rect.find(f"{SVG}title").text == (  # type: ignore[union-attr]
                f"{who}, {day.isoformat()}: EUR {int(rect.get('data-cents')) / 100:.2f}")  # type: ignore[arg-type]
    fills = {r.get("data-creditor"): r.get("fill") for r in root.iter(f"{SVG}rect")}
    assert len(set(fills.values())) == 3  # one colour per creditor, the same on every bar


def test_names_are_text_never_markup() -> None:
    schedule = Schedule(('<script>alert(1)</script> & "Co"',), (dt.date(2027, 1, 1),), ((500,),))
    svg = stacked_bars(schedule, words(title="<b>Plan</b>"))
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "<b>Plan</b>"  # type: ignore[union-attr]
    [rect] = root.iter(f"{SVG}rect")
    assert rect.find(f"{SVG}title").text.startswith('<script>alert(1)</script> & "Co", ')  # type: ignore[union-attr]


def test_a_long_plan_labels_at_most_twelve_dates_and_an_empty_one_still_draws() -> None:
    days = tuple(dt.date(2027, 1, 1) + dt.timedelta(days=30 * i) for i in range(60))
    schedule = Schedule(("A",), days, tuple((1000 + i,) for i in range(60)))
    root = parse(stacked_bars(schedule, words()))
    labels = [t for t in root.findall(f"{SVG}text") if t.text and not t.text.startswith("EUR")]
    assert 1 < len(labels) <= MAX_DATE_LABELS
    assert len(root.findall(f"{SVG}g")) == 60
    empty = parse(stacked_bars(Schedule(("A",), (), ()), words()))
    assert empty.findall(f"{SVG}g") == []


@pytest.mark.parametrize(("largest", "step"), [(0, 100), (1, 1), (999, 250), (17_321, 5_000), (40_000, 10_000),
                                               (123_456, 50_000)])
def test_the_axis_steps_are_round(largest: int, step: int) -> None:
    assert nice_step(largest) == step
    assert nice_step(largest) * 4 >= largest


def test_every_word_of_the_plan_builder_and_the_board_is_there_in_both_languages() -> None:
    from api.workspace import negotiation_texts, plan_texts

    for texts in (plan_texts.TEXTS, negotiation_texts.TEXTS):
        assert set(texts["nl"]) == set(texts["en"])
        for key, words in texts["nl"].items():  # the same blanks to fill in, so that either language renders
            assert sorted(re.findall(r"\{(\w+)\}", words)) == sorted(re.findall(r"\{(\w+)\}", texts["en"][key])), key
