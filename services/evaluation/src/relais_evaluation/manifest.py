"""The evaluation service's manifest for the platform."""

from __future__ import annotations

from pathlib import Path

from relais_evaluation.adapters.events.consumer import INGESTED_TOPICS, INGESTION_GROUP
from relais_evaluation.adapters.events.published import registry
from relais_evaluation.app import create_app
from relais_evaluation.settings import EvaluationSettings
from relais_shared.manifest import ConsumerGroup, ServiceManifest

MANIFEST = ServiceManifest(
    name="evaluation",
    label="Évaluation",
    settings=EvaluationSettings,
    processes=("api", "consumer", "relay", "worker"),
    create_app=create_app,
    service_dir=Path(__file__).resolve().parents[2],
    events=registry,
    topic_key="campaign id",
    consumer_groups=(
        ConsumerGroup(
            INGESTION_GROUP,
            "pseudonymised facts of every service's events for the pact's indicators "
            "(rebuilt by evaluation-rebuild)",
            INGESTED_TOPICS,
        ),
    ),
)
