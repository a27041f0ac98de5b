"""HTTP API of the clauses service: health and readiness until its issue builds the rest."""

from __future__ import annotations

from fastapi import FastAPI

from relais_clauses.settings import ClausesSettings
from relais_shared.api import create_service_app
from relais_shared.db import database_readiness, make_engine
from relais_shared.telemetry import setup_telemetry


def create_app(settings: ClausesSettings | None = None) -> FastAPI:
    settings = settings or ClausesSettings()
    engine = make_engine(settings.database_url, pool_size=2)

    async def shutdown(_: FastAPI) -> None:
        await engine.dispose()

    return create_service_app(
        service="clauses",
        title="Relais — clauses sociales d'insertion",
        description=(
            "Suivi des clauses d'insertion des marchés publics : acheteur"
            "s, opérations, marchés et lots, obligations, heures réalisées."
        ),
        version="0.1.0",
        settings=settings,
        readiness={"database": database_readiness(engine)},
        on_shutdown=shutdown,
        tracer_provider=setup_telemetry("clauses", "api"),
    )
