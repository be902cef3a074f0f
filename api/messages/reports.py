"""What works: the counsellor organisation's messages per channel x tone x kind, and the payments after them."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, get
from pydantic import BaseModel, Field

from api.auth import ActorRequest, requires
from api.providers import service
from debt_coord.kernel.actors import Role
from debt_coord.messages.models import Channel, MessageKind, Tone
from debt_coord.messages.report import ENOUGH, Cell, ReminderReport, ReminderReportService


class ReminderCellOut(BaseModel):
    channel: Channel
    tone: Tone
    kind: MessageKind
    sent: int = Field(ge=0, description="Messages sent (accepted by the provider; delivered and read included).")
    about_a_payment: int = Field(ge=0, description="Of those, reminders and nudges about one payment date.")
    paid_on_time: int = Field(ge=0, description="Their payment date was paid in full by that date.")
    paid_within_three_days: int = Field(ge=0, description="Paid in full on the day of the message or up to three "
                                                          "days after it.")
    never_paid: int = Field(ge=0, description="The payment date has passed and it is still not paid in full.")
    enough: bool = Field(description=f"At least {ENOUGH} messages: enough for the shares to mean something.")


class ReminderReportOut(BaseModel):
    as_of: dt.date
    sent: int = Field(ge=0, description="Messages the report rests on.")
    note: str = Field(description="How much the numbers say; plainly so when they are few.")
    cells: list[ReminderCellOut]


def cell_out(cell: Cell) -> ReminderCellOut:
    return ReminderCellOut(channel=cell.channel, tone=cell.tone, kind=cell.kind, sent=cell.sent,
                           about_a_payment=cell.about_a_payment, paid_on_time=cell.paid_on_time,
                           paid_within_three_days=cell.paid_within_three_days, never_paid=cell.never_paid,
                           enough=cell.enough)


def report_out(report: ReminderReport) -> ReminderReportOut:
    return ReminderReportOut(as_of=report.as_of, sent=report.sent, note=report.note,
                             cells=[cell_out(c) for c in report.cells])


class ReportController(Controller):
    path = "/v1/reports"
    tags = ["Messages"]  # noqa: RUF012
    dependencies = {"reports": service(ReminderReportService)}  # noqa: RUF012
    guards = [requires(Role.COUNSELLOR)]  # noqa: RUF012

    @get("/reminders", operation_id="getReminderReport",
         description="The own organisation's messages to debtors per channel x tone x kind: how many were sent, "
                     "and how often the payment they were about was paid on time, within three days after the "
                     "message, or never. With a note on how little small numbers say.")
    async def reminders(self, request: ActorRequest, reports: ReminderReportService) -> ReminderReportOut:
        return report_out(await reports.report(request.user))
