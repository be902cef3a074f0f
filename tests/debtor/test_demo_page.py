"""The demo's debtor page keeps the README's promises: whom to call, and the income in the debtor's words."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from debt_coord.demo import seed_demo
from debt_coord.kernel.clock import today
from debt_coord.kernel.settings import Settings
from tests.support import api_client


def test_the_demo_debtor_page_gives_the_counsellors_phone_and_says_uw_salaris(database_url: str,
                                                                              tmp_path: Path) -> None:
    demo = asyncio.run(seed_demo(Settings(database_url=database_url, data_dir=tmp_path, seed_demo=False), today()))
    assert demo.debtor_page
    token = {"token": demo.debtor_page.split("token=", 1)[1]}
    with api_client(database_url) as client:
        page = client.get("/debtor", params=token, headers={"Accept": "text/html"}).text
        schedule = client.get("/v1/debtor/schedule", params=token).json()

    assert schedule["counsellor"]["phone"] == "+31201234567"
    assert schedule["counsellor"]["email"] == "info@schuldhulp.example"
    assert re.search(r'<a href="tel:\+31201234567">020 123 4567</a>', page)
    assert "mailto:info@schuldhulp.example" in page
    assert "vlak nadat uw salaris binnenkomt" in page
    kinds = {i["id"]: i["kind"] for d in schedule["dates"] for i in d["incomes"]}
    assert kinds["salaris"] == "salary" and kinds.get("vakantiegeld", "holiday_pay") == "holiday_pay"
