"""HTTP API of the evaluation service: health and readiness until its issue builds the rest."""

from __future__ import annotations

from fastapi import FastAPI

from relais_evaluation.settings import EvaluationSettings
from relais_shared.api import create_database_service_app

TITLE = "Relais — évaluation"
DESCRIPTION = (
    "Entrepôt analytique pseudonymisé alimenté par les événements, indicateurs et"
    " campagnes d'évaluation conjointe."
)


def create_app(settings: EvaluationSettings | None = None) -> FastAPI:
    return create_database_service_app(
        title=TITLE, description=DESCRIPTION, settings=settings or EvaluationSettings()
    )
