"""CPU use of the processes under load (psutil) and, with ``--profile``, py-spy flame data of each."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

import psutil


class CpuMeter:
    """Share of one core each process used between ``start()`` and ``stop()`` (100 = one full core)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self._before: dict[str, float] = {}
        self._t0 = 0.0
        self._machine_before = 0.0
        self.percent: dict[str, float] = {}

    @staticmethod
    def _cpu(pid: int) -> float:
        proc = psutil.Process(pid)
        total = 0.0
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = p.cpu_times()
                total += times.user + times.system
        return total

    @staticmethod
    def _own() -> float:
        """This process alone (the processes it started are measured under their own names)."""
        times = psutil.Process(os.getpid()).cpu_times()
        return times.user + times.system

    @staticmethod
    def _machine() -> float:
        """CPU seconds the whole machine spent busy (every core, every process)."""
        times = psutil.cpu_times()
        return sum(times) - times.idle - getattr(times, "iowait", 0.0)

    def start(self) -> None:
        self._t0 = time.perf_counter()
        self._before = {name: self._cpu(pid) for name, pid in self.pids.items()}
        self._before["bench"] = self._own()
        self._machine_before = self._machine()

    def stop(self) -> dict[str, float]:
        """Per process, plus ``bench`` (this client: load, observers) and ``machine`` (all cores busy);
        ``machine`` minus the rest is what no named process accounts for: PostgreSQL's backends, whose
        per-process figure misses the ones that come and go, and the system."""
        wall = time.perf_counter() - self._t0
        for name, pid in self.pids.items():
            with contextlib.suppress(psutil.Error):
                self.percent[name] = round(100 * (self._cpu(pid) - self._before[name]) / wall, 1)
        self.percent["bench"] = round(100 * (self._own() - self._before["bench"]) / wall, 1)
        self.percent["machine"] = round(100 * (self._machine() - self._machine_before) / wall, 1)
        return dict(self.percent)


def py_spy() -> str | None:
    candidate = Path(sys.executable).parent / "py-spy"
    return str(candidate) if candidate.exists() else shutil.which("py-spy")


async def record(pids: dict[str, int], seconds: float, out_dir: Path) -> list[asyncio.subprocess.Process]:
    """Starts one ``py-spy record`` per process (collapsed stacks, 100 Hz, non-blocking)."""
    binary = py_spy()
    if binary is None:
        return []
    procs = []
    for name, pid in pids.items():
        procs.append(
            await asyncio.create_subprocess_exec(
                binary,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(int(seconds)),
                "--rate",
                "100",
                "--nonblocking",
                "--format",
                "raw",
                "--output",
                str(out_dir / f"profile-{name}.txt"),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        )
    return procs


def top_frames(collapsed: Path, limit: int = 25) -> list[tuple[str, float]]:
    """Self-time share of the hottest frames in a py-spy raw (collapsed) profile."""
    counts: dict[str, int] = {}
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        leaf = stack.split(";")[-1]
        counts[leaf] = counts.get(leaf, 0) + int(n)
        total += int(n)
    return [(frame, count / total) for frame, count in sorted(counts.items(), key=lambda kv: -kv[1])[:limit]]


def inclusive_frames(collapsed: Path, needles: list[str]) -> dict[str, float]:
    """Share of samples whose stack contains each needle (inclusive time)."""
    hits = dict.fromkeys(needles, 0)
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        total += int(n)
        for needle in needles:
            if needle in stack:
                hits[needle] += int(n)
    return {k: v / max(1, total) for k, v in hits.items()}
