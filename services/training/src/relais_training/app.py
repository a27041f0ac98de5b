"""HTTP API of the training service: health and readiness until its issue builds the rest."""

from __future__ import annotations

from fastapi import FastAPI

from relais_shared.api import create_service_app
from relais_shared.db import database_readiness, make_engine
from relais_shared.telemetry import setup_telemetry
from relais_training.settings import TrainingSettings


def create_app(settings: TrainingSettings | None = None) -> FastAPI:
    settings = settings or TrainingSettings()
    engine = make_engine(settings.database_url, pool_size=2)

    async def shutdown(_: FastAPI) -> None:
        await engine.dispose()

    return create_service_app(
        service="training",
        title="Relais — formation",
        description=("Offres et sessions de formation, inscriptions, assiduité, sorties."),
        version="0.1.0",
        settings=settings,
        readiness={"database": database_readiness(engine)},
        on_shutdown=shutdown,
        tracer_provider=setup_telemetry("training", "api"),
    )
