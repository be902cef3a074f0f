"""Issue 13's variation figures: the money a variation moves against a fresh plan for the same rest of the term.

For every bench case size and seed: the agreed plan is solved; at a seeded month of the term (from the 4th to six
months before the end) everything before is taken as paid as agreed and the money kept back as in hand
(solver.variation.vary); the income that brings the most over the rest of the term then leaves a quarter less
for creditors. The same rest of the term is solved twice: as a variation (the agreed payments as reference) and
as a fresh plan. Printed per size, as medians: the cents each moves against the agreed payments, the least any
plan could move (per claim how far its new total is from what was agreed), the ratio variation / fresh, solve
seconds, and whether the validator accepted every plan. Figures only: nothing here asserts a time.

Usage: .venv/bin/python bench/variation_bench.py [--sizes 20x36,40x36] [--seeds 6] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from typing import Any

from dateutil.relativedelta import relativedelta

from bench.cases import make_case
from solver import solve
from solver.calendar import stream_dates
from solver.models import PlanProposal, PlanRequest
from solver.problem import make_problem
from solver.validate import validate
from solver.variation import least_moved, moved_cents, vary

INCOME_CUT = 0.25


def rest_of_term(case: PlanRequest, agreed: PlanProposal, rng: random.Random) -> PlanRequest:
    month = rng.randint(3, max(3, case.months - 6))
    start = case.start_date + relativedelta(months=month)
    received: dict[str, int] = {}
    for payment in agreed.payments:
        if payment.date < start:
            received[payment.claim_id] = received.get(payment.claim_id, 0) + payment.amount_cents
    in_hand = sum(d.capacity_cents - d.used_cents for d in agreed.dates if d.date < start)
    rest = vary(case, agreed.payments, start=start, received=received, in_hand_cents=in_hand)
    data = rest.model_dump(mode="json", by_alias=True)
    largest = max(range(len(case.income)), key=lambda i: len(list(stream_dates(case.income[i], start, case.end_date)))
                  * case.income[i].available_cents)  # the most money over the rest of the term, not holiday pay
    data["income"][largest]["available_cents"] = int(case.income[largest].available_cents * (1 - INCOME_CUT))
    return PlanRequest.model_validate(data)


def one(claims: int, months: int, seed: int) -> dict[str, Any] | None:
    """The figures of one case; None when its plan has paid every claim by the chosen month."""
    case = make_case(claims, months, seed=seed)
    agreed = solve(case)
    try:
        variation = rest_of_term(case, agreed, random.Random(seed))
    except ValueError:
        return None
    fresh = PlanRequest.model_validate({**variation.model_dump(by_alias=True), "reference_payments": []})
    started = time.perf_counter()
    kept = solve(variation)
    kept_s = time.perf_counter() - started
    started = time.perf_counter()
    anew = solve(fresh)
    fresh_s = time.perf_counter() - started
    reference = variation.reference_payments
    return {"moved": kept.metrics.moved_cents or 0, "fresh_moved": moved_cents(reference, anew.payments),
            "least": least_moved(make_problem(variation)), "agreed": sum(p.amount_cents for p in reference),
            "seconds": kept_s, "fresh_seconds": fresh_s, "status": kept.status.value,
            "valid": not validate(variation, kept) and not validate(fresh, anew)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="20x36,40x36")
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]
    results: dict[str, list[dict[str, Any]]] = {}
    for claims, months in sizes:
        found = [one(claims, months, seed) for seed in range(args.seeds)]
        results[f"{claims}x{months}"] = [row for row in found if row is not None]
    if args.json:
        print(json.dumps(results))
        return
    print(f"{'size':>6} {'agreed €':>10} {'least €':>9} {'variation €':>12} {'fresh €':>9} {'var/fresh':>9} "
          f"{'var s':>6} {'fresh s':>7}  valid  cases")
    for size, rows in results.items():
        def median(key: str, rows: list[dict[str, Any]] = rows) -> float:
            return statistics.median(row[key] for row in rows)
        ratio = statistics.median(row["moved"] / row["fresh_moved"] for row in rows if row["fresh_moved"])
        print(f"{size:>6} {median('agreed') / 100:>10.2f} {median('least') / 100:>9.2f} "
              f"{median('moved') / 100:>12.2f} {median('fresh_moved') / 100:>9.2f} {ratio:>9.2f} "
              f"{median('seconds'):>6.2f} {median('fresh_seconds'):>7.2f}  "
              f"{sum(row['valid'] for row in rows)}/{len(rows)}  {len(rows)} of {args.seeds}")
    print(f"medians over the seeds whose plan still had claims to pay at the chosen month; the main income cut by "
          f"{INCOME_CUT:.0%} from a seeded month; moved = cents that differ from the agreed payments still to "
          "come, per claim and date")


if __name__ == "__main__":
    main()
