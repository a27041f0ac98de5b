"""What every measurement shares: the figures it returns, the context it runs in, small statistics."""

from __future__ import annotations

import math
import os
import socket
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from relais_dev.stack import Stack

Better = Literal["higher", "lower"]


@dataclass
class Target:
    """A goal from the issue, checked in the report (never asserted in tests)."""

    text: str
    min_ratio: float | None = None  # value / ceiling must reach this
    max_value: float | None = None  # value must stay below this

    def met(self, value: float | None, ratio: float | None) -> bool | None:
        if value is None:
            return None
        if self.min_ratio is not None:
            return None if ratio is None else ratio >= self.min_ratio
        if self.max_value is not None:
            return value < self.max_value
        return None


@dataclass
class Figure:
    """One published number: the median of its repeats, with the ceiling it is compared to."""

    key: str
    label: str
    unit: str
    samples: list[float]
    better: Better = "higher"
    ceiling: str | None = None  # key of the ceiling figure this one is a fraction of
    target: Target | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float | None:
        finite = [s for s in self.samples if s is not None and math.isfinite(s)]
        return statistics.median(finite) if finite else None


@dataclass
class Sizes:
    """Full sizes for ``make bench``; tiny ones for ``--quick`` while developing."""

    quick: bool

    def pick(self, full: Any, quick: Any) -> Any:
        return quick if self.quick else full


@dataclass
class BenchContext:
    stack: Stack
    quick: bool
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    profile: bool = False
    figures: dict[str, Figure] = field(default_factory=dict)

    @property
    def sizes(self) -> Sizes:
        return Sizes(self.quick)

    def repeats(self, full: int = 3) -> int:
        return 1 if self.quick else full

    @property
    def work_dir(self) -> Path:
        """Logs and profiles of this run (under .relais/, never committed)."""
        path = self.stack.state / "bench" / self.run_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def service_env(self, **overrides: str) -> dict[str, str]:
        """The environment a Relais process needs to reach this stack, with the bench's overrides."""
        env = {**os.environ, **self.stack.env(), "RELAIS_ENVIRONMENT": "development"}
        env.pop("RELAIS_TRACE_FILE", None)
        env.update(overrides)
        return env

    def admin_dsn(self, database: str = "postgres") -> str:
        return self.stack.admin_dsn(database)

    def sqlalchemy_url(self, database: str) -> str:
        return self.stack.postgres_url(database)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started
