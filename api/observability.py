"""Metrics, traces and request ids for the API.

- `/metrics`: Litestar's PrometheusController behind a bearer token (DEBT_COORD_METRICS_TOKEN; without one
  the route answers 404), with the gauges read from the database at scrape time. Not in the OpenAPI
  document, not behind API keys, not rate limited.
- Request metrics per route template (`/v1/cases/{case_id:uuid}`, never a raw path with ids) and status,
  by Litestar's PrometheusMiddleware; the answers of the middleware inside it (401, 429) counted too.
- Traces by Litestar's OpenTelemetry plugin: a server span per request, named by its route template, with
  secrets in the query string (a debtor's ?token=) redacted as in the access log.
- A request id per request: the client's X-Request-ID when it is sane, else a new one; sent back as
  X-Request-ID and carried by every log line of the request.
"""

from __future__ import annotations

import hmac
import logging
import re
import uuid
from typing import Any, cast

from litestar import Request
from litestar._asgi.utils import wrap_in_exception_handler
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.logging.config import LoggingConfig
from litestar.middleware import ASGIMiddleware
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController, PrometheusMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from opentelemetry import trace
from opentelemetry.trace import Span

from api.log_redaction import redact_url
from debt_coord.kernel.settings import Settings
from debt_coord.observability.gauges import SCRAPE_TIME_GAUGES
from debt_coord.observability.logs import REQUEST_ID, json_logging

METRICS_PATH = "/metrics"
UNTRACED = ["^/health$", "^/ready$", f"^{METRICS_PATH}$"]
REQUEST_ID_HEADER = "x-request-id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="debt-coord-metrics"'}


def metrics_token(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """No token configured: there are no metrics (404). Otherwise the bearer token must be it (401)."""
    token = cast(Settings, connection.app.state.settings).metrics_token
    if token is None:
        raise NotFoundException()
    scheme, _, sent = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.get_secret_value().encode()):
        raise NotAuthorizedException("Send the metrics token as 'Authorization: Bearer <token>'.", headers=_CHALLENGE)


async def read_scrape_time_gauges(request: Request[Any, Any, Any]) -> None:
    await SCRAPE_TIME_GAUGES.refresh(request.app.state.engine)


class MetricsController(PrometheusController):
    path = METRICS_PATH
    include_in_schema = False
    guards = [metrics_token]  # noqa: RUF012
    before_request = read_scrape_time_gauges


class RouteMetricsMiddleware(PrometheusMiddleware):
    """Litestar's, with the errors raised by the middleware inside it (a refused key, a rate limit) answered
    inside it, so that they are counted with their status instead of as an unfinished 200."""

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        super().__init__(wrap_in_exception_handler(app), config)


PROMETHEUS = PrometheusConfig(app_name="debt-coord", prefix="debt_coord", group_path=True,
                              middleware_class=RouteMetricsMiddleware)


def request_id_of(scope: Scope) -> str:
    """The request's id: the client's X-Request-ID if it is a short plain token, else a new one (kept in scope)."""
    state = cast(dict[str, Any], scope.setdefault("state", {}))
    if "request_id" not in state:
        sent = next((value.decode("latin-1") for name, value in scope.get("headers", ())
                     if name == REQUEST_ID_HEADER.encode()), "")
        state["request_id"] = sent if _SANE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
    return cast(str, state["request_id"])


async def send_request_id(message: Message, scope: Scope) -> None:
    """Every answer carries X-Request-ID, those of routing (404, 405) included."""
    if message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id_of(scope)


class RequestContextMiddleware(ASGIMiddleware):
    """The request id for the logs of this request; the server span named by the route template."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request_id = request_id_of(scope)
        span = trace.get_current_span()
        if span.is_recording():
            route = scope.get("path_template") or scope["path"]
            span.update_name(f"{scope.get('method', '')} {route}".strip())
            span.set_attributes({"http.route": route, "debt_coord.request_id": request_id})
        token = REQUEST_ID.set(request_id)
        try:
            await next_app(scope, receive, send)
        finally:
            REQUEST_ID.reset(token)


def _on_request(span: Span, scope: dict[str, Any]) -> None:
    """At the start of every traced request, routed or not: no secrets from the query string in the span, and
    the request id for every log line of it (each request runs in a task of its own, so the value ends with it)."""
    attributes = getattr(span, "attributes", None) or {}
    for name in ("http.url", "url.full", "url.query"):
        if isinstance(value := attributes.get(name), str) and (redacted := redact_url(value)) != value:
            span.set_attribute(name, redacted)
    REQUEST_ID.set(request_id_of(cast(Scope, scope)))


def _span_name(scope: Scope) -> tuple[str, dict[str, Any]]:
    # The method alone until routing knows the template (RequestContextMiddleware): no raw paths with ids.
    return str(scope.get("method", "HTTP")), {}


def tracing_plugin() -> OpenTelemetryPlugin:
    """Spans go to the process's tracer provider (debt_coord.observability.tracing.configure_tracing)."""
    return OpenTelemetryPlugin(OpenTelemetryConfig(exclude=UNTRACED, exclude_spans=["receive", "send"],
                                                   scope_span_details_extractor=_span_name,
                                                   server_request_hook_handler=_on_request))


def logging_config(settings: Settings) -> LoggingConfig:
    """Litestar's default, or with DEBT_COORD_LOG_FORMAT=json one JSON object per line (the server's lines too)."""
    if settings.log_format != "json":
        return LoggingConfig()
    logging.captureWarnings(True)  # Python's warnings as log records too, not as free text on stderr
    return LoggingConfig(**json_logging())
