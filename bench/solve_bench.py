"""Benchmark: the `debt-coord solve` process against the monthly pro-rata spreadsheet.

For each size (claims × months) a realistic case from bench/cases.py is written to a file and
solved by the whole CLI process, `--repeat` times; the table shows the median wall time, the
proposal's own solve time and gap, the time per claim × payment date (to judge growth), and
the quality figures of the solver's plan next to the baseline's plan on the same case.
Figures only: nothing here asserts a time.

Usage: .venv/bin/python bench/solve_bench.py [--repeat 5] [--seed 0] [--sizes 6x18,20x36] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench.cases import BENCH_SIZES, MANY_CLAIMS_SIZES, make_case
from solver.baseline import monthly_pro_rata
from solver.calendar import payment_days
from solver.models import PlanProposal, PlanRequest
from solver.validate import validate

SMALL_PAYMENT_CENTS = 1_000
"""Payments under €10 cost a creditor more to book than they bring in."""


@dataclass(frozen=True, slots=True)
class PlanFigures:
    plan: str
    status: str
    wall_ms: float | None
    solve_ms: float | None
    gap: float | None
    paid_cents: int
    reachable_cents: int
    transfers: int
    smallest_cents: int | None
    under_10_euro: int
    max_share_deviation: float
    max_timing_deviation: float
    violations: int
    first_violation: str | None
    deterministic: bool | None = None
    hit_time_limit: bool | None = None
    """Not proven optimal in some run: CP-SAT stopped on its work or time limit."""
    max_timing_deviation_large_awards: float | None = None
    """The timing deviation over the claims whose award is at least ten minimum payments (issue 14's measure)."""
    found_by: str | None = None
    """Where the (last run's) plan came from: rotation, search, proven (the baseline: baseline)."""


@dataclass(frozen=True, slots=True)
class SizeResult:
    claims: int
    months: int
    payment_dates: int
    solver: PlanFigures | None
    solver_error: str | None
    baseline: PlanFigures

    @property
    def cells(self) -> int:
        return self.claims * self.payment_dates


def main() -> None:
    args = _parse_args()
    results = [
        bench_size(claims, months, seed=args.seed, repeat=args.repeat, timeout=args.timeout)
        for claims, months in args.sizes
    ]
    if args.json:
        output = {
            "repeat": args.repeat,
            "seed": args.seed,
            "growth_exponent": growth_exponent(results),
            "sizes": [_as_json(result) for result in results],
        }
        print(json.dumps(output, indent=2))
    else:
        print(render_table(results, repeat=args.repeat, seed=args.seed))


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="solver runs per size (median)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated cases")
    parser.add_argument(
        "--sizes", type=_sizes, default=BENCH_SIZES + MANY_CLAIMS_SIZES, help="e.g. 6x18,60x60 (claims x months)"
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a solve process counts as failed")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    return parser.parse_args()


def _sizes(text: str) -> tuple[tuple[int, int], ...]:
    pairs = (item.lower().split("x") for item in text.split(","))
    return tuple((int(claims), int(months)) for claims, months in pairs)


def bench_size(claims: int, months: int, *, seed: int, repeat: int, timeout: float) -> SizeResult:
    case = make_case(claims, months, seed)
    solver, error = _bench_solver(case, repeat, timeout)
    return SizeResult(
        claims=claims,
        months=months,
        payment_dates=len(payment_days(case)),
        solver=solver,
        solver_error=error,
        baseline=_bench_baseline(case),
    )


def _bench_solver(case: PlanRequest, repeat: int, timeout: float) -> tuple[PlanFigures | None, str | None]:
    with tempfile.TemporaryDirectory(prefix="debt-coord-bench-") as folder:
        path = Path(folder) / "case.json"
        path.write_text(case.model_dump_json(by_alias=True, exclude_none=True))
        runs = []
        for _ in range(repeat):
            run = run_solve_process(path, timeout)
            if isinstance(run, str):
                return None, run
            runs.append(run)
    walls = [wall for wall, _ in runs]
    proposals = [proposal for _, proposal in runs]
    figures = plan_figures(
        "solver",
        case,
        proposals[-1],
        wall_ms=statistics.median(walls),
        solve_ms=statistics.median(p.metrics.solve_ms for p in proposals),
        gap=proposals[-1].metrics.gap,
    )
    same = all(p.payments == proposals[0].payments for p in proposals)
    stopped = any(p.status == "feasible" for p in proposals)
    return replace(figures, deterministic=same, hit_time_limit=stopped), None


def run_solve_process(path: Path, timeout_seconds: float) -> tuple[float, PlanProposal] | str:
    """Wall milliseconds and proposal of one `debt-coord solve` process, or what went wrong."""
    command = [_debt_coord_executable(), "solve", str(path)]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        return f"no answer within {timeout_seconds:.0f} s"
    wall_ms = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        last_line = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"exit {done.returncode}: {last_line}"
    return wall_ms, PlanProposal.model_validate_json(done.stdout)


def _debt_coord_executable() -> str:
    beside_python = Path(sys.executable).parent / "debt-coord"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("debt-coord")
    if found is None:
        raise SystemExit("debt-coord is not installed: run make, or pip install -e .")
    return found


def _bench_baseline(case: PlanRequest) -> PlanFigures:
    started = time.perf_counter()
    proposal = monthly_pro_rata(case)
    wall_ms = (time.perf_counter() - started) * 1000
    return plan_figures("baseline", case, proposal, wall_ms=wall_ms, solve_ms=None, gap=None)


def plan_figures(
    plan: str,
    case: PlanRequest,
    proposal: PlanProposal,
    *,
    wall_ms: float | None,
    solve_ms: float | None,
    gap: float | None,
) -> PlanFigures:
    amounts = [payment.amount_cents for payment in proposal.payments]
    problems = validate(case, proposal)
    metrics = proposal.metrics
    return PlanFigures(
        plan=plan,
        status=proposal.status,
        wall_ms=wall_ms,
        solve_ms=solve_ms,
        gap=gap,
        paid_cents=metrics.total_paid_cents,
        reachable_cents=metrics.reachable_cents,
        transfers=metrics.transfers,
        smallest_cents=min(amounts, default=None),
        under_10_euro=sum(amount < SMALL_PAYMENT_CENTS for amount in amounts),
        max_share_deviation=metrics.max_share_deviation,
        max_timing_deviation=metrics.max_timing_deviation,
        max_timing_deviation_large_awards=metrics.max_timing_deviation_large_awards,
        found_by=metrics.found_by,
        violations=len(problems),
        first_violation=problems[0] if problems else None,
    )


# --- output -------------------------------------------------------------------------------

COLUMNS = (
    ("size", 7),
    ("dates", 5),
    ("plan", 8),
    ("status", 10),
    ("wall ms", 8),
    ("solve ms", 9),
    ("gap", 7),
    ("µs/cell", 7),
    ("paid €", 10),
    ("% reach", 7),
    ("transfers", 9),
    ("min €", 7),
    ("<€10", 5),
    ("share dev", 9),
    ("time dev", 8),
    ("large dev", 9),
    ("found by", 8),
    ("validator", 10),
    ("same", 4),
)


def render_table(results: list[SizeResult], *, repeat: int, seed: int) -> str:
    header = "  ".join(name.rjust(width) for name, width in COLUMNS)
    lines = [header, "-" * len(header)]
    for result in results:
        lines.extend(_rows(result))
    lines.append("")
    lines.append(_growth_line(results))
    lines.extend(_legend(repeat, seed))
    return "\n".join(lines)


def _rows(result: SizeResult) -> list[str]:
    size = f"{result.claims}x{result.months}"
    dates = str(result.payment_dates)
    if result.solver is None:
        first = f"{size:>7}  {dates:>5}  {'solver':>8}  failed: {result.solver_error}"
    else:
        first = _row((size, dates), result.solver, result.cells)
    return [first, _row(("", ""), result.baseline, result.cells)]


def _row(size_and_dates: tuple[str, str], figures: PlanFigures, cells: int) -> str:
    per_cell = None if figures.solve_ms is None else figures.solve_ms * 1000 / cells
    smallest = None if figures.smallest_cents is None else figures.smallest_cents / 100
    values = (
        *size_and_dates,
        figures.plan,
        figures.status,
        _number(figures.wall_ms, "{:.0f}"),
        _number(figures.solve_ms, "{:.0f}") + ("*" if figures.hit_time_limit else ""),
        _number(figures.gap, "{:.2%}"),
        _number(per_cell, "{:.1f}"),
        f"{figures.paid_cents / 100:,.2f}",
        _number(_share(figures.paid_cents, figures.reachable_cents), "{:.2%}"),
        str(figures.transfers),
        _number(smallest, "{:.2f}"),
        str(figures.under_10_euro),
        f"{figures.max_share_deviation:.4f}",
        f"{figures.max_timing_deviation:.3f}",
        _number(figures.max_timing_deviation_large_awards, "{:.3f}"),
        figures.found_by or "-",
        "ok" if figures.violations == 0 else f"{figures.violations} bad",
        {None: "-", True: "yes", False: "NO"}[figures.deterministic],
    )
    return "  ".join(value.rjust(width) for value, (_, width) in zip(values, COLUMNS, strict=True))


def growth_exponent(results: list[SizeResult]) -> float | None:
    """k in solve_ms ~ (claims x dates)^k, least squares on logs; 1 is linear growth. Only sizes that got a plan:
    a named conflict is a count, not a solve."""
    points = [
        (math.log(r.cells), math.log(r.solver.solve_ms))
        for r in results
        if r.solver is not None and r.solver.solve_ms and r.solver.status != "infeasible"
    ]
    if len({x for x, _ in points}) < 2:
        return None
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return covariance / sum((x - mean_x) ** 2 for x, _ in points)


def _growth_line(results: list[SizeResult]) -> str:
    exponent = growth_exponent(results)
    if exponent is None:
        return "Growth: needs solver times at two sizes or more."
    line = (
        f"Growth: solve time ~ (claims x dates)^{exponent:.2f} over these sizes "
        "(least squares on logs; 1.00 is linear)."
    )
    stopped = sum(1 for r in results if r.solver is not None and r.solver.hit_time_limit)
    if stopped:
        line += f"\n* {stopped} size(s) stopped at a work or time limit: there the time measures the limit, not growth."
    return line


def _number(value: float | None, form: str) -> str:
    return "-" if value is None else form.format(value)


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _legend(repeat: int, seed: int) -> list[str]:
    return [
        f"Cases: bench/cases.py, seed {seed}; solver = the whole `debt-coord solve` process, "
        f"median of {repeat} runs; baseline = solver.baseline.monthly_pro_rata in-process.",
        "wall ms = whole process (start-up, imports, solve, JSON); solve ms = the proposal's own "
        "metrics.solve_ms, * when not proven optimal (stopped by a work or time limit).",
        "dates = payment dates of the case; µs/cell = solve time per claim x payment date "
        "(flat means linear growth); same = identical payments in every run.",
        "% reach = paid / min(available income, debt); share dev = largest |paid - award| / "
        "award; time dev = largest gap between a claim's and the plan's cumulative share; large dev = the same "
        "over claims whose award is at least ten minimum payments.",
        "found by = where the plan came from: rotation (the first plan, not improved by the search), search "
        "(improved, not proven: see gap), proven (optimal); baseline for the spreadsheet.",
        "validator = solver.validate.validate on the proposal (the baseline ignores minimums "
        "and transfer limits, so it is expected to fail).",
        "status infeasible = the limits conflict and the proposal names them (300x18: more claims that must be "
        "paid than transfers); such rows are left out of the growth fit.",
    ]


def _as_json(result: SizeResult) -> dict[str, object]:
    return {
        "claims": result.claims,
        "months": result.months,
        "payment_dates": result.payment_dates,
        "solver": None if result.solver is None else asdict(result.solver),
        "solver_error": result.solver_error,
        "solve_us_per_claim_date": None
        if result.solver is None or result.solver.solve_ms is None
        else result.solver.solve_ms * 1000 / result.cells,
        "baseline": asdict(result.baseline),
    }


if __name__ == "__main__":
    main()
