"""What the workspace refuses: forms without their CSRF token, other organisations' cases, markup in what users
typed. Through the real app on SQLite and PostgreSQL; "nothing done" is checked on the row count of every table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine

from debt_coord.kernel.database import sync_url
from tests.support import api_client, build_world, case_body, row_counts
from tests.workspace.support import HTML, PASSWORD, csrf_token, make_user, post_form, signed_in, text

NEW_CASE = {"reference": "CSRF-1", "debtor_name": "Jan de Vries", "debtor_contact_channel": "email",
            "debtor_contact": "jan@example.nl", "currency": "EUR", "country": "NL", "reference_date": ""}


@contextmanager
def engine_of(database_url: str) -> Iterator[Engine]:
    engine = create_engine(sync_url(database_url))
    try:
        yield engine
    finally:
        engine.dispose()


def test_every_form_without_its_csrf_token_is_refused_and_changes_nothing(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client, engine_of(database_url) as engine:
        user = signed_in(client, world)
        right = csrf_token(client)
        forms = {"/app/cases": NEW_CASE, "/app/logout": {}, "/app/login": {"email": user.email, "password": PASSWORD},
                 "/app/set-password": {"token": "x", "password": PASSWORD, "repeat": PASSWORD}}
        before = row_counts(engine)
        for path, form in forms.items():
            for why, token in (("no token", None), ("a forged token", "f" * 128),
                               ("the right token, tampered", right[:64] + "0" * 64)):
                data = form if token is None else {**form, "_csrf_token": token}
                refused = client.post(path, data=data, headers=HTML, follow_redirects=False)
                assert refused.status_code == 403, (path, why)
                assert "Het formulier is verlopen" in text(refused.text), (path, why)
            as_api = client.post(path, data=form, follow_redirects=False)  # not asking for HTML: a problem
            assert as_api.status_code == 403
            assert as_api.headers["content-type"].startswith("application/problem+json")
        assert row_counts(engine) == before
        assert client.get("/app/cases", headers=HTML, follow_redirects=False).status_code == 200  # still signed in
        assert post_form(client, "/app/cases", NEW_CASE).status_code == 303  # with its token, the form is taken
        assert row_counts(engine)["cases"] == before["cases"] + 1


def test_a_user_never_sees_another_organisations_case(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client, api_client(database_url) as other:
        mine = client.post("/v1/cases", json=case_body("NOORD-1", debtor_name="Eigen Schuldenaar"),
                           headers=world.counsellor.headers).json()["id"]
        theirs = client.post("/v1/cases", json=case_body("ZUID-1", debtor_name="Vreemde Schuldenaar"),
                             headers=world.other_counsellor.headers).json()["id"]
        signed_in(client, world)
        signed_in(other, world, "other_counsellor")
        for found, own, foreign in ((client, "Eigen", "Vreemde"), (other, "Vreemde", "Eigen")):
            board = text(found.get("/app/cases", headers=HTML).text)
            assert own in board and foreign not in board
            for query in ("?q=ZUID-1", "?q=NOORD-1", "?q=schuldenaar"):
                assert foreign not in text(found.get(f"/app/cases{query}", headers=HTML).text)
        for case_id in (theirs, "01a23c50-0000-7000-8000-000000000000"):  # foreign and unknown alike
            page = client.get(f"/app/cases/{case_id}", headers=HTML, follow_redirects=False)
            assert page.status_code == 404 and "Vreemde" not in page.text
        assert mine not in other.get("/app/cases", headers=HTML).text


def test_what_users_typed_is_shown_as_text_never_as_markup(database_url: str) -> None:
    world = build_world(database_url)
    with api_client(database_url) as client:
        name = '<script>alert(1)</script><img src=x onerror=alert(2)> "Jan" & \u202eSon'
        reference = '<b>R&amp;1</b>"'
        made = client.post("/v1/cases", json=case_body(reference, debtor_name=name), headers=world.counsellor.headers)
        assert made.status_code == 201, made.text
        signed_in(client, world)
        for query in ("", "?q=jan", f"?q=%3Cscript%3E{'x' * 3}"):
            page = client.get(f"/app/cases{query}", headers=HTML).text
            assert "<script>" not in page and "<img" not in page and "<b>R" not in page
            assert "\u202e" not in page  # no direction override reverses the names around it
        page = client.get("/app/cases", headers=HTML).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;R&amp;amp;1&lt;/b&gt;" in page
        assert "<bdi>&lt;script&gt;" in page
        typed = post_form(client, "/app/cases", {"reference": '"><script>x()</script>', "debtor_name": "",
                                                 "debtor_contact_channel": "email"})
        assert typed.status_code == 422 and "<script>x()" not in typed.text
        assert 'value="&#34;&gt;&lt;script&gt;x()&lt;/script&gt;"' in typed.text
        user = make_user(client, world)
        wrong = post_form(client, "/app/login", {"email": '<i>"x"</i>' + user.email, "password": "nope",
                                                 "next": '"><script>y()</script>'})
        assert wrong.status_code == 401 and "<i>" not in wrong.text and "<script>y()" not in wrong.text
