"""Errors the service raises, each with its HTTP status; the API and the jobs turn them into RFC 9457 problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldError:
    pointer: str
    """JSON pointer into the request body, e.g. /principal_cents."""
    detail: str


@dataclass
class ServiceError(Exception):
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    status: ClassVar[int] = 422

    def __str__(self) -> str:
        return self.detail


class NotFoundError(ServiceError):
    """Unknown, or not visible to the caller: the two are never told apart."""

    status = 404


class ForbiddenError(ServiceError):
    """The caller's role may not do this."""

    status = 403


class ConflictError(ServiceError):
    """The request is valid but the resource's state does not allow it now."""

    status = 409


class InvalidInputError(ServiceError):
    """The request is well-formed but its content is not acceptable."""

    status = 422


class PreconditionFailedError(ServiceError):
    """An If-Match version did not match the current one."""

    status = 412


class PreconditionRequiredError(ServiceError):
    """A change that must name the version it changes (If-Match) did not."""

    status = 428


def pointer(path: tuple[str | int, ...] | list[str | int]) -> str:
    """A JSON pointer (RFC 6901) to the field at `path`."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def field_errors(error: ValidationError) -> list[FieldError]:
    """Pydantic's errors as one FieldError per bad field, without pydantic's 'Value error, ' prefix."""
    return [FieldError(pointer(e["loc"]), str(e["msg"]).removeprefix("Value error, ")) for e in error.errors()]
