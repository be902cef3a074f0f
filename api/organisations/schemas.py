"""Request and response bodies for organisations and API keys."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import (
    AfterValidator,
    Field,
)

from api.common import Body, Name, Out
from debt_coord.kernel.actors import Role
from debt_coord.kernel.validation import normalise_phone
from debt_coord.organisations.models import OrganisationKind

# Organisations and keys

class OrganisationCreate(Body):
    name: Name
    kind: OrganisationKind
    contact_email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    contact_phone: Annotated[str, Field(max_length=40), AfterValidator(normalise_phone)] | None = Field(
        default=None, description="Shown to debtors. Stored in E.164 (+31201234567); without a country code "
                                  "it is read as a Dutch number.")


class OrganisationOut(Out):
    id: uuid.UUID
    name: str
    kind: OrganisationKind
    contact_email: str | None
    contact_phone: str | None


class ApiKeyCreate(Body):
    organisation_id: uuid.UUID
    role: Role
    label: Annotated[str, Field(max_length=200)] = ""


class ApiKeyOut(Out):
    id: uuid.UUID
    organisation_id: uuid.UUID
    role: Role
    label: str
    prefix: str
    revoked_at: dt.datetime | None


class ApiKeyIssued(ApiKeyOut):
    key: str = Field(description="The key itself. Shown only now: it is stored as a hash.")
