"""What a counsellor may set when asking for a plan: the term, the start, the policy, counters to apply."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from solver.models import Rule

COUNTER_FIELDS = ("min_payment_cents", "fixed_installment_cents", "latest_end_date", "max_transfers")
"""The terms a creditor's counter-proposal may set on its claims."""


@dataclass(frozen=True)
class PolicyOverrides:
    """The solver policy's fields a counsellor may override (None: the default)."""

    rule: Rule | None = None
    preferent_factor: int | None = None
    min_payment_cents: int | None = None
    max_transfers_per_date: int | None = None
    payment_lag_days: int | None = None
    time_limit_seconds: float | None = None


@dataclass(frozen=True)
class PlanOptions:
    start_date: dt.date | None = None
    """The first day of the plan; None: the 1st of next month."""
    months: int | None = None
    """The term; None: 18 months."""
    policy: PolicyOverrides = PolicyOverrides()
    apply_counters: bool | list[uuid.UUID] = False
    """True: every counter on the current proposal; or the ids of the counters to apply."""
    respect_policies: bool = False
    """Solve within the creditors' published acceptance policies."""

    def policy_overrides(self) -> dict[str, Any]:
        return {name: value for name, value in asdict(self.policy).items() if value is not None}
