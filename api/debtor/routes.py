"""The debtor's schedule (page, JSON, calendar) behind a debtor link, and the counsellor's links.

The debtor routes skip the API-key middleware (`exclude_from_auth`) and take only a debtor
token, as `?token=` (links and calendar subscriptions) or `Authorization: Bearer` (JSON
clients). A missing token is a 401; an unknown, expired or revoked one, and every API key, is
the same 404: no one learns whose link it was, or gets anyone's data.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, delete, get, post
from litestar.exceptions import NotAuthorizedException
from litestar.params import Parameter
from litestar.response import Template
from litestar.status_codes import HTTP_201_CREATED

from api.auth import ActorRequest, requires
from api.debtor.calendar import calendar
from api.debtor.schemas import DebtorLinkCreate, DebtorLinkIssued, DebtorLinkOut, DebtorScheduleOut, schedule_out
from api.debtor.texts import TEXTS, language
from api.debtor.views import page_context
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, paged
from api.providers import service
from debt_coord.debtor.service import DebtorLinkService, DebtorSchedule
from debt_coord.kernel.actors import Role
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import NotFoundError
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest

PAGE_PATH = "/debtor"
SCHEDULE_PATH = "/v1/debtor/schedule"
CALENDAR_PATH = "/v1/debtor/schedule.ics"
debtor_services = {"debtor_links": service(DebtorLinkService)}

# The page holds a bearer token in its URL: never send it on as a referrer, never cache or index it.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="debt-coord debtor"'}
NO_SCHEDULE = "There is no schedule yet: the counsellor has not proposed a plan for this case."
TokenQuery = Annotated[str | None, Parameter(required=False, description="The debtor link's token.")]
LangQuery = Annotated[str | None, Parameter(required=False, description="'nl' (default) or 'en'.")]


def debtor_token(request: Request[Any, Any, Any], token: str | None) -> str:
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    found = bearer.strip() if scheme.lower() == "bearer" and bearer.strip() else (token or "").strip()
    if not found:
        raise NotAuthorizedException("Open this with the debtor link: '?token=<token>' or "
                                     "'Authorization: Bearer <token>'.", headers=_CHALLENGE)
    return found


def link_urls(request: Request[Any, Any, Any], token: str, lang: str | None = None) -> dict[str, str]:
    base = request.app.state.settings.effective_public_url  # never the request's Host: anyone can send any
    query = {"token": token, **({"lang": lang} if lang else {})}
    return {
        "page_url": f"{base}{PAGE_PATH}?{urlencode(query)}",
        "schedule_url": f"{base}{SCHEDULE_PATH}?{urlencode(query)}",
        "calendar_url": f"{base}{CALENDAR_PATH}?{urlencode(query)}",
    }


def wants_html(request: Request[Any, Any, Any]) -> bool:
    return "text/html" in request.headers.get("accept", "")


class DebtorLinkController(Controller):
    path = "/v1/cases/{case_id:uuid}/debtor-links"
    tags = ["Debtor"]  # noqa: RUF012
    dependencies = debtor_services
    guards = [requires(Role.COUNSELLOR)]  # noqa: RUF012

    @post("/", operation_id="createDebtorLink", status_code=HTTP_201_CREATED)
    async def create_link(
        self, request: ActorRequest, case_id: uuid.UUID, data: DebtorLinkCreate, debtor_links: DebtorLinkService
    ) -> DebtorLinkIssued:
        issued = await debtor_links.issue(request.user, case_id, data.valid_days)
        return DebtorLinkIssued(**DebtorLinkOut.model_validate(issued.link).model_dump(), token=issued.token,
                                **link_urls(request, issued.token))

    @get("/", operation_id="listDebtorLinks", response_headers=NEXT_PAGE_HEADERS,
         description="The case's debtor links in the order made, a page at a time (without tokens).")
    async def list_links(
        self, request: ActorRequest, case_id: uuid.UUID, debtor_links: DebtorLinkService,
        limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
    ) -> Response[list[DebtorLinkOut]]:
        found = await debtor_links.links(request.user, case_id, PageRequest(limit, cursor))
        return paged(request, found, DebtorLinkOut.model_validate)

    @delete("/{link_id:uuid}", operation_id="revokeDebtorLink")
    async def revoke_link(
        self, request: ActorRequest, case_id: uuid.UUID, link_id: uuid.UUID, debtor_links: DebtorLinkService
    ) -> None:
        await debtor_links.revoke(request.user, case_id, link_id)


class DebtorController(Controller):
    """Only a debtor token opens these; the API-key middleware is skipped for them."""

    tags = ["Debtor"]  # noqa: RUF012
    dependencies = debtor_services

    @get(SCHEDULE_PATH, operation_id="getDebtorSchedule", exclude_from_auth=True, security=[],
         description="The debtor's combined schedule. Debtor token as `?token=` or `Authorization: Bearer`.")
    async def schedule(
        self, request: Request[Any, Any, Any], debtor_links: DebtorLinkService, token: TokenQuery = None,
        lang: LangQuery = None,
    ) -> Response[DebtorScheduleOut]:
        view = await self._open(debtor_links, debtor_token(request, token), request)
        return Response(schedule_out(view, today(), language(lang)), headers={"Cache-Control": "no-store"})

    @get(CALENDAR_PATH, operation_id="getDebtorCalendar", exclude_from_auth=True, security=[],
         media_type="text/calendar",
         description="The schedule as iCalendar: one event per payment date, a reminder the evening before.")
    async def calendar_feed(
        self, request: Request[Any, Any, Any], debtor_links: DebtorLinkService,
        token: TokenQuery = None, lang: LangQuery = None,
    ) -> Response[bytes]:
        found = debtor_token(request, token)
        view = await self._open(debtor_links, found, request)
        page = link_urls(request, found, lang)["page_url"]
        return Response(calendar(view, language(lang), page, today()), media_type="text/calendar",
                        headers={"Cache-Control": "no-store",
                                 "Content-Disposition": 'inline; filename="betaalschema.ics"'})

    @get(PAGE_PATH, operation_id="getDebtorPage", exclude_from_auth=True, security=[],
         media_type="text/html",
         description="The debtor's page (HTML; a problem document for clients that do not ask for HTML).")
    async def page(
        self, request: Request[Any, Any, Any], debtor_links: DebtorLinkService,
        token: TokenQuery = None, lang: LangQuery = None,
    ) -> Template | Response[Any]:
        chosen = language(lang)
        t = TEXTS[chosen]
        try:
            found = debtor_token(request, token)
        except NotAuthorizedException as missing:
            if not wants_html(request):
                raise
            return self._problem_page(chosen, t["dead_title"], t["missing_text"], 401, missing.headers or {})
        try:
            view = await debtor_links.open(found, request.app.state.settings.arrears_grace_bank_days)
        except NotFoundError:
            if not wants_html(request):
                raise
            return self._problem_page(chosen, t["dead_title"], t["dead_text"], 404, {})
        other = t["switch_lang"]
        urls = {
            "switch": f"{PAGE_PATH}?{urlencode({'token': found, 'lang': other})}" if token else f"?lang={other}",
            "calendar": link_urls(request, found, chosen)["calendar_url"],
        }
        return Template(template_name="debtor/page.html.j2", context=page_context(view, chosen, today(), urls),
                        headers=PAGE_HEADERS, media_type="text/html")

    @staticmethod
    def _problem_page(lang: str, title: str, text: str, status: int, headers: dict[str, str]) -> Template:
        t = TEXTS[lang]
        return Template(template_name="debtor/problem.html.j2", status_code=status,
                        context={"lang": lang, "t": t, "title": title, "text": text},
                        headers={**PAGE_HEADERS, **headers}, media_type="text/html")

    @staticmethod
    async def _open(
        debtor_links: DebtorLinkService, token: str, request: Request[Any, Any, Any]
    ) -> DebtorSchedule:
        view = await debtor_links.open(token, request.app.state.settings.arrears_grace_bank_days)
        if view.schedule is None:
            raise NotFoundError(NO_SCHEDULE)
        return view
