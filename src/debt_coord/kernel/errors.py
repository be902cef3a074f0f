"""Errors the service raises, each with its HTTP status; the API and the jobs turn them into RFC 9457 problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldError:
    pointer: str
    """JSON pointer into the request body, e.g. /principal_cents."""
    detail: str


class Refusal(StrEnum):
    """Why the service said no, as a stable code: the `code` of its problem, and what a page words it by.

    The facts a code comes with are named beside it; a new code needs words in api/workspace/refusals.py.
    """

    CASE_CLOSED = "case_closed"  # state
    CASE_STATE_NOT_ALLOWED = "case_state_not_allowed"  # state, wanted
    CASE_CLOSE_STATE_INVALID = "case_close_state_invalid"  # wanted
    CASE_REFERENCE_IN_USE = "case_reference_in_use"  # reference
    NOT_A_CREDITOR_ORGANISATION = "not_a_creditor_organisation"
    CLAIMS_NOT_COLLECTING = "claims_not_collecting"  # state
    CLAIMS_DEADLINE_PASSED = "claims_deadline_passed"  # deadline
    CLAIM_OWES_NOTHING = "claim_owes_nothing"
    CLAIM_OVER_LIMIT = "claim_over_limit"  # limit_cents, total_cents
    CLAIM_VERSION_REQUIRED = "claim_version_required"
    CLAIM_VERSION_CHANGED = "claim_version_changed"  # version, sent
    PAYMENT_ROUTE_FIXED = "payment_route_fixed"  # state
    NO_PAYOUT_ACCOUNT = "no_payout_account"
    ROLE_NOT_ALLOWED = "role_not_allowed"  # role
    PLAN_NEEDS_CLAIMS = "plan_needs_claims"
    VARIATION_START_INVALID = "variation_start_invalid"  # start, first, last
    NOTHING_LEFT_TO_VARY = "nothing_left_to_vary"
    PLAN_REQUEST_INVALID = "plan_request_invalid"
    PLAN_CASE_GONE = "plan_case_gone"
    COUNTERS_NOT_ON_CASE = "counters_not_on_case"
    COUNTERS_NOT_IN_PLAN = "counters_not_in_plan"
    PLAN_VERSION_NOT_CURRENT = "plan_version_not_current"  # number, current, current_status
    PLAN_VERSION_MISMATCH = "plan_version_mismatch"  # number, sent
    PLAN_VERSION_STATUS = "plan_version_status"  # number, status, needed
    PLAN_INFEASIBLE = "plan_infeasible"
    RESPONSE_DEADLINE_NOT_FUTURE = "response_deadline_not_future"
    RECONSIDER_NOT_REFUSED = "reconsider_not_refused"
    PLAN_NOT_AGREED = "plan_not_agreed"  # waiting (how many creditors), creditors (their names)
    NOT_A_CREDITOR_IN_PLAN = "not_a_creditor_in_plan"
    CREDITOR_LINK_NOT_PROPOSED = "creditor_link_not_proposed"  # number, status
    CASE_NOT_ACTIVE = "case_not_active"  # state
    UNKNOWN_CLAIM = "unknown_claim"
    RECEIPT_DATE_OUT_OF_RANGE = "receipt_date_out_of_range"  # reference_date
    RECEIPT_MORE_THAN_OWED = "receipt_more_than_owed"  # outstanding_cents, currency
    RECEIPT_ALREADY_REVERSED = "receipt_already_reversed"
    DISCHARGE_NOT_OWN_CLAIMS = "discharge_not_own_claims"
    FINAL_STATEMENT_NOT_ACTIVE = "final_statement_not_active"  # state
    NO_ACTIVE_PLAN = "no_active_plan"
    FINAL_STATEMENT_NOT_YET = "final_statement_not_yet"  # available_from, term_end
    STATEMENT_UNREADABLE = "statement_unreadable"
    STATEMENT_IMPORTED_DIFFERENTLY = "statement_imported_differently"  # message_id, account
    STATEMENT_UNKNOWN_ACCOUNT = "statement_unknown_account"  # account
    STATEMENT_CURRENCY = "statement_currency"  # currency, case_currency
    STATEMENT_ENTRY_IN_FUTURE = "statement_entry_in_future"  # booked_on
    STATEMENT_ENTRY_UNKNOWN = "statement_entry_unknown"
    STATEMENT_CREDIT_NOT_MATCHED = "statement_credit_not_matched"
    STATEMENT_ENTRY_OVERMATCHED = "statement_entry_overmatched"  # unmatched_cents, currency
    EMAIL_INVALID = "email_invalid"
    PHONE_INVALID = "phone_invalid"
    PHONE_NOT_MOBILE = "phone_not_mobile"
    CONSENT_IN_FUTURE = "consent_in_future"
    BREATHING_SPACE_NEEDS_REASON = "breathing_space_needs_reason"
    DEBTOR_UNREACHABLE = "debtor_unreachable"
    MESSAGE_TOO_LONG = "message_too_long"  # max_chars


Fact = str | int


@dataclass
class ServiceError(Exception):
    detail: str
    """In English, for the API's problem; a page words the refusal by its `code` and `facts`."""
    errors: list[FieldError] = field(default_factory=list)
    code: Refusal | None = field(default=None, kw_only=True)
    facts: dict[str, Fact] = field(default_factory=dict, kw_only=True)
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
