"""Every referral process running against the real stack, for end-to-end tests."""

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from relais_shared.devstack import Stack

PROCESSES = ("api", "consumer", "relay", "worker")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def referral_processes(stack: Stack, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    spans = tmp_path / "spans.jsonl"
    env = {
        **os.environ,
        **stack.env(),
        "RELAIS_TRACE_FILE": str(spans),
        "RELAIS_REFERRAL_API_PORT": str(port),
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = {name: (tmp_path / f"{name}.log").open("wb") for name in PROCESSES}
    for name in PROCESSES:
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", f"relais_referral.entrypoints.{name}"],
            env=env,
            stdout=logs[name],
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{port}", spans
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        for name, proc in procs.items():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            logs[name].close()
