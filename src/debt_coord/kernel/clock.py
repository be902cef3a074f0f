"""The debtor's calendar is Europe/Amsterdam: 'today' is a date there, not in UTC."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def today() -> dt.date:
    return dt.datetime.now(AMSTERDAM).date()
