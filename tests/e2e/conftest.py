"""Every referral process running against the real stack, for end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from relais_dev.browser import CHROMIUM, CHROMIUM_ARGS
from relais_dev.stack import Stack
from relais_dev.testing import ServiceProcesses, free_port


class ReferralProcesses(ServiceProcesses):
    """The referral service's processes, with the test's mail server for their e-mails."""

    def __init__(self, stack: Stack, workdir: Path, smtp_port: int) -> None:
        super().__init__("referral", stack, workdir, env={"RELAIS_SMTP_PORT": str(smtp_port)})


class Mailbox:
    """A real local SMTP server that keeps what the workers send."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller

    port = free_port()
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def processes(stack: Stack, tmp_path: Path, mailbox: tuple[Mailbox, int]) -> Iterator[ReferralProcesses]:
    group = ReferralProcesses(stack, tmp_path, mailbox[1])
    group.start_all()
    try:
        yield group
    finally:
        group.stop_all()


@pytest.fixture
def referral_processes(processes: ReferralProcesses) -> tuple[str, Path]:
    return processes.url, processes.spans


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless (never a browser Playwright downloads)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (`.ci/run` does it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser: Any) -> Iterator[Any]:
    """Makes browser contexts (one per user: their own cookies) in French, in Paris; closes them after."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(
            **{"locale": "fr-FR", "timezone_id": "Europe/Paris", "viewport": {"width": 1280, "height": 900}}
            | options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
