"""HTTP API of the clauses service: health and readiness until its issue builds the rest."""

from __future__ import annotations

from fastapi import FastAPI

from relais_clauses.settings import ClausesSettings
from relais_shared.api import create_database_service_app

TITLE = "Relais — clauses sociales d'insertion"
DESCRIPTION = (
    "Suivi des clauses d'insertion des marchés publics : acheteurs, opérations,"
    " marchés et lots, obligations, heures réalisées."
)


def create_app(settings: ClausesSettings | None = None) -> FastAPI:
    return create_database_service_app(
        title=TITLE, description=DESCRIPTION, settings=settings or ClausesSettings()
    )
