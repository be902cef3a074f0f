"""`make run` runs `debt-coord serve`: on an empty folder it migrates, seeds the demo and serves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.processes import free_port

DEBT_COORD = Path(sys.executable).parent / "debt-coord"


@contextmanager
def serving(folder: Path, port: int) -> Iterator[tuple[str, list[str]]]:
    """Start `debt-coord serve` in `folder`; yield its base URL and the lines it printed first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBT_COORD_")}
    process = subprocess.Popen(
        [str(DEBT_COORD), "serve", "--port", str(port)], cwd=folder, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines: list[str] = []
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line or process.poll() is None, "serve exited early:\n" + "".join(lines)
            lines.append(line)
            if "Running on http" in line:
                break
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/health", timeout=5).json() == {"status": "ok"}
        yield base, lines
    finally:
        process.terminate()
        process.wait(timeout=20)


def printed_keys(lines: list[str]) -> dict[str, str]:
    keys = {}
    for line in lines:
        if match := re.match(r"\s+(admin|counsellor|creditor)\s+(.+?)\s+(dck_\S+)$", line):
            keys[match[2].strip()] = match[3]
    return keys


def test_serve_on_an_empty_folder_seeds_the_demo_and_prints_docs_and_keys(tmp_path: Path) -> None:
    port = free_port()
    with serving(tmp_path, port) as (base, lines):
        output = "".join(lines)
        assert f"{base}/schema" in output
        keys = printed_keys(lines)
        assert set(keys) == {"debt-coord beheer", "Schuldhulp Voorbeeldstad", "Zilverzorg Zorgverzekeraar",
                             "Energie Direct", "Belastingdienst"}
        counsellor = {"Authorization": f"Bearer {keys['Schuldhulp Voorbeeldstad']}"}
        cases = {c["reference"]: c for c in httpx.get(f"{base}/v1/cases", headers=counsellor).json()}
        assert {ref: c["state"] for ref, c in cases.items()} == {"DEMO-001": "collecting", "DEMO-002": "active"}
        overview = httpx.get(f"{base}/v1/cases/{cases['DEMO-001']['id']}/overview", headers=counsellor).json()
        assert len(overview["claims"]) == 3
        assert [w["code"] for w in overview["warnings"]] == ["collection_costs_above_wik"]
        assert httpx.get(f"{base}/schema/openapi.json").status_code == 200
        [debtor_page] = [line.split(": ", 1)[1].strip() for line in lines if line.startswith("Debtor page")]
        page = httpx.get(debtor_page, timeout=10)
        assert page.status_code == 200 and "Samira Bakker" in page.text and "Zilverzorg Zorgverzekeraar" in page.text
    assert (tmp_path / "var" / "debt_coord.db").exists()

    with serving(tmp_path, port) as (base, lines):
        assert printed_keys(lines) == keys  # same keys again, and no second demo
        assert len(httpx.get(f"{base}/v1/cases", headers=counsellor).json()) == 2
        assert any(line.startswith("Debtor page") and debtor_page in line for line in lines)
