"""The debtor's messages: the counsellor's contacts, consent, opt-outs, preferences, free messages and the list;
and the debtor's stop link (a debtor token, like the schedule's routes).

A creditor never sees the debtor's contacts or messages: every route but the stop link is the case's
counsellor's alone.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post, put
from litestar.params import Parameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from api.auth import ActorRequest, requires
from api.debtor.routes import PAGE_HEADERS, LangQuery, TokenQuery, debtor_token, wants_html
from api.messages.schemas import (
    ContactIn,
    ContactOut,
    DebtorOptOutOut,
    FreeMessageIn,
    MessageOut,
    OptOutIn,
    PreferencesIn,
    PreferencesOut,
    contact_out,
    debtor_opt_out_out,
    preferences_out,
)
from api.paging import NEXT_PAGE_HEADERS, Cursor, Limit, paged
from api.providers import service
from debt_coord.kernel.actors import Role
from debt_coord.kernel.paging import DEFAULT_LIMIT, PageRequest
from debt_coord.messages.models import Channel
from debt_coord.messages.service import MessageService

OPT_OUT_PATH = "/v1/debtor/opt-out"
ChannelQuery = Annotated[Channel | None, Parameter(required=False, description="The channel to stop; all if left out.")]
message_services = {"messages": service(MessageService)}
STOP_PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; "
                    "frame-ancestors 'none'")
"""The debtor pages' policy, but its one form may post back here."""


