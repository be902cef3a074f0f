"""Real server and worker processes for the benchmarks and the tests: a free port, waiting
for /health, stopping a process group, and what /proc says about a group (Linux)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_health(
    process: subprocess.Popen[str] | subprocess.Popen[bytes],
    base: str,
    log_text: Callable[[], str],
    seconds: float = 30,
) -> None:
    """Until `base`/health answers 200; a RuntimeError with the server's log if it exits or
    does not answer within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the API server exited with {process.returncode}:\n{log_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the API server did not answer /health within {seconds} s:\n{log_text()}")
        time.sleep(0.1)


def stop_group(process: subprocess.Popen[str] | subprocess.Popen[bytes], seconds: float = 10) -> None:
    """SIGTERM to the leader, then SIGKILL to its whole group if it has not ended in `seconds`."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def group_stats(group: int) -> list[tuple[int, list[str]]]:
    """(pid, the fields of /proc/pid/stat after the command name) of each process of a group."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            found.append((int(entry.name), fields))
    return found


def group_pids(group: int) -> list[int]:
    """The live (not zombie) processes of a process group."""
    return [pid for pid, fields in group_stats(group) if fields[0] != "Z"]


def cpu_seconds(group: int) -> float:
    """CPU time (user + system) so far of the live processes of a process group."""
    ticks = sum(int(fields[11]) + int(fields[12]) for _, fields in group_stats(group))
    return ticks / os.sysconf("SC_CLK_TCK")
