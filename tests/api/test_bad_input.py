"""Bad input gets a clear RFC 9457 problem with a pointer to each bad field, never a 500, and writes nothing."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, update
from sqlalchemy.engine import Engine

from debt_coord.cases.models import Case
from debt_coord.kernel.clock import today
from debt_coord.kernel.database import sync_url
from tests.support import World, api_client, build_world, case_body, claim_body, open_case_with_creditors, row_counts

INCOME = {"streams": [{"id": "salaris", "amount_cents": 180_000, "available_cents": 15_000, "day_of_month": 24}]}


@dataclass
class Scene:
    """A case of `counsellor` with c1 and c2 invited, one claim of c1 on it, and income."""

    client: TestClient[Any]
    world: World
    engine: Engine
    case_id: str
    claim_id: str

    @property
    def claims_url(self) -> str:
        return f"/v1/cases/{self.case_id}/claims"

    def rows(self) -> dict[str, int]:
        return row_counts(self.engine)

    def refused(self, status: int, pointers: set[str] | None, method: str, url: str, who: str,
                **request: Any) -> dict[str, Any]:
        """Send the request; assert a problem with `status` and exactly `pointers`, and that nothing was written."""
        before = self.rows()
        answer = self.client.request(method, url, headers={**self.world.parties[who].headers,
                                                           **request.pop("headers", {})}, **request)
        label = f"{method} {url} as {who}"
        assert answer.status_code == status, f"{label}: expected {status}, got {answer.status_code} {answer.text}"
        assert answer.headers["content-type"].startswith("application/problem+json"), label
        body: dict[str, Any] = answer.json()
        assert body["status"] == status, label
        assert body["type"] and body["title"], label
        assert isinstance(body["detail"], str) and body["detail"], label
        if pointers is not None:
            assert all(e["detail"] for e in body["errors"]), label
            assert {e["pointer"] for e in body["errors"]} == pointers, f"{label}: {body['errors']}"
        assert self.rows() == before, f"{label} wrote something"
        return body


@pytest.fixture
def scene(database_url: str) -> Iterator[Scene]:
    world = build_world(database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with api_client(database_url) as client:
            case_id = open_case_with_creditors(client, world, "c1", "c2")
            claim = client.post(f"/v1/cases/{case_id}/claims", json=claim_body("C1-1", 50_000),
                                headers=world.c1.headers)
            assert claim.status_code == 201, claim.text
            income = client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=world.counsellor.headers)
            assert income.status_code == 200, income.text
            yield Scene(client, world, engine, case_id, claim.json()["id"])
    finally:
        engine.dispose()


BAD_MONEY = [-1, 12.5, 12.0, "100", "12.50", True, False, None, 10**11 + 1, 10**40, [100], {"cents": 100}]


def test_money_must_be_whole_cents_within_bounds_and_owe_something(scene: Scene) -> None:
    for field in ("principal_cents", "interest_cents", "costs_cents"):
        for value in BAD_MONEY:
            body = claim_body("M-1", 10_000) | {field: value}
            scene.refused(422, {f"/{field}"}, "POST", scene.claims_url, "c1", json=body)
        # The bound itself is fine: 10**11 cents (one billion euro) is the largest amount, and claim total, accepted.
        at_bound = scene.client.post(scene.claims_url, json=claim_body("M-2", 0) | {field: 10**11},
                                     headers=scene.world.c1.headers)
        assert at_bound.status_code == 201, at_bound.text
    body = claim_body("M-3", 10_000, min_payment_cents=0)
    scene.refused(422, {"/min_payment_cents"}, "POST", scene.claims_url, "c1", json=body)
    body = claim_body("M-3", 10_000, min_payment_cents=2.5)
    scene.refused(422, {"/min_payment_cents"}, "POST", scene.claims_url, "c1", json=body)
    income = {"streams": [INCOME["streams"][0] | {"amount_cents": 1800.50}]}
    scene.refused(422, {"/streams/0/amount_cents"}, "PUT", f"/v1/cases/{scene.case_id}/income", "counsellor",
                  json=income)

    body = claim_body("Z-1", 0)
    problem = scene.refused(422, {"/principal_cents", "/interest_cents", "/costs_cents"}, "POST", scene.claims_url,
                            "c1", json=body)
    assert "all zero" in problem["detail"]
    # Costs alone are a claim.
    assert scene.client.post(scene.claims_url, json=claim_body("Z-2", 0, costs_cents=4_000),
                             headers=scene.world.c1.headers).status_code == 201


def test_bad_iban_currency_and_country_point_at_their_field(scene: Scene) -> None:
    for iban in ["NL91ABNA0417164301", "NL00ABNA0417164300", "not an iban", "NL91", "XX91ABNA0417164300"]:
        scene.refused(422, {"/iban"}, "POST", scene.claims_url, "c1", json=claim_body("I-1", 10_000, iban=iban))
    for currency in ["XYZ", "EU", "euro", ""]:
        scene.refused(422, {"/currency"}, "POST", "/v1/cases", "counsellor", json=case_body("K-1", currency=currency))
    for country in ["XX", "Netherlands", "N1", ""]:
        scene.refused(422, {"/country"}, "POST", "/v1/cases", "counsellor", json=case_body("K-1", country=country))
    # Spaces and lower case are how IBANs are written on paper: accepted and stored compact.
    written = scene.client.post(scene.claims_url, json=claim_body("I-2", 10_000, iban="nl91 abna 0417 1643 00"),
                                headers=scene.world.c1.headers)
    assert written.status_code == 201 and written.json()["iban"] == "NL91ABNA0417164300"


def test_unknown_fields_and_bodies_that_are_not_a_json_object(scene: Scene) -> None:
    scene.refused(422, {"/amount"}, "POST", scene.claims_url, "c1", json=claim_body("U-1", 10_000, amount=5))
    scene.refused(422, {"/debtor_bsn"}, "POST", "/v1/cases", "counsellor",
                  json=case_body("U-2", debtor_bsn="123456782"))
    stream = INCOME["streams"][0] | {"net": True}
    scene.refused(422, {"/streams/0/net"}, "PUT", f"/v1/cases/{scene.case_id}/income", "counsellor",
                  json={"streams": [stream]})
    scene.refused(422, {"/principal"}, "PATCH", f"{scene.claims_url}/{scene.claim_id}", "c1",
                  json={"principal": 1})

    json_type = {"content-type": "application/json"}
    for broken in [b'{"creditor_reference": "X",', b"{'single': 'quotes'}", b"NaN", b'{"a": 1}}', b"\xff\xfe"]:
        scene.refused(400, None, "POST", scene.claims_url, "c1", content=broken, headers=json_type)
    scene.refused(400, None, "POST", scene.claims_url, "c1", content=b"", headers=json_type)
    scene.refused(400, None, "POST", scene.claims_url, "c1", content=b"[" * 100_000, headers=json_type)
    for not_an_object in [[claim_body("A-1", 10_000)], "claim", 42, None]:
        scene.refused(422, {""}, "POST", scene.claims_url, "c1", content=json.dumps(not_an_object).encode(),
                      headers=json_type)
    # PostgreSQL cannot store NUL in text: refused up front, with pointers, on both backends.
    body = claim_body("N\x00L", 10_000)
    scene.refused(422, {"/creditor_reference", "/payment_reference"}, "POST", scene.claims_url, "c1", json=body)


def test_bad_ids_unknown_and_foreign_cases_are_404(scene: Scene) -> None:
    unknown = str(uuid.uuid4())
    for url in ["/v1/cases/not-a-uuid", "/v1/cases/12345/claims", f"{scene.claims_url}/xyz", f"/v1/cases/{unknown}",
                f"/v1/cases/{unknown}/claims"]:
        scene.refused(404, None, "GET", url, "counsellor")
    scene.refused(404, None, "PATCH", f"{scene.claims_url}/not-a-uuid", "c1", json={"principal_cents": 1})
    scene.refused(404, None, "POST", f"/v1/cases/{unknown}/claims", "c1", json=claim_body("F-1", 10_000))
    # Someone else's case: as unknown as a case that does not exist.
    scene.refused(404, None, "GET", f"/v1/cases/{scene.case_id}", "other_counsellor")
    scene.refused(404, None, "PUT", f"/v1/cases/{scene.case_id}/income", "other_counsellor", json=INCOME)
    scene.refused(404, None, "POST", f"/v1/cases/{scene.case_id}/creditors", "other_counsellor",
                  json={"organisation_id": scene.world.outsider.organisation_id})
    scene.refused(404, None, "POST", scene.claims_url, "outsider", json=claim_body("F-2", 10_000))
    scene.refused(404, None, "GET", f"{scene.claims_url}/{scene.claim_id}", "outsider")
    scene.refused(404, None, "PATCH", f"{scene.claims_url}/{scene.claim_id}", "c2", json={"principal_cents": 1})
    # A body naming something that is not there is a bad field, not a missing page.
    for organisation_id in [scene.world.other_counsellor.organisation_id, str(uuid.uuid4()), "nope"]:
        scene.refused(422, {"/organisation_id"}, "POST", f"/v1/cases/{scene.case_id}/creditors", "counsellor",
                      json={"organisation_id": organisation_id})


def test_conflicts_are_409_after_the_deadline_and_for_a_reused_case_reference(scene: Scene) -> None:
    yesterday = today() - dt.timedelta(days=1)
    with scene.engine.begin() as connection:  # the deadline passes: nothing in the API moves it back
        moved = connection.execute(update(Case).where(Case.id == uuid.UUID(scene.case_id)).values(
            claims_deadline=yesterday, reference_date=yesterday - dt.timedelta(days=30)))
        assert moved.rowcount == 1
    problem = scene.refused(409, None, "POST", scene.claims_url, "c2", json=claim_body("LATE-1", 10_000))
    assert yesterday.isoformat() in problem["detail"]
    claim_url = f"{scene.claims_url}/{scene.claim_id}"
    scene.refused(409, None, "PATCH", claim_url, "c1", json={"principal_cents": 40_000})
    scene.refused(409, None, "DELETE", claim_url, "c1")

    scene.refused(409, {"/reference"}, "POST", "/v1/cases", "counsellor", json=case_body())
    scene.refused(409, {"/reference"}, "POST", "/v1/cases", "counsellor", json=case_body(" 2026-0001 "))
    # Another organisation may use the same reference for its own debtor.
    other = scene.client.post("/v1/cases", json=case_body(), headers=scene.world.other_counsellor.headers)
    assert other.status_code == 201, other.text


def test_dates(scene: Scene) -> None:
    tomorrow = today() + dt.timedelta(days=1)
    scene.refused(422, {"/arose_on"}, "POST", scene.claims_url, "c1",
                  json=claim_body("D-1", 10_000, arose_on=tomorrow.isoformat()))
    for nonsense in ["2026-02-30", "15-01-2026", "yesterday", 20260115]:
        scene.refused(422, {"/arose_on"}, "POST", scene.claims_url, "c1",
                      json=claim_body("D-1", 10_000, arose_on=nonsense))
    scene.refused(422, {"/claims_deadline"}, "POST", "/v1/cases", "counsellor",
                  json=case_body("D-2", reference_date="2026-11-01", claims_deadline="2026-10-31"))
    scene.refused(422, {"/arose_on"}, "PATCH", f"{scene.claims_url}/{scene.claim_id}", "c1",
                  json={"arose_on": tomorrow.isoformat()})
    arose_today = scene.client.post(scene.claims_url, json=claim_body("D-3", 10_000, arose_on=today().isoformat()),
                                    headers=scene.world.c1.headers)
    assert arose_today.status_code == 201, arose_today.text


def test_income_streams_point_into_the_stream(scene: Scene) -> None:
    url = f"/v1/cases/{scene.case_id}/income"
    good = INCOME["streams"][0]
    bad_streams = [
        good | {"dates": ["2027-01-24"]},  # two schedules
        {"id": "uitkering", "amount_cents": 120_000, "available_cents": 0},  # no schedule
        good | {"available_cents": 180_001},  # more available than the income
        {"id": "loon", "amount_cents": 200_000, "available_cents": 10_000, "every_weeks": 4},  # no first_date
        good | {"day_of_month": 32},
    ]
    stored = scene.client.get(url, headers=scene.world.counsellor.headers).json()
    for stream in bad_streams:
        problem = scene.refused(422, None, "PUT", url, "counsellor", json={"streams": [stream]})
        assert problem["errors"] and all(e["pointer"].startswith("/streams/0") for e in problem["errors"]), problem
        problem = scene.refused(422, None, "PUT", url, "counsellor", json={"streams": [good, stream | {"id": "b"}]})
        assert all(e["pointer"].startswith("/streams/1") for e in problem["errors"]), problem
    scene.refused(422, {"/streams"}, "PUT", url, "counsellor", json={"streams": [good, good]})
    assert scene.client.get(url, headers=scene.world.counsellor.headers).json() == stored


def test_patch_needs_a_real_change(scene: Scene) -> None:
    url = f"{scene.claims_url}/{scene.claim_id}"
    before = scene.client.get(url, headers=scene.world.c1.headers).json()
    current = {"If-Match": f'"{before["version"]}"'}
    scene.refused(422, {""}, "PATCH", url, "c1", json={}, headers=current)
    scene.refused(422, {"/principal_cents"}, "PATCH", url, "c1", json={"principal_cents": None}, headers=current)
    scene.refused(422, {"/iban", "/creditor_reference"}, "PATCH", url, "c1",
                  json={"iban": None, "creditor_reference": None}, headers=current)
    # Zeroing the only amount would leave a claim that owes nothing.
    scene.refused(422, {"/principal_cents"}, "PATCH", url, "c1", json={"principal_cents": 0}, headers=current)
    scene.refused(422, {"/principal_cents"}, "PATCH", url, "c1", json={"principal_cents": -5}, headers=current)
    # min_payment_cents is optional: it may be cleared.
    cleared = scene.client.patch(url, json={"min_payment_cents": None}, headers={**scene.world.c1.headers, **current})
    assert cleared.status_code == 200, cleared.text
    after = scene.client.get(url, headers=scene.world.c1.headers).json()
    assert after["principal_cents"] == before["principal_cents"] == 50_000


def test_a_body_over_1_mib_is_413(scene: Scene) -> None:
    padded = claim_body("BIG-1", 10_000, payment_reference="x" * 140) | {"padding": "y" * (1 << 20)}
    problem = scene.refused(413, None, "POST", scene.claims_url, "c1", json=padded)
    assert "1 MiB" in problem["detail"]
    chunks = iter([b'{"padding": "', b"z" * (1 << 20), b'"}'])  # streamed, no Content-Length
    scene.refused(413, None, "POST", scene.claims_url, "c1", content=chunks,
                  headers={"content-type": "application/json"})


def test_admin_input(scene: Scene) -> None:
    world = scene.world
    scene.refused(409, {"/name"}, "POST", "/v1/organisations", "admin", json={"name": "Zilverzorg", "kind": "creditor"})
    scene.refused(422, {"/kind"}, "POST", "/v1/organisations", "admin", json={"name": "Nieuw", "kind": "bank"})
    scene.refused(422, {"/contact_email"}, "POST", "/v1/organisations", "admin",
                  json={"name": "Nieuw", "kind": "creditor", "contact_email": "no-at-sign"})
    scene.refused(422, {"/organisation_id"}, "POST", "/v1/api-keys", "admin",
                  json={"organisation_id": str(uuid.uuid4()), "role": "creditor"})
    scene.refused(422, {"/role"}, "POST", "/v1/api-keys", "admin",
                  json={"organisation_id": world.c1.organisation_id, "role": "admin"})
    problem = scene.refused(400, None, "GET", "/v1/organisations?kind=bank", "admin")
    assert problem["errors"][0]["query"] == "kind"
    problem = scene.refused(400, None, "POST", scene.claims_url, "c1", json=claim_body("H-1", 10_000),
                            headers={"Idempotency-Key": "k" * 256})
    assert problem["errors"][0]["header"].lower().replace("_", "-") == "idempotency-key"
