"""A real API server process on a test database, and a way to hit it from many threads at once."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

from bench.processes import free_port, stop_group, wait_for_health

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def live_server(database_url: str, **settings: str) -> Iterator[str]:
    """`uvicorn api.app:create_app` on `database_url` (extra DEBT_COORD_* settings by name); killed at the end."""
    port = free_port()
    env = {**os.environ, "DEBT_COORD_DATABASE_URL": database_url, "DEBT_COORD_SEED_DEMO": "false",
           **{f"DEBT_COORD_{name.upper()}": value for name, value in settings.items()}}
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning"]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            wait_for_health(process, base, lambda: read_all(log))
            yield base
        finally:
            stop_group(process)
            sys.stderr.write(f"--- API server log ({base}) ---\n{read_all(log)}")  # shown by pytest on failure


def read_all(log: IO[str]) -> str:
    log.seek(0)
    return log.read()


Request = tuple[str, dict[str, Any], dict[str, str]]


def fire(base: str, requests: list[Request]) -> list[httpx.Response]:
    """POST all requests at the same moment, each from its own thread and connection."""
    start = threading.Barrier(len(requests))

    def send(request: Request) -> httpx.Response:
        path, body, headers = request
        with httpx.Client(base_url=base, timeout=60) as client:
            start.wait()
            return client.post(path, json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))
