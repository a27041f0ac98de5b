"""What each service tells the platform about itself (discovered through the ``relais.services`` entry point).

A manifest declares the service's name and French label, its settings class (which carries its API
port and database URL), the processes it runs (each a console script ``<name>-<process>``), whether it
owns a database (migrated from ``<service_dir>/alembic``), its event contracts (and so its topic), its
consumer groups and its demo data. The local stack, ``relais run`` and its Procfile, the portal's list
of services, the topic catalogue (``contracts/topics.yaml``, generated) and the contract check all read
the manifests, so that adding a service touches only its own folder and the workspace list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI

from relais_shared.envelope import EventRegistry
from relais_shared.settings import RelaisSettings

Process = Literal["api", "web", "consumer", "relay", "worker"]


@dataclass(frozen=True)
class ConsumerGroup:
    """A consumer group of the service: its own offsets and its own dead-letter topic."""

    name: str
    purpose: str
    subscribes: tuple[str, ...]

    @property
    def dead_letter_topic(self) -> str:
        return f"relais.dlq.{self.name}"


@dataclass(frozen=True)
class ServiceManifest:
    name: str
    label: str  # what the portal calls the service, in French
    settings: type[RelaisSettings]
    create_app: Callable[[], FastAPI]
    service_dir: Path
    processes: tuple[Process, ...] = ("api",)
    events: EventRegistry = field(default_factory=EventRegistry)
    topic_key: str = "aggregate id"  # what keys the service's topic (one topic per producing service)
    partitions: int = 12
    consumer_groups: tuple[ConsumerGroup, ...] = ()
    asyncapi: Callable[[], dict[str, Any]] | None = None
    has_database: bool = True
    demo_loader: Callable[[], Any] | None = None
    demo_hint: Callable[[], str] | None = None  # one line for the `relais run` banner: what to try first

    @property
    def port(self) -> int:
        """The API's port, from the settings' default (``RELAIS_<NAME>_API_PORT`` moves it)."""
        return int(self.settings().api_port)

    @property
    def migrations(self) -> Path | None:
        return self.service_dir / "alembic" if self.has_database else None

    @property
    def topics(self) -> dict[str, list[str]]:
        """The topics the service publishes on, each with its event types."""
        topics: dict[str, list[str]] = {}
        for event_type, model in self.events.all().items():
            topics.setdefault(model.topic, []).append(event_type)
        return topics

    def commands(self) -> dict[str, str]:
        """Process name → console script, e.g. ``referral-relay`` → ``referral-relay``."""
        return {f"{self.name}-{process}": f"{self.name}-{process}" for process in self.processes}


def load_manifests() -> dict[str, ServiceManifest]:
    manifests: dict[str, ServiceManifest] = {}
    for ep in entry_points(group="relais.services"):
        manifest = ep.load()
        manifests[manifest.name] = manifest
    return dict(sorted(manifests.items()))
