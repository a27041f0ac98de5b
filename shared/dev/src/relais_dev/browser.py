"""Pages in a real browser for tests: Debian's Chromium driven by Playwright, checked by axe-core.

Chromium comes from the system (``apt-get install chromium``; `.ci/run` does it), axe-core from npm at
`make install`; Playwright's own browsers are never downloaded. Every page a test looks at is kept as a
full-page screenshot under ``test-artefacts/<folder>/`` for a person to judge.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

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
T = TypeVar("T")
AXE = repo_root() / "deploy" / "tools" / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = repo_root() / "test-artefacts"


# Tables wider than their box on a desktop screen: the DSFR does not wrap a table's cells, so a wide one
# scrolls sideways inside the page and its last columns (a form, a figure) sit out of sight.
_SCROLLING_TABLES = """() => window.innerWidth < 992 ? [] :
    [...document.querySelectorAll('.fr-table__content, .fr-table__container, .fr-table__wrapper')]
    .filter(box => box.checkVisibility({visibilityProperty: true}))  // not in a folded accordion
    .filter(box => box.scrollWidth > box.clientWidth + 16)  // a border is not a column
    .map(box => (box.querySelector('caption')?.textContent || '?').trim())"""


def check_page(page: Any, name: str, folder: str = "portal") -> None:
    """axe-core finds no serious or critical violation, and on a desktop screen no table hides columns
    behind a sideways scroll; a full-page screenshot is kept."""
    target = ARTEFACTS / folder
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)
    hidden = sorted(set(page.evaluate(_SCROLLING_TABLES)))
    assert not hidden, f"{name}: tables scrolling sideways on a desktop screen: {hidden}"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{name}: {serious}"


def wait_ready(url: str, what: str, timeout: float = 90) -> None:
    """Until ``<url>/ready`` answers 200 (an API or the portal), else an AssertionError naming it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{what} not ready within {timeout}s")


def run_beside_playwright(work: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine (a database step of a browser test) to its end and returns its result.

    Playwright's sync API runs an event loop in the test's thread, where ``asyncio.run`` is refused: the
    coroutine runs in a thread of its own.
    """
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()
