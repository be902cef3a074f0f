"""Keys made with the CLI work on the API; every change leaves an audit event in its transaction."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select

from debt_coord.audit.models import AuditEvent
from debt_coord.kernel.database import sync_url
from tests.support import api_client, build_world, claim_body, open_case_with_creditors

DEBT_COORD = Path(sys.executable).parent / "debt-coord"


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBT_COORD_DATABASE_URL": database_url}
    return subprocess.run([str(DEBT_COORD), *args], env=env, capture_output=True, text=True, timeout=60)


def test_a_key_created_with_the_cli_opens_the_api_for_its_organisation(database_url: str) -> None:
    assert cli(database_url, "orgs", "create", "--name", "Kredietbank Oost", "--kind", "counselling").returncode == 0
    made = cli(database_url, "keys", "create", "--org", "Kredietbank Oost", "--role", "counsellor")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("dck_")
    with api_client(database_url) as client:
        opened = client.post("/v1/cases", headers={"Authorization": f"Bearer {key}"}, json={
            "reference": "K-1", "debtor_name": "A. Jansen", "debtor_contact_channel": "post"})
        assert opened.status_code == 201, opened.text

    wrong_role = cli(database_url, "keys", "create", "--org", "Kredietbank Oost", "--role", "creditor")
    assert wrong_role.returncode != 0 and "cannot hold a creditor key" in wrong_role.stderr
    unknown = cli(database_url, "keys", "create", "--org", "Nobody", "--role", "counsellor")
    assert unknown.returncode != 0 and "no organisation named 'Nobody'" in unknown.stderr


def audit_trail(database_url: str) -> list[AuditEvent]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)).all()
    engine.dispose()
    return rows  # type: ignore[return-value]


def test_the_audit_trail_tells_who_changed_what_in_order(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        case_id = open_case_with_creditors(client, world, "c1")
        claim = client.post(f"/v1/cases/{case_id}/claims", json=claim_body("Z-9", 50_000), headers=world.c1.headers)
        url = f"/v1/cases/{case_id}/claims/{claim.json()['id']}"
        corrected = client.patch(url, json={"interest_cents": 1_234},
                                 headers={**world.c1.headers, "If-Match": claim.headers["etag"]})
        current = {**world.c1.headers, "If-Match": corrected.headers["etag"]}
        refused = client.patch(url, json={"iban": "NL00BANK0000000000"}, headers=current)
        assert refused.status_code == 422
        assert client.delete(url, headers=current).status_code == 204

    trail = audit_trail(database_url)
    assert [e.action for e in trail] == ["case.opened", "creditor.invited", "claim.registered", "claim.corrected",
                                         "claim.withdrawn"]
    assert {str(e.case_id) for e in trail} == {case_id}
    registered, corrected, withdrawn = trail[2:]
    assert registered.actor.startswith("Zilverzorg (creditor key")
    assert registered.after["principal_cents"] == 50_000 and registered.before is None
    assert corrected.before["interest_cents"] == 0 and corrected.after["interest_cents"] == 1_234
    assert corrected.after["version"] == 2
    assert withdrawn.before["creditor_reference"] == "Z-9" and withdrawn.after is None
    assert trail[0].organisation_id is not None and str(trail[0].organisation_id) == world.counsellor.organisation_id
