"""The plan builder: ask for a plan, follow its solve job, read a version (chart, tables, explanation, conflicts
with their remedies as buttons) and put two versions side by side. Every action is the API's planning service
with the signed-in counsellor's actor, so its access rules, audit and 409s are the API's."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from litestar_htmx import ClientRedirect

from api.planning.routes import plan_options
from api.providers import service
from api.workspace.plan_forms import PlanAskForm, WhatIfForm, read_ask, read_wishes
from api.workspace.plan_texts import TEXTS
from api.workspace.plan_views import (
    asked_with,
    comparison,
    job_context,
    plan_context,
    rule_choices,
    version_rows,
    what_if_context,
)
from api.workspace.refusals import refused_text
from api.workspace.session import APP, WorkspaceUser, render
from api.workspace.variation_views import variation_ask, variation_context
from debt_coord.cases.models import Case
from debt_coord.cases.states import CaseState
from debt_coord.jobs.models import JobStatus
from debt_coord.jobs.store import find_visible
from debt_coord.kernel.errors import ConflictError, InvalidInputError, NotFoundError
from debt_coord.kernel.paging import MAX_LIMIT, PageRequest
from debt_coord.negotiation.models import DecisionKind
from debt_coord.negotiation.service import NegotiationService
from debt_coord.planning.models import PlanVersion
from debt_coord.planning.service import LoadedPlan, PlanService
from debt_coord.planning.varying import active_plan

Query = Annotated[str | None, Parameter(required=False)]
AskBody = Annotated[PlanAskForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
WhatIfBody = Annotated[WhatIfForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
Errors = dict[str, str]


def plans_path(case_id: uuid.UUID, plan_id: str | None = None) -> str:
    return f"{APP}/cases/{case_id}/plans" + (f"?plan={plan_id}" if plan_id else "")


def job_path(case_id: uuid.UUID, job_id: uuid.UUID) -> str:
    return f"{APP}/cases/{case_id}/plans/jobs/{job_id}"


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def as_uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        raise NotFoundError("No such plan.") from None


class PlanBuilderController(Controller):
    path = "/cases/{case_id:uuid}/plans"
    dependencies = {"plans": service(PlanService), "negotiations": service(NegotiationService)}  # noqa: RUF012

    @get("/", operation_id="workspacePlans")
    async def page(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                   plans: PlanService, plan: Query = None, compare: Query = None) -> Template:
        try:
            return await _page(request, user, plans, case_id, as_uuid(plan), as_uuid(compare))
        except NotFoundError:
            return not_found(request, user)

    @post("/", operation_id="workspaceAskForPlan", status_code=303)
    async def ask(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID, data: AskBody,
                  plans: PlanService) -> Redirect | Template:
        lang = user.language
        ask, errors = read_ask(data, lang)
        entered = data.model_dump()
        try:
            if ask is None:
                return await _page(request, user, plans, case_id, None, None, status=422, errors=errors,
                                   entered=entered, problem=TEXTS[lang]["form_error"])
            job = await plans.request_plan(user.actor, case_id, plan_options(ask))
        except NotFoundError:
            return not_found(request, user)
        except (ConflictError, InvalidInputError) as refused:
            return await _page(request, user, plans, case_id, None, None, status=refused.status, entered=entered,
                               problem=refused_text(refused, lang))
        return Redirect(job_path(case_id, job.id), status_code=303)

    @post("/what-if", operation_id="workspaceWhatIf", status_code=200)
    async def what_if(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                      data: WhatIfBody, plans: PlanService, negotiations: NegotiationService) -> Template:
        """The version worked out again with one creditor's wishes and/or its counters; no version is made."""
        lang, t = user.language, TEXTS[user.language]
        entered = data.model_dump()
        try:
            plan_id = as_uuid(data.plan_id)
            if plan_id is None:
                raise NotFoundError("No such plan.")
            case = await plans.cases.find_own(user.actor, case_id, "try a what-if")
            loaded = await _version(plans, user, case, plan_id)
            wishes, errors = read_wishes(data, lang)
            counters: dict[uuid.UUID, dict[str, Any]] = {}
            if data.use_counters:
                counters = {d.organisation_id: d.counter for d in await negotiations.decisions(loaded.version.id)
                            if d.kind is DecisionKind.COUNTER and d.counter}
            if wishes is not None:
                organisation = next((uuid.UUID(o) for o in loaded.version.claim_owners.values()
                                     if o == data.organisation_id.strip()), None)
                if organisation is None:
                    errors["organisation_id"] = "error_other"
                else:
                    counters[organisation] = wishes
            if errors or not counters:
                wrong = {f: t[k] for f, k in (errors or {"min_payment": "error_counter_empty"}).items()}
                return await _page(request, user, plans, case_id, plan_id, None, status=422,
                                   problem=t["form_error"], wi_errors=wrong, wi_entered=entered)
            _, solved, proposal = await plans.what_if(user.actor, plan_id, counters)
        except NotFoundError:
            return not_found(request, user)
        except (ConflictError, InvalidInputError) as refused:
            return await _page(request, user, plans, case_id, as_uuid(data.plan_id), None, status=refused.status,
                               problem=refused_text(refused, lang), wi_entered=entered)
        return await _page(request, user, plans, case_id, plan_id, None, wi_entered=entered,
                           what_if=what_if_context(loaded, solved, proposal, lang))

    @get("/jobs/{job_id:uuid}", operation_id="workspacePlanJob")
    async def job(self, request: Request[Any, Any, Any], user: WorkspaceUser, case_id: uuid.UUID,
                  job_id: uuid.UUID, plans: PlanService) -> Template | Redirect | ClientRedirect:
        """The job's progress: a page (with a button to look again), or for htmx's polling only the fragment;
        once the plan is there, on to it."""
        try:
            case = await plans.cases.find_own(user.actor, case_id, "follow a plan job")
            job = await find_visible(plans.session, user.actor, job_id)
            if job.case_id != case.id:
                raise NotFoundError(f"There is no job {job_id}.")
        except NotFoundError:
            return not_found(request, user)
        shown = job_context(job, user.language)
        if job.status is JobStatus.SUCCEEDED:
            target = plans_path(case_id, shown["plan_id"])
            return ClientRedirect(target) if is_htmx(request) else Redirect(target, status_code=303)
        template = "workspace/plan_job_status.html.j2" if is_htmx(request) else "workspace/plan_job.html.j2"
        return render(request, user, template, title=TEXTS[user.language]["job_title"], job=shown,
                      t=TEXTS[user.language], case=case, poll_url=job_path(case_id, job_id))


