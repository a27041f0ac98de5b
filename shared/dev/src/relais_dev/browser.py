"""The portal's browser tests: Debian's Chromium driven by Playwright, each page checked by axe-core.

Shared by every end-to-end test of portal pages (``tests/e2e/conftest.py`` holds the fixtures).
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from relais_dev.stack import repo_root

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = repo_root() / "deploy" / "tools" / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = repo_root() / "test-artefacts"


def check_page(page: Any, name: str, folder: str = "portal") -> None:
    """axe-core finds no serious or critical violation; a full-page screenshot is kept under
    ``test-artefacts/<folder>/``."""
    target = ARTEFACTS / folder
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{name}: {serious}"


def wait_ready(url: str, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{what} not ready within {timeout}s")
