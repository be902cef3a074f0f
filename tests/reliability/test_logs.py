"""No IBAN, debtor name, payment reference, API key or debtor token in the logs, even at DEBUG.

A real server process (uvicorn, as `debt-coord serve` runs it, with its access log) with every
logger at DEBUG writing to a file; a whole flow through it: keys issued, a case opened, claims
registered, income, a plan asked and proposed, a decision, a debtor link and the debtor's page.
Then the file is searched for every secret the flow used.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.processes import free_port, wait_for_health
from tests.live import ROOT
from tests.support import IBANS, build_world, case_body, claim_body

# After the app is made (Litestar sets up its logging then): every logger, uvicorn's access log included, at DEBUG.
SERVE = """
import logging, sys, uvicorn
from api.app import create_app
app = create_app()
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(levelname)s %(name)s %(message)s", force=True)
logging.getLogger("sqlalchemy").setLevel(logging.DEBUG)  # SQLAlchemy holds itself at WARNING unless told
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="debug", log_config=None, access_log=True)
"""


def run_flow(base: str, keys: dict[str, str], organisations: dict[str, str]) -> list[str]:
    """The flow; returns the secrets it sent or received."""
    secrets: list[str] = []

    def call(method: str, path: str, who: str, status: int, **request: Any) -> Any:
        answer = httpx.request(method, f"{base}{path}", headers={"Authorization": f"Bearer {keys[who]}"},
                               timeout=60, **request)
        assert answer.status_code == status, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content and "json" in answer.headers.get("content-type", "") else answer

    issued = call("POST", "/v1/api-keys", "admin", 201,
                  json={"organisation_id": organisations["c2"], "role": "creditor"})
    keys["c2"] = issued["key"]
    case = call("POST", "/v1/cases", "counsellor", 201, json=case_body("LOG-1", debtor_name="Wilhelmina Zwanenburg",
                                                                         debtor_contact="w.zwanenburg@example.nl"))
    secrets += ["Wilhelmina Zwanenburg", "w.zwanenburg@example.nl"]
    case_id = case["id"]
    for handle in ("c1", "c2"):
        call("POST", f"/v1/cases/{case_id}/creditors", "counsellor", 201,
             json={"organisation_id": organisations[handle]})
    call("PUT", f"/v1/cases/{case_id}/income", "counsellor", 200, json={"streams": [
        {"id": "salaris", "amount_cents": 180_000, "available_cents": 15_000, "day_of_month": 24}]})
    for handle, iban, reference in [("c1", IBANS[1], "Polis 7731-KX betaling"), ("c2", IBANS[2], "Klant 99812 EN")]:
        call("POST", f"/v1/cases/{case_id}/claims", handle, 201,
             json=claim_body(f"REF-{handle}", 60_000, iban=iban, payment_reference=reference))
        secrets += [iban, reference]
    # A refused claim echoes nothing of its IBAN into the log either.
    call("POST", f"/v1/cases/{case_id}/claims", "c1", 422, json=claim_body("BAD", 1, iban=IBANS[3][:-1] + "9"))
    secrets.append(IBANS[3][:-1] + "9")
    job = call("POST", f"/v1/cases/{case_id}/plans", "counsellor", 202, json={"months": 6, "time_limit_seconds": 2})
    deadline = time.monotonic() + 120
    while (state := call("GET", job["location"], "counsellor", 200))["status"] != "succeeded":
        assert state["status"] in ("queued", "running") and time.monotonic() < deadline, state
        time.sleep(0.2)
    plan_id = state["result"]["plan_id"]
    plan = call("POST", f"/v1/plans/{plan_id}/propose", "counsellor", 200, json={})
    call("POST", f"/v1/plans/{plan_id}/decisions", "c1", 201,
         json={"plan_version": plan["number"], "decision": "accept"})
    link = call("POST", f"/v1/cases/{case_id}/debtor-links", "counsellor", 201, json={})
    secrets.append(link["token"])
    for url in (link["page_url"], link["schedule_url"], link["calendar_url"]):
        assert httpx.get(url, timeout=30).status_code == 200, url
    assert httpx.get(f"{base}/v1/debtor/schedule", headers={"Authorization": f"Bearer {link['token']}"},
                     timeout=30).status_code == 200
    call("GET", f"/v1/cases/{case_id}/overview", "counsellor", 200)
    # A wrong key is logged as little as a right one.
    assert httpx.get(f"{base}/v1/cases", headers={"Authorization": "Bearer dck_wrong-key-in-the-log-test"}).is_error
    secrets.append("dck_wrong-key-in-the-log-test")
    return secrets


def test_no_iban_name_reference_key_or_token_in_the_logs(database_url: str) -> None:
    world = build_world(database_url)
    keys = {handle: party.key for handle, party in world.parties.items()}
    organisations = {handle: party.organisation_id for handle, party in world.parties.items()}
    port = free_port()
    env = {**os.environ, "DEBT_COORD_DATABASE_URL": database_url, "DEBT_COORD_SEED_DEMO": "false",
           "DEBT_COORD_DATA_DIR": tempfile.mkdtemp()}
    with tempfile.NamedTemporaryFile(mode="w+", suffix=".log") as log:
        process = subprocess.Popen([sys.executable, "-c", SERVE, str(port)], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for_health(process, f"http://127.0.0.1:{port}", Path(log.name).read_text)
            secrets = run_flow(f"http://127.0.0.1:{port}", keys, organisations)
        finally:
            process.terminate()
            process.wait(timeout=30)
        text = Path(log.name).read_text()

    assert "DEBUG" in text and "uvicorn.access" in text and "sqlalchemy.engine" in text, "the log is not at DEBUG"
    secrets += list(keys.values()) + [key.removeprefix("dck_") for key in keys.values()]
    # IBANs also as they are written on paper, in groups of four.
    secrets += [" ".join(iban[i:i + 4] for i in range(0, len(iban), 4)) for iban in IBANS]
    leaked = sorted({secret for secret in secrets if secret in text})
    lines = [line for line in text.splitlines() if any(secret in line for secret in leaked)][:10]
    assert not leaked, f"in the log: {leaked}\n" + "\n".join(lines)