def not_found(request: Request[Any, Any, Any], user: WorkspaceUser) -> Template:
    t = TEXTS[user.language]
    return render(request, user, "workspace/problem.html.j2", title=t["title"], status_code=404, text=t["not_found"])


async def _version(plans: PlanService, user: WorkspaceUser, case: Case, plan_id: uuid.UUID) -> LoadedPlan:
    loaded = await plans.find_own(user.actor, plan_id, "see plans")
    if loaded.case.id != case.id:
        raise NotFoundError(f"No plan {plan_id}.")
    return loaded


async def _active(plans: PlanService, case: Case) -> PlanVersion | None:
    """The running plan, which a plan asked for now varies (None when the case does not run one)."""
    if case.state is not CaseState.ACTIVE:
        return None
    try:
        return await active_plan(plans.session, case)
    except ConflictError:
        return None


async def _page(request: Request[Any, Any, Any], user: WorkspaceUser, plans: PlanService, case_id: uuid.UUID,
                plan_id: uuid.UUID | None, compare_id: uuid.UUID | None, *, status: int = 200,
                errors: Errors | None = None, entered: dict[str, str] | None = None, problem: str = "",
                **shown_too: Any) -> Template:
    lang, t = user.language, TEXTS[user.language]
    case = await plans.cases.find_own(user.actor, case_id, "see plans")
    versions: list[PlanVersion] = (await plans.versions(user.actor, case.id, PageRequest(MAX_LIMIT))).items
    current = await plans.current_version(case.id)
    shown = None
    if plan_id is not None:
        shown = await _version(plans, user, case, plan_id)
    elif current is not None:
        shown = LoadedPlan(current, case)
    other = await _version(plans, user, case, compare_id) if compare_id and shown else None
    vary = variation_ask(await _active(plans, case), case, lang)
    defaults = asked_with(shown.request, lang, counters=False) if shown else {}
    defaults.pop("start_date", None)  # a new plan starts from next month unless the counsellor says otherwise
    if vary is not None:
        defaults.pop("months", None)  # a variation runs the rest of the term unless the counsellor says otherwise
    return render(
        request, user, "workspace/plans.html.j2", title=f"{t['title']} {case.reference}", status_code=status,
        t=t, case=case, versions=version_rows(versions, lang), rules=rule_choices(lang),
        plan=plan_context(shown, lang) if shown else None, vary=vary,
        variation=variation_context(shown, await plans.variation_changes(shown), lang) if shown else None,
        compared=comparison(shown, other, lang) if shown and other else None,
        others=[v for v in version_rows(versions, lang) if shown and v["id"] != str(shown.version.id)],
        entered=entered or defaults, errors={field: t[key] for field, key in (errors or {}).items()},
        problem=problem, action=plans_path(case.id),
        **{"what_if": None, "wi_errors": {}, "wi_entered": {}, **shown_too},
    )
