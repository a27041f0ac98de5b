"""HTTP API of the evaluation service: indicators, exit definitions, joint evaluation campaigns.

Every endpoint declares its roles; everything it returns is an aggregate or a campaign's own record —
never a jobseeker id, a name or any other identity field (a test walks the whole OpenAPI to hold that).
"""

from __future__ import annotations

from fastapi import FastAPI

from relais_evaluation.adapters.api import campaigns, definitions, indicators
from relais_evaluation.settings import EvaluationSettings
from relais_shared.api import create_database_service_app

TITLE = "Relais — évaluation"
DESCRIPTION = (
    "Entrepôt analytique pseudonymisé alimenté par les événements : indicateurs du pacte (petits effectifs"
    " masqués), définitions des sorties, campagnes d'évaluation conjointe. Erreurs au format RFC 9457"
    " (`application/problem+json`)."
)


def create_app(settings: EvaluationSettings | None = None) -> FastAPI:
    return create_database_service_app(
        title=TITLE,
        description=DESCRIPTION,
        settings=settings or EvaluationSettings(),
        routers=[indicators.router, definitions.router, campaigns.router],
    )
