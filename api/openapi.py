"""The OpenAPI document tells the truth about errors: every problem an operation can answer, as RFC 9457.

Litestar documents only a `400` per operation, with the body of its own ValidationException, and
drops a handler's `security=[]`. The app answers every error as `application/problem+json`
(api/problems.py), so at startup this amends the document: a `Problem` schema and, per
operation, the statuses it can answer: what any key-protected operation can answer (401, 403),
what a path with ids can (404), what a body can (413, 422), what every rate-limited operation can
(429), plus whatever a handler declares with `raises=[...]`; and `security: []` where no key is
needed (`/health`, and the routes that check a token of their own, `exclude_from_auth`).
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from litestar import Litestar
from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Reference, Schema

from api.problems import PROBLEM_JSON
from debt_coord.kernel.errors import Refusal

METHODS = ("get", "put", "post", "delete", "patch")
NOT_RATE_LIMITED = {("get", "/health"), ("get", "/ready")}
"""Excluded from the rate limit (api/app.py), and answer no 404: they take no token or id."""

PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    description="RFC 9457 problem details; `errors` has a JSON pointer (or the query, header or path "
                "parameter) for each bad field; `code`, when present, says why a request was refused as a stable "
                "reason (the README lists them).",
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER, minimum=400, maximum=599),
        "detail": Schema(type=OpenAPIType.STRING),
        "code": Schema(type=OpenAPIType.STRING, enum=[code.value for code in Refusal]),
        "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(
            type=OpenAPIType.OBJECT, required=["detail"],
            properties={"detail": Schema(type=OpenAPIType.STRING), "pointer": Schema(type=OpenAPIType.STRING)},
        )),
    },
)

_WHY = {
    400: "The request cannot be read: malformed JSON, or a bad query, header or path parameter.",
    401: "No API key, or an unknown or revoked one.",
    403: "This key's role may not do this.",
    404: "No such object, or not the caller's (never told apart).",
    409: "The object's state does not allow this now, or a concurrent change won; fetch again and retry.",
    408: "The request body did not arrive in full in time (DEBT_COORD_BODY_TIMEOUT_SECONDS); the connection is closed.",
    412: "If-Match names a version that is no longer the current one.",
    428: "If-Match is missing: a change must name the version (ETag) it was made on.",
    413: "The request body is larger than 1 MiB (a bank statement: DEBT_COORD_STATEMENT_MAX_BYTES).",
    422: "A field is invalid; `errors` points at each one.",
    429: "Too many requests with this key (or from this address); see Retry-After.",
    503: "The database is briefly unavailable; nothing was changed. See Retry-After.",
}


_WHY_OWN_TOKEN = {
    401: "No token: send the link's token as `?token=` or `Authorization: Bearer`.",
    404: "The token is unknown, expired or revoked (or an API key), or there is nothing to show yet.",
}
PAGE_STATUSES = {401, 403, 404, 409, 422}
"""A page (text/html) answers these to a browser as a page that says what to do; other clients get a problem
(403, 409 and 422: the creditor page's forms, refused without their CSRF token, too late, or with bad input)."""
PAGE = {"text/html": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))}


def public_operations(app: Litestar) -> set[tuple[str, str]]:
    """(method, path) of the operations that need no API key: `security=[]` or `exclude_from_auth`."""
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if (handler.security is not None and not handler.security) or handler.opt.get("exclude_from_auth"):
                found |= {(method.lower(), route.path_format) for method in handler.http_methods}
    return found


def problem_statuses(method: str, path: str, operation: Operation, *, keyed: bool, own_token: bool) -> set[int]:
    parameters = [p for p in operation.parameters or [] if not isinstance(p, Reference)]
    statuses = {503}
    if keyed:
        statuses |= {401, 403}
    elif own_token:  # no token at all
        statuses.add(401)
    if (method, path) not in NOT_RATE_LIMITED:
        statuses.add(429)
    if parameters or operation.request_body is not None:
        statuses.add(400)
    if "{" in path or own_token:  # an id, or a token of its own, that may be unknown
        statuses.add(404)
    if operation.request_body is not None:
        statuses |= {408, 413, 422}
    if method in ("post", "put", "patch", "delete") and keyed:
        statuses.add(409)
    if any(p.name.lower() == "if-match" for p in parameters):
        statuses |= {412, 428}
    return statuses


def require_if_match(operation: Operation) -> None:
    """If-Match is optional to Litestar, so that its absence is a 428 problem rather than a 400; the document says
    what a client must send: it is required."""
    for parameter in operation.parameters or []:
        if not isinstance(parameter, Reference) and parameter.name.lower() == "if-match":
            parameter.required = True


def operations(openapi: OpenAPI) -> Iterator[tuple[str, str, Operation]]:
    for path, item in (openapi.paths or {}).items():
        for method in METHODS:
            operation: Operation | None = getattr(item, method)
            if operation is not None:
                yield method, path, operation


def document_problems(openapi: OpenAPI, public: set[tuple[str, str]]) -> None:
    if openapi.components.schemas is None:
        openapi.components.schemas = {}
    openapi.components.schemas["Problem"] = PROBLEM
    content = {PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))}
    for method, path, operation in operations(openapi):
        keyed = (method, path) not in public
        if not keyed:
            operation.security = []  # Litestar drops a handler's `security=[]`: no key needed here
        own_token = not keyed and (method, path) not in NOT_RATE_LIMITED
        require_if_match(operation)
        responses = operation.responses = dict(operation.responses or {})
        declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}  # `raises=[...]`
        pages = _answers_html(operation)
        for status in sorted(problem_statuses(method, path, operation, keyed=keyed, own_token=own_token) | declared):
            why = _WHY_OWN_TOKEN.get(status) if own_token else None
            responses[str(status)] = OpenAPIResponse(
                description=f"{HTTPStatus(status).phrase}. {why or _WHY.get(status, '')}".strip(),
                content={**content, **PAGE} if pages and status in PAGE_STATUSES else content)


def _answers_html(operation: Operation) -> bool:
    ok = (operation.responses or {}).get("200")
    return isinstance(ok, OpenAPIResponse) and "text/html" in (ok.content or {})


def either_of_the_models(openapi: OpenAPI) -> None:
    """`CaseOut | CaseForCreditor` (what the caller's role may see) is anyOf: a CaseOut is a CaseForCreditor too.

    Litestar writes a union of models as oneOf, which a CaseOut, valid under both, fails."""

    def visit(schema: Any) -> None:
        if isinstance(schema, Schema):
            if schema.one_of and all(isinstance(s, Reference) for s in schema.one_of):
                schema.any_of, schema.one_of = schema.one_of, None
            for child in (schema.items, *(schema.any_of or []), *(schema.one_of or [])):
                visit(child)

    for _, _, operation in operations(openapi):
        for response in (operation.responses or {}).values():
            for media in (getattr(response, "content", None) or {}).values():
                visit(media.schema)


def document_truthfully(app: Litestar) -> None:
    """Startup hook: amend the document once, before it is first served (it is built on first use and cached)."""
    openapi = app.openapi_schema
    document_problems(openapi, public_operations(app))
    either_of_the_models(openapi)
