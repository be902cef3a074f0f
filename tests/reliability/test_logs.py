"""No IBAN, debtor name, payment reference, API key or debtor token in the logs, even at DEBUG.

A real server process (uvicorn, as `debt-coord serve` runs it, with its access log) with every
logger at DEBUG writing to a file; a whole flow through it: keys issued, a case opened, claims
registered, income, a plan asked and proposed, a decision, a debtor link and the debtor's page.
Then the file is searched for every secret the flow used.

The same with DEBT_COORD_LOG_FORMAT=json: every line is then a JSON object with request_id and trace_id
(the plan request's trace id again on its job's lines), and the server exports its spans over OTLP to a
receiver of the test's own, whose spans are searched for the secrets too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.server import ACCESS_LOG
from bench.processes import free_port, wait_for_health
from tests.live import ROOT
from tests.observability.otlp import OtlpReceiver
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
# JSON: the app's own handler (DEBT_COORD_LOG_FORMAT=json) stays, every logger at DEBUG, and the server is the
# one `debt-coord serve` runs (api.server, on DEBT_COORD_PORT), its access log going through the app's logging.
SERVE_JSON = """
import logging
from api.app import create_app
from api.server import run
from debt_coord.kernel.settings import get_settings
app = create_app()
logging.getLogger().setLevel(logging.DEBUG)
logging.getLogger("sqlalchemy").setLevel(logging.DEBUG)
run(app, get_settings())
"""
METRICS_TOKEN = "dcm_metrics-token-in-the-log-test-42"
# The plan request comes with a trace of the client's and a request id, to be found on its lines.
TRACE_ID, REQUEST_ID = "5a17e0c0ffee4b1d9d3c2b1a09f8e7d6", "log-test-plan-request"
TRACING = {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01", "X-Request-ID": REQUEST_ID}


def run_flow(base: str, keys: dict[str, str], organisations: dict[str, str]) -> list[str]:
    """The flow; returns the secrets it sent or received."""
    secrets: list[str] = []

    def call(method: str, path: str, who: str, status: int, headers: dict[str, str] | None = None,
             **request: Any) -> Any:
        answer = httpx.request(method, f"{base}{path}", headers={"Authorization": f"Bearer {keys[who]}",
                                                                 **(headers or {})}, timeout=60, **request)
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
    job = call("POST", f"/v1/cases/{case_id}/plans", "counsellor", 202, headers=TRACING,
               json={"months": 6, "time_limit_seconds": 2})
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


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_iban_name_reference_key_or_token_in_the_logs(database_url: str, log_format: str) -> None:
    world = build_world(database_url)
    keys = {handle: party.key for handle, party in world.parties.items()}
    organisations = {handle: party.organisation_id for handle, party in world.parties.items()}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DEBT_COORD_DATABASE_URL": database_url, "DEBT_COORD_SEED_DEMO": "false",
           "DEBT_COORD_DATA_DIR": tempfile.mkdtemp(), "DEBT_COORD_PORT": str(port)}  # the links' port too
    receiver = OtlpReceiver().start()
    if log_format == "json":
        env |= {"DEBT_COORD_LOG_FORMAT": "json", "DEBT_COORD_METRICS_TOKEN": METRICS_TOKEN,
                "DEBT_COORD_OTEL_ENDPOINT": receiver.endpoint}
    with tempfile.NamedTemporaryFile(mode="w+", suffix=".log") as log:
        process = subprocess.Popen([sys.executable, "-c", SERVE if log_format == "text" else SERVE_JSON, str(port)],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for_health(process, base, Path(log.name).read_text)
            secrets = run_flow(base, keys, organisations)
            if log_format == "json":
                metrics = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
                assert metrics.status_code == 200 and "debt_coord_solve_seconds_count" in metrics.text
        finally:
            process.terminate()  # a clean stop: the spans still batched are exported on the way out
            process.wait(timeout=30)
            receiver.stop()
        text = Path(log.name).read_text()

    access_log = "uvicorn.access" if log_format == "text" else ACCESS_LOG
    assert "DEBUG" in text and access_log in text and "sqlalchemy.engine" in text, "the log is not at DEBUG"
    secrets += list(keys.values()) + [key.removeprefix("dck_") for key in keys.values()] + [METRICS_TOKEN]
    # IBANs also as they are written on paper, in groups of four.
    secrets += [" ".join(iban[i:i + 4] for i in range(0, len(iban), 4)) for iban in IBANS]
    if log_format == "json":
        text += "\n" + check_json_lines(text)  # and search the lines as they decode, escapes undone
        spans = b"\n".join(receiver.bodies)
        check_spans(receiver)
        assert not [s for s in secrets if s.encode() in spans], "a secret in the exported spans"
    else:
        assert not receiver.bodies, "spans exported without DEBT_COORD_OTEL_ENDPOINT"
    leaked = sorted({secret for secret in secrets if secret in text})
    lines = [line for line in text.splitlines() if any(secret in line for secret in leaked)][:10]
    assert not leaked, f"in the log: {leaked}\n" + "\n".join(lines)


HEX32 = re.compile(r"[0-9a-f]{32}")


def check_json_lines(text: str) -> str:
    """Every line one JSON object with request_id and trace_id; the plan request's on its line and its job's."""
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            records.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"line {number} is not JSON: {line[:200]}") from None
    assert all(isinstance(r, dict) and {"request_id", "trace_id", "level", "message"} <= set(r) for r in records)
    access = [r for r in records if r["logger"] == ACCESS_LOG]
    assert access and all(r["request_id"] for r in access), "an access line without its request id"
    traced = [r for r in access if not re.search(r"GET /(health|ready|metrics) ", r["message"])]
    assert traced and all(HEX32.fullmatch(r["trace_id"] or "") for r in traced), "an access line without a trace"
    [asked] = [r for r in access if re.search(r"POST /v1/cases/[^ ]+/plans ", r["message"])]
    assert (asked["request_id"], asked["trace_id"]) == (REQUEST_ID, TRACE_ID)
    solved = [r for r in records if r["logger"] == "debt_coord.jobs.runner" and "succeeded" in r["message"]]
    assert solved and solved[0]["trace_id"] == TRACE_ID, "the job's lines do not carry the request's trace"
    return "\n".join(str(value) for record in records for value in record.values())


def check_spans(receiver: OtlpReceiver) -> None:
    assert receiver.paths and set(receiver.paths) == {"/v1/traces"}, receiver.paths
    names = {span.name for span in receiver.spans() if span.trace_id == TRACE_ID}
    assert {"POST /v1/cases/{case_id}/plans", "job solve_plan", "solver.solve"} <= names, names
