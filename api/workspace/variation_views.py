"""What the workspace shows of a variation of a running plan, in the counsellor's words: on the plan builder what
asking for a plan does on an active case (the starts it may take, the rest of the term) and, for a variation, what
it changes per creditor against the agreed plan (the API's `variation`); on the negotiation board and the case
page, that the version under negotiation varies a running plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.creditor_links.texts import day, money, percent
from api.workspace.variation_texts import BOARD_EN, BOARD_NL, CASE_EN, CASE_NL, PLANS_EN, PLANS_NL
from debt_coord.cases.models import Case
from debt_coord.cases.states import CaseState
from debt_coord.kernel.clock import today
from debt_coord.planning.models import PlanStatus, PlanVersion
from debt_coord.planning.service import LoadedPlan
from debt_coord.planning.variations import CreditorChange
from debt_coord.planning.varying import month_starts
from solver.models import PlanRequest

PLANS = {"nl": PLANS_NL, "en": PLANS_EN}
BOARD = {"nl": BOARD_NL, "en": BOARD_EN}
CASE = {"nl": CASE_NL, "en": CASE_EN}
NEGOTIATED = (PlanStatus.DRAFT, PlanStatus.PROPOSED)
"""A variation in these is still being made or decided on; the agreed plan runs meanwhile."""


def term_end(request: PlanRequest) -> dt.date:
    """The last day of the plan's term."""
    return request.end_date - dt.timedelta(days=1)


def months_left(request: PlanRequest, start: dt.date) -> int:
    """The months of the term from `start` (a start of a month of it) to its end: a variation's default term."""
    return request.months - ((start.year - request.start_date.year) * 12 + start.month - request.start_date.month)


def signed(cents: int, currency: str, lang: str) -> str:
    """A difference as the plan builder's compare shows one: '+€ 5,00', '€ -5,00'."""
    return ("+" if cents > 0 else "") + money(cents, currency, lang)


def variation_ask(active: PlanVersion | None, case: Case, lang: str) -> dict[str, Any] | None:
    """On a running case asking for a plan varies the active one: its number and end, and the starts the
    variation may take (the service's own `month_starts`), each with the months it leaves. None otherwise."""
    if active is None or case.state is not CaseState.ACTIVE:
        return None
    t, request = PLANS[lang], PlanRequest.model_validate(active.request)
    end = day(term_end(request), lang)
    starts = month_starts(request, today())
    return {"number": active.number,
            "intro": t["variation_ask_intro"].format(number=active.number, end=end),
            "months_label": t["variation_months"].format(end=end),
            "starts": [(start.isoformat(), _start_words(request, start, lang)) for start in starts]}


def _start_words(request: PlanRequest, start: dt.date, lang: str) -> str:
    left = months_left(request, start)
    words = PLANS[lang]["variation_start_option_one" if left == 1 else "variation_start_option"]
    return words.format(date=day(start, lang), months=left)


def _change_row(change: CreditorChange, currency: str, lang: str) -> dict[str, Any]:
    t = PLANS[lang]
    less = f" ({t['changes_less'].format(percent=percent(change.cut_bp, lang))})" if change.cut_bp else ""
    return {"organisation_id": change.organisation_id, "creditor": change.creditor,
            "agreed": money(change.agreed_cents, currency, lang), "varied": money(change.varied_cents, currency, lang),
            "difference": signed(change.change_cents, currency, lang) + less,
            "agreed_end": day(change.agreed_end, lang) or t["changes_no_end"],
            "varied_end": day(change.varied_end, lang) or t["changes_no_end"], "later": change.later}


def _dates(change: CreditorChange, currency: str, lang: str) -> dict[str, Any]:
    t = PLANS[lang]
    return {"summary": t["changes_dates"].format(creditor=change.creditor, count=len(change.dates)),
            "caption": t["changes_dates_caption"].format(creditor=change.creditor),
            "rows": [{"date": day(d.date, lang), "agreed": money(d.agreed_cents, currency, lang),
                      "varied": money(d.varied_cents, currency, lang),
                      "difference": signed(d.varied_cents - d.agreed_cents, currency, lang)} for d in change.dates]}


