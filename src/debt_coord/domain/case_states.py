"""The case's life, as data: which state may follow which, and why a move is refused."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    COLLECTING = "collecting"
    PLANNING = "planning"
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


FINISHED = frozenset({State.COMPLETED, State.FAILED, State.WITHDRAWN})

TRANSITIONS: dict[State, frozenset[State]] = {
    # a plan is asked for: claims are frozen from then on
    State.COLLECTING: frozenset({State.PLANNING, State.WITHDRAWN}),
    # a version is sent to the creditors, or the attempt ends
    State.PLANNING: frozenset({State.PLANNING, State.PROPOSED, State.FAILED, State.WITHDRAWN}),
    # everyone agreed, or the counsellor re-plans with the counters
    State.PROPOSED: frozenset({State.PLANNING, State.ACTIVE, State.FAILED, State.WITHDRAWN}),
    # income changed: a new version is negotiated while the active one runs; or the plan ends
    State.ACTIVE: frozenset({State.PLANNING, State.COMPLETED, State.FAILED, State.WITHDRAWN}),
    State.COMPLETED: frozenset(),
    State.FAILED: frozenset(),
    State.WITHDRAWN: frozenset(),
}

# The moves a counsellor makes by hand; the others follow from plans being asked for, proposed, activated.
MANUAL = frozenset({State.COMPLETED, State.FAILED, State.WITHDRAWN})


def refusal(current: State, wanted: State) -> str | None:
    """Why the case cannot move from `current` to `wanted`, or None when it can."""
    if wanted in TRANSITIONS[current]:
        return None
    if current in FINISHED:
        return f"The case is {current.value}: it is closed and cannot become {wanted.value}."
    allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing"
    return f"The case is {current.value}; from there it can become {allowed}, not {wanted.value}."
