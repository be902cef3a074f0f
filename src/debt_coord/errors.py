"""Errors the service raises; the API turns each into an RFC 9457 problem."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    pointer: str
    """JSON pointer into the request body, e.g. /principal_cents."""
    detail: str


@dataclass
class ServiceError(Exception):
    detail: str
    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


class NotFoundError(ServiceError):
    """Unknown, or not visible to the caller: the two are never told apart."""


class ForbiddenError(ServiceError):
    """The caller's role may not do this."""


class ConflictError(ServiceError):
    """The request is valid but the resource's state does not allow it now."""


class InvalidInputError(ServiceError):
    """The request is well-formed but its content is not acceptable."""


class PreconditionFailedError(ServiceError):
    """An If-Match version did not match the current one."""
