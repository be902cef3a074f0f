"""Organisations: the counselling organisation's phone (E.164, through the API and the CLI) and the key roles."""

from __future__ import annotations

from tests.service.test_cli_and_audit import cli
from tests.support import api_client, build_world


def test_a_phone_number_is_stored_in_e164_and_a_bad_one_is_refused_with_a_pointer(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        made = client.post("/v1/organisations", headers=world.admin.headers, json={
            "name": "Schuldhulp West", "kind": "counselling", "contact_phone": "050 123 45 67",
            "contact_email": "hulp@west.example"})
        assert made.status_code == 201, made.text
        assert made.json()["contact_phone"] == "+31501234567"
        abroad = client.post("/v1/organisations", headers=world.admin.headers, json={
            "name": "Schuldnerberatung Ost", "kind": "counselling", "contact_phone": "+49 30 901820"})
        assert abroad.status_code == 201 and abroad.json()["contact_phone"] == "+4930901820"

        for bad in ("12345", "bel ons", "+31 6 1234", "0"):
            refused = client.post("/v1/organisations", headers=world.admin.headers, json={
                "name": f"Nummer {bad}", "kind": "counselling", "contact_phone": bad})
            assert refused.status_code == 422, (bad, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert [e["pointer"] for e in refused.json()["errors"]] == ["/contact_phone"], refused.json()
        names = {o["name"] for o in client.get("/v1/organisations", headers=world.admin.headers).json()}
        assert "Schuldhulp West" in names and not any(n.startswith("Nummer") for n in names)


def test_the_cli_takes_a_phone_number_and_refuses_a_bad_one_in_one_line(database_url: str) -> None:
    made = cli(database_url, "orgs", "create", "--name", "Schuldhulp Oost", "--kind", "counselling",
               "--phone", "020 123 4567", "--email", "oost@example.nl")
    assert made.returncode == 0, made.stderr
    bad = cli(database_url, "orgs", "create", "--name", "Schuldhulp Zuidoost", "--kind", "counselling",
              "--phone", "123")
    assert bad.returncode != 0 and "not valid" in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
    world = build_world(database_url)
    with api_client(database_url) as client:
        found = {o["name"]: o for o in client.get("/v1/organisations", headers=world.admin.headers).json()}
    assert found["Schuldhulp Oost"]["contact_phone"] == "+31201234567"
    assert "Schuldhulp Zuidoost" not in found


def test_a_key_of_the_wrong_role_is_refused_in_plain_english(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        refused = client.post("/v1/api-keys", headers=world.admin.headers,
                              json={"organisation_id": world.counsellor.organisation_id, "role": "admin"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"] == "A counselling organisation cannot hold an admin key."
        assert refused.json()["errors"] == [{"detail": "not a role for a counselling organisation",
                                             "pointer": "/role"}]
        creditor_key = client.post("/v1/api-keys", headers=world.admin.headers,
                                   json={"organisation_id": world.admin.organisation_id, "role": "creditor"})
        assert creditor_key.json()["detail"] == "A platform organisation cannot hold a creditor key."
