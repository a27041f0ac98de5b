"""The clauses service's manifest for the platform."""

from __future__ import annotations

from pathlib import Path

from relais_clauses.app import create_app
from relais_clauses.events import registry
from relais_clauses.settings import ClausesSettings
from relais_shared.manifest import ConsumerGroup, ServiceManifest

MANIFEST = ServiceManifest(
    name="clauses",
    label="Clauses sociales",
    settings=ClausesSettings,
    processes=("api", "consumer", "relay", "worker"),
    create_app=create_app,
    service_dir=Path(__file__).resolve().parents[2],
    events=registry,
    topic_key="contract id, or work contract id for hires and hours",
    consumer_groups=(
        ConsumerGroup(
            "clauses-obligation-monitor",
            "starts the ObligationMonitorWorkflow of each registered contract",
            ("relais.clauses.events",),
        ),
    ),
)
