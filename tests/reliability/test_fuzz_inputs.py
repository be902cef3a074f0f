"""Hostile input built by hypothesis: money, dates, Unicode names, oversized bodies, deep JSON.

Whatever comes in, the answer is a success or a 4xx problem, never a 5xx, and a refusal writes
nothing. Runs on SQLite and PostgreSQL; examples are derandomized so a run is repeatable.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from sqlalchemy import Engine, create_engine

from debt_coord.kernel.database import sync_url
from tests.support import World, api_client, build_world, case_body, claim_body, open_case_with_creditors, row_counts

FUZZ = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
INCOME = {"streams": [{"id": "salaris", "amount_cents": 180_000, "available_cents": 15_000, "day_of_month": 24}]}


@dataclass
class Scene:
    client: TestClient[Any]
    world: World
    engine: Engine
    case_id: str
    serial: Iterator[int]

    def rows(self) -> dict[str, int]:
        return row_counts(self.engine)

    def send(self, method: str, url: str, who: str, **request: Any) -> Any:
        """The answer; asserts it is a success or a 4xx problem, and that a refusal wrote nothing."""
        before = self.rows()
        headers = {**self.world.parties[who].headers, **request.pop("headers", {})}
        answer = self.client.request(method, url, headers=headers, **request)
        assert answer.status_code < 500, f"{method} {url}: {answer.status_code} {answer.text}"
        if answer.status_code >= 400:
            assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
            assert answer.json()["status"] == answer.status_code
            assert self.rows() == before, f"{method} {url} was refused but wrote something"
        return answer

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{next(self.serial)}"


@pytest.fixture
def scene(database_url: str) -> Iterator[Scene]:
    world = build_world(database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with api_client(database_url) as client:
            case_id = open_case_with_creditors(client, world, "c1")
            yield Scene(client, world, engine, case_id, itertools.count(1))
    finally:
        engine.dispose()


HUGE = st.integers(min_value=10**11 + 1, max_value=10**40)
NEGATIVE = st.integers(max_value=-1, min_value=-(10**40))
FLOATS = st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()) | st.just(12.0)
FLOAT_STRINGS = st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str) | st.sampled_from(
    ["1e3", "12,50", "€12.50", "0x10", "Infinity", "NaN", "-0", " 100 "])


@FUZZ
@given(field=st.sampled_from(["principal_cents", "interest_cents", "costs_cents", "min_payment_cents"]),
       value=HUGE | NEGATIVE | FLOATS | FLOAT_STRINGS)
def test_money_that_is_not_whole_cents_in_range_is_refused_at_its_field(scene: Scene, field: str, value: Any) -> None:
    url = f"/v1/cases/{scene.case_id}/claims"
    answer = scene.send("POST", url, "c1", json=claim_body(scene.unique("M"), 10_000) | {field: value})
    assert answer.status_code == 422, answer.text
    assert f"/{field}" in {e["pointer"] for e in answer.json()["errors"]}


@FUZZ
@given(amount=st.integers(min_value=1, max_value=10**11))
def test_money_in_range_is_kept_to_the_cent(scene: Scene, amount: int) -> None:
    url = f"/v1/cases/{scene.case_id}/claims"
    answer = scene.send("POST", url, "c1", json=claim_body(scene.unique("OK"), amount))
    assert answer.status_code == 201, answer.text
    assert answer.json()["principal_cents"] == amount


DATES = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
EDGE_DATES = st.sampled_from([dt.date(2024, 2, 29), dt.date(2028, 2, 29), dt.date(9999, 12, 31), dt.date(1, 1, 1),
                              dt.date(1970, 1, 1), dt.date(2038, 1, 19)]) | DATES
NOT_DATES = st.sampled_from(["2025-02-29", "2100-02-29", "10000-01-01", "0000-01-01", "2026-13-01", "2026-1-1",
                             "9999-12-32", "2026-02-29T00:00:00", ""])


@FUZZ
@given(date=EDGE_DATES.map(dt.date.isoformat) | NOT_DATES,
       field=st.sampled_from(["reference_date", "claims_deadline"]))
def test_case_dates_from_year_1_to_9999(scene: Scene, date: str, field: str) -> None:
    body = case_body(scene.unique("D")) | {field: date}
    if field == "claims_deadline":
        body["reference_date"] = "2026-11-01"
    scene.send("POST", "/v1/cases", "counsellor", json=body)


@FUZZ
@given(arose_on=EDGE_DATES.map(dt.date.isoformat) | NOT_DATES, balance_date=EDGE_DATES.map(dt.date.isoformat))
def test_claim_dates_from_year_1_to_9999(scene: Scene, arose_on: str, balance_date: str) -> None:
    body = claim_body(scene.unique("CD"), 10_000, arose_on=arose_on, balance_date=balance_date)
    scene.send("POST", f"/v1/cases/{scene.case_id}/claims", "c1", json=body)


@FUZZ
@given(first=EDGE_DATES, start=EDGE_DATES, months=st.integers(min_value=1, max_value=120))
def test_income_and_plan_dates_at_the_end_of_the_calendar(scene: Scene, first: dt.date, start: dt.date,
                                                          months: int) -> None:
    streams = {"streams": [{"id": "loon", "amount_cents": 200_000, "available_cents": 20_000, "every_weeks": 4,
                            "first_date": first.isoformat()},
                           {"id": "vakantiegeld", "amount_cents": 90_000, "available_cents": 9_000,
                            "dates": [first.isoformat()]}]}
    scene.send("PUT", f"/v1/cases/{scene.case_id}/income", "counsellor", json=streams)
    scene.send("GET", f"/v1/cases/{scene.case_id}/overview", "counsellor")
    ask = {"start_date": start.isoformat(), "months": months, "time_limit_seconds": 1}
    scene.send("POST", f"/v1/cases/{scene.case_id}/plans", "counsellor", json=ask)


NAMES = st.text(min_size=1, max_size=200) | st.sampled_from([
    "Zoë Ýılmaz-Ñúñez", "محمد", "李小龍", "\u202eevil", "a\u0301" * 50, "👨‍👩‍👧‍👦" * 20, "\ufeffBOM", "\x00", "\ud800",
    "  ", "Robert'); DROP TABLE cases;--", "x" * 201])


@FUZZ
@given(name=NAMES)
def test_unicode_names_come_back_exactly_or_are_refused_at_their_field(scene: Scene, name: str) -> None:
    payload = json.dumps(case_body(scene.unique("U"), debtor_name=name)).encode()
    answer = scene.send("POST", "/v1/cases", "counsellor", content=payload,
                        headers={"content-type": "application/json"})
    if any(0xD800 <= ord(c) <= 0xDFFF for c in name):  # a lone surrogate is not Unicode: the JSON is unreadable
        assert answer.status_code == 400, answer.text
    elif answer.status_code == 201:
        read = scene.client.get(f"/v1/cases/{answer.json()['id']}", headers=scene.world.counsellor.headers)
        assert read.json()["debtor_name"] == answer.json()["debtor_name"]
        assert answer.json()["debtor_name"] == name.strip() or answer.json()["debtor_name"] == name
    else:
        assert answer.status_code == 422, answer.text
        assert {e["pointer"] for e in answer.json()["errors"]} == {"/debtor_name"}, answer.text


@settings(FUZZ, max_examples=12)
@given(size=st.integers(min_value=1, max_value=3 << 20))
def test_bodies_over_1_mib_are_413_and_smaller_ones_are_read(scene: Scene, size: int) -> None:
    body = json.dumps(claim_body(scene.unique("B"), 10_000) | {"padding": "p" * size}).encode()
    answer = scene.send("POST", f"/v1/cases/{scene.case_id}/claims", "c1", content=body,
                        headers={"content-type": "application/json"})
    if len(body) > 1 << 20:
        assert answer.status_code == 413, answer.text
    else:
        assert answer.status_code == 422, answer.text  # read, and the unknown field refused
        assert {e["pointer"] for e in answer.json()["errors"]} == {"/padding"}


@settings(FUZZ, max_examples=20)
@given(depth=st.integers(min_value=1, max_value=200_000), kind=st.sampled_from(["[]", "{}", "mixed"]),
       where=st.sampled_from(["body", "field"]))
def test_deeply_nested_json_is_a_4xx(scene: Scene, depth: int, kind: str, where: str) -> None:
    opening = {"[]": "[" * depth, "{}": '{"a":' * depth, "mixed": '[{"a":' * (depth // 2 + 1)}[kind]
    closing = {"[]": "]" * depth, "{}": "}" * depth, "mixed": "}]" * (depth // 2 + 1)}[kind]
    nested = opening + "1" + closing
    if where == "field":
        head = json.dumps(claim_body(scene.unique("N"), 10_000))[:-1]
        content = f'{head}, "payment_reference": {nested}}}'
    else:
        content = nested
    for url, who in [(f"/v1/cases/{scene.case_id}/claims", "c1"), (f"/v1/cases/{scene.case_id}/income",
                                                                  "counsellor")]:
        method = "POST" if who == "c1" else "PUT"
        answer = scene.send(method, url, who, content=content.encode(), headers={"content-type": "application/json"})
        assert 400 <= answer.status_code < 500
