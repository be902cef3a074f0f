"""Who gets what: every route of the app, walked with every role.

The table EXPECTED is the authorization contract. A route added to the app without a row
here fails `test_the_table_covers_every_route_of_the_app`: whoever adds a route decides,
in this table, who may call it.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import create_engine, inspect, select, text

from api.app import create_app
from debt_coord.bootstrap import provide_services
from debt_coord.jobs.models import JobKind
from debt_coord.jobs.store import enqueue
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.clock import today as date_today
from debt_coord.kernel.database import sync_url
from debt_coord.kernel.settings import Settings
from debt_coord.organisations.models import ApiKey
from tests.money_in.statement_flow import CAMT, Line, camt053, recent_plan_case
from tests.negotiation.flow import wait_for_plan
from tests.payouts.flow import ORG_IBAN, execution_day, made_run
from tests.support import IBANS, World, api_client, build_world, case_body, claim_body, open_case_with_creditors

# Who calls. "owner" is an invited creditor that owns the claim on the path; "invited" is
# another invited creditor; "outsider" is a creditor not invited to the case; "revoked" is a
# key (admin, counsellor and creditor alike) revoked through DELETE /v1/api-keys/{id}.
ROLES = ("anonymous", "revoked", "admin", "counsellor", "other_counsellor", "owner", "invited", "outsider")
Row = dict[str, int]


def public(status: int) -> Row:
    """No key needed: everyone, even with a revoked key, gets `status`."""
    return dict.fromkeys(ROLES, status)


def protected(*, admin: int, counsellor: int, other_counsellor: int, owner: int, invited: int, outsider: int) -> Row:
    """Needs a live key: none or a revoked one gets 401."""
    return {"anonymous": 401, "revoked": 401, "admin": admin, "counsellor": counsellor,
            "other_counsellor": other_counsellor, "owner": owner, "invited": invited, "outsider": outsider}


def debtor_only() -> Row:
    """Opened by a debtor link's token only: none gets 401, any API key (of any role, even revoked) 404."""
    return {**dict.fromkeys(ROLES, 404), "anonymous": 401}


def workspace_page() -> Row:
    """A workspace page (/app): a signed-in session opens it, never an API key; everyone here is sent to sign in
    (303). Its forms (POST) are refused without their CSRF token (403) before anything else. tests/workspace signs
    in and checks that a user sees its own organisation's cases only."""
    return public(303)


