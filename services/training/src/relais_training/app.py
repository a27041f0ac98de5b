"""HTTP API of the training service: health and readiness until its issue builds the rest."""

from __future__ import annotations

from fastapi import FastAPI

from relais_shared.api import create_database_service_app
from relais_training.settings import TrainingSettings

TITLE = "Relais — formation"
DESCRIPTION = "Offres et sessions de formation, inscriptions, assiduité, sorties."


def create_app(settings: TrainingSettings | None = None) -> FastAPI:
    return create_database_service_app(
        title=TITLE, description=DESCRIPTION, settings=settings or TrainingSettings()
    )
