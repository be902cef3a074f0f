"""The engine's notes in words: the one English table the explanation and the conflicts are written from.

A note is a key and its facts (solver.models.Note). The engine says its notes in English with ``english``;
a page can say the same notes in its own language with a table of the same keys and its own formatters.
A fact is formatted by its name: ``*_cents`` as money, ``*_date`` (ISO) as a date, ``*_permille`` (tenths of
a percent) and ``*_bp`` (basis points) as a percentage, ``rule`` as the rule's name (``rule_<value>`` in the
table); any other fact as it is. A note with parts fills ``{parts}`` with them, joined by ``<key>_join``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from solver.models import Fact, Note
from solver.money import format_money

_SOLVED = ("Computed with OR-Tools CP-SAT {ortools_version}, one worker, seed {seed} and a deterministic work limit, "
           "so the same request gives the same plan; ")
_PROVEN = "its timing and then its number of transfers are proven best"
_WORK_LIMIT = ("it stopped at its work limit; the plan is valid, and its timing and number of transfers are "
               "within {gap_bp} of the best possible")
_PATTERNS = " among the level schedules offered for each creditor"
_SHARED = "The money is shared "
_PRO_RATA = _SHARED + "pro rata (pondspondsgewijs): every creditor gets the same percentage of its claim"
_ZERO = "Zero offer (nul-aanbod): no money is available for creditors in the {months} months from {start_date}"
_OFF_SHARE = "{creditor} ({claim_id}) gets {paid_cents} instead of its exact share of {award_cents}: "

WORDS: dict[str, str] = {
    # The explanation of a plan, in the order the engine gives them.
    "plan_capacity": "The debtor has {capacity_cents} for creditors on {days} payment days in {months} months; "
                     "the plan pays {paid_cents} of the {debt_cents} debt ({paid_permille}).",
    "paid_in_full": "Every claim is paid in full.",
    "variation_whole": "This varies an agreed plan: the claims received {received_cents} before it; with this plan "
                       "they get {whole_paid_cents} of the {whole_debt_cents} they were owed ({whole_permille}), "
                       "shared by the rule over the whole plan.",
    "variation_moved": "Of the {agreed_cents} agreed payments still to come, {moved_cents} changes date, creditor "
                       "or amount; the change itself forces at least {least_cents}.",
    "shared_proportional": _PRO_RATA + ", never more than 100%.",
    "shared_proportional_preferent": _PRO_RATA + ", preferent creditors {factor} times that percentage, "
                                     "never more than 100%.",
    "shared_constrained_equal_awards": _SHARED + "in equal amounts: every creditor gets the same amount, "
                                       "never more than its claim.",
    "shared_constrained_equal_losses": _SHARED + "by equal losses: every creditor gives up the same amount, "
                                       "small claims may get nothing.",
    "shared_talmud": _SHARED + "by the Talmud rule (Aumann–Maschler): equal amounts up to half of each claim, "
                     "beyond half the debt equal losses.",
    "transfer_limit_reached": "On {full_days} of {days} payment days the limit of {limit} transfers a day is "
                              "reached, so creditors are paid in turns rather than every time.",
    "money_kept_back": "On {days} payment days some money is kept back for a later day, so that creditors get "
                       "fewer payments of at least their minimum (money is never paid out before it has come in).",
    "claim_off_share_fixed": _OFF_SHARE + "it is paid in fixed installments of {installment_cents}, and the others "
                             "make up the difference.",
    "claim_off_share_minimum": _OFF_SHARE + "payments to it must be at least {minimum_cents}, and the others make "
                               "up the difference.",
    "claim_nothing": "{creditor} ({claim_id}) gets nothing: its share under the rule is zero.",
    "claim_one_payment": "{creditor} ({claim_id}) gets its share of {paid_cents} in one payment: smaller payments "
                         "would fall below its minimum.",
    "solver_proven": _SOLVED + _PROVEN + ".",
    "solver_proven_patterns": _SOLVED + _PROVEN + _PATTERNS + ".",
    "solver_work_limit": _SOLVED + _WORK_LIMIT + ".",
    "solver_work_limit_patterns": _SOLVED + _WORK_LIMIT + _PATTERNS + ".",
    "zero_offer": _ZERO + " ({income_days} income days, none with money to spare).",
    "zero_offer_no_income": _ZERO + ".",
    "zero_offer_nothing_paid": "Every claim gets nothing in this plan; no payments are scheduled.",
    # A conflict: the limits that cannot hold together (its parts), then what would have to give.
    "limits_conflict": "The plan must pay the {reachable_cents} the debtor can afford, but these limits cannot "
                       "all hold together: {parts}.",
    "limits_conflict_join": "; ",
    "too_few_transfers": "Even paid in turns, {claims} claims must each get at least one payment (each one's share "
                         "is more than one smallest payment), but {days} payment days with at most {limit} transfers "
                         "a day allow only {transfers} transfers.",
    "too_few_transfers_between": "Even paid in turns, {claims} claims must each get at least one payment between "
                                 "{first_date} and {last_date} (each one's share is more than one smallest payment), "
                                 "but those {days} payment days with at most {limit} transfers a day allow only "
                                 "{transfers} transfers.",
    "too_little_carried": "From {first_date} to {last_date} the plan must pay {required_cents}, but on those {days} "
                          "payment days at most {limit} transfers a day reach at most {transfers} claims, and even "
                          "the claims that can take the most (each at most one smallest payment above its share) take "
                          "only {carried_cents}.",
    "no_plan_in_time": "No plan was found within the time limit, and no conflicting limits were found either.",
    "part_min_payment": "every payment at least the general minimum of {minimum_cents}",
    "part_transfers_per_day": "at most {limit} transfers on one payment day",
    "part_one_transfer_per_day": "at most 1 transfer on one payment day",
    "part_rule": "every creditor gets its fair share under the {rule} rule",
    "part_claim_min_payment": "payments to {creditor} ({claim_id}) at least {minimum_cents}",
    "part_claim_fixed_installment": "{creditor} ({claim_id}) paid in fixed installments of {installment_cents}",
    "part_claim_max_transfers": "at most {max_transfers} payments to {creditor} ({claim_id})",
    "part_claim_earliest_date": "no payment to {creditor} ({claim_id}) before {earliest_date}",
    "part_claim_latest_end_date": "{creditor} ({claim_id}) paid its share by {latest_end_date}",
    "part_other": "{item}",
    "remedies": "{parts}",
    "remedies_join": " Or: ",
    "remedy_more_time": "Allow more time (policy.time_limit_seconds) or simplify the limits.",
    "remedy_min_payment": "Lower the general minimum payment.",
    "remedy_transfers_per_day": "Allow more transfers per payment day.",
    "remedy_transfers_per_day_at_least": "Allow at least {limit} transfers per payment day.",
    "remedy_longer_term": "Make the term longer: with {limit} transfers a day, at least {months} months.",
    "remedy_spread_dates": "Let these creditors take turns over more payment days: start their payments before "
                           "{first_date} or end them after {last_date}.",
    "remedy_group_per_creditor": "Combine the claims of each creditor (its dossiers) into one claim, paid in one "
                                 "transfer: that leaves {creditors} instead of {claims} claims.",
    "remedy_rule": "Agree with the creditors to depart from the equal treatment for this case.",
    "remedy_claim_min_payment": "Ask {creditor} to accept smaller payments.",
    "remedy_claim_fixed_installment": "Drop the fixed installment for {creditor} or make it smaller.",
    "remedy_claim_max_transfers": "Allow more payments to {creditor}.",
    "remedy_claim_earliest_date": "Let payments to {creditor} start earlier.",
    "remedy_claim_latest_end_date": "Move the end date for {creditor} later (the first money arrives on "
                                    "{first_money_date}).",
    "remedy_claim_latest_end_date_no_money": "Move the end date for {creditor} later.",
    "remedy_other": "Change {item}.",
    # The rules' names, for the fact ``rule``.
    "rule_proportional": "pro rata",
    "rule_constrained_equal_awards": "equal amounts",
    "rule_constrained_equal_losses": "equal losses",
    "rule_talmud": "Talmud",
}


@dataclass(frozen=True)
class Wording:
    """One language's table of note keys and how it writes money, dates and percentages."""

    words: Mapping[str, str]
    money: Callable[[int], str]
    date: Callable[[dt.date], str]
    percent: Callable[[int, int], str]
    """Basis points, and how many decimals of the percentage the fact carries."""

    def __call__(self, note: Note) -> str:
        facts = {name: self.fact(name, value) for name, value in note.facts.items()}
        parts = self.words.get(f"{note.key}_join", "; ").join(self(part) for part in note.parts)
        return self.words[note.key].format(**facts, parts=parts)

    def fact(self, name: str, value: Fact) -> str:
        if name.endswith("_cents"):
            return self.money(int(value))
        if name.endswith("_date"):
            return self.date(dt.date.fromisoformat(str(value)))
        if name.endswith("_permille"):
            return self.percent(int(value) * 10, 1)
        if name.endswith("_bp"):
            return self.percent(int(value), 2)
        if name == "rule":
            return self.words[f"rule_{value}"]
        return str(value)


def english(currency: str) -> Wording:
    """The engine's own words: amounts as '€1,025.27', dates as ISO, percentages as '44.8%'."""
    return Wording(WORDS, lambda cents: format_money(cents, currency), dt.date.isoformat,
                   lambda basis_points, decimals: f"{basis_points / 100:.{decimals}f}%")
