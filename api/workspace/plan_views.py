"""What the plan builder shows of a version, in the counsellor's words: the chart, the tables, the explanation,
the conflicts with their remedies as ready-made requests, and two versions side by side per creditor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal

from api.workspace.chart import ChartWords, Schedule, colour, schedule_of, stacked_bars
from api.workspace.plan_notes import note_wording
from api.workspace.plan_texts import LOCALES, TEXTS, day, money, percent, short_day
from debt_coord.jobs.models import Job, JobStatus
from debt_coord.planning.allocations import allocations, compare
from debt_coord.planning.models import PlanVersion
from debt_coord.planning.service import LoadedPlan
from solver.models import Note, PlanProposal, PlanRequest, Rule

ASK_FIELDS = ("months", "start_date", "rule", "min_payment", "max_transfers_per_date", "time_limit_seconds",
              "apply_counters", "respect_policies")
MAX_MONTHS, MAX_SECONDS = 120, 600.0


def amount_text(cents: int, lang: str) -> str:
    """Cents as a form writes them: '10,00' in Dutch, '10.00' in English (no currency sign)."""
    return format_decimal(Decimal(cents) / 100, "0.00", locale=LOCALES[lang])


def rule_choices(lang: str) -> list[tuple[str, str]]:
    return [(rule.value, TEXTS[lang][f"rule_{rule.value}"]) for rule in Rule]


def version_rows(versions: Sequence[PlanVersion], lang: str) -> list[dict[str, Any]]:
    t = TEXTS[lang]
    rows = []
    for version in versions:
        loaded_paid = version.proposal.get("metrics", {}).get("total_paid_cents", 0)
        currency = version.request.get("currency", "EUR")
        rows.append({"id": str(version.id), "number": version.number, "status": t[f"status_{version.status.value}"],
                     "solver": t[f"solver_{version.solver_status.value}"], "paid": money(loaded_paid, currency, lang),
                     "created": day(version.created_at.date(), lang), "infeasible": version.infeasible,
                     "varies": t["variation_short"].format(number=version.varies["number"]) if version.varies else ""})
    return rows


def asked_with(request: PlanRequest, lang: str, *, counters: bool) -> dict[str, str]:
    """The ask form's fields as this version was asked for (to ask again with one thing changed)."""
    policy = request.policy
    return {"months": str(request.months), "start_date": request.start_date.isoformat(), "rule": policy.rule.value,
            "min_payment": amount_text(policy.min_payment_cents, lang),
            "max_transfers_per_date": str(policy.max_transfers_per_date or ""),
            "time_limit_seconds": f"{policy.time_limit_seconds:g}", "apply_counters": "on" if counters else "",
            "respect_policies": ""}


@dataclass(frozen=True)
class Remedy:
    label: str
    fields: dict[str, str]


def remedies(loaded: LoadedPlan, lang: str) -> list[Remedy]:
    """For an infeasible version: the same request with one limit eased, each a button that asks again."""
    if not loaded.version.infeasible:
        return []
    t, request = TEXTS[lang], loaded.request
    policy = request.policy
    base = asked_with(request, lang, counters=bool(loaded.version.applied_counters))
    items = {item for conflict in loaded.proposal.conflicts for item in conflict.items}
    found = []
    if request.months < MAX_MONTHS:
        longer = min(MAX_MONTHS, request.months + 6)
        found.append(Remedy(t["remedy_months"].format(before=request.months, after=longer),
                            {**base, "months": str(longer)}))
    if "policy.min_payment_cents" in items and policy.min_payment_cents > 1:
        lower = policy.min_payment_cents // 2
        found.append(Remedy(t["remedy_min_payment"].format(before=money(policy.min_payment_cents, request.currency,
                                                                              lang),
                                                           after=money(lower, request.currency, lang)),
                            {**base, "min_payment": amount_text(lower, lang)}))
    if "policy.max_transfers_per_date" in items and policy.max_transfers_per_date:
        more = min(1000, policy.max_transfers_per_date * 2)
        found.append(Remedy(t["remedy_transfers"].format(before=policy.max_transfers_per_date, after=more),
                            {**base, "max_transfers_per_date": str(more)}))
    if "policy.time_limit_seconds" in items and policy.time_limit_seconds < MAX_SECONDS:
        longer_time = min(MAX_SECONDS, policy.time_limit_seconds * 2)
        found.append(Remedy(t["remedy_time"].format(before=f"{policy.time_limit_seconds:g}",
                                                    after=f"{longer_time:g}"),
                            {**base, "time_limit_seconds": f"{longer_time:g}"}))
    return found


def _chart(schedule: Schedule, currency: str, lang: str) -> dict[str, Any]:
    t = TEXTS[lang]
    totals = schedule.date_totals
    summary = t["chart_summary"].format(
        dates=len(schedule.dates), first=day(schedule.dates[0], lang), last=day(schedule.dates[-1], lang),
        total=money(sum(totals), currency, lang), largest=money(max(totals), currency, lang),
    ) if schedule.dates else t["chart_empty"]
    words = ChartWords(title=t["chart_title"], summary=summary, money=lambda c: money(c, currency, lang),
                       day=lambda d: day(d, lang), short_day=lambda d: short_day(d, lang))
    return {"svg": stacked_bars(schedule, words), "summary": summary,
            "legend": [{"name": name, "colour": colour(i)} for i, name in enumerate(schedule.creditors)]}


def _schedule_rows(schedule: Schedule, currency: str, lang: str) -> dict[str, Any]:
    def cell(cents: int) -> str:
        return money(cents, currency, lang) if cents else ""

    rows = [{"date": day(when, lang), "amounts": [cell(c) for c in row], "total": money(sum(row), currency, lang)}
            for when, row in zip(schedule.dates, schedule.cents, strict=True)]
    totals = [money(c, currency, lang) for c in schedule.creditor_totals]
    return {"creditors": list(schedule.creditors), "rows": rows, "totals": totals,
            "total": money(sum(schedule.date_totals), currency, lang)}


