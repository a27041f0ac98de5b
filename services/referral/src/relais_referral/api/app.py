"""The referral service's HTTP API."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from relais_referral.api.routers import (
    caseload,
    jobseekers,
    needs,
    notification_settings,
    offer,
    organisations,
    policies,
    privacy,
    referrals,
    worklists,
)
from relais_referral.domain.errors import InvalidReferral, InvalidTransition
from relais_referral.service_layer.needs import InvalidNeed
from relais_referral.service_layer.offer import InvalidOffer
from relais_referral.service_layer.privacy import Erased
from relais_referral.settings import ReferralSettings
from relais_shared.api import create_database_service_app
from relais_shared.problems import Problem, problem_response

DESCRIPTION = """
Orientations entre les organisations du pacte (France Travail, Mission locale, PLIE, Cap emploi…).
Seul service à détenir des données d'identité. Toutes les requêtes exigent un jeton Bearer (OIDC, RS256)
portant `org_id` et `roles` ; chaque accès à une donnée personnelle est journalisé.
Erreurs au format RFC 9457 (`application/problem+json`).
"""


def create_app(settings: ReferralSettings | None = None) -> FastAPI:
    settings = settings or ReferralSettings()
    app = create_database_service_app(
        title="Relais — service des orientations",
        description=DESCRIPTION,
        settings=settings,
        routers=[
            organisations.router,
            jobseekers.router,
            referrals.router,
            worklists.router,
            policies.router,
            offer.router,
            needs.router,
            caseload.router,
            privacy.router,
            notification_settings.router,
        ],
    )

    @app.exception_handler(InvalidTransition)
    async def _transition(request: Request, exc: InvalidTransition) -> JSONResponse:
        return problem_response(Problem("invalid-transition", str(exc)), request.url.path)

    @app.exception_handler(InvalidReferral)
    async def _invalid(request: Request, exc: InvalidReferral) -> JSONResponse:
        return problem_response(Problem("validation-error", str(exc)), request.url.path)

    @app.exception_handler(InvalidOffer)
    async def _invalid_offer(request: Request, exc: InvalidOffer) -> JSONResponse:
        return problem_response(Problem("validation-error", str(exc), exc.errors), request.url.path)

    @app.exception_handler(InvalidNeed)
    async def _invalid_need(request: Request, exc: InvalidNeed) -> JSONResponse:
        return problem_response(Problem("validation-error", str(exc)), request.url.path)

    @app.exception_handler(Erased)
    async def _erased(request: Request, exc: Erased) -> JSONResponse:
        detail = "Les données de cette personne ont été effacées."
        return problem_response(Problem("gone", detail), request.url.path)

    return app
