"""What a creditor link may not do: forms without their CSRF token, dead or foreign links, other routes, markup.

On SQLite and PostgreSQL, through the real app. "Writes nothing" is checked on the row count of every table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, update

from debt_coord.creditor_links.models import CreditorLink
from debt_coord.kernel.database import sync_url
from tests.api.test_authorization import EXPECTED, app_routes
from tests.creditor_links.flow import HTML, creditor_link, hidden, open_page, submit, table_rows, text
from tests.debtor.flow import EXTRA, planned_case
from tests.support import api_client, build_world, row_counts

CREDITOR_ROUTES = {("GET", "/creditor"), ("POST", "/creditor")}


@contextmanager
def engine_of(database_url: str) -> Iterator[Engine]:
    engine = create_engine(sync_url(database_url))
    try:
        yield engine
    finally:
        engine.dispose()


def form(page: str, **fields: str) -> dict[str, str]:
    data = {name: hidden(page, name) for name in ("token", "lang", "plan_version")}
    return {**data, "decision": "accept", **fields}


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client, engine_of(database_url) as engine:
        _, plan_id = planned_case(client, world, activate=False, months=6)
        page = open_page(client, creditor_link(client, world, plan_id, "c1")["token"]).text
        right = hidden(page, "_csrf_token")
        before = row_counts(engine)
        attempts = [
            ("no token", form(page), {}),
            ("a forged token", form(page, _csrf_token="f" * 128), {}),
            ("another page's token, unsigned", form(page, _csrf_token=right[:64] + "0" * 64), {}),
            ("a header that is not the cookie's", form(page), {"x-csrftoken": "x" * 128}),
        ]
        for why, data, headers in attempts:
            refused = client.post("/creditor", data=data, headers={**HTML, **headers})
            assert refused.status_code == 403, why
            assert "Het formulier is verlopen" in text(refused.text), why
        english = client.post("/creditor?lang=en", data=form(page, lang="en"), headers=HTML)  # the English form's
        assert english.status_code == 403 and "The form has expired" in text(english.text)
        as_api = client.post("/creditor", data=form(page))  # a client that does not ask for HTML: a problem
        assert as_api.status_code == 403 and as_api.headers["content-type"].startswith("application/problem+json")
        cookie = client.cookies.get("csrftoken")
        client.cookies.clear()  # the right field without its cookie: a page of another browser
        assert client.post("/creditor", data=form(page, _csrf_token=right), headers=HTML).status_code == 403
        assert row_counts(engine) == before
        client.cookies.set("csrftoken", cookie or "")
        assert submit(client, page, "accept").status_code == 200  # the same form with its token is taken
        assert row_counts(engine)["decisions"] == before["decisions"] + 1


def test_expired_revoked_other_version_and_unknown_links_are_refused_alike(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client, engine_of(database_url) as engine:
        _, plan_id = planned_case(client, world, activate=False, months=6)
        live = creditor_link(client, world, plan_id, "c1")
        revoked = creditor_link(client, world, plan_id, "c1")
        answer = client.delete(f"/v1/plans/{plan_id}/creditor-links/{revoked['id']}", headers=world.counsellor.headers)
        assert answer.status_code == 204
        expired = creditor_link(client, world, plan_id, "c1")
        with engine.begin() as connection:
            connection.execute(update(CreditorLink).where(CreditorLink.id == uuid.UUID(expired["id"]))
                               .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        listed = client.get(f"/v1/plans/{plan_id}/creditor-links", headers=world.counsellor.headers).json()
        assert [(x["id"], x["revoked_at"] is not None) for x in listed] == [
            (live["id"], False), (revoked["id"], True), (expired["id"], False)]
        assert all("token" not in x and "token_hash" not in x for x in listed)

        page = open_page(client, live["token"]).text
        before = row_counts(engine)
        dead = {"revoked": revoked["token"], "expired": expired["token"], "unknown": "crl_" + "x" * 43,
                "an API key": world.c1.key, "the stored hash": hashlib.sha256(live["token"].encode()).hexdigest()}
        bodies = set()
        for why, token in dead.items():
            shown = open_page(client, token)
            assert shown.status_code == 404, why
            bodies.add(text(shown.text))
            posted = submit(client, page.replace(live["token"], token), "accept")
            assert posted.status_code == 404, why
            bodies.add(text(posted.text))
            problem = client.get("/creditor", params={"token": token})
            assert problem.status_code == 404 and problem.headers["content-type"].startswith("application/problem")
        for version in ("2", "0", "one", ""):
            other_version = client.post("/creditor", headers=HTML, data={
                **form(page, plan_version=version), "_csrf_token": hidden(page, "_csrf_token")})
            assert other_version.status_code == 404, version
            bodies.add(text(other_version.text))
        assert bodies == {"Deze link werkt niet De link is verlopen of ingetrokken, of hij is "
                          "niet helemaal gekopieerd. Vraag de schuldhulpverlener om een nieuwe link."}
        assert row_counts(engine) == before
        missing = client.get("/creditor", headers=HTML)
        assert missing.status_code == 401 and "Open deze pagina met de link" in text(missing.text)
        assert "bearer" in client.get("/creditor").headers["www-authenticate"].lower()
        assert open_page(client, live["token"]).status_code == 200  # the live one still opens


def test_a_creditor_link_opens_its_own_allocation_and_no_other_route(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    with api_client(database_url) as client:
        case_id, plan_id = planned_case(client, world, activate=False, months=6)
        plan = client.get(f"/v1/plans/{plan_id}", headers=world.counsellor.headers).json()
        mine, theirs = (creditor_link(client, world, plan_id, h)["token"] for h in ("c1", "c2"))
        pages = {token: open_page(client, token).text for token in (mine, theirs)}
        for token, handle in ((mine, "c1"), (theirs, "c2")):
            party = world.parties[handle]
            assert f"Voor {party.name}" in text(pages[token])
            own = client.get(f"/v1/plans/{plan_id}", headers=party.headers).json()  # what its API key would see
            amounts = sorted(i["amount_cents"] for i in own["installments"])
            shown = sorted(int(re.sub(r"\D", "", row[1])) for row in table_rows(pages[token], "own-payments-table"))
            assert shown == amounts and len(shown) == len(own["installments"])
            [you] = [row for row in table_rows(pages[token], "all-table") if row[0].endswith("(u)")]
            assert you[0] == f"{party.name} (u)"
        assert sorted(table_rows(pages[mine], "own-payments-table")) != sorted(
            table_rows(pages[theirs], "own-payments-table"))
        # The form names no creditor: c1's token decides for c1, whatever else is sent along.
        answer = submit(client, pages[mine], "accept", organisation_id=world.c2.organisation_id)
        assert answer.status_code == 200
        decisions = client.get(f"/v1/plans/{plan_id}/decisions", headers=world.counsellor.headers).json()
        assert [d["organisation_id"] for d in decisions] == [world.c1.organisation_id]
        assert plan["status"] == "proposed"

        # The token opens nothing else: to every other route it is a key that does not work (the contract's
        # "revoked" column: 401, and 404 where a debtor token or a provider's signature is the key).
        bearer = {"Authorization": f"Bearer {mine}"}
        wrong = []
        for method, path in sorted(app_routes() - CREDITOR_ROUTES):
            if path in ("/", "/health", "/ready", "/app/static/{file_path}"):  # public, for anybody: no case data
                continue
            url = re.sub(r"\{\w+\}", case_id, path)
            expected = EXPECTED[(method, path)]["revoked"]
            for attempt in ({"headers": bearer}, {"params": {"token": mine}, "headers": bearer}):
                answer = client.request(method, url, json={} if method in ("POST", "PUT", "PATCH") else None,
                                        follow_redirects=False, **attempt)  # type: ignore[arg-type]
                if answer.status_code != expected:
                    wrong.append(f"{method} {path}: {answer.status_code}, not {expected}")
        assert not wrong, "a creditor token opened a route:\n" + "\n".join(wrong)


def test_every_user_supplied_text_is_escaped(database_url: str) -> None:
    world = build_world(database_url, extra_creditors=EXTRA)
    debtor = '<script>alert("debtor")</script> Jansen'
    with api_client(database_url) as client:
        _, plan_id = planned_case(client, world, activate=False, months=6, debtor_name=debtor,
                                  reference="<b>R&D</b>-1")
        page = open_page(client, creditor_link(client, world, plan_id, "c5")["token"]).text
        reason = "<img src=x onerror=alert(1)> & \"quoted\" </textarea><script>alert('r')</script>"
        rejected = submit(client, page, "reject", reason=reason)
        assert rejected.status_code == 200
        typed = '"><script>alert("typed")</script>'
        again = submit(client, page, "counter", min_payment=typed, reason=reason)
        assert again.status_code == 422
        for html in (page, rejected.text, again.text):
            assert "<script>" not in html and "<img" not in html and "<b>" not in html
        assert debtor in text(page) and "<b>R&D</b>-1" in text(page)  # shown as text, as typed
        assert f"Uw toelichting: {reason}" in text(rejected.text)
        assert 'value="&#34;&gt;&lt;script&gt;alert(&#34;typed&#34;)&lt;/script&gt;"' in again.text
        [decision] = client.get(f"/v1/plans/{plan_id}/decisions", headers=world.counsellor.headers).json()
        assert decision["reason"] == reason.strip()  # stored as typed; only its display is escaped
