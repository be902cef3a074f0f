"""`debt-coord solve`: JSON out, a readable table, clear errors with a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from debt_coord.solve_command import solve

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SETTLEMENT = GOLDEN / "settlement_proportional.request.json"
INFEASIBLE = GOLDEN / "infeasible_due_before_income.request.json"


def test_prints_the_proposal_as_json() -> None:
    result = CliRunner().invoke(solve, [str(SETTLEMENT)])
    assert result.exit_code == 0, result.output
    proposal = json.loads(result.output)
    assert proposal["status"] == "optimal"
    assert proposal["metrics"]["total_paid_cents"] == 102_000


def test_table_has_a_row_per_date_a_column_per_creditor_and_totals() -> None:
    result = CliRunner().invoke(solve, [str(SETTLEMENT), "--table"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("date"))
    assert header.split() == ["date", "c001", "c002", "c003", "c004", "total", "capacity"]
    totals = next(line for line in lines if line.startswith("total"))
    assert totals.split() == ["total", "409.57", "530.81", "49.76", "29.86", "1020.00", "1020.00"]
    assert sum(1 for line in lines if line[:4] == "2027") == 7


def test_writes_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(solve, [str(SETTLEMENT), "--out", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text())["status"] == "optimal"


def test_reads_standard_input() -> None:
    result = CliRunner().invoke(solve, ["-"], input=SETTLEMENT.read_text())
    assert result.exit_code == 0
    assert json.loads(result.output)["status"] == "optimal"


def test_infeasible_is_an_answer_not_an_error() -> None:
    result = CliRunner().invoke(solve, [str(INFEASIBLE), "--table"])
    assert result.exit_code == 0
    assert "Status: infeasible" in result.output
    # A claim is never paid more than it is owed, with or without the rule: the end date alone conflicts.
    assert "Conflict: claims[c001].latest_end_date" in result.output.splitlines()


def test_a_missing_file_exits_non_zero_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(solve, [str(tmp_path / "nope.json")])
    assert result.exit_code != 0
    assert "cannot read" in result.output


def test_broken_json_exits_non_zero_with_the_position(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"start_date": ')
    result = CliRunner().invoke(solve, [str(broken)])
    assert result.exit_code != 0
    assert "is not valid JSON" in result.output and "line 1" in result.output


def test_an_invalid_request_lists_each_problem_with_its_place(tmp_path: Path) -> None:
    invalid = tmp_path / "invalid.json"
    invalid.write_text(
        json.dumps(
            {
                "start_date": "2027-13-01",
                "claims": [{"id": "a", "creditor": "A", "outstanding_cents": -5}],
            }
        )
    )
    result = CliRunner().invoke(solve, [str(invalid)])
    assert result.exit_code != 0
    assert "is not a valid plan request" in result.output
    assert "  - start_date:" in result.output
    assert "  - claims.0.outstanding_cents: Input should be greater than 0" in result.output


def test_the_solve_command_does_not_import_the_service_stack() -> None:
    """`debt-coord solve` (entry point api.cli:main) imports its command lazily: the solver,
    not SQLAlchemy, Alembic, the services or the web server."""
    script = (
        "import sys\n"
        "from api.cli import main\n"
        "main.main(['solve', sys.argv[1]], standalone_mode=False)\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlalchemy', 'alembic', 'advanced_alchemy', 'litestar', 'uvicorn', 'celery'})\n"
        "services = sorted(m for m in sys.modules if m.startswith('debt_coord.')\n"
        "                  and m not in ('debt_coord.cli', 'debt_coord.solve_command'))\n"
        "print('HEAVY', heavy + services, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(SETTLEMENT)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "optimal"
    assert "HEAVY []" in done.stderr
