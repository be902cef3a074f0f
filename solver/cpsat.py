"""CP-SAT's parameters for the engine: one worker, a seed, a deterministic work limit and a wall-clock safety net."""

from __future__ import annotations

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
