"""What the negotiation board shows of a version: each creditor's answer, the deadline, the acceptance report
and which of the counsellor's moves are open now, in the counsellor's words."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from api.workspace.negotiation_texts import TEXTS, day, money, percent
from api.workspace.variation_views import board_variation
from debt_coord.negotiation.acceptance import AcceptanceReport
from debt_coord.negotiation.models import Decision, DecisionKind
from debt_coord.negotiation.negotiation import Negotiation
from debt_coord.planning.models import PlanStatus
from debt_coord.planning.service import LoadedPlan
from debt_coord.planning.variations import CreditorChange


def counter_words(counter: dict[str, Any] | None, currency: str, lang: str) -> list[str]:
    t, words = TEXTS[lang], []
    for name, value in (counter or {}).items():
        if f"counter_{name}" not in t:
            continue
        if name.endswith("_cents"):
            shown = money(int(value), currency, lang)
        elif name == "latest_end_date":
            shown = day(dt.date.fromisoformat(str(value)), lang)
        else:
            shown = str(value)
        words.append(t[f"counter_{name}"].format(value=shown))
    return words


def _answer(decision: Decision | None, currency: str, lang: str, *, varies: bool) -> dict[str, Any]:
    """A creditor's answer in words. One its policy gave says so (for a variation: by the policy's tolerance) in
    the page's words, instead of the English reason the service records for it."""
    t = TEXTS[lang]
    if decision is None:
        return {"kind": "no_answer", "words": t["answer_no_answer"], "reason": "", "counter": [], "automatic": ""}
    automatic = (t["automatic_tolerance"] if varies else t["automatic"]) if decision.automatic else ""
    return {"kind": decision.kind.value, "words": t[f"answer_{decision.kind.value}"],
            "reason": "" if decision.automatic else decision.reason,
            "counter": counter_words(decision.counter, currency, lang), "automatic": automatic}


def _report(report: AcceptanceReport, currency: str, lang: str) -> dict[str, Any]:
    t = TEXTS[lang]
    return {
        "agreed": report.agreed,
        "words": t["report_agreed"] if report.agreed else t["report_not_agreed"],
        "counts": t["report_counts"].format(creditors=report.creditors, **report.counts),
        "value": t["report_value"].format(percent=percent(report.accepted_value_bp, lang)),
        "refusals": [{"creditor": r.creditor, "answer": t[f"answer_{r.answer}"], "reason": r.reason,
                      "share": percent(r.share_of_debt_bp, lang), "alone": t["yes"] if r.stands_alone else t["no"],
                      "under": money(r.under_plan_cents, currency, lang),
                      "without": money(r.without_plan_cents, currency, lang), "basis": r.without_plan_basis}
                     for r in report.refusals],
    }


def board_context(loaded: LoadedPlan, negotiation: Negotiation, report: AcceptanceReport, lang: str,
                  changes: list[CreditorChange] | None = None) -> dict[str, Any]:
    """The board of one version; `changes` (PlanService.variation_changes) when it varies a running plan."""
    t, version, case = TEXTS[lang], loaded.version, loaded.case
    currency = loaded.request.currency
    proposed = version.status is PlanStatus.PROPOSED and not case.closed
    varies, against = board_variation(loaded, changes, lang)
    rows = []
    for line in loaded.lines:
        organisation = uuid.UUID(line.organisation_id)
        answer = _answer(negotiation.decisions.get(organisation), currency, lang, varies=bool(varies))
        rows.append({"organisation_id": line.organisation_id, "creditor": line.creditor,
                     "owed": money(line.outstanding_cents, currency, lang),
                     "paid": money(line.paid_cents, currency, lang), "percent": percent(line.paid_bp, lang),
                     "against": against.get(line.organisation_id, ""),
                     "answer": answer, "may_reconsider": proposed and answer["kind"] in ("reject", "counter"),
                     "may_link": proposed})
    silent = {str(o) for o in negotiation.silent()}
    return {
        "id": str(version.id), "number": version.number, "status": version.status.value, "varies": varies,
        "words": t["version"].format(number=version.number, status=t[f"status_{version.status.value}"]),
        "deadline": t["deadline"].format(date=day(version.response_deadline, lang))
        if version.response_deadline else "",
        "may_propose": version.status is PlanStatus.DRAFT and not version.infeasible and not case.closed,
        "infeasible": version.infeasible and version.status is PlanStatus.DRAFT,
        "proposed": proposed,
        "silent": [row["creditor"] for row in rows if row["organisation_id"] in silent],
        "creditors": rows,
        "report": _report(report, currency, lang),
        "may_activate": proposed and report.agreed,
        "kind_accept": DecisionKind.ACCEPT.value,
    }
