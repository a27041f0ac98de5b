"""HTTP API of the clauses service: one router per resource (``adapters/api``), problem+json errors.

Every endpoint declares its roles; perimeters are checked in the handlers (a contractor sees its
contracts, a buyer its operations, a facilitator the clauses it is in charge of: anything else is a 404).
No identity data is ever held or returned: a participant is the referral service's jobseeker id and
categorical attributes.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from relais_clauses.adapters.api import (
    contracts,
    eligibility,
    hours,
    obligation,
    operations,
    reports,
    rules,
    work_contracts,
)
from relais_clauses.domain.errors import InvalidClause
from relais_clauses.settings import ClausesSettings
from relais_shared.api import create_database_service_app
from relais_shared.problems import Problem, problem_response

TITLE = "Relais — clauses sociales d'insertion"
DESCRIPTION = (
    "Suivi des clauses d'insertion des marchés publics : acheteurs, opérations, marchés et lots, obligations,"
    " éligibilité des participants, contrats de travail, heures réalisées, rapports. Erreurs au format"
    " RFC 9457 (`application/problem+json`)."
)


def create_app(settings: ClausesSettings | None = None) -> FastAPI:
    app = create_database_service_app(
        title=TITLE,
        description=DESCRIPTION,
        settings=settings or ClausesSettings(),
        routers=[
            rules.router,
            operations.router,
            contracts.router,
            eligibility.router,
            work_contracts.router,
            hours.router,
            obligation.router,
            reports.router,
        ],
    )

    @app.exception_handler(InvalidClause)
    async def _invalid(request: Request, exc: InvalidClause) -> JSONResponse:
        return problem_response(Problem("validation-error", str(exc), exc.errors), request.url.path)

    return app
