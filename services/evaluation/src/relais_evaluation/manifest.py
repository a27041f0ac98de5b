"""The evaluation service's manifest for the platform."""

from __future__ import annotations

from pathlib import Path

from relais_evaluation.app import create_app
from relais_evaluation.settings import EvaluationSettings
from relais_shared.manifest import ServiceManifest

MANIFEST = ServiceManifest(
    name="evaluation",
    label="Évaluation",
    settings=EvaluationSettings,
    create_app=create_app,
    service_dir=Path(__file__).resolve().parents[2],
)
