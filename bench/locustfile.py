"""Locust users for bench/load_bench.py: one user class per route, each at a steady rate.

Not meant to be run by hand (load_bench.py seeds the database, starts the server and runs
`locust --headless` on this file), but it can be:

    DEBT_COORD_LOAD_SEED=seed.json DEBT_COORD_LOAD_ROUTES='{"overview": [4, 10]}' \
        .venv/bin/locust -f bench/locustfile.py --headless --host http://127.0.0.1:8000 -t 60s

DEBT_COORD_LOAD_SEED is the JSON printed by bench/seed.py; DEBT_COORD_LOAD_ROUTES maps a route's
name to [users, requests per second in all]. A route is one entry of ROUTES below: adding one is
a name, the key it reads with and the request it makes.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from locust import HttpUser, constant_throughput

SEED: dict[str, Any] = json.loads(Path(os.environ["DEBT_COORD_LOAD_SEED"]).read_text())
CASES: list[dict[str, Any]] = SEED["cases"]
PLANNED: dict[str, str] = SEED.get("planned", {})
"""Case id -> its proposed plan: those cases no longer collect claims, and their debtor has a schedule."""
SCHEDULED = [c for c in CASES if c["id"] in SEED.get("debtor_tokens", {}) and c["id"] in PLANNED]
COLLECTING = [c for c in CASES if c["id"] not in PLANNED and c["id"] not in set(SEED.get("asked", []))]
IBAN = "NL91ABNA0417164300"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def counsellor() -> dict[str, str]:
    return bearer(SEED["counsellor_key"])


def trivial(user: HttpUser) -> None:
    """Liveness: the server and nothing else, the floor every route is compared with."""
    user.client.get("/health", name="trivial: GET /health")


def ready(user: HttpUser) -> None:
    """Readiness: one round trip to the database (SELECT 1) on top of the trivial route."""
    user.client.get("/ready", name="GET /ready (SELECT 1)")


def case_read(user: HttpUser) -> None:
    case = random.choice(CASES)
    user.client.get(f"/v1/cases/{case['id']}", headers=counsellor(), name="GET /v1/cases/{id}")


def overview(user: HttpUser) -> None:
    case = random.choice(CASES)
    user.client.get(f"/v1/cases/{case['id']}/overview", headers=counsellor(), name="GET /v1/cases/{id}/overview")


def claim_list(user: HttpUser) -> None:
    """A creditor's system reading its own claims on a case it is invited to."""
    case = random.choice(CASES)
    creditor = random.choice(case["creditors"])
    user.client.get(f"/v1/cases/{case['id']}/claims", headers=bearer(SEED["creditor_keys"][creditor]),
                    name="GET /v1/cases/{id}/claims (creditor)")


def claim_list_all(user: HttpUser) -> None:
    """The counsellor reading every claim of a case."""
    case = random.choice(CASES)
    user.client.get(f"/v1/cases/{case['id']}/claims", headers=counsellor(),
                    name="GET /v1/cases/{id}/claims (counsellor)")


def register_claim(user: HttpUser) -> None:
    case = random.choice(COLLECTING)
    creditor = random.choice(case["creditors"])
    reference = uuid.uuid4().hex[:12]
    body = {"creditor_reference": f"L-{reference}", "principal_cents": random.randrange(2_000, 500_000),
            "interest_cents": 0, "costs_cents": 0, "claim_class": "concurrent", "iban": IBAN,
            "payment_reference": f"Dossier L-{reference}", "arose_on": "2026-01-15"}
    headers = {**bearer(SEED["creditor_keys"][creditor]), "Idempotency-Key": reference}
    with user.client.post(f"/v1/cases/{case['id']}/claims", json=body, headers=headers,
                          name="POST /v1/cases/{id}/claims", catch_response=True) as response:
        if response.status_code != 201:
            response.failure(f"{response.status_code}: {response.text[:200]}")


def debtor_schedule(user: HttpUser) -> None:
    """The debtor opening the combined schedule with the debtor-link token (cases with a proposed plan)."""
    case = random.choice(SCHEDULED)
    token = SEED["debtor_tokens"][case["id"]]
    user.client.get("/v1/debtor/schedule", headers={**bearer(token), "Accept": "application/json"},
                    name="GET /v1/debtor/schedule")


ROUTES: dict[str, Callable[[HttpUser], None]] = {
    "trivial": trivial,
    "ready": ready,
    "case": case_read,
    "overview": overview,
    "claims": claim_list,
    "claims_all": claim_list_all,
    "register": register_claim,
    "schedule": debtor_schedule,
}
"""Every route the bench can load; DEBT_COORD_LOAD_ROUTES chooses which and how hard."""


def _user_class(name: str, users: int, per_second: float) -> type[HttpUser]:
    request = ROUTES[name]

    return type(f"{name.title().replace('_', '')}User", (HttpUser,), {
        "fixed_count": users,
        "wait_time": constant_throughput(per_second / users),
        "tasks": [request],
        "__module__": __name__,
    })


for _name, (_users, _rate) in json.loads(os.environ.get("DEBT_COORD_LOAD_ROUTES", "{}")).items():
    if _name == "schedule" and not SCHEDULED:
        continue  # this version of the service has no debtor schedule (or no case has a plan)
    globals()[f"{_name.title().replace('_', '')}User"] = _user_class(_name, int(_users), float(_rate))
