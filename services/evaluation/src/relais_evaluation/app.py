"""HTTP API of the evaluation service: health and readiness until its issue builds the rest."""

from __future__ import annotations

from fastapi import FastAPI

from relais_evaluation.settings import EvaluationSettings
from relais_shared.api import create_service_app
from relais_shared.db import database_readiness, make_engine
from relais_shared.telemetry import setup_telemetry


def create_app(settings: EvaluationSettings | None = None) -> FastAPI:
    settings = settings or EvaluationSettings()
    engine = make_engine(settings.database_url, pool_size=2)

    async def shutdown(_: FastAPI) -> None:
        await engine.dispose()

    return create_service_app(
        service="evaluation",
        title="Relais — évaluation",
        description=(
            "Entrepôt analytique pseudonymisé alimenté par les événements"
            ", indicateurs et campagnes d'évaluation conjointe."
        ),
        version="0.1.0",
        settings=settings,
        readiness={"database": database_readiness(engine)},
        on_shutdown=shutdown,
        tracer_provider=setup_telemetry("evaluation", "api"),
    )
