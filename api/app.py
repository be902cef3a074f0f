"""The Litestar application: `create_app()` wires settings, database, auth and routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.response import Redirect
from sqlalchemy import text

from api.auth import BearerKeyMiddleware
from api.cases.claims import ClaimController
from api.cases.routes import CaseController
from api.common import pydantic_plugins
from api.creditor_links.routes import CreditorLinkController, CreditorPageController
from api.csrf import csrf_config
from api.debtor.routes import DebtorController, DebtorLinkController
from api.jobs.routes import JobController
from api.log_redaction import redact_access_log
from api.messages.callbacks import CallbackController
from api.messages.reports import ReportController
from api.messages.routes import DebtorOptOutController, MessageController
from api.money_in.completion import CompletionController
from api.money_in.routes import MoneyInController
from api.money_in.statements import StatementController
from api.negotiation.policies import PolicyController
from api.negotiation.routes import NegotiationController
from api.observability import (
    PROMETHEUS,
    MetricsController,
    RequestContextMiddleware,
    logging_config,
    send_request_id,
    tracing_plugin,
)
from api.openapi import document_truthfully
from api.organisations.routes import ApiKeyController, OrganisationController
from api.paging import on_bad_cursor
from api.payouts.routes import AccountStatementController, CasePayoutController, PayoutRunController
from api.planning.routes import CasePlanController, PlanController
from api.problems import exception_handlers, problem
from api.providers import provide_uow
from api.rate_limit import RateLimiter, RateLimitMiddleware
from api.slow_clients import BodyDeadlineMiddleware
from api.templating import template_config
from api.webhooks.routes import WebhookController
from api.workspace.router import workspace_router
from api.workspace.session import session_stores
from debt_coord.bootstrap import JOB_HANDLERS, api_runtime
from debt_coord.jobs.chores import chores_running
from debt_coord.jobs.runner import Handler as JobHandler
from debt_coord.kernel.database import create_engine, session_factory
from debt_coord.kernel.paging import InvalidCursorError
from debt_coord.kernel.settings import Settings, get_settings
from debt_coord.observability.tracing import configure_tracing, flush_traces
from debt_coord.webhooks.delivery import delivery_loop_running

PUBLIC_PATHS = ["^/schema", "^/health$", "^/ready$", "^/$", "^/metrics$"]  # /metrics: its own token
UNLIMITED_PATHS = ["^/health$", "^/ready$", "^/metrics$"]
MAX_BODY_BYTES = 1_048_576


@get("/health", operation_id="health", tags=["Service"], security=[],
     description="Liveness: the process answers. Touches nothing else, so a database outage never restarts it.")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", operation_id="ready", tags=["Service"], security=[],
     description="Readiness: the database answers (SELECT 1); 503 with Retry-After while it does not.")
async def ready(state: State) -> Response[dict[str, Any]]:
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return problem(503, "The database does not answer.", headers={"Retry-After": "2"})
    return Response({"status": "ok"})


@get("/", include_in_schema=False)
async def root() -> Redirect:
    return Redirect("/schema")


def create_app(settings: Settings | None = None, job_handlers: Mapping[str, JobHandler] = JOB_HANDLERS) -> Litestar:
    settings = settings or get_settings()
    redact_access_log()
    configure_tracing(settings, "debt-coord-api")
    engine = create_engine(settings.effective_database_url, echo=settings.sql_echo)

    @asynccontextmanager
    async def dispose_engine(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.dispose()

    runtime = api_runtime(settings, engine, job_handlers)
    dispatcher = runtime.dispatcher

    @asynccontextmanager
    async def run_jobs(app: Litestar) -> AsyncIterator[None]:
        dispatcher.start()
        try:
            yield
        finally:
            await asyncio.to_thread(dispatcher.close)

    @asynccontextmanager
    async def deliver_webhooks(app: Litestar) -> AsyncIterator[None]:
        # Embedded default: no Redis, so no worker delivers webhooks; this process does.
        sessions = session_factory(engine)
        async with chores_running(sessions, runtime.chores, settings.webhook_poll_seconds), \
                delivery_loop_running(sessions, settings):
            yield

    limiter = RateLimiter.from_settings(settings)

    @asynccontextmanager
    async def close_limiter(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await limiter.aclose()

    in_process_webhooks = settings.redis_url is None and settings.webhook_in_process_delivery
    return Litestar(
        route_handlers=[root, health, ready, OrganisationController, ApiKeyController, CaseController, ClaimController,
                        JobController, WebhookController, CasePlanController, PlanController, NegotiationController,
                        PolicyController, MoneyInController, CompletionController, StatementController,
                        DebtorLinkController, DebtorController, MetricsController,
                        MessageController, DebtorOptOutController, CallbackController,
                        ReportController, CreditorLinkController, CreditorPageController,
                        PayoutRunController, CasePayoutController, AccountStatementController,
                        workspace_router(settings)],  # /app: the counsellor's workspace (api/workspace/router.py)
        stores=session_stores(settings),  # the workspace's sessions: Redis with DEBT_COORD_REDIS_URL, else memory
        template_config=template_config(),
        csrf_config=csrf_config(settings),  # the page forms (api/csrf.py); /v1 and non-browser routes excluded
        plugins=[*pydantic_plugins(prefer_alias=True), tracing_plugin()],
        dependencies={"uow": Provide(provide_uow)},
        # Counted before the key is looked up: unknown and revoked keys are limited too. Health checks and
        # metrics never are. Request ids and request metrics come first, to cover 401 and 429 answers too.
        middleware=[RequestContextMiddleware(), PROMETHEUS.middleware,
                    BodyDeadlineMiddleware(settings.body_timeout_seconds),  # a slow body is a 408 (api/slow_clients.py)
                    DefineMiddleware(RateLimitMiddleware, limiter=limiter, exclude=UNLIMITED_PATHS),
                    DefineMiddleware(BearerKeyMiddleware, exclude=PUBLIC_PATHS)],
        exception_handlers={**exception_handlers, InvalidCursorError: on_bad_cursor},
        on_startup=[document_truthfully],
        on_shutdown=[flush_traces],  # the batched spans go now: a server may end by its signal, without exit handlers
        before_send=[send_request_id],
        logging_config=logging_config(settings),
        lifespan=[dispose_engine, run_jobs, close_limiter, *([deliver_webhooks] if in_process_webhooks else [])],
        state=State({"engine": engine, "session_factory": session_factory(engine), "settings": settings,
                     "dispatcher": dispatcher, "units": runtime.units}),
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="debt-coord",
            version="1",
            description="One debtor, many creditors, one plan. Authenticate with 'Authorization: Bearer <key>'.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
        ),
    )
