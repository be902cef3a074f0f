"""RFC 9457 problem documents, the one shape every error takes: API answers and failed jobs alike."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from debt_coord.kernel.errors import FieldError, ServiceError


def problem_document(status: int, detail: str, *, errors: list[FieldError] | list[dict[str, str]] | None = None,
                     **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail, **extra,
    }
    if errors:
        body["errors"] = [{"detail": e.detail, "pointer": e.pointer} if isinstance(e, FieldError) else e
                          for e in errors]
    return body


def problem_for(error: ServiceError) -> dict[str, Any]:
    """The error's problem; a refusal with a stable reason carries it as the extension member `code`."""
    extra = {"code": error.code.value} if error.code is not None else {}
    return problem_document(error.status, error.detail, errors=error.errors, **extra)
