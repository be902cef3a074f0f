"""Bodies of the creditor link routes, and the creditor page's decision form."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api.common import Body, Out
from api.debtor.schemas import whole_number
from debt_coord.creditor_links.service import DEFAULT_VALID_DAYS, MAX_VALID_DAYS


class CreditorLinkCreate(Body):
    organisation_id: uuid.UUID
    """The creditor organisation the link is for: one with a claim in this version."""
    valid_days: Annotated[int, BeforeValidator(whole_number), Field(ge=1, le=MAX_VALID_DAYS)] = DEFAULT_VALID_DAYS
    """How long the link works, in days from now."""


class CreditorLinkOut(Out):
    id: uuid.UUID
    plan_version_id: uuid.UUID
    organisation_id: uuid.UUID
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


class CreditorLinkIssued(CreditorLinkOut):
    token: str
    """Shown once: give it to the creditor inside `page_url`. Only its hash is stored."""
    page_url: str


Text = Annotated[str, Field(max_length=8000)]


class DecisionForm(BaseModel):
    """The page's form as sent: every field text, checked by the page itself so that bad input is the form again
    with its error in words (the API's own `DecisionIn` and `Counter` decide what is valid)."""

    model_config = ConfigDict(extra="ignore")

    token: Text = ""
    lang: Text = ""
    plan_version: Text = ""
    decision: Text = ""
    reason: Text = ""
    min_payment: Text = ""
    fixed_installment: Text = ""
    latest_end_date: Text = ""
    max_transfers: Text = ""
