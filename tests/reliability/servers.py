"""Private PostgreSQL and Redis servers that a fault test may stop, kill and restart.

The machine's shared PostgreSQL (5432) and Redis (6379) serve other test runs and engineers
at the same time: a fault test never touches them. Instead it starts its own throw-away
PostgreSQL cluster (`initdb` into a temporary folder, `pg_ctl` on a free port) and its own
`redis-server` (no persistence, free port), and does to those what an outage would do.

As root, PostgreSQL's tools run as the `postgres` user (the server refuses to run as root).
Without the binaries a test is skipped, or fails under DEBT_COORD_TEST_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import suppress
from pathlib import Path

import psycopg
import pytest
import redis

from bench.processes import free_port
from tests.conftest import REQUIRE_SERVICES

POSTGRES_BIN_DIRS = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14, 13)]
OS_USER = "postgres"
"""The PostgreSQL server refuses to run as root: as root, its tools run as this user."""


def unavailable(message: str) -> None:
    """Skip off CI; fail where services are mandatory."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (DEBT_COORD_TEST_REQUIRE_SERVICES=1: services are mandatory here)")
    pytest.skip(message)


def postgres_bin_dir() -> Path | None:
    for folder in POSTGRES_BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own on 127.0.0.1:`port`, trust authentication, user `postgres`."""

    def __init__(self) -> None:
        folder = postgres_bin_dir()
        if folder is None:
            unavailable(f"PostgreSQL server binaries (initdb, pg_ctl) not found in {POSTGRES_BIN_DIRS[2]} or PATH")
        assert folder is not None
        self.bin = folder
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                self.owner = pwd.getpwnam(OS_USER)
            except KeyError:
                unavailable(f"running as root and there is no {OS_USER!r} user to run PostgreSQL as")
        # Not under pytest's tmp_path: that is private to root and the server's user could not enter it.
        self.home = Path(tempfile.mkdtemp(prefix="debt-coord-faults-pg-"))
        self.data = self.home / "data"
        self.log = self.home / "server.log"
        self.port = free_port()
        if self.as_root:
            os.chown(self.home, self.owner.pw_uid, self.owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        self.start()
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute('CREATE DATABASE "debt_coord"')

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/debt_coord"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", OS_USER, "--", *command]
        done = subprocess.run(command, cwd=self.home, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise AssertionError(f"{tool} {' '.join(args)} exited with {done.returncode}:\n"
                                 f"{done.stdout}\n{done.stderr}\n{self.server_log()}")

    def _options(self) -> str:
        # Its own port, no Unix socket clash with the shared server, no fsync: a test cluster.
        return (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.home} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(), "-w", "-t", "60",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast`: roll back open transactions and disconnect every client, as an operator's restart does."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(), "-m", mode, "-w",
                  "-t", "60", "restart")

    def server_log(self) -> str:
        with suppress(OSError):
            return self.log.read_text(errors="replace")[-4000:]
        return ""

    def close(self) -> None:
        with suppress(AssertionError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
        shutil.rmtree(self.home, ignore_errors=True)


class PrivateRedis:
    """A `redis-server` of the test's own on 127.0.0.1:`port`, without persistence: a restart loses everything."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server not found in PATH")
        assert binary is not None
        self.binary = binary
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix="debt-coord-faults-redis-"))
        self.log = self.home / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(self.home), "--logfile", str(self.log)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            with suppress(redis.RedisError):
                if redis.Redis(port=self.port, socket_connect_timeout=1).ping():
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server did not start on {self.port}:\n{self.server_log()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients, and (without persistence) every message lost."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def server_log(self) -> str:
        with suppress(OSError):
            return self.log.read_text(errors="replace")[-4000:]
        return ""

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.home, ignore_errors=True)
