"""Every referral process running against the real stack, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from relais_dev.stack import Stack

PROCESSES = ("api", "consumer", "relay", "worker")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ReferralProcesses:
    """The referral service's processes, each startable, killable and restartable by pid."""

    def __init__(self, stack: Stack, workdir: Path, smtp_port: int) -> None:
        self.port = free_port()
        self.spans = workdir / "spans.jsonl"
        self.workdir = workdir
        self.env = {
            **os.environ,
            **stack.env(),
            "RELAIS_TRACE_FILE": str(self.spans),
            "RELAIS_REFERRAL_API_PORT": str(self.port),
            "RELAIS_SMTP_PORT": str(smtp_port),
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, name: str, *, entrypoint: str | None = None) -> None:
        """Starts a process under ``name``; ``entrypoint`` runs a second copy of one (a second relay)."""
        log = (self.workdir / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", f"relais_referral.entrypoints.{entrypoint or name}"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self, name: str) -> None:
        """SIGKILL: no graceful shutdown, as when a machine dies."""
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


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
    for name in PROCESSES:
        group.start(name)
    try:
        yield group
    finally:
        group.stop_all()


@pytest.fixture
def referral_processes(processes: ReferralProcesses) -> tuple[str, Path]:
    return processes.url, processes.spans
