"""CP-SAT's parameters for the engine: one worker, a seed, a deterministic work limit and a wall-clock safety net;
the work budget the engine's stages share and what each stage found."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model


def solver_parameters(seed: int, work_units: float, wall_seconds: float) -> dict[str, str]:
    return {
        "num_workers": "1",
        "random_seed": str(seed),
        "max_deterministic_time": f"{work_units:.3f}",
        "max_time_in_seconds": f"{wall_seconds:.3f}",
        "cp_model_probing_level": "0",
        "linearization_level": "2",
        "cut_level": "0",
    }


def new_solver(parameters: dict[str, str]) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = int(parameters["num_workers"])
    solver.parameters.random_seed = int(parameters["random_seed"])
    solver.parameters.max_deterministic_time = float(parameters["max_deterministic_time"])
    solver.parameters.max_time_in_seconds = float(parameters["max_time_in_seconds"])
    # Probing in presolve costs seconds of wall time on the pattern model and finds nothing.
    solver.parameters.cp_model_probing_level = int(parameters["cp_model_probing_level"])
    # A fuller LP (linearization 2) but no cuts: on the 30 benchmark cases with 4 seeds each,
    # 31% fewer work units; cuts cost wall time that work units do not count (bench/README.md).
    solver.parameters.linearization_level = int(parameters["linearization_level"])
    solver.parameters.cut_level = int(parameters["cut_level"])
    return solver


POLISH = "kept back,earliest"
"""A direct plan's last stage, after timing and transfers are settled: it polishes, and the plan's status and note
speak for the stages before it (the status line says whether the polish was proven too)."""


@dataclass
class StageResult:
    name: str
    status: cp_model.CpSolverStatus
    objective: float
    bound: float

    @property
    def gap(self) -> float:
        if self.status == cp_model.OPTIMAL:
            return 0.0
        return abs(self.objective - self.bound) / max(1.0, abs(self.objective))


@dataclass
class Budget:
    """Work units (deterministic) and a wall-clock deadline (safety net) left for solving."""

    work_units: float
    deadline: float
    spent: float = 0.0
    """Work units the stages have used so far."""

    def parameters(self, seed: int, share: float) -> dict[str, str]:
        wall = max(0.05, self.deadline - time.perf_counter())
        return solver_parameters(seed, max(0.02, self.work_units * share), wall)

    def spend(self, solver: cp_model.CpSolver) -> None:
        self.work_units = max(0.0, self.work_units - solver.deterministic_time)
        self.spent += solver.deterministic_time
