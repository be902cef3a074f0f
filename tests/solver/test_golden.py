"""Golden cases: full request/proposal pairs under tests/golden, reviewed by hand once.

The proposal must match exactly, except the timing field metrics.solve_ms. After a
deliberate change, regenerate with UPDATE_GOLDEN=1 and review the diff (e.g. with
``debt-coord solve tests/golden/NAME.request.json --table``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from solver import solve, validate
from solver.models import PlanRequest

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASES = sorted(path.name.removesuffix(".request.json") for path in GOLDEN.glob("*.request.json"))


def comparable(proposal: dict[str, Any]) -> dict[str, Any]:
    """The proposal without timing figures, which differ from run to run."""
    result = json.loads(json.dumps(proposal))
    result["metrics"].pop("solve_ms")
    return result


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 3


@pytest.mark.parametrize("name", CASES)
def test_golden_case(name: str) -> None:
    request = PlanRequest.model_validate_json((GOLDEN / f"{name}.request.json").read_text())
    proposal = solve(request)
    assert validate(request, proposal) == []
    actual = json.loads(proposal.model_dump_json())
    expected_path = GOLDEN / f"{name}.proposal.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    expected = json.loads(expected_path.read_text())
    assert comparable(actual) == comparable(expected)
