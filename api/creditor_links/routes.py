"""Creditor links (the counsellor makes, lists and revokes them) and the creditor's decision page behind one.

The page routes skip the API-key middleware (`exclude_from_auth`) and take only a creditor link's
token: `?token=` (or `Authorization: Bearer`) to open the page, a hidden form field to answer.
A missing token is a 401; an unknown, expired or revoked one, and every API key, is the same 404.
The forms are protected by Litestar's CSRF middleware (api/csrf.py): a POST without the token of
the page's cookie is a 403 and changes nothing. A browser gets every outcome as the page in
words; other clients get problems.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, delete, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.params import Body, Parameter
from litestar.response import Template
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.orm.exc import StaleDataError

from api.auth import ActorRequest, requires
from api.creditor_links.forms import read_decision
from api.creditor_links.schemas import CreditorLinkCreate, CreditorLinkIssued, CreditorLinkOut, DecisionForm
from api.creditor_links.texts import TEXTS, language
from api.creditor_links.views import closed_words, page_context
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, paged
from api.problems import on_http
from api.providers import service
from debt_coord.creditor_links.service import CreditorLinkService, CreditorView
from debt_coord.kernel.actors import Role
from debt_coord.kernel.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest

PAGE_PATH = "/creditor"
link_services = {"creditor_links": service(CreditorLinkService)}
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="debt-coord creditor"'}
TokenQuery = Annotated[str | None, Parameter(required=False, description="The creditor link's token.")]
LangQuery = Annotated[str | None, Parameter(required=False, description="'nl' (default) or 'en'.")]
FormBody = Annotated[DecisionForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


class PageConflict(HTTPException):
    """Documents the 409 of a decision on a version that can no longer be answered."""

    status_code = 409


def wants_html(request: Request[Any, Any, Any]) -> bool:
    return "text/html" in request.headers.get("accept", "")


def page_url(request: Request[Any, Any, Any], token: str, lang: str | None = None) -> str:
    base = request.app.state.settings.effective_public_url  # never the request's Host: anyone can send any
    return f"{base}{PAGE_PATH}?{urlencode({'token': token, **({'lang': lang} if lang else {})})}"


class CreditorLinkController(Controller):
    path = "/v1/plans/{plan_id:uuid}/creditor-links"
    tags = ["Creditor links"]  # noqa: RUF012
    dependencies = link_services
    guards = [requires(Role.COUNSELLOR)]  # noqa: RUF012

    @post("/", operation_id="createCreditorLink", status_code=HTTP_201_CREATED,
          description="A link for one creditor of this proposed version to its decision page (token shown once).")
    async def create_link(self, request: ActorRequest, plan_id: uuid.UUID, data: CreditorLinkCreate,
                          creditor_links: CreditorLinkService) -> CreditorLinkIssued:
        issued = await creditor_links.issue(request.user, plan_id, data.organisation_id, data.valid_days)
        return CreditorLinkIssued(**CreditorLinkOut.model_validate(issued.link).model_dump(), token=issued.token,
                                  page_url=page_url(request, issued.token))

    @get("/", operation_id="listCreditorLinks", response_headers=NEXT_PAGE_HEADERS,
         description="The version's creditor links in the order made, a page at a time (without tokens).")
    async def list_links(self, request: ActorRequest, plan_id: uuid.UUID, creditor_links: CreditorLinkService,
                         limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Response[list[CreditorLinkOut]]:
        found = await creditor_links.links(request.user, plan_id, PageRequest(limit, cursor))
        return paged(request, found, CreditorLinkOut.model_validate)

    @delete("/{creditor_link_id:uuid}", operation_id="revokeCreditorLink")
    async def revoke_link(self, request: ActorRequest, plan_id: uuid.UUID, creditor_link_id: uuid.UUID,
                          creditor_links: CreditorLinkService) -> None:
        await creditor_links.revoke(request.user, plan_id, creditor_link_id)


class CreditorPageController(Controller):
    """Only a creditor link's token opens these; the API-key middleware is skipped for them."""

    tags = ["Creditor links"]  # noqa: RUF012
    dependencies = link_services

    @get(PAGE_PATH, operation_id="getCreditorPage", exclude_from_auth=True, security=[], media_type="text/html",
         description="The creditor's decision page (HTML; a problem document for clients that do not ask for HTML).")
    async def page(self, request: Request[Any, Any, Any], creditor_links: CreditorLinkService,
                   token: TokenQuery = None, lang: LangQuery = None) -> Template:
        chosen = language(lang)
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        found = bearer.strip() if scheme.lower() == "bearer" and bearer.strip() else (token or "").strip()
        if not found:
            if not wants_html(request):
                raise NotAuthorizedException("Open this with the creditor link: '?token=<token>' or "
                                             "'Authorization: Bearer <token>'.",
                                             headers=_CHALLENGE)
            return _problem_page(request, chosen, TEXTS[chosen]["missing_text"], 401, _CHALLENGE)
        view = await _open(request, creditor_links, found, chosen)
        if isinstance(view, Template):
            return view
        return _page(view, chosen, found)

    @post(PAGE_PATH, operation_id="decideOnCreditorPage", exclude_from_auth=True, security=[],
          media_type="text/html", status_code=200, raises=[PermissionDeniedException, PageConflict],
          exception_handlers={PermissionDeniedException: lambda request, exc: _csrf_refused(request, exc)},
          description="The page's forms: accept, reject with a reason, or counter, on the link's version. Needs the "
                      "page's CSRF token (form field `_csrf_token`, with its cookie); without it, 403.")
    async def decide(self, request: Request[Any, Any, Any], data: FormBody,
                     creditor_links: CreditorLinkService) -> Template:
        chosen = language(data.lang)
        token = data.token.strip()
        view = await _open(request, creditor_links, token, chosen)
        if isinstance(view, Template):
            return view
        if data.plan_version != str(view.loaded.version.number):  # a form of another version: as an unknown link
            return await _refused_page(request, chosen)
        number = view.loaded.version.number
        answer, errors = read_decision(data, number, chosen)
        entered = data.model_dump(include={"decision", "reason", "min_payment", "fixed_installment",
                                           "latest_end_date", "max_transfers"})
        if answer is None:
            if not wants_html(request):
                raise InvalidInputError("The form is not valid: see errors.",
                                        [FieldError(f"/{field}", TEXTS["en"][key]) for field, key in errors.items()])
            return _page(view, chosen, token, status=422, errors=errors, entered=entered,
                         problem=TEXTS[chosen]["form_error"])
        try:
            decision, changed = await creditor_links.decide(token, number, answer)
        except NotFoundError:
            return await _refused_page(request, chosen)
        except (ConflictError, StaleDataError):
            if not wants_html(request):
                raise
            again = await creditor_links.open(token)
            why = closed_words(again, chosen) or TEXTS[chosen]["race"]
            return _page(again, chosen, token, status=409, entered=entered,
                         problem=TEXTS[chosen]["too_late"].format(reason=why))
        t = TEXTS[chosen]
        view = await creditor_links.open(token)
        return _page(view, chosen, token, notice=t[f"saved_{decision.kind.value}"] if changed else t["unchanged"])


