"""A real API server process on a test database, and a way to hit it from many threads at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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
            wait_for_health(process, base, log)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            log.seek(0)
            sys.stderr.write(f"--- API server log ({base}) ---\n{log.read()}")  # shown by pytest on failure


def wait_for_health(process: subprocess.Popen[str], base: str, log: IO[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise AssertionError(f"the API server exited with {process.returncode}:\n{log.read()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"the API server did not answer /health within {seconds} s")
        time.sleep(0.1)


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
