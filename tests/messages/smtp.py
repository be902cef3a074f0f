"""A real SMTP server (aiosmtpd) on a loopback port that records every message it accepts.

It can refuse recipients (`refuse`), answer DATA with an error (`data_answer`), hold DATA open until released
(`hold`: a worker killed mid-send), require AUTH (`credentials`), and speak TLS (implicit or STARTTLS) with a
self-signed certificate the test trusts through SSL_CERT_FILE.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    authenticated_as: str | None

    @property
    def message(self) -> EmailMessage:
        """As a mailbox stores it: line ends as "\\n"."""
        parsed = email.message_from_bytes(self.raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class SmtpServer:
    def __init__(self, *, credentials: tuple[str, str] | None = None, tls: str = "none",
                 cert: tuple[Path, Path] | None = None) -> None:
        """`tls`: "none", "starttls" (offered and required) or "tls" (implicit, from the first byte)."""
        self.messages: list[ReceivedMail] = []
        self.refuse: dict[str, str] = {}
        """Recipient address -> the SMTP answer to its RCPT TO, e.g. "550 5.1.1 No such user"."""
        self.data_answer: str | None = None
        """Answer DATA with this (e.g. "451 4.3.0 Try again later") instead of accepting the message."""
        self.hold = threading.Event()
        """While set, DATA is received but not answered (the client waits)."""
        self.drop_after_data = False
        """Take the message, then drop the connection without answering DATA (did it arrive? the client cannot
        know)."""
        self.data_started = threading.Event()
        """Set when a client has sent DATA (its message is in hand, not yet answered)."""
        self.credentials = credentials
        self._lock = threading.Lock()
        self._tls = tls
        self._cert = cert
        self._controller: Controller | None = None
        self.host = "127.0.0.1"
        self.port = 0

    def settings(self, *, mail_from: str = "Schuldhulp Utrecht <noreply@schuldhulp.example.org>") -> dict[str, Any]:
        values: dict[str, Any] = {"smtp_host": self.host, "smtp_port": self.port, "smtp_security": self._tls,
                                  "mail_from": mail_from}
        if self.credentials:
            values |= {"smtp_username": self.credentials[0], "smtp_password": self.credentials[1]}
        return values

    # aiosmtpd handler hooks

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_started.set()
        while self.hold.is_set():
            await asyncio.sleep(0.02)
        if self.data_answer is not None:
            return self.data_answer
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        with self._lock:
            self.messages.append(ReceivedMail(str(envelope.mail_from), tuple(envelope.rcpt_tos),
                                              bytes(envelope.original_content or b""), login))
        if self.drop_after_data:
            server.transport.abort()
        return "250 2.0.0 Message accepted for delivery"

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self.credentials is not None and (
            auth_data.login.decode(), auth_data.password.decode()) == self.credentials
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {"hostname": self.host, "port": _free_port(self.host), "ready_timeout": 10}
        if self.credentials:
            # aiosmtpd's auth_require_tls only knows STARTTLS (implicit TLS is encrypted anyway); plain text only on
            # loopback in tests.
            kwargs |= {"authenticator": self._authenticate, "auth_required": True,
                       "auth_require_tls": self._tls == "starttls"}
        if self._tls != "none":
            assert self._cert is not None, "TLS needs a certificate"
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self._cert)
            if self._tls == "tls":
                kwargs["ssl_context"] = context
            else:
                kwargs |= {"tls_context": context, "require_starttls": True}
        self._controller = Controller(self, **kwargs)
        self._controller.start()
        self.port = kwargs["port"]
        return self

    def stop(self) -> None:
        self.hold.clear()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"SMTP server got {len(self.messages)} messages, expected {count}")
            time.sleep(0.02)
        return list(self.messages)


def _free_port(host: str) -> int:
    # aiosmtpd's Controller checks it is up by connecting to its port, so it cannot be given port 0.
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost (openssl), and its key; trust it with SSL_CERT_FILE=cert."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain local relay (smtp_security "none"), as the delivery tests use."""
    server = SmtpServer().start()
    yield server
    server.stop()