# 403: the role may never do this, whatever the object. 404: the object is not the caller's
# (a foreign case or claim), answered exactly as if it did not exist.
EXPECTED: dict[tuple[str, str], Row] = {
    ("GET", "/"): public(302),
    ("GET", "/health"): public(200),
    ("GET", "/ready"): public(200),
    # Metrics open with their own token only (DEBT_COORD_METRICS_TOKEN); without one there are none, for anyone.
    # tests/observability covers the token: 401 for a wrong one or an API key, 200 for it.
    ("GET", "/metrics"): public(404),
    ("POST", "/v1/organisations"):
        protected(admin=201, counsellor=403, other_counsellor=403, owner=403, invited=403, outsider=403),
    ("GET", "/v1/organisations"):
        protected(admin=200, counsellor=200, other_counsellor=200, owner=403, invited=403, outsider=403),
    ("POST", "/v1/api-keys"):
        protected(admin=201, counsellor=403, other_counsellor=403, owner=403, invited=403, outsider=403),
    ("GET", "/v1/api-keys"):
        protected(admin=200, counsellor=403, other_counsellor=403, owner=403, invited=403, outsider=403),
    ("DELETE", "/v1/api-keys/{key_id}"):
        protected(admin=204, counsellor=403, other_counsellor=403, owner=403, invited=403, outsider=403),
    ("POST", "/v1/cases"):
        protected(admin=403, counsellor=201, other_counsellor=201, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases"):
        protected(admin=403, counsellor=200, other_counsellor=200, owner=200, invited=200, outsider=200),
    ("GET", "/v1/cases/{case_id}"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=200, invited=200, outsider=404),
    ("POST", "/v1/cases/{case_id}/creditors"):
        protected(admin=403, counsellor=201, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases/{case_id}/creditors"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("PUT", "/v1/cases/{case_id}/income"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases/{case_id}/income"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("PUT", "/v1/cases/{case_id}/payment-route"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases/{case_id}/overview"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("POST", "/v1/cases/{case_id}/claims"):
        protected(admin=403, counsellor=403, other_counsellor=403, owner=201, invited=201, outsider=404),
    ("GET", "/v1/cases/{case_id}/claims"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=200, invited=200, outsider=404),
    ("GET", "/v1/cases/{case_id}/claims/{claim_id}"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=200, invited=404, outsider=404),
    ("PATCH", "/v1/cases/{case_id}/claims/{claim_id}"):
        protected(admin=403, counsellor=403, other_counsellor=403, owner=200, invited=404, outsider=404),
    ("DELETE", "/v1/cases/{case_id}/claims/{claim_id}"):
        protected(admin=403, counsellor=403, other_counsellor=403, owner=204, invited=404, outsider=404),
    # A job is seen by the organisation that asked for it; to everyone else it does not exist.
    ("GET", "/v1/jobs/{job_id}"):
        protected(admin=404, counsellor=200, other_counsellor=404, owner=404, invited=404, outsider=404),
    # Webhooks: a creditor or counselling organisation manages its own endpoints; others' do not exist for it.
    ("POST", "/v1/webhooks"):
        protected(admin=403, counsellor=201, other_counsellor=201, owner=201, invited=201, outsider=201),
    ("GET", "/v1/webhooks"):
        protected(admin=403, counsellor=200, other_counsellor=200, owner=200, invited=200, outsider=200),
    ("DELETE", "/v1/webhooks/{webhook_id}"):
        protected(admin=403, counsellor=404, other_counsellor=404, owner=204, invited=404, outsider=404),
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"):
        protected(admin=403, counsellor=404, other_counsellor=404, owner=200, invited=404, outsider=404),
    # Plans. The plan's case has c1 ("owner") with a claim and c2 ("invited") invited without one: a creditor
    # sees a proposed plan only when it has a claim in it; the counsellor's moves are the counsellor's alone.
    ("POST", "/v1/cases/{case_id}/plans"):
        protected(admin=403, counsellor=202, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases/{case_id}/plans"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=200, invited=200, outsider=404),
    ("POST", "/v1/cases/{case_id}/close"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases/{case_id}/audit"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/plans/{plan_id}"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=200, invited=404, outsider=404),
    ("GET", "/v1/plans/{plan_id}/compare/{other_id}"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("POST", "/v1/plans/{plan_id}/propose"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("POST", "/v1/plans/{plan_id}/decisions"):
        protected(admin=403, counsellor=403, other_counsellor=403, owner=201, invited=404, outsider=404),
    ("GET", "/v1/plans/{plan_id}/decisions"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=200, invited=404, outsider=404),
    ("POST", "/v1/plans/{plan_id}/reconsiderations"):
        protected(admin=403, counsellor=201, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("POST", "/v1/plans/{plan_id}/reminders"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/plans/{plan_id}/acceptance"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("POST", "/v1/plans/{plan_id}/what-if"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("POST", "/v1/plans/{plan_id}/activate"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    # A creditor's own standing terms; there is no one else's to reach.
    ("PUT", "/v1/acceptance-policy"):
        protected(admin=403, counsellor=403, other_counsellor=403, owner=200, invited=200, outsider=200),
    ("GET", "/v1/acceptance-policy"):
        protected(admin=403, counsellor=403, other_counsellor=403, owner=200, invited=200, outsider=200),
    ("DELETE", "/v1/acceptance-policy"):
        protected(admin=403, counsellor=403, other_counsellor=403, owner=204, invited=204, outsider=204),
    # Debtor links: the counsellor of the case makes, lists and revokes them.
    ("POST", "/v1/cases/{case_id}/debtor-links"):
        protected(admin=403, counsellor=201, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases/{case_id}/debtor-links"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("DELETE", "/v1/cases/{case_id}/debtor-links/{link_id}"):
        protected(admin=403, counsellor=204, other_counsellor=404, owner=403, invited=403, outsider=403),
    # Money in, on a case with an active plan: the counsellor records for any claim, a creditor for its own
    # (c2, invited without a claim, names c1's claim and is refused at the field); each sees what it may.
    ("POST", "/v1/cases/{case_id}/receipts"):
        protected(admin=403, counsellor=201, other_counsellor=404, owner=201, invited=422, outsider=404),
    ("GET", "/v1/cases/{case_id}/receipts"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=200, invited=200, outsider=404),
    ("POST", "/v1/cases/{case_id}/receipts/{receipt_id}/reversal"):
        protected(admin=403, counsellor=201, other_counsellor=404, owner=201, invited=404, outsider=404),
    ("GET", "/v1/cases/{case_id}/installments"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=200, invited=200, outsider=404),
    # Completion, on a case whose plan is paid: the statement of every claim (a creditor: its own), and a creditor's
    # discharge of its own claims (c2 names c1's claim and is refused at the field). Discharging twice is fine.
    ("GET", "/v1/cases/{case_id}/final-statement"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=200, invited=200, outsider=404),
    ("POST", "/v1/cases/{case_id}/final-statement/discharges"):
        protected(admin=403, counsellor=403, other_counsellor=403, owner=200, invited=422, outsider=404),
    # Bank statements of the debtor's account, on a case whose plan began months ago (so a statement booked today
    # pays due installments): the case's counsellor alone imports, reads and matches them.
    ("POST", "/v1/cases/{case_id}/statements"):
        protected(admin=403, counsellor=201, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases/{case_id}/statements"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases/{case_id}/statements/{statement_id}"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("POST", "/v1/cases/{case_id}/statements/{statement_id}/matches"):
        protected(admin=403, counsellor=201, other_counsellor=404, owner=403, invited=403, outsider=403),
    # The debtor's schedule opens only with a debtor token: no token is 401, and every API key, live or revoked,
    # is answered like an unknown link (tests/debtor shows that a real debtor token opens them).
    ("GET", "/debtor"): debtor_only(),
    ("GET", "/v1/debtor/schedule"): debtor_only(),
    ("GET", "/v1/debtor/schedule.ics"): debtor_only(),
    # Creditor links: the case's counsellor makes, lists and revokes them on a proposed version (the walk's shared
    # plan: version 2, with c1's claim). The page opens with a creditor link's token only (like the debtor's: none
    # is 401, any API key 404), and its forms need the page's CSRF token: without it, 403 for everyone and nothing
    # done (tests/creditor_links shows that a real token and form are taken).
    ("POST", "/v1/plans/{plan_id}/creditor-links"):
        protected(admin=403, counsellor=201, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/plans/{plan_id}/creditor-links"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("DELETE", "/v1/plans/{plan_id}/creditor-links/{creditor_link_id}"):
        protected(admin=403, counsellor=204, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/creditor"): debtor_only(),
    ("POST", "/creditor"): public(403),
    # The counsellor's workspace (api/workspace): sign-in, set-password and the language switch are open to all.
    ("GET", "/app"): workspace_page(),
    ("GET", "/app/login"): public(200),
    ("POST", "/app/login"): public(403),
    ("POST", "/app/logout"): public(403),
    ("GET", "/app/set-password"): public(404),
    ("POST", "/app/set-password"): public(403),
    ("GET", "/app/language"): public(303),
    ("GET", "/app/cases"): workspace_page(),
    ("POST", "/app/cases"): public(403),
    # The case page (api/workspace/case_page.py): a page like the board; its forms need their CSRF token.
    ("GET", "/app/cases/{case_id}"): workspace_page(),
    ("POST", "/app/cases/{case_id}/income"): public(403),
    ("POST", "/app/cases/{case_id}/payment-route"): public(403),
    ("POST", "/app/cases/{case_id}/creditors"): public(403),
    ("POST", "/app/cases/{case_id}/claims"): public(403),
    ("POST", "/app/cases/{case_id}/letter"): public(403),
    # The plan builder and the negotiation board (api/workspace/plans.py, negotiation.py): pages and forms alike.
    ("GET", "/app/cases/{case_id}/plans"): workspace_page(),
    ("POST", "/app/cases/{case_id}/plans"): public(403),
    ("POST", "/app/cases/{case_id}/plans/what-if"): public(403),
    ("GET", "/app/cases/{case_id}/plans/jobs/{job_id}"): workspace_page(),
    ("GET", "/app/cases/{case_id}/negotiation"): workspace_page(),
    ("POST", "/app/cases/{case_id}/negotiation/propose"): public(403),
    ("POST", "/app/cases/{case_id}/negotiation/remind"): public(403),
    ("POST", "/app/cases/{case_id}/negotiation/reconsider"): public(403),
    ("POST", "/app/cases/{case_id}/negotiation/links"): public(403),
    ("POST", "/app/cases/{case_id}/negotiation/activate"): public(403),
    ("GET", "/app/static/{file_path}"): public(200),  # htmx (api/workspace/assets.py): a file, for everyone
    # The debtor's contacts, consent, preferences and messages: the case's counsellor alone (a creditor never sees
    # them); the stop link in every message takes a debtor token only (tests/messages/test_contacts_api.py).
    ("GET", "/v1/cases/{case_id}/contacts"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("PUT", "/v1/cases/{case_id}/contacts"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("POST", "/v1/cases/{case_id}/contacts/opt-out"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases/{case_id}/message-preferences"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("PUT", "/v1/cases/{case_id}/message-preferences"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("POST", "/v1/cases/{case_id}/messages"):
        protected(admin=403, counsellor=201, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases/{case_id}/messages"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/debtor/opt-out"): debtor_only(),
    ("POST", "/v1/debtor/opt-out"): debtor_only(),
    # Provider callbacks: the provider's signature is the key (tests/messages/test_callbacks.py: right ones move a
    # message, wrong ones get 403); a channel without its secrets, as in this walk, takes none: 404 for everyone.
    ("POST", "/v1/callbacks/sms"): public(404),
    ("POST", "/v1/callbacks/whatsapp"): public(404),
    ("GET", "/v1/callbacks/whatsapp"): public(404),
    # What works: a counsellor organisation's report on its own messages (each its own; creditors never).
    ("GET", "/v1/reports/reminders"):
        protected(admin=403, counsellor=200, other_counsellor=200, owner=403, invited=403, outsider=403),
    # Payouts via the counsellor: an organisation's runs and payout account are its counsellors' alone. A new run
    # finds nothing due (409: no payout account yet, or the walk's run paid it all); the other organisation has no
    # payout account, so a statement of ours is not of its account (422).
    ("POST", "/v1/payout-runs"):
        protected(admin=403, counsellor=409, other_counsellor=409, owner=403, invited=403, outsider=403),
    ("GET", "/v1/payout-runs"):
        protected(admin=403, counsellor=200, other_counsellor=200, owner=403, invited=403, outsider=403),
    ("GET", "/v1/payout-runs/{run_id}"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("GET", "/v1/payout-runs/{run_id}/pain.001"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
    ("POST", "/v1/account-statements"):
        protected(admin=403, counsellor=201, other_counsellor=422, owner=403, invited=403, outsider=403),
    ("GET", "/v1/cases/{case_id}/payouts"):
        protected(admin=403, counsellor=200, other_counsellor=404, owner=403, invited=403, outsider=403),
}

@dataclass(frozen=True)
class Raw:
    """A request body that is a file: sent as it is, with its own Content-Type."""

    content: bytes
    media_type: str


# The state a successful call consumes; only the caller expected to succeed gets a fresh one.
FRESH: dict[tuple[str, str], str] = {
    ("POST", "/v1/cases/{case_id}/plans"): "case",
    ("POST", "/v1/cases/{case_id}/close"): "case",
    ("POST", "/v1/plans/{plan_id}/propose"): "draft",
    ("POST", "/v1/plans/{plan_id}/decisions"): "proposed",
    ("POST", "/v1/plans/{plan_id}/reconsiderations"): "rejected",
    ("POST", "/v1/plans/{plan_id}/activate"): "accepted",
}

# Refused at once on loopback: nothing leaves the machine if the walk ever triggers a delivery.
WEBHOOK = {"url": "http://127.0.0.1:9/walk", "events": ["plan.proposed", "decision.recorded"]}
INCOME = {"streams": [{"id": "salaris", "amount_cents": 180_000, "available_cents": 15_000, "day_of_month": 24}]}
PLAN_ASK = {"start_date": "2027-01-01", "months": 6, "time_limit_seconds": 2}


class Walk:
    """One case of `counsellor` with c1 (owner) and c2 (invited); fresh objects where a call consumes one."""

    def __init__(self, client: TestClient[Any], world: World) -> None:
        self.client, self.world = client, world
        self.serial = itertools.count(1)
        self.case_id = open_case_with_creditors(client, world, "c1", "c2")
        self.revoked_keys = [self.revoke(self.issue_key(handle)) for handle in ("admin", "counsellor", "c1")]
        self.job_id: str | None = None
        self.shared: tuple[str, str, str] | None = None
        self.active: tuple[str, str] | None = None
        self.paid: tuple[str, str] | None = None
        self.paying: tuple[str, dict[str, Any]] | None = None
        self.unmatched_entry = ""

    def unique(self) -> int:
        return next(self.serial)

    def issue_key(self, handle: str) -> dict[str, Any]:
        party = self.world.parties[handle]
        body = {"organisation_id": party.organisation_id, "role": party.role.value, "label": "walk"}
        answer = self.client.post("/v1/api-keys", json=body, headers=self.world.admin.headers)
        assert answer.status_code == 201, answer.text
        issued: dict[str, Any] = answer.json()
        return issued

    def revoke(self, issued: dict[str, Any]) -> str:
        answer = self.client.delete(f"/v1/api-keys/{issued['id']}", headers=self.world.admin.headers)
        assert answer.status_code == 204, answer.text
        key: str = issued["key"]
        return key

    def fresh_claim(self) -> str:
        body = claim_body(f"OWN-{self.unique()}", 25_000)
        answer = self.client.post(f"/v1/cases/{self.case_id}/claims", json=body, headers=self.world.c1.headers)
        assert answer.status_code == 201, answer.text
        claim_id: str = answer.json()["id"]
        return claim_id

    def path_value(self, name: str) -> str:
        if name == "case_id":
            return self.case_id
        if name == "claim_id":
            return self.fresh_claim()  # owned by c1, the "owner"; fresh so a DELETE consumes nothing shared
        if name == "key_id":
            return str(self.issue_key("c3")["id"])
        if name == "job_id":
            return self.job()
        if name == "webhook_id":
            return self.fresh_webhook()  # c1's, the "owner"; fresh so a DELETE consumes nothing shared
        if name == "plan_id":
            return self.shared_plan()[1]
        if name == "other_id":
            return self.shared_plan()[2]
        if name == "receipt_id":
            return self.fresh_receipt()  # c1's on the active case; fresh so a reversal consumes nothing shared
        if name == "link_id":
            return self.fresh_debtor_link()  # on the walk's case; fresh so a DELETE consumes nothing shared
        if name == "creditor_link_id":
            return self.fresh_creditor_link()  # c1's on the shared plan; fresh so a DELETE consumes nothing shared
        if name == "statement_id":
            return self.fresh_statement()  # on the paying case; fresh so a match consumes nothing shared
        if name == "file_path":
            return "htmx.min.js"
        if name == "run_id":
            return self.payout_run
        raise AssertionError(f"no value for path parameter {{{name}}}: teach Walk.path_value about it")

    def values(self, route: tuple[str, str], names: list[str], *, succeeds: bool) -> dict[str, str]:
        """Path values for one call: a fresh plan or case where a successful call would consume it."""
        if succeeds and route in FRESH:
            case_id, plan_id = self.plan_case(FRESH[route])
            return {"case_id": case_id, "plan_id": plan_id}
        if route[1].startswith("/v1/cases/{case_id}/plans") or route[1].endswith(("/close", "/audit")):
            return {"case_id": self.shared_plan()[0]}
        if route[1].startswith("/v1/cases/{case_id}/statements"):
            case_id = self.statement_case()[0]
            return {"case_id": case_id, **({"statement_id": self.fresh_statement()} if "statement_id" in names else {})}
        if route[1].startswith("/v1/cases/{case_id}/final-statement"):
            return {"case_id": self.paid_case()[0]}
        if route[1].startswith(("/v1/cases/{case_id}/receipts", "/v1/cases/{case_id}/installments")):
            case_id = self.active_case()[0]
            return {"case_id": case_id, **({"receipt_id": self.fresh_receipt()} if "receipt_id" in names else {})}
        return {name: self.path_value(name) for name in names}

    def shared_plan(self) -> tuple[str, str, str]:
        """(case, proposed version 2, superseded version 1), never changed by the walk."""
        if self.shared is None:
            case_id, first = self.plan_case("draft")
            counsellor = self.world.counsellor.headers
            asked = self.client.post(f"/v1/cases/{case_id}/plans", json=PLAN_ASK, headers=counsellor)
            second = wait_for_plan(self.client, asked.headers["location"], counsellor)
            assert self.client.post(f"/v1/plans/{second}/propose", json={}, headers=counsellor).is_success
            self.shared = (case_id, second, first)
        return self.shared

    def plan_case(self, stage: str) -> tuple[str, str]:
        """A new case of `counsellor` with c1's claim and c2 invited, its plan taken to `stage`."""
        case_id = open_case_with_creditors(self.client, self.world, "c1", "c2", reference=f"PLAN-{self.unique()}")
        counsellor, owner = self.world.counsellor.headers, self.world.c1.headers
        assert self.client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=counsellor).is_success
        claim = self.client.post(f"/v1/cases/{case_id}/claims", json=claim_body("PLAN", 40_000), headers=owner)
        assert claim.status_code == 201, claim.text
        if stage == "case":
            return case_id, ""
        asked = self.client.post(f"/v1/cases/{case_id}/plans", json=PLAN_ASK, headers=counsellor)
        assert asked.status_code == 202, asked.text
        plan_id = wait_for_plan(self.client, asked.headers["location"], counsellor)
        if stage != "draft":
            assert self.client.post(f"/v1/plans/{plan_id}/propose", json={}, headers=counsellor).is_success
        decision = {"rejected": {"decision": "reject", "reason": "te weinig"}, "accepted": {"decision": "accept"}}
        if stage in decision:
            answer = self.client.post(f"/v1/plans/{plan_id}/decisions", headers=owner,
                                      json={"plan_version": 1, **decision[stage]})
            assert answer.status_code == 201, answer.text
        return case_id, plan_id

    def active_case(self) -> tuple[str, str]:
        """(case, c1's claim) of a case whose plan is active, never changed by the walk but for receipts."""
        if self.active is None:
            case_id, plan_id = self.plan_case("accepted")
            answer = self.client.post(f"/v1/plans/{plan_id}/activate", headers=self.world.counsellor.headers)
            assert answer.status_code == 200, answer.text
            claims = self.client.get(f"/v1/cases/{case_id}/claims", headers=self.world.c1.headers).json()
            self.active = (case_id, claims[0]["id"])
        return self.active

    def paid_case(self) -> tuple[str, str]:
        """(case, c1's claim) of an active plan paid in full: its final statement is there; discharging completes it."""
        if self.paid is None:
            case_id, plan_id = self.plan_case("accepted")
            answer = self.client.post(f"/v1/plans/{plan_id}/activate", headers=self.world.counsellor.headers)
            assert answer.status_code == 200, answer.text
            [claim] = self.client.get(f"/v1/cases/{case_id}/claims", headers=self.world.c1.headers).json()
            body = {"claim_id": claim["id"], "amount_cents": claim["principal_cents"], "date": date_today().isoformat()}
            paid = self.client.post(f"/v1/cases/{case_id}/receipts", json=body, headers=self.world.counsellor.headers)
            assert paid.status_code == 201, paid.text
            self.paid = (case_id, claim["id"])
        return self.paid

    def receipt_body(self) -> dict[str, Any]:
        return {"claim_id": self.active_case()[1], "amount_cents": 100, "date": date_today().isoformat()}

    def fresh_receipt(self) -> str:
        """c1's receipt on the active case; fresh so a reversal consumes nothing shared."""
        case_id = self.active_case()[0]
        answer = self.client.post(f"/v1/cases/{case_id}/receipts", json=self.receipt_body(),
                                  headers=self.world.c1.headers)
        assert answer.status_code == 201, answer.text
        receipt_id: str = answer.json()["id"]
        return receipt_id

    def statement_case(self) -> tuple[str, dict[str, Any]]:
        """(case, c1's claim) of a case whose plan began three months ago: a statement booked today pays it."""
        if self.paying is None:
            self.paying = recent_plan_case(self.client, self.world, reference=f"PAYING-{self.unique()}")
        return self.paying

    def statement_file(self) -> Raw:
        """A new statement of the debtor's account: a payment to c1 and an entry that is not for the plan."""
        serial, claim = self.unique(), self.statement_case()[1]
        lines = [Line(f"PAY-{serial}", -100, claim["iban"], claim["payment_reference"]),
                 Line(f"SHOP-{serial}", -250, IBANS[2], "boodschappen")]
        return Raw(camt053(lines, message_id=f"WALK-{serial}"), CAMT)

    def fresh_statement(self) -> str:
        """An import on the paying case; remembers its unmatched entry for a match by hand."""
        case_id, file = self.statement_case()[0], self.statement_file()
        answer = self.client.post(f"/v1/cases/{case_id}/statements", content=file.content,
                                  headers={**self.world.counsellor.headers, "Content-Type": file.media_type})
        assert answer.status_code == 201, answer.text
        statement_id: str = answer.json()["statement_id"]
        detail = self.client.get(f"/v1/cases/{case_id}/statements/{statement_id}",
                                 headers=self.world.counsellor.headers).json()
        self.unmatched_entry = next(e["id"] for e in detail["items"] if e["unmatched_cents"])
        return statement_id

    def debtor_contact(self) -> bool:
        """An e-mail address with consent on the walk's case (again: the opt-out of an earlier call is undone)."""
        body = {"channel": "email", "address": "debtor@example.org", "consent_source": "intake form, signed"}
        answer = self.client.put(f"/v1/cases/{self.case_id}/contacts", json=body, headers=self.world.counsellor.headers)
        assert answer.status_code == 200, answer.text
        return True

    def fresh_debtor_link(self) -> str:
        answer = self.client.post(f"/v1/cases/{self.case_id}/debtor-links", json={},
                                  headers=self.world.counsellor.headers)
        assert answer.status_code == 201, answer.text
        link_id: str = answer.json()["id"]
        return link_id

    def fresh_creditor_link(self) -> str:
        body = {"organisation_id": self.world.c1.organisation_id}
        answer = self.client.post(f"/v1/plans/{self.shared_plan()[1]}/creditor-links", json=body,
                                  headers=self.world.counsellor.headers)
        assert answer.status_code == 201, answer.text
        link_id: str = answer.json()["id"]
        return link_id

    @cached_property
    def payout_run(self) -> str:
        """A run of `counsellor`'s: its payout account set, a via_counsellor case with money in its reserve."""
        return made_run(self.client, self.world, self.client.app.state.settings.database_url,
                        f"PAYOUT-{self.unique()}")

    def account_statement(self) -> Raw:
        """A new statement of `counsellor`'s payout account (set first): a credit for no case."""
        assert self.payout_run
        line = Line(f"IN-{self.unique()}", 100, IBANS[3], "gift")
        return Raw(camt053([line], message_id=f"ACCOUNT-{self.unique()}", account=ORG_IBAN), CAMT)

    def fresh_webhook(self) -> str:
        answer = self.client.post("/v1/webhooks", json=WEBHOOK, headers=self.world.c1.headers)
        assert answer.status_code == 201, answer.text
        webhook_id: str = answer.json()["id"]
        return webhook_id

    def job(self) -> str:
        """A job of `counsellor`, queued on the case as asking for a plan queues one (never run: only read)."""
        if self.job_id is None:
            settings = self.client.app.state.settings
            actor = Actor(uuid.UUID(self.world.counsellor.organisation_id), Role.COUNSELLOR, "walk")
            self.job_id = asyncio.run(queue_job(settings, actor, uuid.UUID(self.case_id)))
        return self.job_id

    def callers(self, role: str) -> list[dict[str, str]]:
        """The headers of each caller playing `role`."""
        handle = {"owner": "c1", "invited": "c2"}.get(role, role)
        if role == "anonymous":
            return [{}]
        if role == "revoked":
            return [{"Authorization": f"Bearer {key}"} for key in self.revoked_keys]
        return [self.world.parties[handle].headers]


async def queue_job(settings: Settings, actor: Actor, case_id: uuid.UUID) -> str:
    async with provide_services(settings) as services:
        job = await enqueue(services.uow, kind=JobKind.SOLVE_PLAN, payload={}, actor=actor, case_id=case_id)
        await services.uow.commit()
        return str(job.id)


BODIES: dict[tuple[str, str], Callable[[Walk], Any]] = {
    ("POST", "/v1/organisations"): lambda w: {"name": f"Incasso {w.unique()}", "kind": "creditor"},
    ("POST", "/v1/webhooks"): lambda w: WEBHOOK,
    ("POST", "/v1/api-keys"): lambda w: {"organisation_id": w.world.c3.organisation_id, "role": "creditor"},
    ("POST", "/v1/cases"): lambda w: case_body(f"AUTH-{w.unique()}"),
    ("POST", "/v1/cases/{case_id}/creditors"): lambda w: {"organisation_id": w.world.c3.organisation_id},
    ("PUT", "/v1/cases/{case_id}/income"): lambda w: INCOME,
    ("PUT", "/v1/cases/{case_id}/payment-route"): lambda w: {"payment_route": "direct"},
    ("POST", "/v1/cases/{case_id}/claims"): lambda w: claim_body(f"NEW-{w.unique()}", 10_000),
    ("PATCH", "/v1/cases/{case_id}/claims/{claim_id}"): lambda w: {"principal_cents": 9_000},
    ("POST", "/v1/cases/{case_id}/plans"): lambda w: PLAN_ASK,
    ("POST", "/v1/cases/{case_id}/close"): lambda w: {"state": "withdrawn", "reason": "debtor moved abroad"},
    ("POST", "/v1/plans/{plan_id}/propose"): lambda w: {},
    ("POST", "/v1/plans/{plan_id}/decisions"): lambda w: {"plan_version": 1, "decision": "accept"},
    ("POST", "/v1/plans/{plan_id}/reconsiderations"):
        lambda w: {"organisation_id": w.world.c1.organisation_id, "reason": "Het aanbod is het maximaal haalbare."},
    ("POST", "/v1/plans/{plan_id}/reminders"): lambda w: {},
    ("POST", "/v1/plans/{plan_id}/what-if"):
        lambda w: {"counters": [{"organisation_id": w.world.c1.organisation_id, "min_payment_cents": 5_000}]},
    ("POST", "/v1/plans/{plan_id}/activate"): lambda w: {},
    ("PUT", "/v1/acceptance-policy"): lambda w: {"max_term_months": 36, "min_percentage_bp": 1_000},
    ("POST", "/v1/cases/{case_id}/debtor-links"): lambda w: {"valid_days": 30},
    ("POST", "/v1/plans/{plan_id}/creditor-links"): lambda w: {"organisation_id": w.world.c1.organisation_id},
    ("POST", "/creditor"): lambda w: {"decision": "accept"},
    ("POST", "/app/login"): lambda w: {"email": "x@example.nl", "password": "x"},
    ("POST", "/app/logout"): lambda w: {},
    ("POST", "/app/set-password"): lambda w: {"token": "x", "password": "x", "repeat": "x"},
    ("POST", "/app/cases"): lambda w: {"reference": "R-1"},
    ("POST", "/app/cases/{case_id}/income"): lambda w: {},
    ("POST", "/app/cases/{case_id}/payment-route"): lambda w: {"payment_route": "direct"},
    ("POST", "/app/cases/{case_id}/creditors"): lambda w: {},
    ("POST", "/app/cases/{case_id}/claims"): lambda w: {},
    ("POST", "/app/cases/{case_id}/letter"): lambda w: {},
    ("POST", "/app/cases/{case_id}/plans"): lambda w: {"months": "12"},
    ("POST", "/app/cases/{case_id}/plans/what-if"): lambda w: {},
    ("POST", "/app/cases/{case_id}/negotiation/propose"): lambda w: {},
    ("POST", "/app/cases/{case_id}/negotiation/remind"): lambda w: {},
    ("POST", "/app/cases/{case_id}/negotiation/reconsider"): lambda w: {},
    ("POST", "/app/cases/{case_id}/negotiation/links"): lambda w: {},
    ("POST", "/app/cases/{case_id}/negotiation/activate"): lambda w: {},
    ("POST", "/v1/cases/{case_id}/receipts"): lambda w: w.receipt_body(),
    ("POST", "/v1/cases/{case_id}/receipts/{receipt_id}/reversal"): lambda w: {"reason": "Bank returned it"},
    ("POST", "/v1/cases/{case_id}/final-statement/discharges"): lambda w: {"claim_ids": [w.paid_case()[1]]},
    ("POST", "/v1/cases/{case_id}/statements"): lambda w: w.statement_file(),
    ("POST", "/v1/payout-runs"): lambda w: {"execution_date": execution_day()},
    ("POST", "/v1/account-statements"): lambda w: w.account_statement(),
    ("POST", "/v1/cases/{case_id}/statements/{statement_id}/matches"):
        lambda w: {"entry_id": w.unmatched_entry, "claim_id": w.statement_case()[1]["id"], "amount_cents": 1},
    ("PUT", "/v1/cases/{case_id}/contacts"):
        lambda w: {"channel": "sms", "address": "06 12345678", "consent_source": "intake form, signed"},
    ("POST", "/v1/cases/{case_id}/contacts/opt-out"): lambda w: w.debtor_contact() and {"channel": "email"},
    ("PUT", "/v1/cases/{case_id}/message-preferences"): lambda w: {"language": "tr", "reminder_time": "19:00"},
    ("POST", "/v1/cases/{case_id}/messages"): lambda w: w.debtor_contact() and {"text": "Bel me even terug."},
    ("POST", "/v1/debtor/opt-out"): lambda w: {},
    ("POST", "/v1/callbacks/sms"): lambda w: Raw(b"MessageSid=SM0123&MessageStatus=delivered",
                                                 "application/x-www-form-urlencoded"),
    ("POST", "/v1/callbacks/whatsapp"): lambda w: Raw(b'{"object":"whatsapp_business_account","entry":[]}',
                                                      "application/json"),
}

# A change of a claim names the version it was made on (a fresh claim is at version 1); without it, 428.
HEADERS: dict[tuple[str, str], dict[str, str]] = {
    ("PATCH", "/v1/cases/{case_id}/claims/{claim_id}"): {"If-Match": '"1"'},
    ("DELETE", "/v1/cases/{case_id}/claims/{claim_id}"): {"If-Match": '"1"'},
}


def template(path: str) -> str:
    """'/v1/cases/{case_id:uuid}' -> '/v1/cases/{case_id}'."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def app_routes() -> set[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite:///:memory:", seed_demo=False))
    found = set()
    for route in app.routes:
        if route.path == "/schema" or route.path.startswith("/schema/"):
            continue
        for method in getattr(route, "methods", ()):
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, template(route.path)))
    return found


def call(walk: Walk, method: str, path: str, headers: dict[str, str], values: dict[str, str]) -> Any:
    body = BODIES[(method, path)](walk) if (method, path) in BODIES else None
    if method in ("POST", "PUT", "PATCH") and body is None:
        raise AssertionError(f"{method} {path} needs a request body in BODIES")
    headers = {**headers, **HEADERS.get((method, path), {})}
    if isinstance(body, Raw):  # a file as the body (a bank statement), not JSON
        return walk.client.request(method, path.format(**values), content=body.content, follow_redirects=False,
                                   headers={**headers, "Content-Type": body.media_type})
    return walk.client.request(method, path.format(**values), json=body, headers=headers, follow_redirects=False)


def answer_problem(answer: Any, expected: int) -> str | None:
    """Why `answer` is not a proper answer with status `expected`, or None."""
    if answer.status_code != expected:
        return f"got {answer.status_code} ({answer.text[:120]})"
    if expected < 400:
        return None
    if not answer.headers.get("content-type", "").startswith("application/problem+json"):
        return f"{expected} without application/problem+json"
    if answer.json().get("status") != expected:
        return f"problem body says status {answer.json().get('status')}"
    if expected == 401 and "bearer" not in answer.headers.get("www-authenticate", "").lower():
        return "401 without a Bearer WWW-Authenticate challenge"
    return None


def test_the_table_covers_every_route_of_the_app() -> None:
    routes = app_routes()
    missing = sorted(routes - set(EXPECTED))
    stale = sorted(set(EXPECTED) - routes)
    assert not missing, f"routes without a row in EXPECTED (decide who may call them): {missing}"
    assert not stale, f"rows in EXPECTED for routes the app no longer has: {stale}"
    for key, row in EXPECTED.items():
        assert set(row) == set(ROLES), key
    for method, path in routes:
        if method in ("POST", "PUT", "PATCH"):
            assert (method, path) in BODIES, f"{method} {path} needs a request body in BODIES"


def test_every_role_gets_what_the_table_says(database_url: str) -> None:
    world = build_world(database_url)
    wrong: list[str] = []
    with api_client(database_url) as client:
        walk = Walk(client, world)
        for (method, path), row in EXPECTED.items():
            names = re.findall(r"\{(\w+)\}", path)
            for role in ROLES:
                for headers in walk.callers(role):
                    values = walk.values((method, path), names, succeeds=row[role] < 400)
                    answer = call(walk, method, path, headers, values)
                    if (why := answer_problem(answer, row[role])) is not None:
                        wrong.append(f"{method} {path} as {role}: expected {row[role]}, {why}")
    assert not wrong, "\n".join(wrong)


def test_an_unknown_id_is_answered_exactly_like_a_foreign_one(database_url: str) -> None:
    """Whoever may not see an object cannot tell it apart from one that does not exist."""
    world = build_world(database_url)
    wrong: list[str] = []
    with api_client(database_url) as client:
        walk = Walk(client, world)
        for (method, path), row in EXPECTED.items():
            names = re.findall(r"\{(\w+)\}", path)
            if not names:
                continue
            real = {name: walk.path_value(name) for name in names}  # shared: no call below may succeed
            for role in ROLES:
                headers = walk.callers(role)[0]
                for unknown in names:
                    fake = {**real, unknown: str(uuid.uuid4())}
                    answer = call(walk, method, path, headers, fake)
                    expected = row[role] if row[role] in (303, 401, 403) else 404  # 303: to the workspace's sign-in
                    if (why := answer_problem(answer, expected)) is not None:
                        wrong.append(f"{method} {path} as {role} with unknown {unknown}: expected {expected}, {why}")
                        continue
                    # Compare the bodies where the object replaced by an unknown id is the foreign one.
                    sees_case = EXPECTED[("GET", "/v1/cases/{case_id}")][role] == 200
                    if row[role] != 404 or (unknown == "case_id" and sees_case):
                        continue
                    seen = call(walk, method, path, headers, real)
                    as_seen = seen.text.replace(real[unknown], "<id>")
                    as_unknown = answer.text.replace(fake[unknown], "<id>")
                    if as_seen != as_unknown:
                        wrong.append(f"{method} {path} as {role}: foreign {as_seen} but unknown {as_unknown}")
    assert not wrong, "\n".join(wrong)


def test_listings_show_only_what_the_caller_may_see(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        walk = Walk(client, world)
        own_claim, case_id = walk.fresh_claim(), walk.case_id
        other = client.post(f"/v1/cases/{case_id}/claims", json=claim_body("C2-1", 5_000), headers=world.c2.headers)
        assert other.status_code == 201

        def case_ids(handle: str) -> set[str]:
            return {c["id"] for c in client.get("/v1/cases", headers=world.parties[handle].headers).json()}

        assert case_ids("counsellor") == {case_id}
        assert case_ids("c1") == case_ids("c2") == {case_id}
        assert case_ids("other_counsellor") == case_ids("outsider") == set()

        def claim_ids(handle: str) -> set[str]:
            answer = client.get(f"/v1/cases/{case_id}/claims", headers=world.parties[handle].headers)
            return {c["id"] for c in answer.json()}

        assert claim_ids("c1") == {own_claim}
        assert claim_ids("c2") == {other.json()["id"]}
        assert claim_ids("counsellor") == {own_claim, other.json()["id"]}

        seen_by_creditor = client.get(f"/v1/cases/{case_id}", headers=world.c1.headers).json()
        assert "debtor_contact" not in seen_by_creditor, "a creditor sees no debtor contact details"
        kinds = {o["kind"] for o in client.get("/v1/organisations", headers=world.counsellor.headers).json()}
        assert kinds == {"creditor"}, "a counsellor looks up creditors to invite, nothing else"


def test_a_revoked_key_stops_working_at_once(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        walk = Walk(client, world)
        issued = walk.issue_key("c1")
        mine = {"Authorization": f"Bearer {issued['key']}"}
        assert client.get(f"/v1/cases/{walk.case_id}/claims", headers=mine).status_code == 200

        assert client.delete(f"/v1/api-keys/{issued['id']}", headers=world.admin.headers).status_code == 204
        refused = client.get(f"/v1/cases/{walk.case_id}/claims", headers=mine)
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "revoked" in refused.json()["detail"]
        body = claim_body("AFTER-REVOKE", 1_000)
        assert client.post(f"/v1/cases/{walk.case_id}/claims", json=body, headers=mine).status_code == 401

        # The organisation's other key still works; the listing shows when the key was revoked.
        assert client.get(f"/v1/cases/{walk.case_id}/claims", headers=world.c1.headers).status_code == 200
        listed = {k["id"]: k for k in client.get("/v1/api-keys", headers=world.admin.headers).json()}
        assert listed[issued["id"]]["revoked_at"] is not None
        [c1_key] = [k for k in listed.values() if k["label"] == "c1"]
        assert c1_key["revoked_at"] is None and world.c1.key.startswith(c1_key["prefix"])
        assert all("key" not in k and "key_hash" not in k for k in listed.values())
        # Revoking again changes nothing and does not bring it back.
        assert client.delete(f"/v1/api-keys/{issued['id']}", headers=world.admin.headers).status_code == 204
        assert client.get("/v1/cases", headers=mine).status_code == 401


def test_malformed_or_unknown_keys_get_401(database_url: str) -> None:
    world = build_world(database_url)
    attempts = [
        {"Authorization": world.c1.key},  # no scheme
        {"Authorization": f"Basic {world.c1.key}"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer dck_not-a-real-key"},
        {"Authorization": f"Bearer {world.c1.key}x"},
        {"Authorization": f"Bearer {hashlib.sha256(world.c1.key.encode()).hexdigest()}"},  # the stored hash
    ]
    with api_client(database_url) as client:
        for headers in attempts:
            answer = client.get("/v1/cases", headers=headers)
            assert answer.status_code == 401, headers
            assert answer.headers["content-type"].startswith("application/problem+json")
        assert client.get("/v1/cases", headers={"Authorization": f"bearer {world.c1.key}"}).status_code == 200


def test_keys_are_stored_only_as_sha256_hashes(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        issued = Walk(client, world).issue_key("c2")
    plain_keys = [party.key for party in world.parties.values()] + [issued["key"]]

    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            stored = {row.key_hash for row in connection.execute(select(ApiKey.__table__))}
            everything = []
            for table in inspect(connection).get_table_names():
                everything += [repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table}"'))]
    finally:
        engine.dispose()

    for plain in plain_keys:
        assert hashlib.sha256(plain.encode()).hexdigest() in stored
        assert not any(plain in row for row in everything), "a plain API key is stored in the database"
        assert not any(plain[len("dck_"):] in row for row in everything), "a plain API key is stored in the database"
