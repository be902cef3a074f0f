"""Local stand-ins for the message providers: real servers on loopback ports that check the documented request and
answer as the provider does, recording what they got (shared test support for the channels and delivery tests).

- FakeTwilio: Twilio Programmable Messaging's POST /2010-04-01/Accounts/{AccountSid}/Messages.json
  (https://www.twilio.com/docs/messaging/api/message-resource), and the signed status callbacks it would send.
- FakeCloudApi: the WhatsApp Business Cloud API's POST /{version}/{phone_number_id}/messages with template
  messages, and the signed webhooks it would send.
- SmtpServer (aiosmtpd): records every message; can refuse recipients, refuse DATA, or hold DATA open.

Fixtures `twilio`, `cloud_api`, `smtp_server` (tests/messages/conftest.py imports them); each fake's `settings()`
gives the DEBT_COORD settings that point the service at it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests.messages.smtp import ReceivedMail, SmtpServer, smtp_server

__all__ = ["Answer", "Callback", "CloudMessage", "FakeCloudApi", "FakeTwilio", "ReceivedMail", "Request",
           "SmtpServer", "TwilioMessage", "cloud_api", "smtp_server", "twilio"]

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True, strict_parsing=bool(self.body)))

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Callback:
    """A signed callback as the provider would send it: POST `body` with `headers` to `url`."""

    url: str
    body: bytes
    headers: dict[str, str]

    @property
    def path_and_query(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True


class _FakeProvider:
    """A real HTTP server in a thread; `answer` (per provider) checks a request and says what to reply."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.script: deque[Answer] = deque()
        """Answers to give instead of the normal one, in order (a 429, a 500, ...), once the request is valid."""
        self.lose_answers = 0
        """The next this many accepted requests are carried out, but the connection drops before the answer."""
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self.port = 0

    def answer(self, request: Request) -> Answer:
        raise NotImplementedError

    def start(self) -> _FakeProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with provider._lock:
                    provider.requests.append(request)
                    answer = provider.answer(request)
                    lose = answer.status < 300 and provider.lose_answers > 0
                    provider.lose_answers -= lose
                if lose:  # done (the message exists), but the connection drops before the answer
                    self.close_connection = True
                    return
                payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _scripted(self) -> Answer | None:
        return self.script.popleft() if self.script else None


# Twilio


@dataclass(frozen=True)
class TwilioMessage:
    sid: str
    to: str
    sender: str
    """From, or the MessagingServiceSid."""
    body: str
    status_callback: str | None


