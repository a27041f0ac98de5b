"""The clauses service's manifest for the platform."""

from __future__ import annotations

from pathlib import Path

from relais_clauses.app import create_app
from relais_clauses.events import registry
from relais_clauses.settings import ClausesSettings
from relais_shared.manifest import ServiceManifest

MANIFEST = ServiceManifest(
    name="clauses",
    label="Clauses sociales",
    settings=ClausesSettings,
    processes=("api", "relay"),
    create_app=create_app,
    service_dir=Path(__file__).resolve().parents[2],
    events=registry,
    topic_key="work contract id",
)
