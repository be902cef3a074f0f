"""RFC 9457 problem details for every error, with a JSON pointer to each bad field."""

from __future__ import annotations

import logging
from typing import Any

from advanced_alchemy.exceptions import RepositoryError
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from debt_coord.kernel.errors import ServiceError, pointer
from debt_coord.kernel.problems import problem_document, problem_for

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)

def problem(status: int, detail: str, *, errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response[dict[str, Any]]:
    return Response(problem_document(status, detail, errors=errors, **extra), status_code=status,
                    media_type=PROBLEM_JSON, headers=headers)


def _sent_names(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Handler argument -> the name a client sends it by: the argument `since` is the query parameter `from`."""
    names: dict[str, str] = {}
    signature = getattr(request.scope.get("route_handler"), "parsed_fn_signature", None)
    for argument, parameter in (signature.parameters.items() if signature else ()):
        definition = parameter.kwarg_definition
        sent = getattr(definition, "name", None) or getattr(definition, "query", None) or getattr(
            definition, "header", None)
        if isinstance(sent, str):
            names[argument] = sent
    return names


def _validation_errors(extra: Any, names: dict[str, str]) -> list[dict[str, str]]:
    errors = []
    for item in extra if isinstance(extra, list) else []:
        message = str(item.get("message", "invalid")).removeprefix("Value error, ")
        key, source = item.get("key"), item.get("source", "body")
        if source in (None, "body"):
            errors.append({"detail": message, "pointer": pointer(key.split(".")) if key else ""})
        else:
            errors.append({"detail": message, source: names.get(str(key), str(key))})
    return errors


def _missing_body(extra: Any) -> bool:
    # Litestar reports an absent body as its handler argument `data` missing: not a body field.
    return isinstance(extra, list) and any(
        item.get("key") == "data" and item.get("message") == "'data'" for item in extra if isinstance(item, dict)
    )


def on_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    if _missing_body(exc.extra):
        return problem(400, "This request needs a JSON body.", errors=[{"detail": "missing", "pointer": ""}])
    errors = _validation_errors(exc.extra, _sent_names(request))
    status = 422 if errors and any("pointer" in e for e in errors) else 400
    return problem(status, "The request is not valid: see errors for each field.", errors=errors)


def on_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if exc.status_code >= 500:  # Litestar's own 500s carry its internal message: logged, never shown
        return on_unexpected(request, exc)
    if exc.status_code == 413:
        return problem(413, "The request body is too large: send at most 1 MiB.", headers=exc.headers)
    return problem(exc.status_code, str(exc.detail), headers=exc.headers)


def on_service(request: Request[Any, Any, Any], exc: ServiceError) -> Response[dict[str, Any]]:
    return Response(problem_for(exc), status_code=exc.status, media_type=PROBLEM_JSON)


def on_stale(request: Request[Any, Any, Any], exc: StaleDataError) -> Response[dict[str, Any]]:
    return problem(409, "Someone else changed this at the same moment. Fetch it again and retry.")


def on_integrity(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[dict[str, Any]]:
    log.warning("integrity error on %s %s: %s", request.method, request.url.path, type(exc.orig).__name__)
    return problem(409, "The change conflicts with data that was written at the same moment. Retry.")


# PostgreSQL's SQLSTATEs for a transaction that lost a race and may simply be run again.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}
# Connection exceptions and an operator shutting the server down: the database is away, not the request wrong.
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "57P")


def on_database(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, Any]]:
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    if sqlstate in _RETRYABLE_SQLSTATES:
        log.warning("retryable conflict on %s %s: %s", request.method, request.url.path, type(exc.orig).__name__)
        return problem(409, "The change conflicts with data that was written at the same moment. Retry.")
    from_sqlite = type(exc.orig).__module__.startswith("sqlite3")
    unavailable = (sqlstate.startswith(_UNAVAILABLE_SQLSTATE_CLASSES)
                   or (from_sqlite and "database is locked" in str(exc.orig))
                   or (isinstance(exc, OperationalError) and not sqlstate and not from_sqlite))  # could not connect
    if exc.connection_invalidated or unavailable:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc.orig).__name__)
        return problem(503, "The database is briefly unavailable. Nothing was changed; retry in a moment.",
                       headers={"Retry-After": "2"})
    return on_unexpected(request, exc)


def on_repository(request: Request[Any, Any, Any], exc: RepositoryError) -> Response[dict[str, Any]]:
    # advanced-alchemy's repositories wrap SQLAlchemy's errors (a connection lost mid-INSERT comes out as its
    # "IntegrityError"): answer for what actually happened, so a database outage is a 503 and not a 500.
    cause = exc.__cause__
    if isinstance(cause, IntegrityError):
        return on_integrity(request, cause)
    if isinstance(cause, DBAPIError):
        return on_database(request, cause)
    if isinstance(cause, StaleDataError):
        return on_stale(request, cause)
    return on_unexpected(request, exc)


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Something went wrong on our side. Nothing was changed; please retry.")


def on_recursion(request: Request[Any, Any, Any], exc: RecursionError) -> Response[dict[str, Any]]:
    # msgspec gives up on absurdly deep JSON nesting with a RecursionError: bad input, not our fault.
    if "while deserializing" not in str(exc):
        return on_unexpected(request, exc)
    return problem(400, "The JSON body is nested too deeply to read.")


exception_handlers: dict[Any, Any] = {
    ValidationException: on_validation,
    HTTPException: on_http,
    ServiceError: on_service,
    StaleDataError: on_stale,
    IntegrityError: on_integrity,
    DBAPIError: on_database,
    RepositoryError: on_repository,
    RecursionError: on_recursion,
    Exception: on_unexpected,
}
