"""The case's life, as data: which state may follow which, and why a move is refused."""

from __future__ import annotations

from enum import StrEnum


class CaseState(StrEnum):
    COLLECTING = "collecting"
    PLANNING = "planning"
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


FINISHED = frozenset({CaseState.COMPLETED, CaseState.FAILED, CaseState.WITHDRAWN})

TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    # a plan is asked for: claims are frozen from then on
    CaseState.COLLECTING: frozenset({CaseState.PLANNING, CaseState.WITHDRAWN}),
    # a version is sent to the creditors, or the attempt ends
    CaseState.PLANNING: frozenset({CaseState.PLANNING, CaseState.PROPOSED, CaseState.FAILED, CaseState.WITHDRAWN}),
    # everyone agreed, or the counsellor re-plans with the counters
    CaseState.PROPOSED: frozenset({CaseState.PLANNING, CaseState.ACTIVE, CaseState.FAILED, CaseState.WITHDRAWN}),
    # the plan ends; a variation is negotiated while the active plan runs, so the case stays active meanwhile
    CaseState.ACTIVE: frozenset({CaseState.COMPLETED, CaseState.FAILED, CaseState.WITHDRAWN}),
    CaseState.COMPLETED: frozenset(),
    CaseState.FAILED: frozenset(),
    CaseState.WITHDRAWN: frozenset(),
}

# The moves a counsellor makes by hand; the others follow from plans being asked for, proposed, activated.
MANUAL = frozenset({CaseState.COMPLETED, CaseState.FAILED, CaseState.WITHDRAWN})


def refusal(current: CaseState, wanted: CaseState) -> str | None:
    """Why the case cannot move from `current` to `wanted`, or None when it can."""
    if wanted in TRANSITIONS[current]:
        return None
    if current in FINISHED:
        return f"The case is {current.value}: it is closed and cannot become {wanted.value}."
    allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing"
    return f"The case is {current.value}; from there it can become {allowed}, not {wanted.value}."
