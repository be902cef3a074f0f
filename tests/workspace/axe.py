"""axe-core in the browser tests: installed from the npm registry by the test setup (once, into var/), injected
into each page, and its serious and critical violations returned.

    with browser.new_context(bypass_csp=True) ...       # the pages forbid inline scripts; axe is injected
    assert axe_violations(page) == []
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REQUIRE_SERVICES
from tests.live import ROOT

AXE_VERSION = "4.10.3"
AXE_DIR = ROOT / "var" / "test-tools" / f"axe-core-{AXE_VERSION}"
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = """async () => {
  const found = await axe.run(document, {resultTypes: ["violations"]});
  return found.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""


def axe_script() -> Path:
    """axe.min.js, installed with npm the first time."""
    if not AXE_SCRIPT.exists():
        npm = shutil.which("npm")
        problem = "npm is not installed" if npm is None else ""
        if npm is not None:
            done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR),
                                   f"axe-core@{AXE_VERSION}"], capture_output=True, text=True, timeout=300,
                                  check=False)
            problem = "" if done.returncode == 0 and AXE_SCRIPT.exists() else f"npm install failed: {done.stderr}"
        if problem:
            if REQUIRE_SERVICES:
                pytest.fail(f"axe-core: {problem}")
            pytest.skip(f"axe-core: {problem}")
    return AXE_SCRIPT


def axe_violations(page: Any) -> list[str]:
    """The page's serious and critical accessibility violations by axe-core (WCAG 2.1 AA and best practice)."""
    page.add_script_tag(path=str(axe_script()))
    found: list[str] = page.evaluate(SERIOUS)
    return found