def twilio_error(status: int, code: int, message: str) -> Answer:
    return Answer(status, {"code": code, "message": message,
                           "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status})


class FakeTwilio(_FakeProvider):
    """Twilio's Messages endpoint for one account with one number and one Messaging Service."""

    def __init__(self) -> None:
        super().__init__()
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.number = "+3197010203040"
        self.messaging_service_sid = "MG" + secrets.token_hex(16)
        self.sent: list[TwilioMessage] = []
        self.invalid_numbers: set[str] = set()
        """To numbers Twilio refuses as invalid (error 21211)."""

    def settings(self, *, service: bool = False) -> dict[str, Any]:
        return {"sms_api_base": f"http://127.0.0.1:{self.port}", "sms_account_sid": self.account_sid,
                "sms_auth_token": self.auth_token,
                "sms_from": self.messaging_service_sid if service else self.number}

    def answer(self, request: Request) -> Answer:
        if request.method != "POST" or request.path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return twilio_error(404, 20404, "The requested resource was not found")
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected.encode()):
            return twilio_error(401, 20003, "Authenticate")
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return twilio_error(400, 20001, "Content-Type must be application/x-www-form-urlencoded")
        return self._scripted() or self._create(request.form())

    def _create(self, form: dict[str, str]) -> Answer:
        known = {"To", "From", "MessagingServiceSid", "Body", "StatusCallback"}
        if unknown := set(form) - known:
            return twilio_error(400, 20001, f"Unexpected parameters {sorted(unknown)}")
        to = form.get("To", "")
        if not E164.match(to) or to in self.invalid_numbers:
            return twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        sender = form.get("From") or form.get("MessagingServiceSid")
        if ("From" in form) == ("MessagingServiceSid" in form):
            return twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        if sender not in (self.number, self.messaging_service_sid):
            return twilio_error(400, 21606, "The From phone number is not a valid, SMS-capable phone number")
        body = form.get("Body", "")
        if not body.strip():
            return twilio_error(400, 21602, "Message body is required.")
        if len(body) > 1600:
            return twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        callback = form.get("StatusCallback")
        if callback is not None and urlsplit(callback).scheme not in ("http", "https"):
            return twilio_error(400, 21609, "Invalid StatusCallback")
        message = TwilioMessage("SM" + secrets.token_hex(16), to, sender or "", body, callback)
        self.sent.append(message)
        return Answer(201, self._resource(message))

    def _resource(self, message: TwilioMessage) -> dict[str, Any]:
        now = format_datetime(dt.datetime.now(dt.UTC), usegmt=True)
        service = message.sender if message.sender.startswith("MG") else None
        return {"sid": message.sid, "account_sid": self.account_sid, "to": message.to,
                "from": None if service else message.sender, "messaging_service_sid": service,
                "body": message.body, "status": "accepted" if service else "queued", "num_segments": "1",
                "num_media": "0", "direction": "outbound-api", "api_version": "2010-04-01", "price": None,
                "price_unit": "USD", "error_code": None, "error_message": None, "date_created": now,
                "date_updated": now, "date_sent": None,
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message.sid}.json",
                "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message.sid}"
                                              "/Media.json"}}

    def status_callback(self, message: TwilioMessage, status: str, *, error_code: int | None = None,
                        auth_token: str | None = None) -> Callback:
        """The signed POST Twilio makes to the message's StatusCallback when its status becomes `status`."""
        assert message.status_callback, "the message was sent without a StatusCallback"
        fields = {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01", "From": self.number,
                  "MessageSid": message.sid, "MessageStatus": status, "SmsSid": message.sid, "SmsStatus": status,
                  "To": message.to}
        if error_code is not None:
            fields["ErrorCode"] = str(error_code)
        signed = message.status_callback + "".join(k + v for k, v in sorted(fields.items()))
        key = (auth_token or self.auth_token).encode()
        signature = base64.b64encode(hmac.new(key, signed.encode(), hashlib.sha1).digest()).decode()
        return Callback(message.status_callback, urlencode(fields).encode(),
                        {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature,
                         "I-Twilio-Idempotency-Token": secrets.token_hex(16)})


# WhatsApp Business Cloud API


@dataclass(frozen=True)
class CloudMessage:
    id: str
    to: str
    template: str
    language: str
    parameters: tuple[str, ...]
    callback_data: str | None


def graph_error(status: int, code: int, message: str, details: str = "") -> Answer:
    return Answer(status, {"error": {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code,
                                     "error_data": {"messaging_product": "whatsapp", "details": details or message},
                                     "fbtrace_id": secrets.token_urlsafe(12)}})


_BAD_PARAMETER = re.compile(r"[\n\t]| {5,}")
"""Body parameters may not hold new lines, tabs or more than four consecutive spaces (error 132018)."""


