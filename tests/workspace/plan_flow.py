"""A case with six creditors' claims and income (built through the API), and the plan builder's steps as a
signed-in browser takes them: ask, follow the job, read the version."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from typing import Any

from litestar.testing import TestClient

from tests.creditor_links.flow import table_rows
from tests.debtor.flow import CLAIMS, CREDITORS, INCOME
from tests.support import World, open_case_with_creditors
from tests.workspace.support import HTML, post_form

SVG = "{http://www.w3.org/2000/svg}"


def case_with_claims(client: TestClient[Any], world: World, reference: str = "2026-0001") -> str:
    case_id = open_case_with_creditors(client, world, *CREDITORS, reference=reference)
    assert client.put(f"/v1/cases/{case_id}/income", json=INCOME, headers=world.counsellor.headers).is_success
    for handle in CREDITORS:
        answer = client.post(f"/v1/cases/{case_id}/claims", json=CLAIMS[handle], headers=world.parties[handle].headers)
        assert answer.status_code == 201, answer.text
    return case_id


def follow_job(client: TestClient[Any], job_page: str) -> str:
    """Polls the job as htmx does (the fragment only) until it says where the plan is; that is also where the
    page itself sends a browser without JavaScript. Returns the plan's page path."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        polled = client.get(job_page, headers={**HTML, "HX-Request": "true"}, follow_redirects=False)
        assert polled.status_code == 200, polled.text
        if "hx-redirect" in polled.headers:
            target = polled.headers["hx-redirect"]
            page = client.get(job_page, headers=HTML, follow_redirects=False)
            assert page.status_code == 303 and page.headers["location"] == target
            return target
        assert "<html" not in polled.text and 'id="job-status"' in polled.text
        assert 'data-status="queued"' in polled.text or 'data-status="running"' in polled.text, polled.text
        assert 'id="job-refresh"' in polled.text  # the way on without JavaScript
        time.sleep(0.2)
    raise AssertionError("the plan job did not finish")


def ask(client: TestClient[Any], case_id: str, **fields: str) -> str:
    """Sends the ask form; returns the plan page's path once the job is done."""
    answer = post_form(client, f"/app/cases/{case_id}/plans", fields)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert re.fullmatch(rf"/app/cases/{case_id}/plans/jobs/[0-9a-f-]{{36}}", location)
    return follow_job(client, location)


def plan_id_of(path: str) -> str:
    found = re.search(r"plan=([0-9a-f-]{36})", path)
    assert found, path
    return found.group(1)


def chart(html: str) -> ET.Element:
    found = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert found, "no chart on the page"
    return ET.fromstring(found.group(0))


def chart_blocks(html: str) -> dict[str, list[int]]:
    """Per bar (its date): the blocks' amounts in cents, bottom to top."""
    return {bar.get("data-date") or "": [int(r.get("data-cents") or 0) for r in bar.findall(f"{SVG}rect")]
            for bar in chart(html).findall(f"{SVG}g")}


def rows(html: str, table_id: str) -> list[list[str]]:
    return table_rows(html, table_id)
