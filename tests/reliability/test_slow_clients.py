"""Slow clients are cut off: `debt-coord serve`, a real server process, against sockets that send a byte at a time.

Found (issue 17): 30 connections sending their headers or bodies a byte at a time stayed open for 30 s and more:
the server (uvicorn) had no limit on the time a request may take to arrive. Now a request head must be complete
within DEBT_COORD_HEADER_TIMEOUT_SECONDS and a body within DEBT_COORD_BODY_TIMEOUT_SECONDS (1 s each here), while
the sockets would need 20 s and more: they are closed long before they are done, and normal requests go on.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.processes import free_port, stop_group, wait_for_health
from tests.support import build_world, case_body

DEBT_COORD = Path(sys.executable).parent / "debt-coord"
PAUSE = 0.1
"""Between two bytes: a request head of 200 bytes takes 20 s this way, twenty times the limit."""


@contextmanager
def serving(database_url: str, folder: Path) -> Iterator[str]:
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DEBT_COORD_")},
           "DEBT_COORD_DATABASE_URL": database_url, "DEBT_COORD_SEED_DEMO": "false",
           "DEBT_COORD_HEADER_TIMEOUT_SECONDS": "1", "DEBT_COORD_BODY_TIMEOUT_SECONDS": "1"}
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen([str(DEBT_COORD), "serve", "--port", str(port)], cwd=folder, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(process, base, lambda: (log.seek(0), log.read())[1], seconds=60)
            yield base
        finally:
            stop_group(process)
            log.seek(0)
            sys.stderr.write(f"--- serve log ---\n{log.read()}")


@dataclass
class Dribble:
    """A connection that sends `head` at once, then `slow` one byte at a time, and notes what the server did."""

    port: int
    head: bytes
    slow: bytes
    sent: int = 0
    answer: bytes = b""
    closed: bool = False

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(self.head)
            for byte in self.slow:
                try:
                    sock.sendall(bytes([byte]))
                except OSError:  # reset: the server closed it
                    self.closed = True
                    return
                self.sent += 1
                if select.select([sock], [], [], PAUSE)[0] and self._read_until_closed(sock):
                    return

    def _read_until_closed(self, sock: socket.socket) -> bool:
        try:
            while chunk := sock.recv(4096):
                self.answer += chunk
        except OSError:
            pass
        self.closed = True
        return True


def test_slow_request_heads_and_bodies_are_cut_off_while_normal_requests_are_served(
    database_url: str, tmp_path: Path,
) -> None:
    key = build_world(database_url).counsellor.key
    with serving(database_url, tmp_path) as base:
        port = int(base.rsplit(":", 1)[1])
        head = f"GET /v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n\r\n".encode()
        body = json.dumps(case_body("SLOW-1", debtor_name="B" * 150)).encode()
        post = (f"POST /v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        heads = [Dribble(port, b"", head) for _ in range(3)]
        bodies = [Dribble(port, post, body) for _ in range(3)]
        threads = [threading.Thread(target=d.run) for d in heads + bodies]
        for thread in threads:
            thread.start()
        time.sleep(0.3)  # the slow ones are connected and sending
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
            assert client.get("/v1/cases").status_code == 200
            made = client.post("/v1/cases", json=case_body("FAST-1"))
            assert made.status_code == 201, made.text
        for thread in threads:
            thread.join(timeout=60)

        for slow in heads:
            assert slow.closed and slow.sent < len(head), (slow.sent, len(head))
            assert slow.answer == b""  # no request was read, so none is answered
        for slow in bodies:
            assert slow.closed and slow.sent < len(body), (slow.sent, len(body))
            status, _, rest = slow.answer.partition(b"\r\n")
            assert status.startswith(b"HTTP/1.1 408"), slow.answer
            assert b"connection: close" in rest.lower() and b"in full within 1 seconds" in rest
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
            references = {case["reference"] for case in client.get("/v1/cases").json()}
        assert references == {"FAST-1"}  # the slow bodies wrote nothing