class FakeCloudApi(_FakeProvider):
    """The Cloud API for one business phone number; `templates` ((name, language) -> number of body parameters)
    are the approved ones; None accepts any template."""

    def __init__(self, templates: dict[tuple[str, str], int] | None = None) -> None:
        super().__init__()
        self.version = "v21.0"
        self.phone_number_id = str(100_000_000_000_000 + secrets.randbelow(10**14))
        self.access_token = "EAA" + secrets.token_urlsafe(32)
        self.app_secret = secrets.token_hex(16)
        self.templates = templates
        self.sent: list[CloudMessage] = []

    @classmethod
    def approving(cls, definitions: Path) -> FakeCloudApi:
        """A Cloud API that approved exactly the template definitions under `definitions` (<language>/<name>.json,
        as submitted to Meta): name, language and the number of {{n}} placeholders in the BODY."""
        templates = {}
        for path in sorted(definitions.glob("*/*.json")):
            definition = json.loads(path.read_text())
            body = next(c["text"] for c in definition["components"] if c["type"] == "BODY")
            templates[(definition["name"], definition["language"])] = len(set(re.findall(r"{{(\d+)}}", body)))
        return cls(templates)

    def settings(self) -> dict[str, Any]:
        return {"whatsapp_api_base": f"http://127.0.0.1:{self.port}/{self.version}",
                "whatsapp_phone_number_id": self.phone_number_id, "whatsapp_access_token": self.access_token,
                "whatsapp_app_secret": self.app_secret}

    def answer(self, request: Request) -> Answer:
        if request.method != "POST" or request.path != f"/{self.version}/{self.phone_number_id}/messages":
            return graph_error(400, 100, "Unsupported post request.")
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return graph_error(401, 190, "Error validating access token")
        if not request.headers.get("content-type", "").startswith("application/json"):
            return graph_error(400, 100, "Invalid parameter", "Content-Type must be application/json")
        try:
            body = request.json()
        except ValueError:
            return graph_error(400, 100, "Invalid parameter", "the body is not JSON")
        return self._scripted() or self._create(body)

    def _create(self, body: Any) -> Answer:
        problem = self._problem(body)
        if problem is not None:
            return problem
        template = body["template"]
        parameters = tuple(p["text"] for c in template.get("components", []) for p in c["parameters"])
        message = CloudMessage("wamid." + base64.b64encode(secrets.token_bytes(30)).decode(), body["to"],
                               template["name"], template["language"]["code"], parameters,
                               body.get("biz_opaque_callback_data"))
        self.sent.append(message)
        return Answer(200, {"messaging_product": "whatsapp",
                            "contacts": [{"input": body["to"], "wa_id": body["to"].lstrip("+")}],
                            "messages": [{"id": message.id, "message_status": "accepted"}]})

    def _problem(self, body: Any) -> Answer | None:
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return graph_error(400, 100, "Invalid parameter", "messaging_product must be whatsapp")
        if body.get("recipient_type", "individual") != "individual" or body.get("type") != "template":
            return graph_error(400, 100, "Invalid parameter", "an individual template message expected")
        if not re.fullmatch(r"\+?[1-9][0-9]{6,14}", str(body.get("to", ""))):
            return graph_error(400, 100, "Invalid parameter", "to must be a phone number")
        if len(str(body.get("biz_opaque_callback_data", ""))) > 512:
            return graph_error(400, 100, "Invalid parameter", "biz_opaque_callback_data is at most 512 characters")
        template = body.get("template")
        if not isinstance(template, dict) or not isinstance(template.get("name"), str) \
                or not isinstance(template.get("language", {}).get("code"), str):
            return graph_error(400, 100, "Invalid parameter", "template.name and template.language.code required")
        components = template.get("components", [])
        for component in components:
            if component.get("type") != "body" or any(
                    p.get("type") != "text" or not isinstance(p.get("text"), str) for p in component["parameters"]):
                return graph_error(400, 131008, "Required parameter is missing", "body text parameters expected")
        texts = [p["text"] for c in components for p in c["parameters"]]
        if any(_BAD_PARAMETER.search(text) or not text.strip() for text in texts):
            return graph_error(400, 132018, "There was an issue with the parameters in your template.",
                               "Param text cannot have new-line/tab characters or more than 4 consecutive spaces")
        if self.templates is not None:
            expected = self.templates.get((template["name"], template["language"]["code"]))
            if expected is None:
                return graph_error(404, 132001, "Template name does not exist in the translation")
            if expected != len(texts):
                return graph_error(400, 132000, "Number of parameters does not match the expected number of params")
        return None

    def webhook(self, message: CloudMessage, status: str, *, at: dt.datetime | None = None,
                errors: list[dict[str, Any]] | None = None, app_secret: str | None = None) -> Callback:
        """The signed webhook POST Meta sends when the message's status becomes `status`."""
        entry: dict[str, Any] = {"id": message.id, "status": status,
                                 "timestamp": str(int((at or dt.datetime.now(dt.UTC)).timestamp())),
                                 "recipient_id": message.to.lstrip("+")}
        if message.callback_data is not None:
            entry["biz_opaque_callback_data"] = message.callback_data
        if errors:
            entry["errors"] = errors
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
                "display_phone_number": "31970102030", "phone_number_id": self.phone_number_id},
                "statuses": [entry]}}]}]}
        body = json.dumps(payload).encode()
        digest = hmac.new((app_secret or self.app_secret).encode(), body, hashlib.sha256).hexdigest()
        return Callback("/v1/callbacks/whatsapp", body,
                        {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"})


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def cloud_api() -> Iterator[FakeCloudApi]:
    fake = FakeCloudApi()
    fake.start()
    yield fake
    fake.stop()


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)