def variation_context(loaded: LoadedPlan, changes: list[CreditorChange] | None, lang: str) -> dict[str, Any] | None:
    """A variation on the plan builder: what it varies and from when, what counts as paid before it, the money in
    hand it starts from, and per creditor what changes against the agreed plan. None for a plan of its own."""
    carried = loaded.version.carried
    if carried is None or changes is None:
        return None
    t, request = PLANS[lang], loaded.request
    currency, start = request.currency, day(carried.start, lang)
    owed = sum(line.outstanding_cents for line in loaded.lines)
    paid = loaded.proposal.metrics.total_paid_cents
    via = request.policy.payout_day_of_month is not None
    return {
        "of": t["variation_of"].format(number=carried.number, start=start, end=day(term_end(request), lang)),
        "totals": t["variation_totals"].format(paid=money(paid, currency, lang), owed=money(owed, currency, lang),
                                               start=start, percent=percent(paid * 10_000 // owed if owed else 0,
                                                                            lang)),
        "counted": t["variation_counted"].format(start=start,
                                                 counted=money(sum(carried.counted.values()), currency, lang)),
        "in_hand": t["variation_in_hand_via" if via else "variation_in_hand_direct"].format(
            amount=money(carried.in_hand_cents, currency, lang)),
        "caption": t["changes_caption"].format(start=start),
        "rows": [_change_row(change, currency, lang) for change in changes],
        "total": {"agreed": money(sum(c.agreed_cents for c in changes), currency, lang),
                  "varied": money(sum(c.varied_cents for c in changes), currency, lang),
                  "difference": signed(sum(c.change_cents for c in changes), currency, lang)},
        "dates": [_dates(change, currency, lang) for change in changes if change.dates],
    }


def board_variation(loaded: LoadedPlan, changes: list[CreditorChange] | None, lang: str
                    ) -> tuple[str, dict[str, str]]:
    """On the negotiation board: what the version varies, and per creditor (organisation id) what it gets against
    the agreement from the start; ('', {}) for a plan of its own."""
    carried = loaded.version.carried
    if carried is None or changes is None:
        return "", {}
    t, currency = BOARD[lang], loaded.request.currency
    against = {}
    for change in changes:
        words = [signed(change.change_cents, currency, lang)]
        if change.cut_bp:
            words.append(t["change_less"].format(percent=percent(change.cut_bp, lang)))
        if change.later:
            words.append(t["change_later"])
        against[change.organisation_id] = "; ".join(words)
    start = day(carried.start, lang)
    return t["variation_board"].format(number=carried.number, start=start), against


def open_variation(case: Case, current: PlanVersion | None) -> PlanVersion | None:
    """The case's current version when it is a variation still being made or decided on while the plan runs."""
    if (case.state is CaseState.ACTIVE and current is not None and current.varies is not None
            and current.status in NEGOTIATED):
        return current
    return None


def case_variation(case: Case, version: PlanVersion | None, lang: str) -> dict[str, str] | None:
    """The case page's line on a variation under way, and where to go on with it."""
    if version is None:
        return None
    t, carried = CASE[lang], version.carried
    start = day(carried.start, lang) if carried is not None else ""
    if version.status is PlanStatus.PROPOSED:
        return {"words": t["variation_proposed"].format(number=version.number, start=start,
                                                        deadline=day(version.response_deadline, lang)),
                "href": f"/app/cases/{case.id}/negotiation?plan={version.id}", "link": t["variation_to_negotiation"]}
    return {"words": t["variation_draft"].format(number=version.number, start=start),
            "href": f"/app/cases/{case.id}/plans?plan={version.id}", "link": t["variation_to_plans"]}
