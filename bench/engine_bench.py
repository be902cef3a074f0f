"""Benchmark: the engine with column generation against today's engine (patterns only), in process, on one core.

For each size of ``bench.cases.BENCH_SIZES`` and each seed, both engines solve the same case; per size the table
shows the ratio new / today of the main objective (timing * weight + transfers, both counted with the new engine's
weight from its provenance, so the figures compare), on how many seeds the new plan is at least as good, the new
engine's gap to its LP bound, the timing deviation over the large awards (metrics.max_timing_deviation_large_awards)
of both, the ratio of transfers, the CPU seconds (time.process_time) of each and the ratio of money kept back.
Then the many-claims sizes, one seed each. Figures only: the machine may be shared, so times vary.

Usage: .venv/bin/python bench/engine_bench.py [--seeds 12] [--sizes 20x36,40x36] [--no-many] [--detail]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.cases import BENCH_SIZES, MANY_CLAIMS_SIZES, make_case
from solver.engine import solve
from solver.models import PlanProposal, PlanRequest
from solver.patterns import row_pattern
from solver.problem import make_problem
from solver.validate import validate


@dataclass(frozen=True)
class Run:
    proposal: PlanProposal
    cpu: float
    timing: int
    """The engine's timing objective of the plan: per claim its pattern deviation in whole percent, summed."""
    valid: bool


@dataclass(frozen=True)
class Pair:
    today: Run
    new: Run

    @property
    def weight(self) -> int:
        """The new engine's transfers weight, read back from its objective (timing * weight + transfers)."""
        objective = round(self.new.proposal.provenance.objective or 0)
        if self.new.timing == 0:
            return 1 + max(self.new.proposal.metrics.transfers, self.today.proposal.metrics.transfers)
        return (objective - self.new.proposal.metrics.transfers) // self.new.timing

    def main(self, run: Run) -> int:
        return run.timing * self.weight + run.proposal.metrics.transfers

    @property
    def ratio(self) -> float:
        return self.main(self.new) / max(1, self.main(self.today))


def run(request: PlanRequest, columns: bool) -> Run:
    started = time.process_time()
    proposal = solve(request, columns=columns)
    cpu = time.process_time() - started
    return Run(proposal, cpu, timing_objective(request, proposal), validate(request, proposal) == [])


def timing_objective(request: PlanRequest, proposal: PlanProposal) -> int:
    problem = make_problem(request)
    index = {day.date: t for t, day in enumerate(problem.days)}
    rows = [[0] * problem.n_days for _ in request.claims]
    claims = {claim.id: i for i, claim in enumerate(request.claims)}
    for payment in proposal.payments:
        rows[claims[payment.claim_id]][index[payment.date]] += payment.amount_cents
    return sum(row_pattern(problem, i, row).deviation for i, row in enumerate(rows))


def size_line(claims: int, months: int, pairs: Sequence[Pair]) -> str:
    ratios = [pair.ratio for pair in pairs]
    better = sum(pair.main(pair.new) <= pair.main(pair.today) for pair in pairs)
    gaps = [pair.new.proposal.metrics.gap for pair in pairs]
    large = [[pair_run(pair, which).proposal.metrics.max_timing_deviation_large_awards or 0.0 for pair in pairs]
             for which in ("today", "new")]
    transfers = [pair.new.proposal.metrics.transfers / max(1, pair.today.proposal.metrics.transfers)
                 for pair in pairs]
    cpu = [[pair_run(pair, which).cpu for pair in pairs] for which in ("today", "new")]
    invalid = sum(not pair.new.valid or not pair.today.valid for pair in pairs)
    kept = [sum(sum(d.kept_back_cents for d in pair_run(pair, which).proposal.dates) for pair in pairs)
            for which in ("today", "new")]
    proven = sum(pair.new.proposal.metrics.found_by == "proven" for pair in pairs)
    return (f"{claims:>3}x{months:<3} {statistics.median(ratios):6.3f} {max(ratios):6.3f} {better:>3}/{len(pairs):<3}"
            f" {statistics.median(gaps):7.4f} {statistics.median(large[0]):6.3f} {statistics.median(large[1]):6.3f}"
            f" {statistics.median(transfers):6.3f} {statistics.median(cpu[0]):6.2f} {max(cpu[0]):6.2f}"
            f" {statistics.median(cpu[1]):6.2f} {max(cpu[1]):6.2f} {proven:>6} {invalid:>7}"
            f" {kept[1] / max(1, kept[0]):6.3f}")


def pair_run(pair: Pair, which: str) -> Run:
    return pair.today if which == "today" else pair.new


HEADER = ("size     ratio    max  new<=   gap   large:today  new  transf  cpu today:med  max  new:med  max"
          "  proven invalid  kept")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--sizes", default=",".join(f"{c}x{m}" for c, m in BENCH_SIZES))
    parser.add_argument("--many", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--detail", action="store_true", help="one line per seed too")
    args = parser.parse_args()
    print("ratio: main objective new / today (median, max); gap: new engine's (objective - LP bound) / objective;")
    print("large: median max_timing_deviation_large_awards; transf: median transfers new / today; cpu: seconds;")
    print("kept: money kept back for later dates (summed over dates and seeds) new / today")
    print(HEADER)
    for size in args.sizes.split(","):
        claims, months = (int(part) for part in size.split("x"))
        pairs = [Pair(run(case, False), run(case, True))
                 for case in (make_case(claims, months, seed) for seed in range(args.seeds))]
        if args.detail:
            for seed, pair in enumerate(pairs):
                print(f"  seed {seed:>2}: ratio {pair.ratio:.3f} gap {pair.new.proposal.metrics.gap:.4f}"
                      f" found_by {pair.new.proposal.metrics.found_by} cpu {pair.today.cpu:.2f} / {pair.new.cpu:.2f}")
        print(size_line(claims, months, pairs), flush=True)
    if args.many:
        for claims, months in MANY_CLAIMS_SIZES[:2]:
            case = make_case(claims, months, 0)
            for columns in (False, True):
                result = run(case, columns)
                print(f"{claims}x{months} seed 0 {'new' if columns else 'today'}: {result.proposal.status}"
                      f" found_by {result.proposal.metrics.found_by} cpu {result.cpu:.2f} s"
                      f" valid {result.valid} transfers {result.proposal.metrics.transfers}", flush=True)


if __name__ == "__main__":
    main()
