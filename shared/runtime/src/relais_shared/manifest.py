"""What each service tells the platform about itself (discovered through the ``relais.services`` entry point).

The CLI and the contract check use manifests to find every service's API, events and migrations
without any service importing another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from relais_shared.envelope import EventRegistry


@dataclass(frozen=True)
class ServiceManifest:
    name: str
    create_app: Callable[[], FastAPI]
    service_dir: Path
    events: EventRegistry = field(default_factory=EventRegistry)
    asyncapi: Callable[[], dict[str, Any]] | None = None
    has_database: bool = True
    demo_loader: Callable[[], Any] | None = None


def load_manifests() -> dict[str, ServiceManifest]:
    manifests: dict[str, ServiceManifest] = {}
    for ep in entry_points(group="relais.services"):
        manifest = ep.load()
        manifests[manifest.name] = manifest
    return dict(sorted(manifests.items()))
