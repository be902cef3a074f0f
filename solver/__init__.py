"""Pure planning engine: PlanRequest in, PlanProposal out. Imports nothing of debt_coord or api.

Public API:
- ``solve(request) -> PlanProposal``: the CP-SAT engine (``solver.engine``).
- ``validate(request, proposal) -> list[str]``: solver-independent checks (``solver.validate``).
- ``build_proposal(...)``: figures from payments, shared with the baseline (``solver.metrics``).
- ``awards(total_cents, claims, rule, preferent_factor)``: the fairness rules (``solver.rules``).
"""

from solver.engine import solve
from solver.metrics import build_proposal, provenance_for
from solver.models import PlanProposal, PlanRequest
from solver.rules import awards
from solver.validate import validate

__all__ = [
    "PlanProposal",
    "PlanRequest",
    "awards",
    "build_proposal",
    "provenance_for",
    "solve",
    "validate",
]
