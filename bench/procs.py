"""Processes the bench starts: spawned with their own log, measured with psutil, stopped by pid."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import psutil

MB = 1024 * 1024


class Processes:
    """Every process one measurement started; ``stop()`` (or leaving the ``with``) ends each by pid."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start_module(
        self, name: str, module: str, env: dict[str, str], *args: str
    ) -> subprocess.Popen[bytes]:
        return self.start(name, [sys.executable, "-m", module, *args], env)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs[name] = proc
        return proc

    def pid(self, name: str) -> int:
        return self.procs[name].pid

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{tail}")

    def stop(self, timeout: float = 20) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


def rss_mb(pid: int) -> float:
    """Resident set size of one process, in MB."""
    return psutil.Process(pid).memory_info().rss / MB


def tree_rss_mb(pid: int) -> float:
    """Resident set of a process and its children (PostgreSQL backends), shared pages counted once each."""
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_full_info().uss
    return total / MB


class RssSampler:
    """Samples the RSS of named pids in the background; keeps the peak of each."""

    def __init__(self, pids: dict[str, int], interval_s: float = 0.5) -> None:
        self.pids = pids
        self.interval = interval_s
        self.peak: dict[str, float] = dict.fromkeys(pids, 0.0)
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> dict[str, float]:
        now = {}
        for name, pid in self.pids.items():
            with contextlib.suppress(psutil.Error):
                now[name] = rss_mb(pid)
                self.peak[name] = max(self.peak[name], now[name])
        return now

    async def _loop(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> RssSampler:
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sample()


def stack_pids(state_dir: Path, pg_data: Path) -> dict[str, int]:
    """Pids of the stack's servers, from the pid files ``relais stack up`` wrote."""
    pids = {}
    for name in ("kafka", "temporal"):
        pidfile = state_dir / f"{name}.pid"
        if pidfile.exists():
            pids[name] = int(pidfile.read_text().strip())
    postmaster = pg_data / "postmaster.pid"
    if postmaster.exists():
        pids["postgres"] = int(postmaster.read_text().split()[0])
    return pids


def describe(pids: Iterable[int]) -> Iterator[str]:
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            yield " ".join(psutil.Process(pid).cmdline()[:4])
