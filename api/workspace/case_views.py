"""What the case page shows, read through the API's own services with the signed-in user's actor, in its words."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel.dates import format_datetime

from api.creditor_links.texts import day, percent
from api.creditor_links.texts import money as _money
from api.debtor.texts import LOCALES
from api.workspace.case_forms import FormErrors
from api.workspace.case_texts import CASE_TEXTS
from api.workspace.variation_views import case_variation
from debt_coord.cases.collection_costs import wik_maximum_cents
from debt_coord.cases.models import Claim, DebtType, IncomeKind, IncomeStream, PaymentRoute
from debt_coord.cases.overview import Warning
from debt_coord.cases.service import CaseOverview
from debt_coord.cases.states import CaseState
from debt_coord.debtor.models import DebtorLink
from debt_coord.debtor.service import DEFAULT_VALID_DAYS, is_live
from debt_coord.kernel.clock import AMSTERDAM
from debt_coord.messages.models import DebtorMessage
from debt_coord.money_in.arrears import failure_suggestion
from debt_coord.money_in.service import MoneyIn
from debt_coord.organisations.models import Organisation
from debt_coord.planning.models import PlanVersion

MESSAGES_SHOWN = 50
ROUTE_OPEN = frozenset({CaseState.COLLECTING, CaseState.PLANNING})
"""The states in which the payment route may change (the case model refuses it later: payment_route_fixed)."""
money = lru_cache(maxsize=8192)(_money)
"""Amounts as the page shows them: pure, and a case repeats them (formatting is most of the page's own time)."""


@dataclass(frozen=True)
class CasePage:
    """Everything the page reads, each through the service the API uses for it."""

    overview: CaseOverview
    income: list[IncomeStream]
    money_in: MoneyIn
    messages: list[DebtorMessage]
    more_messages: bool
    links: list[DebtorLink]
    creditors: list[Organisation]
    """The registered creditor organisations one could invite."""
    suggest_failure_after: int = 0
    """Payment dates in arrears from which ending the plan is suggested (DEBT_COORD_ARREARS_SUGGEST_FAILURE_DATES)."""
    payout_day: int | None = None
    """The counselling organisation's payout day, None when it has no payout account."""
    variation: PlanVersion | None = None
    """A variation of the running plan still being made or decided on (variation_views.open_variation)."""


@dataclass(frozen=True)
class Shown:
    """What a form sent back to the page: a notice or a problem, and the form's own values and errors."""

    notice: str = ""
    problem: str = ""
    form: str = ""
    errors: FormErrors | None = None
    entered: dict[str, Any] | None = None


def _amounts(claim: Claim, currency: str, lang: str) -> dict[str, str]:
    return {name: money(getattr(claim, f"{name}_cents"), currency, lang)
            for name in ("principal", "interest", "costs", "total")}


def _warning_words(w: Warning, claims: dict[uuid.UUID, Claim], names: dict[uuid.UUID, str], page: CasePage,
                   lang: str) -> str:
    t, case = CASE_TEXTS[lang], page.overview.case
    found = [claims[c] for c in w.claim_ids if c in claims]
    first = found[0] if found else None
    facts: dict[str, str] = {"reference": first.creditor_reference if first else "",
                             "other": found[1].creditor_reference if len(found) > 1 else "",
                             "creditor": names.get(w.organisation_id, "") if w.organisation_id else "",
                             "reference_date": day(case.reference_date, lang)}
    if first is not None:
        allowed = wik_maximum_cents(first.principal_cents)
        facts.update(costs=money(first.costs_cents, case.currency, lang),
                     principal=money(first.principal_cents, case.currency, lang),
                     allowed=money(allowed, case.currency, lang),
                     excess=money(max(0, first.costs_cents - allowed), case.currency, lang),
                     date=day(first.balance_date, lang))
    words = t.get(f"warn_{w.code}")
    return words.format(**facts) if words else w.message


def claims_view(page: CasePage, lang: str) -> dict[str, Any]:
    t, found = CASE_TEXTS[lang], page.overview
    currency, summary = found.case.currency, found.summary
    names = found.creditor_names
    by_id = {claim.id: claim for claim in found.claims}
    flags: dict[uuid.UUID, list[str]] = {}
    for warning in summary.warnings:
        for claim_id in warning.claim_ids:
            flag = t.get(f"flag_{warning.code}")
            if flag and flag not in flags.setdefault(claim_id, []):
                flags[claim_id].append(flag)
    rows = [{"id": str(c.id), "creditor": names.get(c.organisation_id, ""), "reference": c.creditor_reference,
             "claim_class": t[f"class_{c.claim_class}"], "share": percent(summary.shares_bp[c.id], lang),
             "flags": flags.get(c.id, []), **_amounts(c, currency, lang)} for c in found.claims]
    classes = [{"label": t["class_total"].format(claim_class=t[f"class_{k.claim_class}"], count=k.claims),
                **{name: money(getattr(k, f"{name}_cents"), currency, lang)
                   for name in ("principal", "interest", "costs", "total")}}
               for k in summary.class_totals if k.claims]
    room = summary.capacity
    return {
        "rows": rows, "classes": classes, "total": money(summary.total_cents, currency, lang),
        "warnings": [{"code": w.code, "words": _warning_words(w, by_id, names, page, lang),
                      "claims": [str(c) for c in w.claim_ids]} for w in summary.warnings],
        "capacity": {"first_year": money(room.first_12_months_cents, currency, lang),
                     "monthly": money(room.monthly_average_cents, currency, lang),
                     "term": money(room.term_cents, currency, lang),
                     "term_label": t["capacity_term"].format(months=room.term_months)},
    }


def _schedule_words(stream: IncomeStream, lang: str) -> str:
    t = CASE_TEXTS[lang]
    if stream.day_of_month is not None:
        return t["every_month"].format(day=stream.day_of_month)
    if stream.every_weeks is not None and stream.first_date is not None:
        return t["every_weeks"].format(weeks=stream.every_weeks, first=day(stream.first_date, lang))
    return t["on_dates"].format(dates=", ".join(day(dt.date.fromisoformat(d), lang) for d in stream.dates or []))


def amount_input(cents: int, lang: str) -> str:
    """An amount as the form takes it back: '1850,00' in Dutch, '1850.00' in English."""
    return f"{cents // 100}{',' if lang == 'nl' else '.'}{cents % 100:02d}"


def _date_input(value: dt.date | str | None) -> str:
    return value.strftime("%d-%m-%Y") if isinstance(value, dt.date) else \
        dt.date.fromisoformat(value).strftime("%d-%m-%Y") if value else ""


def income_view(page: CasePage, lang: str, entered: list[dict[str, str]] | None) -> dict[str, Any]:
    t, currency = CASE_TEXTS[lang], page.overview.case.currency
    shown = [{"kind": t[f"kind_{s.kind}"], "label": s.label, "amount": money(s.amount_cents, currency, lang),
              "available": money(s.available_cents, currency, lang), "when": _schedule_words(s, lang)}
             for s in page.income]
    rows = entered if entered is not None else [
        {"name": f"stream-{i}", "id": s.stream_id, "kind": s.kind.value, "label": s.label,
         "amount": amount_input(s.amount_cents, lang), "available": amount_input(s.available_cents, lang),
         "day": str(s.day_of_month or ""), "weeks": str(s.every_weeks or ""), "first": _date_input(s.first_date),
         "dates": ", ".join(_date_input(d) for d in s.dates or [])}
        for i, s in enumerate(page.income)]
    if entered is None:
        rows.append({"name": f"stream-{len(rows)}", "id": "", "kind": "salary", "label": "", "amount": "",
                     "available": "", "day": "", "weeks": "", "first": "", "dates": ""})
    kinds = [(k.value, t[f"kind_{k.value}"]) for k in IncomeKind]
    return {"shown": shown, "rows": rows, "kinds": kinds}


def creditors_view(page: CasePage, lang: str) -> dict[str, Any]:
    invited = {organisation.id for _, organisation in page.overview.creditors}
    return {
        "invited": [{"id": str(o.id), "name": o.name, "balance_as_of": day(p.balance_as_of, lang),
                     "invited_at": day(p.created_at.astimezone(AMSTERDAM).date(), lang)}
                    for p, o in page.overview.creditors],
        "choices": [{"id": str(o.id), "name": o.name} for o in page.creditors if o.id not in invited],
        "debt_types": [(d.value, CASE_TEXTS[lang][f"debt_{d.value}"]) for d in DebtType],
        "collecting": page.overview.case.state is CaseState.COLLECTING,
    }


def installments_view(page: CasePage, lang: str) -> dict[str, Any]:
    t, found, currency = CASE_TEXTS[lang], page.money_in, page.overview.case.currency
    claims = {str(c.id): c for c in page.overview.claims}
    names = page.overview.creditor_names
    rows = [{"date": day(i.date, lang), "creditor": names.get(claims[i.claim_id].organisation_id, "")
             if i.claim_id in claims else "", "reference": claims[i.claim_id].creditor_reference
             if i.claim_id in claims else "", "amount": money(i.amount_cents, currency, lang),
             "received": money(i.received_cents, currency, lang), "status": t[f"inst_{i.status.value}"],
             "status_code": i.status.value} for i in found.installments]
    arrears = found.arrears
    words = (t["arrears_closed"] if found.closed and arrears.cents else
             t["arrears_value"].format(amount=money(arrears.cents, currency, lang), dates=arrears.dates_behind)
             if arrears.cents else t["arrears_none"])
    suggest = not found.closed and failure_suggestion(arrears, page.suggest_failure_after) is not None
    return {"rows": rows, "arrears": words, "behind": arrears.cents > 0 and not found.closed,
            "suggest": t["arrears_suggest"].format(dates=arrears.dates_behind, after=page.suggest_failure_after)
            if suggest else ""}


def payment_route_view(page: CasePage, lang: str) -> dict[str, Any]:
    t, case = CASE_TEXTS[lang], page.overview.case
    words = t[f"route_{case.payment_route.value}"]
    if case.payment_route is PaymentRoute.VIA_COUNSELLOR and page.payout_day is not None:
        words = f"{words} {t['route_payout_day'].format(day=page.payout_day)}"
    return {"words": words, "current": case.payment_route.value, "open": case.state in ROUTE_OPEN,
            "fixed": t.get(f"route_fixed_{case.state.value}", ""),
            "choices": [(r.value, t[f"route_choice_{r.value}"]) for r in PaymentRoute],
            "no_account": t["route_no_account"] if page.payout_day is None else ""}


def _moment(value: dt.datetime | None, lang: str) -> str:
    return format_datetime(value, "d MMM y HH:mm", tzinfo=AMSTERDAM, locale=LOCALES[lang]) if value else ""


def messages_view(page: CasePage, lang: str) -> dict[str, Any]:
    t = CASE_TEXTS[lang]
    return {"rows": [{"due": _moment(m.sent_at or m.due_at, lang), "kind": t[f"kind_{m.kind.value}"],
                      "channel": t[f"channel_{m.channel.value}"], "status": t[f"msg_{m.status.value}"],
                      "status_code": m.status.value, "reason": m.status_reason} for m in page.messages],
            "more": t["messages_more"].format(count=MESSAGES_SHOWN) if page.more_messages else ""}


def live_links(links: Sequence[DebtorLink]) -> int:
    now = dt.datetime.now(dt.UTC)
    return sum(is_live(link, now) for link in links)


def case_context(page: CasePage, lang: str, shown: Shown) -> dict[str, Any]:
    t, case = CASE_TEXTS[lang], page.overview.case
    errors = {field: t.get(key, key) for field, key in (shown.errors or {}).items()}
    entered = shown.entered or {}
    return {
        "ct": t, "lang": lang, "case_id": str(case.id), "reference": case.reference, "debtor": case.debtor_name,
        "state": t[f"state_{case.state.value}"], "state_code": case.state.value, "closed": case.closed,
        "reference_date": day(case.reference_date, lang),
        "claims_deadline": day(case.claims_deadline, lang) if case.claims_deadline else t["no_date"],
        "claims": claims_view(page, lang),
        "income": income_view(page, lang, entered.get("rows") if shown.form == "income" else None),
        "payment_route": payment_route_view(page, lang),
        "creditors": creditors_view(page, lang),
        "installments": installments_view(page, lang),
        "messages": messages_view(page, lang),
        "links": {"live": live_links(page.links), "days": DEFAULT_VALID_DAYS},
        "variation": case_variation(case, page.variation, lang),
        "notice": shown.notice, "problem": shown.problem, "form": shown.form, "errors": errors,
        "entered": entered,
    }
