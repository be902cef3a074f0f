"""A plan's schedule as stacked bars: one bar per payment date, one block per creditor, SVG made on the server.

Pure: the schedule (what each creditor gets on each date) in, an SVG string out. The chart is an image with a
title and a summary (`<desc>`); the page puts the same numbers in a table beside it, which is the text
alternative. Colours are never the only way to tell creditors apart: every block has its own tooltip
(`<title>`) and the legend and table name the creditors in the same order as the blocks are stacked.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from debt_coord.planning.allocations import CreditorAllocation
from solver.models import Payment

# Each has at least 3:1 contrast against white (WCAG 1.4.11) and they stay apart for the common colour blindness.
PALETTE = ("#0b5394", "#b45309", "#1b7837", "#7b2d8e", "#a50026", "#4d4d4d", "#0e7490", "#7c5a12")
WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 84, 12, 16, 52
MAX_DATE_LABELS = 12


@dataclass(frozen=True)
class Schedule:
    """What each creditor gets on each payment date: cents[date index][creditor index]."""

    creditors: tuple[str, ...]
    dates: tuple[dt.date, ...]
    cents: tuple[tuple[int, ...], ...]

    @property
    def date_totals(self) -> tuple[int, ...]:
        return tuple(sum(row) for row in self.cents)

    @property
    def creditor_totals(self) -> tuple[int, ...]:
        return tuple(sum(row[i] for row in self.cents) for i in range(len(self.creditors)))


def schedule_of(lines: Sequence[CreditorAllocation], payments: Sequence[Payment]) -> Schedule:
    """The proposal's payments summed per date and creditor organisation, creditors in the plan's order."""
    owner = {claim: index for index, line in enumerate(lines) for claim in line.claim_ids}
    dates = sorted({p.date for p in payments})
    row_of = {day: i for i, day in enumerate(dates)}
    cents = [[0] * len(lines) for _ in dates]
    for payment in payments:
        cents[row_of[payment.date]][owner[payment.claim_id]] += payment.amount_cents
    return Schedule(tuple(line.creditor for line in lines), tuple(dates), tuple(tuple(row) for row in cents))


@dataclass(frozen=True)
class ChartWords:
    title: str
    summary: str
    money: Callable[[int], str]
    """An amount in cents as the page writes it."""
    day: Callable[[dt.date], str]
    """A date in full, for the tooltips."""
    short_day: Callable[[dt.date], str]
    """A date in a few letters, under the bars."""


def nice_step(largest: int, ticks: int = 4) -> int:
    """A round step (1, 2, 2.5 or 5 times a power of ten, in cents) so that about `ticks` steps reach `largest`."""
    if largest <= 0:
        return 100
    rough = largest / ticks
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= rough:
            return max(1, int(factor * power))
    return int(10 * power)  # pragma: no cover - the loop always returns


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _axis(top_value: int, step: int, plot_h: float, words: ChartWords) -> list[str]:
    parts = []
    for value in range(0, top_value + 1, step):
        y = TOP + plot_h - plot_h * value / top_value
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.2f}" y2="{y:.2f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.2f}" text-anchor="end">{escape(words.money(value))}</text>')
    return parts


def _bars(schedule: Schedule, top_value: int, plot_h: float, words: ChartWords) -> list[str]:
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(schedule.dates))
    width = max(1.0, slot * 0.7)
    every = max(1, math.ceil(len(schedule.dates) / MAX_DATE_LABELS))
    parts = []
    for i, (day, row) in enumerate(zip(schedule.dates, schedule.cents, strict=True)):
        x = LEFT + slot * i + (slot - width) / 2
        base = TOP + plot_h
        blocks = []
        for who, cents in enumerate(row):
            if cents <= 0:
                continue
            height = plot_h * cents / top_value
            base -= height
            tip = f"{schedule.creditors[who]}, {words.day(day)}: {words.money(cents)}"
            blocks.append(f'<rect x="{x:.2f}" y="{base:.2f}" width="{width:.2f}" height="{height:.2f}" '
                          f'fill="{colour(who)}" data-creditor="{who}" data-cents="{cents}">'
                          f"<title>{escape(tip)}</title></rect>")
        parts.append(f'<g class="bar" data-date="{day.isoformat()}">{"".join(blocks)}</g>')
        if i % every == 0:
            parts.append(f'<text x="{x + width / 2:.2f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">'
                         f"{escape(words.short_day(day))}</text>")
    return parts


def stacked_bars(schedule: Schedule, words: ChartWords, chart_id: str = "plan-chart") -> Markup:
    """The SVG: an image named by its title and summary; the bars scaled to a round top of the axis."""
    plot_h = HEIGHT - TOP - BOTTOM
    largest = max(schedule.date_totals, default=0)
    step = nice_step(largest)
    top_value = max(step, math.ceil(largest / step) * step)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(words.title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(words.summary)}</desc>',
        "<style>text{font:12px system-ui,sans-serif;fill:#1a1a1a}.grid{stroke:#c4c4c4;stroke-width:1}"
        "rect{stroke:#fff;stroke-width:1}</style>",
        *_axis(top_value, step, plot_h, words),
        *_bars(schedule, top_value, plot_h, words),
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#1a1a1a"/>',
        "</svg>",
    ]
    return Markup("".join(parts))
