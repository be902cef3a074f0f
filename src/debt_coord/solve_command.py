"""`debt-coord solve REQUEST.json`: propose a plan from a PlanRequest file.

Prints the PlanProposal JSON, or with ``--table`` a readable schedule: a row per payment
date, a column per creditor, totals. An unreadable or invalid request exits non-zero with
a clear message; an infeasible request is a valid answer and exits 0.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import click
from pydantic import ValidationError

from solver import solve as solve_plan
from solver.models import PlanProposal, PlanRequest
from solver.money import amount


@click.command("solve")
@click.argument("request_file", metavar="REQUEST.json", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--table", is_flag=True, help="Print a readable schedule instead of JSON.")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the output to this file instead of standard output.",
)
def solve(request_file: str, table: bool, out_file: str | None) -> None:
    """Propose one payment plan for REQUEST.json ('-' reads standard input)."""
    request = read_request(request_file)
    proposal = solve_plan(request)
    text = format_table(request, proposal) if table else proposal.model_dump_json(indent=2)
    if out_file is None:
        click.echo(text)
    else:
        Path(out_file).write_text(text + "\n", encoding="utf-8")


def read_request(request_file: str) -> PlanRequest:
    """Parse and validate the request; any problem becomes a readable ClickException."""
    try:
        with click.open_file(request_file, encoding="utf-8") as handle:
            raw = handle.read()
    except OSError as error:
        raise click.ClickException(f"cannot read {request_file}: {error.strerror or error}") from error
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise click.ClickException(
            f"{request_file} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from error
    try:
        return PlanRequest.model_validate(data)
    except ValidationError as error:
        raise click.ClickException(
            f"{request_file} is not a valid plan request:\n{describe_errors(error)}"
        ) from error


def describe_errors(error: ValidationError) -> str:
    """One line per problem: where in the request, and what is wrong."""
    lines = []
    for problem in error.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"]) or "(request)"
        lines.append(f"  - {where}: {problem['msg']}")
    return "\n".join(lines)


def format_table(request: PlanRequest, proposal: PlanProposal) -> str:
    """The schedule as text: dates down, creditors across, totals right and at the bottom."""
    amounts: dict[tuple[str, str], int] = defaultdict(int)
    for payment in proposal.payments:
        amounts[(payment.date.isoformat(), payment.claim_id)] += payment.amount_cents
    claim_ids = [claim.id for claim in request.claims]
    header = ["date", *claim_ids, "total", "capacity"]
    rows = [header]
    for day in proposal.dates:
        key = day.date.isoformat()
        cells = [amounts.get((key, claim_id), 0) for claim_id in claim_ids]
        rows.append([key, *(_cell(c) for c in cells), _cell(sum(cells)), str(amount(day.capacity_cents))])
    paid = {result.claim_id: result.paid_cents for result in proposal.claims}
    total_capacity = sum(day.capacity_cents for day in proposal.dates)
    rows.append(
        ["total", *(str(amount(paid[c])) for c in claim_ids), str(amount(proposal.metrics.total_paid_cents)),
         str(amount(total_capacity))]
    )
    lines = [f"Status: {proposal.status}", *_legend(request), "", *_aligned(rows), ""]
    lines += [f"- {sentence}" for sentence in proposal.explanation]
    for conflict in proposal.conflicts:
        lines += [f"Conflict: {', '.join(conflict.items)}", f"  {conflict.message}", f"  Remedy: {conflict.remedy}"]
    return "\n".join(lines)


def _cell(cents: int) -> str:
    return str(amount(cents)) if cents else "."


def _legend(request: PlanRequest) -> list[str]:
    return [
        f"  {claim.id}: {claim.creditor} ({claim.claim_class.value}, outstanding "
        f"{amount(claim.outstanding_cents)!s})"
        for claim in request.claims
    ]


def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
