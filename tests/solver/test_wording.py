"""The engine's explanation as notes (a key and its facts) and as the English sentences API clients read.

The English words themselves are pinned by the golden cases (tests/golden); here: every sentence has its note,
a conflict has one limit and one remedy per item, the facts are cents, ISO dates and names, and a proposal
stored before notes existed still loads."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from solver import solve
from solver.models import Note, PlanProposal, PlanRequest
from solver.wording import WORDS, english
from tests.solver.test_engine import BIG_CLAIMS, make_request

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

REQUESTS = {
    **{path.name.removesuffix(".request.json"): PlanRequest.model_validate_json(path.read_text())
       for path in sorted(GOLDEN.glob("*.request.json"))},
    "engine": make_request(),
    "zero-offer": make_request(
        income=[{"id": "bijstand", "amount_cents": 120_000, "available_cents": 0, "day_of_month": 1}]),
    "minimums-above-capacity": make_request(claims=[{**c, "min_payment_cents": 150_000} for c in BIG_CLAIMS]),
    "due-before-income": make_request(claims_update={1: {"latest_end_date": "2027-01-20"}}),
}


def all_notes(notes: list[Note]) -> Iterator[Note]:
    for note in notes:
        yield note
        yield from all_notes(note.parts)


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_every_sentence_of_the_explanation_is_a_note_with_plain_facts(name: str) -> None:
    request = REQUESTS[name]
    proposal = solve(request)
    say = english(request.currency)
    assert proposal.explanation and [say(note) for note in proposal.notes] == proposal.explanation
    for conflict in proposal.conflicts:
        assert conflict.note and conflict.remedy_note
        assert (say(conflict.note), say(conflict.remedy_note)) == (conflict.message, conflict.remedy)
        if conflict.note.key == "limits_conflict":  # one limit and one remedy per item, in the items' order
            assert len(conflict.note.parts) == len(conflict.remedy_note.parts) == len(conflict.items)
    names = {claim.id: claim.creditor for claim in request.claims}
    for note in all_notes(proposal.notes):
        assert note.key in WORDS
        for fact, value in note.facts.items():
            if fact.endswith("_cents"):
                assert type(value) is int and value >= 0, (note.key, fact)
            if fact.endswith("_date"):
                assert dt.date.fromisoformat(str(value)).isoformat() == value
        if "claim_id" in note.facts:
            assert names[str(note.facts["claim_id"])] == note.facts["creditor"]


def test_the_english_of_a_zero_offer_and_a_conflict_reads_as_before() -> None:
    zero = solve(REQUESTS["zero-offer"])
    assert zero.explanation == [
        "Zero offer (nul-aanbod): no money is available for creditors in the 6 months from 2027-01-01 "
        "(6 income days, none with money to spare).",
        "Every claim gets nothing in this plan; no payments are scheduled.",
    ]
    assert [note.key for note in zero.notes] == ["zero_offer", "zero_offer_nothing_paid"]
    conflicted = solve(REQUESTS["minimums-above-capacity"])
    (conflict,) = conflicted.conflicts
    assert conflicted.explanation == [conflict.message, conflict.remedy]
    assert "payments to Woningcorporatie (c001) at least €1,500.00" in conflict.message
    assert conflict.remedy.count(" Or: ") == len(conflict.items) - 1
    assert "Ask Kredietverstrekker to accept smaller payments." in conflict.remedy


def without_notes(stored: dict[str, Any]) -> dict[str, Any]:
    older = {key: value for key, value in stored.items() if key != "notes"}
    older["conflicts"] = [{k: v for k, v in c.items() if k in ("items", "message", "remedy")}
                          for c in stored["conflicts"]]
    return older


@pytest.mark.parametrize("name", ["infeasible_due_before_income", "settlement_proportional"])
def test_a_proposal_stored_before_notes_still_loads_with_its_english(name: str) -> None:
    stored = json.loads((GOLDEN / f"{name}.proposal.json").read_text())
    older = PlanProposal.model_validate(without_notes(stored))
    assert older.notes == [] and all(c.note is None and c.remedy_note is None for c in older.conflicts)
    assert older.explanation == stored["explanation"]
    assert [c.message for c in older.conflicts] == [c["message"] for c in stored["conflicts"]]
