"""The case page of the workspace: the claims overview, income, how the debtor pays, creditors, a claim from a
creditor's letter, installments and arrears, the debtor's messages, and the debtor letter.

Every read and every change is the API's own service called with the signed-in user's actor, so access
(another organisation's case is a 404), audit, webhooks and conflicts are the API's. A form that worked
answers with a 303 back to the page (a refresh does not send it again); one that did not shows the page
again with the form as it was sent and the words beside each field.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from api.debtor.routes import link_urls
from api.workspace.case_forms import read_claim, read_income, service_errors
from api.workspace.case_letter import LETTER_TEXTS, letter_context
from api.workspace.case_texts import CASE_TEXTS
from api.workspace.case_views import MESSAGES_SHOWN, CasePage, Shown, case_context
from api.workspace.refusals import after_colon, why
from api.workspace.session import WorkspaceUser, render
from api.workspace.texts import BASE
from api.workspace.variation_views import open_variation
from debt_coord.cases.claims import ClaimService
from debt_coord.cases.models import Case, PaymentRoute
from debt_coord.cases.service import CaseService
from debt_coord.debtor.service import DebtorLinkService
from debt_coord.kernel.actors import Actor, Role
from debt_coord.kernel.clock import today
from debt_coord.kernel.errors import NotFoundError, ServiceError
from debt_coord.kernel.paging import MAX_LIMIT, PageRequest
from debt_coord.kernel.settings import Settings
from debt_coord.kernel.uow import UnitOfWork
from debt_coord.messages.service import MessageService
from debt_coord.money_in.service import MoneyInService
from debt_coord.organisations.models import OrganisationKind
from debt_coord.organisations.service import OrganisationService
from debt_coord.planning.service import PlanService

CASE_PATH = "/app/cases/{case_id}"
Form = dict[str, str]


class CaseServices:
    """The API's services on the request's unit of work, as the page needs them."""

    def __init__(self, cases: CaseService, claims: ClaimService, money_in: MoneyInService,
                 messages: MessageService, debtor_links: DebtorLinkService,
                 organisations: OrganisationService, plans: PlanService) -> None:
        self.cases, self.claims, self.money_in = cases, claims, money_in
        self.messages, self.debtor_links, self.organisations = messages, debtor_links, organisations
        self.plans = plans

    async def page(self, actor: Actor, case_id: uuid.UUID, settings: Settings) -> CasePage:
        overview = await self.cases.overview(actor, case_id)  # a case of another organisation: NotFound
        messages = await self.messages.messages(actor, case_id, PageRequest(MESSAGES_SHOWN))
        links = await self.debtor_links.links(actor, case_id, PageRequest(MAX_LIMIT))
        creditors = await self.organisations.listed(PageRequest(MAX_LIMIT), kind=OrganisationKind.CREDITOR)
        counselling = await self.organisations.find(overview.case.organisation_id)
        variation = open_variation(overview.case, await self.plans.current_version(overview.case.id))
        return CasePage(overview, await self.cases.income(overview.case.id),
                        await self.money_in.money_in(actor, case_id, settings.arrears_grace_bank_days),
                        messages.items, messages.next_cursor is not None, links.items, creditors.items,
                        settings.arrears_suggest_failure_dates,
                        counselling.payout_day, variation)


def provide_case_services(uow: UnitOfWork) -> CaseServices:
    return CaseServices(CaseService(uow), ClaimService(uow), MoneyInService(uow), MessageService(uow),
                        DebtorLinkService(uow), OrganisationService(uow), PlanService(uow))


async def _form(request: Request[Any, Any, Any]) -> Form:
    sent = await request.form()
    return {key: str(value) for key, value in sent.items() if isinstance(value, str)}


def _back(case_id: uuid.UUID, anchor: str, **saved: str) -> Redirect:
    return Redirect(f"{CASE_PATH.format(case_id=case_id)}?{urlencode(saved)}#{anchor}",
                    status_code=HTTP_303_SEE_OTHER, headers={"Cache-Control": "no-store"})


def _not_found(request: Request[Any, Any, Any], user: WorkspaceUser) -> Template:
    t = BASE[user.language]
    return render(request, user, "workspace/problem.html.j2", title=t["not_found_title"], status_code=404,
                  text=t["not_found_text"])


class CasePageController(Controller):
    path = "/cases/{case_id:uuid}"
    dependencies = {"services": Provide(provide_case_services, sync_to_thread=False)}  # noqa: RUF012

    @get("/", operation_id="workspaceCasePage")
    async def page(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                   services: CaseServices) -> Template:
        return await _show(request, user, case_id, services, Shown(notice=_saved(request, user.language)))

    @post("/income", operation_id="workspaceReplaceIncome", status_code=HTTP_303_SEE_OTHER)
    async def income(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                     services: CaseServices) -> Redirect | Template:
        sent = read_income(await _form(request), user.language)
        if sent.errors:
            return await _show(request, user, case_id, services, _invalid("income", sent.errors,
                                                                          {"rows": sent.rows}, user), 422)
        try:
            await services.cases.replace_income(user.actor, case_id, sent.streams)
        except ServiceError as refused:
            return await _refused(request, user, case_id, services, refused, "income", {"rows": sent.rows})
        return _back(case_id, "income", saved="income")

    @post("/payment-route", operation_id="workspaceChoosePaymentRoute", status_code=HTTP_303_SEE_OTHER)
    async def payment_route(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                            services: CaseServices) -> Redirect | Template:
        sent = await _form(request)
        try:
            route = PaymentRoute(sent.get("payment_route", ""))
        except ValueError:
            return await _show(request, user, case_id, services,
                               _invalid("payment_route", {"payment_route": "error_route"}, sent, user), 422)
        try:
            await services.cases.choose_payment_route(user.actor, case_id, route)
        except ServiceError as refused:
            return await _refused(request, user, case_id, services, refused, "payment_route", sent)
        return _back(case_id, "payment-route", saved="payment_route")

    @post("/creditors", operation_id="workspaceInviteCreditor", status_code=HTTP_303_SEE_OTHER)
    async def invite(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                     services: CaseServices) -> Redirect | Template:
        sent = await _form(request)
        try:
            creditor = uuid.UUID(sent.get("creditor", "").strip())
        except ValueError:
            return await _show(request, user, case_id, services,
                               _invalid("invite", {"invite_creditor": "error_creditor"}, sent, user), 422)
        try:
            _, organisation, created = await services.cases.invite_creditor(
                user.actor, case_id, creditor, sent.get("message", "").strip()[:2000])
        except ServiceError as refused:
            return await _refused(request, user, case_id, services, refused, "invite", sent)
        return _back(case_id, "creditors", saved="invite" if created else "invite_again", who=str(organisation.id))

    @post("/claims", operation_id="workspaceRegisterClaim", status_code=HTTP_303_SEE_OTHER)
    async def claim(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                    services: CaseServices) -> Redirect | Template:
        sent = await _form(request)
        body, creditor, errors = read_claim(sent, user.language)
        try:
            case = await services.cases.find_own(user.actor, case_id, "register a claim on a creditor's behalf")
            invited = {o.id: o for _, o in await services.cases.participants(case.id)}
            if creditor is not None and creditor not in invited:
                errors["creditor"] = "error_creditor"
            if body is None or creditor is None or errors:
                return await _show(request, user, case_id, services, _invalid("claim", errors, sent, user), 422)
            # The creditor's own use case, as that creditor (its claim, its ownership); the name says who typed it.
            on_behalf = Actor(creditor, Role.CREDITOR,
                              f"{invited[creditor].name} (registered by {user.actor.name} from its letter)"[:200])
            claim = await services.claims.register(on_behalf, case.id, body)
        except NotFoundError:
            return _not_found(request, user)
        except ServiceError as refused:
            return await _refused(request, user, case_id, services, refused, "claim", sent)
        return _back(case_id, "claims", saved="claim", claim=str(claim.id))

    @post("/letter", operation_id="workspaceDebtorLetter", status_code=200)
    async def letter(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                     services: CaseServices) -> Template:
        sent = await _form(request)
        lang = sent.get("letter_lang", "nl")
        lang = lang if lang in LETTER_TEXTS else "nl"
        try:
            issued = await services.debtor_links.issue(user.actor, case_id)
        except NotFoundError:
            return _not_found(request, user)
        except ServiceError as refused:
            return await _refused(request, user, case_id, services, refused, "letter", sent)
        case = await services.cases.find_own(user.actor, case_id, "print the debtor letter")
        counsellor = await services.organisations.find(user.actor.organisation_id)
        url = link_urls(request, issued.token, lang if lang != "nl" else None)["page_url"]
        context = letter_context(case, counsellor, url, issued.link.expires_at, lang, today())
        return render(request, user, "workspace/case_letter.html.j2", title=context["lt"]["letter_title"],
                      ct=CASE_TEXTS[user.language], back_lt=LETTER_TEXTS[user.language], **context)


def _invalid(form: str, errors: dict[str, str], entered: dict[str, Any], user: WorkspaceUser) -> Shown:
    return Shown(problem=CASE_TEXTS[user.language]["form_error"], form=form, errors=errors, entered=entered)


async def _refused(request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                   services: CaseServices, refused: ServiceError, form: str, entered: dict[str, Any]) -> Template:
    """The service said no (a closed case, a claim that owes nothing, ...): the page again, with its reason."""
    if isinstance(refused, NotFoundError):
        return _not_found(request, user)
    case = await services.cases.find_visible(user.actor, case_id)
    errors = service_errors(refused, form)
    shown = Shown(problem=_reason(refused, case, errors, user.language), form=form, errors=errors, entered=entered)
    return await _show(request, user, case_id, services, shown, refused.status)


def _reason(refused: ServiceError, case: Case, errors: dict[str, str], lang: str) -> str:
    """Why, in the page's words (refusals.py, by the refusal's code): beside the fields when the form has words
    for them, else on the problem line."""
    t = CASE_TEXTS[lang]
    if errors:
        return t["form_error"]
    return t["refused"].format(reason=after_colon(why(refused, lang, case.currency)))


def _saved(request: Request[Any, Any, Any], lang: str) -> str:
    key = request.query_params.get("saved")
    return f"saved_{key}" if key in ("income", "payment_route", "invite", "invite_again", "claim") else ""


async def _show(request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID, services: CaseServices,
                shown: Shown, status: int = 200) -> Template:
    try:
        page = await services.page(user.actor, case_id, request.app.state.settings)
    except NotFoundError:
        return _not_found(request, user)
    context = case_context(page, user.language, shown)
    if shown.notice.startswith("saved_"):
        context["notice"] = _notice(page, request, user.language, shown.notice)
    return render(request, user, "workspace/case.html.j2", status_code=status,
                  title=context["ct"]["case_title"].format(reference=page.overview.case.reference), **context)


def _notice(page: CasePage, request: Request[Any, Any, Any], lang: str, key: str) -> str:
    t = CASE_TEXTS[lang]
    names = {str(o.id): o.name for _, o in page.overview.creditors}
    claims = {str(c.id): c for c in page.overview.claims}
    claim = claims.get(request.query_params.get("claim", ""))
    if key == "saved_claim":
        if claim is None:
            return ""
        return t[key].format(reference=claim.creditor_reference, creditor=names.get(str(claim.organisation_id), ""))
    return t[key].format(creditor=names.get(request.query_params.get("who", ""), ""))