def plan_context(loaded: LoadedPlan, lang: str) -> dict[str, Any]:
    t, request, proposal, lines = TEXTS[lang], loaded.request, loaded.proposal, loaded.lines
    currency, version = request.currency, loaded.version
    owed = sum(line.outstanding_cents for line in lines)
    paid = proposal.metrics.total_paid_cents
    schedule = schedule_of(lines, proposal.payments)
    return {
        "id": str(version.id), "number": version.number, "status": version.status.value,
        "heading": t["version_heading"].format(number=version.number, status=t[f"status_{version.status.value}"]),
        "solver": t[f"solver_{version.solver_status.value}"], "infeasible": version.infeasible,
        "term": t["term"].format(months=request.months, start=day(request.start_date, lang),
                                 rule=t[f"rule_{request.policy.rule.value}"]),
        "totals": t["totals"].format(paid=money(paid, currency, lang), owed=money(owed, currency, lang),
                                     percent=percent(paid * 10_000 // owed if owed else 0, lang)),
        "chart": _chart(schedule, currency, lang) if schedule.dates else None,
        "schedule": _schedule_rows(schedule, currency, lang),
        "allocations": [{"creditor": line.creditor, "organisation_id": line.organisation_id,
                         "classes": ", ".join(line.claim_classes),
                         "owed": money(line.outstanding_cents, currency, lang),
                         "paid": money(line.paid_cents, currency, lang), "percent": percent(line.paid_bp, lang),
                         "share": percent(line.share_bp, lang), "payments": line.payments} for line in lines],
        "allocation_totals": {"owed": money(owed, currency, lang), "paid": money(paid, currency, lang)},
        **explained(proposal, currency, lang),
        "remedies": remedies(loaded, lang),
    }


def explained(proposal: PlanProposal, currency: str, lang: str) -> dict[str, Any]:
    """The engine's explanation and conflicts in the page's language, from its notes. A proposal stored before
    the engine gave notes (or with a note this page has no words for) keeps its English, marked as English."""
    say = note_wording(currency, lang)

    def worded(*notes: Note | None) -> bool:
        return all(note is not None and note.key in say.words and worded(*note.parts) for note in notes)

    english = not proposal.notes or not worded(*proposal.notes)
    conflicts = [{"message": say(c.note), "remedy": say(c.remedy_note), "english": False}
                 if c.note and c.remedy_note and worded(c.note, c.remedy_note)
                 else {"message": c.message, "remedy": c.remedy, "english": True}
                 for c in proposal.conflicts]
    return {"explanation": proposal.explanation if english else [say(note) for note in proposal.notes],
            "explanation_english": english, "conflicts": conflicts}


def comparison(shown: LoadedPlan, chosen: LoadedPlan, lang: str) -> dict[str, Any]:
    """Per creditor what each version pays it, the older one first, and what the newer pays more (the API's
    comparePlans of the older with the newer, in words)."""
    this, other = sorted((shown, chosen), key=lambda loaded: loaded.version.number)
    t, currency = TEXTS[lang], this.request.currency

    def paid(cents: int | None) -> str:
        return money(cents, currency, lang) if cents is not None else "–"

    rows = []
    for change in compare(this.lines, other.lines):
        before = change.before.paid_cents if change.before else None
        after = change.after.paid_cents if change.after else None
        difference = change.paid_change_cents
        rows.append({"creditor": change.creditor, "before": paid(before), "after": paid(after),
                     "change": ("+" if difference > 0 else "") + money(difference, currency, lang)})
    return {"this": t["col_version"].format(number=this.version.number),
            "other": t["col_version"].format(number=other.version.number), "other_id": str(chosen.version.id),
            "rows": rows}


def job_context(job: Job, lang: str) -> dict[str, Any]:
    """The solve job in words: waiting, working, ready (with its version) or failed (with why)."""
    t = TEXTS[lang]
    number = (job.result or {}).get("number")
    words = {JobStatus.QUEUED: t["job_queued"], JobStatus.RUNNING: t["job_running"],
             JobStatus.SUCCEEDED: t["job_succeeded"].format(number=number), JobStatus.FAILED: t["job_failed"]}
    problem = job.problem or {}
    return {"id": str(job.id), "status": job.status.value, "words": words[job.status],
            "done": job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED),
            "plan_id": (job.result or {}).get("plan_id"), "number": number,
            "detail": problem.get("detail", ""),
            "errors": [f"{e.get('pointer', '')}: {e.get('detail', '')}" for e in problem.get("errors", [])]}


def what_if_context(loaded: LoadedPlan, request: PlanRequest, proposal: PlanProposal, lang: str) -> dict[str, Any]:
    """The version against the same request with the wishes applied, per creditor (the API's whatIf in words)."""
    t, currency = TEXTS[lang], request.currency
    after = allocations(request, proposal, loaded.version.claim_owners)
    rows = [{"creditor": c.creditor, "before": money(c.before.paid_cents if c.before else 0, currency, lang),
             "after": money(c.after.paid_cents if c.after else 0, currency, lang),
             "change": ("+" if c.paid_change_cents > 0 else "") + money(c.paid_change_cents, currency, lang)}
            for c in compare(loaded.lines, after)]
    result = t["what_if_result"].format(
        status=t[f"solver_{proposal.status.value}"],
        before=money(loaded.proposal.metrics.total_paid_cents, currency, lang),
        after=money(proposal.metrics.total_paid_cents, currency, lang))
    return {"result": result, "rows": rows, **explained(proposal, currency, lang)}
