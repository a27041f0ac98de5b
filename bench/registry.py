"""The registry of measurements: a service adds its figures by adding one module to ``bench/measurements``.

A measurement is an async function taking the :class:`~bench.core.BenchContext` and returning
:class:`~bench.core.Figure` objects. Ceilings run first (``kind="ceiling"``) so that Relais figures
can be set next to them; within a kind, ``order`` decides.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bench.core import BenchContext, Figure

Kind = Literal["ceiling", "relais"]
Runner = Callable[["BenchContext"], Awaitable[list["Figure"]]]


@dataclass(frozen=True)
class Measurement:
    name: str
    kind: Kind
    order: int
    description: str
    run: Runner


_REGISTRY: dict[str, Measurement] = {}


def measurement(name: str, *, kind: Kind, order: int = 100) -> Callable[[Runner], Runner]:
    def register(func: Runner) -> Runner:
        if name in _REGISTRY:
            raise ValueError(f"measurement {name} registered twice")
        _REGISTRY[name] = Measurement(name, kind, order, (func.__doc__ or "").strip().split("\n")[0], func)
        return func

    return register


def all_measurements() -> list[Measurement]:
    """Every measurement module under ``bench.measurements``, imported and sorted (ceilings first)."""
    import bench.measurements as package

    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")
    return sorted(_REGISTRY.values(), key=lambda m: (m.kind != "ceiling", m.order, m.name))