async def _open(request: Request[Any, Any, Any], creditor_links: CreditorLinkService, token: str,
                lang: str) -> CreditorView | Template:
    try:
        return await creditor_links.open(token)
    except NotFoundError:
        if not wants_html(request):
            raise
        return _problem_page(request, lang, TEXTS[lang]["dead_text"], 404, {})


async def _refused_page(request: Request[Any, Any, Any], lang: str) -> Template:
    if not wants_html(request):
        raise NotFoundError("This link does not work (any more): it is unknown, expired or revoked.")
    return _problem_page(request, lang, TEXTS[lang]["dead_text"], 404, {})


def _page(view: CreditorView, lang: str, token: str, *, status: int = 200, **shown: Any) -> Template:
    other = TEXTS[lang]["switch_lang"]
    urls = {"token": token, "switch": f"{PAGE_PATH}?{urlencode({'token': token, 'lang': other})}",
            "action": PAGE_PATH if lang == "nl" else f"{PAGE_PATH}?{urlencode({'lang': lang})}"}  # for a 403's words
    return Template(template_name="creditor/page.html.j2", context=page_context(view, lang, urls, **shown),
                    status_code=status, headers=PAGE_HEADERS, media_type="text/html")


def _csrf_refused(request: Request[Any, Any, Any], exc: PermissionDeniedException) -> Response[Any]:
    """A form without its CSRF token (or with a forged one): refused before anything is read or done."""
    if not wants_html(request):
        return on_http(request, exc)
    lang = language(request.query_params.get("lang"))
    return _problem_page(request, lang, TEXTS[lang]["csrf_text"], 403, {}, title=TEXTS[lang]["csrf_title"])


def _problem_page(request: Request[Any, Any, Any], lang: str, text: str, status: int,
                  headers: dict[str, str], title: str = "") -> Template:
    t = TEXTS[lang]
    return Template(template_name="creditor/problem.html.j2", status_code=status,
                    context={"lang": lang, "t": t, "title": title or t["dead_title"], "text": text},
                    headers={**PAGE_HEADERS, **headers}, media_type="text/html")
