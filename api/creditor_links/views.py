"""What the creditor page shows, in the creditor's words: its own part, everyone's totals, its answer, the forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.creditor_links.forms import COUNTER_FIELDS, FormErrors
from api.creditor_links.texts import TEXTS, day, money, percent
from debt_coord.cases.states import CaseState
from debt_coord.creditor_links.service import CreditorView


def closed_words(view: CreditorView, lang: str) -> str:
    """Why this version can no longer be answered, in plain words ('' while it can)."""
    t = TEXTS[lang]
    if view.answerable:
        return ""
    if view.newer:
        return t["replaced"].format(counsellor=view.counsellor.name)
    if view.loaded.case.state is CaseState.ACTIVE:
        return t["closed"].format(state=t["state_active"])
    return t["closed"].format(state=t["state_closed"] if view.loaded.case.closed else t["state_other"])


def _counter_value(name: str, value: Any, currency: str, lang: str) -> str:
    if name.endswith("_cents"):
        return money(int(value), currency, lang)
    return day(dt.date.fromisoformat(value), lang) if name == "latest_end_date" else str(value)


def _decision(view: CreditorView, lang: str) -> dict[str, Any]:
    t, found = TEXTS[lang], view.decision
    if found is None:
        return {"words": t["now_none"], "reason": "", "counter": []}
    currency = view.loaded.request.currency
    counter = [(t[COUNTER_FIELDS[k][0]], _counter_value(k, v, currency, lang))
               for k, v in (found.counter or {}).items() if k in COUNTER_FIELDS]
    return {"words": t[f"now_{found.kind.value}"], "reason": found.reason, "counter": counter}


def page_context(view: CreditorView, lang: str, urls: dict[str, str], *, notice: str = "", problem: str = "",
                 errors: FormErrors | None = None, entered: dict[str, str] | None = None) -> dict[str, Any]:
    t = TEXTS[lang]
    version, case, own = view.loaded.version, view.loaded.case, view.own
    request = view.loaded.request
    currency = request.currency
    lines = [{"creditor": line.creditor, "you": line.organisation_id == own.organisation_id,
              "owed": money(line.outstanding_cents, currency, lang), "paid": money(line.paid_cents, currency, lang),
              "percent": percent(line.paid_bp, lang)} for line in view.lines]
    return {
        "lang": lang, "t": t, "urls": urls, "token": urls["token"], "number": version.number,
        "creditor": view.creditor.name, "counsellor": view.counsellor.name,
        "counsellor_email": view.counsellor.contact_email or "",
        "counsellor_phone": view.counsellor.contact_phone or "",
        "debtor": case.debtor_name, "reference": case.reference,
        "deadline": day(version.response_deadline, lang),
        "own": {"owed": money(own.outstanding_cents, currency, lang), "paid": money(own.paid_cents, currency, lang),
                "percent": percent(own.paid_bp, lang), "payments": own.payments,
                "first": day(own.first_date, lang), "last": day(own.last_date, lang)},
        "payments": [{"date": day(p.date, lang), "amount": money(p.amount_cents, currency, lang)}
                     for p in sorted(view.payments, key=lambda p: p.date)],
        "lines": lines,
        "totals": {"owed": money(sum(x.outstanding_cents for x in view.lines), currency, lang),
                   "paid": money(sum(x.paid_cents for x in view.lines), currency, lang)},
        "term": t["term"].format(months=request.months, start=day(request.start_date, lang)),
        "decision": _decision(view, lang),
        "answerable": view.answerable, "closed": closed_words(view, lang),
        "notice": notice, "problem": problem,
        "errors": {field: t[key] for field, key in (errors or {}).items()},
        "entered": entered or {},
    }