class MessageController(Controller):
    path = "/v1/cases/{case_id:uuid}"
    tags = ["Messages"]  # noqa: RUF012
    dependencies = message_services
    guards = [requires(Role.COUNSELLOR)]  # noqa: RUF012

    @get("/contacts", operation_id="listDebtorContacts", response_headers=NEXT_PAGE_HEADERS,
         description="The debtor's addresses per channel, with the consent recorded and any opt-out.")
    async def list_contacts(self, request: ActorRequest, case_id: uuid.UUID, messages: MessageService,
                            limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Response[list[ContactOut]]:
        return paged(request, await messages.contacts(request.user, case_id, PageRequest(limit, cursor)), contact_out)

    @put("/contacts", operation_id="recordDebtorContact", status_code=HTTP_200_OK,
         description="The debtor's address on a channel with their consent (when, how): GDPR. Replaces the "
                     "channel's address; phone numbers are validated and stored as E.164.")
    async def record_contact(self, request: ActorRequest, case_id: uuid.UUID, data: ContactIn,
                             messages: MessageService) -> ContactOut:
        return contact_out(await messages.record_contact(request.user, case_id, data.channel, data.address,
                                                         data.consent_source, data.consent_at))

    @post("/contacts/opt-out", operation_id="recordOptOut", status_code=HTTP_200_OK,
          description="The debtor asked to stop a channel: nothing more goes out on it (planned messages skipped).")
    async def opt_out(self, request: ActorRequest, case_id: uuid.UUID, data: OptOutIn, messages: MessageService
                      ) -> ContactOut:
        return contact_out(await messages.opt_out(request.user, case_id, data.channel))

    @get("/message-preferences", operation_id="getMessagePreferences")
    async def get_preferences(self, request: ActorRequest, case_id: uuid.UUID, messages: MessageService
                              ) -> PreferencesOut:
        return preferences_out(await messages.preferences(request.user, case_id))

    @put("/message-preferences", operation_id="setMessagePreferences",
         description="Language, tone, when reminders go out, a breathing space; coming reminders are re-timed.")
    async def set_preferences(self, request: ActorRequest, case_id: uuid.UUID, data: PreferencesIn,
                              messages: MessageService) -> PreferencesOut:
        return preferences_out(await messages.set_preferences(request.user, case_id, data.changes()))

    @post("/messages", operation_id="writeDebtorMessage", status_code=HTTP_201_CREATED,
          description="The counsellor's own message, on every channel with consent, at the next allowed moment.")
    async def write(self, request: ActorRequest, case_id: uuid.UUID, data: FreeMessageIn, messages: MessageService
                    ) -> list[MessageOut]:
        return [MessageOut.model_validate(m) for m in await messages.write(request.user, case_id, data.text)]

    @get("/messages", operation_id="listDebtorMessages", response_headers=NEXT_PAGE_HEADERS,
         description="Every message to the debtor, planned, sent, delivered, read, failed or skipped, in order.")
    async def list_messages(self, request: ActorRequest, case_id: uuid.UUID, messages: MessageService,
                            limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Response[list[MessageOut]]:
        found = await messages.messages(request.user, case_id, PageRequest(limit, cursor))
        return paged(request, found, MessageOut.model_validate)


STOP_TEXTS = {
    "nl": {"ask_title": "Geen berichten meer?", "button": "Ja, stop de berichten",
           "ask_text": "Wilt u geen berichten meer over uw regeling via {channel}? Klik op de knop. "
                       "Uw regeling loopt gewoon door.",
           "done_title": "Gestopt", "done_text": "U krijgt geen berichten meer via {channel}. Uw regeling loopt gewoon "
                                                  "door. Vragen? Neem contact op met uw schuldhulpverlener.",
           "all": "e-mail, sms of WhatsApp"},
    "en": {"ask_title": "No more messages?", "button": "Yes, stop the messages",
           "ask_text": "Do you want no more messages about your plan by {channel}? Press the button. "
                       "Your plan goes on as before.",
           "done_title": "Stopped", "done_text": "You will get no more messages by {channel}. Your plan goes on as "
                                                 "before. Questions? Contact your debt counsellor.",
           "all": "e-mail, text message or WhatsApp"},
}
CHANNEL_NAMES = {"email": "e-mail", "sms": "sms", "whatsapp": "WhatsApp"}


def _stop_page(lang: str | None, channel: Channel | None, title: str, text: str, action: str | None = None
               ) -> Template:
    chosen = lang if lang in STOP_TEXTS else "nl"
    t = STOP_TEXTS[chosen]
    named = CHANNEL_NAMES[channel.value] if channel else t["all"]
    return Template(template_name="debtor/stop.html.j2", media_type="text/html",
                    headers={**PAGE_HEADERS, "Content-Security-Policy": STOP_PAGE_POLICY},
                    context={"lang": chosen, "t": {"title": t[title]}, "title": t[title],
                             "text": t[text].format(channel=named), "action": action, "button": t["button"]})


class DebtorOptOutController(Controller):
    """The stop link in every message: only a debtor token opens it. A click (GET) shows a page with a button and
    changes nothing (mail scanners open links); the button, or a mail client's one-click unsubscribe, POSTs."""

    dependencies = message_services
    tags = ["Debtor"]  # noqa: RUF012

    @get(OPT_OUT_PATH, operation_id="getDebtorOptOutPage", exclude_from_auth=True, security=[],
         media_type="text/html", description="The page behind the stop link: a button that stops the messages.")
    async def ask(self, request: Request[Any, Any, Any], messages: MessageService, token: TokenQuery = None,
                  channel: ChannelQuery = None, lang: LangQuery = None) -> Template:
        found = debtor_token(request, token)
        await messages.debtor_case(found)
        query = urlencode({"token": found, **({"channel": channel.value} if channel else {}),
                           **({"lang": lang} if lang else {})})
        return _stop_page(lang, channel, "ask_title", "ask_text", f"{OPT_OUT_PATH}?{query}")

    @post(OPT_OUT_PATH, operation_id="debtorOptOut", status_code=HTTP_200_OK, exclude_from_auth=True, security=[],
          description="Stop the messages on a channel (or all). Debtor token as `?token=` or `Authorization: "
                      "Bearer`; also answers a one-click unsubscribe (RFC 8058) POST. HTML for a browser's form.")
    async def opt_out(self, request: Request[Any, Any, Any], messages: MessageService, token: TokenQuery = None,
                      channel: ChannelQuery = None, lang: LangQuery = None) -> Response[DebtorOptOutOut]:
        found = debtor_token(request, token)
        stopped = await messages.debtor_opt_out(found, channel)
        if wants_html(request):
            page = _stop_page(lang, channel, "done_title", "done_text")
            return page  # type: ignore[return-value]
        return Response(debtor_opt_out_out(stopped))
